/**
 * Derived state of every room, published retained on `kanki/v1/rooms/{facility}/{room}/state` so
 * any subscriber (dashboard, signage, Home Assistant) sees each room's air at once. A room's value
 * is the median over its sensors' newest readings (robust to one bad sensor). A room whose sensors
 * are all silent past `staleAfterMs` or offline is published as `nodata` with null values — never
 * a stale value shown as current. Publishing is coalesced per room to at most one message per
 * interval (plus level changes at the next tick), so a busy room does not flood the broker.
 */
import { levelFor, type Level } from '../../common/levels.ts';
import type { RoomState } from '../../common/payloads.ts';
import type { RoomEntry } from '../../common/registry.ts';
import { buildRoomStateTopic } from '../../common/topics.ts';

type SensorLatest = { co2: number; temperature?: number; humidity?: number; time: number; online: boolean };
type Tracked = { room: RoomEntry; sensors: Map<string, SensorLatest>; state: RoomState; dirty: boolean };

export type PublishRetained = (topic: string, payload: string) => void;

export class RoomStateTracker {
  private readonly rooms = new Map<string, Tracked>();

  constructor(
    private readonly options: { staleAfterMs: number },
    private readonly deps: { publish: PublishRetained; now: () => number; onPublished?: () => void },
  ) {}

  /** Records a reading of one sensor; flagged readings and readings older than the sensor's newest are ignored. */
  update(room: RoomEntry, sensor: string, r: { co2: number; temperature?: number; humidity?: number; time: number; quality: string }): void {
    const t = this.track(room);
    if (r.quality !== 'ok') return;
    const prev = t.sensors.get(sensor);
    if (prev && prev.time > r.time) return;
    t.sensors.set(sensor, { co2: r.co2, temperature: r.temperature, humidity: r.humidity, time: r.time, online: true });
    t.dirty = true;
  }

  /** Records a device's availability (its status topic or Last Will). */
  setOnline(room: RoomEntry, sensor: string, online: boolean): void {
    const t = this.track(room);
    const prev = t.sensors.get(sensor);
    if (prev) prev.online = online;
    else if (!online) return;
    t.dirty = true;
  }

  /** Recomputes every room and publishes those whose state changed or that got new data. */
  tick(): void {
    const now = this.deps.now();
    for (const t of this.rooms.values()) {
      const next = this.compute(t, now);
      const changed = next.level !== t.state.level || next.stale !== t.state.stale;
      if (!t.dirty && !changed) continue;
      if (changed) next.since = new Date(now).toISOString();
      t.state = next;
      t.dirty = false;
      this.deps.publish(buildRoomStateTopic(t.room.facilityId, t.room.roomId), JSON.stringify(next));
      this.deps.onPublished?.();
    }
  }

  /** The current state of every room that has reported since start. */
  snapshot(): RoomState[] {
    return [...this.rooms.values()].map((t) => t.state);
  }

  private track(room: RoomEntry): Tracked {
    const key = `${room.facilityId}/${room.roomId}`;
    let t = this.rooms.get(key);
    if (!t) {
      t = {
        room, sensors: new Map(), dirty: true,
        state: { facility: room.facilityId, room: room.roomId, co2: null, temperature: null, humidity: null, level: 'nodata', since: null, updatedAt: null, stale: true },
      };
      this.rooms.set(key, t);
    }
    return t;
  }

  private compute(t: Tracked, now: number): RoomState {
    const fresh = [...t.sensors.values()].filter((s) => s.online && now - s.time <= this.options.staleAfterMs);
    const newest = Math.max(...[...t.sensors.values()].map((s) => s.time));
    const updatedAt = Number.isFinite(newest) ? new Date(newest).toISOString() : null;
    if (fresh.length === 0) {
      return { ...t.state, co2: null, temperature: null, humidity: null, level: 'nodata', updatedAt, stale: true };
    }
    const co2 = Math.round(median(fresh.map((s) => s.co2)));
    const level: Level = levelFor(co2, t.room.thresholds);
    return {
      ...t.state,
      co2,
      temperature: round1(median(fresh.flatMap((s) => (s.temperature === undefined ? [] : [s.temperature])))),
      humidity: round1(median(fresh.flatMap((s) => (s.humidity === undefined ? [] : [s.humidity])))),
      level,
      updatedAt,
      stale: false,
    };
  }
}

function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function round1(v: number): number | null {
  return Number.isFinite(v) ? Math.round(v * 10) / 10 : null;
}
