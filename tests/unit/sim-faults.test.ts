/**
 * The simulator's fault model without MQTT: the `--faults` syntax and its errors, what each fault
 * does to a reading or to the messages on the wire, that rates are honoured (fixed seed, stated
 * tolerance), that the seed repeats a run, and that no faults means no change at all.
 */
import { describe, expect, it } from 'vitest';
import { ReadingPayloadSchema, type ReadingPayload } from '../../common/payloads.ts';
import { parseSimArgs, SimArgsError } from '../../firmware-sim/src/config.ts';
import { demoFaultPlan, FAULT_KINDS, parseFaultList, planForDevice, targetedDevices, type FaultPlan } from '../../firmware-sim/src/fault-plan.ts';
import { applyWireFaults } from '../../firmware-sim/src/fault-wire.ts';
import { createDeviceFaults, episodeProbability, stormsBetween, type FaultedReading } from '../../firmware-sim/src/faults.ts';
import { encodeReading, type SimDeviceRef } from '../../firmware-sim/src/formats.ts';
import { decodeMessage } from '../../ingest/src/decoders/index.ts';

const START = Date.parse('2026-11-24T01:00:00Z');
const MIN = 60_000;

/** `n` readings a minute apart through one device's faults; the healthy reading is 800 + i % 7. */
function run(plan: FaultPlan, n: number, o: { seed?: number; sensorId?: string; ts?: boolean } = {}): FaultedReading[] {
  const faults = createDeviceFaults(plan, { seed: o.seed ?? 7, sensorId: o.sensorId ?? 's1', startMs: START, intervalMs: MIN });
  const out: FaultedReading[] = [];
  for (let i = 0; i < n; i++) {
    const at = START + i * MIN;
    const payload: ReadingPayload = { co2: 800 + (i % 7), temperature: 22, humidity: 45, seq: i };
    if (o.ts) payload.ts = new Date(at).toISOString();
    out.push(faults.apply(payload, at));
  }
  return out;
}
const hits = (rs: FaultedReading[], kind: string) => rs.filter((r) => r.injected.includes(kind as never)).length;

describe('--faults', () => {
  it('parses rates, units and arguments', () => {
    expect(parseFaultList('spike=0.01,stuck=0.5/h:40m,dropout=1/h,skew=0.2:-30m,oversized=0.1:30000,warmup=3,drift=10/h:100')).toEqual({
      spike: { rate: 0.01, arg: 2000 },
      stuck: { rate: 0.5, arg: 40 * MIN },
      dropout: { rate: 1, arg: 15 * MIN },
      skew: { rate: 0.2, arg: -30 * MIN },
      oversized: { rate: 0.1, arg: 30_000 },
      warmup: { rate: 3, arg: 0 },
      drift: { rate: 10, arg: 100 },
    });
    expect(parseFaultList('none')).toEqual({});
    expect(Object.keys(parseFaultList('all'))).toEqual([...FAULT_KINDS]);
    expect(parseFaultList('all,spike=0.5,stuck=0/h')).toMatchObject({ spike: { rate: 0.5 } });
    expect(parseFaultList('all,stuck=0/h').stuck).toBeUndefined();
  });

  it('reports every bad entry as its own flag problem, with the unit it expects', () => {
    let problems: readonly string[] = [];
    try {
      parseSimArgs(['--faults', 'spike=2,stuck=0.5,bogus=1,dropout=1/h:xx,warmup=1.5,zero=0.1/h,duplicate=0.1:5'], {});
    } catch (err) {
      problems = (err as SimArgsError).problems;
    }
    const at = '--faults "spike=2,stuck=0.5,bogus=1,dropout=1/h:xx,warmup=1.5,zero=0.1/h,duplicate=0.1:5": ';
    expect(problems).toEqual([
      `${at}spike is a probability per reading (0-1): at most 1`,
      `${at}stuck is a rate per device-hour: write it as stuck=0.5/h`,
      `${at}unknown fault "bogus" (known: ${FAULT_KINDS.join(', ')})`,
      `${at}"xx" is not a duration such as 15m, 30s or 2h`,
      `${at}warmup is a whole number of readings`,
      `${at}zero is a probability per reading (0-1), not per hour`,
      `${at}duplicate takes no ":" argument`,
    ]);
    expect(parseSimArgs([], {}).faults).toEqual({});
    expect(parseSimArgs(['--faults', 'all'], {}).faults).toEqual(demoFaultPlan());
  });
});

