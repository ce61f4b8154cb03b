/**
 * Store selection from the environment, shared by the ingest and the dashboard: `INFLUX_URL` set →
 * InfluxDB (1.x natively; 2.x/3.x through their v1-compatible endpoints), unset → the embedded
 * SQLite store under `DATA_DIR`.
 */
import { join } from 'node:path';
import { z } from 'zod';
import type { Logger } from '../logger.ts';
import { createInfluxStore } from './influx-store.ts';
import { DEFAULT_RETENTION, type ReadingStore, type RetentionConfig } from './reading-store.ts';
import { createSqliteStore } from './sqlite-store.ts';

const DAY = 24 * 3600_000;

/** Environment variables of the store (merged into each deployable's config schema). */
export const StoreEnvSchema = z.object({
  DATA_DIR: z.string().default('./data').describe('Directory for the embedded store, the ingest spool and rejected messages'),
  INFLUX_URL: z.url({ protocol: /^https?$/ }).optional().describe('InfluxDB base URL (e.g. http://127.0.0.1:8086); unset = embedded SQLite store'),
  INFLUX_DB: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "_" and "-"').default('kanki').describe('InfluxDB database (1.x) or v1-mapped database (2.x/3.x)'),
  INFLUX_USER: z.string().optional().describe('InfluxDB 1.x user'),
  INFLUX_PASSWORD: z.string().optional().describe('InfluxDB 1.x password (never logged)'),
  INFLUX_TOKEN: z.string().optional().describe('InfluxDB 2.x/3.x API token, sent as "Authorization: Token …" (never logged)'),
  INFLUX_MANAGE_SCHEMA: z.enum(['true', 'false']).default('true').transform((v) => v === 'true')
    .describe('Create the database, retention policies and continuous queries (false for 2.x/3.x, where the operator maps the database)'),
  INFLUX_ROLLUPS: z.enum(['cq', 'query']).default('cq')
    .describe('cq = per-minute/hour rollups by continuous queries (1.x); query = computed at query time (2.x/3.x)'),
  RETENTION_RAW_DAYS: z.coerce.number().positive().max(3650).default(DEFAULT_RETENTION.raw / DAY).describe('Days raw readings are kept'),
  RETENTION_MINUTE_DAYS: z.coerce.number().positive().max(36500).default(DEFAULT_RETENTION.minute / DAY).describe('Days per-minute rollups are kept'),
  RETENTION_HOUR_DAYS: z.coerce.number().min(0).max(36500).default(0).describe('Days per-hour rollups are kept (0 = forever)'),
});
export type StoreEnv = z.output<typeof StoreEnvSchema>;

export function retentionFromEnv(env: StoreEnv): RetentionConfig {
  return { raw: env.RETENTION_RAW_DAYS * DAY, minute: env.RETENTION_MINUTE_DAYS * DAY, hour: env.RETENTION_HOUR_DAYS * DAY };
}

/** What picks and configures the store; the dashboard's parsed config has these very fields. */
export type StoreSettings = {
  influxUrl?: string;
  influxDb: string;
  influxUser?: string;
  influxPassword?: string;
  influxToken?: string;
  influxManageSchema: boolean;
  influxRollups: 'cq' | 'query';
  sqliteFile: string;
  retention: RetentionConfig;
};

export function storeSettingsFromEnv(env: StoreEnv): StoreSettings {
  return {
    influxUrl: env.INFLUX_URL, influxDb: env.INFLUX_DB, influxUser: env.INFLUX_USER, influxPassword: env.INFLUX_PASSWORD,
    influxToken: env.INFLUX_TOKEN, influxManageSchema: env.INFLUX_MANAGE_SCHEMA, influxRollups: env.INFLUX_ROLLUPS,
    sqliteFile: join(env.DATA_DIR, 'kanki.sqlite'), retention: retentionFromEnv(env),
  };
}

/** Creates (but does not init) the store the settings ask for: InfluxDB when `influxUrl` is set, else SQLite. */
export function createStore(s: StoreSettings, deps: { logger: Logger }): ReadingStore {
  if (s.influxUrl) {
    return createInfluxStore(
      {
        url: s.influxUrl, database: s.influxDb, username: s.influxUser, password: s.influxPassword, token: s.influxToken,
        retention: s.retention, manageSchema: s.influxManageSchema, rollups: s.influxRollups,
      },
      deps,
    );
  }
  return createSqliteStore({ file: s.sqliteFile, retention: s.retention }, deps);
}

/** Creates (but does not init) the store the environment asks for. */
export function createStoreFromEnv(env: StoreEnv, deps: { logger: Logger }): ReadingStore {
  return createStore(storeSettingsFromEnv(env), deps);
}
