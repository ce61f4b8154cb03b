/**
 * Sign-in, sign-out and the guards in front of every console page:
 *
 * - sign-in checks the password with scrypt (`common/secret-hash.ts`) — against a dummy hash when
 *   the id is unknown or locked, so timing tells nothing — behind the lock-out of
 *   `sign-in-limiter.ts`, and answers every refusal with the same message and status;
 * - a new session id on every sign-in (no fixation), in an HttpOnly, SameSite=Strict cookie scoped
 *   to /staff, `Secure` when configured;
 * - CSRF: the sign-in form carries a token that must match a short-lived cookie (so nobody can sign
 *   a visitor in as someone else); every later form carries the session's synchronizer token; and
 *   a POST whose `Origin` (or `Sec-Fetch-Site`) says it came from another site is refused first.
 */
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { RateLimitedLog } from '../../../common/logger.ts';
import { createDummySecret, verifySecret } from '../../../common/secret-hash.ts';
import { StaffUserIdSchema, type StaffDirectory, type StaffUser } from '../../../common/staff-users.ts';
import { newToken, tokensEqual, type SessionStore, type StaffSession } from './sessions.ts';
import type { SignInLimiter } from './sign-in-limiter.ts';
import { renderSignIn, renderStaffMessage, type StaffView } from './views/frame.ts';

/** The session cookie. */
export const SESSION_COOKIE = 'kanki_staff';
/** The sign-in form's CSRF cookie (before there is a session). */
const PRE_COOKIE = 'kanki_staff_pre';
const COOKIE_PATH = '/staff';

const SignInBody = z.object({
  id: z.string().max(200),
  password: z.string().max(1024),
  _csrf: z.string().max(200),
  next: z.string().max(500).optional(),
});

/** Where to go after sign-in: only a console path of plain characters (never another site). */
export function safeNext(next: string | undefined): string {
  const ok = next !== undefined && /^\/staff(?:\/[A-Za-z0-9\-._~/]*)?(?:\?[A-Za-z0-9\-._~%=&+]*)?$/.test(next) && !next.includes('..') && !next.startsWith('/staff/sign-');
  return ok ? next : '/staff/alerts';
}

/** Reads one cookie of the request. */
export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The signed-in person of a request past `requireSession`. */
export type SignedIn = { session: StaffSession; user: StaffUser };

/** Who is signed in (only behind `requireSession`). */
export function signedIn(res: Response): SignedIn {
  return res.locals.staff as SignedIn;
}

export type AuthDeps = {
  staff: StaffDirectory;
  sessions: SessionStore;
  limiter: SignInLimiter;
  secureCookie: boolean;
  logger: Logger;
  now: () => number;
  /** The view of a request (translator, path, user if any). */
  view(req: Request, res: Response): StaffView;
};

/**
 * The sign-in/sign-out router (which also puts `requireSession` and the CSRF check in front of
 * everything mounted after it) and the `Origin` check for every POST of the console.
 */
