/**
 * `GET /api/v1/stream[?facility=<id>]`: Server-Sent Events with every room's status as it
 * changes — one `snapshot` event on connect (all rooms, or one facility's), then a `room` event per
 * change, and a comment every 25 s so proxies keep the connection open. Browsers reconnect by
 * themselves (`retry: 5000`). A client that stops reading (more than 256 KB queued beyond its
 * snapshot) is dropped rather than buffered without end, and the number of clients is bounded.
 *
 * Built for a city on one process (see `npm run bench:dashboard`: 12,000 rooms, 1,000 clients,
 * 200 changes a second):
 * - each status is serialised once, however many clients receive it, and the JSON of a room that
 *   did not change is reused by every snapshot;
 * - changes are sent in batches every `FLUSH_MS`, one write per client per batch, the same bytes
 *   for every client of the same filter — one write per client per change made the dashboard spend
 *   its time in 200,000 socket writes a second and fall a minute behind;
 * - the snapshot (3 MB with 12,000 rooms) is built once per change of its rooms and shared by every
 *   client that connects meanwhile, and counts against the client's limit only until it is sent.
 */
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { DashboardContext } from '../context.ts';
import { badRequest, sendApiError } from '../http-errors.ts';
import type { RoomFeed } from '../live/room-feed.ts';
import type { RoomStatus } from '../room-status.ts';

const HEARTBEAT_MS = 25_000;
const MAX_QUEUED_BYTES = 256 * 1024;
/**
 * Changes wait at most this long to be sent together: a tenth of a second is below what anyone
 * watching a tile notices, and it turns 1,000 clients × 200 changes/s into 10,000 writes a second.
 */
export const FLUSH_MS = 100;

const Query = z.strictObject({ facility: z.string().regex(/^[a-z0-9-]{1,64}$/).optional(), lang: z.string().max(16).optional() });

/** `''` for every room, else a facility id. */
type FilterKey = string;
/** `joinedAt`: the change counter when its snapshot was built (it already holds every change up to there). */
type Client = { res: Response; key: FilterKey; limit: number; joinedAt: number };

export function createStreamRouter(ctx: DashboardContext, feed: RoomFeed, options: { maxClients: number }): Router {
  const router = Router();
  const clients = new Set<Client>();
  const byKey = new Map<FilterKey, Set<Client>>();

  // A status object is replaced, never changed, when its room changes: its JSON can be kept with it.
  const json = new WeakMap<RoomStatus, string>();
  const toJson = (s: RoomStatus): string => {
    let text = json.get(s);
    if (text === undefined) json.set(s, (text = JSON.stringify(s)));
    return text;
  };

  /** Snapshot bytes per filter, dropped as soon as one of its rooms changes. */
  const snapshots = new Map<FilterKey, { live: boolean; bytes: Buffer }>();
  const snapshot = (key: FilterKey): Buffer => {
    const cached = snapshots.get(key);
    if (cached && cached.live === feed.live) return cached.bytes;
    const rooms = feed.current(key === '' ? undefined : key).map(toJson).join(',');
    const bytes = Buffer.from(`retry: 5000\nevent: snapshot\ndata: {"live":${feed.live},"rooms":[${rooms}]}\n\n`);
    snapshots.set(key, { live: feed.live, bytes });
    return bytes;
  };

  const write = (c: Client, bytes: Buffer | string) => {
    if (c.res.writableLength > c.limit) {
      c.res.destroy();
      remove(c);
      return;
    }
    c.res.write(bytes);
  };
  const remove = (c: Client) => {
    clients.delete(c);
    byKey.get(c.key)?.delete(c);
  };

  // Frames waiting for the next flush, per filter, each with its number in the order of changes.
  const pending = new Map<FilterKey, { seq: number; frame: string }[]>();
  let changes = 0;
  let flushTimer: NodeJS.Timeout | undefined;
  const flush = () => {
    flushTimer = undefined;
    for (const [key, frames] of pending) {
      const first = frames[0]?.seq ?? 0;
      let bytes: Buffer | undefined;
      for (const c of byKey.get(key) ?? []) {
        if (c.joinedAt < first) {
          write(c, (bytes ??= Buffer.from(frames.map((f) => f.frame).join(''))));
          continue;
        }
        // Joined while this batch was filling: its snapshot already shows the earlier changes.
        const newer = frames.filter((f) => f.seq > c.joinedAt);
        if (newer.length > 0) write(c, newer.map((f) => f.frame).join(''));
      }
    }
    pending.clear();
  };
  feed.subscribe((status: RoomStatus) => {
    snapshots.delete('');
    snapshots.delete(status.facility);
    changes++;
    if (clients.size === 0) return;
    const frame = { seq: changes, frame: `event: room\ndata: ${toJson(status)}\n\n` };
    for (const key of ['', status.facility]) {
      if (!byKey.get(key)?.size) continue;
      const frames = pending.get(key);
      if (frames) frames.push(frame);
      else pending.set(key, [frame]);
    }
    if (pending.size > 0) {
      flushTimer ??= setTimeout(flush, FLUSH_MS);
      flushTimer.unref();
    }
  });
  const heartbeat = setInterval(() => {
    const comment = `: ${new Date(ctx.now()).toISOString()}\n\n`;
    for (const c of clients) write(c, comment);
  }, HEARTBEAT_MS);
  heartbeat.unref();

  router.get('/api/v1/stream', (req, res) => {
    const q = Query.safeParse(req.query);
    if (!q.success) throw badRequest(q.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; '));
    if (q.data.facility && !ctx.registry.facility(q.data.facility)) throw badRequest(`unknown facility "${q.data.facility}"`);
    if (clients.size >= options.maxClients) {
      res.set('Retry-After', '30');
      sendApiError(res, 503, 'too_busy', 'too many live connections; try again shortly');
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    const key = q.data.facility ?? '';
    const first = snapshot(key);
    // Until the snapshot is out, it may fill the socket by itself; only what queues beyond it counts.
    const client: Client = { res, key, limit: MAX_QUEUED_BYTES + first.length, joinedAt: changes };
    if (res.write(first)) client.limit = MAX_QUEUED_BYTES;
    else res.once('drain', () => (client.limit = MAX_QUEUED_BYTES));
    clients.add(client);
    let group = byKey.get(key);
    if (!group) byKey.set(key, (group = new Set()));
    group.add(client);
    req.on('close', () => remove(client));
  });

  return router;
}
