/**
 * The embedded `ReadingStore`: one SQLite file (better-sqlite3), used when no InfluxDB is
 * configured. It keeps the same data as the InfluxDB store — raw readings, per-minute and
 * per-hour rollups of `ok` readings — and is meant for real use by a ward or a single facility:
 * durable across restarts, idempotent writes, bounded growth by retention.
 *
 * Durability: WAL with `synchronous = NORMAL` survives a crash of the process (committed
 * transactions are in the WAL file); on power loss the last transactions before the next WAL
 * checkpoint may be lost, the usual SQLite trade for an fsync-free commit.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { HistoryPoint, Reading, RoomLatest } from '../reading.ts';
import { DEFAULT_RETENTION, type ReadingStore, type RetentionConfig } from './reading-store.ts';
import { migrate, prepareStatements, type SqliteStatements } from './sqlite-schema.ts';
import { assertStorable, closedStoreError, STORE_ERROR_CODES } from './store-errors.ts';

/** Options of `createSqliteStore`. */
export type SqliteStoreOptions = {
  /** Path of the database file; its directory is created if missing. */
  file: string;
  /** How long raw readings and rollups are kept (0 = forever). Default `DEFAULT_RETENTION`. */
  retention?: RetentionConfig;
  /** How often expired rows are deleted, ms. Default 10 minutes; pruning also runs in `init()`. */
  pruneIntervalMs?: number;
};

/** Collaborators: a logger, and the clock that decides what has expired. */
export type SqliteStoreDeps = { logger: Logger; now?: () => number };

const MINUTE = 60_000;
/** Readings per SQLite transaction within one `write` (see `write`). */
const WRITE_CHUNK = 250;
const HOUR = 3_600_000;

type Connection = { db: Database.Database; st: SqliteStatements; writeTx: (readings: readonly Reading[]) => number };

/** A rollup bucket of one room (all its sensors are recomputed together). */
type Key = { facility: string; room: string; bucket: number };

/** SQLite result codes where trying again later can succeed (lock contention, I/O trouble, full disk). */
const RETRYABLE = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|PROTOCOL)/;
/** Codes meaning the file itself is unusable; an operator has to act. */
const UNUSABLE = /^SQLITE_(CANTOPEN|NOTADB|READONLY|PERM|CORRUPT|AUTH)/;

function toStoreError(err: unknown, what: string, file: string): StoreError {
  if (err instanceof StoreError) return err;
  const e = err as { code?: string; message?: string };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = `SQLite store ${what} failed (${file}): ${e.message ?? String(err)}${code ? ` [${code}]` : ''}`;
  if (RETRYABLE.test(code)) return new StoreError(STORE_ERROR_CODES.unavailable, message, { retryable: true, cause: err });
  if (UNUSABLE.test(code)) return new StoreError(STORE_ERROR_CODES.open, message, { retryable: false, cause: err });
  return new StoreError(STORE_ERROR_CODES.rejected, message, { retryable: false, cause: err });
}

function finite(v: number | undefined): number | null {
  return v !== undefined && Number.isFinite(v) ? v : null;
}