describe('--faults aimed at some devices', () => {
  it('reads @id|id after a fault, and gives each device only the faults aimed at it or at everyone', () => {
    const plan = parseFaultList('spike=0.1,stuck=1/h:45m@tbe-c11-01|ncc-craft,nan=0.5@tasmota:ncc-craft');
    expect(plan.stuck).toEqual({ rate: 1, arg: 45 * MIN, devices: ['tbe-c11-01', 'ncc-craft'] });
    expect(Object.keys(planForDevice(plan, ['tbe-c11-01', 'tbe-c11-01']))).toEqual(['stuck', 'spike']);
    expect(Object.keys(planForDevice(plan, ['tasmota:ncc-craft', 'ncc-craft']))).toEqual(['stuck', 'spike', 'nan']);
    expect(Object.keys(planForDevice(plan, ['msn-age3-01', 'msn-age3-01']))).toEqual(['spike']);
    expect(targetedDevices(plan)).toEqual(['tbe-c11-01', 'ncc-craft', 'tasmota:ncc-craft']);
  });

  it('refuses an empty id, and a storm aimed at devices (a storm hits everyone at once)', () => {
    expect(() => parseFaultList('stuck=1/h@a||b')).toThrow(/must list device ids separated by "\|"/);
    expect(() => parseFaultList('storm=1/h@a')).toThrow(/storm hits every device at the same instant/);
  });

  it('a device that is not aimed at behaves exactly as without the fault', () => {
    const aimed = createDeviceFaults(planForDevice(parseFaultList('spike=1@other'), ['s1']), { seed: 3, sensorId: 's1', startMs: 0, intervalMs: 60_000 });
    const healthy = createDeviceFaults({}, { seed: 3, sensorId: 's1', startMs: 0, intervalMs: 60_000 });
    for (let i = 0; i < 50; i++) {
      const r = { co2: 600 + i, temperature: 21, humidity: 40, seq: i };
      expect(aimed.apply({ ...r }, i * 60_000)).toEqual(healthy.apply({ ...r }, i * 60_000));
    }
  });
});

