/**
 * Alerts end to end, with real parts: an aedes broker, the ingest with its SQLite alert database,
 * a classroom whose CO₂ follows the simulator's mass balance (35 children in 180 m³), a real
 * webhook receiver that checks every signature, the signed one-time link page and the staff API.
 *
 * Time is compressed: one reading every 100 ms stands for one minute of the room, and the alert
 * rules run in seconds (sustain 1 s, window 1 s, closed-loop check 2 s).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../common/logger.ts';
import { loadRegistryFile } from '../../common/registry.ts';
import { createSqliteStore } from '../../common/store/sqlite-store.ts';
import { buildSensorReadingTopic } from '../../common/topics.ts';
import { generationLps, stepCo2 } from '../../firmware-sim/src/physics.ts';
import { startIngest, type Ingest } from '../../ingest/src/app.ts';
import { loadIngestConfig } from '../../ingest/src/config.ts';
import { verifyWebhookSignature } from '../../ingest/src/notify/channels/webhook.ts';
import type { AlertNotice } from '../../ingest/src/notify/notifier.ts';
import { parseNotifyConfig } from '../../ingest/src/notify/notify-config.ts';
import { loadStaffFile } from '../../common/staff-users.ts';
import { connectClient, startTestBroker } from '../helpers/mqtt.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';

const SECRET = 'kanki-test-webhook-secret-0123456789';
const WARD_TOKEN = 'kanki-example-staff-ward-ops';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A webhook receiver on 127.0.0.1:0 that keeps only correctly signed notices. */
async function startReceiver(): Promise<{ url: string; notices: AlertNotice[]; badSignatures: number }> {
  const received = { url: '', notices: [] as AlertNotice[], badSignatures: 0 };
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (!verifyWebhookSignature(SECRET, req.headers['x-kanki-timestamp'] as string, body, req.headers['x-kanki-signature'] as string)) {
        received.badSignatures++;
        res.writeHead(401).end();
        return;
      }
      received.notices.push((JSON.parse(body) as { notice: AlertNotice }).notice);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((r) => server.close(r)));
  received.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return received;
}

/** Class 3-2 of Tobe Elementary: 35 children, 180 m³; windows shut (2.5 ach) or open (8 ach). */
async function startClassroom(brokerUrl: string, startPpm: number) {
  const device = await connectClient(brokerUrl, { clientId: 'tbe-c32-01' });
  const room = { co2: startPpm, windowsOpen: false, seq: 0 };
  const timer = setInterval(() => {
    room.co2 = stepCo2(room.co2, 60, { generationLps: generationLps(35, 'child6to11', 'seated'), volumeM3: 180, ach: room.windowsOpen ? 8 : 2.5, outdoorPpm: 420 });
    void device.publishAsync(buildSensorReadingTopic('tbe-c32-01'), JSON.stringify({ co2: Math.round(room.co2), ts: Date.now(), seq: room.seq++ }), { qos: 1 }).catch(() => {});
  }, 100);
  cleanups.push(async () => {
    clearInterval(timer);
    await device.endAsync();
  });
  return room;
}

async function setup(env: Record<string, string> = {}) {
  const logger = createSilentLogger();
  const broker = await startTestBroker();
  cleanups.push(() => broker.close());
  const data = makeTempDir();
  cleanups.push(() => data.remove());
  const store = createSqliteStore({ file: `${data.path}/kanki.sqlite` }, { logger });
  await store.init();
  cleanups.push(() => store.close());
  const registry = loadRegistryFile('config/registry.demo.yaml');
  const known = new Set(registry.facilities.map((f) => f.id));
  const staff = loadStaffFile('config/staff.example.yaml', { production: false, knownFacilities: known });
  const receiver = await startReceiver();
  const notify = parseNotifyConfig({
    channels: { school: { type: 'webhook', url: receiver.url, secret: SECRET } },
    recipients: [{
      id: 'class-teacher', name: '戸部小 職員室', channel: 'school', facilities: ['tobe-elementary'],
      events: ['raised', 'escalated', 'resolved', 'acknowledged', 'improving'],
      // The test runs at any hour; outside-hours holding is covered in notify-dispatch.test.ts.
      outsideHours: { ventilate: 'send', critical: 'send', sensor: 'send', info: 'send' },
    }],
  }, 'test', {}, known);
  const config = loadIngestConfig({
    MQTT_URL: broker.url, DATA_DIR: data.path, INGEST_HTTP_PORT: '0', INGEST_HTTP_HOST: '127.0.0.1',
    ALERT_SUSTAIN_SECONDS: '1', ALERT_WINDOW_SECONDS: '1', ALERT_TICK_MS: '100', ALERT_VERIFY_SECONDS: '2', STALE_AFTER_SECONDS: '30',
    ...env,
  });
  const start = async () => {
    const ingest = await startIngest(config, { logger, registry, store, staff, notify });
    cleanups.push(() => ingest.close());
    return ingest;
  };
  return { broker, receiver, start };
}

