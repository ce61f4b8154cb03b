/**
 * A crash of the ingest loses nothing: the ingest runs as a real process, is killed with SIGKILL
 * in the middle of a stream of QoS 1 readings, and is started again. Every reading ends up in the
 * store exactly once — acknowledged ones from the write-ahead log, unacknowledged ones redelivered
 * by the broker to the persistent session.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../common/logger.ts';
import { createSqliteStore } from '../../common/store/sqlite-store.ts';
import { buildSensorReadingTopic } from '../../common/topics.ts';
import { connectClient, startTestBroker } from '../helpers/mqtt.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function startIngestProcess(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'ingest/src/main.ts'], {
    env: { ...process.env, LOG_LEVEL: 'warn', INGEST_HTTP_PORT: '0', INGEST_HTTP_HOST: '127.0.0.1', INGEST_FLUSH_INTERVAL_MS: '50', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  cleanups.push(() => {
    child.kill('SIGKILL');
  });
  return child;
}

describe('ingest crash', () => {
  it('loses no reading and stores none twice when killed with SIGKILL mid-stream', async () => {
    const broker = await startTestBroker();
    cleanups.push(() => broker.close());
    const data = makeTempDir();
    cleanups.push(() => data.remove());
    const env = { MQTT_URL: broker.url, DATA_DIR: data.path };
    let ingest = startIngestProcess(env);
    await waitFor(() => broker.clients.has('kanki-ingest'), 20_000, 'ingest connected');

    const device = await connectClient(broker.url, { clientId: 'tbe-c61-01' });
    cleanups.push(() => device.endAsync());
    const t0 = Date.now() - 60 * 60_000;
    const total = 3000;
    let sent = 0;
    const publishing = (async () => {
      for (; sent < total; sent++) {
        await device.publishAsync(buildSensorReadingTopic('tbe-c61-01'), JSON.stringify({ co2: 400 + (sent % 2000), ts: t0 + sent * 1000, seq: sent }), { qos: 1 });
      }
    })();
    await waitFor(() => sent > 1000, 20_000, 'a third published');
    ingest.kill('SIGKILL');
    await new Promise((r) => ingest.once('exit', r));
    await publishing;
    ingest = startIngestProcess(env);

    const store = createSqliteStore({ file: join(data.path, 'kanki.sqlite') }, { logger: createSilentLogger() });
    cleanups.push(() => store.close());
    const points = await waitFor(async () => {
      const h = await store.history({ facility: 'tobe-elementary', room: 'class-6-1', from: t0, to: Date.now(), resolution: 'raw' });
      return h.length >= total ? h : null;
    }, 30_000, `all ${total} readings stored`);
    expect(points).toHaveLength(total);
    expect(points.map((p) => p.time)).toEqual(Array.from({ length: total }, (_, i) => t0 + i * 1000));
  });
});
