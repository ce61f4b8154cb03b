import { describe, expect, it } from 'vitest';
import type { SimStats } from '../../firmware-sim/src/app.ts';
import { parseSimArgs } from '../../firmware-sim/src/config.ts';
import {
  buildSimSummary, colorWanted, formatCount, formatDuration, formatExtraCounters, formatProgressPanel, formatSummaryTable, RateWindow, resolveProgressMode,
} from '../../firmware-sim/src/progress.ts';
import { createTerminalPanel } from '../../firmware-sim/src/terminal-panel.ts';

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[/;

const base: SimStats = {
  devices: 100_000, connected: 75_000, published: 1_234_567, errors: 3, buffered: 12, dropped: 45, inflight: 800,
  simTime: '2026-11-24T01:00:00.000Z', reconnects: 2, byFormat: { native: 1_234_000, tasmota: 567 }, connections: { up: 6, total: 8 },
};

describe('progress panel', () => {
  it('shows every counter, the rate and the simulated time, without colour codes when colour is off', () => {
    const lines = formatProgressPanel(base, { ratePerSecond: 9876.4, realElapsedMs: 83_000, color: false, width: 200 });
    const text = lines.join('\n');
    expect(text).not.toMatch(ANSI);
    expect(text).toContain('Tue 2026-11-24 10:00:00 JST');
    expect(text).toContain('real 1m 23s');
    expect(text).toContain('connections 6/8');
    expect(text).toContain('75,000/100,000 connected');
    expect(text).toContain('9,876 msg/s');
    expect(text).toContain('published 1,234,567');
    expect(text).toMatch(/in flight 800 +buffered 12 +dropped 45 +errors 3/);
    expect(text).toContain('reconnects 2');
  });

  it('colours problems when colour is on, and never makes a line wider than the terminal', () => {
    expect(formatProgressPanel(base, { ratePerSecond: 1, realElapsedMs: 0, color: true, width: 100 }).join('\n')).toContain('\x1b[31m3\x1b[0m'); // errors in red
    const lines = formatProgressPanel(base, { ratePerSecond: 1, realElapsedMs: 0, color: true, width: 40 });
    expect(lines.join('\n')).toContain('…');
    for (const line of lines) {
      // eslint-disable-next-line no-control-regex
      expect(line.replace(/\x1b\[[0-9;]*m/g, '').length).toBeLessThanOrEqual(40);
    }
  });

  it('shows counters it does not know (faults, closed loop) generically', () => {
    const stats = { ...base, faults: { spikes: 4, stuck: 1, note: 'x' }, loopActions: 7, label: 'ignored' } as SimStats;
    expect(formatExtraCounters(stats as unknown as Record<string, unknown>)).toEqual(['faults: spikes 4, stuck 1', 'loopActions 7']);
    const text = formatProgressPanel(stats, { ratePerSecond: 0, realElapsedMs: 0, color: false, width: 300 }).join('\n');
    expect(text).toContain('faults: spikes 4, stuck 1');
    expect(text).toContain('loopActions 7');
  });

  it('formats counts and durations for people', () => {
    expect(formatCount(1234567.4)).toBe('1,234,567');
    expect(formatDuration(5_400)).toBe('5s');
    expect(formatDuration(125_000)).toBe('2m 05s');
    expect(formatDuration(3 * 3_600_000 + 4 * 60_000)).toBe('3h 04m');
    expect(formatDuration(2 * 86_400_000 + 3 * 3_600_000)).toBe('2d 03h');
  });
});

describe('rate window', () => {
  it('measures the recent rate, not the average since start', () => {
    const w = new RateWindow(5000);
    for (let t = 0; t <= 10_000; t += 500) w.add(t, t < 5000 ? t * 10 : 50_000); // 10k/s, then a stall
    expect(w.rate()).toBe(0);
    const v = new RateWindow(5000);
    for (let t = 0; t <= 20_000; t += 500) v.add(t, t * 2); // 2000/s
    expect(v.rate()).toBeCloseTo(2000, 6);
  });

  it('stays bounded however often it is fed', () => {
    const w = new RateWindow(1e12, 16);
    for (let t = 0; t < 10_000; t++) w.add(t, t);
    expect((w as unknown as { samples: unknown[] }).samples.length).toBeLessThanOrEqual(16);
    expect(w.rate()).toBeCloseTo(1000, 6);
  });
});

describe('summary', () => {
  const summary = buildSimSummary({ ...base, faults: { spikes: 4 } } as SimStats, { simStartMs: Date.parse('2026-11-24T00:00:00Z'), realElapsedMs: 60_000 });

  it('computes the run time, the average rate and flattens extra counters', () => {
    expect(summary).toMatchObject({
      realSeconds: 60, simulatedSeconds: 3600, devices: 100_000, published: 1_234_567, msgPerSecond: 20576.1, dropped: 45, errors: 3, reconnects: 2,
      byFormat: { native: 1_234_000, tasmota: 567 }, extra: { 'faults.spikes': 4 },
    });
  });

  it('prints an aligned table: every row as wide as the rule, values right-aligned', () => {
    const table = formatSummaryTable(summary);
    const lines = table.trimEnd().split('\n');
    const width = (lines[0] as string).length;
    for (const line of lines) expect(line.length).toBe(width);
    expect(table).toMatch(/\| run time \(simulated\) \| +1h 00m \|/);
    expect(table).toMatch(/\| average rate +\| +20,576 msg\/s \|/);
    expect(table).toMatch(/\| {3}tasmota +\| +567 \|/);
    expect(table).toMatch(/\| faults\.spikes +\| +4 \|/);
    expect(table).not.toMatch(ANSI);
  });
});

describe('progress mode and colour', () => {
  it('auto means a panel only on a terminal; NO_COLOR turns colour off', () => {
    expect(resolveProgressMode('auto', true)).toBe('tty');
    expect(resolveProgressMode('auto', false)).toBe('json');
    expect(resolveProgressMode('off', true)).toBe('off');
    expect(colorWanted({}, true)).toBe(true);
    expect(colorWanted({ NO_COLOR: '1' }, true)).toBe(false);
    expect(colorWanted({}, false)).toBe(false);
  });

  it('parses --progress, --load, --connections and --inflight, and refuses what load mode cannot honour', () => {
    expect(parseSimArgs(['--progress', 'json', '--load', '100000', '--connections', '16', '--inflight', '64'])).toMatchObject({ progress: 'json', load: 100_000, connections: 16, inflight: 64 });
    expect(parseSimArgs([])).toMatchObject({ progress: 'auto', load: undefined, connections: 8, inflight: 1000 });
    expect(() => parseSimArgs(['--progress', 'fancy'])).toThrow(/--progress "fancy": must be one of auto, tty, json, off/);
    expect(() => parseSimArgs(['--load', '0'])).toThrow(/--load "0": must be at least 1/);
    expect(() => parseSimArgs(['--load', '10', '--secrets', 's.yaml', '--sensors', '3'])).toThrow(/--sensors selects registry sensors[\s\S]*--secrets cannot be used with --load/);
    expect(() => parseSimArgs(['--load', '4', '--connections', '8'])).toThrow(/--connections 8 is more than --load 4/);
  });
});

describe('terminal panel', () => {
  it('redraws in place and writes log lines above the panel', () => {
    let screen = '';
    const out = { write: (t: string) => (screen += t), columns: 100 };
    const panel = createTerminalPanel(out);
    panel.draw(['a', 'b']);
    panel.draw(['c', 'd']);
    panel.writeAbove(out, '{"level":40}\n');
    panel.clear();
    // Up two lines and erase before each redraw and before the log line; the panel follows the log line.
    expect(screen).toBe('a\nb\n\x1b[2F\x1b[0Jc\nd\n\x1b[2F\x1b[0J{"level":40}\nc\nd\n\x1b[2F\x1b[0J');
    expect(panel.width()).toBe(99);
  });
});
