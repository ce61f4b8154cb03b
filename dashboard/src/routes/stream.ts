/**
 * `GET /api/v1/stream[?facility=<id>]`: Server-Sent Events with every room's status as it
 * changes — one `snapshot` event on connect (all rooms, or one facility's), then a `room` event per
 * change, and a comment every 25 s so proxies keep the connection open. Browsers reconnect by
 * themselves (`retry: 5000`). Each message is serialised once and written to every client; a
 * client that stops reading (more than 256 KB queued) is dropped rather than buffered without end,
 * and the number of clients is bounded.
 */
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { DashboardContext } from '../context.ts';
import { badRequest, sendApiError } from '../http-errors.ts';
import type { RoomFeed } from '../live/room-feed.ts';
import type { RoomStatus } from '../room-status.ts';

const HEARTBEAT_MS = 25_000;
const MAX_QUEUED_BYTES = 256 * 1024;

const Query = z.strictObject({ facility: z.string().regex(/^[a-z0-9-]{1,64}$/).optional(), lang: z.string().max(16).optional() });

type Client = { res: Response; facility?: string };

export function createStreamRouter(ctx: DashboardContext, feed: RoomFeed, options: { maxClients: number }): Router {
  const router = Router();
  const clients = new Set<Client>();

  const send = (c: Client, frame: string) => {
    if (c.res.writableLength > MAX_QUEUED_BYTES) {
      c.res.destroy();
      clients.delete(c);
      return;
    }
    c.res.write(frame);
  };
  feed.subscribe((status: RoomStatus) => {
    if (clients.size === 0) return;
    const frame = `event: room\ndata: ${JSON.stringify(status)}\n\n`;
    for (const c of clients) if (c.facility === undefined || c.facility === status.facility) send(c, frame);
  });
  const heartbeat = setInterval(() => {
    for (const c of clients) send(c, `: ${new Date(ctx.now()).toISOString()}\n\n`);
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
    const client: Client = { res, facility: q.data.facility };
    clients.add(client);
    res.write(`retry: 5000\nevent: snapshot\ndata: ${JSON.stringify({ live: feed.live, rooms: feed.current(q.data.facility) })}\n\n`);
    req.on('close', () => clients.delete(client));
  });

  return router;
}
