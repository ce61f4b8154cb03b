/**
 * Open data: `GET /api/v1/export/rooms/:facility/:room.(csv|json)` and
 * `GET /api/v1/export/facilities/:facility.(csv|json)` — history at a chosen resolution, as a file
 * download under CC BY 4.0 (stated in the JSON and in a `Link: …; rel="license"` header). Answers
 * carry a strong ETag, so a repeated download of unchanged data is a 304, and ranges that lie in the
 * past are cached for a day.
 */
import { Router, type Response } from 'express';
import { chooseResolution, type Resolution } from '../../../common/store/reading-store.ts';
import type { DashboardContext } from '../context.ts';
import { buildCsv, buildJson, exportFileName, strongEtag, type ExportMeta, type RoomSeries } from '../exports/format.ts';
import { LICENCE_LINK_HEADER } from '../exports/licence.ts';
import { badRequest, notFound } from '../http-errors.ts';
import { toIsoTime } from '../room-status.ts';
import {
  DEFAULT_EXPORT_RANGE_MS, defaultExportTo, EXPORT_MAX_RANGE_MS, ExportFacilityPathSchema, ExportQuerySchema, ExportRoomPathSchema,
  type ExportFormat, type ExportQuery,
} from './export-params.ts';
import { parseParams } from './params.ts';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/**
 * A range that ended this long ago counts as past: late readings (a gateway's spool replayed after
 * an outage) rarely arrive later, and the ETag still catches them once the day-long cache expires.
 */
export const PAST_RANGE_MARGIN_MS = HOUR;
/** `Cache-Control` of a past range. */
export const PAST_EXPORT_CACHE_CONTROL = 'public, max-age=86400';
/** `Cache-Control` of a range that reaches (nearly) now: new readings arrive every minute. */
export const RECENT_EXPORT_CACHE_CONTROL = 'public, max-age=60';

const days = (ms: number): string => `${Math.round((ms / DAY) * 10) / 10} days`;

/** Resolves and checks the window and resolution; throws a 400 naming the parameter and the bound. */
export function resolveExportWindow(query: ExportQuery, now: number, ctx: Pick<DashboardContext, 'retention'>): { from: number; to: number; resolution: Resolution } {
  const to = query.to ?? defaultExportTo(now, query.resolution);
  const from = query.from ?? to - DEFAULT_EXPORT_RANGE_MS;
  if (to <= from) throw badRequest(`to: must be after from (from ${toIsoTime(from)}, to ${toIsoTime(to)}${query.to === undefined ? ', to defaults to now' : ''})`);
  const longest = EXPORT_MAX_RANGE_MS['1h'];
  if (to - from > longest) throw badRequest(`from/to: the range is ${days(to - from)}; an export covers at most ${days(longest)} (at resolution 1h); split longer periods`);
  const resolution = query.resolution === 'auto' ? chooseResolution(from, to, now, ctx.retention) : query.resolution;
  if (to - from > EXPORT_MAX_RANGE_MS[resolution]) {
    throw badRequest(`resolution: an export at ${resolution} covers at most ${days(EXPORT_MAX_RANGE_MS[resolution])} (the range is ${days(to - from)}); ask for a shorter range or a coarser resolution (1m: 31 days, 1h: 366 days)`);
  }
  return { from, to, resolution };
}

function send(res: Response, meta: ExportMeta, format: ExportFormat, series: RoomSeries[], now: number): void {
  const body = format === 'csv' ? buildCsv(series) : buildJson(meta, series);
  // The body does not depend on the language: drop the language middleware's Vary so shared caches
  // can serve one copy to everyone.
  res.removeHeader('Vary');
  res.set({
    'Content-Type': format === 'csv' ? 'text/csv; charset=utf-8; header=present' : 'application/json; charset=utf-8',
    'Content-Disposition': `attachment; filename="${exportFileName(meta, format)}"`,
    'Cache-Control': meta.to <= now - PAST_RANGE_MARGIN_MS ? PAST_EXPORT_CACHE_CONTROL : RECENT_EXPORT_CACHE_CONTROL,
    ETag: strongEtag(body),
    Link: LICENCE_LINK_HEADER,
    // Scripts on other sites may read these (the API is CORS-open); they are not safelisted by default.
    'Access-Control-Expose-Headers': 'Link, ETag, Content-Disposition',
  });
  // `res.send` compares If-None-Match with the ETag set above and answers 304 without a body.
  res.send(body);
}

/** Router for the two exports. */
export function createExportsRouter(ctx: DashboardContext): Router {
  const router = Router();

  router.get('/api/v1/export/rooms/:facility/:room.:format', async (req, res) => {
    const { facility, room, format } = parseParams(ExportRoomPathSchema, req.params);
    const query = parseParams(ExportQuerySchema, req.query);
    if (!ctx.registry.room(facility, room)) throw notFound(`room: no room "${room}" in facility "${facility}" in the registry`);
    const now = ctx.now();
    const { from, to, resolution } = resolveExportWindow(query, now, ctx);
    const points = await ctx.store.history({ facility, room, from, to, resolution });
    send(res, { facility, room, resolution, from, to }, format, [{ facility, room, points }], now);
  });

  router.get('/api/v1/export/facilities/:facility.:format', async (req, res) => {
    const { facility, format } = parseParams(ExportFacilityPathSchema, req.params);
    const query = parseParams(ExportQuerySchema, req.query);
    const entry = ctx.registry.facility(facility);
    if (!entry) throw notFound(`facility: no facility "${facility}" in the registry`);
    const now = ctx.now();
    const { from, to, resolution } = resolveExportWindow(query, now, ctx);
    // One room after another, not all at once: a facility export should not monopolise the store.
    const series: RoomSeries[] = [];
    for (const r of entry.rooms) series.push({ facility, room: r.id, points: await ctx.store.history({ facility, room: r.id, from, to, resolution }) });
    send(res, { facility, resolution, from, to }, format, series, now);
  });

  return router;
}
