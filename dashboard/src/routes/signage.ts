/**
 * `GET /signage/:facility[?interval=12&theme=dark|light&lang=ja|en|ja-easy|ja,en]`: the lobby screen
 * of one facility (see views/signage.ts). The language is the `lang` parameter only — never the
 * cookie or the browser's Accept-Language: a screen set up once must not change language because of
 * whoever configured its browser.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { DashboardContext } from '../context.ts';
import { notFound } from '../http-errors.ts';
import { startOfLocalDay } from '../report/compliance.ts';
import type { RoomStatus } from '../room-status.ts';
import { renderSignage } from '../views/signage.ts';
import { IdParamSchema, parseParams } from './params.ts';

const HOUR = 3_600_000;
/** Rotation interval bounds (s): under 5 nobody finishes reading a room; over 10 minutes it is no rotation. */
export const SIGNAGE_INTERVAL = { min: 5, max: 600, default: 12 } as const;
/** Local hour of the daily reload: the building is closed and nobody watches the screen blink. */
const RELOAD_HOUR = 4;
/** Screens of one facility spread their reloads over this long, so they do not all ask at once. */
const RELOAD_SPREAD_MS = 30 * 60_000;

const PathSchema = z.object({ facility: IdParamSchema });

/** The query schema; `languages` are the catalogue codes (a list of up to three, comma-separated). */
export function signageQuerySchema(languages: readonly string[]) {
  const known = new Set(languages);
  return z.strictObject({
    interval: z
      .string({ error: 'must be a single value' })
      .regex(/^\d{1,4}$/, `must be whole seconds from ${SIGNAGE_INTERVAL.min} to ${SIGNAGE_INTERVAL.max}`)
      .transform(Number)
      .refine((n) => n >= SIGNAGE_INTERVAL.min && n <= SIGNAGE_INTERVAL.max, `must be whole seconds from ${SIGNAGE_INTERVAL.min} to ${SIGNAGE_INTERVAL.max}`)
      .default(SIGNAGE_INTERVAL.default),
    theme: z.enum(['dark', 'light'], { error: 'must be dark or light' }).default('dark'),
    lang: z
      .string({ error: 'must be a single value' })
      .max(64)
      .transform((s) => s.split(','))
      .refine((l) => l.length <= 3 && new Set(l).size === l.length && l.every((c) => known.has(c)), {
        message: `must be one language or up to three to alternate, comma-separated, of ${languages.join(', ')} (e.g. ja,en)`,
      })
      .default(['ja']),
  });
}

/** The next `RELOAD_HOUR` o'clock in `timeZone` at least an hour from now, plus a random spread. */
export function nextReloadAt(now: number, timeZone: string, random: () => number = Math.random): number {
  const today = new Date(now).toISOString().slice(0, 10);
  // The local date may differ from the UTC one; try today and the next two days around it.
  for (const offsetDays of [-1, 0, 1, 2]) {
    const date = new Date(Date.parse(`${today}T00:00:00Z`) + offsetDays * 24 * HOUR).toISOString().slice(0, 10);
    const at = startOfLocalDay(date, timeZone) + RELOAD_HOUR * HOUR;
    if (at >= now + HOUR) return at + Math.floor(random() * RELOAD_SPREAD_MS);
  }
  return now + 24 * HOUR;
}

/** Router for the signage page. */
export function createSignageRouter(ctx: DashboardContext): Router {
  const router = Router();
  const querySchema = signageQuerySchema(ctx.i18n.languages);

  router.get('/signage/:facility', async (req, res) => {
    const { facility: id } = parseParams(PathSchema, req.params);
    const query = parseParams(querySchema, req.query);
    const facility = ctx.registry.facility(id);
    if (!facility) throw notFound(`facility: no facility "${id}" in the registry`);

    const entries = ctx.registry.rooms.filter((r) => r.facilityId === id);
    const live = ctx.feed.current(id);
    const statuses: RoomStatus[] = live.length === entries.length ? live : await ctx.roomStatuses.list(id);
    const byKey = new Map(statuses.map((s) => [`${s.facility}/${s.room}`, s]));
    const now = ctx.now();
    const rooms = entries.flatMap((entry) => {
      const status = byKey.get(`${entry.facilityId}/${entry.roomId}`);
      return status ? [{ entry, status }] : [];
    });
    const params = new URLSearchParams();
    if (req.query.interval !== undefined) params.set('interval', String(query.interval));
    if (req.query.theme !== undefined) params.set('theme', query.theme);
    const path = `/signage/${id}${params.size > 0 ? `?${params}` : ''}`;

    const body = renderSignage({
      i18n: ctx.i18n, langs: query.lang, facility, rooms, theme: query.theme, intervalSeconds: query.interval,
      staleAfterMs: ctx.staleAfterMs, now, reloadAt: nextReloadAt(now, ctx.displayTimeZone), timeZone: ctx.displayTimeZone,
      stream: `/api/v1/stream?facility=${encodeURIComponent(id)}`, path,
    });
    // Revalidated on every load: the daily reload must fetch new markup, not a cached copy.
    res.set('Cache-Control', 'no-cache').type('html').send(body);
  });

  return router;
}
