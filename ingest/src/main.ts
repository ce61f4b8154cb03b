/** `npm run ingest`: the ingest alone, configured from the environment. */
import { createLogger } from '../../common/logger.ts';
import { loadRegistryFile } from '../../common/registry.ts';
import { exitOnStartupError, onShutdown } from '../../common/shutdown.ts';
import { createStoreFromEnv } from '../../common/store/store-config.ts';
import { startIngest } from './app.ts';
import { loadIngestConfig } from './config.ts';
import { loadIngestFiles } from './ingest-files.ts';

const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'info', name: 'kanki-ingest' });
try {
  const config = loadIngestConfig(process.env);
  logger.level = config.LOG_LEVEL;
  const registry = loadRegistryFile(config.KANKI_REGISTRY);
  const files = loadIngestFiles(config, process.env, registry);
  const store = createStoreFromEnv(config, { logger: logger.child({ component: 'store' }) });
  await store.init().catch((err: unknown) => logger.warn({ err }, 'store not ready at start; readings will be spooled until it is'));
  const ingest = await startIngest(config, { logger, registry, store, ...files });
  logger.info({ rooms: registry.rooms.length, store: store.kind, metrics: `http://127.0.0.1:${ingest.httpPort}/metrics` }, 'ingest running');
  onShutdown(logger, async () => {
    await ingest.close();
    await store.close();
  });
} catch (err) {
  exitOnStartupError(logger, err);
}
