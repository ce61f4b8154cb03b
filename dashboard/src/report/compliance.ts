/**
 * Monthly compliance figures of a facility's rooms (issue 4 item 8), as a pure function of the
 * stored history, the facility's opening calendar, each room's thresholds and the month: how long
 * CO₂ was at or above the room's "ventilate" and "critical" thresholds *during opening hours*, the
 * worst days, and how much of the opening time has data at all.
 *
 * Counting rules, and why:
 * - Time is counted in minutes of opening hours, decided by the calendar (hours, closures,
 *   Japanese holidays). Readings at night, at weekends, on holidays or closure days do not count:
 *   nobody was there to breathe the air or to open a window.
 * - A point counts for its own bucket (one minute, or one hour for the hourly fallback) and then
 *   keeps counting until the next point, but never longer than `holdMs` after its own time. With
 *   `holdMs` set to the dashboard's stale limit a minute "has data" exactly when the live display
 *   would have shown a value then, so a sensor that reports every 5 minutes (Tasmota's default
 *   TelePeriod) is not reported as 20 % covered.
 * - "Above" means at or above, like the levels (`levelFor`): 1000 ppm is "ventilate". Values are
 *   rounded to whole ppm first, as everywhere they are shown, so a figure and a display agree.
 */
import { localDate, localMinutes, type OpeningCalendar } from '../../../common/calendar.ts';
import type { HistoryPoint } from '../../../common/reading.ts';
import type { Thresholds } from '../../../common/levels.ts';

const MINUTE = 60_000;

/** `YYYY-MM` with a real month (01–12). */
export const MONTH_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** One local day of a month: its date and the instants it starts and ends. */
export type LocalDay = { date: string; start: number; end: number };

/** A calendar month in one zone: `[from, to)` as instants, and its days. */
export type MonthRange = {
  /** `YYYY-MM`. */
  month: string;
  timeZone: string;
  /** First instant of the month (local midnight of day 1). */
  from: number;
  /** First instant of the next month (exclusive). */
  to: number;
  days: readonly LocalDay[];
};

/** The thresholds a report counts against: the room's own `ventilate` and `critical`. */
export type ReportThresholds = Pick<Thresholds, 'ventilate' | 'critical'>;

/** One of a room's worst days. */
export type WorstDay = {
  /** `YYYY-MM-DD` in the month's zone. */
  date: string;
  /** Opening-hours minutes at or above the room's `ventilate` threshold that day. */
  minutesAtOrAboveVentilate: number;
  /** Highest value (ppm) during that day's opening hours. */
  maxCo2: number;
};

/** The figures of one room for one month. */
export type RoomFigures = {
  /** Opening-hours minutes of the month (up to `until` for the current month). */
  openMinutes: number;
  /** Of those, minutes with data. */
  coveredMinutes: number;
  /** `coveredMinutes / openMinutes` (0–1), or null when the facility was never open. */
  coverage: number | null;
  minutesAtOrAboveVentilate: number;
  minutesAtOrAboveCritical: number;
  /** Highest value (ppm) during opening hours, or null without data. */
  maxCo2: number | null;
  /** Up to three days with the most minutes at or above `ventilate` (only days with some), worst first. */
  worstDays: WorstDay[];
};

/** The opening minutes of a month: a flag per minute, and the local day each minute belongs to. */
export type OpeningMinutes = {
  range: MonthRange;
  /** 1 where the facility is open (and the minute is before `until`), per minute from `range.from`. */
  open: Uint8Array;
  /** Index into `range.days` of each minute. */
  day: Uint16Array;
  openMinutes: number;
  /** Days with at least one open minute. */
  openDays: number;
};

/** How history points are turned into minutes; see the module comment. */
export type PointTiming = {
  /** The bucket of each point: 60 000 for per-minute rollups, 3 600 000 for hourly ones. */
  stepMs: number;
  /** How long a point may stand for the minutes after its bucket until the next point arrives. */
  holdMs: number;
};

/** What `computeCompliance` needs. */
export type ComplianceInput = PointTiming & {
  range: MonthRange;
  calendar: OpeningCalendar;
  /** Count nothing from this instant on (now, for the current month); default: the whole month. */
  until?: number;
  rooms: readonly { id: string; thresholds: ReportThresholds; points: readonly HistoryPoint[] }[];
};

/** The figures of every room, in input order, and the month's opening time. */
export type ComplianceResult = {
  openMinutes: number;
  openDays: number;
  rooms: { id: string; figures: RoomFigures }[];
};

/** The wall clock at `at` in `timeZone` read as if it were UTC. */
function wallAsUtc(at: number, timeZone: string): number {
  return Date.parse(`${localDate(at, timeZone)}T00:00:00Z`) + localMinutes(at, timeZone) * MINUTE;
}

/**
 * The instant of local midnight starting `date`. Exact in zones without daylight saving time (all
 * Kanki facilities are in Asia/Tokyo); elsewhere right except when midnight itself is skipped.
 */
export function startOfLocalDay(date: string, timeZone: string): number {
  const guess = Date.parse(`${date}T00:00:00Z`);
  let t = guess - (wallAsUtc(guess, timeZone) - guess);
  // Once more with the offset at the first answer, in case it differs from the one at the guess.
  t = guess - (wallAsUtc(t, timeZone) - t);
  return t;
}