/** Creates the store; the file is opened (and created) by `init()` or the first call that needs it. */
export function createSqliteStore(options: SqliteStoreOptions, deps: SqliteStoreDeps): ReadingStore {
  const retention = options.retention ?? DEFAULT_RETENTION;
  const now = deps.now ?? Date.now;
  const logger = deps.logger.child({ store: 'sqlite' });
  const file = options.file;
  let conn: Connection | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  function open(): Connection {
    if (closed) throw closedStoreError('sqlite');
    if (conn) return conn;
    let opened: Database.Database | undefined;
    let st: SqliteStatements;
    try {
      if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
      // timeout = busy_timeout: wait for another process's write lock instead of failing at once.
      opened = new Database(file, { timeout: 5000 });
      opened.pragma('journal_mode = WAL');
      opened.pragma('synchronous = NORMAL');
      migrate(opened);
      st = prepareStatements(opened);
    } catch (err) {
      opened?.close();
      const e = err as { code?: string; message?: string };
      throw new StoreError(STORE_ERROR_CODES.open, `cannot open SQLite store at ${file}: ${e.message ?? String(err)}${e.code ? ` [${e.code}]` : ''}`, {
        retryable: RETRYABLE.test(e.code ?? ''),
        cause: err,
      });
    }
    const db = opened;
    conn = { db, st, writeTx: db.transaction((readings: readonly Reading[]) => writeBatch(st, readings)) };
    timer = setInterval(() => prune(), options.pruneIntervalMs ?? 10 * MINUTE);
    timer.unref();
    logger.info({ file }, 'SQLite store open');
    return conn;
  }

  /** Runs inside one transaction: raw upserts, then exactly the touched rollup buckets, then latest. */
  function writeBatch(s: SqliteStatements, readings: readonly Reading[]): number {
    const t = now();
    // Data past raw retention would be pruned at once, and recomputing its buckets from what is
    // left would replace complete rollups with partial ones; InfluxDB drops such points too.
    const rawFloor = retention.raw > 0 ? t - retention.raw : -Infinity;
    const minuteFloor = retention.minute > 0 ? t - retention.minute : -Infinity;
    const minutes = new Map<string, Key>();
    const rooms = new Map<string, Reading | null>();
    let skipped = 0;
    for (const r of readings) {
      const time = Math.round(r.time);
      if (time < rawFloor) {
        skipped++;
        continue;
      }
      const ok = r.quality === 'ok';
      s.upsertRaw.run({
        facility: r.facility, room: r.room, sensor: r.sensor, time, co2: Math.round(r.co2),
        temperature: finite(r.temperature), humidity: finite(r.humidity), quality: r.quality,
      });
      const bucket = Math.floor(time / MINUTE) * MINUTE;
      minutes.set(JSON.stringify([r.facility, r.room, bucket]), { facility: r.facility, room: r.room, bucket });
      const roomKey = JSON.stringify([r.facility, r.room]);
      const best = rooms.get(roomKey);
      if (ok && (!best || time >= Math.round(best.time))) rooms.set(roomKey, r);
      else if (best === undefined) rooms.set(roomKey, null);
    }
    const hours = new Map<string, Key>();
    for (const k of minutes.values()) {
      s.deleteMinute.run(k);
      s.insertMinute.run(k);
      const bucket = Math.floor(k.bucket / HOUR) * HOUR;
      if (bucket >= minuteFloor) hours.set(JSON.stringify([k.facility, k.room, bucket]), { ...k, bucket });
    }
    for (const k of hours.values()) {
      s.deleteHour.run(k);
      s.insertHour.run(k);
    }
    for (const [key, r] of rooms) {
      if (r) {
        s.upsertLatest.run({
          facility: r.facility, room: r.room, time: Math.round(r.time), co2: Math.round(r.co2),
          temperature: finite(r.temperature), humidity: finite(r.humidity),
        });
      } else {
        const [facility, room] = JSON.parse(key) as [string, string];
        s.registerRoom.run(facility, room);
      }
    }
    return skipped;
  }

  /** Deletes rows past their retention. Errors are logged: pruning is retried on the next tick. */
  function prune(): void {
    if (closed || !conn) return;
    const { db, st: s } = conn;
    const t = now();
    try {
      const started = Date.now();
      let deleted = 0;
      db.transaction(() => {
        for (const { facility, room } of s.rooms.all() as { facility: string; room: string }[]) {
          if (retention.raw > 0) deleted += s.pruneRaw.run(facility, room, t - retention.raw).changes;
          if (retention.minute > 0) deleted += s.pruneMinute.run(facility, room, t - retention.minute).changes;
          if (retention.hour > 0) deleted += s.pruneHour.run(facility, room, t - retention.hour).changes;
        }
        if (retention.raw > 0) s.forgetLatest.run(t - retention.raw);
      })();
      if (deleted > 0) logger.info({ deleted, ms: Date.now() - started }, 'pruned expired rows');
    } catch (err) {
      logger.warn({ err: toStoreError(err, 'prune', file) }, 'pruning failed; will retry');
    }
  }

  return {
    kind: 'sqlite',

    async init() {
      open();
      prune();
    },

    async write(readings) {
      open();
      if (readings.length === 0) return;
      assertStorable(readings);
      // SQLite runs on the caller's thread: one transaction of 5000 readings (with their rollups)
      // holds the event loop for ~80 ms, and everything else the process does — acknowledging
      // MQTT messages, raising alerts — waits behind it. Chunks of WRITE_CHUNK with a turn of the
      // event loop in between keep each pause short; writes are idempotent, so a failure after
      // some chunks is repaired by the writer's retry of the whole batch.
      let skipped = 0;
      for (let i = 0; i < readings.length; i += WRITE_CHUNK) {
        if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
        try {
          skipped += open().writeTx(i === 0 && readings.length <= WRITE_CHUNK ? readings : readings.slice(i, i + WRITE_CHUNK));
        } catch (err) {
          throw toStoreError(err, 'write', file);
        }
      }
      if (skipped > 0) logger.warn({ skipped }, 'readings older than raw retention were not stored');
    },

    async latest(maxAgeMs) {
      const s = open().st;
      try {
        const rows = s.latest.all(Math.floor(now() - maxAgeMs)) as RoomLatest[];
        return rows.sort((a, b) => (a.facility === b.facility ? (a.room < b.room ? -1 : 1) : a.facility < b.facility ? -1 : 1));
      } catch (err) {
        throw toStoreError(err, 'latest', file);
      }
    },

    async history(q) {
      const s = open().st;
      const stmt = q.resolution === 'raw' ? s.historyRaw : q.resolution === '1m' ? s.history1m : s.history1h;
      try {
        return stmt.all(q.facility, q.room, q.from, q.to) as HistoryPoint[];
      } catch (err) {
        throw toStoreError(err, 'history', file);
      }
    },

    async ping() {
      if (closed) return false;
      try {
        open();
        return true;
      } catch {
        return false;
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      try {
        conn?.db.close();
      } catch (err) {
        logger.warn({ err }, 'closing SQLite store failed');
      }
      conn = undefined;
    },
  };
}
