/**
 * Who is in a room and how much outdoor air it gets, at any simulated moment: a pure function of
 * (room profile, simulated time, seeded keyed random). The per-kind day plans live in
 * `timetables.ts`; this module resolves a registry room into a profile (filling in volume and
 * capacity by kind when the registry has none) and turns the plan into mass-balance inputs.
 */
import { holidayName } from '../../common/calendar.ts';
import type { FacilityKind, RoomEntry } from '../../common/registry.ts';
import { generationLps, type Activity, type PersonGroup } from './physics.ts';
import type { KeyedRandom } from './random.ts';
import { buildDayPlan, type Segment } from './timetables.ts';

/** How a room is used, which picks its timetable. Derived from the facility kind and the room's id/name. */
export type RoomUse = 'classroom' | 'gym' | 'booked' | 'counter' | 'event' | 'lobby' | 'nursery' | 'shelter';

/** A registry room with everything the simulator needs resolved. */
export type RoomProfile = {
  /** `facility/room`, also the key of its random draws. */
  readonly key: string;
  readonly facilityId: string;
  readonly kind: FacilityKind;
  readonly use: RoomUse;
  readonly volumeM3: number;
  readonly capacity: number;
  /** The main occupants (staff and teachers are added as adults by the timetable). */
  readonly group: PersonGroup;
  /** What people usually do in the room when it is booked (a gym is active, a meeting room seated). */
  readonly usualActivity: Activity;
  /** Elementary (6 × 45-min lessons) or junior high (50-min lessons); only for schools. */
  readonly schoolLevel: 'elementary' | 'juniorHigh';
};

/** The inputs of the mass balance at one moment, plus what a person would see in the room. */
export type RoomConditions = {
  /** People in the room (pupils/visitors and staff). */
  occupants: number;
  /** Their total CO₂ generation, L/s. */
  generationLps: number;
  /** Outdoor-air changes per hour. */
  ach: number;
  windowsOpen: boolean;
  /** What is going on, e.g. `lesson 3`, `lunch`, `closed`. */
  label: string;
};

/**
 * Defaults by kind when the registry gives no volume (m³) or capacity. Off-hours air change is
 * infiltration only (mechanical ventilation off): ~0.3 ACH is typical of post-1990s Japanese
 * concrete buildings.
 */
export const KIND_DEFAULTS: Readonly<Record<FacilityKind, { volumeM3: number; capacity: number }>> = {
  // MEXT standard classroom: 60 m² × 3 m, ~35 pupils (the legal maximum class is 35–40).
  school: { volumeM3: 180, capacity: 35 },
  nursery: { volumeM3: 150, capacity: 20 },
  office: { volumeM3: 600, capacity: 40 },
  community: { volumeM3: 150, capacity: 20 },
  hall: { volumeM3: 1500, capacity: 150 },
  shelter: { volumeM3: 3000, capacity: 200 },
  other: { volumeM3: 400, capacity: 30 },
};
/** Default volume and capacity of a gymnasium (a school gym is also the ward's evacuation shelter). */
export const GYM_DEFAULTS = { volumeM3: 4800, capacity: 250 };

/** Infiltration-only air change outside opening hours. */
export const OFF_HOURS_ACH = 0.3;

const GYM = /gym|arena|体育/i;
const CLASSROOM = /^class|組$/i;
const LOBBY = /lobby|ロビー|waiting|待合/i;
const MEETING = /meeting|会議|seminar|研修/i;
const PLAYROOM = /play|遊戯/i;
const JUNIOR_HIGH = /中学|junior high|high school/i;

function pickUse(room: RoomEntry): RoomUse {
  const text = `${room.roomId} ${room.name.en} ${room.name.ja}`;
  const gym = GYM.test(text);
  switch (room.facilityKind) {
    case 'school':
      return gym ? 'gym' : CLASSROOM.test(room.roomId) || CLASSROOM.test(room.name.ja) ? 'classroom' : 'booked';
    case 'nursery':
      return PLAYROOM.test(text) ? 'booked' : 'nursery';
    case 'office':
      return MEETING.test(text) ? 'booked' : 'counter';
    case 'hall':
      return LOBBY.test(text) ? 'lobby' : MEETING.test(text) ? 'booked' : 'event';
    case 'shelter':
      return 'shelter';
    case 'community':
    case 'other':
      return gym ? 'gym' : 'booked';
  }
}

