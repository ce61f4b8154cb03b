/**
 * Every notification channel against a real server of its kind on a loopback port: a node:http
 * server standing in for a webhook receiver, Slack, Teams and the LINE Messaging API; a real SMTP
 * server (smtp-server) whose mail is parsed with mailparser; a real aedes broker. What is checked
 * is what the far end sees (signature, shape, headers, the text a person reads) and how failures
 * come back: retryable or not, Retry-After, timeouts — and that no secret ever shows in an error.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { ChannelConfigSchema, createNotifier, type ChannelConfig } from '../../ingest/src/notify/channels/index.ts';
import { lineRetryKey } from '../../ingest/src/notify/channels/line.ts';
import { verifyWebhookSignature } from '../../ingest/src/notify/channels/webhook.ts';
import { DeliveryError, type AlertNotice, type DigestNotice, type Notice, type Notifier, type Recipient } from '../../ingest/src/notify/notifier.ts';
import { connectClient, startTestBroker } from '../helpers/mqtt.ts';
import { waitFor } from '../helpers/wait-for.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const ALERT: AlertNotice = {
  kind: 'alert',
  deliveryId: 'dlv-7f3a',
  facility: { id: 'minami-nursery', name: { ja: '南浅間保育園', en: 'Minami-Sengen Nursery' } },
  room: { id: 'hiyoko', name: { ja: 'ひよこ組', en: 'Chicks room' } },
  event: {
    type: 'raised', level: 'ventilate', co2: 1183, at: Date.parse('2026-11-24T01:05:00Z'), alertId: 'al-1',
    thresholds: { fair: 800, ventilate: 1000, critical: 1500 }, trend: { ppmPer10Min: 120, direction: 'rising' },
  },
  links: { ack: 'https://kanki.example.jp/ack/tok123', room: 'https://kanki.example.jp/rooms/minami-nursery/hiyoko' },
};
const TO: Recipient = { id: 'minami-office', name: '南浅間保育園 事務室', lang: 'ja', address: 'office@minami.example.jp' };

function signal(ms = 5000): AbortSignal {
  return AbortSignal.timeout(ms);
}

/** Sends and returns the DeliveryError it must fail with. */
async function failure(notifier: Notifier, notice: Notice = ALERT, to: Recipient = TO, s: AbortSignal = signal()): Promise<DeliveryError> {
  const err: unknown = await notifier.send(notice, to, s).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

/** Every text an error carries into a log line: message and stack, along the cause chain. */
function errorTexts(err: unknown): string {
  const out: string[] = [];
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    out.push(String((e as Error).message), String((e as Error).stack), JSON.stringify(e));
  }
  return out.join('\n');
}

type Recorded = { method: string; url: string; headers: IncomingMessage['headers']; body: string };
type Reply = (req: Recorded, res: ServerResponse) => void;

/** A node:http server on 127.0.0.1:0 that records every request and answers with `reply`. */
async function startHttp(reply: Reply = (_req, res) => res.end('ok')) {
  const requests: Recorded[] = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(rec);
      reply(rec, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cleanups.push(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return { base, requests };
}

/** A port nothing listens on (bound once, then released). */
async function closedPort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** A TCP server that accepts connections and never says a word (no HTTP answer, no SMTP greeting). */
async function silentServer(): Promise<number> {
  const sockets = new Set<Socket>();
  const s = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy();
    s.close(() => resolve());
  }));
  return (s.address() as AddressInfo).port;
}

function notifier(config: ChannelConfig, deps: Parameters<typeof createNotifier>[2] = {}): Notifier {
  const n = createNotifier('test-channel', config, deps);
  cleanups.push(() => n.close?.());
  return n;
}

const WEBHOOK_SECRET = 'whsec-0123456789abcdef-SECRET';

