/**
 * `GET /healthz` for load balancers and compose health checks: 200 when the store answers its ping
 * within a short deadline, 503 otherwise (so traffic moves away from an instance that cannot read).
 */
import { Router } from 'express';
import type { DashboardContext } from '../context.ts';

/** A ping slower than this counts as down: a health check that hangs is worse than a "no". */
export const HEALTH_PING_TIMEOUT_MS = 2000;

async function pingWithTimeout(ctx: DashboardContext): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), HEALTH_PING_TIMEOUT_MS);
    timer.unref();
  });
  try {
    // Through a `then` so that a store which throws synchronously (e.g. once closed) counts as down.
    return await Promise.race([Promise.resolve().then(() => ctx.store.ping()).catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Router for the health check. */
export function createHealthRouter(ctx: DashboardContext): Router {
  const router = Router();
  router.get('/healthz', async (_req, res) => {
    const ok = await pingWithTimeout(ctx);
    if (!ok) ctx.logger.warn({ store: ctx.store.kind }, 'health check: store does not answer');
    res
      .status(ok ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json({ status: ok ? 'ok' : 'error', store: ok ? 'ok' : 'unreachable' });
  });
  return router;
}
