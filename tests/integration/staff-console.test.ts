/**
 * The staff console with real parts: an aedes broker, the ingest (SQLite alert database, staff
 * API), the dashboard on port 0 calling the ingest's staff API as the example service user, real
 * devices publishing over MQTT (with a Last Will), and a cookie-keeping client in place of a
 * browser. The example staff file's public passwords are `kanki-example-password-<user id>`.
 */
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../common/logger.ts';
import { loadRegistryFile } from '../../common/registry.ts';
import { ACTING_USER_HEADER, loadStaffFile } from '../../common/staff-users.ts';
import { createSqliteStore } from '../../common/store/sqlite-store.ts';
import { buildSensorReadingTopic, buildSensorStatusTopic } from '../../common/topics.ts';
import { startDashboard, type RunningDashboard } from '../../dashboard/src/app.ts';
import { loadDashboardConfig } from '../../dashboard/src/config.ts';
import { resolveStaffConsole } from '../../dashboard/src/staff/staff-console-config.ts';
import { startIngest, type Ingest } from '../../ingest/src/app.ts';
import { loadIngestConfig } from '../../ingest/src/config.ts';
import { connectClient, startTestBroker, type TestBroker } from '../helpers/mqtt.ts';
import { csrfOf, StaffBrowser } from '../helpers/staff-browser.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';

const password = (user: string) => `kanki-example-password-${user}`;
const logger = createSilentLogger();
const registry = loadRegistryFile('config/registry.demo.yaml');
const staff = loadStaffFile('config/staff.example.yaml', { production: false, knownFacilities: new Set(registry.facilities.map((f) => f.id)) });

const cleanups: (() => Promise<unknown> | unknown)[] = [];
let broker: TestBroker;
let ingest: Ingest;
let dashboard: RunningDashboard;