describe('webhook channel', () => {
  it('POSTs the notice as JSON, signed so the receiver can verify it with the raw body', async () => {
    const http = await startHttp();
    await notifier({ type: 'webhook', url: `${http.base}/hooks/kanki?tenant=nishi`, secret: WEBHOOK_SECRET }).send(ALERT, TO, signal());

    const req = http.requests[0];
    if (!req) throw new Error('no request');
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/hooks/kanki?tenant=nishi');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['user-agent']).toBe('kanki');
    expect(req.headers['x-kanki-delivery']).toBe('dlv-7f3a');
    const ts = String(req.headers['x-kanki-timestamp']);
    const sig = String(req.headers['x-kanki-signature']);
    expect(sig).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(WEBHOOK_SECRET, ts, req.body, sig)).toBe(true);
    expect(verifyWebhookSignature(WEBHOOK_SECRET, ts, Buffer.from(req.body), sig)).toBe(true);
    expect(verifyWebhookSignature('another-secret-0123456789', ts, req.body, sig)).toBe(false);
    expect(verifyWebhookSignature(WEBHOOK_SECRET, ts, req.body.replace('1183', '1184'), sig)).toBe(false);
    expect(verifyWebhookSignature(WEBHOOK_SECRET, String(Number(ts) - 1), req.body, sig)).toBe(false);
    // A captured request replayed ten minutes later is refused.
    expect(verifyWebhookSignature(WEBHOOK_SECRET, ts, req.body, sig, 300, Number(ts) * 1000 + 600_000)).toBe(false);

    const body = JSON.parse(req.body) as { deliveryId: string; notice: unknown; message: Record<'ja' | 'en', { subject: string; text: string }> };
    expect(body.deliveryId).toBe('dlv-7f3a');
    expect(body.notice).toEqual(ALERT);
    expect(body.message.ja.subject).toContain('ひよこ組');
    expect(body.message.ja.text).toContain('1183 ppm');
    expect(body.message.en.text).toContain('Open two windows on opposite sides');
  });

  it('maps 503 to a retryable error with Retry-After as an HTTP date, and 404 to a permanent one', async () => {
    const retryAt = new Date(Date.now() + 30_000).toUTCString();
    const http = await startHttp((req, res) => {
      if (req.url === '/busy') res.writeHead(503, { 'retry-after': retryAt }).end('maintenance');
      else res.writeHead(404).end('no such hook');
    });
    const busy = await failure(notifier({ type: 'webhook', url: `${http.base}/busy`, secret: WEBHOOK_SECRET }));
    expect(busy.retryable).toBe(true);
    expect(busy.code).toBe('KANKI_NOTIFY_HTTP_5XX');
    expect(busy.retryAfterMs).toBeGreaterThan(20_000);
    expect(busy.retryAfterMs).toBeLessThanOrEqual(30_000);
    const gone = await failure(notifier({ type: 'webhook', url: `${http.base}/gone`, secret: WEBHOOK_SECRET }));
    expect(gone.retryable).toBe(false);
    expect(gone.code).toBe('KANKI_NOTIFY_HTTP_4XX');
    expect(gone.message).toContain('HTTP 404');
  });

  it('gives up on a server that never answers when the signal times out, as a retryable timeout', async () => {
    const port = await silentServer();
    const started = Date.now();
    const err = await failure(notifier({ type: 'webhook', url: `http://127.0.0.1:${port}/hook`, secret: WEBHOOK_SECRET }), ALERT, TO, AbortSignal.timeout(200));
    expect(Date.now() - started).toBeLessThan(3000);
    expect(err.code).toBe('KANKI_NOTIFY_TIMEOUT');
    expect(err.retryable).toBe(true);
  });

  it('honours its own timeoutMs too', async () => {
    const port = await silentServer();
    const err = await failure(notifier({ type: 'webhook', url: `http://127.0.0.1:${port}/hook`, secret: WEBHOOK_SECRET, timeoutMs: 200 }));
    expect(err.code).toBe('KANKI_NOTIFY_TIMEOUT');
  });

  it('reports a closed port as a retryable network error', async () => {
    const err = await failure(notifier({ type: 'webhook', url: `http://127.0.0.1:${await closedPort()}/hook`, secret: WEBHOOK_SECRET }));
    expect(err.code).toBe('KANKI_NOTIFY_NETWORK');
    expect(err.retryable).toBe(true);
  });
});

