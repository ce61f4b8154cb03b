/**
 * The ingest end to end with real parts: an aedes broker on a free port, MQTT.js devices, the
 * ingest, and the embedded SQLite store or a real InfluxDB server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../common/logger.ts';
import { DeadLetterSchema, RoomStateSchema } from '../../common/payloads.ts';
import { loadRegistryFile } from '../../common/registry.ts';
import { createInfluxStore } from '../../common/store/influx-store.ts';
import { DEFAULT_RETENTION, type ReadingStore } from '../../common/store/reading-store.ts';
import { createSqliteStore } from '../../common/store/sqlite-store.ts';
import { DEAD_LETTER_TOPIC, buildRoomStateTopic, buildSensorReadingTopic } from '../../common/topics.ts';
import { startIngest, type Ingest } from '../../ingest/src/app.ts';
import { loadIngestConfig } from '../../ingest/src/config.ts';
import { testInflux } from '../helpers/influx.ts';
import { connectClient, startTestBroker, type TestBroker } from '../helpers/mqtt.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';

const registry = loadRegistryFile('config/registry.demo.yaml');
const logger = createSilentLogger();

type Ctx = { broker: TestBroker; ingest: Ingest; store: ReadingStore; dataDir: string };
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startStack(store: ReadingStore, env: Record<string, string> = {}): Promise<Ctx> {
  const broker = await startTestBroker();
  cleanups.push(() => broker.close());
  const dir = makeTempDir();
  cleanups.push(() => dir.remove());
  await store.init();
  cleanups.push(() => store.close());
  const ingest = await startIngest(
    loadIngestConfig({ MQTT_URL: broker.url, DATA_DIR: dir.path, INGEST_HTTP_PORT: '0', INGEST_HTTP_HOST: '127.0.0.1', INGEST_FLUSH_INTERVAL_MS: '50', ROOM_STATE_INTERVAL_MS: '50', ...env }),
    { logger, registry, store },
  );
  cleanups.push(() => ingest.close());
  await waitFor(async () => (await ingest.metrics.mqttConnected.get()).values[0]?.value === 1, 5000, 'ingest connected');
  return { broker, ingest, store, dataDir: dir.path };
}

async function metricsText(ingest: Ingest): Promise<string> {
  return (await fetch(`http://127.0.0.1:${ingest.httpPort}/metrics`)).text();
}

function metricValue(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').at(-1)) : Number.NaN;
}

const sqliteStore = () => {
  const dir = makeTempDir();
  cleanups.push(() => dir.remove());
  return createSqliteStore({ file: `${dir.path}/kanki.sqlite`, retention: DEFAULT_RETENTION }, { logger });
};

describe.each([
  ['SQLite', sqliteStore],
  ['InfluxDB', () => createInfluxStore({ ...testInflux(), retention: DEFAULT_RETENTION }, { logger })],
])('ingest → %s', (_name, makeStore) => {
  it('stores every good reading and publishes the room state, while bad messages are set aside', async () => {
    const { broker, ingest, store } = await startStack(makeStore());
    const device = await connectClient(broker.url, { clientId: 'tbe-c11-01' });
    cleanups.push(() => device.endAsync());
    const watcher = await connectClient(broker.url);
    cleanups.push(() => watcher.endAsync());
    const seen: { topic: string; payload: string }[] = [];
    watcher.on('message', (topic, payload) => seen.push({ topic, payload: payload.toString() }));
    await watcher.subscribeAsync([DEAD_LETTER_TOPIC, buildRoomStateTopic('tobe-elementary', 'class-1-1')], { qos: 1 });

    const start = Date.now() - 30 * 60_000;
    const bad = ['{"co2": 812', '{"co2": 0}', '{"co2": -1}', '{"co2": 65535}', '{"co2": "812"}', '{}', 'NaN', JSON.stringify({ co2: 1, pad: 'x'.repeat(20_000) })];
    for (let i = 0; i < 30; i++) {
      await device.publishAsync(buildSensorReadingTopic('tbe-c11-01'), JSON.stringify({ co2: 600 + i * 20, temperature: 22, humidity: 40, ts: new Date(start + i * 60_000).toISOString(), seq: i }), { qos: 1 });
      const b = bad[i % bad.length] as string;
      if (i < bad.length) await device.publishAsync(buildSensorReadingTopic('tbe-c11-01'), b, { qos: 1 });
    }
    await device.publishAsync(buildSensorReadingTopic('not-registered'), '{"co2": 700}', { qos: 1 });

    const history = await waitFor(async () => {
      const h = await store.history({ facility: 'tobe-elementary', room: 'class-1-1', from: start - 1, to: Date.now() + 1, resolution: 'raw' });
      return h.length === 30 ? h : null;
    }, 10_000, '30 stored readings');
    expect(history.map((p) => p.co2)).toEqual(Array.from({ length: 30 }, (_, i) => 600 + i * 20));

    const letters = await waitFor(() => {
      const l = seen.filter((s) => s.topic === DEAD_LETTER_TOPIC);
      return l.length === bad.length + 1 ? l : null;
    }, 5000, 'dead letters');
    const reasons = letters.map((l) => DeadLetterSchema.parse(JSON.parse(l.payload)).reason).sort();
    expect(reasons).toEqual(['invalid_payload', 'invalid_payload', 'invalid_payload', 'invalid_payload', 'invalid_payload', 'malformed_json', 'malformed_json', 'too_large', 'unknown_device'].sort());

    const state = await waitFor(() => {
      const s = seen.filter((x) => x.topic.endsWith('/state')).map((x) => RoomStateSchema.parse(JSON.parse(x.payload)));
      return s.find((x) => x.co2 === 1180);
    }, 5000, 'room state with the newest value');
    expect(state).toMatchObject({ facility: 'tobe-elementary', room: 'class-1-1', level: 'ventilate', stale: false });

    // The store may show the data a moment before its write call returns and the counter moves.
    const text = await waitFor(async () => {
      const t = await metricsText(ingest);
      return metricValue(t, 'kanki_ingest_readings_stored_total') === 30 ? t : null;
    }, 5000, 'stored counter at 30');
    expect(metricValue(text, 'kanki_ingest_messages_received_total')).toBe(30 + bad.length + 1);
    expect(text).toContain('kanki_ingest_messages_rejected_total{reason="unknown_device"} 1');
    expect(text).toContain('kanki_ingest_messages_rejected_total{reason="too_large"} 1');
    const health = await fetch(`http://127.0.0.1:${ingest.httpPort}/healthz`);
    expect(health.status).toBe(200);
  });
});

describe('ingest persistent session', () => {
  it('receives readings published while it was stopped, once it is back', async () => {
    const store = sqliteStore();
    const { broker, ingest, dataDir } = await startStack(store);
    await ingest.close();
    const device = await connectClient(broker.url, { clientId: 'msn-age0-01' });
    cleanups.push(() => device.endAsync());
    const t0 = Date.now() - 10 * 60_000;
    for (let i = 0; i < 20; i++) {
      await device.publishAsync(buildSensorReadingTopic('msn-age0-01'), JSON.stringify({ co2: 700 + i, ts: t0 + i * 1000 }), { qos: 1 });
    }
    const again = await startIngest(
      loadIngestConfig({ MQTT_URL: broker.url, DATA_DIR: dataDir, INGEST_HTTP_PORT: '0', INGEST_HTTP_HOST: '127.0.0.1', INGEST_FLUSH_INTERVAL_MS: '50' }),
      { logger, registry, store },
    );
    cleanups.push(() => again.close());
    await waitFor(async () => (await store.history({ facility: 'minami-sengen-nursery', room: 'age-0', from: t0, to: Date.now(), resolution: 'raw' })).length === 20, 10_000, 'queued readings stored');
  });
});

