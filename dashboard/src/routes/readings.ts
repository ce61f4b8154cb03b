/**
 * `GET /api/v1/rooms/:facility/:room/readings?from=&to=&resolution=`: one room's history for charts.
 * Ranges are bounded and raw/per-minute data only for ranges where the answer stays small, so no
 * single public request can make the store return millions of points.
 */
import { Router } from 'express';
import { chooseResolution, type Resolution } from '../../../common/store/reading-store.ts';
import type { DashboardContext } from '../context.ts';
import { PUBLIC_CACHE_CONTROL } from '../context.ts';
import { badRequest, notFound } from '../http-errors.ts';
import { toIsoTime, toPublicPoint } from '../room-status.ts';
import { parseParams, ReadingsQuerySchema, RoomPathSchema } from './params.ts';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** Range when neither `from` nor `to` is given: the last three hours, a school morning or a meeting. */
export const DEFAULT_RANGE_MS = 3 * HOUR;
/** Longest range: a school year plus a margin, for year-on-year comparison. */
export const MAX_RANGE_MS = 400 * DAY;
/**
 * Longest range per forced resolution. At one reading a minute per sensor, 7 days raw is ~10k points
 * and 31 days per-minute ~45k: the most a chart can use and a store can return quickly.
 */
export const MAX_RANGE_BY_RESOLUTION: Readonly<Record<Resolution, number>> = Object.freeze({ raw: 7 * DAY, '1m': 31 * DAY, '1h': MAX_RANGE_MS });

const days = (ms: number): string => `${Math.round((ms / DAY) * 10) / 10} days`;

/** Router for room history. */
export function createReadingsRouter(ctx: DashboardContext): Router {
  const router = Router();
  router.get('/api/v1/rooms/:facility/:room/readings', async (req, res) => {
    const { facility, room } = parseParams(RoomPathSchema, req.params);
    const query = parseParams(ReadingsQuerySchema, req.query);
    if (!ctx.registry.room(facility, room)) throw notFound(`room: no room "${room}" in facility "${facility}" in the registry`);

    const now = ctx.now();
    const to = query.to ?? now;
    const from = query.from ?? to - DEFAULT_RANGE_MS;
    if (to <= from) throw badRequest(`to: must be after from (from ${toIsoTime(from)}, to ${toIsoTime(to)}${query.to === undefined ? ', to defaults to now' : ''})`);
    if (to - from > MAX_RANGE_MS) throw badRequest(`from/to: the range is ${days(to - from)}; at most ${days(MAX_RANGE_MS)} can be asked for at once`);
    const resolution = query.resolution === 'auto' ? chooseResolution(from, to, now, ctx.retention) : query.resolution;
    if (to - from > MAX_RANGE_BY_RESOLUTION[resolution]) {
      throw badRequest(`resolution: ${resolution} covers at most ${days(MAX_RANGE_BY_RESOLUTION[resolution])}; ask for a shorter range, a coarser resolution or auto`);
    }

    const points = await ctx.store.history({ facility, room, from, to, resolution });
    res.set('Cache-Control', PUBLIC_CACHE_CONTROL).json({
      facility,
      room,
      from: toIsoTime(from),
      to: toIsoTime(to),
      resolution,
      readings: points.map(toPublicPoint),
    });
  });
  return router;
}