describe('chat channels', () => {
  it('posts Slack Block Kit: a header with the room, a section with the value and action, the ack link in context', async () => {
    const http = await startHttp();
    await notifier({ type: 'slack', url: `${http.base}/services/T000/B000/XXXX` }).send(ALERT, { ...TO, lang: 'en' }, signal());
    const req = http.requests[0];
    expect(req?.url).toBe('/services/T000/B000/XXXX');
    const body = JSON.parse(req?.body ?? '{}') as { text: string; blocks: { type: string; text?: { type: string; text: string }; elements?: { text: string }[] }[] };
    expect(body.text).toContain('Chicks room');
    const [header, section] = body.blocks;
    expect(header?.type).toBe('header');
    expect(header?.text?.type).toBe('plain_text');
    expect(header?.text?.text).toContain('Chicks room, Minami-Sengen Nursery');
    expect(section?.type).toBe('section');
    expect(section?.text?.type).toBe('mrkdwn');
    expect(section?.text?.text).toContain('1183 ppm');
    expect(section?.text?.text).toContain('Open two windows');
    const context = body.blocks.find((b) => b.type === 'context');
    expect(context?.elements?.[0]?.text).toBe('<https://kanki.example.jp/ack/tok123|Record what you did>');
  });

  it('posts a Teams MessageCard with the level colour and an OpenUri button for the ack link', async () => {
    const http = await startHttp((_req, res) => res.end('1'));
    await notifier({ type: 'teams', url: `${http.base}/webhookb2/abc/IncomingWebhook/def` }).send({ ...ALERT, event: { ...ALERT.event, level: 'critical', co2: 1720 } }, TO, signal());
    const card = JSON.parse(http.requests[0]?.body ?? '{}') as Record<string, unknown> & { potentialAction: { '@type': string; name: string; targets: { os: string; uri: string }[] }[] };
    expect(card['@type']).toBe('MessageCard');
    expect(card['@context']).toBe('https://schema.org/extensions');
    expect(card.themeColor).toBe('C62828');
    expect(card.summary).toContain('【換気】');
    expect(card.title).toContain('南浅間保育園 ひよこ組');
    expect(card.title).toContain('すぐに換気');
    expect(card.text).toContain('1720 ppm');
    expect(card.potentialAction[0]).toEqual({ '@type': 'OpenUri', name: '対応を記録する', targets: [{ os: 'default', uri: 'https://kanki.example.jp/ack/tok123' }] });
  });

  it('treats a Teams "200 but refused" answer as the error it is', async () => {
    const http = await startHttp((_req, res) => res.end('Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429 with ContextId …'));
    const err = await failure(notifier({ type: 'teams', url: `${http.base}/webhookb2/x` }));
    expect(err.retryable).toBe(true);
    expect(err.code).toBe('KANKI_NOTIFY_HTTP_429');
  });
});

const LINE_TOKEN = 'line-channel-access-token-SECRET-abc123';