export function createAuth(deps: AuthDeps) {
  const dummy = createDummySecret();
  const warn = new RateLimitedLog(deps.logger, 5, 60_000, deps.now);
  const cookie = (maxAgeMs?: number) => ({ httpOnly: true, sameSite: 'strict' as const, secure: deps.secureCookie, path: COOKIE_PATH, ...(maxAgeMs ? { maxAge: maxAgeMs } : {}) });
  const send = (res: Response, status: number, page: string) => res.status(status).type('html').send(page);

  /** Refuses a POST another site made the browser send (before any other check). */
  const checkOrigin: RequestHandler = (req, res, next) => {
    if (req.method !== 'POST') return next();
    const origin = req.get('origin');
    let sameHost = true;
    if (origin !== undefined) {
      try {
        sameHost = origin !== 'null' && new URL(origin).host === req.host;
      } catch {
        sameHost = false;
      }
    }
    const site = req.get('sec-fetch-site');
    if (!sameHost || (site !== undefined && site !== 'same-origin' && site !== 'none')) {
      warn.warn('origin', { origin, site, path: req.path }, 'staff console: cross-site POST refused');
      const v = deps.view(req, res);
      return send(res, 403, renderStaffMessage(v, { title: v.t.t('staff.refused.title'), message: v.t.t('staff.csrf.failed') }));
    }
    next();
  };

  const signInForm = (req: Request, res: Response, status: number, o: { next?: string; failed?: boolean; userId?: string }) => {
    let csrf = readCookie(req, PRE_COOKIE);
    if (!csrf || csrf.length !== 43) {
      csrf = newToken();
      res.cookie(PRE_COOKIE, csrf, cookie(3600_000));
    }
    send(res, status, renderSignIn(deps.view(req, res), { csrf, ...o }));
  };

  const router = express.Router();
  router.get('/sign-in', (req, res) => {
    if (deps.sessions.get(readCookie(req, SESSION_COOKIE))) return res.redirect(303, safeNext(typeof req.query.next === 'string' ? req.query.next : undefined));
    signInForm(req, res, 200, { next: typeof req.query.next === 'string' ? safeNext(req.query.next) : undefined });
  });

  router.post('/sign-in', async (req, res) => {
    const body = SignInBody.safeParse(req.body ?? {});
    if (!body.success || !tokensEqual(readCookie(req, PRE_COOKIE), body.data._csrf)) {
      const t = deps.view(req, res).t;
      return send(res, 403, renderStaffMessage(deps.view(req, res), { title: t.t('staff.refused.title'), message: t.t('staff.csrf.signIn') }));
    }
    const { id, password } = body.data;
    const next = safeNext(body.data.next);
    const address = req.ip ?? 'unknown';
    // Only known ids are logged: people type their password into the id field now and then.
    const refuse = (why: string, known?: string) => {
      warn.warn(`sign-in:${why}`, { user: known ?? '(unknown id)', address, why }, 'staff console: sign-in refused');
      signInForm(req, res, 401, { next, failed: true, userId: id.slice(0, 64) });
    };
    // A paused address gets no scrypt work done for it (a flood cannot turn into CPU load).
    if (deps.limiter.addressBlocked(address)) return refuse('address_paused');
    const user = StaffUserIdSchema.safeParse(id).success ? deps.staff.user(id) : undefined;
    const stored = user ? deps.staff.passwordOf(user.id) : undefined;
    const attempt = deps.limiter.begin(user?.id, address);
    let ok = false;
    try {
      // Always one scrypt computation, whether the user exists, has a password or is locked.
      const matches = await verifySecret(stored ?? (await dummy), Buffer.from(password, 'utf8'));
      ok = matches && stored !== undefined && attempt !== undefined && user !== undefined;
    } finally {
      attempt?.finish(ok);
    }
    if (!ok || !user) return refuse(attempt === undefined ? 'locked' : 'wrong', user?.id);
    const session = deps.sessions.create(user.id);
    res.cookie(SESSION_COOKIE, session.id, cookie());
    res.clearCookie(PRE_COOKIE, cookie());
    deps.logger.info({ user: user.id, address }, 'staff console: signed in');
    res.redirect(303, next);
  });

  /** Pages need a session: HTML redirects to the sign-in page, `/api/…` answers 401. */
  const requireSession: RequestHandler = (req, res, next) => {
    const session = deps.sessions.get(readCookie(req, SESSION_COOKIE));
    const user = session ? deps.staff.user(session.userId) : undefined;
    if (!session || !user) {
      // A link from another site (a notification mail, a chat) arrives without the SameSite=Strict
      // cookie; reloading the same address from this site's own page brings it along.
      if (req.method === 'GET' && req.get('sec-fetch-site') === 'cross-site' && !req.path.startsWith('/api/')) {
        return void res.type('html').send('<!doctype html><html lang="ja"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0"><title>Kanki</title></head><body><p><a href="/staff/alerts">Kanki</a></p></body></html>');
      }
      if (req.path.startsWith('/api/')) return void res.status(401).json({ error: { code: 'unauthorized', message: 'sign in to the staff console first' } });
      const back = req.method === 'GET' ? `?next=${encodeURIComponent(safeNext(req.originalUrl))}` : '';
      return res.redirect(303, `/staff/sign-in${back}`);
    }
    res.locals.staff = { session, user } satisfies SignedIn;
    next();
  };

  /** Every POST of a signed-in person must carry the session's token. */
  const requireCsrf = (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'POST') return next();
    const sent = (req.body as { _csrf?: unknown } | undefined)?._csrf;
    if (typeof sent === 'string' && tokensEqual(sent, signedIn(res).session.csrf)) return next();
    warn.warn('csrf', { user: signedIn(res).user.id, path: req.path }, 'staff console: POST without a valid CSRF token refused');
    const v = deps.view(req, res);
    send(res, 403, renderStaffMessage(v, { title: v.t.t('staff.refused.title'), message: v.t.t('staff.csrf.failed') }));
  };

  router.use(requireSession, requireCsrf);
  router.post('/sign-out', (req, res) => {
    deps.sessions.destroy(signedIn(res).session.id);
    res.clearCookie(SESSION_COOKIE, cookie());
    deps.logger.info({ user: signedIn(res).user.id }, 'staff console: signed out');
    res.redirect(303, '/staff/sign-in');
  });

  return { checkOrigin, router };
}
