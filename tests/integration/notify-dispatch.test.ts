/**
 * Who is notified when, and what happens when a channel fails: the alert service, a real SQLite
 * alert database and real webhook receivers on 127.0.0.1, with the clock set to chosen instants
 * in Japan (a Saturday, a public holiday, a school's opening time). The clock runs on from the
 * chosen instant in real time, so retries and timeouts really happen.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../common/logger.ts';
import { loadRegistryFile, type RoomEntry } from '../../common/registry.ts';
import { openAlertDb } from '../../ingest/src/alerts/alert-db.ts';
import { AlertLog } from '../../ingest/src/alerts/alert-log.ts';
import { AlertService } from '../../ingest/src/alerts/alert-service.ts';
import { AlertRulesSchema } from '../../ingest/src/alerts/rules.ts';
import { createIngestMetrics } from '../../ingest/src/metrics.ts';
import { createLinkSigner } from '../../ingest/src/notify/links.ts';
import { createNotifications } from '../../ingest/src/notify/notifications.ts';
import { parseNotifyConfig } from '../../ingest/src/notify/notify-config.ts';
import { renderNotice } from '../../ingest/src/notify/message.ts';
import type { AlertNotice, Notice } from '../../ingest/src/notify/notifier.ts';
import { Outbox } from '../../ingest/src/notify/outbox.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';

const SECRET = 'kanki-test-webhook-secret-0123456789';
const registry = loadRegistryFile('config/registry.demo.yaml');
const classroom = registry.room('tobe-elementary', 'class-3-2') as RoomEntry;
const otherRooms = registry.rooms.filter((r) => r.facilityId === 'tobe-elementary' && r !== classroom);

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type Behaviour = (attempt: number) => { status: number; headers?: Record<string, string> } | 'hang';

/** A webhook receiver whose answers are scripted per attempt. */
async function receiver(behaviour: Behaviour = () => ({ status: 204 })) {
  const r = { url: '', notices: [] as Notice[], attempts: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      r.attempts++;
      const answer = behaviour(r.attempts);
      if (answer === 'hang') return;
      if (answer.status < 300) r.notices.push((JSON.parse(Buffer.concat(chunks).toString()) as { notice: Notice }).notice);
      res.writeHead(answer.status, answer.headers).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((done) => {
    server.closeAllConnections();
    server.close(done);
  }));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return r;
}

/** The alert side with its clock starting at `startIso` (Japan time). */
function setup(startIso: string, notifyData: unknown) {
  const dir = makeTempDir();
  cleanups.push(() => dir.remove());
  const db = openAlertDb(`${dir.path}/alerts.sqlite`);
  cleanups.push(() => db.close());
  const clock = { offset: Date.parse(startIso) - Date.now() };
  const now = () => Date.now() + clock.offset;
  const log = new AlertLog(db);
  const outbox = new Outbox(db);
  const metrics = createIngestMetrics();
  const logger = createSilentLogger();
  const notifications = createNotifications(
    {
      config: parseNotifyConfig(notifyData, 'test', {}, new Set(registry.facilities.map((f) => f.id))),
      registry, log, outbox, signer: createLinkSigner('x'.repeat(40)), staffUrl: () => 'http://localhost:9464', timeZone: 'Asia/Tokyo',
      publish: async () => {}, metrics, logger, now,
    },
    { concurrencyPerChannel: 2, timeoutMs: 300, maxAttempts: 4, baseBackoffMs: 50, maxBackoffMs: 1000, pollMs: 20 },
  );
  const alerts = new AlertService(AlertRulesSchema.parse({ sustainMs: 0, windowMs: 1000, staleAfterMs: 3600_000, escalateAfterMs: 24 * 3600_000 }), {
    registry, log, metrics, logger, now, publish: () => {},
    route: (room, alert, event, trend) => notifications.route(room, alert, event, trend),
    onQueued: () => notifications.wake(),
  });
  notifications.start();
  cleanups.push(() => notifications.close());
  /** A reading of `ppm` in `room` now (sustain is 0: the level follows at once). */
  const read = (room: RoomEntry, ppm: number) => alerts.onReading(room, { sensor: `${room.roomId}-s`, time: now(), co2: ppm, quality: 'ok' });
  const jumpTo = (iso: string) => {
    clock.offset = Date.parse(iso) - Date.now();
  };
  return { read, jumpTo, outbox, log, metrics, now };
}

const webhook = (url: string) => ({ type: 'webhook', url, secret: SECRET });
const statuses = (outbox: Outbox) => outbox.counts();
const settle = () => new Promise((r) => setTimeout(r, 200));

