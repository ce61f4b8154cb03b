/** `GET /`: the server-rendered overview page with its filters. */
import { Router } from 'express';
import { z } from 'zod';
import type { DashboardContext } from '../context.ts';
import { PUBLIC_CACHE_CONTROL } from '../context.ts';
import { badRequest } from '../http-errors.ts';
import type { Translator } from '../i18n/i18n.ts';
import { renderOverview } from '../views/overview.ts';

const Query = z.strictObject({
  kind: z.string().max(32).optional(),
  area: z.string().max(100).optional(),
  q: z.string().max(100).optional(),
  lang: z.string().max(16).optional(),
});

/** Router for the overview page. */
export function createOverviewRouter(ctx: DashboardContext): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const q = Query.safeParse(req.query);
    if (!q.success) throw badRequest(q.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; '));
    const filter = { kind: q.data.kind || undefined, area: q.data.area || undefined, q: q.data.q || undefined };
    const live = ctx.feed.current();
    const rooms = live.length === ctx.registry.rooms.length ? live : await ctx.roomStatuses.list();
    const params = new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => e[1] !== undefined));
    const path = params.size > 0 ? `/?${params}` : '/';
    const body = renderOverview({ t: res.locals.i18n as Translator, i18n: ctx.i18n, facilities: ctx.registry.facilities, rooms, filter, path, now: ctx.now() });
    res.set('Cache-Control', PUBLIC_CACHE_CONTROL).type('html').send(body);
  });
  return router;
}
