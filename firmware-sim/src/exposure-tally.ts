/**
 * Minutes above 1000 and 1500 ppm of a room's true air, per local (JST) day — the figure the closed
 * loop is judged by. Fed one sample per simulated minute (the room's CO₂ at the end of the minute),
 * so a room and its counterfactual twin that follow the same trajectory get identical tallies
 * whatever steps the simulator took in between. Pure: no clock, no I/O.
 *
 * Why 1000 and 1500: Kanki's "ventilate" and "critical" levels (common/levels.ts) — the Building
 * Sanitation Act's 1000 ppm and the School Environmental Health Standards' 1500 ppm.
 */
import { localTime } from './occupancy.ts';

/** One room's exposure on one local day. */
export type DayExposure = {
  /** Minutes sampled (the run may cover only part of the day). */
  minutes: number;
  above1000: number;
  above1500: number;
  /** Highest minute value, ppm. */
  peak: number;
};

/** Day key (`YYYY-MM-DD`) → exposure, in the order days were first seen. */
export type ExposureTally = Map<string, DayExposure>;

const MINUTE_MS = 60_000;

/** An empty tally. */
export function createExposureTally(): ExposureTally {
  return new Map();
}

/**
 * Counts the minute ending at `minuteEndMs` with the room at `co2` ppm. "Above" is strictly above,
 * as the standards say "1000 ppm or less".
 */
export function recordMinute(tally: ExposureTally, minuteEndMs: number, co2: number): void {
  // The minute belongs to the day it started in (23:59–24:00 is still the old day).
  const key = localTime(minuteEndMs - MINUTE_MS).day.key;
  let day = tally.get(key);
  if (!day) tally.set(key, (day = { minutes: 0, above1000: 0, above1500: 0, peak: 0 }));
  day.minutes++;
  if (co2 > 1000) day.above1000++;
  if (co2 > 1500) day.above1500++;
  if (co2 > day.peak) day.peak = co2;
}

/** 100 × (1 − with / without), one decimal; null when the counterfactual had no such minutes. */
export function reductionPercent(withLoop: number, withoutLoop: number): number | null {
  if (withoutLoop <= 0) return null;
  return Math.round(1000 * (1 - withLoop / withoutLoop)) / 10;
}

/** Sums of minutes above each threshold over many tallies' days. */
export function sumExposure(days: Iterable<DayExposure>): { minutes: number; above1000: number; above1500: number } {
  const total = { minutes: 0, above1000: 0, above1500: 0 };
  for (const d of days) {
    total.minutes += d.minutes;
    total.above1000 += d.above1000;
    total.above1500 += d.above1500;
  }
  return total;
}