describe('opening hours and holidays', () => {
  it('holds an alert raised on a Saturday and delivers it when the school opens on Monday, with its original time', async () => {
    const hook = await receiver();
    const s = setup('2026-11-28T10:00:00+09:00', { channels: { school: webhook(hook.url) }, recipients: [{ id: 'teacher', name: 'T', channel: 'school', facilities: ['tobe-elementary'] }] });
    s.read(classroom, 1200);
    await settle();
    expect(hook.notices).toHaveLength(0);
    expect(statuses(s.outbox)).toEqual({ held: 1 });

    s.jumpTo('2026-11-30T07:59:00+09:00');
    await settle();
    expect(hook.notices).toHaveLength(0);
    s.jumpTo('2026-11-30T08:00:00+09:00');
    const notice = await waitFor(() => hook.notices[0], 5000, 'released notice');
    const raisedAt = notice.kind === 'alert' ? notice.event.at : 0;
    expect(raisedAt - Date.parse('2026-11-28T10:00:00+09:00')).toBeLessThan(1000);
  });

  it('on a public holiday (勤労感謝の日, Monday 2026-11-23) holds until Tuesday; an alert that ended meanwhile is dropped', async () => {
    const hook = await receiver();
    const s = setup('2026-11-23T10:00:00+09:00', { channels: { school: webhook(hook.url) }, recipients: [{ id: 'teacher', name: 'T', channel: 'school', facilities: ['tobe-elementary'] }] });
    s.read(classroom, 1200);
    s.read(otherRooms[0] as RoomEntry, 1300);
    s.jumpTo('2026-11-23T11:00:00+09:00');
    s.read(otherRooms[0] as RoomEntry, 600);
    await settle();
    expect(hook.notices).toHaveLength(0);
    s.jumpTo('2026-11-24T08:00:00+09:00');
    await waitFor(() => hook.notices.length === 1, 5000, 'one released notice');
    await settle();
    expect(hook.notices.map((n) => n.kind === 'alert' && n.room.id)).toEqual(['class-3-2']);
    // The other room's raise and its resolution ended while closed: recorded, not sent.
    expect(statuses(s.outbox)).toEqual({ sent: 1, dropped: 2 });
  });

  it('a recipient can have critical alerts sent at once even when closed', async () => {
    const hook = await receiver();
    const s = setup('2026-11-28T22:00:00+09:00', {
      channels: { school: webhook(hook.url) },
      recipients: [{ id: 'principal', name: 'P', channel: 'school', facilities: ['tobe-elementary'], outsideHours: { critical: 'send', ventilate: 'drop' } }],
    });
    s.read(classroom, 1200);
    s.read(otherRooms[0] as RoomEntry, 1700);
    const notice = await waitFor(() => hook.notices[0], 5000, 'critical notice');
    expect(notice.kind === 'alert' && notice.event.level).toBe('critical');
    await settle();
    expect(statuses(s.outbox)).toEqual({ sent: 1, dropped: 1 });
  });
});

describe('delivery', () => {
  const open = '2026-11-24T10:00:00+09:00';

  it('retries a failing endpoint with backoff until it accepts, and gives up at once on a 4xx', async () => {
    const flaky = await receiver((n) => (n <= 2 ? { status: 503 } : { status: 204 }));
    const refusing = await receiver(() => ({ status: 400 }));
    const s = setup(open, {
      channels: { flaky: webhook(flaky.url), refusing: webhook(refusing.url) },
      recipients: [{ id: 'a', name: 'A', channel: 'flaky' }, { id: 'b', name: 'B', channel: 'refusing' }],
    });
    s.read(classroom, 1200);
    await waitFor(() => flaky.notices.length === 1, 5000, 'delivered after retries');
    await settle();
    expect(flaky.attempts).toBe(3);
    expect(refusing.attempts).toBe(1);
    expect(statuses(s.outbox)).toEqual({ sent: 1, failed: 1 });
    const failed = s.outbox.list({ status: 'failed', limit: 10 })[0];
    expect(failed?.lastError).toContain('400');
    expect(failed?.lastError).not.toContain(SECRET);
  });

  it('a channel that never answers does not hold back another channel', async () => {
    const hanging = await receiver(() => 'hang');
    const good = await receiver();
    const s = setup(open, {
      channels: { hanging: webhook(hanging.url), good: webhook(good.url) },
      recipients: [{ id: 'a', name: 'A', channel: 'hanging' }, { id: 'b', name: 'B', channel: 'good' }],
    });
    for (const r of [classroom, ...otherRooms.slice(0, 3)]) s.read(r, 1200);
    await waitFor(() => good.notices.length === 4, 5000, 'all four on the good channel');
    expect(hanging.notices).toHaveLength(0);
    // The hanging channel's sends time out (300 ms) and are retried later, not lost.
    await waitFor(() => s.outbox.list({ status: 'pending', limit: 10 }).some((r) => r.lastError?.includes('TIMEOUT') || r.attempts > 0), 5000, 'a timed-out attempt');
  });

  it('rate-limits a recipient per hour, always lets critical through, and tells the next message how many were held back', async () => {
    const hook = await receiver();
    const s = setup(open, { channels: { school: webhook(hook.url) }, recipients: [{ id: 'teacher', name: 'T', channel: 'school', facilities: ['tobe-elementary'], maxPerHour: 2 }] });
    for (const r of otherRooms.slice(0, 4)) {
      s.read(r, 1200);
      await settle();
    }
    expect(hook.notices).toHaveLength(2);
    expect(statuses(s.outbox)).toEqual({ sent: 2, suppressed: 2 });
    s.read(classroom, 1700);
    await waitFor(() => hook.notices.length === 3, 5000, 'critical despite the limit');
    const critical = hook.notices[2];
    expect(critical?.kind === 'alert' && critical.event.level).toBe('critical');
    expect(critical?.kind === 'alert' && critical.suppressed).toBe(2);
  });
});

