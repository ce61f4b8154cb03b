/**
 * The rooms of the load mode: a few synthetic kinds with a simplified, deterministic day curve,
 * driven through the same exact mass balance as the full simulator (`physics.ts` `stepCo2`).
 *
 * Why not the full occupancy model (`occupancy.ts` + `timetables.ts`)? It resolves a day plan
 * through string-keyed random draws and builds segment objects on every call: right for a few
 * hundred rooms, but at 100,000 sensors it would be the load generator's bottleneck and a steady
 * source of garbage, and the load mode exists to measure the messaging path. Here a room's
 * conditions are a pure function of (kind, room index, seed, time) computed from integers and a
 * table per kind, with no allocation beyond the small result object, so readings still rise in
 * lessons and fall when windows open, in the ranges a real ward produces.
 */
import { CO2_GENERATION_LPS, outdoorCo2Ppm } from './physics.ts';
import { fmix32 } from './random.ts';

/** Synthetic room kinds: what a ward's facilities mostly are. */
export const LOAD_ROOM_KINDS = ['classroom', 'counter', 'meeting', 'gym', 'hall'] as const;
/** One of `LOAD_ROOM_KINDS`, stored as its index in a `Uint8Array`. */
export type LoadRoomKind = (typeof LOAD_ROOM_KINDS)[number];

type KindSpec = {
  volumeM3: number;
  capacity: number;
  /** CO₂ generation per occupant (L/s), activity included. */
  lpsPerPerson: number;
  /** Air changes per hour while in use (windows shut) and with windows open. */
  achInUse: number;
  achOpen: number;
  /** Share of the room that is full per JST hour (0–23), on days it is open. */
  hours: readonly number[];
  /** Open on weekends too. */
  weekends: boolean;
  /** Share of the room's hours that are booked (the rest are empty); 1 = always follows `hours`. */
  booked: number;
  /** Share of kinds drawn for a room, in per mille (sums to 1000 over the kinds). */
  share: number;
};

const h = (...pairs: [number, number, number][]): number[] => {
  const out = new Array<number>(24).fill(0);
  for (const [from, to, v] of pairs) for (let i = from; i < to; i++) out[i] = v;
  return out;
};

/** Kind parameters; volumes and capacities are the full simulator's kind defaults (occupancy.ts). */
const KINDS: Readonly<Record<LoadRoomKind, KindSpec>> = {
  classroom: { volumeM3: 180, capacity: 36, lpsPerPerson: CO2_GENERATION_LPS.child6to11, achInUse: 1.5, achOpen: 8, hours: h([8, 9, 0.6], [9, 15, 1], [15, 16, 0.4], [16, 17, 0.05]), weekends: false, booked: 1, share: 400 },
  counter: { volumeM3: 600, capacity: 40, lpsPerPerson: CO2_GENERATION_LPS.adult * 1.2, achInUse: 2, achOpen: 2, hours: h([8, 9, 0.3], [9, 12, 0.8], [12, 13, 0.4], [13, 17, 0.7], [17, 18, 0.3]), weekends: false, booked: 1, share: 150 },
  meeting: { volumeM3: 150, capacity: 20, lpsPerPerson: CO2_GENERATION_LPS.adult, achInUse: 1, achOpen: 6, hours: h([9, 12, 0.8], [13, 17, 0.8], [18, 21, 0.7]), weekends: true, booked: 0.5, share: 200 },
  gym: { volumeM3: 4800, capacity: 250, lpsPerPerson: CO2_GENERATION_LPS.adult * 3, achInUse: 1, achOpen: 6, hours: h([9, 12, 0.3], [13, 16, 0.3], [18, 21, 0.2]), weekends: true, booked: 0.6, share: 100 },
  hall: { volumeM3: 1500, capacity: 150, lpsPerPerson: CO2_GENERATION_LPS.adult, achInUse: 2.5, achOpen: 2.5, hours: h([13, 16, 0.9], [18, 21, 0.9]), weekends: true, booked: 0.4, share: 150 },
};

/** Infiltration only, outside opening hours (as occupancy.ts). */
const OFF_HOURS_ACH = 0.3;
const JST_OFFSET_MS = 9 * 3_600_000;
const DAY_MS = 86_400_000;

/**
 * A well-spread 32-bit hash of up to three integers (murmur3's finaliser over an FNV-style mix):
 * the keyed randomness of the load mode, without strings so that a draw costs a few nanoseconds.
 */
export function mixHash(seed: number, a: number, b = 0, c = 0): number {
  let x = (seed ^ 0x811c9dc5) >>> 0;
  x = Math.imul(x ^ a, 0x01000193);
  x = Math.imul(x ^ b, 0x01000193);
  x = Math.imul(x ^ c, 0x01000193);
  return fmix32(x);
}

/** `mixHash` mapped to [0, 1). */
export function mixUniform(seed: number, a: number, b = 0, c = 0): number {
  return mixHash(seed, a, b, c) / 4294967296;
}

/** The kind a room index draws (by the kinds' shares). */
export function drawRoomKind(seed: number, room: number): number {
  let u = mixHash(seed, room, 0x6b696e64) % 1000;
  for (let k = 0; k < LOAD_ROOM_KINDS.length; k++) {
    u -= KINDS[LOAD_ROOM_KINDS[k] as LoadRoomKind].share;
    if (u < 0) return k;
  }
  return 0;
}

/** Sensors in a room: big rooms more often have two. */
export function drawSensorsPerRoom(seed: number, room: number, kind: number): 1 | 2 {
  const big = kind >= 3;
  return mixUniform(seed, room, 0x73656e73) < (big ? 0.6 : 0.2) ? 2 : 1;
}

/** Volume of a room of kind index `kind` (m³). */
export function roomVolume(kind: number): number {
  return spec(kind).volumeM3;
}

function spec(kind: number): KindSpec {
  return KINDS[LOAD_ROOM_KINDS[kind] ?? 'classroom'];
}

/** Mass-balance inputs and how full the room is, at one moment. */
export type LoadRoomConditions = { generationLps: number; ach: number; fullness: number };

/**
 * The conditions of room `room` (kind index `kind`) at simulated time `t`. Windows open in the
 * last ten minutes of an hour in use with a per-room-per-hour chance, as breaks are aired at school.
 */
export function loadRoomConditions(seed: number, kind: number, room: number, t: number): LoadRoomConditions {
  const k = spec(kind);
  const local = t + JST_OFFSET_MS;
  const day = Math.floor(local / DAY_MS);
  const minuteOfDay = Math.floor((local - day * DAY_MS) / 60_000);
  const hour = Math.floor(minuteOfDay / 60);
  const weekday = (day + 4) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
  const open = k.weekends || (weekday !== 0 && weekday !== 6);
  const booked = k.booked >= 1 || mixUniform(seed, room, day, hour) < k.booked;
  // Attendance varies per room and day (80–100 % of the curve).
  const fullness = open && booked ? (k.hours[hour] ?? 0) * (0.8 + 0.2 * mixUniform(seed, room, day, 0x61747464)) : 0;
  if (fullness <= 0) return { generationLps: 0, ach: OFF_HOURS_ACH, fullness: 0 };
  const airing = minuteOfDay % 60 >= 50 && mixUniform(seed, room, day, hour + 0x100) < 0.5;
  return { generationLps: fullness * k.capacity * k.lpsPerPerson, ach: airing ? k.achOpen : k.achInUse, fullness };
}

/** Outdoor CO₂ at `t` (shared with the full model). */
export const loadOutdoorPpm = outdoorCo2Ppm;
