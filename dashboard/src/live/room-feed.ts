/**
 * One shared, live picture of every room, for the SSE stream and the signage pages. Fed by the
 * ingest's retained room-state messages (`kanki/v1/rooms/+/+/state`) when a broker is configured;
 * otherwise by one shared poll of the store. Either way a single source serves every browser, so a
 * thousand open pages cost one MQTT subscription (or one query per poll), not a thousand.
 *
 * The "stale means no data" rule is applied here too: a room whose newest reading gets older than
 * the stale limit turns into `nodata` on the next sweep, even if the ingest is silent.
 */
import { EventEmitter } from 'node:events';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { RoomStateSchema } from '../../../common/payloads.ts';
import type { Registry } from '../../../common/registry.ts';
import { parseRoomStateTopic, ROOM_STATE_FILTER } from '../../../common/topics.ts';
import { roundCo2, roundOneDecimal, type RoomStatus, type RoomStatusSource } from '../room-status.ts';
import { levelFor } from '../../../common/levels.ts';

export type RoomFeedOptions = {
  /** Broker URL; unset = poll the store every `pollMs`. */
  mqttUrl?: string;
  mqttUsername?: string;
  mqttPassword?: string;
  /** Store poll interval without a broker, and the stale sweep interval. */
  pollMs: number;
  staleAfterMs: number;
};

export type RoomFeedDeps = { registry: Registry; statuses: RoomStatusSource; logger: Logger; now: () => number };

export type RoomFeed = {
  /** The newest status of every room (registry order), optionally one facility's. */
  current(facility?: string): RoomStatus[];
  /** Called with every room whose status changed. Returns the unsubscribe function. */
  subscribe(listener: (status: RoomStatus) => void): () => void;
  /** True while the source (broker or store) answers. */
  readonly live: boolean;
  close(): Promise<void>;
};

const key = (facility: string, room: string) => `${facility}/${room}`;

/** Two statuses that a visitor would see differently. */
function differs(a: RoomStatus | undefined, b: RoomStatus): boolean {
  return !a || a.co2 !== b.co2 || a.level !== b.level || a.updatedAt !== b.updatedAt || a.stale !== b.stale || a.temperature !== b.temperature || a.humidity !== b.humidity;
}

export async function startRoomFeed(options: RoomFeedOptions, deps: RoomFeedDeps): Promise<RoomFeed> {
  const logger = deps.logger.child({ component: 'room-feed' });
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const rooms = new Map<string, RoomStatus>();
  const entries = new Map(deps.registry.rooms.map((r) => [key(r.facilityId, r.roomId), r]));
  let client: MqttClient | undefined;

  const put = (status: RoomStatus) => {
    const k = key(status.facility, status.room);
    if (!differs(rooms.get(k), status)) return;
    rooms.set(k, status);
    events.emit('room', status);
  };

  let storeOk = false;
  const refreshFromStore = async () => {
    try {
      for (const s of await deps.statuses.list()) put(s);
      storeOk = true;
    } catch (err) {
      storeOk = false;
      logger.warn({ err }, 'cannot read room statuses from the store');
    }
  };
  await refreshFromStore();

  if (options.mqttUrl) {
    client = mqtt.connect(options.mqttUrl, {
      clientId: `kanki-dashboard-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
      username: options.mqttUsername, password: options.mqttPassword, clean: true, reconnectPeriod: 2000, protocolVersion: 4,
    });
    client.on('connect', () => {
      client?.subscribe(ROOM_STATE_FILTER, { qos: 0 }, (err) => err && logger.warn({ err }, 'cannot subscribe to room states'));
    });
    client.on('error', (err) => logger.warn({ err: { message: err.message } }, 'MQTT error'));
    client.on('message', (topic, payload) => {
      const where = parseRoomStateTopic(topic);
      const entry = where ? entries.get(key(where.facilityId, where.roomId)) : undefined;
      if (!entry) return;
      let data: unknown;
      try {
        data = JSON.parse(payload.toString('utf8'));
      } catch {
        return;
      }
      const parsed = RoomStateSchema.safeParse(data);
      if (!parsed.success) return;
      const s = parsed.data;
      const updated = s.updatedAt ? Date.parse(s.updatedAt) : null;
      const stale = s.stale || updated === null || deps.now() - updated > options.staleAfterMs;
      const co2 = stale ? null : roundCo2(s.co2);
      put({
        facility: entry.facilityId, room: entry.roomId, name: { ...entry.name }, facilityName: { ...entry.facilityName }, kind: entry.facilityKind,
        co2, temperature: stale ? null : roundOneDecimal(s.temperature), humidity: stale ? null : roundOneDecimal(s.humidity),
        level: stale ? 'nodata' : levelFor(co2, entry.thresholds), updatedAt: s.updatedAt, stale,
      });
    });
  }

  // While the broker is not connected (none configured, down, or refusing us): poll the store.
  // Always: the stale sweep (a silent room must still turn "no data").
  const timer = setInterval(() => {
    if (!client?.connected) void refreshFromStore();
    const now = deps.now();
    for (const s of rooms.values()) {
      if (!s.stale && s.updatedAt && now - Date.parse(s.updatedAt) > options.staleAfterMs) {
        put({ ...s, co2: null, temperature: null, humidity: null, level: 'nodata', stale: true });
      }
    }
  }, options.pollMs);
  timer.unref();

  return {
    current(facility) {
      const out: RoomStatus[] = [];
      for (const r of deps.registry.rooms) {
        if (facility !== undefined && r.facilityId !== facility) continue;
        const s = rooms.get(key(r.facilityId, r.roomId));
        if (s) out.push(s);
      }
      return out;
    },
    subscribe(listener) {
      events.on('room', listener);
      return () => events.off('room', listener);
    },
    get live() {
      return client?.connected === true || storeOk;
    },
    async close() {
      clearInterval(timer);
      events.removeAllListeners();
      await client?.endAsync(true).catch(() => {});
    },
  };
}
