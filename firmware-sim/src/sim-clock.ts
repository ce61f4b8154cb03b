/**
 * Simulated time: runs `speed` times faster than real time from a chosen start instant, so a school
 * day can be watched in minutes (`--speed 60`) or a week replayed in an hour.
 *
 * Why the `--timestamps` choice exists: a device stamps each reading with its own clock. At speed 1
 * from "now", simulated and real time agree and the stamps are honest device times (which is what
 * lets readings buffered during an outage land at the moment they were measured). At any other
 * speed, or from a `--start` in the past, simulated time drifts away from real time: at speed 60 the
 * stamps run an hour ahead after one real minute, and the ingest would replace them anyway as
 * implausibly skewed (it accepts only a small future skew). So `auto` sends device timestamps only
 * while simulated time tracks real time, and otherwise leaves `ts` out so the ingest stamps readings
 * with their receive time. `device` forces stamps (back-filling a past period at speed 1, or tests
 * that check buffered readings keep their times); `none` never sends them.
 */
import { localTime } from './occupancy.ts';
import { isSchoolDay } from './timetables.ts';

/** A clock of simulated time. */
export type SimClock = {
  /** Simulated milliseconds since the epoch, now. */
  now(): number;
  /** How many simulated milliseconds pass per real millisecond. */
  readonly speed: number;
  /** The simulated instant the run started at. */
  readonly startMs: number;
  /** Real milliseconds until simulated time reaches `simMs` (0 if it already has). */
  realDelayUntil(simMs: number): number;
};

/** Simulated time = start + (real elapsed) × speed. `realNow` is injectable for tests. */
export function createSimClock(options: { startMs: number; speed: number; realNow?: () => number }): SimClock {
  const realNow = options.realNow ?? Date.now;
  const realStart = realNow();
  const { startMs, speed } = options;
  if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`speed must be a positive number, got ${speed}`);
  return {
    now: () => startMs + (realNow() - realStart) * speed,
    speed,
    startMs,
    realDelayUntil: (simMs) => Math.max(0, (simMs - startMs) / speed - (realNow() - realStart)),
  };
}

/** How the `ts` field of readings is filled (see the module comment). */
export const TIMESTAMP_MODES = ['auto', 'device', 'none'] as const;
/** `auto`, `device` or `none`. */
export type TimestampMode = (typeof TIMESTAMP_MODES)[number];

/**
 * How far simulated time may be from real time for `auto` to still send stamps: well inside the
 * ingest's default future-skew allowance (120 s), so honest stamps are never replaced.
 */
export const AUTO_TIMESTAMP_TOLERANCE_MS = 60_000;

/** Resolves `auto`: device stamps only when simulated time tracks real time (speed 1, start ≈ now). */
export function resolveTimestampMode(mode: TimestampMode, speed: number, startMs: number, realNowMs: number): 'device' | 'none' {
  if (mode !== 'auto') return mode;
  return speed === 1 && Math.abs(startMs - realNowMs) <= AUTO_TIMESTAMP_TOLERANCE_MS ? 'device' : 'none';
}

/** Simulated local day starts here on `--start school-day`: the pupils arrive from 08:00. */
const SCHOOL_DAY_START = { hour: 8, minute: 0 };
/** A school day is at most this many days away (the summer break is the longest gap). */
const SCHOOL_DAY_SEARCH_DAYS = 60;

/**
 * 08:00 Japan time of today, when today is a school day, else of the next school day (weekdays
 * outside public holidays and the school breaks: timetables.ts). `npm start -- --speed 60` starts
 * there, so a demo shows a school day whatever the hour it is started at.
 */
export function schoolDayStartMs(realNowMs: number): number {
  const today = localTime(realNowMs).day.key;
  const midnightJst = Date.parse(`${today}T00:00:00+09:00`);
  for (let i = 0; i <= SCHOOL_DAY_SEARCH_DAYS; i++) {
    const at = midnightJst + i * 86_400_000 + (SCHOOL_DAY_START.hour * 60 + SCHOOL_DAY_START.minute) * 60_000;
    if (isSchoolDay(localTime(at).day)) return at;
  }
  return midnightJst;
}
