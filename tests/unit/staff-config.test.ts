// Signed links, staff users and the notification config: what staff and ward IT would get wrong.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/errors.ts';
import { parseRegistry } from '../../common/registry.ts';
import { alertEnvForSpeed, loadIngestConfig } from '../../ingest/src/config.ts';
import { createLinkSigner } from '../../ingest/src/notify/links.ts';
import { parseNotifyConfig } from '../../ingest/src/notify/notify-config.ts';
import { hashSecret, verifySecret } from '../../common/secret-hash.ts';
import { hashToken, loadStaffFile, parseStaffUsers } from '../../common/staff-users.ts';
import { loadDashboardConfig } from '../../dashboard/src/config.ts';

const SECRET = 'a-link-secret-of-at-least-32-characters!';
const T0 = Date.parse('2026-11-24T10:00:00+09:00');

describe('signed one-time links', () => {
  const signer = createLinkSigner(SECRET, 3600_000);

  it('a link names its alert and recipient, and each link has its own nonce', () => {
    const a = signer.sign(42, 'teacher', T0);
    const b = signer.sign(42, 'teacher', T0);
    const va = signer.verify(a, T0 + 1000);
    expect(va).toEqual({ ok: true, claims: { alertId: 42, recipient: 'teacher', expiresAt: T0 + 3600_000, nonce: expect.any(String) } });
    const vb = signer.verify(b, T0 + 1000);
    expect(vb.ok && va.ok && vb.claims.nonce !== va.claims.nonce).toBe(true);
  });

  it('refuses a changed payload, a link signed with another secret, garbage and an expired link', () => {
    const token = signer.sign(42, 'teacher', T0);
    const [payload, signature] = token.split('.') as [string, string];
    const forged = Buffer.from(Buffer.from(payload, 'base64url').toString().replace('42', '43')).toString('base64url');
    expect(signer.verify(`${forged}.${signature}`, T0)).toEqual({ ok: false, problem: 'bad_signature' });
    expect(createLinkSigner('another-secret-of-at-least-32-chars!!').verify(token, T0)).toEqual({ ok: false, problem: 'bad_signature' });
    expect(signer.verify('nonsense', T0)).toEqual({ ok: false, problem: 'malformed' });
    expect(signer.verify(`${token}.x`, T0)).toEqual({ ok: false, problem: 'malformed' });
    expect(signer.verify(token, T0 + 3600_000)).toEqual({ ok: false, problem: 'expired' });
  });
});

describe('staff users', () => {
  const users = { users: [{ id: 'ward-ops', name: 'Ward', facilities: ['*'], tokens: [hashToken('kst_secret-token')] }, { id: 'nursery', name: 'N', facilities: ['msn'], tokens: [] }] };

  it('finds the user of a token by its hash, and nobody for anything else', () => {
    const dir = parseStaffUsers(users, 'staff.yaml', { production: true });
    expect(dir.userForToken('kst_secret-token')?.id).toBe('ward-ops');
    expect(dir.userForToken('kst_secret-token ')).toBeUndefined();
    expect(dir.userForToken('')).toBeUndefined();
  });

  it('production refuses the shipped example tokens; development accepts them', () => {
    expect(() => loadStaffFile('config/staff.example.yaml', { production: true })).toThrow(/public example token/);
    expect(loadStaffFile('config/staff.example.yaml', { production: false }).userForToken('kanki-example-staff-ward-ops')?.id).toBe('ward-ops');
  });

  it('reports every problem with its path: unknown facility, duplicate user, shared token, bad hash', () => {
    const bad = {
      users: [
        { id: 'a', name: 'A', facilities: ['nowhere'], tokens: [hashToken('t')] },
        { id: 'a', name: 'B', facilities: ['*'], tokens: [hashToken('t')] },
      ],
    };
    let message = '';
    try {
      parseStaffUsers(bad, 'staff.yaml', { production: false, knownFacilities: new Set(['msn']) });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).toContain('users[0].facilities: "nowhere" is not in the registry');
    expect(message).toContain('users[1].id: duplicate user "a"');
    expect(message).toContain('users[1].tokens[0]: the same token is given to "a"');
    expect(() => parseStaffUsers({ users: [{ id: 'a', name: 'A', facilities: ['*'], tokens: ['md5:abc'] }] }, 's', { production: false })).toThrow(/users\[0\]\.tokens\[0\]/);
  });
});