describe('LINE channel', () => {
  it('pushes a text message with the bearer token and a retry key that is the same on every retry', async () => {
    const http = await startHttp((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"sentMessages":[]}'));
    const line = notifier({ type: 'line', channelAccessToken: LINE_TOKEN, apiBase: http.base });
    const to = { ...TO, address: 'U4af4980629d9e2f9f1e7a8a4b4c8d2e1' };
    await line.send(ALERT, to, signal());
    await line.send(ALERT, to, signal());
    await line.send({ ...ALERT, deliveryId: 'dlv-other' }, to, signal());

    const [first, second, third] = http.requests;
    expect(first?.method).toBe('POST');
    expect(first?.url).toBe('/v2/bot/message/push');
    expect(first?.headers.authorization).toBe(`Bearer ${LINE_TOKEN}`);
    expect(first?.headers['content-type']).toBe('application/json');
    const key = first?.headers['x-line-retry-key'];
    expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(second?.headers['x-line-retry-key']).toBe(key);
    expect(third?.headers['x-line-retry-key']).not.toBe(key);
    expect(key).toBe(lineRetryKey('dlv-7f3a'));
    const body = JSON.parse(first?.body ?? '{}') as { to: string; messages: { type: string; text: string }[] };
    expect(body.to).toBe('U4af4980629d9e2f9f1e7a8a4b4c8d2e1');
    expect(body.messages).toHaveLength(1);
    expect(body.messages[0]?.type).toBe('text');
    expect(body.messages[0]?.text).toContain('ひよこ組');
    expect(body.messages[0]?.text).toContain('1183 ppm');
    expect(body.messages[0]?.text).toContain('https://kanki.example.jp/ack/tok123');
  });

  it('cuts a text longer than LINE allows to 5000 characters', async () => {
    const http = await startHttp();
    const items = Array.from({ length: 200 }, (_, i) => ({
      facility: { id: `f${i}`, name: { ja: `施設${i}`.padEnd(40, '＿'), en: `Facility ${i}` } },
      room: { id: `r${i}`, name: { ja: `部屋${i}`, en: `Room ${i}` } },
      alerts: 1, maxCo2: 1100, openMinutes: 30, acknowledged: 0, sensorOffline: 0, stillOpen: false,
    }));
    const digest: DigestNotice = { kind: 'digest', deliveryId: 'dig-1', day: '2026-11-24', items };
    await notifier({ type: 'line', channelAccessToken: LINE_TOKEN, apiBase: http.base }).send(digest, { ...TO, address: 'Cgroup' }, signal());
    const text = (JSON.parse(http.requests[0]?.body ?? '{}') as { messages: { text: string }[] }).messages[0]?.text ?? '';
    expect(text.length).toBe(5000);
    expect(text.endsWith('…')).toBe(true);
  });

  it('takes 409 (this retry key was already accepted) as delivered', async () => {
    const http = await startHttp((_req, res) => res.writeHead(409, { 'x-line-accepted-request-id': 'abc' }).end('{"message":"The retry key is already accepted"}'));
    await expect(notifier({ type: 'line', channelAccessToken: LINE_TOKEN, apiBase: http.base }).send(ALERT, TO, signal())).resolves.toBeUndefined();
  });

  it('retries 500 and 429 (with Retry-After), not 400', async () => {
    const http = await startHttp((req, res) => {
      const status = Number(new URL(req.url, 'http://x').pathname.split('/')[1]);
      res.writeHead(status, status === 429 ? { 'retry-after': '7' } : {}).end('{"message":"nope"}');
    });
    const line = (status: number) => notifier({ type: 'line', channelAccessToken: LINE_TOKEN, apiBase: `${http.base}/${status}` });
    const e500 = await failure(line(500));
    expect(e500.retryable).toBe(true);
    expect(e500.code).toBe('KANKI_NOTIFY_HTTP_5XX');
    const e400 = await failure(line(400));
    expect(e400.retryable).toBe(false);
    expect(e400.code).toBe('KANKI_NOTIFY_HTTP_4XX');
    expect(e400.message).toContain('nope');
    const e429 = await failure(line(429));
    expect(e429.retryable).toBe(true);
    expect(e429.code).toBe('KANKI_NOTIFY_HTTP_429');
    expect(e429.retryAfterMs).toBe(7000);
    expect(http.requests.map((r) => r.url)).toEqual(['/500/v2/bot/message/push', '/400/v2/bot/message/push', '/429/v2/bot/message/push']);
  });

  it('refuses a recipient without a LINE id, permanently', async () => {
    const { address: _unused, ...noAddress } = TO;
    const err = await failure(notifier({ type: 'line', channelAccessToken: LINE_TOKEN }), ALERT, noAddress);
    expect(err.retryable).toBe(false);
    expect(err.code).toBe('KANKI_NOTIFY_NO_ADDRESS');
  });
});

type Smtp = { port: number; received: ParsedMail[] };

/** A real SMTP server on 127.0.0.1:0; `rcptCode` makes it refuse every recipient with that reply. */
async function startSmtp(options: { rcptCode?: number; password?: string } = {}): Promise<Smtp> {
  const received: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      // A careless server that echoes what it got: our errors must still not show the password.
      if (auth.password !== options.password) callback(new Error(`password ${auth.password} is wrong`));
      else callback(null, { user: auth.username });
    },
    onRcptTo(address, _session, callback) {
      if (!options.rcptCode) return callback();
      const err = new Error(`${address.address}: mailbox unavailable`) as Error & { responseCode: number };
      err.responseCode = options.rcptCode;
      callback(err);
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then((mail) => {
        received.push(mail);
        callback();
      }, callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.server.address() as AddressInfo).port, received };
}

