import { describe, expect, it } from 'vitest';
import { mayPublish } from '../../broker/src/acl.ts';
import { HA_DEFAULT_PREFIX, HA_OBJECT_ID_PATTERN, buildHaStatusTopic, isKankiDiscoveryTopic } from '../../common/home-assistant-topics.ts';
import { loadRegistryFile } from '../../common/registry.ts';
import { buildRoomStateTopic } from '../../common/topics.ts';
import { buildDiscovery, buildRoomDiscovery } from '../../ingest/src/home-assistant.ts';
import { loadIngestConfig } from '../../ingest/src/config.ts';

const registry = loadRegistryFile('config/registry.demo.yaml');
const room = registry.room('tobe-elementary', 'class-1-1');
if (!room) throw new Error('demo registry changed: tobe-elementary/class-1-1 missing');
const options = { prefix: HA_DEFAULT_PREFIX, expireAfterSeconds: 600 };

type Config = {
  name: string; unique_id: string; default_entity_id: string; state_topic: string; value_template: string;
  device_class: string; unit_of_measurement?: string; options?: string[]; expire_after?: number;
  availability?: { topic: string; value_template: string }[];
  device: { identifiers: string[]; name: string; suggested_area: string; manufacturer: string };
};
const parse = (payload: string) => JSON.parse(payload) as Config;

describe('Home Assistant discovery', () => {
  it('gives each room CO₂, temperature, humidity and level sensors on its state topic, retained', () => {
    const messages = buildRoomDiscovery(room, options);
    expect(messages.map((m) => m.topic)).toEqual(['co2', 'temperature', 'humidity', 'level'].map((k) => `homeassistant/sensor/kanki_tobe-elementary_class-1-1_${k}/config`));
    for (const m of messages) {
      expect(m.retain).toBe(true);
      expect(parse(m.payload).state_topic).toBe(buildRoomStateTopic('tobe-elementary', 'class-1-1'));
    }
    const [co2, temperature, humidity, level] = messages.map((m) => parse(m.payload)) as [Config, Config, Config, Config];
    expect(co2).toMatchObject({ device_class: 'carbon_dioxide', unit_of_measurement: 'ppm', value_template: '{{ value_json.co2 }}' });
    expect(temperature).toMatchObject({ device_class: 'temperature', unit_of_measurement: '°C' });
    expect(humidity).toMatchObject({ device_class: 'humidity', unit_of_measurement: '%' });
    expect(level).toMatchObject({ device_class: 'enum', options: ['good', 'fair', 'ventilate', 'critical', 'nodata'], value_template: '{{ value_json.level }}' });
  });

  it('uses ids Home Assistant accepts and unique across the registry', () => {
    const configs = buildDiscovery(registry.rooms, options).map((m) => ({ topic: m.topic, config: parse(m.payload) }));
    expect(configs).toHaveLength(registry.rooms.length * 4);
    expect(new Set(configs.map((c) => c.config.unique_id)).size).toBe(configs.length);
    for (const { topic, config } of configs) {
      expect(config.unique_id).toMatch(HA_OBJECT_ID_PATTERN);
      expect(topic.split('/')[2]).toBe(config.unique_id);
      expect(config.default_entity_id).toMatch(/^sensor\.[a-z0-9_]+$/);
      // The broker lets the ingest publish exactly these topics.
      expect(isKankiDiscoveryTopic(topic, HA_DEFAULT_PREFIX)).toBe(true);
      expect(mayPublish({ kind: 'service', name: 'kanki-ingest', role: 'ingest' }, topic)).toBe(true);
    }
  });

  it('names the device and sensors in Japanese, and puts the device in the room\'s area', () => {
    const configs = buildRoomDiscovery(room, options).map((m) => parse(m.payload));
    const device = configs[0]?.device;
    expect(device).toMatchObject({ identifiers: ['kanki_tobe-elementary_class-1-1'], name: `${room.facilityName.ja} ${room.name.ja}`, suggested_area: room.name.ja, manufacturer: 'Kanki' });
    expect(device?.name).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
    for (const c of configs) {
      expect(c.device).toEqual(device);
      expect(c.name).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
    }
  });

  it('makes the numbers unavailable while the room is stale or the ingest is silent, but keeps the level (nodata)', () => {
    const [co2, , , level] = buildRoomDiscovery(room, { ...options, expireAfterSeconds: 600 }).map((m) => parse(m.payload));
    expect(co2?.availability).toEqual([{ topic: buildRoomStateTopic('tobe-elementary', 'class-1-1'), value_template: "{{ 'offline' if value_json.stale else 'online' }}" }]);
    expect(co2?.expire_after).toBe(600);
    expect(level?.availability).toBeUndefined();
    expect(level?.expire_after).toBeUndefined();
  });

  it('follows a custom prefix, and is off by default', () => {
    expect(buildRoomDiscovery(room, { ...options, prefix: 'ha/test' })[0]?.topic).toBe('ha/test/sensor/kanki_tobe-elementary_class-1-1_co2/config');
    expect(buildHaStatusTopic('ha/test')).toBe('ha/test/status');
    expect(loadIngestConfig({})).toMatchObject({ HA_DISCOVERY: false, HA_DISCOVERY_PREFIX: 'homeassistant' });
    expect(loadIngestConfig({ HA_DISCOVERY: 'true', HA_DISCOVERY_PREFIX: 'ha/test' })).toMatchObject({ HA_DISCOVERY: true, HA_DISCOVERY_PREFIX: 'ha/test' });
    expect(() => loadIngestConfig({ HA_DISCOVERY_PREFIX: 'ha/#' })).toThrow(/HA_DISCOVERY_PREFIX/);
  });
});
