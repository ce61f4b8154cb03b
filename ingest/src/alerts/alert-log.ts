/**
 * Alerts, their events, the acknowledgement audit log, the engine state of each room and the used
 * one-time links, in the alert database (see `alert-db.ts` for why SQLite). Synchronous, like
 * better-sqlite3: an alert event is rare (transitions only), and a commit costs tens of
 * microseconds, so recording in line keeps "published" and "stored" in the same order.
 */
import type Database from 'better-sqlite3';
import type { Level } from '../../../common/levels.ts';
import type { AckAction } from '../notify/notifier.ts';
import type { AlertEvent } from './engine.ts';

/** An alert as staff see it. */
export type AlertRecord = {
  id: number;
  facility: string;
  room: string;
  kind: 'co2' | 'sensor';
  status: 'open' | 'resolved';
  /** Highest level reached (`nodata` for a sensor alert). */
  level: Level;
  reason: string | null;
  openedAt: number;
  closedAt: number | null;
  co2AtOpen: number | null;
  co2Max: number | null;
  escalated: boolean;
  ack: { action: AckAction; by: string; at: number } | null;
};

export type AlertEventRecord = {
  id: number;
  alertId: number;
  type: AlertEvent['type'];
  level: Level;
  co2: number | null;
  at: number;
  reason: string | null;
  actor: string | null;
  action: string | null;
  /** On an early `raised` (`reason: 'rising'`) just recorded: the engine's projected minutes. Not stored: only the notification says it. */
  projectedMinutes?: number;
  /** On a `raised` just recorded: which of the room's CO₂ alerts of its local day this is (1 = the first). Not stored. */
  alertsToday?: number;
};

export type AuditEntry = {
  at: number;
  /** Staff user id, or `link:<recipient>` for a signed link. */
  actor: string;
  /** Way in: `api` (token), `link` (signed one-time link), `console` (staff session). */
  via: 'api' | 'link' | 'console';
  action: string;
  alertId: number | null;
  facility: string | null;
  room: string | null;
  /** `ok`, or `refused:<why>`. */
  outcome: string;
  detail?: string | null;
};

export type AuditRecord = AuditEntry & { id: number };

export type AlertQuery = {
  status?: 'open' | 'resolved';
  /** Only these facilities; undefined = all. */
  facilities?: readonly string[];
  /** Alerts opened at or after (epoch ms). */
  since?: number;
  /** Page: alerts with a smaller id than this. */
  beforeId?: number;
  limit: number;
};

const LEVEL_RANK: Record<string, number> = { nodata: -1, good: 0, fair: 1, ventilate: 2, critical: 3 };

type AlertRow = {
  id: number; facility: string; room: string; engine_id: string; kind: string; status: string; level: string; reason: string | null;
  opened_at: number; closed_at: number | null; co2_at_open: number | null; co2_max: number | null; escalated: number;
  ack_action: string | null; ack_by: string | null; ack_at: number | null;
};

function toAlert(r: AlertRow): AlertRecord {
  return {
    id: r.id, facility: r.facility, room: r.room, kind: r.kind as AlertRecord['kind'], status: r.status as AlertRecord['status'],
    level: r.level as Level, reason: r.reason, openedAt: r.opened_at, closedAt: r.closed_at, co2AtOpen: r.co2_at_open, co2Max: r.co2_max,
    escalated: r.escalated === 1,
    ack: r.ack_action && r.ack_by && r.ack_at !== null ? { action: r.ack_action as AckAction, by: r.ack_by, at: r.ack_at } : null,
  };
}

type EventRow = { id: number; alert_id: number; type: string; level: string; co2: number | null; at: number; reason: string | null; actor: string | null; action: string | null };

function toEvent(r: EventRow): AlertEventRecord {
  return { id: r.id, alertId: r.alert_id, type: r.type as AlertEvent['type'], level: r.level as Level, co2: r.co2, at: r.at, reason: r.reason, actor: r.actor, action: r.action };
}

/** Placeholders and values for an optional `facility IN (…)` filter. */
function facilityFilter(facilities: readonly string[] | undefined, column = 'facility'): { sql: string; args: string[] } {
  if (facilities === undefined) return { sql: '', args: [] };
  if (facilities.length === 0) return { sql: ' AND 0', args: [] };
  return { sql: ` AND ${column} IN (${facilities.map(() => '?').join(',')})`, args: [...facilities] };
}

export class AlertLog {
  private readonly st;

