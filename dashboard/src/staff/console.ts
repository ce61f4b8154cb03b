/**
 * The staff console (`/staff`): facility staff sign in with their id and password and see open
 * alerts (and acknowledge them), the alert history and audit log, notification deliveries, sensor
 * health and unknown devices. The alert data is the ingest's (its SQLite alert database); the
 * console calls the ingest's staff API server to server as a service user acting for the signed-in
 * person (`ingest-client.ts`), so both ways in — API token and console — obey one set of rules.
 *
 * Every response is private: `Cache-Control: no-store`, `X-Robots-Tag: noindex`.
 */
import express, { type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import type { Registry } from '../../../common/registry.ts';
import type { StaffDirectory } from '../../../common/staff-users.ts';
import type { I18n, Translator } from '../i18n/i18n.ts';
import { createAuth, type SignedIn } from './auth.ts';
import type { StaffIngestApi } from './ingest-client.ts';
import { createPages } from './pages.ts';
import { SessionStore } from './sessions.ts';
import { SignInLimiter, type LockoutOptions } from './sign-in-limiter.ts';
import type { StaffView } from './views/frame.ts';

/** What the console needs besides the dashboard's own parts (see `resolveStaffConsole`). */
export type StaffConsoleDeps = {
  staff: StaffDirectory;
  ingest: StaffIngestApi;
  sessions: { idleMs: number; maxAgeMs: number; maxSessions?: number };
  /** Session cookie only over HTTPS. */
  secureCookie: boolean;
  /** Lock-out numbers (defaults: 5 failures per user in 15 min → 15 min; 20 per address). */
  lockout?: Partial<Omit<LockoutOptions, 'now'>>;
};

/** The router to mount at `/staff`. */
export function createStaffConsole(deps: StaffConsoleDeps & { i18n: I18n; registry: Registry; logger: Logger; now: () => number }): Router {
  const logger = deps.logger.child({ component: 'staff-console' });
  const sessions = new SessionStore({ ...deps.sessions, now: deps.now });
  const limiter = new SignInLimiter({ ...deps.lockout, now: deps.now });

  const view = (req: Request, res: Response): StaffView => {
    const who = res.locals.staff as SignedIn | undefined;
    return {
      t: res.locals.i18n as Translator,
      i18n: deps.i18n,
      registry: deps.registry,
      // Language links repeat the request: only a GET can be repeated.
      path: req.method === 'GET' ? req.originalUrl : who ? '/staff/alerts' : '/staff/sign-in',
      user: who ? { id: who.user.id, name: who.user.name, allFacilities: who.user.facilities.includes('*') } : undefined,
      csrf: who?.session.csrf,
    };
  };

  const router = express.Router();
  router.use((_req, res, next) => {
    res.set({ 'Cache-Control': 'no-store', 'X-Robots-Tag': 'noindex, nofollow', 'Referrer-Policy': 'same-origin' });
    next();
  });
  router.use(express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 20 }));
  const auth = createAuth({ staff: deps.staff, sessions, limiter, secureCookie: deps.secureCookie, logger, now: deps.now, view });
  router.use(auth.checkOrigin);
  router.use(auth.router);
  router.use(createPages({ ingest: deps.ingest, logger, view }));
  return router;
}