function email(port: number, extra: { user?: string; password?: string } = {}): Notifier {
  return notifier({ type: 'email', from: 'Kanki 西区 <kanki@nishi.example.jp>', smtp: { host: '127.0.0.1', port, ...extra } });
}

describe('email channel', () => {
  it('sends subject, text and HTML to the recipient, with the delivery id in a header and a stable Message-ID', async () => {
    const smtp = await startSmtp();
    const mailer = email(smtp.port);
    await mailer.send(ALERT, TO, signal());
    await mailer.send(ALERT, TO, signal()); // a retry of the same delivery
    await waitFor(() => smtp.received.length === 2, 5000, 'two mails');

    const [mail, retry] = smtp.received;
    if (!mail || !retry) throw new Error('no mail');
    const to = Array.isArray(mail.to) ? mail.to[0] : mail.to;
    expect(to?.value[0]?.address).toBe('office@minami.example.jp');
    expect(mail.from?.value[0]?.address).toBe('kanki@nishi.example.jp');
    expect(mail.subject).toBe('【換気】南浅間保育園 ひよこ組 — 換気してください');
    expect(mail.text).toContain('1183 ppm');
    expect(mail.text).toContain('https://kanki.example.jp/ack/tok123');
    expect(mail.html).toContain('href="https://kanki.example.jp/ack/tok123"');
    expect(mail.headers.get('x-kanki-delivery')).toBe('dlv-7f3a');
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
    expect(mail.messageId).toBe('<kanki.dlv-7f3a@nishi.example.jp>');
    expect(retry.messageId).toBe(mail.messageId);
  });

  it('logs in when a user is configured', async () => {
    const smtp = await startSmtp({ password: 'correct-horse' });
    await email(smtp.port, { user: 'kanki', password: 'correct-horse' }).send(ALERT, TO, signal());
    await waitFor(() => smtp.received.length === 1, 5000, 'one mail');
  });

  it('treats a 550 refusal as permanent and a 451 as worth retrying', async () => {
    const refused = await failure(email((await startSmtp({ rcptCode: 550 })).port));
    expect(refused.retryable).toBe(false);
    expect(refused.code).toBe('KANKI_NOTIFY_SMTP_5XX');
    expect(refused.message).toContain('550');
    const later = await failure(email((await startSmtp({ rcptCode: 451 })).port));
    expect(later.retryable).toBe(true);
    expect(later.code).toBe('KANKI_NOTIFY_SMTP_4XX');
  });

  it('reports a closed port as a retryable network error', async () => {
    const err = await failure(email(await closedPort()));
    expect(err.retryable).toBe(true);
    expect(err.code).toBe('KANKI_NOTIFY_NETWORK');
  });

  it('gives up on a server that never greets when the signal times out', async () => {
    const err = await failure(email(await silentServer()), ALERT, TO, AbortSignal.timeout(200));
    expect(err.retryable).toBe(true);
    expect(err.code).toBe('KANKI_NOTIFY_TIMEOUT');
  });

  it('refuses a recipient without an address, permanently', async () => {
    const { address: _unused, ...noAddress } = TO;
    const err = await failure(email(await closedPort()), ALERT, noAddress);
    expect(err.code).toBe('KANKI_NOTIFY_NO_ADDRESS');
  });
});

