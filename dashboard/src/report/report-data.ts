/**
 * Gathers one facility's monthly report: the opening calendar from the registry, each room's
 * history from the store at the finest resolution still kept for that month, and the figures from
 * the pure `computeCompliance`. Reports are memoised briefly: a month is up to 44 640 points per
 * room, and a published link (a ward newsletter, a school's page) should cost the store one query
 * per room, not one per visitor.
 */
import { createOpeningCalendar, DEFAULT_TIME_ZONE, type DaySchedule } from '../../../common/calendar.ts';
import type { FacilityEntry, LocalizedName, Registry } from '../../../common/registry.ts';
import type { ReadingStore, RetentionConfig } from '../../../common/store/reading-store.ts';
import { computeCompliance, monthRange, type MonthRange, type ReportThresholds, type RoomFigures } from './compliance.ts';

const MINUTE = 60_000;
const HOUR = 3_600_000;

/** The resolution a report is computed from: per-minute means, or hourly ones once those have expired. */
export type ReportResolution = '1m' | '1h';

/** One room of a report. Built field by field: no device ids or other registry internals. */
export type RoomReport = { id: string; name: LocalizedName; thresholds: ReportThresholds; figures: RoomFigures };

/** A facility's report for one month, ready for the HTML page and the CSV. */
export type FacilityReport = {
  facility: Pick<FacilityEntry, 'id' | 'name' | 'hours' | 'holidays'>;
  range: MonthRange;
  /** Figures count up to this instant: the end of the month, or now for the current month. */
  until: number;
  /** True for the current month (figures so far). */
  partial: boolean;
  resolution: ReportResolution;
  openMinutes: number;
  openDays: number;
  /** Days of the month closed by a closure or a holiday, for the page's explanation. */
  closedDays: DaySchedule[];
  rooms: RoomReport[];
};

/** What building a report needs. */
export type ReportDeps = {
  registry: Registry;
  store: ReadingStore;
  retention: RetentionConfig;
  now: () => number;
  /** How long a reading stands for the minutes after it: the stale limit (see compliance.ts). */
  holdMs: number;
  /** Zone of the facilities' calendars and months. Default Asia/Tokyo. */
  timeZone?: string;
};

/**
 * Per-minute means while the minute retention still covers the whole month, hourly means
 * otherwise: a month half in minutes and half in hours would count its two halves differently.
 */
export function reportResolution(range: MonthRange, now: number, retention: RetentionConfig): ReportResolution {
  return retention.minute === 0 || range.from >= now - retention.minute ? '1m' : '1h';
}

/** Builds one report (no cache). The facility must be in the registry. */
export async function buildFacilityReport(deps: ReportDeps, facility: FacilityEntry, month: string): Promise<FacilityReport> {
  const timeZone = deps.timeZone ?? DEFAULT_TIME_ZONE;
  const now = deps.now();
  const range = monthRange(month, timeZone);
  // Whole minutes only: the minute under way is still receiving its readings.
  const until = Math.min(range.to, Math.floor(now / MINUTE) * MINUTE);
  const resolution = reportResolution(range, now, deps.retention);
  const calendar = createOpeningCalendar({ hours: facility.hours, closures: facility.closures, holidays: facility.holidays, timeZone });
  const entries = deps.registry.rooms.filter((r) => r.facilityId === facility.id);
  const stepMs = resolution === '1m' ? MINUTE : HOUR;
  // From a little before the month, so the last reading of the previous month can stand for its first minutes.
  const from = range.from - Math.max(deps.holdMs, stepMs);
  const histories = await Promise.all(entries.map((r) => deps.store.history({ facility: r.facilityId, room: r.roomId, from, to: until, resolution })));
  const result = computeCompliance({
    range, calendar, until, stepMs, holdMs: deps.holdMs,
    rooms: entries.map((r, i) => ({ id: r.roomId, thresholds: r.thresholds, points: histories[i] ?? [] })),
  });
  return {
    facility: { id: facility.id, name: facility.name, hours: facility.hours, holidays: facility.holidays },
    range,
    until,
    partial: until < range.to,
    resolution,
    openMinutes: result.openMinutes,
    openDays: result.openDays,
    closedDays: range.days.map((d) => calendar.scheduleOn(d.date)).filter((s) => s.open === null && s.reason !== 'weekday'),
    rooms: entries.map((r, i) => ({
      id: r.roomId,
      name: r.name,
      thresholds: { ventilate: r.thresholds.ventilate, critical: r.thresholds.critical },
      figures: result.rooms[i]?.figures as RoomFigures,
    })),
  };
}

/** Reports by facility and month, memoised. */
export type ReportSource = { get(facility: FacilityEntry, month: string): Promise<FacilityReport> };

/** How long a report is reused: briefly for the current month (it grows), longer for past ones (late data is rare). */
export const REPORT_TTL_MS = { current: 60_000, past: 15 * MINUTE } as const;
/** Reports kept at once; a report is a few kilobytes. */
const MAX_CACHED = 200;

/**
 * Builds the memoised source. Concurrent requests for the same report share one computation; a
 * failed one is not kept. The key includes the resolution, so a month that crosses out of the
 * minute retention is recomputed from hourly data at once.
 */
export function createReportSource(deps: ReportDeps): ReportSource {
  const cache = new Map<string, { expires: number; report: Promise<FacilityReport> }>();
  return {
    get(facility, month) {
      const now = deps.now();
      const range = monthRange(month, deps.timeZone ?? DEFAULT_TIME_ZONE);
      const key = `${facility.id}|${month}|${reportResolution(range, now, deps.retention)}`;
      const hit = cache.get(key);
      if (hit && hit.expires > now) return hit.report;
      if (cache.size >= MAX_CACHED) {
        for (const [k, v] of cache) if (v.expires <= now) cache.delete(k);
        // Still full of live entries: drop the oldest (Map keeps insertion order).
        if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
      }
      const report = buildFacilityReport(deps, facility, month);
      cache.set(key, { expires: now + (range.to > now ? REPORT_TTL_MS.current : REPORT_TTL_MS.past), report });
      report.catch(() => {
        if (cache.get(key)?.report === report) cache.delete(key);
      });
      return report;
    },
  };
}
