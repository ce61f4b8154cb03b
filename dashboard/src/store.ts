/**
 * Picks the dashboard's store from its configuration: InfluxDB when `INFLUX_URL` is set, otherwise
 * the embedded SQLite file `DATA_DIR/kanki.sqlite`. The store is created, not initialised: the
 * caller (main.ts) calls `init()` and, on shutdown, `close()`.
 */
import type { Logger } from 'pino';
import { createInfluxStore } from '../../common/store/influx-store.ts';
import type { ReadingStore } from '../../common/store/reading-store.ts';
import { createSqliteStore } from '../../common/store/sqlite-store.ts';
import type { DashboardConfig } from './config.ts';

/** The store the configuration asks for. */
export function createStoreFromConfig(config: DashboardConfig, deps: { logger: Logger }): ReadingStore {
  const logger = deps.logger.child({ component: 'store' });
  if (config.influxUrl) {
    return createInfluxStore(
      {
        url: config.influxUrl,
        database: config.influxDb,
        username: config.influxUser,
        password: config.influxPassword,
        token: config.influxToken,
        retention: config.retention,
        manageSchema: config.influxManageSchema,
        rollups: config.influxRollups,
      },
      { logger },
    );
  }
  return createSqliteStore({ file: config.sqliteFile, retention: config.retention }, { logger });
}
