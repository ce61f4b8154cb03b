/**
 * Runs the pure alert engine for every room and does what its events mean: stores them with the
 * room's engine state (one transaction, with the notifications they cause), publishes them on
 * `kanki/v1/alerts/{facility}/{room}` (QoS 1, not retained), and wakes the dispatcher. Staff
 * acknowledgements come in through `acknowledge`, whichever way they arrive (API, signed link),
 * and are audited. Engine states are restored at start, so open alerts, sustain clocks and a
 * pending closed-loop check survive a restart of the ingest.
 */
import type { Logger } from '../../../common/logger.ts';
import type { Registry, RoomEntry } from '../../../common/registry.ts';
import { localMinutes } from '../../../common/calendar.ts';
import { buildAlertTopic } from '../../../common/topics.ts';
import type { IngestMetrics } from '../metrics.ts';
import type { AckAction, Trend } from '../notify/notifier.ts';
import type { AuditEntry, AlertLog, AlertRecord } from './alert-log.ts';
import {
  initialRoomAlertState, onAcknowledge, onDeviceStatus, onReading, onTick, restoreState, serializeState,
  type AckRefusal, type AlertEvent, type AlertReading, type AlertStep, type RoomAlertState,
} from './engine.ts';
import type { AlertRules } from './rules.ts';
import type { AlertEventRecord } from './alert-log.ts';

/** What subscribers of the alert topic receive. Staff-side data: never shown on public pages. */
export type AlertMessage = {
  facility: string;
  room: string;
  type: AlertEvent['type'];
  level: AlertEvent['level'];
  co2: number | null;
  /** ISO 8601. */
  at: string;
  /** The alert's id in the staff API (the engine's own id if the alert database was unavailable). */
  alertId: string;
  reason?: string;
  /** On an early `raised` (`reason: 'rising'`): projected minutes to the ventilate threshold. */
  projectedMinutes?: number;
  /** On `raised`: which of the room's CO₂ alerts of its local day this is (1 = the first; absent when the alert database is down). */
  alertsToday?: number;
  ack?: { action: AckAction; by: string; at: string };
};

export type AlertServiceDeps = {
  registry: Registry;
  log: AlertLog;
  publish(topic: string, payload: string): void;
  /** Turns a stored event into notifications (in the same transaction); returns how many were queued. */
  route?(room: RoomEntry, alert: AlertRecord, event: AlertEventRecord, trend: Trend | null): number;
  /** New notifications are waiting. */
  onQueued?(): void;
  metrics: IngestMetrics;
  logger: Logger;
  now: () => number;
};

export type AckResult = { ok: true; alert: AlertRecord } | { ok: false; refused: AckRefusal | 'not_found' | 'unavailable' };

/** Trend: room values sampled at most every 30 s, kept for 10 minutes. */
const TREND_SAMPLE_MS = 30_000;
const TREND_SPAN_MS = 10 * 60_000;
const STEADY_PPM = 50;

export class AlertService {
  private readonly states = new Map<RoomEntry, RoomAlertState>();
  private readonly dirty = new Set<RoomEntry>();
  private readonly history = new Map<RoomEntry, { t: number; v: number }[]>();

  constructor(private readonly rules: AlertRules, private readonly deps: AlertServiceDeps) {}

  /** Loads the stored engine states (once, before the first message). Returns how many rooms were restored. */
  restore(): number {
    let restored = 0;
    for (const row of this.deps.log.loadStates()) {
      const room = this.deps.registry.room(row.facility, row.room);
      if (!room) continue;
      try {
        this.states.set(room, restoreState(row.state));
        restored++;
      } catch (err) {
        this.deps.logger.warn({ err, facility: row.facility, room: row.room }, 'stored alert state is unusable; the room starts afresh');
      }
    }
    return restored;
  }

  onReading(room: RoomEntry, reading: AlertReading): void {
    const now = this.deps.now();
    this.apply(room, onReading(this.state(room), reading, this.rules, room.thresholds, now), now);
  }

  onStatus(room: RoomEntry, sensor: string, online: boolean): void {
    const now = this.deps.now();
    this.apply(room, onDeviceStatus(this.state(room), sensor, online, now), now);
  }

  /** Time passing: sustain windows completing, silent sensors, escalation, the closed loop. Call every few seconds. */
  tick(): void {
    const now = this.deps.now();
    for (const [room, state] of this.states) this.apply(room, onTick(state, this.rules, room.thresholds, now), now);
  }

  /**
   * Stores the engine state of up to `maxRooms` rooms changed since they were last stored (sustain
   * clocks, windows); returns how many changed rooms are left. Serialising every room at once holds
   * the event loop for tens of milliseconds with thousands of rooms, delaying alerts behind it, so
   * the ingest calls this in slices, one turn of the event loop each.
   */
  snapshot(maxRooms = Infinity): number {
    if (this.dirty.size === 0) return 0;
    const rooms: RoomEntry[] = [];
    for (const room of this.dirty) {
      if (rooms.length >= maxRooms) break;
      rooms.push(room);
    }
    const rows = rooms.map((room) => ({ facility: room.facilityId, room: room.roomId, state: serializeState(this.state(room)) }));
    try {
      this.deps.log.saveStates(rows, this.deps.now());
      for (const room of rooms) this.dirty.delete(room);
    } catch (err) {
      this.deps.logger.error({ err, rooms: rows.length }, 'cannot store alert engine states; will retry');
      return 0;
    }
    return this.dirty.size;
  }

