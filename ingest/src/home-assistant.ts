/**
 * Home Assistant MQTT discovery: for each registry room, the retained configs that make it appear in
 * an existing Home Assistant as a device with CO₂, temperature, humidity and level sensors, all
 * reading the room state Kanki already publishes (no second data path). Pure: room → messages;
 * `app.ts` sends them at connect and when Home Assistant announces itself (`{prefix}/status` = online).
 */
import { LEVELS } from '../../common/levels.ts';
import type { RoomEntry } from '../../common/registry.ts';
import { HA_KANKI_OBJECT_PREFIX, buildHaDiscoveryTopic } from '../../common/home-assistant-topics.ts';
import { buildRoomStateTopic } from '../../common/topics.ts';

/** One retained discovery message. */
export type DiscoveryMessage = { topic: string; payload: string; retain: true };

export type DiscoveryOptions = {
  /** Discovery prefix (Home Assistant's default `homeassistant`). */
  prefix: string;
  /**
   * Seconds without any room state after which the numeric sensors become unavailable. The ingest
   * publishes a room at least when it turns stale, so silence longer than that means the ingest
   * itself is gone, and its last retained values must not be shown as current.
   */
  expireAfterSeconds: number;
};

type SensorSpec = {
  key: 'co2' | 'temperature' | 'humidity' | 'level';
  name: string;
  extra: Record<string, unknown>;
};

// Names in Japanese like the rest of the public face; Home Assistant shows them after the device name.
const SENSORS: readonly SensorSpec[] = [
  { key: 'co2', name: 'CO₂濃度', extra: { device_class: 'carbon_dioxide', unit_of_measurement: 'ppm', state_class: 'measurement' } },
  { key: 'temperature', name: '室温', extra: { device_class: 'temperature', unit_of_measurement: '°C', state_class: 'measurement', suggested_display_precision: 1 } },
  { key: 'humidity', name: '湿度', extra: { device_class: 'humidity', unit_of_measurement: '%', state_class: 'measurement', suggested_display_precision: 0 } },
  { key: 'level', name: '換気レベル', extra: { device_class: 'enum', options: [...LEVELS] } },
];

/** `kanki_{facility}_{room}`: registry ids are `[a-z0-9-]`, so this is a valid Home Assistant object id. */
export function buildHaDeviceId(room: Pick<RoomEntry, 'facilityId' | 'roomId'>): string {
  return `${HA_KANKI_OBJECT_PREFIX}${room.facilityId}_${room.roomId}`;
}

/** The discovery configs of one room: one retained message per sensor. */
export function buildRoomDiscovery(room: RoomEntry, options: DiscoveryOptions): DiscoveryMessage[] {
  const deviceId = buildHaDeviceId(room);
  const stateTopic = buildRoomStateTopic(room.facilityId, room.roomId);
  const device = {
    identifiers: [deviceId],
    name: `${room.facilityName.ja} ${room.name.ja}`,
    manufacturer: 'Kanki',
    model: 'CO₂ room',
    suggested_area: room.name.ja,
  };
  return SENSORS.map((s) => {
    const objectId = `${deviceId}_${s.key}`;
    // A stale room has null values: Jinja renders null as "None", which Home Assistant shows as
    // unknown; the availability template below makes it "unavailable" instead, and says why.
    // The level stays available: `nodata` is itself the answer ("no data"), one of its options.
    const numeric = s.key !== 'level';
    const config = {
      name: s.name,
      unique_id: objectId,
      // Entity ids are `[a-z0-9_]`; without this Home Assistant would derive them from the Japanese names.
      default_entity_id: `sensor.${objectId.replaceAll('-', '_')}`,
      state_topic: stateTopic,
      value_template: `{{ value_json.${s.key} }}`,
      ...s.extra,
      ...(numeric
        ? {
            availability: [{ topic: stateTopic, value_template: "{{ 'offline' if value_json.stale else 'online' }}" }],
            expire_after: options.expireAfterSeconds,
          }
        : {}),
      device,
      origin: { name: 'Kanki' },
    };
    return { topic: buildHaDiscoveryTopic(options.prefix, 'sensor', objectId), payload: JSON.stringify(config), retain: true as const };
  });
}

/** The discovery configs of every room, in registry order. */
export function buildDiscovery(rooms: readonly RoomEntry[], options: DiscoveryOptions): DiscoveryMessage[] {
  return rooms.flatMap((room) => buildRoomDiscovery(room, options));
}
