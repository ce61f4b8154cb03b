/**
 * `GET /embed/facilities/:facility`: the widget a ward or school page includes with
 * `<iframe src="https://…/embed/facilities/<id>" title="…">`. The one route that may be framed: its
 * own middleware widens the CSP's `frame-ancestors` and drops `X-Frame-Options`, so every other page
 * keeps `frame-ancestors 'none'` (clickjacking protection) untouched.
 */
import { Router, type RequestHandler } from 'express';
import type { DashboardContext } from '../context.ts';
import { PUBLIC_CACHE_CONTROL } from '../context.ts';
import type { Translator } from '../i18n/i18n.ts';
import { renderEmbedPage } from '../views/embed-page.ts';
import { facilityStatuses, sendNotFoundPage } from './facility-page.ts';
import { FacilityPagePathSchema } from './page-params.ts';

/** Options of the widget router. */
export type EmbedOptions = {
  /**
   * Who may frame the widget, as CSP `frame-ancestors` sources (e.g. `https://www.city.yokohama.lg.jp`).
   * Default `*`: the widget shows public data only and offers no action a frame could trick someone into.
   */
  frameAncestors?: readonly string[];
};

const SOURCE = /^(\*|'self'|https?:\/\/(\*\.)?[a-z0-9.-]+(:\d+)?|https?:)$/i;

/** Middleware that lets the response be framed by `sources` (replacing helmet's `frame-ancestors 'none'`). */
export function allowFraming(sources: readonly string[]): RequestHandler {
  const bad = sources.filter((s) => !SOURCE.test(s));
  if (sources.length === 0 || bad.length > 0) throw new Error(`embed frame-ancestors: invalid source(s) ${JSON.stringify(bad)}; use *, 'self' or origins like https://example.jp`);
  const value = `frame-ancestors ${sources.join(' ')}`;
  return (_req, res, next) => {
    const csp = res.get('Content-Security-Policy');
    if (csp) res.set('Content-Security-Policy', csp.replace(/frame-ancestors [^;]*/, value));
    // X-Frame-Options has no "allow from anywhere" value; with a CSP frame-ancestors present,
    // browsers ignore it anyway, and older ones would otherwise refuse the frame.
    res.removeHeader('X-Frame-Options');
    next();
  };
}

/** Router for the widget. */
export function createEmbedRouter(ctx: DashboardContext, options: EmbedOptions = {}): Router {
  const router = Router();
  router.get('/embed/facilities/:facility', allowFraming(options.frameAncestors ?? ['*']), async (req, res) => {
    const path = FacilityPagePathSchema.safeParse(req.params);
    const facility = path.success ? ctx.registry.facility(path.data.facility) : undefined;
    if (!facility) {
      sendNotFoundPage(ctx, res, 'facility', '/');
      return;
    }
    const rooms = await facilityStatuses(ctx, facility.id, facility.rooms.length);
    res
      .set('Cache-Control', PUBLIC_CACHE_CONTROL)
      .type('html')
      .send(renderEmbedPage({ t: res.locals.i18n as Translator, i18n: ctx.i18n, facility, rooms, path: `/embed/facilities/${facility.id}` }));
  });
  return router;
}