  constructor(private readonly db: Database.Database) {
    this.st = {
      findAlert: db.prepare<[string, string, string], AlertRow>('SELECT * FROM alerts WHERE facility = ? AND room = ? AND engine_id = ?'),
      insertAlert: db.prepare(`INSERT INTO alerts (facility, room, engine_id, kind, status, level, reason, opened_at, co2_at_open, co2_max)
        VALUES (@facility, @room, @engineId, @kind, 'open', @level, @reason, @at, @co2, @co2)`),
      updateAlert: db.prepare(`UPDATE alerts SET status = @status, level = @level, closed_at = @closedAt, co2_max = @co2Max, escalated = @escalated,
        ack_action = @ackAction, ack_by = @ackBy, ack_at = @ackAt WHERE id = @id`),
      alertById: db.prepare<[number], AlertRow>('SELECT * FROM alerts WHERE id = ?'),
      insertEvent: db.prepare(`INSERT INTO alert_events (alert_id, type, level, co2, at, reason, actor, action)
        VALUES (@alertId, @type, @level, @co2, @at, @reason, @actor, @action)`),
      events: db.prepare<[number], EventRow>('SELECT * FROM alert_events WHERE alert_id = ? ORDER BY id'),
      saveState: db.prepare('INSERT OR REPLACE INTO room_engine_state (facility, room, state, saved_at) VALUES (?, ?, ?, ?)'),
      loadStates: db.prepare<[], { facility: string; room: string; state: string }>('SELECT facility, room, state FROM room_engine_state'),
      insertAudit: db.prepare(`INSERT INTO audit (at, actor, via, action, alert_id, facility, room, outcome, detail)
        VALUES (@at, @actor, @via, @action, @alertId, @facility, @room, @outcome, @detail)`),
      useLink: db.prepare('INSERT OR IGNORE INTO used_links (nonce, used_at, alert_id, recipient) VALUES (?, ?, ?, ?)'),
      pruneLinks: db.prepare('DELETE FROM used_links WHERE used_at < ?'),
      linkUsed: db.prepare<[string], { used_at: number }>('SELECT used_at FROM used_links WHERE nonce = ?'),
      co2OpenedBetween: db.prepare<[string, string, number, number], { n: number }>(
        "SELECT COUNT(*) AS n FROM alerts WHERE facility = ? AND room = ? AND kind = 'co2' AND opened_at >= ? AND opened_at <= ?"),
    };
  }

  /** Runs `fn` in one transaction (nested calls join the outer one). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /**
   * Records a room's engine events and its new engine state together. Returns, per event, the
   * alert it belongs to (after the event) and the stored event.
   */
  record(facility: string, room: string, events: readonly AlertEvent[], state: string, at: number): { alert: AlertRecord; event: AlertEventRecord }[] {
    return this.transaction(() => {
      const out = events.map((e) => this.recordOne(facility, room, e));
      this.st.saveState.run(facility, room, state, at);
      return out;
    });
  }

  private recordOne(facility: string, room: string, e: AlertEvent): { alert: AlertRecord; event: AlertEventRecord } {
    let row = this.st.findAlert.get(facility, room, e.alertId);
    if (!row) {
      const kind = e.type === 'sensor_offline' || e.type === 'sensor_online' ? 'sensor' : 'co2';
      const { lastInsertRowid } = this.st.insertAlert.run({ facility, room, engineId: e.alertId, kind, level: e.level, reason: e.reason ?? null, at: e.at, co2: e.co2 });
      row = this.st.alertById.get(Number(lastInsertRowid)) as AlertRow;
    }
    const closes = e.type === 'resolved' || e.type === 'sensor_online';
    const higher = (LEVEL_RANK[e.level] ?? -1) > (LEVEL_RANK[row.level] ?? -1);
    const next = {
      id: row.id,
      status: closes ? 'resolved' : row.status,
      level: higher && row.kind === 'co2' ? e.level : row.level,
      closedAt: closes ? e.at : row.closed_at,
      co2Max: e.co2 !== null && row.kind === 'co2' ? Math.max(row.co2_max ?? e.co2, e.co2) : row.co2_max,
      escalated: e.type === 'escalated' ? 1 : row.escalated,
      ackAction: e.ack?.action ?? row.ack_action,
      ackBy: e.ack?.by ?? row.ack_by,
      ackAt: e.ack?.at ?? row.ack_at,
    };
    this.st.updateAlert.run(next);
    const { lastInsertRowid } = this.st.insertEvent.run({
      alertId: row.id, type: e.type, level: e.level, co2: e.co2, at: e.at, reason: e.reason ?? null, actor: e.ack?.by ?? null, action: e.ack?.action ?? null,
    });
    const alert = toAlert({
      ...row, status: next.status, level: next.level, closed_at: next.closedAt, co2_max: next.co2Max, escalated: next.escalated,
      ack_action: next.ackAction, ack_by: next.ackBy, ack_at: next.ackAt,
    });
    const event: AlertEventRecord = {
      id: Number(lastInsertRowid), alertId: row.id, type: e.type, level: e.level, co2: e.co2, at: e.at, reason: e.reason ?? null, actor: e.ack?.by ?? null, action: e.ack?.action ?? null,
      ...(e.projectedMinutes !== undefined ? { projectedMinutes: e.projectedMinutes } : {}),
    };
    return { alert, event };
  }

