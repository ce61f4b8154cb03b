/**
 * `GET /facilities/:facility/report?month=YYYY-MM` (HTML) and `GET /facilities/:facility/report.csv?month=YYYY-MM`:
 * a facility's monthly compliance report — per room, during opening hours, the time CO₂ was at or
 * above the room's thresholds, the worst days and the data coverage. Public open data (CC BY 4.0,
 * also as a `Link: rel="license"` header); without `month` the last complete month is shown.
 */
import { Router, type Response } from 'express';
import { z } from 'zod';
import { DEFAULT_TIME_ZONE } from '../../../common/calendar.ts';
import type { FacilityEntry } from '../../../common/registry.ts';
import type { DashboardContext } from '../context.ts';
import { notFound } from '../http-errors.ts';
import type { Translator } from '../i18n/i18n.ts';
import { addMonths, MONTH_PATTERN, monthOf } from '../report/compliance.ts';
import { REPORT_LICENSE_URL, renderReportCsv } from '../report/report-csv.ts';
import { createReportSource, type FacilityReport } from '../report/report-data.ts';
import { renderReportPage } from '../views/report.ts';
import { IdParamSchema, parseParams } from './params.ts';

/** Kanki's data starts after this; earlier months cannot hold anything but would cost a query per room. */
export const EARLIEST_REPORT_MONTH = '2020-01';

const PathSchema = z.object({ facility: IdParamSchema });

/** The query schema; months are checked against the current month in the facilities' zone. */
export function reportQuerySchema(currentMonth: string) {
  return z.strictObject({
    month: z
      .string({ error: 'must be a single value' })
      .superRefine((m, ctx) => {
        if (!MONTH_PATTERN.test(m)) ctx.addIssue({ code: 'custom', message: `must be a month like 2026-11 (YYYY-MM), got "${m.slice(0, 20)}"` });
        else if (m < EARLIEST_REPORT_MONTH) ctx.addIssue({ code: 'custom', message: `must be ${EARLIEST_REPORT_MONTH} or later` });
        else if (m > currentMonth) ctx.addIssue({ code: 'custom', message: `must not be after the current month (${currentMonth})` });
      })
      .optional(),
    lang: z.string().max(16).optional(),
  });
}

/** Router for the report page and CSV. */
export function createReportRouter(ctx: DashboardContext): Router {
  const router = Router();
  const timeZone = DEFAULT_TIME_ZONE;
  const reports = createReportSource({
    registry: ctx.registry, store: ctx.store, retention: ctx.retention, now: ctx.now, holdMs: ctx.staleAfterMs, timeZone,
  });

  /** The facility and month of a request, validated; throws 400/404. */
  const resolve = (params: unknown, query: unknown): { facility: FacilityEntry; month: string; current: string } => {
    const { facility: id } = parseParams(PathSchema, params);
    const current = monthOf(ctx.now(), timeZone);
    const { month } = parseParams(reportQuerySchema(current), query);
    const facility = ctx.registry.facility(id);
    if (!facility) throw notFound(`facility: no facility "${id}" in the registry`);
    const lastComplete = addMonths(current, -1);
    return { facility, month: month ?? (lastComplete < EARLIEST_REPORT_MONTH ? current : lastComplete), current };
  };

  // A past month changes only with late data (a replayed spool); the current one grows by the minute.
  const setReportHeaders = (res: Response, report: FacilityReport) => {
    res.set({
      'Cache-Control': report.partial ? 'public, max-age=60' : 'public, max-age=900',
      Link: `<${REPORT_LICENSE_URL}>; rel="license"`,
    });
  };

  router.get('/facilities/:facility/report.csv', async (req, res) => {
    const { facility, month } = resolve(req.params, req.query);
    const report = await reports.get(facility, month);
    setReportHeaders(res, report);
    res
      .type('text/csv; charset=utf-8; header=present')
      .set('Content-Disposition', `attachment; filename="kanki-report-${facility.id}-${month}.csv"`)
      .send(renderReportCsv(report));
  });

  router.get('/facilities/:facility/report', async (req, res) => {
    const { facility, month, current } = resolve(req.params, req.query);
    const report = await reports.get(facility, month);
    setReportHeaders(res, report);
    res.type('html').send(renderReportPage({
      t: res.locals.i18n as Translator,
      i18n: ctx.i18n,
      report,
      earliestMonth: EARLIEST_REPORT_MONTH,
      latestMonth: current,
      previousMonth: addMonths(month, -1),
      nextMonth: addMonths(month, 1),
      minuteRetentionDays: Math.round(ctx.retention.minute / 86_400_000),
      holdMinutes: Math.max(1, Math.round(ctx.staleAfterMs / 60_000)),
    }));
  });

  return router;
}
