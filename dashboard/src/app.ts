/**
 * The dashboard: public pages and JSON API over the registry and a `ReadingStore`.
 * `createDashboardApp` builds the express app without listening (tests and an all-in-one process
 * can mount or serve it as they like); `startDashboard` is the one place that listens.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import compression from 'compression';
import express, { type Express } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { Registry } from '../../common/registry.ts';
import { DEFAULT_RETENTION, type ReadingStore, type RetentionConfig } from '../../common/store/reading-store.ts';
import type { DashboardConfig } from './config.ts';
import type { DashboardContext } from './context.ts';
import { createErrorHandler, notFoundHandler, sendApiError } from './http-errors.ts';
import { loadI18n, type I18n } from './i18n/i18n.ts';
import { startRoomFeed, type RoomFeed } from './live/room-feed.ts';
import { createRoomStatusSource } from './room-status.ts';
import { createStreamRouter } from './routes/stream.ts';
import { ASSETS_PATH } from './views/layout.ts';
import { createFacilitiesRouter } from './routes/facilities.ts';
import { createHealthRouter } from './routes/health.ts';
import { createOverviewRouter } from './routes/overview.ts';
import { createReadingsRouter } from './routes/readings.ts';
import { createRoomsRouter } from './routes/rooms.ts';
import { createStaffConsole, type StaffConsoleDeps } from './staff/console.ts';
import { createSignageRouter } from './routes/signage.ts';
import { createReportRouter } from './routes/report.ts';
import { createFacilityPageRouter } from './routes/facility-page.ts';
import { createRoomPageRouter } from './routes/room-page.ts';
import { createExportsRouter } from './routes/exports.ts';
import { createOpenDataRouter } from './routes/open-data.ts';
import { createEmbedRouter } from './routes/embed.ts';

/** Collaborators of the app. The caller owns them: the dashboard never closes the store. */
export type DashboardAppDeps = {
  registry: Registry;
  store: ReadingStore;
  logger: Logger;
  /** Epoch ms clock; defaults to `Date.now`. */
  now?: () => number;
  /** A room's newest reading older than this is shown as "no data". */
  staleAfterMs: number;
  /** IANA time zone for HTML pages; defaults to Asia/Tokyo. */
  displayTimeZone?: string;
  /** The store's retention (defaults to `DEFAULT_RETENTION`); bounds the automatic resolution. */
  retention?: RetentionConfig;
  /** Live room statuses (SSE, signage); see `startRoomFeed`. */
  feed: RoomFeed;
  /** Message catalogues; default: the shipped ones. */
  i18n?: I18n;
  /** Live connections at once (default 5000). */
  sseMaxClients?: number;
  /** Requests per minute per client address on public routes (default 1200). */
  publicRateLimitPerMinute?: number;
  /** The staff console at /staff (see `resolveStaffConsole`); none = not mounted. */
  staffConsole?: StaffConsoleDeps;
};

/** The files served under /assets: stylesheet, scripts, and Chart.js from its package. */
const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));
const CHART_JS_DIR = fileURLToPath(new URL('../../node_modules/chart.js/dist/', import.meta.url));

/**
 * Strict CSP: only same-origin resources, no inline script or style, no framing. Written out rather
 * than helmet's defaults because those add `upgrade-insecure-requests`, which would break a plain
 * HTTP deployment on a ward LAN, and allow inline styles, which these pages do not need.
 */
