/**
 * The ingest's alert database: one SQLite file (`DATA_DIR/ingest/alerts.sqlite`) holding alerts
 * and their events, the acknowledgement audit log, the engine state of every room, consumed
 * one-time links and the notification outbox.
 *
 * Why SQLite and not the reading store (DESIGN.md suggested an InfluxDB measurement): this is
 * the ingest's own working state, like its write-ahead log, and it needs what a time-series
 * database does not give — transactions (an event, the room's engine state and its notifications
 * are committed together, so a crash can neither lose an open alert nor notify twice), updates
 * (an alert's status and acknowledgement), and uniqueness (a one-time link is used once, even by
 * two clicks at the same instant). It works the same whichever reading store is configured.
 *
 * Durability: WAL with `synchronous = NORMAL`: a crash of the process loses nothing committed; a
 * power failure may lose the last commits before a WAL checkpoint.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/** Bumped when the tables change; `PRAGMA user_version` records what a file has. */
export const ALERT_SCHEMA_VERSION = 1;

const DDL = `
-- One row per alert (a CO₂ episode or a sensor-offline episode) of one room.
CREATE TABLE IF NOT EXISTS alerts (
  id INTEGER PRIMARY KEY,
  facility TEXT NOT NULL, room TEXT NOT NULL,
  engine_id TEXT NOT NULL,                 -- the engine's id, unique within the room
  kind TEXT NOT NULL,                      -- co2 | sensor
  status TEXT NOT NULL,                    -- open | resolved
  level TEXT NOT NULL,                     -- highest level reached (co2) or nodata (sensor)
  reason TEXT,                             -- sensor: silent | flagged | lwt
  opened_at INTEGER NOT NULL, closed_at INTEGER,
  co2_at_open INTEGER, co2_max INTEGER,
  escalated INTEGER NOT NULL DEFAULT 0,
  ack_action TEXT, ack_by TEXT, ack_at INTEGER,
  UNIQUE (facility, room, engine_id)
);
CREATE INDEX IF NOT EXISTS alerts_open ON alerts (status, facility, room);
CREATE INDEX IF NOT EXISTS alerts_opened ON alerts (opened_at);

-- Every transition of every alert, in order.
CREATE TABLE IF NOT EXISTS alert_events (
  id INTEGER PRIMARY KEY,
  alert_id INTEGER NOT NULL REFERENCES alerts (id),
  type TEXT NOT NULL, level TEXT NOT NULL, co2 INTEGER, at INTEGER NOT NULL,
  reason TEXT, actor TEXT, action TEXT
);
CREATE INDEX IF NOT EXISTS alert_events_alert ON alert_events (alert_id, id);
CREATE INDEX IF NOT EXISTS alert_events_at ON alert_events (at);

-- Who did what to which alert, through which way in, and whether it was accepted.
CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL, actor TEXT NOT NULL, via TEXT NOT NULL,
  action TEXT NOT NULL, alert_id INTEGER, facility TEXT, room TEXT,
  outcome TEXT NOT NULL, detail TEXT
);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at);

-- The alert engine's state of each room (JSON from serializeState).
CREATE TABLE IF NOT EXISTS room_engine_state (
  facility TEXT NOT NULL, room TEXT NOT NULL, state TEXT NOT NULL, saved_at INTEGER NOT NULL,
  PRIMARY KEY (facility, room)
) WITHOUT ROWID;

-- One-time links already used (the nonce is the primary key: a second use fails to insert).
CREATE TABLE IF NOT EXISTS used_links (
  nonce TEXT PRIMARY KEY, used_at INTEGER NOT NULL, alert_id INTEGER, recipient TEXT
) WITHOUT ROWID;

-- Notifications to deliver, delivered, held or given up.
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY,
  recipient TEXT NOT NULL, channel TEXT NOT NULL,
  kind TEXT NOT NULL,                      -- alert | digest
  event_id INTEGER, alert_id INTEGER, facility TEXT, room TEXT, severity TEXT,
  status TEXT NOT NULL,                    -- pending | held | sent | failed | dropped | suppressed
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL, created_at INTEGER NOT NULL, done_at INTEGER,
  last_error TEXT,
  notice TEXT NOT NULL                     -- the Notice JSON (links included)
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (status, channel, next_at);
CREATE INDEX IF NOT EXISTS outbox_recipient ON outbox (recipient, done_at);

-- Daily digests already sent (recipient, local date).
CREATE TABLE IF NOT EXISTS digests_sent (
  recipient TEXT NOT NULL, day TEXT NOT NULL, PRIMARY KEY (recipient, day)
) WITHOUT ROWID;
`;

/** Opens (creating if needed) the alert database. */
export function openAlertDb(file: string): Database.Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file, { timeout: 5000 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > ALERT_SCHEMA_VERSION) {
    db.close();
    throw new Error(`alert database ${file} has schema version ${version}, newer than this program (${ALERT_SCHEMA_VERSION})`);
  }
  db.exec(DDL);
  db.pragma(`user_version = ${ALERT_SCHEMA_VERSION}`);
  return db;
}
