/**
 * The simulation state of one room and its sensors, without any MQTT: the room's true CO₂ is
 * stepped through the mass balance (at most one simulated minute per step, aligned to minute
 * boundaries so that schedule changes land on time), and each sensor samples it on its own
 * schedule through its own measurement model. Kept apart from the devices so that a later load
 * mode can drive many rooms without a connection each.
 */
import type { ReadingPayload } from '../../common/payloads.ts';
import type { RoomEntry } from '../../common/registry.ts';
import { resolveRoomProfile, roomConditionsAt, type RoomProfile } from './occupancy.ts';
import { outdoorCo2Ppm, stepCo2 } from './physics.ts';
import { effectiveAch, type VentilationOverride } from './intervention.ts';
import { createRng, type KeyedRandom, type Rng } from './random.ts';
import { createSensorState, indoorClimate, measureClimate, measureCo2, SENSOR_TYPES, type SensorState, type SensorType } from './sensor-model.ts';

/** One simulated sensor (its device connection lives elsewhere). */
export type SimSensor = {
  readonly id: string;
  state: SensorState;
  readonly rng: Rng;
  /** Simulated time of its next reading. */
  nextAt: number;
  /** Simulated time of its previous reading (null before the first). */
  lastAt: number | null;
  /** Next sequence number. */
  seq: number;
};

/** One simulated room: its true CO₂ at simulated time `at`, and the sensors in it. */
export type SimRoom = {
  readonly profile: RoomProfile;
  co2: number;
  at: number;
  readonly sensors: SimSensor[];
  /** Ventilation beyond the timetable (staff reacting to alerts); absent in an ordinary run. */
  overrides?: VentilationOverride[];
  /** Called with the true CO₂ at every minute boundary the room steps over (the closed loop's tallies). */
  onMinute?: (minuteEndMs: number, co2: number) => void;
};

/** How rooms and sensors are set up. */
export type SimRoomOptions = {
  seed: number;
  startMs: number;
  intervalMs: number;
  sensorType: SensorType | 'mixed';
  /**
   * Simulated history run before the start (default 6 h), so a run that starts mid-lesson begins
   * with the CO₂ of a room that has been in use, not with outdoor air.
   */
  warmUpMs?: number;
};

const MINUTE_MS = 60_000;
/** Devices switched on together do not report in lockstep: each first reading falls within this window. */
const FIRST_READING_SPREAD_MS = 10_000;

/** Advances a room's true CO₂ to simulated time `t`. */
export function advanceRoom(room: SimRoom, t: number, rand: KeyedRandom): void {
  while (room.at < t) {
    const next = Math.min(t, (Math.floor(room.at / MINUTE_MS) + 1) * MINUTE_MS);
    const c = roomConditionsAt(room.profile, room.at, rand);
    room.co2 = stepCo2(room.co2, (next - room.at) / 1000, {
      generationLps: c.generationLps,
      volumeM3: room.profile.volumeM3,
      ach: room.overrides ? effectiveAch(c.ach, room.overrides, room.at) : c.ach,
      outdoorPpm: outdoorCo2Ppm(room.at),
    });
    room.at = next;
    if (room.onMinute && next % MINUTE_MS === 0) room.onMinute(next, room.co2);
  }
}

/** Builds a room with its sensors, warmed up to the start time. */
export function createSimRoom(entry: RoomEntry, sensorIds: readonly string[], o: SimRoomOptions, rand: KeyedRandom): SimRoom {
  const profile = resolveRoomProfile(entry);
  const warmUpMs = o.warmUpMs ?? 6 * 3_600_000;
  const room: SimRoom = { profile, co2: outdoorCo2Ppm(o.startMs - warmUpMs), at: o.startMs - warmUpMs, sensors: [] };
  advanceRoom(room, o.startMs, rand);
  for (const id of sensorIds) {
    const rng = createRng(o.seed, `sensor|${id}`);
    const type = o.sensorType === 'mixed' ? SENSOR_TYPES[Math.floor(rand(`${id}|type`) * SENSOR_TYPES.length)] ?? 'scd30' : o.sensorType;
    room.sensors.push({
      id,
      state: createSensorState(type, rng),
      rng,
      nextAt: o.startMs + rand(`${id}|phase`) * Math.min(o.intervalMs, FIRST_READING_SPREAD_MS),
      lastAt: null,
      seq: 0,
    });
  }
  return room;
}

/** The reading message of the contract; `ts` only when device timestamps are on. */
export function buildReadingPayload(r: { co2: number; temperature: number; humidity: number; seq: number; ts?: number }): ReadingPayload {
  const payload: ReadingPayload = { co2: r.co2, temperature: r.temperature, humidity: r.humidity };
  if (r.ts !== undefined) payload.ts = new Date(r.ts).toISOString();
  payload.seq = r.seq;
  return payload;
}

/** Takes one reading of `sensor` at its `nextAt` and schedules the next. */
export function takeReading(room: SimRoom, sensor: SimSensor, intervalMs: number, rand: KeyedRandom, stamp: boolean): ReadingPayload {
  const t = sensor.nextAt;
  advanceRoom(room, t, rand);
  const dtSeconds = sensor.lastAt === null ? 0 : (t - sensor.lastAt) / 1000;
  const measured = measureCo2(sensor.state, room.co2, dtSeconds, sensor.rng);
  sensor.state = measured.state;
  const scheduled = roomConditionsAt(room.profile, t, rand);
  // Windows opened wide by staff cool the room like the timetable's open windows do.
  const conditions = room.overrides?.some((o) => o.kind === 'wide' && t >= o.from && t < o.to) ? { ...scheduled, windowsOpen: true } : scheduled;
  const climate = measureClimate(sensor.state, indoorClimate(t, conditions, room.profile.volumeM3), sensor.rng);
  const payload = buildReadingPayload({ co2: measured.co2, ...climate, seq: sensor.seq, ts: stamp ? t : undefined });
  sensor.seq++;
  sensor.lastAt = t;
  sensor.nextAt = t + intervalMs;
  return payload;
}

/**
 * Takes every reading due before `untilMs` (inclusive) and `endMs` (exclusive), in time order
 * across the room's sensors, handing each to `emit` with the simulated time it was taken at.
 * Returns how many were taken.
 */
export function takeDueReadings(
  room: SimRoom,
  untilMs: number,
  endMs: number,
  o: { intervalMs: number; stamp: boolean; rand: KeyedRandom },
  emit: (sensorId: string, payload: ReadingPayload, atMs: number) => void,
): number {
  let taken = 0;
  for (;;) {
    let due: SimSensor | undefined;
    for (const s of room.sensors) if (!due || s.nextAt < due.nextAt) due = s;
    if (!due || due.nextAt > untilMs || due.nextAt >= endMs) return taken;
    const at = due.nextAt;
    emit(due.id, takeReading(room, due, o.intervalMs, o.rand, o.stamp), at);
    taken++;
  }
}
