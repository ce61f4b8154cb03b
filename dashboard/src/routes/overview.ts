/** `GET /`: the server-rendered overview page, and its stylesheet. */
import { Router } from 'express';
import type { DashboardContext } from '../context.ts';
import { PUBLIC_CACHE_CONTROL } from '../context.ts';
import { OVERVIEW_CSS, OVERVIEW_CSS_PATH, renderOverview } from '../views/overview.ts';

/** Router for the public HTML pages. */
export function createOverviewRouter(ctx: DashboardContext): Router {
  const router = Router();
  router.get('/', async (_req, res) => {
    const rooms = await ctx.roomStatuses.list();
    const body = renderOverview({ facilities: ctx.registry.facilities, rooms, now: ctx.now(), timeZone: ctx.displayTimeZone });
    res.set('Cache-Control', PUBLIC_CACHE_CONTROL).type('html').send(body);
  });
  router.get(OVERVIEW_CSS_PATH, (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600').type('css').send(OVERVIEW_CSS);
  });
  return router;
}
