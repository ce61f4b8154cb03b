/**
 * `GET /rooms/:facility/:room[?range=3h|24h|7d|30d]`: one room's page with its history. The history
 * is read at the resolution the readings API picks for the same window, so the server-rendered
 * table and the chart `room.js` draws from the API show the same data.
 */
import { Router } from 'express';
import { chooseResolution } from '../../../common/store/reading-store.ts';
import type { DashboardContext } from '../context.ts';
import { PUBLIC_CACHE_CONTROL } from '../context.ts';
import { DEFAULT_HISTORY_RANGE, historyWindow } from '../history/ranges.ts';
import type { Translator } from '../i18n/i18n.ts';
import { renderRoomPage } from '../views/room-page.ts';
import { facilityStatuses, sendNotFoundPage } from './facility-page.ts';
import { RoomPagePathSchema, RoomPageQuerySchema } from './page-params.ts';
import { parseParams } from './params.ts';

/** Router for the room page. */
export function createRoomPageRouter(ctx: DashboardContext): Router {
  const router = Router();
  router.get('/rooms/:facility/:room', async (req, res) => {
    const path = RoomPagePathSchema.safeParse(req.params);
    const entry = path.success ? ctx.registry.room(path.data.facility, path.data.room) : undefined;
    if (!entry) {
      sendNotFoundPage(ctx, res, 'room', '/');
      return;
    }
    const query = parseParams(RoomPageQuerySchema, req.query);
    const range = query.range ?? DEFAULT_HISTORY_RANGE;
    const now = ctx.now();
    const { from, to } = historyWindow(range, now);
    const resolution = chooseResolution(from, to, now, ctx.retention);
    const { facilityId: facility, roomId: room } = entry;
    const [points, statuses] = await Promise.all([
      ctx.store.history({ facility, room, from, to, resolution }),
      facilityStatuses(ctx, facility, ctx.registry.facility(facility)?.rooms.length ?? 0),
    ]);
    const status = statuses.find((s) => s.room === room);
    if (!status) throw new Error(`no status for registry room ${facility}/${room}`);
    const body = renderRoomPage({
      t: res.locals.i18n as Translator, i18n: ctx.i18n, entry, status, facility, room, range, from, to, resolution, points,
      timeZone: ctx.displayTimeZone, path: `/rooms/${facility}/${room}${query.range ? `?range=${range}` : ''}`,
    });
    res.set('Cache-Control', PUBLIC_CACHE_CONTROL).type('html').send(body);
  });
  return router;
}
