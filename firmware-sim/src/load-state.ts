/**
 * The whole state of the load mode, as a struct of typed arrays: per sensor its room, calibration
 * offset, next due time and sequence number; per room its kind, true CO₂ and the time that CO₂ is
 * for. No object, closure, timer or client per sensor, so memory grows by a few dozen bytes per
 * sensor (`loadStateBytes`) and 100,000 sensors fit in a few megabytes. Readings are generated on
 * the fly when due. No MQTT here (that is load-mode.ts), so it is unit-tested directly.
 *
 * Scheduling: every sensor reads once per interval at its own phase (drawn from the seed). As all
 * sensors share the interval, the order of due times never changes: sensors sorted by phase once
 * (`order`) are visited by a cursor that goes round and round, so finding what is due costs
 * O(readings due), not O(sensors) per tick, and no priority queue is needed.
 */
import { loadOutdoorPpm, loadRoomConditions, drawRoomKind, drawSensorsPerRoom, mixHash, mixUniform, roomVolume } from './load-rooms.ts';
import { stepCo2 } from './physics.ts';
import { buildReadingPayload } from './room-sim.ts';

/** The struct-of-arrays state (see the module comment). Fields are mutated in place. */
export type LoadState = {
  readonly sensors: number;
  readonly rooms: number;
  readonly seed: number;
  readonly intervalMs: number;
  /** Sensor → room index. */
  readonly roomOf: Uint32Array;
  /** Sensor calibration offset, ppm. */
  readonly offset: Int16Array;
  /** Sensor → simulated time of its next reading. */
  readonly nextDue: Float64Array;
  /** Sensor → sequence number of its next reading. */
  readonly seq: Uint32Array;
  /** Sensor indexes by phase: the order in which they come due, every interval. */
  readonly order: Uint32Array;
  /** Position in `order` of the next sensor to come due. */
  cursor: number;
  /** Room → kind index (load-rooms.ts `LOAD_ROOM_KINDS`). */
  readonly roomKind: Uint8Array;
  /** Room → true CO₂ (ppm) at `roomAt`. */
  readonly roomCo2: Float32Array;
  /** Room → simulated time its CO₂ is for. */
  readonly roomAt: Float64Array;
};

/** What the state is built from. */
export type LoadStateOptions = { sensors: number; seed: number; startMs: number; intervalMs: number; warmUpMs?: number };

/** Longest mass-balance step: conditions are held constant over a step. */
const MAX_STEP_MS = 5 * 60_000;
/** Two-sigma calibration error, ppm (the SCD30's 30 ppm + a little). */
const OFFSET_PPM = 40;
/** Measurement noise, ppm (one sigma). */
const NOISE_PPM = 10;

/** The id of synthetic sensor `i`: `load-000042` (six digits, as `--load` is at most 1,000,000). */
export function loadSensorId(i: number): string {
  return `load-${String(i).padStart(6, '0')}`;
}

/** Builds the state: rooms of one or two sensors, each room warmed up to the start. */
export function createLoadState(o: LoadStateOptions): LoadState {
  const n = o.sensors;
  const roomOf = new Uint32Array(n);
  // At most one room per sensor; trimmed below to the rooms actually used.
  const kinds = new Uint8Array(n);
  let rooms = 0;
  for (let i = 0; i < n; rooms++) {
    const kind = drawRoomKind(o.seed, rooms);
    kinds[rooms] = kind;
    const count = Math.min(drawSensorsPerRoom(o.seed, rooms, kind), n - i);
    for (let j = 0; j < count; j++) roomOf[i++] = rooms;
  }
  const offset = new Int16Array(n);
  const nextDue = new Float64Array(n);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    offset[i] = Math.round((mixUniform(o.seed, i, 0x6f6666) * 2 - 1) * OFFSET_PPM);
    nextDue[i] = o.startMs + mixUniform(o.seed, i, 0x706861) * o.intervalMs;
    order[i] = i;
  }
  order.sort((a, b) => (nextDue[a] as number) - (nextDue[b] as number));
  const warmUpMs = o.warmUpMs ?? 2 * 3_600_000;
  const state: LoadState = {
    sensors: n, rooms, seed: o.seed, intervalMs: o.intervalMs, roomOf, offset, nextDue, seq: new Uint32Array(n), order, cursor: 0,
    roomKind: kinds.slice(0, rooms),
    roomCo2: new Float32Array(rooms).fill(loadOutdoorPpm(o.startMs - warmUpMs)),
    roomAt: new Float64Array(rooms).fill(o.startMs - warmUpMs),
  };
  for (let r = 0; r < rooms; r++) advanceLoadRoom(state, r, o.startMs);
  return state;
}

