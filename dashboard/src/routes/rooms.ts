/**
 * `GET /api/v1/rooms[?facility=…]`: every registry room with its current level. Rooms without a
 * current reading are listed too (level `nodata`), so a silent sensor is visible, not hidden.
 */
import { Router } from 'express';
import type { DashboardContext } from '../context.ts';
import { PUBLIC_CACHE_CONTROL } from '../context.ts';
import { notFound } from '../http-errors.ts';
import { parseParams, RoomsQuerySchema } from './params.ts';

/** Router for the room list. */
export function createRoomsRouter(ctx: DashboardContext): Router {
  const router = Router();
  router.get('/api/v1/rooms', async (req, res) => {
    const { facility } = parseParams(RoomsQuerySchema, req.query);
    if (facility !== undefined && !ctx.registry.facility(facility)) throw notFound(`facility: no facility "${facility}" in the registry`);
    const rooms = await ctx.roomStatuses.list(facility);
    res.set('Cache-Control', PUBLIC_CACHE_CONTROL).json({ rooms });
  });
  return router;
}
