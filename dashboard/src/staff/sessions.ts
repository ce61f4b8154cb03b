/**
 * Server-side sessions of the staff console. The cookie carries only a random 256-bit id; who is
 * signed in, their CSRF token and the clocks live here, in memory — a restart of the dashboard
 * signs everyone out, which for a handful of staff per facility is an acceptable price for having
 * no session table to protect. Bounded: idle and absolute lifetimes, and a cap on the number of
 * sessions (the least recently used goes first). Expired sessions are swept while serving, so
 * there is no timer to stop.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** One signed-in person. */
export type StaffSession = {
  readonly id: string;
  readonly userId: string;
  /** Synchronizer token: every form of this session carries it, every POST must send it back. */
  readonly csrf: string;
  readonly createdAt: number;
  lastSeenAt: number;
};

export type SessionOptions = {
  /** A session unused this long ends (staff console: 8 h, a working day). */
  idleMs: number;
  /** A session ends this long after sign-in however busy (limits a stolen cookie's use). */
  maxAgeMs: number;
  /** Sessions kept at most. */
  maxSessions?: number;
  now: () => number;
};

/** A random 256-bit token, URL- and cookie-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Compares two tokens in constant time (for any lengths: their digests are compared). */
export function tokensEqual(a: string | undefined, b: string | undefined): boolean {
  if (typeof a !== 'string' || typeof b !== 'string' || a.length === 0 || b.length === 0) return false;
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}

const SWEEP_EVERY_MS = 10 * 60_000;

/** The console's sessions by id (see the module comment). */
export class SessionStore {
  // Insertion order = least recently used first: `get` re-inserts.
  private readonly sessions = new Map<string, StaffSession>();
  private readonly maxSessions: number;
  private lastSweep: number;

  constructor(private readonly options: SessionOptions) {
    this.maxSessions = options.maxSessions ?? 10_000;
    this.lastSweep = options.now();
  }

  /** A new session for `userId` (a fresh id on every sign-in, so a planted id is never promoted). */
  create(userId: string): StaffSession {
    const now = this.options.now();
    this.sweep(now);
    while (this.sessions.size >= this.maxSessions) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
    const session: StaffSession = { id: newToken(), userId, csrf: newToken(), createdAt: now, lastSeenAt: now };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id, its idle clock restarted; undefined if unknown or expired. */
  get(id: string | undefined): StaffSession | undefined {
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    const now = this.options.now();
    this.sessions.delete(id);
    if (this.expired(session, now)) return undefined;
    session.lastSeenAt = now;
    this.sessions.set(id, session);
    return session;
  }

  /** Ends a session (sign-out). */
  destroy(id: string): void {
    this.sessions.delete(id);
  }

  /** Live sessions (tests, metrics). */
  get size(): number {
    this.sweep(this.options.now(), true);
    return this.sessions.size;
  }

  private expired(s: StaffSession, now: number): boolean {
    return now - s.lastSeenAt > this.options.idleMs || now - s.createdAt > this.options.maxAgeMs;
  }

  private sweep(now: number, force = false): void {
    if (!force && now - this.lastSweep < SWEEP_EVERY_MS && this.sessions.size < this.maxSessions) return;
    this.lastSweep = now;
    for (const [id, s] of this.sessions) if (this.expired(s, now)) this.sessions.delete(id);
  }
}