describe('MQTT channel', () => {
  async function setup(config: Omit<Extract<ChannelConfig, { type: 'mqtt' }>, 'type'> = {}) {
    const broker = await startTestBroker();
    cleanups.push(() => broker.close());
    const publisher = await connectClient(broker.url, { clientId: 'kanki-ingest-test' });
    cleanups.push(() => publisher.endAsync());
    const subscriber = await connectClient(broker.url, { clientId: 'notify-watcher' });
    cleanups.push(() => subscriber.endAsync());
    const got: { topic: string; payload: string; qos: number }[] = [];
    subscriber.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString('utf8'), qos: packet.qos }));
    await subscriber.subscribeAsync('kanki/v1/notify/#', { qos: 1 });
    const n = notifier({ type: 'mqtt', ...config }, {
      publish: async (topic, payload, qos) => {
        await publisher.publishAsync(topic, payload, { qos });
      },
    });
    return { n, got };
  }

  it('publishes the notice with its ja/en text at QoS 1 on the room topic, and digests on the recipient topic', async () => {
    const { n, got } = await setup();
    await n.send(ALERT, TO, signal());
    await n.send({ kind: 'digest', deliveryId: 'dig-9', day: '2026-11-24', items: [] }, { ...TO, id: 'ward/office' }, signal());
    await waitFor(() => got.length === 2, 5000, 'two messages');

    expect(got[0]?.topic).toBe('kanki/v1/notify/minami-nursery/hiyoko');
    expect(got[0]?.qos).toBe(1);
    const payload = JSON.parse(got[0]?.payload ?? '{}') as { deliveryId: string; notice: unknown; message: Record<'ja' | 'en', { text: string }> };
    expect(payload.deliveryId).toBe('dlv-7f3a');
    expect(payload.notice).toEqual(ALERT);
    expect(payload.message.ja.text).toContain('1183 ppm');
    expect(payload.message.en.text).toContain('Chicks room');
    // A "/" in a recipient id must not add topic levels.
    expect(got[1]?.topic).toBe('kanki/v1/notify/digest/ward_office');
  });

  it('uses a configured topic template', async () => {
    const { n, got } = await setup({ topic: 'kanki/v1/notify/staff/{facility}/{event}' });
    await n.send(ALERT, TO, signal());
    await waitFor(() => got.length === 1, 5000, 'one message');
    expect(got[0]?.topic).toBe('kanki/v1/notify/staff/minami-nursery/raised');
  });

  it('turns a failed publish into a retryable error, and a stuck one into a timeout', async () => {
    const broker = await startTestBroker();
    cleanups.push(() => broker.close());
    const stuck = createNotifier('stuck', { type: 'mqtt' }, { publish: () => new Promise(() => undefined) });
    const timedOut = await failure(stuck, ALERT, TO, AbortSignal.timeout(200));
    expect(timedOut.code).toBe('KANKI_NOTIFY_TIMEOUT');
    expect(timedOut.retryable).toBe(true);

    const publisher = await connectClient(broker.url, { clientId: 'ended-client' });
    await publisher.endAsync();
    const failing = createNotifier('gone', { type: 'mqtt' }, {
      publish: async (topic, payload, qos) => {
        await publisher.publishAsync(topic, payload, { qos });
      },
    });
    const err = await failure(failing);
    expect(err.code).toBe('KANKI_NOTIFY_MQTT');
    expect(err.retryable).toBe(true);
  });
});

