/**
 * A real aedes broker on port 0, a real SQLite store in a temp dir and the real ingest connected
 * to them, for integration tests of message flows. Everything it starts is registered in
 * `cleanups` (run in reverse order by the test's afterEach).
 */
import type { Registry } from '../../common/registry.ts';
import { createSilentLogger } from '../../common/logger.ts';
import { DEFAULT_RETENTION, type ReadingStore } from '../../common/store/reading-store.ts';
import { createSqliteStore } from '../../common/store/sqlite-store.ts';
import { startIngest, type Ingest, type IngestDeps } from '../../ingest/src/app.ts';
import { loadIngestConfig } from '../../ingest/src/config.ts';
import { startTestBroker, type TestBroker } from './mqtt.ts';
import { makeTempDir } from './temp-dir.ts';
import { waitFor } from './wait-for.ts';

export async function startIngestFixture(
  registry: Registry,
  cleanups: (() => Promise<void> | void)[],
  env: Record<string, string> = {},
  /** Further collaborators of the ingest, e.g. `staff` for the staff API. */
  deps: Partial<Pick<IngestDeps, 'staff' | 'notify'>> = {},
): Promise<{ broker: TestBroker; store: ReadingStore; ingest: Ingest; dataDir: string }> {
  const logger = createSilentLogger();
  const broker = await startTestBroker();
  cleanups.push(() => broker.close());
  const dir = makeTempDir();
  cleanups.push(() => dir.remove());
  const store = createSqliteStore({ file: `${dir.path}/kanki.sqlite`, retention: DEFAULT_RETENTION }, { logger });
  await store.init();
  cleanups.push(() => store.close());
  const ingest = await startIngest(
    loadIngestConfig({
      MQTT_URL: broker.url, DATA_DIR: dir.path, INGEST_HTTP_PORT: '0', INGEST_HTTP_HOST: '127.0.0.1',
      INGEST_FLUSH_INTERVAL_MS: '50', ROOM_STATE_INTERVAL_MS: '50', ...env,
    }),
    { logger, registry, store, ...deps },
  );
  cleanups.push(() => ingest.close());
  await waitFor(async () => (await ingest.metrics.mqttConnected.get()).values[0]?.value === 1, 5000, 'ingest connected');
  return { broker, store, ingest, dataDir: dir.path };
}
