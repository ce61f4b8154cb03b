/**
 * Entry point of the dashboard when run on its own (`npm run dashboard`): the only place that reads
 * `process.env`, handles signals and exits.
 */
import { KankiError, RegistryError } from '../../common/errors.ts';
import { createLogger } from '../../common/logger.ts';
import { loadRegistryFile } from '../../common/registry.ts';
import { startDashboard } from './app.ts';
import { loadDashboardConfig } from './config.ts';
import { createStoreFromConfig } from './store.ts';

/** Shutdown must not hang forever on a stuck socket or store: exit anyway after this. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadDashboardConfig(process.env);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  const logger = createLogger({ level: config.logLevel, name: 'kanki-dashboard' });

  let registry;
  try {
    registry = loadRegistryFile(config.registryFile);
  } catch (err) {
    // Refuse to start: a dashboard over a half-understood registry would show wrong rooms as "no data".
    if (err instanceof RegistryError) logger.fatal({ file: config.registryFile, problems: err.problems }, err.message);
    else logger.fatal({ err }, 'cannot load the registry');
    process.exit(2);
  }

  const store = createStoreFromConfig(config, { logger });
  await store.init();
  logger.info({ file: config.registryFile, facilities: registry.facilities.length, rooms: registry.rooms.length, store: store.kind }, 'registry loaded');
  const dashboard = await startDashboard(config, { registry, store, logger });
  // The one line a person starting it by hand looks for. On stderr, so stdout stays pure NDJSON for
  // log collectors; the "dashboard listening" log line carries the URL too.
  process.stderr.write(`Kanki dashboard: ${dashboard.url}\n`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('shutdown timed out; exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    // Stop taking requests first, then close the store they were reading from.
    dashboard
      .close()
      .then(() => store.close())
      .then(() => {
        logger.info('stopped');
        process.exit(0);
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'error while shutting down');
        process.exit(1);
      });
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err instanceof KankiError ? `${err.code}: ${err.message}` : err);
  process.exit(1);
});