/** `month` shifted by `n` months (`addMonths('2026-12', 1)` is `2027-01`). */
export function addMonths(month: string, n: number): string {
  const m = MONTH_PATTERN.exec(month);
  if (!m) throw new RangeError(`"${month}" is not a month like 2026-11`);
  const index = Number(m[1]) * 12 + Number(m[2]) - 1 + n;
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** The month (`YYYY-MM`) containing instant `at` in `timeZone`. */
export function monthOf(at: number, timeZone: string): string {
  return localDate(at, timeZone).slice(0, 7);
}

/** The bounds and days of `month` in `timeZone`. Throws a RangeError for a malformed month. */
export function monthRange(month: string, timeZone: string): MonthRange {
  const m = MONTH_PATTERN.exec(month);
  if (!m) throw new RangeError(`"${month}" is not a month like 2026-11`);
  const dayCount = new Date(Date.UTC(Number(m[1]), Number(m[2]), 0)).getUTCDate();
  const dates = Array.from({ length: dayCount }, (_, i) => `${month}-${String(i + 1).padStart(2, '0')}`);
  const starts = [...dates, `${addMonths(month, 1)}-01`].map((d) => startOfLocalDay(d, timeZone));
  const days = dates.map((date, i) => ({ date, start: starts[i] as number, end: starts[i + 1] as number }));
  return { month, timeZone, from: starts[0] as number, to: starts[dayCount] as number, days };
}

const minuteIndex = (range: MonthRange, t: number) => Math.floor((t - range.from) / MINUTE);
const parseHhmm = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));

/**
 * Which minutes of the month the facility is open, from the calendar's schedule of each day (one
 * call per day rather than one `isOpen` per minute: 44 640 time-zone conversions per room would
 * make a report cost seconds).
 */
export function openingMinutes(range: MonthRange, calendar: OpeningCalendar, until: number = range.to): OpeningMinutes {
  const total = minuteIndex(range, range.to);
  const open = new Uint8Array(total);
  const day = new Uint16Array(total);
  // The minute under way at `until` is left out: its data is still arriving.
  const stop = Math.max(0, Math.min(total, minuteIndex(range, until)));
  let openMinutes = 0;
  let openDays = 0;
  range.days.forEach((d, i) => {
    const first = minuteIndex(range, d.start);
    const end = minuteIndex(range, d.end);
    day.fill(i, first, end);
    const hours = calendar.scheduleOn(d.date).open;
    if (!hours) return;
    const from = first + parseHhmm(hours.from);
    const to = Math.min(end, first + parseHhmm(hours.to), stop);
    if (to <= from) return;
    open.fill(1, from, to);
    openMinutes += to - from;
    openDays++;
  });
  return { range, open, day, openMinutes, openDays };
}

/** The figures of one room from its points (any order) and the month's opening minutes. */
export function roomFigures(opening: OpeningMinutes, points: readonly HistoryPoint[], thresholds: ReportThresholds, timing: PointTiming): RoomFigures {
  const { range, open, day } = opening;
  const total = open.length;
  const seen = new Uint8Array(total);
  const dayAbove = new Uint32Array(range.days.length);
  const dayMax = new Int32Array(range.days.length).fill(-1);
  let covered = 0;
  let aboveVentilate = 0;
  let aboveCritical = 0;
  let max = -1;
  const sorted = [...points].sort((a, b) => a.time - b.time);
  sorted.forEach((p, i) => {
    if (p.co2 === null || !Number.isFinite(p.co2)) return;
    const co2 = Math.round(p.co2);
    const next = sorted[i + 1]?.time ?? Infinity;
    // At least the point's own bucket; beyond it only until the next point, and at most holdMs.
    const end = Math.max(p.time + timing.stepMs, Math.min(next, p.time + timing.holdMs));
    const first = Math.max(0, minuteIndex(range, p.time));
    const last = Math.min(total, Math.ceil((end - range.from) / MINUTE));
    for (let m = first; m < last; m++) {
      if (!open[m] || seen[m]) continue;
      seen[m] = 1;
      covered++;
      const d = day[m] as number;
      if (co2 > (dayMax[d] as number)) dayMax[d] = co2;
      if (co2 > max) max = co2;
      if (co2 >= thresholds.ventilate) {
        aboveVentilate++;
        dayAbove[d] = (dayAbove[d] as number) + 1;
      }
      if (co2 >= thresholds.critical) aboveCritical++;
    }
  });
  const worstDays = range.days
    .map((d, i) => ({ date: d.date, minutesAtOrAboveVentilate: dayAbove[i] as number, maxCo2: dayMax[i] as number }))
    .filter((d) => d.minutesAtOrAboveVentilate > 0)
    // Ties go to the day with the higher peak, then to the earlier day, so the order never depends on the input order.
    .sort((a, b) => b.minutesAtOrAboveVentilate - a.minutesAtOrAboveVentilate || b.maxCo2 - a.maxCo2 || (a.date < b.date ? -1 : 1))
    .slice(0, 3);
  return {
    openMinutes: opening.openMinutes,
    coveredMinutes: covered,
    coverage: opening.openMinutes === 0 ? null : covered / opening.openMinutes,
    minutesAtOrAboveVentilate: aboveVentilate,
    minutesAtOrAboveCritical: aboveCritical,
    maxCo2: max < 0 ? null : max,
    worstDays,
  };
}

/** The figures of every room of one facility for one month. */
export function computeCompliance(input: ComplianceInput): ComplianceResult {
  const opening = openingMinutes(input.range, input.calendar, input.until);
  return {
    openMinutes: opening.openMinutes,
    openDays: opening.openDays,
    rooms: input.rooms.map((r) => ({ id: r.id, figures: roomFigures(opening, r.points, r.thresholds, input) })),
  };
}

/** Coverage as a percentage with one decimal, rounded down: 99.96 % is shown as 99.9 %, never as a full 100 %. */
export function coveragePercent(coverage: number | null): number | null {
  return coverage === null ? null : Math.floor(coverage * 1000 + 1e-9) / 10;
}
