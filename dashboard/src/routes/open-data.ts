/**
 * `GET /open-data` (the page for reusers) and `GET /api/v1/openapi.json` (the API description).
 * Both use the registry's first room as the example, so every example link on a deployed site
 * answers with real data.
 */
import { Router, type Request } from 'express';
import type { DashboardContext } from '../context.ts';
import { PUBLIC_CACHE_CONTROL } from '../context.ts';
import type { Translator } from '../i18n/i18n.ts';
import { buildOpenApiDocument } from '../openapi.ts';
import { renderOpenDataPage } from '../views/open-data-page.ts';

/** A Host header that is a plain host name or address with an optional port; anything else is not echoed. */
const HOST = /^(?:[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;
/** Shown in snippets when the request's host cannot be trusted to be one. */
export const PLACEHOLDER_ORIGIN = 'https://kanki.example.jp';

/**
 * The origin visitors reach this server at (behind a proxy: with `TRUST_PROXY` set, the forwarded
 * protocol and host), for the absolute URLs of the widget snippet and curl examples.
 */
export function requestOrigin(req: Request): string {
  const host = req.get('host');
  return host && HOST.test(host) ? `${req.protocol}://${host}` : PLACEHOLDER_ORIGIN;
}

/** Router for the open-data page and the OpenAPI document. */
export function createOpenDataRouter(ctx: DashboardContext): Router {
  const router = Router();
  const first = ctx.registry.rooms[0];
  const example = { facility: first?.facilityId ?? 'facility', room: first?.roomId ?? 'room' };
  const openapi = JSON.stringify(buildOpenApiDocument(example));

  router.get('/api/v1/openapi.json', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600').type('json').send(openapi);
  });

  router.get('/open-data', (req, res) => {
    const t = res.locals.i18n as Translator;
    const body = renderOpenDataPage({
      t, i18n: ctx.i18n, origin: requestOrigin(req), path: '/open-data',
      example: { ...example, facilityName: first ? t.name(first.facilityName) : example.facility },
    });
    // Vary: Host because the snippets name the host the page was asked for.
    res.set('Cache-Control', PUBLIC_CACHE_CONTROL).vary('Host').type('html').send(body);
  });
  return router;
}
