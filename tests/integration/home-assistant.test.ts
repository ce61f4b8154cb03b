/**
 * Home Assistant discovery end to end: the Kanki broker with authentication (so its ACL is part of
 * the test), the ingest with HA_DISCOVERY=true, and a client standing in for Home Assistant.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startBroker } from '../../broker/src/app.ts';
import { hashSecret } from '../../broker/src/secrets.ts';
import { buildHaStatusTopic } from '../../common/home-assistant-topics.ts';
import { createSilentLogger } from '../../common/logger.ts';
import { loadRegistryFile } from '../../common/registry.ts';
import { DEFAULT_RETENTION } from '../../common/store/reading-store.ts';
import { createSqliteStore } from '../../common/store/sqlite-store.ts';
import { buildRoomStateTopic } from '../../common/topics.ts';
import { startIngest } from '../../ingest/src/app.ts';
import { loadIngestConfig } from '../../ingest/src/config.ts';
import { connectClient } from '../helpers/mqtt.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';

const registry = loadRegistryFile('config/registry.demo.yaml');
const logger = createSilentLogger();
const PASSWORD = 'ingest-secret-ha-0d8e4b2c91';
const HA_PASSWORD = 'home-assistant-secret-7f3a9c1e52';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('Home Assistant discovery', () => {
  it('publishes a retained config per room sensor at connect and again when Home Assistant comes online', async () => {
    const dir = makeTempDir();
    cleanups.push(() => dir.remove());
    const secretsFile = join(dir.path, 'secrets.yaml');
    const hash = (secret: string) => hashSecret(secret, { N: 1024, r: 8, p: 1 });
    writeFileSync(secretsFile, [
      'services:',
      `  kanki-ingest: { secret: "${await hash(PASSWORD)}", role: ingest }`,
      `  home-assistant: { secret: "${await hash(HA_PASSWORD)}", role: home-assistant }`,
      '',
    ].join('\n'));
    chmodSync(secretsFile, 0o600);
    const broker = await startBroker(
      { port: 0, host: '127.0.0.1', secretsFile, nodeEnv: 'test', maxPacketBytes: 65_536, logLevel: 'silent' },
      { logger },
    );
    cleanups.push(() => broker.close());
    const url = `mqtt://127.0.0.1:${broker.port}`;

    const store = createSqliteStore({ file: join(dir.path, 'kanki.sqlite'), retention: DEFAULT_RETENTION }, { logger });
    await store.init();
    cleanups.push(() => store.close());
    const ingest = await startIngest(
      loadIngestConfig({
        MQTT_URL: url, MQTT_USERNAME: 'kanki-ingest', MQTT_PASSWORD: PASSWORD, DATA_DIR: dir.path,
        INGEST_HTTP_PORT: '0', INGEST_HTTP_HOST: '127.0.0.1', HA_DISCOVERY: 'true', KANKI_STAFF: 'none',
      }),
      { logger, registry, store },
    );
    cleanups.push(() => ingest.close());

    // Home Assistant's side, with its own broker user (role home-assistant) and its Last Will.
    const ha = await connectClient(url, {
      clientId: 'home-assistant', username: 'home-assistant', password: HA_PASSWORD,
      will: { topic: buildHaStatusTopic('homeassistant'), payload: Buffer.from('offline'), qos: 1, retain: false },
    });
    cleanups.push(() => ha.endAsync());
    // By topic: a config sent while we subscribe can arrive both live and as the retained copy.
    type Config = { state_topic: string; unique_id: string };
    const seen = new Map<string, Config>();
    ha.on('message', (topic, payload) => {
      if (topic.endsWith('/config')) seen.set(topic, JSON.parse(payload.toString()) as Config);
    });
    const granted = await ha.subscribeAsync(['homeassistant/#', 'kanki/v1/rooms/+/+/state'], { qos: 1 });
    expect(granted.map((g) => g.qos)).toEqual([1, 1]);
    // Readings and alerts (staff detail) are not Home Assistant's to read.
    await expect(ha.subscribeAsync('kanki/v1/sensors/#', { qos: 1 })).rejects.toThrow(/Subscribe error/);
    await expect(ha.subscribeAsync('kanki/v1/alerts/#', { qos: 1 })).rejects.toThrow(/Subscribe error/);

    const expected = registry.rooms.length * 4;
    await waitFor(() => seen.size === expected, 10_000, 'a discovery config per room sensor');
    const room = registry.rooms[0];
    if (!room) throw new Error('empty demo registry');
    const co2 = seen.get(`homeassistant/sensor/kanki_${room.facilityId}_${room.roomId}_co2/config`);
    expect(co2?.state_topic).toBe(buildRoomStateTopic(room.facilityId, room.roomId));
    for (const r of registry.rooms) {
      expect([...seen.values()].filter((c) => c.state_topic === buildRoomStateTopic(r.facilityId, r.roomId))).toHaveLength(4);
    }

    // Home Assistant restarts and announces itself: every config is sent again.
    seen.clear();
    await ha.publishAsync(buildHaStatusTopic('homeassistant'), 'online', { qos: 1 });
    await waitFor(() => seen.size === expected, 10_000, 'the configs sent again');
    expect(new Set([...seen.values()].map((c) => c.unique_id)).size).toBe(expected);
    // The broker's ACL allowed all of it: the ingest was never disconnected for a refused publish.
    expect((await ingest.metrics.mqttConnected.get()).values[0]?.value).toBe(1);
  });
});
