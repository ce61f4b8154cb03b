/**
 * `GET /facilities/:facility`: one facility's page with its rooms, live. An unknown (or malformed)
 * facility id answers the site's 404 page in the visitor's language.
 */
import { Router, type Response } from 'express';
import type { DashboardContext } from '../context.ts';
import { PUBLIC_CACHE_CONTROL } from '../context.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { RoomStatus } from '../room-status.ts';
import { renderFacilityPage } from '../views/facility-page.ts';
import { renderNotFoundPage, type NotFoundWhat } from '../views/not-found-page.ts';
import { FacilityPagePathSchema } from './page-params.ts';

/** Sends the 404 page (not cached: the registry may gain the facility with the next deploy). */
export function sendNotFoundPage(ctx: DashboardContext, res: Response, what: NotFoundWhat, path: string): void {
  res.status(404).set('Cache-Control', 'no-store').type('html').send(renderNotFoundPage({ t: res.locals.i18n as Translator, i18n: ctx.i18n, what, path }));
}

/**
 * The statuses of one facility's rooms: from the live feed when it knows them all (what the page's
 * event stream will then continue from), else straight from the store.
 */
export async function facilityStatuses(ctx: DashboardContext, facility: string, roomCount: number): Promise<RoomStatus[]> {
  const live = ctx.feed.current(facility);
  return live.length === roomCount ? live : ctx.roomStatuses.list(facility);
}

/** Router for the facility page. */
export function createFacilityPageRouter(ctx: DashboardContext): Router {
  const router = Router();
  router.get('/facilities/:facility', async (req, res) => {
    const path = FacilityPagePathSchema.safeParse(req.params);
    const facility = path.success ? ctx.registry.facility(path.data.facility) : undefined;
    if (!facility) {
      sendNotFoundPage(ctx, res, 'facility', '/');
      return;
    }
    const rooms = await facilityStatuses(ctx, facility.id, facility.rooms.length);
    const body = renderFacilityPage({
      t: res.locals.i18n as Translator, i18n: ctx.i18n, facility, rooms, now: ctx.now(), timeZone: ctx.displayTimeZone, path: `/facilities/${facility.id}`,
    });
    res.set('Cache-Control', PUBLIC_CACHE_CONTROL).type('html').send(body);
  });
  return router;
}