describe('secrets', () => {
  it('never shows a webhook secret, LINE token, SMTP password or Slack URL path in an error', async () => {
    const slackPath = '/services/T0SECRET/B0SECRET/zQ9xSlackHookSecret';
    // A server that echoes everything it was sent back in its error answer.
    const echo = await startHttp((req, res) => res.writeHead(req.url.startsWith('/services') ? 404 : 401).end(`${req.url} ${JSON.stringify(req.headers)} ${req.body}`));
    const errors: DeliveryError[] = [
      await failure(notifier({ type: 'webhook', url: `${echo.base}/hook`, secret: WEBHOOK_SECRET })),
      await failure(notifier({ type: 'webhook', url: `http://127.0.0.1:${await closedPort()}/hook`, secret: WEBHOOK_SECRET })),
      await failure(notifier({ type: 'line', channelAccessToken: LINE_TOKEN, apiBase: echo.base })),
      await failure(notifier({ type: 'line', channelAccessToken: LINE_TOKEN, apiBase: `http://127.0.0.1:${await closedPort()}` })),
      await failure(notifier({ type: 'slack', url: `${echo.base}${slackPath}` })),
      await failure(notifier({ type: 'slack', url: `http://127.0.0.1:${await closedPort()}${slackPath}` })),
      await failure(notifier({ type: 'teams', url: `${echo.base}${slackPath}` })),
      await failure(email((await startSmtp({ password: 'the-right-one' })).port, { user: 'kanki', password: 'smtp-Pa55word-SECRET' })),
      await failure(email(await closedPort(), { user: 'kanki', password: 'smtp-Pa55word-SECRET' })),
    ];
    // The echo server really did get the secrets (so the check below can fail).
    expect(echo.requests.some((r) => r.headers.authorization?.includes(LINE_TOKEN))).toBe(true);
    expect(errors[0]?.message).toContain('127.0.0.1');
    expect(errors[4]?.message).toContain('HTTP 404');
    expect(errors[7]?.code).toBe('KANKI_NOTIFY_SMTP_5XX');
    for (const err of errors) {
      const text = errorTexts(err);
      for (const secret of [WEBHOOK_SECRET, LINE_TOKEN, 'smtp-Pa55word-SECRET', 'zQ9xSlackHookSecret', 'T0SECRET', slackPath]) {
        expect(text, `${err.code}: ${err.message}`).not.toContain(secret);
      }
    }
  });
});

describe('channel config', () => {
  it('parses every channel type and refuses what would fail later, without echoing secrets', () => {
    const ok = [
      { type: 'webhook', url: 'https://hooks.example.jp/kanki', secret: WEBHOOK_SECRET, timeoutMs: 5000 },
      { type: 'slack', url: 'https://hooks.slack.com/services/T0/B0/x' },
      { type: 'teams', url: 'https://example.webhook.office.com/webhookb2/x' },
      { type: 'email', from: 'kanki@nishi.example.jp', smtp: { host: 'smtp.example.jp', port: 587, user: 'kanki', password: 'pw' } },
      { type: 'line', channelAccessToken: LINE_TOKEN },
      { type: 'mqtt', topic: 'ward/{facility}/{room}/{event}', digestTopic: 'ward/digest/{recipient}' },
    ];
    for (const c of ok) expect(ChannelConfigSchema.safeParse(c).success, JSON.stringify(c)).toBe(true);

    const bad = [
      { type: 'webhook', url: 'https://hooks.example.jp/kanki', secret: 'short-SECRET' },
      { type: 'webhook', url: 'ftp://hooks.example.jp/kanki', secret: WEBHOOK_SECRET },
      { type: 'mqtt', topic: 'kanki/v1/notify/#' },
      { type: 'mqtt', topic: 'kanki/{facility}/{sensor}' },
      { type: 'mqtt', digestTopic: 'kanki/{room}' },
      { type: 'email', from: 'nobody', smtp: { host: 'smtp.example.jp', port: 587 } },
      { type: 'pager', url: 'https://example.jp' },
    ];
    for (const c of bad) {
      const result = ChannelConfigSchema.safeParse(c);
      expect(result.success, JSON.stringify(c)).toBe(false);
      expect(JSON.stringify(result.error?.issues)).not.toContain('short-SECRET');
    }
  });

  it('refuses to build an MQTT channel without the ingest\'s publish function', () => {
    expect(() => createNotifier('m', { type: 'mqtt' })).toThrow(/publish/);
  });
});