describe('staff users: console passwords and the service user', () => {
  it('keeps a user\'s password hash for the console; the example file\'s public passwords work in development only', async () => {
    const dir = loadStaffFile('config/staff.example.yaml', { production: false });
    const stored = dir.passwordOf('tobe-elementary');
    expect(stored).toBeDefined();
    expect(await verifySecret(stored!, Buffer.from('kanki-example-password-tobe-elementary'))).toBe(true);
    expect(await verifySecret(stored!, Buffer.from('kanki-example-password-ward-ops'))).toBe(false);
    expect(dir.userForToken('kanki-example-staff-dashboard')).toMatchObject({ id: 'dashboard', service: true, facilities: [] });
    expect(dir.passwordOf('dashboard')).toBeUndefined();
    expect(() => loadStaffFile('config/staff.example.yaml', { production: true })).toThrow(/users\[0\]\.password: this is the public example password/);
  });

  it('refuses a malformed password hash, a password on a service user, and a person without facilities', async () => {
    const hash = await hashSecret('a-long-enough-password', { N: 1024, r: 8, p: 1 });
    let message = '';
    try {
      parseStaffUsers({
        users: [
          { id: 'svc', name: 'Service', service: true, tokens: [hashToken('kst_svc')], password: hash },
          { id: 'nobody', name: 'Nobody', facilities: [] },
          { id: 'ok', name: 'Ok', facilities: ['*'], password: hash },
        ],
      }, 'staff.yaml', { production: false });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('users[0].password: a service user has no console password');
    expect(message).toContain('users[1].facilities: list the facilities');
    expect(() => parseStaffUsers({ users: [{ id: 'a', name: 'A', facilities: ['*'], password: 'plain-text' }] }, 's', { production: false })).toThrow(/users\[0\]\.password: a password hash looks like/);
  });
});

describe('dashboard: staff console settings', () => {
  it('uses the example service token in development with the example staff file only, and never in production', () => {
    expect(loadDashboardConfig({}).ingestToken).toBe('kanki-example-staff-dashboard');
    expect(loadDashboardConfig({ KANKI_STAFF: 'config/my-staff.yaml' }).ingestToken).toBeUndefined();
    expect(loadDashboardConfig({ KANKI_INGEST_TOKEN: 'kst_0123456789abcdef' })).toMatchObject({ ingestToken: 'kst_0123456789abcdef', ingestUrl: 'http://127.0.0.1:9464', staffSessionIdleMs: 8 * 3600_000, staffCookieSecure: false });
    expect(() => loadDashboardConfig({ NODE_ENV: 'production' })).toThrow(/KANKI_INGEST_TOKEN: required in production/);
    expect(() => loadDashboardConfig({ NODE_ENV: 'production', KANKI_INGEST_TOKEN: 'kanki-example-staff-dashboard' })).toThrow(/public example token/);
    expect(loadDashboardConfig({ NODE_ENV: 'production', KANKI_STAFF: 'none' }).ingestToken).toBeUndefined();
    expect(loadDashboardConfig({ NODE_ENV: 'production', KANKI_INGEST_TOKEN: 'kst_0123456789abcdef' }).staffCookieSecure).toBe(true);
    expect(loadDashboardConfig({ STAFF_COOKIE_SECURE: 'true' }).staffCookieSecure).toBe(true);
  });
});

describe('notification config', () => {
  const known = new Set(['tobe-elementary']);

  it('reads secrets from the environment and fills defaults', () => {
    const config = parseNotifyConfig({
      channels: { hook: { type: 'webhook', url: 'https://ops.example.jp/hook', secret: 'env:HOOK_SECRET' } },
      recipients: [{ id: 'ops', name: 'Ops', channel: 'hook' }],
    }, 'notify.yaml', { HOOK_SECRET: 'a-secret-of-sixteen-or-more' }, known);
    expect(config.channels.hook).toMatchObject({ secret: 'a-secret-of-sixteen-or-more' });
    expect(config.recipients[0]).toMatchObject({ lang: 'ja', facilities: ['*'], maxPerHour: 12, minLevel: 'ventilate', digestOnly: false });
  });

  it('reports a missing variable once, an unknown channel, a missing address, an unknown facility and a typo in a channel option', () => {
    let message = '';
    try {
      parseNotifyConfig({
        channels: {
          hook: { type: 'webhook', url: 'https://ops.example.jp/hook', secret: 'env:NOT_SET' },
          mail: { type: 'email', from: 'kanki@example.jp', smtp: { host: 'smtp.example.jp', port: 587, pasword: 'x' } },
        },
        recipients: [
          { id: 'a', name: 'A', channel: 'slack' },
          { id: 'b', name: 'B', channel: 'mail' },
          { id: 'c', name: 'C', channel: 'hook', facilities: ['nowhere'] },
        ],
      }, 'notify.yaml', {}, known);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('channels.hook.secret: environment variable NOT_SET is not set');
    expect(message.match(/channels\.hook\.secret/g)).toHaveLength(1);
    expect(message).toMatch(/channels\.mail\.smtp: Unrecognized key: "pasword"/);
    // With a channel invalid the cross-checks wait for a clean parse; fix it and they appear.
    try {
      parseNotifyConfig({
        channels: { hook: { type: 'webhook', url: 'https://ops.example.jp/hook', secret: 'a-secret-of-sixteen-or-more' }, mail: { type: 'email', from: 'kanki@example.jp', smtp: { host: 'smtp.example.jp', port: 587 } } },
        recipients: [{ id: 'a', name: 'A', channel: 'slack' }, { id: 'b', name: 'B', channel: 'mail' }, { id: 'c', name: 'C', channel: 'hook', facilities: ['nowhere'] }],
      }, 'notify.yaml', {}, known);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('recipients[0].channel: no channel named "slack"');
    expect(message).toContain('recipients[1].address: a email recipient needs an address');
    expect(message).toContain('recipients[2].facilities: "nowhere" is not in the registry');
  });
});

describe('registry: thresholds per facility kind, closures and hours', () => {
  const base = (extra: Record<string, unknown>, facility: Record<string, unknown> = {}) => ({
    ...extra,
    facilities: [{ id: 'msn', name: { ja: '保育園', en: 'Nursery' }, kind: 'nursery', ...facility, rooms: [{ id: 'r1', name: { ja: '部屋', en: 'Room' } }, { id: 'r2', name: { ja: '部屋2', en: 'Room 2' }, levels: { ventilate: 950 } }] }],
  });

  it('merges defaults, then the kind, then the facility, then the room', () => {
    const registry = parseRegistry(base({ kinds: { nursery: { levels: { ventilate: 900, fair: 700 } } } }, { levels: { fair: 750 } }));
    expect(registry.room('msn', 'r1')?.thresholds).toEqual({ fair: 750, ventilate: 900, critical: 1500 });
    expect(registry.room('msn', 'r2')?.thresholds).toEqual({ fair: 750, ventilate: 950, critical: 1500 });
  });

  it('accepts closures and refuses impossible dates and overlapping hours', () => {
    expect(parseRegistry(base({}, { closures: ['2026-12-29..2027-01-03', '2026-08-14'] })).facility('msn')?.closures).toHaveLength(2);
    expect(() => parseRegistry(base({}, { closures: ['2026-02-30'] }))).toThrow(/facilities\[0\]\.closures\[0\]/);
    expect(() => parseRegistry(base({}, { hours: { 'mon-wed': '08:00-17:00', 'wed-fri': '09:00-18:00' } }))).toThrow(/facilities\[0\]\.hours\./);
  });
});

describe('alert timings for a fast simulator (npm start -- --speed 60)', () => {
  it('divides the unset timings by the speed, within bounds, and keeps what the environment sets', () => {
    const env = alertEnvForSpeed({ ALERT_ESCALATE_AFTER_SECONDS: '120' }, 60);
    expect(loadIngestConfig(env)).toMatchObject({
      ALERT_SUSTAIN_SECONDS: 5, ALERT_WINDOW_SECONDS: 3, ALERT_VERIFY_SECONDS: 10, ALERT_TICK_MS: 100, STALE_AFTER_SECONDS: 10,
      ALERT_ESCALATE_AFTER_SECONDS: 120,
    });
    expect(alertEnvForSpeed({}, 1)).toEqual({});
  });
});
