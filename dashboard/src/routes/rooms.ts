/**
 * `GET /api/v1/rooms[?facility=…]`: every registry room with its current level. Rooms without a
 * current reading are listed too (level `nodata`), so a silent sensor is visible, not hidden.
 *
 * The list is built at most once per `ROOM_LIST_REUSE_MS` per filter and the same bytes (with one
 * ETag, so pollers get `304 Not Modified` while nothing changed) go to every request meanwhile.
 * With a city of 12,000 rooms the list is 3 MB and takes ~20 ms to build; built per request, 200
 * requests a second would need four cores. Reuse for a second changes nothing anyone can see:
 * a room reports once a minute, and the response already allows caches to keep it 15 s.
 * The list is also kept gzipped (compressed once per build, off the event loop), for the clients
 * that accept it — every browser and HTTP library: 3 MB to every caller at 200 requests a second
 * would be 4.8 Gbit/s, more than a ward's network or the load generator of the benchmark carries.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { Router } from 'express';
import type { DashboardContext } from '../context.ts';
import { PUBLIC_CACHE_CONTROL } from '../context.ts';
import { notFound } from '../http-errors.ts';
import { parseParams, RoomsQuerySchema } from './params.ts';

/** How long a built room list is served before it is rebuilt. */
export const ROOM_LIST_REUSE_MS = 1000;
/**
 * While a newer list is being built, requests get the previous one instead of waiting — if it is
 * not older than this. Beyond it (a store that has become slow) they wait for the new one.
 */
const SERVE_WHILE_REBUILDING_MS = 5000;

type Built = { at: number; body: Buffer; gzipped: Buffer; etag: string };

const gzip = promisify(gzipCallback);

/** Router for the room list. */
export function createRoomsRouter(ctx: DashboardContext): Router {
  const router = Router();
  const built = new Map<string, Built>();
  const building = new Map<string, Promise<Built>>();

  const build = (facility: string | undefined): Promise<Built> => {
    const key = facility ?? '';
    let next = building.get(key);
    if (!next) {
      const at = ctx.now();
      next = ctx.roomStatuses.list(facility).then(async (rooms) => {
        const body = Buffer.from(JSON.stringify({ rooms }));
        // A hash of the content, so an unchanged list keeps its ETag across rebuilds.
        const etag = `W/"${body.length.toString(16)}-${createHash('sha1').update(body).digest('base64url').slice(0, 27)}"`;
        // Level 4: nearly the size of the default level at half its time (JSON this repetitive compresses ~15×).
        const result = { at, body, gzipped: await gzip(body, { level: 4 }), etag };
        built.set(key, result);
        return result;
      });
      // A failed build is not kept: the next request tries again and the failure reaches it.
      void next.catch(() => built.delete(key)).finally(() => building.delete(key));
      building.set(key, next);
    }
    return next;
  };

  const current = async (facility: string | undefined): Promise<Built> => {
    const have = built.get(facility ?? '');
    const age = have ? ctx.now() - have.at : Infinity;
    if (have && age < ROOM_LIST_REUSE_MS) return have;
    const fresh = build(facility);
    return have && age < SERVE_WHILE_REBUILDING_MS ? have : fresh;
  };

  router.get('/api/v1/rooms', async (req, res) => {
    const { facility } = parseParams(RoomsQuerySchema, req.query);
    if (facility !== undefined && !ctx.registry.facility(facility)) throw notFound(`facility: no facility "${facility}" in the registry`);
    const list = await current(facility);
    res.set({ 'Cache-Control': PUBLIC_CACHE_CONTROL, ETag: list.etag }).vary('Accept-Encoding').type('json');
    if (req.acceptsEncodings('gzip', 'identity') === 'gzip') res.set('Content-Encoding', 'gzip').send(list.gzipped);
    else res.send(list.body);
  });
  return router;
}
