/**
 * The ingest's HTTP port: `/metrics` (Prometheus text) and `/healthz` for operators, the staff API
 * (`/api/v1/staff`, bearer tokens) and the pages behind signed acknowledgement links
 * (`/staff/ack/{token}`). Built with express and listened on in one place.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import helmet from 'helmet';
import type { Logger } from '../../common/logger.ts';
import type { IngestMetrics } from './metrics.ts';

export type Health = () => { ok: boolean; [key: string]: unknown };

export type IngestHttpRoutes = { staffApi?: Router; ackPages?: Router };

/** Builds the app (not listening). */
export function createIngestHttpApp(metrics: IngestMetrics, health: Health, routes: IngestHttpRoutes, logger: Logger): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], styleSrc: ["'unsafe-inline'"], formAction: ["'self'"], baseUri: ["'none'"], frameAncestors: ["'none'"] } },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  }));
  app.get('/metrics', (_req, res) => {
    metrics.registry.metrics().then(
      (text) => res.type(metrics.registry.contentType).send(text),
      (err: unknown) => res.status(500).type('text/plain').send(`metrics failed: ${String(err)}`),
    );
  });
  app.get('/healthz', (_req, res) => {
    const h = health();
    res.status(h.ok ? 200 : 503).set('cache-control', 'no-store').json(h);
  });
  if (routes.staffApi) app.use('/api/v1/staff', routes.staffApi);
  if (routes.ackPages) app.use('/staff', routes.ackPages);
  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: 'try /metrics, /healthz or /api/v1/staff' } });
  });
  app.use((err: Error & { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
    const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) logger.error({ err }, 'request failed');
    res.status(status).json({ error: { code: status === 500 ? 'internal' : (err.type ?? 'bad_request'), message: status === 500 ? 'internal error' : err.message } });
  });
  return app;
}

export async function startIngestHttp(host: string, port: number, app: express.Express): Promise<{ server: Server; port: number }> {
  const server = createServer(app);
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { server, port: (server.address() as AddressInfo).port };
}