  /** How many CO₂ alerts of the room were opened from `from` to `to` (both inclusive). */
  co2AlertsOpened(facility: string, room: string, from: number, to: number): number {
    return this.st.co2OpenedBetween.get(facility, room, from, to)?.n ?? 0;
  }

  /** Stores the engine state of many rooms in one transaction (the periodic snapshot). */
  saveStates(rows: readonly { facility: string; room: string; state: string }[], at: number): void {
    this.transaction(() => {
      for (const r of rows) this.st.saveState.run(r.facility, r.room, r.state, at);
    });
  }

  /** Every stored engine state. */
  loadStates(): { facility: string; room: string; state: string }[] {
    return this.st.loadStates.all();
  }

  alert(id: number): AlertRecord | undefined {
    const row = this.st.alertById.get(id);
    return row ? toAlert(row) : undefined;
  }

  /** The alert of a room by the engine's id for it. */
  alertOf(facility: string, room: string, engineId: string): AlertRecord | undefined {
    const row = this.st.findAlert.get(facility, room, engineId);
    return row ? toAlert(row) : undefined;
  }

  events(alertId: number): AlertEventRecord[] {
    return this.st.events.all(alertId).map(toEvent);
  }

  /** Alerts, newest first. */
  alerts(q: AlertQuery): AlertRecord[] {
    const f = facilityFilter(q.facilities);
    const args: (string | number)[] = [];
    let sql = 'SELECT * FROM alerts WHERE 1';
    if (q.status) {
      sql += ' AND status = ?';
      args.push(q.status);
    }
    if (q.since !== undefined) {
      sql += ' AND opened_at >= ?';
      args.push(q.since);
    }
    if (q.beforeId !== undefined) {
      sql += ' AND id < ?';
      args.push(q.beforeId);
    }
    sql += `${f.sql} ORDER BY id DESC LIMIT ?`;
    return this.db.prepare<unknown[], AlertRow>(sql).all(...args, ...f.args, q.limit).map(toAlert);
  }

  /** Events in [from, to) with their alert's place and kind (digests). */
  eventsBetween(from: number, to: number, facilities?: readonly string[]): (AlertEventRecord & { facility: string; room: string; kind: string; openedAt: number; closedAt: number | null })[] {
    const f = facilityFilter(facilities, 'a.facility');
    const rows = this.db.prepare<unknown[], EventRow & { facility: string; room: string; kind: string; opened_at: number; closed_at: number | null }>(
      `SELECT e.*, a.facility, a.room, a.kind, a.opened_at, a.closed_at FROM alert_events e JOIN alerts a ON a.id = e.alert_id
       WHERE e.at >= ? AND e.at < ?${f.sql} ORDER BY e.id`,
    ).all(from, to, ...f.args);
    return rows.map((r) => ({ ...toEvent(r), facility: r.facility, room: r.room, kind: r.kind, openedAt: r.opened_at, closedAt: r.closed_at }));
  }

  /** Alerts open at some point in [from, to) (digests: minutes open in the day). */
  alertsOverlapping(from: number, to: number, facilities?: readonly string[]): AlertRecord[] {
    const f = facilityFilter(facilities);
    return this.db.prepare<unknown[], AlertRow>(
      `SELECT * FROM alerts WHERE opened_at < ? AND (closed_at IS NULL OR closed_at >= ?)${f.sql} ORDER BY id`,
    ).all(to, from, ...f.args).map(toAlert);
  }

  audit(entry: AuditEntry): void {
    this.st.insertAudit.run({ ...entry, detail: entry.detail ?? null });
  }

  /** Audit entries, newest first. */
  auditLog(q: { since?: number; facilities?: readonly string[]; limit: number }): AuditRecord[] {
    const f = facilityFilter(q.facilities);
    const rows = this.db.prepare<unknown[], { id: number; at: number; actor: string; via: string; action: string; alert_id: number | null; facility: string | null; room: string | null; outcome: string; detail: string | null }>(
      `SELECT * FROM audit WHERE at >= ?${f.sql} ORDER BY id DESC LIMIT ?`,
    ).all(q.since ?? 0, ...f.args, q.limit);
    return rows.map((r) => ({
      id: r.id, at: r.at, actor: r.actor, via: r.via as AuditEntry['via'], action: r.action, alertId: r.alert_id,
      facility: r.facility, room: r.room, outcome: r.outcome, detail: r.detail,
    }));
  }

  /** Marks a one-time link's nonce as used. False when it already was (the link is spent). */
  useLink(nonce: string, at: number, alertId: number | null, recipient: string): boolean {
    return this.st.useLink.run(nonce, at, alertId, recipient).changes === 1;
  }

  /** Forgets nonces used before `before`: their links have expired anyway (sign them with a shorter lifetime than this horizon). */
  pruneLinks(before: number): number {
    return this.st.pruneLinks.run(before).changes;
  }

  /** When a link's nonce was used, or undefined. */
  linkUsedAt(nonce: string): number | undefined {
    return this.st.linkUsed.get(nonce)?.used_at;
  }
}
