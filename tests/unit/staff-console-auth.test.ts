// The staff console's sessions, CSRF tokens and lock-out, with a fake clock.
import { describe, expect, it } from 'vitest';
import { safeNext } from '../../dashboard/src/staff/auth.ts';
import { newToken, SessionStore, tokensEqual } from '../../dashboard/src/staff/sessions.ts';
import { SignInLimiter } from '../../dashboard/src/staff/sign-in-limiter.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;

function clock(start = Date.parse('2026-11-24T08:00:00+09:00')) {
  const c = { t: start, now: () => c.t, advance: (ms: number) => void (c.t += ms) };
  return c;
}

describe('sessions', () => {
  it('gives each sign-in a fresh 256-bit id and CSRF token', () => {
    const c = clock();
    const store = new SessionStore({ idleMs: 8 * HOUR, maxAgeMs: 24 * HOUR, now: c.now });
    const a = store.create('ward-ops');
    const b = store.create('ward-ops');
    expect(a.id).not.toBe(b.id);
    expect(a.csrf).not.toBe(a.id);
    expect(Buffer.from(a.id, 'base64url')).toHaveLength(32);
    expect(store.get(a.id)?.userId).toBe('ward-ops');
    expect(store.get('made-up')).toBeUndefined();
    expect(store.get(undefined)).toBeUndefined();
  });

  it('ends a session after 8 idle hours, but not while it is used, and after its absolute lifetime in any case', () => {
    const c = clock();
    const store = new SessionStore({ idleMs: 8 * HOUR, maxAgeMs: 24 * HOUR, now: c.now });
    const busy = store.create('ward-ops');
    const idle = store.create('tobe-elementary');
    for (let i = 0; i < 3; i++) {
      c.advance(7 * HOUR);
      expect(store.get(busy.id)).toBeDefined();
    }
    expect(store.get(idle.id)).toBeUndefined();
    c.advance(3 * HOUR + 1);
    expect(store.get(busy.id)).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it('sign-out ends the session; the number of sessions is bounded (least recently used goes)', () => {
    const c = clock();
    const store = new SessionStore({ idleMs: HOUR, maxAgeMs: HOUR, maxSessions: 2, now: c.now });
    const a = store.create('a');
    const b = store.create('b');
    store.get(a.id);
    const d = store.create('d');
    expect(store.get(b.id)).toBeUndefined();
    expect(store.get(a.id)).toBeDefined();
    store.destroy(d.id);
    expect(store.get(d.id)).toBeUndefined();
  });

  it('compares tokens in constant time and never accepts an empty one', () => {
    const t = newToken();
    expect(tokensEqual(t, `${t}`)).toBe(true);
    expect(tokensEqual(t, `${t}x`)).toBe(false);
    expect(tokensEqual('', '')).toBe(false);
    expect(tokensEqual(undefined, t)).toBe(false);
  });
});

describe('lock-out', () => {
  const fail = (l: SignInLimiter, user: string | undefined, address = '10.0.0.1') => {
    const attempt = l.begin(user, address);
    attempt?.finish(false);
    return attempt !== undefined;
  };

  it('locks a user for 15 minutes after 5 failures within 15 minutes; then a clean slate', () => {
    const c = clock();
    const l = new SignInLimiter({ now: c.now });
    for (let i = 0; i < 5; i++) expect(fail(l, 'sengen-nursery')).toBe(true);
    expect(l.begin('sengen-nursery', '10.0.0.1')).toBeUndefined();
    expect(l.begin('sengen-nursery', '10.9.9.9')).toBeUndefined();
    c.advance(15 * MIN - 1);
    expect(l.begin('sengen-nursery', '10.0.0.1')).toBeUndefined();
    c.advance(2);
    const attempt = l.begin('sengen-nursery', '10.0.0.1');
    expect(attempt).toBeDefined();
    attempt?.finish(true);
    // After a success the user's count starts again from zero.
    for (let i = 0; i < 4; i++) fail(l, 'sengen-nursery');
    expect(l.begin('sengen-nursery', '10.0.0.1')).toBeDefined();
  });

  it('forgets failures older than the window, and a success forgives the user\'s failures', () => {
    const c = clock();
    const l = new SignInLimiter({ now: c.now });
    for (let i = 0; i < 4; i++) fail(l, 'ward-ops');
    c.advance(16 * MIN);
    for (let i = 0; i < 4; i++) fail(l, 'ward-ops');
    expect(l.begin('ward-ops', '10.0.0.1')).toBeDefined();
  });

  it('counts attempts still being checked, so parallel guesses cannot pass the limit', () => {
    const c = clock();
    const l = new SignInLimiter({ now: c.now });
    const inFlight = Array.from({ length: 8 }, () => l.begin('ward-ops', '10.0.0.1'));
    expect(inFlight.filter(Boolean)).toHaveLength(5);
    for (const a of inFlight) a?.finish(false);
    expect(l.begin('ward-ops', '10.0.0.1')).toBeUndefined();
  });

  it('pauses an address after 20 failures across any ids, known or not; other addresses go on', () => {
    const c = clock();
    const l = new SignInLimiter({ now: c.now });
    for (let i = 0; i < 20; i++) fail(l, i % 2 === 0 ? undefined : `user-${i}`);
    expect(l.addressBlocked('10.0.0.1')).toBe(true);
    expect(l.begin('ward-ops', '10.0.0.1')).toBeUndefined();
    expect(l.begin('ward-ops', '10.0.0.2')).toBeDefined();
    c.advance(15 * MIN + 1);
    expect(l.addressBlocked('10.0.0.1')).toBe(false);
  });
});

describe('where to go after sign-in', () => {
  it.each([
    ['/staff/alerts/12', '/staff/alerts/12'],
    ['/staff/history?status=resolved&before=40', '/staff/history?status=resolved&before=40'],
    ['https://evil.example/staff', '/staff/alerts'],
    ['//evil.example/staff', '/staff/alerts'],
    ['/staff/../admin', '/staff/alerts'],
    ['/staff/%2e%2e/admin', '/staff/alerts'],
    ['/staffing', '/staff/alerts'],
    ['/staff/sign-out', '/staff/alerts'],
    [undefined, '/staff/alerts'],
  ])('%s → %s', (next, to) => {
    expect(safeNext(next)).toBe(to);
  });
});
