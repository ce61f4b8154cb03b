/**
 * Carries out the fault model (faults.ts) on the running devices: sends the bent messages, sends
 * duplicates twice, holds readings back during a late-delivery episode, drops connections for
 * drop-outs and reconnect storms, and counts what it injected. Kept out of app.ts so a healthy
 * simulation does not pass through any of it.
 */
import type { ReadingPayload } from '../../common/payloads.ts';
import type { SimDevice } from './device.ts';
import { FAULT_KINDS, planForDevice, type FaultKind, type FaultPlan } from './fault-plan.ts';
import { applyWireFaults } from './fault-wire.ts';
import { createDeviceFaults, stormsBetween, type DeviceFaults } from './faults.ts';
import { encodeReading, type SimDeviceRef, type SimMessage } from './formats.ts';

/** One injected fault, for observers (tests, debug logs). `atMs` is the reading's simulated time. */
export type FaultEvent = {
  sensorId: string;
  kind: FaultKind;
  atMs: number;
  /** The reading's `seq` (undefined for storms, which hit no single reading). */
  seq?: number;
  /** Simulated length of an episode (stuck, late, drop-out, storm) that starts here. */
  episodeMs?: number;
};

/** Injected faults by kind: readings affected, except `dropout` and `storm` (connection drops, storms). */
export type FaultCounts = Partial<Record<FaultKind, number>>;

/** What the runner needs. */
export type FaultRunnerOptions = {
  plan: FaultPlan;
  seed: number;
  startMs: number;
  intervalMs: number;
  /** Simulated ms per real ms: drop-out lengths are simulated, the device waits in real time. */
  speed: number;
  /** Readings a device holds back at most during a late-delivery episode (the offline buffer's bound). */
  holdLimit: number;
  devices: ReadonlyMap<string, { device: SimDevice; ref: SimDeviceRef }>;
  onFault?: (e: FaultEvent) => void;
};

/** The faults of a running simulation. */
export type FaultRunner = {
  /** Sends one reading through the fault model. */
  emit(sensorId: string, payload: ReadingPayload, atMs: number): void;
  /** Starts the storms due up to simulated time `simNowMs`. */
  tick(simNowMs: number): void;
  counts(): FaultCounts;
  /** Hands every held-back reading to its device (at close: late, but not lost). */
  releaseAll(): void;
};

/** Real ms a simulated drop-out lasts: at least a few ms so the socket really closes. */
const realMs = (simMs: number, speed: number) => Math.max(20, simMs / speed);

/** Creates the runner; every device gets its own fault state from the seed. */
export function createFaultRunner(o: FaultRunnerOptions): FaultRunner {
  const counts: FaultCounts = Object.fromEntries(FAULT_KINDS.filter((k) => o.plan[k]).map((k) => [k, 0]));
  const states = new Map<string, { faults: DeviceFaults; held: SimMessage[][] }>();
  for (const [sensorId, { ref }] of o.devices) {
    const plan = planForDevice(o.plan, [sensorId, ref.id]);
    states.set(sensorId, { faults: createDeviceFaults(plan, { seed: o.seed, sensorId, startMs: o.startMs, intervalMs: o.intervalMs }), held: [] });
  }
  let stormsUpTo = o.startMs;

  function emit(sensorId: string, payload: ReadingPayload, atMs: number): void {
    const entry = o.devices.get(sensorId);
    const state = states.get(sensorId);
    if (!entry || !state) return;
    const f = state.faults.apply(payload, atMs);
    for (const kind of f.injected) {
      counts[kind] = (counts[kind] ?? 0) + 1;
      const episodeMs = kind === 'stuck' || kind === 'late' || kind === 'dropout' ? f.started[kind] : undefined;
      o.onFault?.({ sensorId, kind, atMs, seq: typeof payload.seq === 'number' ? payload.seq : undefined, ...(episodeMs === undefined ? {} : { episodeMs }) });
    }
    const messages = applyWireFaults(entry.ref.kind, encodeReading(entry.ref, f.payload, atMs), f);
    if (f.releaseHeld || (f.hold && state.held.length >= o.holdLimit)) {
      for (const m of state.held.splice(0)) entry.device.send(m);
    }
    if (f.hold) state.held.push(messages);
    else entry.device.send(messages);
    if (f.duplicate) {
      if (f.hold) state.held.push(messages);
      else entry.device.send(messages);
    }
    if (f.dropForMs > 0) entry.device.dropConnection(realMs(f.dropForMs, o.speed));
  }

  function tick(simNowMs: number): void {
    const storms = stormsBetween(o.plan, o.seed, o.startMs, stormsUpTo, simNowMs);
    stormsUpTo = Math.max(stormsUpTo, simNowMs);
    const spec = o.plan.storm;
    if (!spec) return;
    for (const at of storms) {
      counts.storm = (counts.storm ?? 0) + 1;
      for (const [sensorId, { device }] of o.devices) {
        device.dropConnection(realMs(spec.arg, o.speed));
        o.onFault?.({ sensorId, kind: 'storm', atMs: at, episodeMs: spec.arg });
      }
    }
  }

  function releaseAll(): void {
    for (const [sensorId, state] of states) {
      const device = o.devices.get(sensorId)?.device;
      for (const m of state.held.splice(0)) device?.send(m);
    }
  }

  return { emit, tick, releaseAll, counts: () => ({ ...counts }) };
}
