/**
 * Runs the pure alert engine for every room and publishes its events on
 * `kanki/v1/alerts/{facility}/{room}` (QoS 1, not retained). This is the first wiring of the engine:
 * events are published, not yet stored, and notification channels, opening hours and
 * acknowledgement come later, on the same events.
 */
import type { Level } from '../../../common/levels.ts';
import type { RoomEntry } from '../../../common/registry.ts';
import { buildAlertTopic } from '../../../common/topics.ts';
import { initialRoomAlertState, onDeviceStatus, onReading, onTick, type AlertEvent, type AlertReading, type RoomAlertState } from './engine.ts';
import type { AlertRules } from './rules.ts';

/** What subscribers of the alert topic receive. Staff-side data: never shown on public pages. */
export type AlertMessage = {
  facility: string;
  room: string;
  type: AlertEvent['type'];
  level: Level;
  co2: number | null;
  /** ISO 8601. */
  at: string;
  alertId: string;
  reason?: string;
};

export class AlertTracker {
  private readonly states = new Map<RoomEntry, RoomAlertState>();

  constructor(
    private readonly rules: AlertRules,
    private readonly deps: { publish: (topic: string, payload: string) => void; now: () => number; onEvent?: (e: AlertMessage) => void },
  ) {}

  onReading(room: RoomEntry, reading: AlertReading): void {
    const step = onReading(this.state(room), reading, this.rules, room.thresholds, this.deps.now());
    this.apply(room, step.state, step.events);
  }

  onStatus(room: RoomEntry, sensor: string, online: boolean): void {
    const step = onDeviceStatus(this.state(room), sensor, online, this.deps.now());
    this.apply(room, step.state, step.events);
  }

  /** Time passing: sustain windows completing, silent sensors, escalation. Call every few seconds. */
  tick(): void {
    const now = this.deps.now();
    for (const [room, state] of this.states) {
      const step = onTick(state, this.rules, room.thresholds, now);
      this.apply(room, step.state, step.events);
    }
  }

  private state(room: RoomEntry): RoomAlertState {
    return this.states.get(room) ?? initialRoomAlertState();
  }

  private apply(room: RoomEntry, state: RoomAlertState, events: readonly AlertEvent[]): void {
    this.states.set(room, state);
    for (const e of events) {
      const message: AlertMessage = {
        facility: room.facilityId, room: room.roomId, type: e.type, level: e.level, co2: e.co2,
        at: new Date(e.at).toISOString(), alertId: e.alertId, ...(e.reason ? { reason: e.reason } : {}),
      };
      this.deps.publish(buildAlertTopic(room.facilityId, room.roomId), JSON.stringify(message));
      this.deps.onEvent?.(message);
    }
  }
}