const CSP_DIRECTIVES = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  manifestSrc: ["'self'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/** Builds the express app (not listening). */
export function createDashboardApp(deps: DashboardAppDeps): Express {
  const logger = deps.logger.child({ component: 'dashboard' });
  const now = deps.now ?? Date.now;
  const i18n = deps.i18n ?? loadI18n({ timeZone: deps.displayTimeZone ?? 'Asia/Tokyo' });
  const ctx: DashboardContext = {
    i18n,
    feed: deps.feed,
    registry: deps.registry,
    store: deps.store,
    logger,
    now,
    staleAfterMs: deps.staleAfterMs,
    displayTimeZone: deps.displayTimeZone ?? 'Asia/Tokyo',
    retention: deps.retention ?? DEFAULT_RETENTION,
    roomStatuses: createRoomStatusSource({ registry: deps.registry, store: deps.store, now, staleAfterMs: deps.staleAfterMs }),
  };

  const app = express();
  app.disable('x-powered-by');
  app.use(helmet({ contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES }, frameguard: { action: 'deny' } }));
  app.use((req, res, next) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      logger.debug({ method: req.method, path: req.path, status: res.statusCode, ms: Number(process.hrtime.bigint() - start) / 1e6 }, 'request');
    });
    next();
  });
  // gzip for pages, JSON, CSV and scripts (a 24 h chart's data shrinks ~5×) — but never the event
  // stream, which compression would buffer instead of sending each event at once.
  app.use(compression({ filter: (req, res) => req.path !== '/api/v1/stream' && compression.filter(req, res) }));
  app.get('/favicon.ico', (_req, res) => res.redirect(301, `${ASSETS_PATH}/favicon.svg`));
  // Static files are cheap and cached; they are not counted against the rate limit.
  app.use(ASSETS_PATH, express.static(PUBLIC_DIR, { maxAge: '1h', index: false, fallthrough: true }));
  app.use(`${ASSETS_PATH}/chart.js`, express.static(CHART_JS_DIR, { maxAge: '1d', index: false }));
  app.use(rateLimit({
    windowMs: 60_000, limit: deps.publicRateLimitPerMinute ?? 1200, standardHeaders: 'draft-8', legacyHeaders: false,
    skip: (req) => req.path === '/healthz',
    handler: (_req, res) => sendApiError(res, 429, 'rate_limited', 'too many requests from this address; slow down'),
  }));
  app.use(i18n.middleware());
  // The public API is open data without credentials: any site (a ward portal, a school page) may
  // read it from the browser.
  app.use('/api/v1', (_req, res, next) => {
    res.set({ 'Access-Control-Allow-Origin': '*', 'Cross-Origin-Resource-Policy': 'cross-origin' });
    next();
  });

  app.use(createHealthRouter(ctx));
  app.use(createStreamRouter(ctx, deps.feed, { maxClients: deps.sseMaxClients ?? 5000 }));
  app.use(createRoomsRouter(ctx));
  app.use(createReadingsRouter(ctx));
  app.use(createFacilitiesRouter(ctx));
  app.use(createOverviewRouter(ctx));
  app.use(createFacilityPageRouter(ctx));
  app.use(createRoomPageRouter(ctx));
  app.use(createExportsRouter(ctx));
  app.use(createOpenDataRouter(ctx));
  app.use(createEmbedRouter(ctx));
  app.use(createSignageRouter(ctx));
  app.use(createReportRouter(ctx));
  if (deps.staffConsole) app.use('/staff', createStaffConsole({ ...deps.staffConsole, i18n, registry: deps.registry, logger, now }));
  app.use(notFoundHandler);
  app.use(createErrorHandler(logger));
  return app;
}

/** What `startDashboard` needs from the configuration. */
export type DashboardServerConfig = Pick<DashboardConfig, 'httpPort' | 'httpHost' | 'staleAfterSeconds'> &
  Partial<Pick<DashboardConfig, 'trustProxy' | 'displayTimeZone' | 'retention' | 'liveMqttUrl' | 'liveMqttUsername' | 'liveMqttPassword' | 'livePollMs' | 'sseMaxClients' | 'publicRateLimitPerMinute'>>;

/** A listening dashboard. */
export type RunningDashboard = {
  /** The port actually bound (useful with port 0). */
  port: number;
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** Stops accepting, ends idle keep-alive sockets at once and the rest after a short grace. Idempotent. */
  close(): Promise<void>;
};

/** In-flight requests get this long to finish on close before their sockets are cut. */
const CLOSE_GRACE_MS = 3000;

function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

/** Builds the app and listens on `config.httpHost:config.httpPort`. */
export async function startDashboard(
  config: DashboardServerConfig,
  deps: { registry: Registry; store: ReadingStore; logger: Logger; now?: () => number; staffConsole?: StaffConsoleDeps },
): Promise<RunningDashboard> {
  const staleAfterMs = config.staleAfterSeconds * 1000;
  const now = deps.now ?? Date.now;
  const feed = await startRoomFeed(
    { mqttUrl: config.liveMqttUrl, mqttUsername: config.liveMqttUsername, mqttPassword: config.liveMqttPassword, pollMs: config.livePollMs ?? 5000, staleAfterMs },
    { registry: deps.registry, statuses: createRoomStatusSource({ registry: deps.registry, store: deps.store, now, staleAfterMs }), logger: deps.logger, now },
  );
  const app = createDashboardApp({
    ...deps, feed, staleAfterMs, displayTimeZone: config.displayTimeZone, retention: config.retention,
    sseMaxClients: config.sseMaxClients, publicRateLimitPerMinute: config.publicRateLimitPerMinute,
  });
  if (config.trustProxy !== undefined) app.set('trust proxy', config.trustProxy);
  const server: Server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.httpPort, config.httpHost, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${displayHost(config.httpHost)}:${port}`;
  deps.logger.child({ component: 'dashboard' }).info({ url }, 'dashboard listening');

  let closing: Promise<void> | undefined;
  return {
    port,
    url,
    close() {
      closing ??= new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          void feed.close().then(resolve);
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

/** The house-wide name (`start(config, deps)`, see STYLE.md) for the all-in-one launcher. */
export const start = startDashboard;
