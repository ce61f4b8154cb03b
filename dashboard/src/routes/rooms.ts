/**
 * `GET /api/v1/rooms[?facility=…]`: every registry room with its current level. Rooms without a
 * current reading are listed too (level `nodata`), so a silent sensor is visible, not hidden.
 *
 * Built for a city on one process (`npm run bench:dashboard`: 12,000 rooms, 200 requests a
 * second; the list is then 3 MB of JSON):
 * - the list is built at most once per `ROOM_LIST_REUSE_MS` per filter, and the same bytes go to
 *   every request meanwhile, with an ETag from their content (pollers get `304` while nothing
 *   changed). Reuse for a second changes nothing anyone can see — a room reports once a minute and
 *   the response already lets caches keep it 15 s — while building it per request took ~45 ms of
 *   CPU: 200 requests a second would have needed nine cores;
 * - while a newer list is built, requests get the previous one rather than wait for it;
 * - each room's JSON is kept with its status object (which the status source keeps while the room
 *   does not change), so a rebuild serialises only the rooms that changed;
 * - the list is also kept gzipped (compressed once per change, off the event loop) for clients
 *   that accept it — every browser and HTTP library: 3 MB to each of 200 callers a second would be
 *   4.8 Gbit/s; gzipped it is 0.16 MB.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { Router } from 'express';
import type { DashboardContext } from '../context.ts';
import { PUBLIC_CACHE_CONTROL } from '../context.ts';
import { notFound } from '../http-errors.ts';
import type { RoomStatus } from '../room-status.ts';
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
const OPEN = Buffer.from('{"rooms":[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']}');
/** Lets requests that queued up during the store query run before the list is put together. */
const yieldToRequests = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Router for the room list. */
export function createRoomsRouter(ctx: DashboardContext): Router {
  const router = Router();
  const built = new Map<string, Built>();
  const building = new Map<string, Promise<Built>>();
  const json = new WeakMap<RoomStatus, Buffer>();

  const assemble = async (key: string, facility: string | undefined, at: number): Promise<Built> => {
    const rooms = await ctx.roomStatuses.list(facility);
    await yieldToRequests();
    const parts: Buffer[] = [OPEN];
    for (const [i, status] of rooms.entries()) {
      let part = json.get(status);
      if (!part) json.set(status, (part = Buffer.from(JSON.stringify(status))));
      if (i > 0) parts.push(COMMA);
      parts.push(part);
    }
    parts.push(CLOSE);
    const body = Buffer.concat(parts);
    const before = built.get(key);
    if (before?.body.equals(body)) return { ...before, at };
    // A hash of the content, so an unchanged list keeps its ETag across rebuilds and processes.
    const etag = `W/"${body.length.toString(16)}-${createHash('sha1').update(body).digest('base64url').slice(0, 27)}"`;
    // Level 4: nearly the size of the default level in half its time (this JSON compresses ~20×).
    return { at, body, gzipped: await gzip(body, { level: 4 }), etag };
  };

  const build = (facility: string | undefined): Promise<Built> => {
    const key = facility ?? '';
    let next = building.get(key);
    if (!next) {
      next = assemble(key, facility, ctx.now()).then((result) => {
        built.set(key, result);
        return result;
      });
      // A failed build is not kept, nor the list before it: the next request tries again and the failure reaches it.
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