describe('a room that keeps alerting', () => {
  it('numbers the room\'s alerts of the day; from the second on the notice advises a gap kept open all day; the next day starts at 1', async () => {
    const hook = await receiver();
    const s = setup('2026-11-25T09:00:00+09:00', { channels: { school: webhook(hook.url) }, recipients: [{ id: 'teacher', name: 'T', channel: 'school', facilities: ['tobe-elementary'] }] });
    s.read(classroom, 1200);
    s.jumpTo('2026-11-25T09:20:00+09:00');
    s.read(classroom, 600);
    s.jumpTo('2026-11-25T10:40:00+09:00');
    s.read(classroom, 1250);
    s.jumpTo('2026-11-25T11:00:00+09:00');
    s.read(classroom, 600);
    s.jumpTo('2026-11-26T09:00:00+09:00');
    s.read(classroom, 1300);
    const raised = () => hook.notices.flatMap((n) => (n.kind === 'alert' && n.event.type === 'raised' ? [n] : []));
    await waitFor(() => raised().length === 3, 5000, 'three raised notices');
    expect(raised().map((n) => n.event.alertsToday)).toEqual([1, 2, 1]);
    const second = raised()[1] as AlertNotice;
    expect(renderNotice(second, 'ja').text).toContain('この部屋は今日2回目の通知です');
    expect(renderNotice(raised()[0] as AlertNotice, 'ja').text).not.toContain('回目の通知');
    // Only `raised` says it: the resolution of the first alert carries no number.
    expect(hook.notices.some((n) => n.kind === 'alert' && n.event.type === 'resolved' && n.event.alertsToday !== undefined)).toBe(false);
  });
});

describe('housekeeping', () => {
  it('prunes finished deliveries past the horizon but never pending or held ones', async () => {
    const hook = await receiver();
    const s = setup('2026-11-28T10:00:00+09:00', {
      channels: { school: webhook(hook.url) },
      recipients: [{ id: 'teacher', name: 'T', channel: 'school', facilities: ['tobe-elementary'] }, { id: 'ops', name: 'O', channel: 'school', outsideHours: { ventilate: 'send' } }],
    });
    s.read(classroom, 1200);
    await waitFor(() => hook.notices.length === 1, 5000, 'sent to ops');
    expect(statuses(s.outbox)).toEqual({ held: 1, sent: 1 });
    expect(s.outbox.prune(s.now() - 1000, '2026-11-01')).toBe(0);
    expect(s.outbox.prune(s.now() + 1000, '2026-11-01')).toBe(1);
    expect(statuses(s.outbox)).toEqual({ held: 1 });
  });
});

describe('daily digest', () => {
  it('sends one digest at the recipient\'s time summing up the day, and only once', async () => {
    const hook = await receiver();
    const s = setup('2026-11-24T09:00:00+09:00', {
      channels: { school: webhook(hook.url) },
      recipients: [{ id: 'office', name: 'O', channel: 'school', facilities: ['tobe-elementary'], digest: '17:30', digestOnly: true }],
    });
    s.read(classroom, 1200);
    s.jumpTo('2026-11-24T09:30:00+09:00');
    s.read(classroom, 1600);
    s.jumpTo('2026-11-24T10:00:00+09:00');
    s.read(classroom, 700);
    s.read(otherRooms[0] as RoomEntry, 1100);
    await settle();
    expect(hook.notices).toHaveLength(0);
    s.jumpTo('2026-11-24T17:30:00+09:00');
    const digest = await waitFor(() => hook.notices[0], 5000, 'digest');
    expect(digest.kind).toBe('digest');
    if (digest.kind !== 'digest') return;
    expect(digest.day).toBe('2026-11-24');
    const c32 = digest.items.find((i) => i.room.id === 'class-3-2');
    expect(c32).toMatchObject({ alerts: 1, maxCo2: 1600, openMinutes: 60, stillOpen: false });
    expect(digest.items.find((i) => i.room.id === otherRooms[0]?.roomId)).toMatchObject({ alerts: 1, stillOpen: true });
    await settle();
    expect(hook.notices).toHaveLength(1);
  });
});
