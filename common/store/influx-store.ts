/**
 * `ReadingStore` on InfluxDB: 1.x natively (database, retention policies and continuous queries
 * managed here), 2.x/3.x through their v1-compatible `/write` and `/query` endpoints with a token
 * (`manageSchema: false`, `rollups: 'query'`). Writes are line protocol POSTed directly, which
 * is what makes one ingest process fast enough for a city.
 */
import { StoreError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { HistoryPoint, RoomLatest } from '../reading.ts';
import type { HistoryQuery, ReadingStore, RetentionConfig } from './reading-store.ts';
import { createInfluxHttp, type InfluxStatementResult } from './influx-http.ts';
import { encodeReadings, quoteIdent, quoteString, storedTagValue } from './line-protocol.ts';
import { createBackfiller } from './influx-backfill.ts';
import { ensureInfluxSchema, RAW_RP, rawSource, ROLLUPS } from './influx-schema.ts';
import { assertStorable, closedStoreError, STORE_ERROR_CODES } from './store-errors.ts';

/** Options of `createInfluxStore`. */
export type InfluxStoreOptions = {
  /** Base URL, e.g. `http://127.0.0.1:8086`. Credentials in the URL are accepted and moved to a header. */
  url: string;
  /** Database (1.x) or v1-mapped database (2.x/3.x). Default `kanki`. */
  database?: string;
  /** 1.x user (sent as HTTP Basic auth). */
  username?: string;
  /** 1.x password. Never logged, never in an error message. */
  password?: string;
  /** 2.x/3.x API token, sent as `Authorization: Token …`. Never logged, never in an error message. */
  token?: string;
  /** How long raw readings and rollups are kept (InfluxDB's minimum is 1 h; 0 = forever for hours). */
  retention: RetentionConfig;
  /**
   * Create the database, retention policies and CQs in `init()` (default true). Set false for
   * 2.x/3.x, where the operator maps the database: raw data is then written to and read from the
   * database's default retention policy.
   */
  manageSchema?: boolean;
  /**
   * `cq` (default): per-minute/hour rollups written by continuous queries (InfluxDB 1.x) plus an
   * explicit backfill for late data. `query`: computed from raw data at query time (servers without
   * CQs); rollup history then reaches back only as far as raw retention.
   */
  rollups?: 'cq' | 'query';
  /** Per-request timeout, ms. Default 10000. */
  timeoutMs?: number;
};

/** Collaborators: a logger, and the clock used for `latest()` windows and backfill decisions. */
export type InfluxStoreDeps = { logger: Logger; now?: () => number };

type Row = Record<string, unknown>;

function rowsOf(result: InfluxStatementResult | undefined): { tags: Record<string, string>; row: Row }[] {
  // No database yet (nothing written, or the dashboard started before the ingest) means no data.
  if (result?.error?.startsWith('database not found')) return [];
  if (result?.error) throw new StoreError(STORE_ERROR_CODES.rejected, `InfluxDB query failed: ${result.error}`, { retryable: false });
  const out: { tags: Record<string, string>; row: Row }[] = [];
  for (const s of result?.series ?? []) {
    for (const v of s.values) out.push({ tags: s.tags ?? {}, row: Object.fromEntries(s.columns.map((c, i) => [c, v[i]])) });
  }
  return out;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

const BEYOND_RETENTION = /partial write: points beyond retention policy dropped=(\d+)$/;

/** Creates the store; nothing touches the network until `init()`, `write()` or a query. */
export function createInfluxStore(options: InfluxStoreOptions, deps: InfluxStoreDeps): ReadingStore {
  const db = options.database ?? 'kanki';
  const manageSchema = options.manageSchema ?? true;
  const rollups = options.rollups ?? 'cq';
  const now = deps.now ?? Date.now;
  const logger = deps.logger.child({ store: 'influxdb' });
  const http = createInfluxHttp({ url: options.url, username: options.username, password: options.password, token: options.token, timeoutMs: options.timeoutMs ?? 10_000 });
  const raw = rawSource(db, manageSchema);
  // Only when we own the CQs do we know what they cover, and only then is there anything to backfill.
  const backfiller = rollups === 'cq' && manageSchema ? createBackfiller({ http, db, logger, now, rawRetentionMs: options.retention.raw }) : undefined;
  let closed = false;

  function assertOpen(): void {
    if (closed) throw closedStoreError('influxdb');
  }

  async function init(): Promise<void> {
    assertOpen();
    if (manageSchema) {
      await ensureInfluxSchema(http, { db, retention: options.retention, rollups, logger });
    } else if (!(await http.ping())) {
      throw new StoreError(STORE_ERROR_CODES.unavailable, `InfluxDB at ${new URL(options.url).origin} does not answer /ping`, { retryable: true });
    }
  }

  /** One raw write; points older than raw retention are dropped by the server by design, not an error. */
  async function writeRaw(body: string): Promise<void> {
    try {
      await http.write(body, { db, rp: manageSchema ? RAW_RP : undefined });
    } catch (err) {
      const dropped = err instanceof StoreError && err.code === STORE_ERROR_CODES.rejected ? BEYOND_RETENTION.exec(err.message) : null;
      if (!dropped) throw err;
      logger.warn({ dropped: Number(dropped[1]) }, 'InfluxDB dropped readings older than raw retention');
    }
  }

  function roomWhere(q: HistoryQuery, fromMs: number, toMs: number): string {
    // InfluxQL wants whole ms; rounding both bounds up keeps [from, to) meaning the same.
    const [from, to] = [Math.ceil(fromMs), Math.ceil(toMs)];
    return `"facility" = ${quoteString(storedTagValue(q.facility))} AND "room" = ${quoteString(storedTagValue(q.room))} AND time >= ${from}ms AND time < ${to}ms`;
  }

  function rollupQuery(q: HistoryQuery): string | null {
    const spec = ROLLUPS[q.resolution as '1m' | '1h'];
    const means = 'mean("co2") AS "co2", mean("temperature") AS "temperature", mean("humidity") AS "humidity"';
    if (rollups === 'cq') {
      const source = `${quoteIdent(db)}.${quoteIdent(spec.rp)}.${quoteIdent(spec.measurement)}`;
      return `SELECT ${means} FROM ${source} WHERE ${roomWhere(q, q.from, q.to)} GROUP BY time(${spec.resolution}) fill(none)`;
    }
    // Same meaning as the stored rollups: buckets whose start lies in [from, to), each a mean of
    // per-sensor means, so every sensor of the room weighs the same whatever its sampling rate.
    const from = Math.ceil(q.from / spec.bucketMs) * spec.bucketMs;
    const to = Math.ceil(q.to / spec.bucketMs) * spec.bucketMs;
    if (from >= to) return null;
    const inner = `SELECT ${means} FROM ${raw} WHERE ${roomWhere(q, from, to)} AND "quality" = 'ok' GROUP BY time(${spec.resolution}), "sensor" fill(none)`;
    return `SELECT ${means} FROM (${inner}) WHERE time >= ${from}ms AND time < ${to}ms GROUP BY time(${spec.resolution}) fill(none)`;
  }

  return {
    kind: 'influxdb',
    init,

    async write(readings) {
      assertOpen();
      if (readings.length === 0) return;
      assertStorable(readings);
      const body = encodeReadings(readings);
      try {
        await writeRaw(body);
      } catch (err) {
        if (!(err instanceof StoreError && err.code === STORE_ERROR_CODES.notFound && manageSchema)) throw err;
        // The database was dropped under us (or never created): recreate it, then write once more.
        logger.warn({ database: db }, 'InfluxDB database missing; re-creating it');
        try {
          await init();
        } catch (initErr) {
          throw new StoreError(STORE_ERROR_CODES.notFound, `InfluxDB database "${db}" missing and re-creating it failed`, { retryable: true, cause: initErr });
        }
        await writeRaw(body);
      }
      backfiller?.add(readings);
    },

    async latest(maxAgeMs) {
      assertOpen();
      const since = Math.floor(now() - maxAgeMs);
      // last() is a selector: the other fields come from the same point (checked on 1.6.7).
      const q =
        `SELECT last("co2") AS "co2", "temperature", "humidity" FROM ${raw} ` +
        `WHERE "quality" = 'ok' AND time > ${since}ms GROUP BY "facility", "room"`;
      const [result] = await http.query(q, db);
      const out: RoomLatest[] = [];
      for (const { tags, row } of rowsOf(result)) {
        const co2 = num(row.co2);
        const time = num(row.time);
        if (co2 === null || time === null || tags.facility === undefined || tags.room === undefined) continue;
        out.push({ facility: tags.facility, room: tags.room, time, co2, temperature: num(row.temperature), humidity: num(row.humidity) });
      }
      return out.sort((a, b) => (a.facility === b.facility ? (a.room < b.room ? -1 : 1) : a.facility < b.facility ? -1 : 1));
    },

    async history(q) {
      assertOpen();
      if (q.resolution !== 'raw') await backfiller?.flush(q.resolution);
      const text = q.resolution === 'raw' ? `SELECT "co2", "temperature", "humidity" FROM ${raw} WHERE ${roomWhere(q, q.from, q.to)} ORDER BY time ASC` : rollupQuery(q);
      if (text === null) return [];
      const [result] = await http.query(text, db);
      const out: HistoryPoint[] = [];
      for (const { row } of rowsOf(result)) {
        const time = num(row.time);
        if (time !== null) out.push({ time, co2: num(row.co2), temperature: num(row.temperature), humidity: num(row.humidity) });
      }
      return out;
    },

    async ping() {
      return !closed && (await http.ping());
    },

    async close() {
      if (closed) return;
      closed = true;
      await backfiller?.close();
      http.close();
    },
  };
}
