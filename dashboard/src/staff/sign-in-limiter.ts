/**
 * Lock-out for the console's sign-in: after `maxFailures` wrong passwords for one user within
 * `windowMs`, that user cannot sign in for `lockMs` — even with the right password, so guessing
 * cannot continue slowly in the background. A second counter per client address stops one machine
 * from trying many users. Attempts still being checked (scrypt takes tens of ms) count against
 * the limit, so a burst of parallel guesses cannot slip past it.
 *
 * The caller shows the same message whatever the reason (wrong password, unknown user, locked), so
 * the lock reveals nothing about which ids exist. Memory is bounded: at most `maxTracked` keys per
 * kind, the least recently used forgotten first.
 */

export type LockoutOptions = {
  /** Failures per user within the window before the lock (default 5). */
  maxFailures: number;
  /** Window the failures are counted in (default 15 min). */
  windowMs: number;
  /** How long a user stays locked (default 15 min). */
  lockMs: number;
  /** Failures per client address within the window before that address is paused (default 20). */
  maxFailuresPerAddress: number;
  /** Keys remembered per kind at most (default 10,000). */
  maxTracked: number;
  now: () => number;
};

export const DEFAULT_LOCKOUT: Omit<LockoutOptions, 'now'> = {
  maxFailures: 5, windowMs: 15 * 60_000, lockMs: 15 * 60_000, maxFailuresPerAddress: 20, maxTracked: 10_000,
};

type Counter = { failures: number; windowStart: number; lockedUntil: number; pending: number };

/** Failure counters by key (a user id or an address), least recently used first. */
class Counters {
  private readonly map = new Map<string, Counter>();

  constructor(private readonly max: number, private readonly maxTracked: number, private readonly o: LockoutOptions) {}

  private get(key: string, now: number): Counter {
    let c = this.map.get(key);
    if (c) this.map.delete(key);
    else c = { failures: 0, windowStart: now, lockedUntil: 0, pending: 0 };
    if (c.lockedUntil !== 0 && c.lockedUntil <= now) {
      // The lock ran out: a clean slate.
      c.failures = 0;
      c.lockedUntil = 0;
      c.windowStart = now;
    } else if (c.lockedUntil === 0 && now - c.windowStart > this.o.windowMs) {
      c.failures = 0;
      c.windowStart = now;
    }
    // Re-inserted: the map's order is least recently used first.
    this.map.set(key, c);
    if (this.map.size > this.maxTracked) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
    return c;
  }

  allows(key: string, now: number): boolean {
    const c = this.get(key, now);
    return c.lockedUntil <= now && c.failures + c.pending < this.max;
  }

  begin(key: string, now: number): void {
    this.get(key, now).pending++;
  }

  end(key: string, failed: boolean, now: number, resetOnSuccess: boolean): void {
    const c = this.get(key, now);
    c.pending = Math.max(0, c.pending - 1);
    if (!failed) {
      if (resetOnSuccess) this.map.delete(key);
      return;
    }
    c.failures++;
    if (c.failures >= this.max) c.lockedUntil = now + this.o.lockMs;
  }
}

/** An attempt admitted by `SignInLimiter.begin`; report its outcome exactly once. */
export type SignInAttempt = { finish(succeeded: boolean): void };

/** Per-user lock-out and per-address pause of console sign-ins (see the module comment). */
export class SignInLimiter {
  private readonly users: Counters;
  private readonly addresses: Counters;
  private readonly o: LockoutOptions;

  constructor(options: Partial<LockoutOptions> & { now: () => number }) {
    this.o = { ...DEFAULT_LOCKOUT, ...options };
    this.users = new Counters(this.o.maxFailures, this.o.maxTracked, this.o);
    this.addresses = new Counters(this.o.maxFailuresPerAddress, this.o.maxTracked, this.o);
  }

  /** Is this address paused? (Checked before any work is done for the request.) */
  addressBlocked(address: string): boolean {
    return !this.addresses.allows(address, this.o.now());
  }

  /**
   * Admits an attempt for `userId` (undefined: an id that does not exist, counted per address only)
   * from `address`, or returns undefined when the user or the address is locked.
   */
  begin(userId: string | undefined, address: string): SignInAttempt | undefined {
    const now = this.o.now();
    if (!this.addresses.allows(address, now)) return undefined;
    if (userId !== undefined && !this.users.allows(userId, now)) return undefined;
    this.addresses.begin(address, now);
    if (userId !== undefined) this.users.begin(userId, now);
    let done = false;
    return {
      finish: (succeeded: boolean) => {
        if (done) return;
        done = true;
        const at = this.o.now();
        // A success forgives the user's failures, not the address's: one valid account must not
        // reset the counter an address is guessing other accounts' passwords under.
        if (userId !== undefined) this.users.end(userId, !succeeded, at, true);
        this.addresses.end(address, !succeeded, at, false);
      },
    };
  }
}