function staffApi(ingest: Ingest, token = WARD_TOKEN) {
  const base = `http://127.0.0.1:${ingest.httpPort}/api/v1/staff`;
  return {
    get: async (path: string) => {
      const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    post: async (path: string, body: unknown) => {
      const res = await fetch(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
  };
}

const ofType = (notices: AlertNotice[], type: string) => notices.filter((n) => n.event.type === type);

describe('alerts end to end', () => {
  it('one alert after the sustain window → notified → "windows opened" through the signed link → CO₂ falls → improving → resolved', async () => {
    const { broker, receiver, start } = await setup();
    const ingest = await start();
    const room = await startClassroom(broker.url, 850);

    const raised = await waitFor(() => ofType(receiver.notices, 'raised')[0], 15_000, 'raised notice');
    expect(raised).toMatchObject({ facility: { id: 'tobe-elementary' }, room: { id: 'class-3-2' }, event: { level: 'ventilate' } });
    expect(raised.event.co2).toBeGreaterThanOrEqual(1000);
    expect(raised.links.ack).toMatch(/^http:\/\/localhost:\d+\/staff\/ack\/[\w-]+\.[\w-]+$/);

    // Opening the link only shows the page; nothing is recorded by a GET (mail scanners open links).
    const link = raised.links.ack!.replace('localhost', '127.0.0.1');
    const page = await fetch(link);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('value="windows_opened"');
    expect(html).toContain('3年2組');
    const before = await staffApi(ingest).get(`/alerts/${raised.event.alertId}`);
    expect(before.body.alert).toMatchObject({ status: 'open', acknowledgement: null });

    const done = await fetch(link, { method: 'POST', body: new URLSearchParams({ action: 'windows_opened' }) });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('記録しました');
    room.windowsOpen = true;

    const resolved = await waitFor(() => ofType(receiver.notices, 'resolved')[0], 15_000, 'resolved notice');
    expect(resolved.event.alertId).toBe(raised.event.alertId);
    expect(ofType(receiver.notices, 'improving')).toHaveLength(1);
    expect(ofType(receiver.notices, 'acknowledged')[0]?.event.ack).toMatchObject({ action: 'windows_opened', by: 'link:class-teacher' });
    expect(ofType(receiver.notices, 'raised')).toHaveLength(1);
    expect(ofType(receiver.notices, 'escalated')).toHaveLength(0);
    expect(receiver.badSignatures).toBe(0);

    const api = staffApi(ingest);
    const detail = await api.get(`/alerts/${raised.event.alertId}`);
    expect(detail.body.alert).toMatchObject({ status: 'resolved', acknowledgement: { action: 'windows_opened', by: 'link:class-teacher' } });
    expect((detail.body.events as { type: string }[]).map((e) => e.type)).toEqual(['raised', 'acknowledged', 'improving', 'resolved']);
    const audit = await api.get('/audit');
    expect(audit.body.audit).toEqual([expect.objectContaining({ actor: 'link:class-teacher', via: 'link', action: 'windows_opened', outcome: 'ok', alertId: Number(raised.event.alertId) })]);

    // The link is spent.
    const again = await fetch(link, { method: 'POST', body: new URLSearchParams({ action: 'false_alarm' }) });
    expect(again.status).toBe(410);
  });

  it('early warning: a classroom climbing towards 1000 ppm is notified before it gets there, with the projection, and the usual link and closed loop work', async () => {
    // One reading per 100 ms is one minute of the room: a 10-minute span and horizon are 1 s here.
    const { broker, receiver, start } = await setup({ ALERT_RISING: 'true', ALERT_RISING_SPAN_SECONDS: '1', ALERT_RISING_HORIZON_SECONDS: '1' });
    const ingest = await start();
    const room = await startClassroom(broker.url, 700);

    const raised = await waitFor(() => ofType(receiver.notices, 'raised')[0], 15_000, 'early raised notice');
    expect(raised.event).toMatchObject({ reason: 'rising' });
    expect(raised.event.co2).toBeLessThan(1000);
    expect(raised.event.projectedMinutes).toBeGreaterThanOrEqual(1);
    expect(raised.links.ack).toBeDefined();

    const done = await fetch(raised.links.ack!.replace('localhost', '127.0.0.1'), { method: 'POST', body: new URLSearchParams({ action: 'windows_opened' }) });
    expect(done.status).toBe(200);
    room.windowsOpen = true;

    const resolved = await waitFor(() => ofType(receiver.notices, 'resolved')[0], 20_000, 'resolved notice');
    expect(resolved.event.alertId).toBe(raised.event.alertId);
    expect(ofType(receiver.notices, 'improving')).toHaveLength(1);
    expect(ofType(receiver.notices, 'raised')).toHaveLength(1);
    const detail = await staffApi(ingest).get(`/alerts/${raised.event.alertId}`);
    expect((detail.body.events as { type: string; reason: string | null }[])[0]).toMatchObject({ type: 'raised', reason: 'rising' });
  });

  it('acknowledged through the staff API but CO₂ does not fall: escalated for no improvement, and staff are asked again', async () => {
    const { broker, receiver, start } = await setup();
    const ingest = await start();
    await startClassroom(broker.url, 900);
    const raised = await waitFor(() => ofType(receiver.notices, 'raised')[0], 15_000, 'raised notice');
    const api = staffApi(ingest);

    // A nursery's user cannot see or act on a school's alert.
    const nursery = staffApi(ingest, 'kanki-example-staff-sengen-nursery');
    expect((await nursery.post(`/alerts/${raised.event.alertId}/ack`, { action: 'windows_opened' })).status).toBe(404);
    expect((await api.post(`/alerts/${raised.event.alertId}/ack`, { action: 'open_the_door' })).status).toBe(400);

    const ack = await api.post(`/alerts/${raised.event.alertId}/ack`, { action: 'windows_opened' });
    expect(ack.status).toBe(200);
    expect(ack.body.alert).toMatchObject({ acknowledgement: { action: 'windows_opened', by: 'ward-ops' } });
    expect((await api.post(`/alerts/${raised.event.alertId}/ack`, { action: 'windows_opened' })).status).toBe(409);

    // Nobody really opened a window: the room stays above 1000.
    const escalated = await waitFor(() => ofType(receiver.notices, 'escalated')[0], 15_000, 'escalated notice');
    expect(escalated.event).toMatchObject({ alertId: raised.event.alertId, reason: 'no_improvement' });
    expect(escalated.links.ack).toBeDefined();
    expect(ofType(receiver.notices, 'improving')).toHaveLength(0);
    // After the escalation staff can record a new action.
    expect((await api.post(`/alerts/${raised.event.alertId}/ack`, { action: 'occupancy_reduced' })).status).toBe(200);
    const audit = (await api.get('/audit')).body.audit as { outcome: string }[];
    expect(audit.map((a) => a.outcome)).toEqual(['ok', 'refused:already_acknowledged', 'ok']);
  });

  it('an open alert survives a restart of the ingest and resolves as the same alert', async () => {
    const { broker, receiver, start } = await setup();
    const first = await start();
    const room = await startClassroom(broker.url, 950);
    const raised = await waitFor(() => ofType(receiver.notices, 'raised')[0], 15_000, 'raised notice');
    await first.close();

    const second = await start();
    const open = await staffApi(second).get('/alerts?status=open');
    expect(open.body.alerts).toEqual([expect.objectContaining({ id: Number(raised.event.alertId), status: 'open', room: 'class-3-2' })]);
    room.windowsOpen = true;
    const resolved = await waitFor(() => ofType(receiver.notices, 'resolved')[0], 15_000, 'resolved notice');
    expect(resolved.event.alertId).toBe(raised.event.alertId);
    expect(ofType(receiver.notices, 'raised')).toHaveLength(1);
  });

  it('the staff API refuses requests without a valid token', async () => {
    const { start } = await setup();
    const ingest = await start();
    const res = await fetch(`http://127.0.0.1:${ingest.httpPort}/api/v1/staff/alerts`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
    expect((await staffApi(ingest, 'kst_not-a-real-token').get('/alerts')).status).toBe(401);
    const link = await fetch(`http://127.0.0.1:${ingest.httpPort}/staff/ack/eyJhIjoxfQ.c2lnbmF0dXJl`);
    expect(link.status).toBe(404);
  });
});