/** A dashboard on port 0 whose console calls `ingest`, with its own clock. */
async function startConsole(now?: () => number): Promise<RunningDashboard> {
  const config = loadDashboardConfig({ HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', KANKI_INGEST_URL: `http://127.0.0.1:${ingest.httpPort}` });
  const staffConsole = resolveStaffConsole(config, { registry, logger, staff });
  const d = await startDashboard(config, { registry, store: storeRef, logger, staffConsole, now });
  cleanups.push(() => d.close());
  return d;
}
let storeRef: ReturnType<typeof createSqliteStore>;

/** The ingest's staff API with a bearer token (and optionally the acting-user header). */
async function staffApi(token: string, path: string, init: { method?: string; body?: unknown; acting?: string } = {}) {
  const res = await fetch(`http://127.0.0.1:${ingest.httpPort}/api/v1/staff${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.acting ? { [ACTING_USER_HEADER]: init.acting } : {}) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A device that publishes a reading every 100 ms until the test file ends. */
async function startDevice(id: string, co2: number, extra: Record<string, unknown> = {}): Promise<MqttClient> {
  const device = await connectClient(broker.url, { clientId: id, will: { topic: buildSensorStatusTopic(id), payload: Buffer.from('offline'), qos: 1, retain: true } });
  await device.publishAsync(buildSensorStatusTopic(id), 'online', { qos: 1, retain: true });
  let seq = 0;
  const timer = setInterval(() => {
    void device.publishAsync(buildSensorReadingTopic(id), JSON.stringify({ co2, seq: seq++, ...extra }), { qos: 1 }).catch(() => {});
  }, 100);
  cleanups.push(async () => {
    clearInterval(timer);
    await device.endAsync(true).catch(() => {});
  });
  return device;
}

beforeAll(async () => {
  broker = await startTestBroker();
  cleanups.push(() => broker.close());
  const data = makeTempDir();
  cleanups.push(() => data.remove());
  storeRef = createSqliteStore({ file: `${data.path}/kanki.sqlite` }, { logger });
  await storeRef.init();
  cleanups.push(() => storeRef.close());
  const config = loadIngestConfig({
    MQTT_URL: broker.url, DATA_DIR: data.path, INGEST_HTTP_PORT: '0', INGEST_HTTP_HOST: '127.0.0.1', INGEST_WARMUP_SECONDS: '0',
    ALERT_SUSTAIN_SECONDS: '1', ALERT_WINDOW_SECONDS: '1', ALERT_TICK_MS: '100', STALE_AFTER_SECONDS: '30',
  });
  ingest = await startIngest(config, { logger, registry, store: storeRef, staff });
  cleanups.push(() => ingest.close());
  dashboard = await startConsole();
});

afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('staff console: signing in', () => {
  it('pages need a session (HTML → 303 to the sign-in page, JSON → 401) and every answer is private', async () => {
    const b = new StaffBrowser(dashboard.url);
    const page = await b.get('/staff/alerts');
    expect(page.status).toBe(303);
    expect(page.location).toBe('/staff/sign-in?next=%2Fstaff%2Falerts');
    const api = await b.get('/staff/api/alerts');
    expect(api.status).toBe(401);
    expect(JSON.parse(api.text)).toMatchObject({ error: { code: 'unauthorized' } });
    const signIn = await b.get('/staff/sign-in');
    expect(signIn.status).toBe(200);
    expect(signIn.headers.get('cache-control')).toBe('no-store');
    expect(signIn.headers.get('x-robots-tag')).toContain('noindex');
    expect(signIn.text).toContain('id="staff-sign-in"');
  });

  it('signs in with the right password only, keeps the session in an HttpOnly SameSite=Strict cookie, and signs out', async () => {
    const b = new StaffBrowser(dashboard.url);
    const wrong = await b.signIn('ward-ops', 'not-the-password');
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('id="staff-sign-in-error"');
    expect(b.cookies.has('kanki_staff')).toBe(false);
    // An unknown id gets exactly the same answer.
    const unknown = await b.signIn('nobody-here', 'not-the-password');
    expect(unknown.status).toBe(401);
    expect(unknown.text.match(/id="staff-sign-in-error"[^<]*>([^<]*)/)?.[1]).toBe(wrong.text.match(/id="staff-sign-in-error"[^<]*>([^<]*)/)?.[1]);

    const right = await b.signIn('ward-ops', password('ward-ops'));
    expect(right.status).toBe(303);
    expect(right.location).toBe('/staff/alerts');
    const setCookie = right.headers.getSetCookie().find((c) => c.startsWith('kanki_staff='));
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toMatch(/Path=\/staff/i);
    expect(setCookie).not.toMatch(/Secure/i);
    const alerts = await b.get('/staff/alerts');
    expect(alerts.status).toBe(200);
    expect(alerts.headers.get('cache-control')).toBe('no-store');
    expect(alerts.text).toContain('西区役所 区政推進課');

    const out = await b.post('/staff/sign-out', { _csrf: csrfOf(alerts.text) });
    expect(out.status).toBe(303);
    expect((await b.get('/staff/alerts')).status).toBe(303);
  });

  it('locks a user out after 5 wrong passwords — even the right one is refused — until the lock runs out', async () => {
    let offset = 0;
    const clocked = await startConsole(() => Date.now() + offset);
    const b = new StaffBrowser(clocked.url);
    for (let i = 0; i < 5; i++) expect((await b.signIn('sengen-nursery', `wrong-${i}`)).status).toBe(401);
    const locked = await b.signIn('sengen-nursery', password('sengen-nursery'));
    expect(locked.status).toBe(401);
    expect(locked.text).toContain('id="staff-sign-in-error"');
    // Another user from the same address is not affected.
    expect((await new StaffBrowser(clocked.url).signIn('tobe-elementary', password('tobe-elementary'))).status).toBe(303);
    offset += 14 * 60_000;
    expect((await b.signIn('sengen-nursery', password('sengen-nursery'))).status).toBe(401);
    offset += 2 * 60_000;
    const again = await b.signIn('sengen-nursery', password('sengen-nursery'));
    expect(again.status).toBe(303);
  });

  it('refuses a POST without or with a wrong CSRF token, a cross-site POST, and a sign-in form without its cookie', async () => {
    const b = new StaffBrowser(dashboard.url);
    await b.signIn('ward-ops', password('ward-ops'));
    const page = await b.get('/staff/alerts');
    const token = csrfOf(page.text);
    expect((await b.post('/staff/alerts/1/ack', { action: 'windows_opened' })).status).toBe(403);
    expect((await b.post('/staff/alerts/1/ack', { action: 'windows_opened', _csrf: `${token.slice(0, -2)}xx` })).status).toBe(403);
    expect((await b.post('/staff/sign-out', { _csrf: token }, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await b.get('/staff/alerts')).status).toBe(200);
    const fresh = new StaffBrowser(dashboard.url);
    expect((await fresh.post('/staff/sign-in', { _csrf: token, id: 'ward-ops', password: password('ward-ops') })).status).toBe(403);
  });
});

describe('staff console: alerts and devices', () => {
  let alertId = 0;
  beforeAll(async () => {
    // Class 3-2 of Tobe Elementary stays at 1300 ppm: an alert opens after the 1 s sustain.
    await startDevice('tbe-c32-01', 1300);
    alertId = await waitFor(async () => {
      const open = await staffApi('kanki-example-staff-ward-ops', '/alerts?status=open&facility=tobe-elementary');
      return (open.body.alerts as { id: number; room: string }[]).find((a) => a.room === 'class-3-2')?.id;
    }, 15_000, 'an open alert');
  });

  it('acknowledging through the console reaches the ingest and is audited as the person, via console', async () => {
    const b = new StaffBrowser(dashboard.url);
    await b.signIn('tobe-elementary', password('tobe-elementary'));
    const page = await b.get('/staff/alerts');
    expect(page.text).toContain(`<form class="ack-form" method="post" action="/staff/alerts/${alertId}/ack" data-alert-id="${alertId}">`);
    expect(page.text).toContain('3年2組');
    const ack = await b.post(`/staff/alerts/${alertId}/ack`, { _csrf: csrfOf(page.text), action: 'windows_opened' });
    expect(ack.status).toBe(303);
    expect(ack.location).toBe('/staff/alerts?notice=acknowledged');
    expect((await b.get(ack.location ?? '')).text).toContain('id="staff-notice"');

    const audit = await staffApi('kanki-example-staff-ward-ops', '/audit');
    expect(audit.body.audit).toContainEqual(expect.objectContaining({ actor: 'tobe-elementary', via: 'console', action: 'windows_opened', outcome: 'ok', alertId, detail: 'service:dashboard' }));
    const detail = await staffApi('kanki-example-staff-ward-ops', `/alerts/${alertId}`);
    expect(detail.body.alert).toMatchObject({ acknowledgement: { action: 'windows_opened', by: 'tobe-elementary' } });
    const auditPage = await b.get('/staff/audit');
    expect(auditPage.text).toContain('data-actor="tobe-elementary" data-via="console" data-outcome="ok"');
    // A second press while the outcome is being checked is refused, and the page says so.
    const again = await b.post(`/staff/alerts/${alertId}/ack`, { _csrf: csrfOf(page.text), action: 'occupancy_reduced', from: 'detail' });
    expect(again.location).toBe(`/staff/alerts/${alertId}?notice=already_acknowledged`);
  });

  it('another facility\'s alert can be neither seen nor acknowledged, through the console or by forging the acting-user header', async () => {
    const b = new StaffBrowser(dashboard.url);
    await b.signIn('sengen-nursery', password('sengen-nursery'));
    const list = await b.get('/staff/alerts');
    expect(list.text).not.toContain(`data-alert-id="${alertId}"`);
    expect((await b.get(`/staff/alerts/${alertId}`)).status).toBe(404);
    expect((await b.post(`/staff/alerts/${alertId}/ack`, { _csrf: csrfOf(list.text), action: 'false_alarm' })).status).toBe(404);
    expect(JSON.parse((await b.get('/staff/api/alerts')).text).alerts).toEqual([]);

    // A personal token cannot act for anyone; the service cannot act for a service.
    const nurseryAsWard = await staffApi('kanki-example-staff-sengen-nursery', `/alerts/${alertId}/ack`, { method: 'POST', body: { action: 'false_alarm' }, acting: 'ward-ops' });
    expect(nurseryAsWard.status).toBe(403);
    expect((await staffApi('kanki-example-staff-sengen-nursery', '/alerts?status=open', { acting: 'tobe-elementary' })).status).toBe(403);
    expect((await staffApi('kanki-example-staff-dashboard', '/alerts', { acting: 'dashboard' })).status).toBe(403);
    expect((await staffApi('kanki-example-staff-dashboard', '/alerts', { acting: 'nobody' })).status).toBe(403);
    const asNursery = await staffApi('kanki-example-staff-dashboard', `/alerts/${alertId}`, { acting: 'sengen-nursery' });
    expect(asNursery.status).toBe(404);
    const audit = (await staffApi('kanki-example-staff-ward-ops', '/audit')).body.audit as { actor: string; action: string }[];
    expect(audit.filter((a) => a.action === 'false_alarm')).toEqual([]);
  });

  it('the sensors page shows last seen, battery and signal, and marks a device whose Last Will said offline; unknown devices appear', async () => {
    const gym = await startDevice('tbe-gym-01', 600, { battery: 87, rssi: -61 });
    const c11 = await startDevice('tbe-c11-01', 700);
    await startDevice('ghost-sensor-9', 500);
    await waitFor(async () => {
      const s = (await staffApi('kanki-example-staff-tobe-elementary', '/sensors')).body.sensors as { sensor: string; lastReadingAt: string | null; battery: number | null }[];
      return s.find((x) => x.sensor === 'tbe-c11-01')?.lastReadingAt && s.find((x) => x.sensor === 'tbe-gym-01')?.battery === 87;
    }, 10_000, 'readings of tbe-c11-01 and tbe-gym-01');
    // The device loses its connection without saying goodbye: the broker publishes its Last Will.
    c11.stream.destroy();

    const b = new StaffBrowser(dashboard.url);
    await b.signIn('tobe-elementary', password('tobe-elementary'));
    const page = await waitFor(async () => {
      const p = await b.get('/staff/sensors');
      return p.text.includes('data-sensor="tbe-c11-01" data-state="offline"') ? p : undefined;
    }, 10_000, 'tbe-c11-01 offline on the sensors page');
    const gymRow = /<tr data-sensor="tbe-gym-01" data-state="online"[\s\S]*?<\/tr>/.exec(page.text)?.[0] ?? '';
    expect(gymRow).toContain('87 %');
    expect(gymRow).toContain('-61 dBm');
    expect(gymRow).toMatch(/\d{2}:\d{2}/);
    expect(page.text).toContain('data-sensor="tbe-c61-01" data-state="never_seen"');
    expect(page.text).not.toContain('msn-age0-01');
    expect(gym.connected).toBe(true);

    // Unknown devices: users of every facility only.
    expect(page.text).not.toContain('href="/staff/unknown-devices"');
    expect((await b.get('/staff/unknown-devices')).status).toBe(403);
    const ward = new StaffBrowser(dashboard.url);
    await ward.signIn('ward-ops', password('ward-ops'));
    const unknown = await waitFor(async () => {
      const p = await ward.get('/staff/unknown-devices');
      return p.text.includes('data-unknown-device="native:ghost-sensor-9"') ? p : undefined;
    }, 10_000, 'the unknown device listed');
    expect(unknown.status).toBe(200);
  });
});
