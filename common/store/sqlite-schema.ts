/**
 * Tables and prepared statements of the embedded SQLite store. Primary keys start with
 * (facility, room, time) so a room's history is one ordered index range, and they include the
 * sensor so the same (sensor, time) overwrites: the store is idempotent by construction, like
 * InfluxDB's series + time.
 */
import type { Database, Statement } from 'better-sqlite3';

/** Bumped when the tables change; `PRAGMA user_version` records what a file has. */
export const SCHEMA_VERSION = 1;

const ROLLUP_COLUMNS = `
  facility TEXT NOT NULL, room TEXT NOT NULL, bucket INTEGER NOT NULL, sensor TEXT NOT NULL,
  co2 REAL NOT NULL, co2_max INTEGER NOT NULL, temperature REAL, humidity REAL,
  samples INTEGER NOT NULL,
  -- how many readings had a temperature / humidity: the weights for exact hourly means
  temperature_samples INTEGER NOT NULL, humidity_samples INTEGER NOT NULL,
  PRIMARY KEY (facility, room, bucket, sensor)`;

const DDL = `
CREATE TABLE IF NOT EXISTS readings (
  facility TEXT NOT NULL, room TEXT NOT NULL, time INTEGER NOT NULL, sensor TEXT NOT NULL,
  co2 INTEGER NOT NULL, temperature REAL, humidity REAL, quality TEXT NOT NULL,
  PRIMARY KEY (facility, room, time, sensor)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rollup_1m (${ROLLUP_COLUMNS}) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rollup_1h (${ROLLUP_COLUMNS}) WITHOUT ROWID;
-- One row per room ever written (time NULL until it has an ok reading): serves latest() and
-- lets pruning walk rooms by primary key instead of keeping a second index on time.
CREATE TABLE IF NOT EXISTS room_latest (
  facility TEXT NOT NULL, room TEXT NOT NULL, time INTEGER, co2 INTEGER, temperature REAL, humidity REAL,
  PRIMARY KEY (facility, room)
) WITHOUT ROWID;
`;

/** Creates the tables if needed. */
export function migrate(db: Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) throw new Error(`database schema version ${version} is newer than this program (${SCHEMA_VERSION})`);
  db.exec(DDL);
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
}

/** Every statement the store runs, prepared once per open database. */
export type SqliteStatements = ReturnType<typeof prepareStatements>;

/** Prepares every statement of the store on an open, migrated database. */
export function prepareStatements(db: Database) {
  // Buckets are recomputed per room (all its sensors in one scan): the primary key orders rows by
  // (room, time), so a per-sensor recompute would scan the same room rows once per sensor.
  const rollupSelectFromRaw = `
    SELECT @facility, @room, @bucket, sensor, avg(co2), max(co2), avg(temperature), avg(humidity),
           count(*), count(temperature), count(humidity)
    FROM readings
    WHERE facility = @facility AND room = @room AND time >= @bucket AND time < @bucket + 60000 AND quality = 'ok'
    GROUP BY sensor`;
  // Hourly from minutely, weighted by samples, equals the mean over the hour's raw readings.
  const rollupSelectFromMinutes = `
    SELECT @facility, @room, @bucket, sensor, sum(co2 * samples) / sum(samples), max(co2_max),
           sum(temperature * temperature_samples) / nullif(sum(temperature_samples), 0),
           sum(humidity * humidity_samples) / nullif(sum(humidity_samples), 0),
           sum(samples), sum(temperature_samples), sum(humidity_samples)
    FROM rollup_1m
    WHERE facility = @facility AND room = @room AND bucket >= @bucket AND bucket < @bucket + 3600000
    GROUP BY sensor`;
  const insertRollup = (table: string) =>
    `INSERT INTO ${table} (facility, room, bucket, sensor, co2, co2_max, temperature, humidity, samples, temperature_samples, humidity_samples)`;
  const historyRollup = (table: string): Statement =>
    db.prepare(`
      SELECT bucket AS time, avg(co2) AS co2, avg(temperature) AS temperature, avg(humidity) AS humidity
      FROM ${table} WHERE facility = ? AND room = ? AND bucket >= ? AND bucket < ?
      GROUP BY bucket ORDER BY bucket`);
  return {
    upsertRaw: db.prepare(`
      INSERT INTO readings (facility, room, time, sensor, co2, temperature, humidity, quality)
      VALUES (@facility, @room, @time, @sensor, @co2, @temperature, @humidity, @quality)
      ON CONFLICT (facility, room, time, sensor) DO UPDATE SET
        co2 = excluded.co2, temperature = excluded.temperature, humidity = excluded.humidity, quality = excluded.quality`),
    // A bucket is recomputed by deleting and re-inserting it, so a bucket that no longer has any
    // ok reading (a reading re-sent with a flag) disappears instead of going stale.
    deleteMinute: db.prepare('DELETE FROM rollup_1m WHERE facility = @facility AND room = @room AND bucket = @bucket'),
    insertMinute: db.prepare(`${insertRollup('rollup_1m')} ${rollupSelectFromRaw}`),
    deleteHour: db.prepare('DELETE FROM rollup_1h WHERE facility = @facility AND room = @room AND bucket = @bucket'),
    insertHour: db.prepare(`${insertRollup('rollup_1h')} ${rollupSelectFromMinutes}`),
    upsertLatest: db.prepare(`
      INSERT INTO room_latest (facility, room, time, co2, temperature, humidity)
      VALUES (@facility, @room, @time, @co2, @temperature, @humidity)
      ON CONFLICT (facility, room) DO UPDATE SET
        time = excluded.time, co2 = excluded.co2, temperature = excluded.temperature, humidity = excluded.humidity
      WHERE room_latest.time IS NULL OR excluded.time >= room_latest.time`),
    registerRoom: db.prepare('INSERT OR IGNORE INTO room_latest (facility, room) VALUES (?, ?)'),
    latest: db.prepare('SELECT facility, room, time, co2, temperature, humidity FROM room_latest WHERE time > ?'),
    historyRaw: db.prepare(`
      SELECT time, co2, temperature, humidity FROM readings
      WHERE facility = ? AND room = ? AND time >= ? AND time < ? ORDER BY time, sensor`),
    history1m: historyRollup('rollup_1m'),
    history1h: historyRollup('rollup_1h'),
    rooms: db.prepare('SELECT facility, room FROM room_latest'),
    pruneRaw: db.prepare('DELETE FROM readings WHERE facility = ? AND room = ? AND time < ?'),
    pruneMinute: db.prepare('DELETE FROM rollup_1m WHERE facility = ? AND room = ? AND bucket < ?'),
    pruneHour: db.prepare('DELETE FROM rollup_1h WHERE facility = ? AND room = ? AND bucket < ?'),
    forgetLatest: db.prepare('UPDATE room_latest SET time = NULL, co2 = NULL, temperature = NULL, humidity = NULL WHERE time < ?'),
  };
}
