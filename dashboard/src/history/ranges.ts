/**
 * The ranges a room page offers (3 h, 24 h, 7 d, 30 d): how long each is and how coarsely its
 * text alternative (the table under the chart) groups the readings. One window rule serves the
 * page, its table and the chart's API request, so all three describe the same stretch of time.
 */
import { z } from 'zod';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The ranges of the room page, shortest first (the order of the range links). */
export const HISTORY_RANGES = ['3h', '24h', '7d', '30d'] as const;
/** One of {@link HISTORY_RANGES}. */
export type HistoryRange = (typeof HISTORY_RANGES)[number];
/** Shown when the page is opened without `?range=`: one day shows a school or office day's rhythm. */
export const DEFAULT_HISTORY_RANGE: HistoryRange = '24h';

/** zod schema of the `range` query parameter. */
export const HistoryRangeSchema = z.enum(HISTORY_RANGES, { error: `must be one of ${HISTORY_RANGES.join(', ')}` });

/** How long a range is and the width of one row of its table. */
export type HistoryRangeSpec = {
  spanMs: number;
  /**
   * Width of one table row. Chosen so that a table stays around 20–30 rows — short enough to read
   * with a screen reader, fine enough to show when the air got bad (a lesson, a meeting, a day).
   * Each divides a day, so rows start at round local times (10:00, 10:10, 06:00, midnight).
   */
  tableBucketMs: number;
};

/** Span and table granularity of every range. */
export const HISTORY_RANGE_SPECS: Readonly<Record<HistoryRange, HistoryRangeSpec>> = Object.freeze({
  '3h': { spanMs: 3 * HOUR, tableBucketMs: 10 * MINUTE },
  '24h': { spanMs: DAY, tableBucketMs: HOUR },
  '7d': { spanMs: 7 * DAY, tableBucketMs: 6 * HOUR },
  '30d': { spanMs: 30 * DAY, tableBucketMs: DAY },
});

/**
 * The window of a range at `now`: it ends at the next full minute, so that everyone opening the page
 * within the same minute asks the readings API for the same URL (which caches and proxies can then
 * share), and the chart and the table name the same times.
 */
export function historyWindow(range: HistoryRange, now: number): { from: number; to: number } {
  const to = Math.ceil(now / MINUTE) * MINUTE;
  return { from: to - HISTORY_RANGE_SPECS[range].spanMs, to };
}