  /** Staff say what they did about alert `alertId`. Audited whatever the outcome. */
  acknowledge(alertId: number, action: AckAction, actor: { id: string; via: AuditEntry['via']; detail?: string }): AckResult {
    const now = this.deps.now();
    let alert: AlertRecord | undefined;
    try {
      alert = this.deps.log.alert(alertId);
    } catch (err) {
      this.deps.logger.error({ err }, 'alert database unavailable for an acknowledgement');
      return { ok: false, refused: 'unavailable' };
    }
    const room = alert ? this.deps.registry.room(alert.facility, alert.room) : undefined;
    const audit = (outcome: string) =>
      this.deps.log.audit({ at: now, actor: actor.id, via: actor.via, action, alertId, facility: alert?.facility ?? null, room: alert?.room ?? null, outcome, detail: actor.detail ?? null });
    if (!alert || !room) {
      audit('refused:not_found');
      return { ok: false, refused: 'not_found' };
    }
    const state = this.state(room);
    const engineId = state.alert?.id;
    const current = engineId === undefined ? undefined : this.deps.log.alertOf(room.facilityId, room.roomId, engineId);
    const step = onAcknowledge(state, { alertId: current?.id === alertId && engineId ? engineId : `not-${alertId}`, action, by: actor.id }, now);
    if (step.refused) {
      this.deps.metrics.acknowledgements.inc({ via: actor.via, outcome: step.refused });
      audit(`refused:${step.refused}`);
      return { ok: false, refused: step.refused };
    }
    this.deps.log.transaction(() => {
      this.apply(room, step, now);
      audit('ok');
    });
    this.deps.metrics.acknowledgements.inc({ via: actor.via, outcome: 'ok' });
    return { ok: true, alert: this.deps.log.alert(alertId) ?? alert };
  }

  private state(room: RoomEntry): RoomAlertState {
    return this.states.get(room) ?? initialRoomAlertState();
  }

  private apply(room: RoomEntry, step: AlertStep, now: number): void {
    this.states.set(room, step.state);
    this.sample(room, step.state, now);
    if (step.events.length === 0) {
      this.dirty.add(room);
      return;
    }
    let recorded: { alert: AlertRecord; event: AlertEventRecord }[] = [];
    let queued = 0;
    try {
      recorded = this.deps.log.transaction(() => {
        const rows = this.deps.log.record(room.facilityId, room.roomId, step.events, serializeState(step.state), now);
        for (const r of rows) {
          // The room's n-th alert today: from the second on, notices advise keeping the windows a little open all day.
          if (r.event.type === 'raised' && r.alert.kind === 'co2') r.event.alertsToday = this.deps.log.co2AlertsOpened(room.facilityId, room.roomId, localMidnight(r.event.at), r.event.at);
        }
        const trend = this.trend(room, now);
        for (const r of rows) queued += this.deps.route?.(room, r.alert, r.event, trend) ?? 0;
        return rows;
      });
      this.dirty.delete(room);
    } catch (err) {
      // The alert still goes out on MQTT; storing it is retried with the next snapshot of the state.
      this.dirty.add(room);
      this.deps.logger.error({ err, facility: room.facilityId, room: room.roomId }, 'cannot store alert events');
    }
    step.events.forEach((e, i) => {
      const message: AlertMessage = {
        facility: room.facilityId, room: room.roomId, type: e.type, level: e.level, co2: e.co2, at: new Date(e.at).toISOString(),
        alertId: recorded[i] ? String(recorded[i].alert.id) : e.alertId,
        ...(e.reason ? { reason: e.reason } : {}),
        ...(e.projectedMinutes !== undefined ? { projectedMinutes: e.projectedMinutes } : {}),
        ...(recorded[i]?.event.alertsToday !== undefined ? { alertsToday: recorded[i]?.event.alertsToday } : {}),
        ...(e.ack ? { ack: { action: e.ack.action, by: e.ack.by, at: new Date(e.ack.at).toISOString() } } : {}),
      };
      this.deps.publish(buildAlertTopic(room.facilityId, room.roomId), JSON.stringify(message));
      this.deps.metrics.alertEvents.inc({ type: e.type });
      this.deps.logger.info({ alert: message }, `alert ${e.type}: ${room.facilityId}/${room.roomId}`);
    });
    if (queued > 0) this.deps.onQueued?.();
  }

  private sample(room: RoomEntry, state: RoomAlertState, now: number): void {
    if (state.value === null || state.level === 'nodata') return;
    let h = this.history.get(room);
    if (!h) this.history.set(room, (h = []));
    const last = h[h.length - 1];
    if (last && now - last.t < TREND_SAMPLE_MS) return;
    h.push({ t: now, v: state.value });
    while (h.length > 0 && (h[0] as { t: number }).t < now - TREND_SPAN_MS - TREND_SAMPLE_MS) h.shift();
  }

  /** Change over the last 10 minutes, scaled to ppm per 10 min; null with less than 2 minutes of samples. */
  private trend(room: RoomEntry, now: number): Trend | null {
    const h = this.history.get(room);
    const first = h?.[0];
    const value = this.state(room).value;
    if (!h || !first || value === null || now - first.t < 2 * 60_000) return null;
    const perTen = Math.round(((value - first.v) / (now - first.t)) * TREND_SPAN_MS);
    return { ppmPer10Min: perTen, direction: perTen > STEADY_PPM ? 'rising' : perTen < -STEADY_PPM ? 'falling' : 'steady' };
  }
}

/** The instant local (Japan) midnight began the day of `at`. */
function localMidnight(at: number): number {
  return at - localMinutes(at) * 60_000 - (at % 60_000);
}
