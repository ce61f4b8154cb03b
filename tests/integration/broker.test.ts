// The embedded broker with real MQTT.js clients on 127.0.0.1: authentication, ACL, Last Will,
// packet-size limit, production refusals, and that no secret ever reaches the logs.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startBroker, EXAMPLE_SECRETS_FILE, type RunningBroker } from '../../broker/src/app.ts';
import type { BrokerConfig } from '../../broker/src/config.ts';
import { hashSecret } from '../../broker/src/secrets.ts';
import { ConfigError } from '../../common/errors.ts';
import { REDACT_PATHS } from '../../common/logger.ts';
import { buildRoomStateTopic, buildSensorReadingTopic, buildSensorStatusTopic } from '../../common/topics.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';

const PW = {
  devA: 'device-a-secret-7f3c9a1e',
  devB: 'device-b-plain-secret-42xy',
  ingest: 'ingest-secret-0d8e4b2c91',
  reader: 'reader-secret-5a6b7c8d9e',
  wrong: 'wrong-password-c0ffee1234',
};
// A low scrypt cost keeps the tests fast; the format and code path are the same as the default.
const cost = { N: 1024, r: 8, p: 1 };

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function captureLogs() {
  const lines: string[] = [];
  const stream = new Writable({ write: (chunk: Buffer, _enc, cb) => (lines.push(chunk.toString()), cb()) });
  const logger = pino({ level: 'trace', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, stream);
  return { logger, text: () => lines.join('') };
}

function writeSecrets(text: string): string {
  const dir = makeTempDir('kanki-broker-');
  cleanups.push(() => dir.remove());
  const file = join(dir.path, 'secrets.yaml');
  writeFileSync(file, text);
  chmodSync(file, 0o600);
  return file;
}

async function goodSecretsFile(): Promise<string> {
  return writeSecrets(`devices:
  dev-a: "${await hashSecret(PW.devA, cost)}"
  dev-b: "${PW.devB}"
services:
  kanki-ingest: { secret: "${await hashSecret(PW.ingest, cost)}", role: ingest }
  kanki-dashboard: { secret: "${PW.reader}", role: reader }
`);
}

function config(overrides: Partial<BrokerConfig> = {}): BrokerConfig {
  return { port: 0, host: '127.0.0.1', secretsFile: undefined, nodeEnv: 'test', maxPacketBytes: 65_536, logLevel: 'trace', ...overrides };
}

async function start(overrides: Partial<BrokerConfig> = {}) {
  const logs = captureLogs();
  const running = await startBroker(config(overrides), { logger: logs.logger });
  cleanups.push(() => running.close());
  return { running, logs };
}

/** Connects and resolves on CONNACK 0; rejects with the refusal (err.code = return code). */
function client(running: RunningBroker, options: IClientOptions = {}): Promise<MqttClient> {
  const c = connect(`mqtt://127.0.0.1:${running.port}`, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...options });
  cleanups.push(() => void c.end(true));
  return new Promise((resolve, reject) => {
    c.once('connect', () => resolve(c));
    c.once('error', reject);
    c.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

function collect(c: MqttClient): { topic: string; payload: string }[] {
  const received: { topic: string; payload: string }[] = [];
  c.on('message', (topic, payload) => received.push({ topic, payload: payload.toString() }));
  return received;
}

const devA = { username: 'dev-a', password: PW.devA };
const devB = { username: 'dev-b', password: PW.devB };
const ingest = { username: 'kanki-ingest', password: PW.ingest, clientId: 'kanki-ingest-session', clean: false };
const reading = (co2: number) => JSON.stringify({ co2, ts: '2026-11-23T01:02:03Z' });

describe('broker with a secrets file', () => {
  it("delivers a device's reading to the ingest and the ingest's room state to a reader", async () => {
    const { running } = await start({ secretsFile: await goodSecretsFile() });
    const sub = await client(running, ingest);
    await sub.subscribeAsync('kanki/v1/sensors/+/reading', { qos: 1 });
    const reader = await client(running, { username: 'kanki-dashboard', password: PW.reader });
    await reader.subscribeAsync('kanki/v1/rooms/#');
    const got = collect(sub);
    const readerGot = collect(reader);

    const device = await client(running, devA);
    await device.publishAsync(buildSensorReadingTopic('dev-a'), reading(812), { qos: 1 });
    await waitFor(() => got.length === 1, 5000, 'reading at the ingest');
    expect(got[0]).toEqual({ topic: buildSensorReadingTopic('dev-a'), payload: reading(812) });

    await sub.publishAsync(buildRoomStateTopic('f', 'r'), '{"level":"good"}', { qos: 1, retain: true });
    await waitFor(() => readerGot.length === 1, 5000, 'room state at the reader');
  });

  it('refuses a wrong password, an unknown user and a client without credentials', async () => {
    const { running, logs } = await start({ secretsFile: await goodSecretsFile() });
    await expect(client(running, { username: 'dev-a', password: PW.wrong })).rejects.toMatchObject({ code: 4 });
    await expect(client(running, { username: 'dev-zz', password: PW.wrong })).rejects.toMatchObject({ code: 4 });
    await expect(client(running, {})).rejects.toMatchObject({ code: 5 });
    // A plain-text secret is checked too, and the broker still serves correct clients.
    await expect(client(running, { username: 'dev-b', password: 'device-b-plain-secret-42xz' })).rejects.toMatchObject({ code: 4 });
    await client(running, devB);
    expect(logs.text()).toContain('MQTT client refused');
  });

  it("drops a device's publish under another device's topic and disconnects it", async () => {
    const { running } = await start({ secretsFile: await goodSecretsFile() });
    const sub = await client(running, ingest);
    await sub.subscribeAsync('kanki/v1/sensors/#', { qos: 1 });
    const got = collect(sub);
    const attacker = await client(running, devA);
    const closed = new Promise<void>((resolve) => attacker.once('close', () => resolve()));
    attacker.publish(buildSensorReadingTopic('dev-b'), reading(5000), { qos: 1 });
    await closed; // the broker refused the publish before routing it
    const honest = await client(running, devB);
    await honest.publishAsync(buildSensorReadingTopic('dev-b'), reading(700), { qos: 1 });
    await waitFor(() => got.length >= 1, 5000, 'control reading');
    expect(got).toEqual([{ topic: buildSensorReadingTopic('dev-b'), payload: reading(700) }]);
  });

  it('gives a device that subscribes to # nothing but its own topics', async () => {
    const { running } = await start({ secretsFile: await goodSecretsFile() });
    const sub = await client(running, ingest);
    await sub.subscribeAsync('kanki/v1/sensors/#', { qos: 1 });
    const ingestGot = collect(sub);
    const spy = await client(running, devA);
    await expect(spy.subscribeAsync('#')).rejects.toThrow(/Subscribe error/);
    await expect(spy.subscribeAsync('kanki/v1/sensors/+/reading')).rejects.toThrow(/Subscribe error/);
    await spy.subscribeAsync('kanki/v1/sensors/dev-a/#', { qos: 1 });
    const spyGot = collect(spy);

    const other = await client(running, devB);
    await other.publishAsync(buildSensorReadingTopic('dev-b'), reading(900), { qos: 1 });
    await waitFor(() => ingestGot.length === 1, 5000, 'foreign reading routed');
    // Positive control on the spy's own connection, routed after the foreign reading.
    await spy.publishAsync(buildSensorStatusTopic('dev-a'), 'online', { qos: 1 });
    await waitFor(() => spyGot.some((m) => m.payload === 'online'), 5000, 'own status at the device');
    await new Promise((r) => setTimeout(r, 100)); // bounded wait for anything that might still trail
    expect(spyGot).toEqual([{ topic: buildSensorStatusTopic('dev-a'), payload: 'online' }]);
  });

  it("delivers a device's Last Will when its socket dies, and refuses a will on a foreign topic", async () => {
    const { running } = await start({ secretsFile: await goodSecretsFile() });
    const sub = await client(running, ingest);
    await sub.subscribeAsync('kanki/v1/sensors/+/status', { qos: 1 });
    const got = collect(sub);
    const will = { topic: buildSensorStatusTopic('dev-a'), payload: Buffer.from('offline'), qos: 1 as const, retain: true };
    const device = await client(running, { ...devA, will });
    device.stream.destroy();
    await waitFor(() => got.length === 1, 5000, 'last will');
    expect(got[0]).toEqual({ topic: buildSensorStatusTopic('dev-a'), payload: 'offline' });

    const forged = { ...will, topic: buildSensorStatusTopic('dev-b') };
    await expect(client(running, { ...devA, will: forged })).rejects.toMatchObject({ code: 5 });
  });

  it("refuses a client id that another user's persistent session holds", async () => {
    const { running } = await start({ secretsFile: await goodSecretsFile() });
    const sub = await client(running, ingest);
    await expect(client(running, { ...devA, clientId: ingest.clientId })).rejects.toMatchObject({ code: 2 });
    expect(sub.connected).toBe(true);
  });

  it('disconnects a client sending a 1 MB packet and keeps serving the others', async () => {
    const { running, logs } = await start({ secretsFile: await goodSecretsFile() });
    const sub = await client(running, ingest);
    await sub.subscribeAsync('kanki/v1/sensors/#', { qos: 1 });
    const got = collect(sub);
    const big = await client(running, devA);
    const closed = new Promise<void>((resolve) => big.once('close', () => resolve()));
    big.on('error', () => {}); // EPIPE/ECONNRESET while the client is still writing
    big.publish(buildSensorReadingTopic('dev-a'), Buffer.alloc(1024 * 1024, 'x'), { qos: 1 });
    await closed;
    await waitFor(() => logs.text().includes('MQTT packet too large'), 5000, 'oversize warning');

    // Packets under the limit still pass, on a fresh connection of the same device.
    const again = await client(running, devA);
    await again.publishAsync(buildSensorReadingTopic('dev-a'), Buffer.alloc(32 * 1024, 'y'), { qos: 1 });
    await waitFor(() => got.length === 1, 5000, 'a 32 KiB message');
    expect(got[0]?.payload.length).toBe(32 * 1024);
  });

  it('never writes a password to the log, even at trace level', async () => {
    const { running, logs } = await start({ secretsFile: await goodSecretsFile() });
    await client(running, devA);
    await client(running, devB);
    await expect(client(running, { username: 'dev-a', password: PW.wrong })).rejects.toMatchObject({ code: 4 });
    await expect(client(running, { username: 'nobody', password: PW.wrong })).rejects.toMatchObject({ code: 4 });
    await running.close();
    await running.close(); // idempotent
    const text = logs.text();
    expect(text).toContain('MQTT client refused');
    for (const secret of Object.values(PW)) expect(text).not.toContain(secret);
  });
});

describe('broker start-up checks', () => {
  it('refuses production without a secrets file', async () => {
    await expect(start({ nodeEnv: 'production' })).rejects.toThrow(/KANKI_DEVICE_SECRETS/);
    await expect(start({ nodeEnv: 'production' })).rejects.toBeInstanceOf(ConfigError);
  });

  it('refuses weak, default and example secrets in production, and starts with strong ones', async () => {
    const weak = writeSecrets(`devices:
  dev-short: "short-secret"
  dev-default: "changeme"
services:
  kanki-ingest: { secret: "kanki-example-kanki-ingest", role: ingest }
`);
    const err = await start({ nodeEnv: 'production', secretsFile: weak }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    for (const path of ['devices.dev-short', 'devices.dev-default', 'services.kanki-ingest.secret']) expect(message).toContain(path);
    expect(message).toContain('hash-secret');
    await expect(start({ nodeEnv: 'production', secretsFile: EXAMPLE_SECRETS_FILE })).rejects.toThrow(/copied from the shipped example/);
    const { running } = await start({ nodeEnv: 'production', secretsFile: await goodSecretsFile() });
    expect(running.port).toBeGreaterThan(0);
  });

  it('names the path of every error in a secrets file, without its secret values', async () => {
    const bad = writeSecrets(`devices:
  "bad id!": "secret-value-one"
  dev-number: 42
services:
  svc: { secret: "secret-value-two", role: admin, extra: 1 }
`);
    const message = await start({ secretsFile: bad }).then(() => '', (e: Error) => e.message);
    for (const path of ['devices.bad id!', 'devices.dev-number (line 3)', 'services.svc.role', 'services.svc']) expect(message).toContain(path);
    const hashes = writeSecrets('devices:\n  dev-a: "scrypt$16384$8$1$not-base64"\n');
    await expect(start({ secretsFile: hashes })).rejects.toThrow(/devices\.dev-a: looks like an scrypt hash/);
    const syntax = writeSecrets('devices:\n  dev-a: "secret-value-three"x\n');
    const syntaxMessage = await start({ secretsFile: syntax }).then(() => '', (e: Error) => e.message);
    expect(syntaxMessage).toMatch(/line 2/);
    for (const m of [message, syntaxMessage]) expect(m).not.toMatch(/secret-value/);
  });
});

describe('broker without a secrets file (development)', () => {
  it('lets anonymous clients publish and warns loudly once', async () => {
    const { running, logs } = await start({ nodeEnv: 'development' });
    const sub = await client(running);
    await sub.subscribeAsync('kanki/v1/sensors/+/reading', { qos: 1 });
    const got = collect(sub);
    const device = await client(running);
    await device.publishAsync(buildSensorReadingTopic('nwo-1f-counter-01'), reading(640), { qos: 1 });
    await waitFor(() => got.length === 1, 5000, 'anonymous reading');
    expect(logs.text().match(/AUTHENTICATION IS OFF/g)).toHaveLength(1);
  });
});
