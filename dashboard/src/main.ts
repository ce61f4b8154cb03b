/**
 * Entry point of the dashboard when run on its own (`npm run dashboard`): the only place that reads
 * `process.env`, handles signals and exits. A bad configuration or registry stops it with every
 * problem listed (exit code 2): a dashboard over a half-understood registry would show wrong rooms.
 */
import { createLogger } from '../../common/logger.ts';
import { loadRegistryFile } from '../../common/registry.ts';
import { exitOnStartupError, onShutdown } from '../../common/shutdown.ts';
import { startDashboard } from './app.ts';
import { loadDashboardConfig } from './config.ts';
import { resolveStaffConsole } from './staff/staff-console-config.ts';
import { createStoreFromConfig } from './store.ts';

const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'info', name: 'kanki-dashboard' });
try {
  const config = loadDashboardConfig(process.env);
  logger.level = config.logLevel;
  const registry = loadRegistryFile(config.registryFile);
  const store = createStoreFromConfig(config, { logger: logger.child({ component: 'store' }) });
  // A store that is down at start is not fatal: /healthz says 503 and pages say "no data" until it answers.
  await store.init().catch((err: unknown) => logger.warn({ err }, 'store not ready at start'));
  logger.info({ file: config.registryFile, facilities: registry.facilities.length, rooms: registry.rooms.length, store: store.kind }, 'registry loaded');
  const staffConsole = resolveStaffConsole(config, { registry, logger });
  const dashboard = await startDashboard(config, { registry, store, logger, staffConsole });
  // The one line a person starting it by hand looks for; on stderr so stdout stays pure NDJSON.
  process.stderr.write(`Kanki dashboard: ${dashboard.url}\n`);
  onShutdown(logger, async () => {
    await dashboard.close();
    await store.close();
  });
} catch (err) {
  exitOnStartupError(logger, err);
}
