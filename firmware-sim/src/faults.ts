/**
 * The fault model of one simulated device: given its plan (fault-plan.ts) and its readings in
 * simulated time, decides which faults hit which reading and how. Pure and seeded — no MQTT, no
 * clock — so the same seed, plan and readings give the same faults, and the tests check each
 * transformation directly. The simulator (app.ts) carries out what it decides: sending a message
 * twice, holding readings back, dropping the connection.
 *
 * Every fault kind draws from its own random stream, and none from the sensor's: switching one
 * fault on moves neither the other faults nor the readings themselves.
 */
import type { ReadingPayload } from '../../common/payloads.ts';
import type { FaultKind, FaultPlan } from './fault-plan.ts';
import { createRng, type Rng } from './random.ts';

/** What the faults made of one reading, and what the device must do with it. */
export type FaultedReading = {
  /** The reading as the device reports it (values and `ts` possibly changed). */
  payload: ReadingPayload;
  /** Faults that touched this reading, in the order applied (counters, events). */
  injected: FaultKind[];
  /** Cut the message short (not valid JSON any more). */
  malformed: boolean;
  /** Pad the message to this many bytes (0 = no). */
  oversizeBytes: number;
  /** Publish the message twice. */
  duplicate: boolean;
  /** Hold it back: a late-delivery episode is running. */
  hold: boolean;
  /** Send the readings held back so far, before this one (the episode is over). */
  releaseHeld: boolean;
  /** Drop the connection after this reading for this many simulated ms (0 = no). */
  dropForMs: number;
  /** Episodes (stuck, late, drop-out) that start with this reading, with their simulated length. */
  started: Partial<Record<'stuck' | 'late' | 'dropout', number>>;
};

/** The per-device fault state. */
export type DeviceFaults = {
  /** Applies the plan to one reading taken at simulated time `atMs`. */
  apply(payload: ReadingPayload, atMs: number): FaultedReading;
  /** This device's clock error in ms (0 unless `skew` picked it). */
  readonly skewMs: number;
};

/** Probability that an episode starting at `ratePerHour` per device-hour starts within `intervalMs`. */
export function episodeProbability(ratePerHour: number, intervalMs: number): number {
  return 1 - Math.exp(-ratePerHour * (intervalMs / 3_600_000));
}

/** Creates the fault state of one device; `startMs` is its boot (the simulation start). */
export function createDeviceFaults(plan: FaultPlan, o: { seed: number; sensorId: string; startMs: number; intervalMs: number }): DeviceFaults {
  const streams = new Map<FaultKind, Rng>();
  const rng = (kind: FaultKind): number => {
    let r = streams.get(kind);
    if (!r) {
      r = createRng(o.seed, `fault|${kind}|${o.sensorId}`);
      streams.set(kind, r);
    }
    return r();
  };
  const hit = (kind: FaultKind): boolean => {
    const spec = plan[kind];
    return spec !== undefined && rng(kind) < spec.rate;
  };
  const episode = (kind: 'stuck' | 'late' | 'dropout'): boolean => {
    const spec = plan[kind];
    return spec !== undefined && rng(kind) < episodeProbability(spec.rate, o.intervalMs);
  };
  const skewMs = plan.skew && rng('skew') < plan.skew.rate ? plan.skew.arg : 0;
  let sinceBoot = 0;
  let stuck: { until: number; co2: number } | null = null;
  let lateUntil: number | null = null;

  return {
    skewMs,
    apply(input, atMs) {
      const payload: ReadingPayload = { ...input };
      const out: FaultedReading = { payload, injected: [], malformed: false, oversizeBytes: 0, duplicate: false, hold: false, releaseHeld: false, dropForMs: 0, started: {} };
      const mark = (kind: FaultKind) => out.injected.push(kind);

      // Values. Warm-up comes first: a sensor in preheat reports nothing else.
      if (plan.warmup && sinceBoot < plan.warmup.rate) {
        payload.co2 = 0;
        mark('warmup');
      } else {
        if (stuck && atMs >= stuck.until) stuck = null;
        if (!stuck && plan.stuck && episode('stuck')) {
          stuck = { until: atMs + plan.stuck.arg, co2: payload.co2 };
          out.started.stuck = plan.stuck.arg;
        }
        if (plan.drift) {
          // ABC takes the lowest value it has seen as 400 ppm; in a room never aired to outdoor
          // levels that baseline is too high, so the offset grows until the correction saturates.
          const offset = Math.min(plan.drift.arg, (plan.drift.rate * Math.max(0, atMs - o.startMs)) / 3_600_000);
          if (Math.round(offset) >= 1) {
            payload.co2 = Math.max(1, payload.co2 - Math.round(offset));
            mark('drift');
          }
        }
        if (stuck) {
          payload.co2 = stuck.co2;
          mark('stuck');
        } else if (plan.spike && hit('spike')) {
          payload.co2 += plan.spike.arg;
          mark('spike');
        }
        if (hit('zero')) {
          payload.co2 = 0;
          mark('zero');
        } else if (hit('max')) {
          payload.co2 = 65535;
          mark('max');
        } else if (hit('nan')) {
          payload.co2 = Number.NaN;
          mark('nan');
        }
      }
      sinceBoot++;

      // What goes on the wire.
      if (skewMs !== 0 && payload.ts !== undefined) {
        payload.ts = new Date(Date.parse(String(payload.ts)) + skewMs).toISOString();
        mark('skew');
      }
      if (hit('malformed')) {
        out.malformed = true;
        mark('malformed');
      }
      if (plan.oversized && hit('oversized')) {
        out.oversizeBytes = plan.oversized.arg;
        mark('oversized');
      }
      if (hit('duplicate')) {
        out.duplicate = true;
        mark('duplicate');
      }

      // Delivery episodes.
      if (lateUntil !== null && atMs >= lateUntil) {
        lateUntil = null;
        out.releaseHeld = true;
      }
      if (lateUntil === null && plan.late && episode('late')) {
        lateUntil = atMs + plan.late.arg;
        out.started.late = plan.late.arg;
      }
      if (lateUntil !== null) {
        out.hold = true;
        mark('late');
      }
      if (plan.dropout && episode('dropout')) {
        out.dropForMs = plan.dropout.arg;
        out.started.dropout = plan.dropout.arg;
        mark('dropout');
      }
      return out;
    },
  };
}

/**
 * Storm instants between two simulated times: one keyed draw per simulated minute of the whole
 * fleet (counted from the start, so a seed gives the same storms whatever `--start`), so storms
 * fall on the same minutes whatever the real tick rate. Returns the minute starts in `(fromMs, toMs]`.
 */
export function stormsBetween(plan: FaultPlan, seed: number, startMs: number, fromMs: number, toMs: number): number[] {
  const spec = plan.storm;
  if (!spec) return [];
  const p = episodeProbability(spec.rate, 60_000);
  const out: number[] = [];
  for (let m = Math.floor((fromMs - startMs) / 60_000) + 1; startMs + m * 60_000 <= toMs; m++) {
    if (createRng(seed, `fault|storm|${m}`)() < p) out.push(startMs + m * 60_000);
  }
  return out;
}