describe('fault model', () => {
  it('changes nothing when no fault is on', () => {
    for (const r of run({}, 200, { ts: true })) {
      expect(r).toMatchObject({ injected: [], malformed: false, oversizeBytes: 0, duplicate: false, hold: false, releaseHeld: false, dropForMs: 0, started: {} });
    }
    const healthy = run({}, 50, { ts: true }).map((r) => r.payload);
    // Faults draw from their own streams: a fault that hits nothing leaves every reading as it was.
    expect(run({ spike: { rate: 1e-12, arg: 2000 }, stuck: { rate: 1e-12, arg: 45 * MIN } }, 50, { ts: true }).map((r) => r.payload)).toEqual(healthy);
  });

  it('repeats itself with the same seed and differs with another', () => {
    const plan = demoFaultPlan();
    const a = run({ ...plan, spike: { rate: 0.2, arg: 2000 } }, 500, { seed: 3 });
    expect(run({ ...plan, spike: { rate: 0.2, arg: 2000 } }, 500, { seed: 3 })).toEqual(a);
    expect(run({ ...plan, spike: { rate: 0.2, arg: 2000 } }, 500, { seed: 4 })).not.toEqual(a);
  });

  it('honours per-reading probabilities (10,000 readings, ±15 %)', () => {
    const rs = run({ spike: { rate: 0.05, arg: 2000 }, duplicate: { rate: 0.1, arg: 0 }, malformed: { rate: 0.02, arg: 0 } }, 10_000);
    expect(hits(rs, 'spike')).toBeGreaterThan(500 * 0.85);
    expect(hits(rs, 'spike')).toBeLessThan(500 * 1.15);
    expect(rs.filter((r) => r.duplicate).length).toBeGreaterThan(1000 * 0.85);
    expect(rs.filter((r) => r.duplicate).length).toBeLessThan(1000 * 1.15);
    expect(rs.filter((r) => r.malformed).length).toBeGreaterThan(200 * 0.8);
    expect(rs.filter((r) => r.malformed).length).toBeLessThan(200 * 1.2);
  });

  it('honours per-device-hour rates of episodes (drop-outs: 2/h over 500 device-hours, ±10 %)', () => {
    const rs = run({ dropout: { rate: 2, arg: 15 * MIN } }, 30_000);
    expect(hits(rs, 'dropout')).toBeGreaterThan(1000 * 0.9);
    expect(hits(rs, 'dropout')).toBeLessThan(1000 * 1.1);
    expect(rs.find((r) => r.dropForMs > 0)?.dropForMs).toBe(15 * MIN);
    expect(episodeProbability(60, MIN)).toBeCloseTo(1 - Math.exp(-1), 10);
  });

  it('spikes one reading by the given ppm', () => {
    const rs = run({ spike: { rate: 0.3, arg: 1500 } }, 300);
    for (const [i, r] of rs.entries()) expect(r.payload.co2).toBe(800 + (i % 7) + (r.injected.includes('spike') ? 1500 : 0));
  });

  it('freezes a stuck sensor at one value for the episode, then lets go', () => {
    const rs = run({ stuck: { rate: 0.5, arg: 40 * MIN } }, 600);
    const start = rs.findIndex((r) => r.started.stuck !== undefined);
    expect(start).toBeGreaterThanOrEqual(0);
    const frozen = rs[start]?.payload.co2;
    for (let i = start; i < start + 40; i++) {
      expect(rs[i]?.payload.co2).toBe(frozen);
      expect(rs[i]?.injected).toContain('stuck');
    }
    // The minute after the episode is a fresh reading again (unless a new episode starts right then).
    const after = rs[start + 40];
    if (after?.started.stuck === undefined) expect(after?.injected).not.toContain('stuck');
  });

  it('reports 0, 65535 or NaN, and zeros for the first readings after a boot', () => {
    const rs = run({ zero: { rate: 0.1, arg: 0 }, max: { rate: 0.1, arg: 0 }, nan: { rate: 0.1, arg: 0 }, warmup: { rate: 3, arg: 0 } }, 2000);
    expect(rs.slice(0, 3).map((r) => [r.payload.co2, r.injected])).toEqual([[0, ['warmup']], [0, ['warmup']], [0, ['warmup']]]);
    for (const r of rs.slice(3)) {
      if (r.injected.includes('zero')) expect(r.payload.co2).toBe(0);
      else if (r.injected.includes('max')) expect(r.payload.co2).toBe(65535);
      else if (r.injected.includes('nan')) expect(r.payload.co2).toBeNaN();
      else expect(r.payload.co2).toBeGreaterThanOrEqual(800);
    }
    for (const kind of ['zero', 'max', 'nan']) expect(hits(rs, kind)).toBeGreaterThan(100);
  });

  it('drifts readings down at the given rate until the cap (ABC towards and below the 400 ppm floor)', () => {
    const rs = run({ drift: { rate: 60, arg: 150 } }, 300);
    expect(rs[0]?.injected).toEqual([]);
    expect(rs[60]?.payload.co2).toBe(800 + (60 % 7) - 60);
    expect(rs[200]?.payload.co2).toBe(800 + (200 % 7) - 150);
  });

  it('skews the ts of the chosen share of devices by the offset', () => {
    const plan: FaultPlan = { skew: { rate: 0.5, arg: 9 * 3_600_000 } };
    const skewed = Array.from({ length: 400 }, (_, i) => createDeviceFaults(plan, { seed: 1, sensorId: `d${i}`, startMs: START, intervalMs: MIN }).skewMs);
    expect(skewed.filter((s) => s === 9 * 3_600_000).length).toBeGreaterThan(160);
    expect(skewed.filter((s) => s === 0).length).toBeGreaterThan(160);
    const r = run({ skew: { rate: 1, arg: -3_600_000 } }, 1, { ts: true })[0];
    expect(r?.payload.ts).toBe(new Date(START - 3_600_000).toISOString());
    // Without device time there is nothing to skew.
    expect(run({ skew: { rate: 1, arg: -3_600_000 } }, 1)[0]?.injected).toEqual([]);
  });

  it('holds readings back for a late episode and releases them with the next reading after it', () => {
    const rs = run({ late: { rate: 30, arg: 5 * MIN } }, 30);
    const start = rs.findIndex((r) => r.started.late !== undefined);
    expect(start).toBeGreaterThanOrEqual(0);
    expect(rs.slice(0, start).some((r) => r.hold)).toBe(false);
    expect(rs.slice(start, start + 5).every((r) => r.hold)).toBe(true);
    expect(rs[start + 5]?.releaseHeld).toBe(true);
  });

  it('places fleet-wide storms on simulated minutes, the same however the span is cut', () => {
    const plan: FaultPlan = { storm: { rate: 6, arg: 2 * MIN } };
    const whole = stormsBetween(plan, 5, START, START, START + 100 * 3_600_000);
    const pieces = [0, 1, 2, 3].flatMap((k) => stormsBetween(plan, 5, START, START + k * 25 * 3_600_000, START + (k + 1) * 25 * 3_600_000));
    expect(pieces).toEqual(whole);
    // Counted from the start: another --start moves them along with it.
    expect(stormsBetween(plan, 5, START + 7 * MIN, START + 7 * MIN, START + 7 * MIN + 100 * 3_600_000)).toEqual(whole.map((t) => t + 7 * MIN));
    expect(whole.length).toBeGreaterThan(600 * 0.85);
    expect(whole.length).toBeLessThan(600 * 1.15);
  });
});

