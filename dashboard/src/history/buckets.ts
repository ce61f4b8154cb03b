/**
 * Pure helpers behind the history table and the chart's text summary: group a room's history into
 * rows of local-time buckets (10 minutes, an hour, 6 hours, a day) and find the lowest, highest and
 * newest values of a range. Kept free of I/O and markup so they are cheap to test and reuse.
 */
import { localMinutes } from '../../../common/calendar.ts';
import type { HistoryPoint } from '../../../common/reading.ts';
import { roundCo2, roundOneDecimal } from '../room-status.ts';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** One row of the history table. Values are means of the points in `[start, end)`; null when none. */
export type HistoryBucket = {
  /** Epoch ms, a round local time (the row's label). */
  start: number;
  end: number;
  /** Mean CO₂, integer ppm. */
  co2Mean: number | null;
  /** Highest CO₂ among the points (at a rollup resolution: the highest per-minute or per-hour mean). */
  co2Max: number | null;
  temperature: number | null;
  humidity: number | null;
  /** Points that fell into the bucket (0 = no data). */
  count: number;
};

/**
 * The start of the bucket holding `t`: buckets divide the local day (e.g. 6 h buckets start at 00:00,
 * 06:00, 12:00 and 18:00 in `timeZone`), so a day's rows line up with the visitor's clock, not UTC.
 */
export function localBucketStart(t: number, bucketMs: number, timeZone: string): number {
  if (bucketMs < MINUTE || DAY % bucketMs !== 0) throw new RangeError(`bucket width ${bucketMs} ms must be whole minutes dividing a day`);
  const minutes = localMinutes(t, timeZone);
  const step = bucketMs / MINUTE;
  const target = minutes - (minutes % step);
  const start = t - (((t % MINUTE) + MINUTE) % MINUTE) - (minutes % step) * MINUTE;
  // Going back in wall-clock minutes is only right if the zone's offset did not change in between
  // (a DST switch earlier that day): correct by however far the wall clock at `start` is off.
  const off = target - localMinutes(start, timeZone);
  return start + ((((off + 720) % 1440) + 1440) % 1440 - 720) * MINUTE;
}

const mean = (sum: number, n: number): number | null => (n === 0 ? null : sum / n);

/**
 * Groups `points` (oldest first, as the store returns them) into consecutive local buckets covering
 * `[from, to)`. Every bucket is listed, also an empty one, so gaps in the data stay visible.
 */
export function bucketHistory(points: readonly HistoryPoint[], o: { from: number; to: number; bucketMs: number; timeZone: string }): HistoryBucket[] {
  const buckets: HistoryBucket[] = [];
  let start = localBucketStart(o.from, o.bucketMs, o.timeZone);
  let i = 0;
  // Skip points before the window (the store's range is inclusive of `from` only).
  while (i < points.length && (points[i]?.time ?? 0) < o.from) i++;
  while (start < o.to) {
    // One and a half widths on, then back to the bucket start: stays right across a DST change,
    // where a local day is 23 or 25 hours long.
    const end = localBucketStart(start + o.bucketMs * 1.5, o.bucketMs, o.timeZone);
    const acc = { co2: 0, co2n: 0, max: -Infinity, temp: 0, tempn: 0, hum: 0, humn: 0, n: 0 };
    for (; i < points.length; i++) {
      const p = points[i] as HistoryPoint;
      if (p.time >= end || p.time >= o.to) break;
      acc.n++;
      if (p.co2 !== null && Number.isFinite(p.co2)) {
        acc.co2 += p.co2;
        acc.co2n++;
        acc.max = Math.max(acc.max, p.co2);
      }
      if (p.temperature !== null && Number.isFinite(p.temperature)) {
        acc.temp += p.temperature;
        acc.tempn++;
      }
      if (p.humidity !== null && Number.isFinite(p.humidity)) {
        acc.hum += p.humidity;
        acc.humn++;
      }
    }
    buckets.push({
      start,
      end,
      co2Mean: roundCo2(mean(acc.co2, acc.co2n)),
      co2Max: acc.co2n === 0 ? null : roundCo2(acc.max),
      temperature: roundOneDecimal(mean(acc.temp, acc.tempn)),
      humidity: roundOneDecimal(mean(acc.hum, acc.humn)),
      count: acc.n,
    });
    start = end;
  }
  return buckets;
}

/** Lowest, highest and newest values of a range, as the chart's text summary states them. */
export type HistorySummary = {
  co2: { min: number; max: number; latest: number; latestTime: number } | null;
  temperature: { min: number; max: number } | null;
  humidity: { min: number; max: number } | null;
};

function extent(values: readonly (number | null)[], round: (v: number) => number | null): { min: number; max: number } | null {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) continue;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return min === Infinity ? null : { min: round(min) ?? min, max: round(max) ?? max };
}

/** Summarises `points` (oldest first). Values are rounded as the public API rounds them. */
export function summarizeHistory(points: readonly HistoryPoint[]): HistorySummary {
  const co2 = extent(points.map((p) => p.co2), roundCo2);
  let latest: HistoryPoint | undefined;
  for (let i = points.length - 1; i >= 0 && !latest; i--) if (points[i]?.co2 !== null) latest = points[i];
  return {
    co2: co2 && latest ? { ...co2, latest: roundCo2(latest.co2) ?? 0, latestTime: latest.time } : null,
    temperature: extent(points.map((p) => p.temperature), roundOneDecimal),
    humidity: extent(points.map((p) => p.humidity), roundOneDecimal),
  };
}
