// Data-quality flags from a sensor's own recent readings (fake time, one reading a minute).
import { describe, expect, it } from 'vitest';
import { DEFAULT_QUALITY, ReadingQuality } from '../../ingest/src/quality.ts';

const MIN = 60_000;
const q = () => new ReadingQuality({ ...DEFAULT_QUALITY, suspectAbovePpm: 10_000 });
/** Flags of a series of one-minute readings starting at minute `from`. */
const run = (quality: ReadingQuality, values: number[], from = 0, sensor = 's') => values.map((v, i) => quality.assess(sensor, v, (from + i) * MIN));

describe('reading quality', () => {
  it('an ordinary room with noise is ok', () => {
    expect(new Set(run(q(), [612, 640, 655, 702, 731, 760, 812, 845, 880, 930, 1010, 1052]))).toEqual(new Set(['ok']));
  });

  it('flags the first 3 minutes after the device comes online (warm-up), then not', () => {
    const quality = q();
    quality.online('s', 0);
    expect(run(quality, [0 + 500, 520, 540, 560, 580])).toEqual(['warmup', 'warmup', 'warmup', 'ok', 'ok']);
  });

  it('a reconnect (online again a minute after a reading) is not a boot; online after a long silence is', () => {
    const quality = q();
    run(quality, [600, 610]);
    quality.online('s', 2 * MIN);
    expect(run(quality, [620], 2)).toEqual(['ok']);
    quality.online('s', 30 * MIN);
    expect(run(quality, [640], 30)).toEqual(['warmup']);
  });

  it('a long network outage is not a boot: readings buffered during the silence cancel the warm-up', () => {
    const quality = q();
    run(quality, [600, 610]);
    // 30 minutes without a word, then "online": it looks like a boot ...
    quality.online('s', 31 * MIN);
    // ... until the readings the device measured meanwhile arrive from its buffer, in order.
    expect(run(quality, Array.from({ length: 29 }, (_, i) => 620 + i), 2)).toEqual(Array(29).fill('ok'));
    expect(run(quality, [650, 655], 31)).toEqual(['ok', 'ok']);
    // A real boot sends nothing from the silence: its first minutes stay flagged.
    const booted = q();
    run(booted, [600, 610]);
    booted.online('s', 31 * MIN);
    expect(run(booted, [650, 655, 660, 665], 31)).toEqual(['warmup', 'warmup', 'warmup', 'ok']);
  });

  it('flags a single-sample jump of more than 1000 ppm, but not a rise that keeps going', () => {
    expect(run(q(), [700, 2100, 2150, 2120])).toEqual(['ok', 'jump', 'ok', 'ok']);
    expect(run(q(), [700, 1600, 2500])).toEqual(['ok', 'ok', 'ok']);
    // A crowded small room rising fast for minutes (400 ppm a minute is more than any real room).
    expect(run(q(), [700, 1100, 1500, 1900, 2300, 2700, 3100])).toEqual(Array(7).fill('ok'));
    // After a gap of more than 5 minutes the previous reading is no longer "the previous sample".
    const quality = q();
    run(quality, [700]);
    expect(run(quality, [2100], 10)).toEqual(['ok']);
  });

  it('flags a spike of up to three samples whole, not the return after a short one, and believes a new level that holds', () => {
    const steady = [700, 705, 698, 702, 700];
    expect(run(q(), [...steady, 3000, 3000, 701]).slice(5)).toEqual(['jump', 'jump', 'ok']);
    expect(run(q(), [...steady, 3250, 3300, 3200, 701]).slice(5)).toEqual(['jump', 'jump', 'jump', 'jump']);
    // A level that holds: flagged while the median is still the old level, believed from the third sample.
    expect(run(q(), [...steady, 2100, 2150, 2120, 2130, 2140]).slice(5)).toEqual(['jump', 'jump', 'jump', 'ok', 'ok']);
  });

  it('flags a value frozen for 30 minutes (a hung sensor), and clears as soon as it moves', () => {
    const flags = run(q(), [...Array(32).fill(815), 822]);
    expect(flags.slice(0, 30).every((f) => f === 'ok')).toBe(true);
    expect(flags.slice(30, 32)).toEqual(['stuck', 'stuck']);
    expect(flags[32]).toBe('ok');
  });

  it('flags readings below outdoor air (a bad baseline correction) and above 10 000 ppm', () => {
    expect(run(q(), [402, 379, 350, 10_500])).toEqual(['ok', 'below-floor', 'below-floor', 'suspect-high']);
  });

  it('a late reading neither resets the stuck clock nor counts as a jump', () => {
    const quality = q();
    run(quality, Array(20).fill(815));
    expect(quality.assess('s', 2500, 5 * MIN)).toBe('ok');
    expect(run(quality, Array(12).fill(815), 20).slice(-2)).toEqual(['stuck', 'stuck']);
  });

  it('keeps sensors apart', () => {
    const quality = q();
    run(quality, [700], 0, 'a');
    expect(run(quality, [2000], 1, 'b')).toEqual(['ok']);
  });
});