describe('faults on the wire, as each firmware sends them (decoded by the ingest)', () => {
  const devices: SimDeviceRef[] = [{ kind: 'native', id: 'n1' }, { kind: 'tasmota', id: 't1' }, { kind: 'esphome', id: 'e/1' }, { kind: 'airgradient', id: 'ecda3b1eaaaf' }];
  const faulted = (over: Partial<FaultedReading>, co2 = 812): FaultedReading => ({
    payload: { co2, temperature: 22.1, humidity: 45, seq: 3 }, injected: [], malformed: false, oversizeBytes: 0, duplicate: false,
    hold: false, releaseHeld: false, dropForMs: 0, started: {}, ...over,
  });
  const decode = (d: SimDeviceRef, f: FaultedReading) => {
    const messages = applyWireFaults(d.kind, encodeReading(d, f.payload, START), f);
    const last = messages[messages.length - 1];
    if (!last) throw new Error('no message');
    return { last, result: decodeMessage(last.topic, Buffer.from(last.payload)) };
  };

  it('sends NaN as null (native), nan (ESPHome), no rco2 (AirGradient) or 0 (Tasmota): always invalid', () => {
    const payloads = devices.map((d) => {
      const { last, result } = decode(d, faulted({ injected: ['nan'] }, Number.NaN));
      expect(result).toMatchObject({ type: 'reject', reason: 'invalid_payload' });
      return last.payload;
    });
    expect(payloads[0]).toContain('"co2":null');
    expect(payloads[1]).toContain('"CarbonDioxide":0');
    expect(payloads[2]).toBe('nan');
    expect(payloads[3]).not.toContain('rco2');
  });

  it('cuts malformed messages short and pads oversized ones while keeping them valid JSON', () => {
    for (const d of devices) {
      const { result } = decode(d, faulted({ malformed: true }));
      expect(result).toMatchObject({ type: 'reject', reason: d.kind === 'esphome' ? 'invalid_payload' : 'malformed_json' });
      const big = decode(d, faulted({ oversizeBytes: 20_000 }));
      expect(Buffer.byteLength(big.last.payload)).toBeGreaterThanOrEqual(20_000);
      expect(Buffer.byteLength(big.last.payload)).toBeLessThan(20_100);
      // Only the size is wrong: below the limit it would be a good reading.
      expect(big.result).toMatchObject({ type: 'reading', co2: 812 });
    }
    const native = decode(devices[0] as SimDeviceRef, faulted({ oversizeBytes: 20_000 }));
    expect(ReadingPayloadSchema.safeParse(JSON.parse(native.last.payload)).success).toBe(true);
  });
});
