/**
 * Derived state of every room, published retained on `kanki/v1/rooms/{facility}/{room}/state` so
 * any subscriber (dashboard, signage, Home Assistant) sees each room's air at once. A room's value
 * is the median over its sensors' newest readings (robust to one bad sensor). A room whose sensors
 * are all silent past `staleAfterMs` or offline is published as `nodata` with null values — never
 * a stale value shown as current. A new reading is published at once unless the room was published
 * less than `minIntervalMs` ago; then it waits for the tick. At real rates (one reading a minute)
 * every reading goes out immediately; a flood cannot make one room publish more than once per interval.
 */
import { levelFor, type Level } from '../../common/levels.ts';
import type { RoomState } from '../../common/payloads.ts';
import type { RoomEntry } from '../../common/registry.ts';
import { buildRoomStateTopic } from '../../common/topics.ts';

type SensorLatest = { co2: number; temperature?: number; humidity?: number; time: number; online: boolean };
type Tracked = { room: RoomEntry; sensors: Map<string, SensorLatest>; state: RoomState; dirty: boolean; lastPublished: number };

export type PublishRetained = (topic: string, payload: string) => void;

export class RoomStateTracker {
  /** Keyed by the registry's room object: one lookup per reading, no key string built. */
  private readonly rooms = new Map<RoomEntry, Tracked>();
  /** The same rooms in a list, for the tick's round-robin cursor. */
  private readonly list: Tracked[] = [];
  private cursor = 0;

  constructor(
    private readonly options: {
      staleAfterMs: number;
      minIntervalMs: number;
      /** Publishes per tick at most, so thousands of rooms falling due together do not burst into the socket. */
      maxPerTick?: number;
    },
    private readonly deps: {
      publish: PublishRetained;
      now: () => number;
      onPublished?: () => void;
      /** False while the connection's send buffer is full: states wait (dirty) so acknowledgements go first. */
      canPublish?: () => boolean;
    },
  ) {}

  /** Records a reading of one sensor; flagged readings and readings older than the sensor's newest are ignored. */
  update(room: RoomEntry, sensor: string, r: { co2: number; temperature?: number; humidity?: number; time: number; quality: string }): void {
    const t = this.track(room);
    if (r.quality !== 'ok') return;
    const prev = t.sensors.get(sensor);
    if (prev && prev.time > r.time) return;
    t.sensors.set(sensor, { co2: r.co2, temperature: r.temperature, humidity: r.humidity, time: r.time, online: true });
    t.dirty = true;
    const now = this.deps.now();
    if (now - t.lastPublished >= this.options.minIntervalMs && (this.deps.canPublish?.() ?? true)) this.publish(t, this.compute(t, now), now);
  }

  /** Records a device's availability (its status topic or Last Will). */
  setOnline(room: RoomEntry, sensor: string, online: boolean): void {
    const t = this.track(room);
    const prev = t.sensors.get(sensor);
    if (prev) prev.online = online;
    else if (!online) return;
    t.dirty = true;
  }

  /**
   * Publishes what is due: rooms with unpublished readings whose interval has passed, and rooms
   * whose level or staleness changed by the passing of time (a sensor gone silent). `force`
   * publishes every pending room regardless of the interval (shutdown).
   */
  tick(force = false): void {
    const now = this.deps.now();
    const budget = force ? Infinity : (this.options.maxPerTick ?? 1000);
    let published = 0;
    for (let visited = 0; visited < this.list.length && published < budget; visited++) {
      if (!force && !(this.deps.canPublish?.() ?? true)) break;
      this.cursor = (this.cursor + 1) % this.list.length;
      const t = this.list[this.cursor] as Tracked;
      const due = t.dirty && (force || now - t.lastPublished >= this.options.minIntervalMs);
      if (!due && t.state.stale) continue;
      const next = this.compute(t, now);
      if (due || next.level !== t.state.level || next.stale !== t.state.stale) {
        this.publish(t, next, now);
        published++;
      }
    }
  }

  /** The current state of every room that has reported since start. */
  snapshot(): RoomState[] {
    return [...this.rooms.values()].map((t) => t.state);
  }

  private publish(t: Tracked, next: RoomState, now: number): void {
    if (next.level !== t.state.level || next.stale !== t.state.stale || t.state.since === null) next.since = new Date(now).toISOString();
    t.state = next;
    t.dirty = false;
    t.lastPublished = now;
    this.deps.publish(buildRoomStateTopic(t.room.facilityId, t.room.roomId), JSON.stringify(next));
    this.deps.onPublished?.();
  }

  private track(room: RoomEntry): Tracked {
    let t = this.rooms.get(room);
    if (!t) {
      t = {
        room, sensors: new Map(), dirty: true, lastPublished: -Infinity,
        state: { facility: room.facilityId, room: room.roomId, co2: null, temperature: null, humidity: null, level: 'nodata', since: null, updatedAt: null, stale: true },
      };
      this.rooms.set(room, t);
      this.list.push(t);
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
