/**
 * A database outage loses no reading: a private InfluxDB is killed (SIGKILL) while devices keep
 * publishing; every reading is acknowledged, spooled on disk, and stored once the database is back
 * — also across a restart of the ingest itself.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../common/logger.ts';
import { loadRegistryFile } from '../../common/registry.ts';
import { createInfluxStore } from '../../common/store/influx-store.ts';
import { DEFAULT_RETENTION } from '../../common/store/reading-store.ts';
import { buildSensorReadingTopic } from '../../common/topics.ts';
import { startIngest, type Ingest } from '../../ingest/src/app.ts';
import { loadIngestConfig } from '../../ingest/src/config.ts';
import { startInfluxd, type InfluxServer } from '../setup/influxd.ts';
import { connectClient, startTestBroker } from '../helpers/mqtt.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';

const registry = loadRegistryFile('config/registry.demo.yaml');
const logger = createSilentLogger();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const counter = async (ingest: Ingest, name: 'stored' | 'spooled' | 'replayed' | 'accepted') => (await ingest.metrics[name].get()).values[0]?.value ?? 0;

describe('ingest during a database outage', () => {
  it('spools while InfluxDB is down and replays everything, in order, when it returns — across an ingest restart', async () => {
    let influx: InfluxServer = await startInfluxd();
    cleanups.push(() => influx.stop());
    const broker = await startTestBroker();
    cleanups.push(() => broker.close());
    const data = makeTempDir();
    cleanups.push(() => data.remove());
    const store = createInfluxStore({ url: influx.url, database: 'kanki', retention: DEFAULT_RETENTION, timeoutMs: 2000 }, { logger });
    await store.init();
    cleanups.push(() => store.close());
    const env = { MQTT_URL: broker.url, DATA_DIR: data.path, INGEST_HTTP_PORT: '0', INGEST_HTTP_HOST: '127.0.0.1', INGEST_FLUSH_INTERVAL_MS: '50', INGEST_DRAIN_TIMEOUT_MS: '500' };
    let ingest = await startIngest(loadIngestConfig(env), { logger, registry, store });
    const device = await connectClient(broker.url, { clientId: 'nph-meeting1-01' });
    cleanups.push(() => device.endAsync());
    const t0 = Date.now() - 20 * 60_000;
    const publish = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        await device.publishAsync(buildSensorReadingTopic('nph-meeting1-01'), JSON.stringify({ co2: 500 + i, ts: t0 + i * 1000, seq: i }), { qos: 1 });
      }
    };

    await publish(0, 50);
    await waitFor(async () => (await counter(ingest, 'stored')) === 50, 10_000, 'first 50 stored');

    await influx.crash();
    // Every publish below is acknowledged by the broker and the ingest although the database is gone.
    await publish(50, 350);
    await waitFor(async () => (await counter(ingest, 'accepted')) === 350, 10_000, 'all accepted');
    await waitFor(async () => (await counter(ingest, 'spooled')) > 0, 5000, 'readings counted as spooled');
    const health = await (await fetch(`http://127.0.0.1:${ingest.httpPort}/healthz`)).json() as { store: string };
    expect(health.store).toBe('down');

    // The ingest restarts while the database is still down: the spool survives on disk.
    await ingest.close();
    ingest = await startIngest(loadIngestConfig(env), { logger, registry, store });
    cleanups.push(() => ingest.close());
    await publish(350, 400);

    influx = await startInfluxd({ dir: influx.dir, httpPort: influx.port });
    const history = await waitFor(async () => {
      const h = await store.history({ facility: 'nishi-public-hall', room: 'meeting-1', from: t0, to: Date.now(), resolution: 'raw' });
      return h.length === 400 ? h : null;
    }, 30_000, 'all 400 readings stored after recovery');
    expect(history.map((p) => p.co2)).toEqual(Array.from({ length: 400 }, (_, i) => 500 + i));
    expect(await counter(ingest, 'replayed')).toBeGreaterThanOrEqual(350);
  });
});