/** Resolves a registry room: its use, volume and capacity (registry values win over defaults). */
export function resolveRoomProfile(room: RoomEntry): RoomProfile {
  const use = pickUse(room);
  const text = `${room.roomId} ${room.name.en} ${room.name.ja}`;
  const usualActivity: Activity = use === 'gym' || PLAYROOM.test(text) ? 'active' : MEETING.test(text) ? 'seated' : 'light';
  const defaults = use === 'gym' ? GYM_DEFAULTS : KIND_DEFAULTS[room.facilityKind];
  const schoolLevel = JUNIOR_HIGH.test(`${room.facilityName.ja} ${room.facilityName.en}`) ? 'juniorHigh' : 'elementary';
  const group: PersonGroup =
    room.facilityKind === 'nursery' ? 'youngChild'
    : room.facilityKind === 'school' ? (schoolLevel === 'juniorHigh' ? 'child11to16' : 'child6to11')
    : 'adult';
  return Object.freeze({
    key: `${room.facilityId}/${room.roomId}`,
    facilityId: room.facilityId,
    kind: room.facilityKind,
    use,
    volumeM3: room.volume ?? defaults.volumeM3,
    capacity: room.capacity ?? defaults.capacity,
    group,
    usualActivity,
    schoolLevel,
  });
}

const DAY_MS = 86_400_000;
/** Japan has no daylight saving time, so local time is a fixed UTC+9. */
const JST_OFFSET_MS = 9 * 3_600_000;

/** A local calendar day as the timetables see it. */
export type LocalDay = {
  /** `YYYY-MM-DD`, part of every random key so each day draws anew. */
  key: string;
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
  /** 1–12 and 1–31, for school holidays. */
  month: number;
  date: number;
  /** A Japanese public holiday (祝日, 振替休日, 国民の休日): schools, offices and nurseries close. */
  holiday: boolean;
};

/** The local (JST) day of a moment and the minute of that day (fractional). */
export function localTime(simTimeMs: number): { day: LocalDay; minute: number } {
  const local = simTimeMs + JST_OFFSET_MS;
  const d = new Date(local);
  const msOfDay = ((local % DAY_MS) + DAY_MS) % DAY_MS;
  const key = d.toISOString().slice(0, 10);
  return {
    day: { key, weekday: d.getUTCDay(), month: d.getUTCMonth() + 1, date: d.getUTCDate(), holiday: holidayName(key) !== undefined },
    minute: msOfDay / 60_000,
  };
}

// Building a day plan takes a few dozen keyed draws; the physics asks once a simulated minute, so
// remember the last plan per profile. Same inputs, same answer: the cache does not affect purity.
const planCache = new WeakMap<RoomProfile, { dayKey: string; rand: KeyedRandom; plan: readonly Segment[] }>();

function dayPlan(profile: RoomProfile, day: LocalDay, rand: KeyedRandom): readonly Segment[] {
  const cached = planCache.get(profile);
  if (cached && cached.dayKey === day.key && cached.rand === rand) return cached.plan;
  const plan = buildDayPlan(profile, day, rand);
  planCache.set(profile, { dayKey: day.key, rand, plan });
  return plan;
}

/** Air changes per hour with the windows wide open: 6–12 (cross-ventilation in a classroom-sized room). */
export function openWindowAch(rand: KeyedRandom, key: string): number {
  return 6 + 6 * rand(`${key}|open-ach`);
}

/** Occupancy and ventilation of a room at a simulated moment. */
export function roomConditionsAt(profile: RoomProfile, simTimeMs: number, rand: KeyedRandom): RoomConditions {
  const { day, minute } = localTime(simTimeMs);
  const segment = dayPlan(profile, day, rand).find((s) => minute >= s.from && minute < s.to);
  if (!segment) return { occupants: 0, generationLps: 0, ach: OFF_HOURS_ACH, windowsOpen: false, label: 'closed' };

  const fill = segment.fillTo === undefined
    ? segment.fill
    : segment.fill + ((segment.fillTo - segment.fill) * (minute - segment.from)) / (segment.to - segment.from);
  const people = Math.max(0, Math.round(profile.capacity * fill));
  const staff = segment.staff?.count ?? 0;
  const staffActivity: Activity = segment.staff?.activity ?? 'light';
  // One decision per segment and day (not per call), so an open window stays open for the break.
  const drawKey = `${profile.key}|${day.key}|${segment.from}`;
  const windowsOpen = (segment.windowChance ?? 0) > 0 && rand(`${drawKey}|window`) < (segment.windowChance ?? 0);
  return {
    occupants: people + staff,
    generationLps: generationLps(people, profile.group, segment.activity) + generationLps(staff, 'adult', staffActivity),
    ach: windowsOpen ? openWindowAch(rand, drawKey) : segment.ach,
    windowsOpen,
    label: segment.label,
  };
}

/**
 * When the timetable segment a room is in at `simTimeMs` ends (epoch ms), or null outside every
 * segment: staff who open windows in a lesson keep them ajar until the bell.
 */
export function segmentEndAt(profile: RoomProfile, simTimeMs: number, rand: KeyedRandom): number | null {
  const { day, minute } = localTime(simTimeMs);
  const segment = dayPlan(profile, day, rand).find((s) => minute >= s.from && minute < s.to);
  return segment ? simTimeMs + (segment.to - minute) * 60_000 : null;
}
