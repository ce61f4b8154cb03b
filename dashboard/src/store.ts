/**
 * The dashboard's store: InfluxDB when `INFLUX_URL` is set, otherwise the embedded SQLite file
 * `DATA_DIR/kanki.sqlite` — the same choice the ingest makes (`common/store/store-config.ts`).
 * Created, not initialised: the caller calls `init()` and, on shutdown, `close()`.
 */
import type { Logger } from '../../common/logger.ts';
import type { ReadingStore } from '../../common/store/reading-store.ts';
import { createStore } from '../../common/store/store-config.ts';
import type { DashboardConfig } from './config.ts';

export function createStoreFromConfig(config: DashboardConfig, deps: { logger: Logger }): ReadingStore {
  return createStore(config, { logger: deps.logger.child({ component: 'store' }) });
}