/** Bytes held by the state's arrays: what `--load` costs in memory besides the connections. */
export function loadStateBytes(s: LoadState): number {
  return [s.roomOf, s.offset, s.nextDue, s.seq, s.order, s.roomKind, s.roomCo2, s.roomAt].reduce((sum, a) => sum + a.byteLength, 0);
}

/** Steps room `r`'s true CO₂ forward to `t` (never back: two sensors of a room read at different phases). */
export function advanceLoadRoom(s: LoadState, r: number, t: number): void {
  let at = s.roomAt[r] as number;
  let co2 = s.roomCo2[r] as number;
  const kind = s.roomKind[r] as number;
  while (at < t) {
    const next = Math.min(t, at + MAX_STEP_MS);
    const c = loadRoomConditions(s.seed, kind, r, at);
    co2 = stepCo2(co2, (next - at) / 1000, { generationLps: c.generationLps, volumeM3: roomVolume(kind), ach: c.ach, outdoorPpm: loadOutdoorPpm(at) });
    at = next;
  }
  s.roomAt[r] = at;
  s.roomCo2[r] = co2;
}

/**
 * Visits the sensors due before `untilMs` (inclusive) and `endMs` (exclusive) in time order, at
 * most `max` of them (so one late tick cannot stall the event loop), and schedules each one's next
 * reading one interval later whatever `visit` did with it: a reading that could not be sent is
 * skipped, never queued. Returns how many were visited.
 */
export function visitDueSensors(s: LoadState, untilMs: number, endMs: number, max: number, visit: (sensor: number, atMs: number) => void): number {
  let visited = 0;
  while (visited < max && s.sensors > 0) {
    const i = s.order[s.cursor] as number;
    const at = s.nextDue[i] as number;
    if (at > untilMs || at >= endMs) break;
    s.nextDue[i] = at + s.intervalMs;
    s.cursor = s.cursor + 1 === s.sensors ? 0 : s.cursor + 1;
    visited++;
    visit(i, at);
  }
  return visited;
}

/** Deterministic standard normal draw from (seed, sensor, seq): Box–Muller over two hashes. */
function noise(seed: number, sensor: number, seq: number): number {
  const u = 1 - mixUniform(seed, sensor, seq, 1);
  const v = mixUniform(seed, sensor, seq, 2);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * Takes reading `seq` of sensor `i` at simulated time `atMs` and returns its contract JSON
 * (`{"co2","temperature","humidity","ts"?,"seq"}`, built with the full simulator's payload
 * builder). Only readings actually sent are taken, so `seq` counts readings put on the wire.
 */
export function takeLoadReading(s: LoadState, i: number, atMs: number, stamp: boolean): string {
  const r = s.roomOf[i] as number;
  advanceLoadRoom(s, r, atMs);
  const seq = s.seq[i] as number;
  s.seq[i] = seq + 1;
  const c = loadRoomConditions(s.seed, s.roomKind[r] as number, r, atMs);
  // Gain error ±3 %, fixed per sensor; offset and noise as a typical NDIR sensor.
  const gain = 1 + (mixUniform(s.seed, i, 0x6761) * 2 - 1) * 0.03;
  const co2 = Math.min(40_000, Math.max(1, Math.round((s.roomCo2[r] as number) * gain + (s.offset[i] as number) + NOISE_PPM * noise(s.seed, i, seq))));
  const dayAngle = (2 * Math.PI * ((atMs / 3_600_000 + 9) % 24)) / 24;
  const selfHeat = (mixHash(s.seed, i, 0x7468) % 10) / 10;
  const temperature = Math.round((20.5 + 2.5 * c.fullness - Math.cos(dayAngle) + selfHeat) * 10) / 10;
  const humidity = Math.round(Math.min(90, 38 + 12 * c.fullness + 3 * Math.sin(dayAngle)) * 10) / 10;
  return JSON.stringify(buildReadingPayload({ co2, temperature, humidity, seq, ts: stamp ? atMs : undefined }));
}

