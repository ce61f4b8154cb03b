/**
 * The notification outbox, in the alert database: one row per (notice, recipient). A notification
 * is written here in the same transaction as the alert event that caused it, so a crash can
 * neither lose it nor send it twice from two copies; the dispatcher delivers rows in order of
 * due time and records each outcome. Delivery is at least once: a crash between a channel's
 * success and `markSent` resends it, with the same delivery id for the receiver to de-duplicate.
 */
import type Database from 'better-sqlite3';
import type { Notice } from './notifier.ts';

export const OUTBOX_STATUSES = ['pending', 'held', 'sent', 'failed', 'dropped', 'suppressed'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

export type OutboxEntry = {
  recipient: string;
  channel: string;
  kind: 'alert' | 'digest';
  eventId?: number | null;
  alertId?: number | null;
  facility?: string | null;
  room?: string | null;
  severity?: string | null;
  status: 'pending' | 'held' | 'dropped';
  nextAt: number;
  createdAt: number;
  /** Why a row is held or dropped (shown to staff). */
  note?: string | null;
  notice: Notice;
};

export type OutboxRow = Omit<OutboxEntry, 'status' | 'note'> & {
  id: number;
  status: OutboxStatus;
  attempts: number;
  doneAt: number | null;
  lastError: string | null;
};

type Row = {
  id: number; recipient: string; channel: string; kind: string; event_id: number | null; alert_id: number | null; facility: string | null; room: string | null;
  severity: string | null; status: string; attempts: number; next_at: number; created_at: number; done_at: number | null; last_error: string | null; notice: string;
};

function toRow(r: Row): OutboxRow {
  return {
    id: r.id, recipient: r.recipient, channel: r.channel, kind: r.kind as OutboxRow['kind'], eventId: r.event_id, alertId: r.alert_id,
    facility: r.facility, room: r.room, severity: r.severity, status: r.status as OutboxStatus, attempts: r.attempts, nextAt: r.next_at,
    createdAt: r.created_at, doneAt: r.done_at, lastError: r.last_error, notice: JSON.parse(r.notice) as Notice,
  };
}

export class Outbox {
  private readonly st;

  constructor(private readonly db: Database.Database) {
    this.st = {
      insert: db.prepare(`INSERT INTO outbox (recipient, channel, kind, event_id, alert_id, facility, room, severity, status, next_at, created_at, done_at, last_error, notice)
        VALUES (@recipient, @channel, @kind, @eventId, @alertId, @facility, @room, @severity, @status, @nextAt, @createdAt, @doneAt, @note, @notice)`),
      due: db.prepare<[string, number, number], Row>(`SELECT * FROM outbox WHERE status = 'pending' AND channel = ? AND next_at <= ? ORDER BY next_at, id LIMIT ?`),
      nextDue: db.prepare<[], { next: number | null }>(`SELECT MIN(next_at) AS next FROM outbox WHERE status = 'pending'`),
      held: db.prepare<[], Row>(`SELECT * FROM outbox WHERE status = 'held' ORDER BY id`),
      setStatus: db.prepare(`UPDATE outbox SET status = @status, done_at = @doneAt, last_error = @error WHERE id = @id`),
      attempt: db.prepare(`UPDATE outbox SET attempts = attempts + 1 WHERE id = ?`),
      retry: db.prepare(`UPDATE outbox SET next_at = @nextAt, last_error = @error WHERE id = @id`),
      release: db.prepare(`UPDATE outbox SET status = 'pending', next_at = @at, last_error = NULL WHERE id = @id AND status = 'held'`),
      sentSince: db.prepare<[string, number], { n: number }>(`SELECT COUNT(*) AS n FROM outbox WHERE recipient = ? AND status = 'sent' AND done_at >= ?`),
      lastSent: db.prepare<[string], { t: number | null }>(`SELECT MAX(done_at) AS t FROM outbox WHERE recipient = ? AND status = 'sent'`),
      suppressedSince: db.prepare<[string, number], { n: number }>(`SELECT COUNT(*) AS n FROM outbox WHERE recipient = ? AND status = 'suppressed' AND done_at > ?`),
      prune: db.prepare(`DELETE FROM outbox WHERE done_at IS NOT NULL AND done_at < ? AND status IN ('sent', 'failed', 'dropped', 'suppressed')`),
      pruneDigests: db.prepare(`DELETE FROM digests_sent WHERE day < ?`),
      digestSent: db.prepare(`INSERT OR IGNORE INTO digests_sent (recipient, day) VALUES (?, ?)`),
      counts: db.prepare<[], { status: string; n: number }>(`SELECT status, COUNT(*) AS n FROM outbox GROUP BY status`),
    };
  }

  /** Adds a notification; returns its id. */
  enqueue(e: OutboxEntry): number {
    const done = e.status === 'dropped' ? e.createdAt : null;
    return Number(this.st.insert.run({
      recipient: e.recipient, channel: e.channel, kind: e.kind, eventId: e.eventId ?? null, alertId: e.alertId ?? null, facility: e.facility ?? null,
      room: e.room ?? null, severity: e.severity ?? null, status: e.status, nextAt: e.nextAt, createdAt: e.createdAt, doneAt: done, note: e.note ?? null,
      notice: JSON.stringify(e.notice),
    }).lastInsertRowid);
  }

  /** Pending rows of one channel that are due, oldest first. */
  due(channel: string, now: number, limit: number): OutboxRow[] {
    return this.st.due.all(channel, now, limit).map(toRow);
  }

  /** When the next pending row is due, or null. */
  nextDueAt(): number | null {
    return this.st.nextDue.get()?.next ?? null;
  }

  held(): OutboxRow[] {
    return this.st.held.all().map(toRow);
  }

  /** Counts an attempt before it is made, so a crash mid-send still counts it. */
  countAttempt(id: number): void {
    this.st.attempt.run(id);
  }

  markSent(id: number, at: number): void {
    this.st.setStatus.run({ id, status: 'sent', doneAt: at, error: null });
  }

  markRetry(id: number, nextAt: number, error: string): void {
    this.st.retry.run({ id, nextAt, error });
  }

  /** Final states: failed (gave up), dropped (not to be sent), suppressed (rate limit). */
  markDone(id: number, status: 'failed' | 'dropped' | 'suppressed', at: number, note: string | null): void {
    this.st.setStatus.run({ id, status, doneAt: at, error: note });
  }

  /** A held row becomes due now. */
  release(id: number, at: number): void {
    this.st.release.run({ id, at });
  }

  /** Notifications sent to a recipient since `since`. */
  sentSince(recipient: string, since: number): number {
    return this.st.sentSince.get(recipient, since)?.n ?? 0;
  }

  /** Notifications held back by the rate limit since the recipient's last delivered one. */
  suppressedSinceLastSent(recipient: string): number {
    const last = this.st.lastSent.get(recipient)?.t ?? -1;
    return this.st.suppressedSince.get(recipient, last)?.n ?? 0;
  }

  /**
   * Deletes finished rows done before `before` (epoch ms) and digest claims of days before
   * `beforeDay`: the outbox is a delivery queue with a recent history for staff, not an archive
   * (the alerts and their events stay in the alert log). Returns the rows deleted.
   */
  prune(before: number, beforeDay: string): number {
    this.st.pruneDigests.run(beforeDay);
    return this.st.prune.run(before).changes;
  }

  /** Claims the digest of `day` for a recipient; false when it was already made. */
  claimDigest(recipient: string, day: string): boolean {
    return this.st.digestSent.run(recipient, day).changes === 1;
  }

  /** Rows by status (metrics, health). */
  counts(): Record<string, number> {
    return Object.fromEntries(this.st.counts.all().map((r) => [r.status, r.n]));
  }

  /** Rows newest first, for the staff API. */
  list(q: { status?: OutboxStatus; facilities?: readonly string[]; limit: number }): OutboxRow[] {
    const args: (string | number)[] = [];
    let sql = 'SELECT * FROM outbox WHERE 1';
    if (q.status) {
      sql += ' AND status = ?';
      args.push(q.status);
    }
    if (q.facilities) {
      sql += q.facilities.length === 0 ? ' AND 0' : ` AND facility IN (${q.facilities.map(() => '?').join(',')})`;
      args.push(...q.facilities);
    }
    sql += ' ORDER BY id DESC LIMIT ?';
    return this.db.prepare<unknown[], Row>(sql).all(...args, q.limit).map(toRow);
  }
}
