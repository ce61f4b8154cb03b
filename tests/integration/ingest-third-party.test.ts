/**
 * Tasmota, ESPHome and AirGradient devices end to end: real payloads (tests/fixtures) published on
 * their real topics to an aedes broker, decoded by the running ingest, stored in SQLite.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { DeadLetterSchema, RoomStateSchema, type DeadLetter, type RoomState } from '../../common/payloads.ts';
import { DEAD_LETTER_TOPIC, ROOM_STATE_FILTER, buildRoomStateTopic } from '../../common/topics.ts';
import { connectClient } from '../helpers/mqtt.ts';
import { startIngestFixture } from '../helpers/ingest-fixture.ts';
import { thirdPartyHallRegistry } from '../helpers/third-party-registry.ts';
import { waitFor } from '../helpers/wait-for.ts';

const fixture = (path: string) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url));
const registry = thirdPartyHallRegistry('gym-co2');

const PROBE_TOPIC = buildRoomStateTopic('probe', 'probe');

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('ingest with third-party firmware', () => {
  it('stores each firmware reading in its room, dead-letters invalid ones, and marks rooms offline on LWT/status', async () => {
    const { broker, store, ingest } = await startIngestFixture(registry, cleanups, { INGEST_WARMUP_SECONDS: '0' });

    const watcher = await connectClient(broker.url);
    cleanups.push(() => watcher.endAsync());
    const letters: DeadLetter[] = [];
    const states: RoomState[] = [];
    let probed = false;
    watcher.on('message', (topic, payload) => {
      if (topic === PROBE_TOPIC) probed = true;
      else if (topic === DEAD_LETTER_TOPIC) letters.push(DeadLetterSchema.parse(JSON.parse(payload.toString())));
      else states.push(RoomStateSchema.parse(JSON.parse(payload.toString())));
    });
    await watcher.subscribeAsync([DEAD_LETTER_TOPIC, ROOM_STATE_FILTER], { qos: 1 });
    // aedes may match a wildcard subscription only a moment after its SUBACK: wait until it does.
    await waitFor(async () => {
      await watcher.publishAsync(PROBE_TOPIC, '{}');
      return probed;
    }, 5000, 'room-state subscription active');

    const device = await connectClient(broker.url);
    cleanups.push(() => device.endAsync());
    const publish = (topic: string, file: string) => device.publishAsync(topic, fixture(file), { qos: 1 });
    const start = Date.now();

    await publish('tele/co2-lobby/LWT', 'tasmota/lwt-online.txt');
    await publish('gym-co2/status', 'esphome/status-online.txt');
    const statuses = async () => (await ingest.metrics.statuses.get()).values.reduce((n, v) => n + v.value, 0);
    await waitFor(async () => (await statuses()) === 2, 5000, 'both devices online');
    await publish('tele/co2-lobby/SENSOR', 'tasmota/mhz19b-preheat.json');
    await publish('tele/co2-lobby/SENSOR', 'tasmota/scd40.json');
    await publish('gym-co2/sensor/scd40_temperature/state', 'esphome/temperature.txt');
    await publish('gym-co2/sensor/scd40_humidity/state', 'esphome/humidity.txt');
    await publish('gym-co2/sensor/scd40_co2/state', 'esphome/nan.txt');
    await publish('gym-co2/sensor/scd40_co2/state', 'esphome/co2.txt');
    await publish('airgradient/readings/ecda3b1eaaaf', 'airgradient/no-rco2.json');
    await publish('airgradient/readings/ecda3b1eaaaf', 'airgradient/one.json');

    const latest = await waitFor(async () => {
      const l = await store.latest(3600_000);
      return l.length === 3 ? l : null;
    }, 10_000, 'a reading in each room');
    const byRoom = Object.fromEntries(latest.map((l) => [l.room, l]));
    expect(byRoom.lobby).toMatchObject({ facility: 'nishi-hall', co2: 1204, temperature: 28.8, humidity: 47.5 });
    expect(byRoom.gym).toMatchObject({ co2: 812, temperature: 24.1, humidity: 45.2 });
    expect(byRoom.library).toMatchObject({ co2: 447, temperature: 24.47, humidity: 49 });
    // Tasmota's zone-less `Time` (2024-01-01) is not taken as an instant: the receive time is stored.
    const lobby = await store.history({ facility: 'nishi-hall', room: 'lobby', from: start - 60_000, to: Date.now() + 1, resolution: 'raw' });
    expect(lobby.map((p) => p.co2)).toEqual([1204]);

    await waitFor(() => letters.length === 3, 5000, 'three dead letters');
    expect(letters.map((l) => [l.topic, l.reason])).toEqual([
      ['tele/co2-lobby/SENSOR', 'invalid_payload'],
      ['gym-co2/sensor/scd40_co2/state', 'invalid_payload'],
      ['airgradient/readings/ecda3b1eaaaf', 'invalid_payload'],
    ]);
    expect(letters[0]?.detail).toContain('sensor warming up');
    expect(letters[2]?.detail).toContain('no CO₂ in this message');

    await waitFor(() => ['lobby', 'gym'].every((r) => states.some((s) => s.room === r && s.co2 !== null)), 5000, 'live room states');
    await publish('tele/co2-lobby/LWT', 'tasmota/lwt-offline.txt');
    await publish('gym-co2/status', 'esphome/status-offline.txt');
    for (const r of ['lobby', 'gym']) {
      const offline = await waitFor(() => states.findLast((s) => s.room === r && s.stale), 5000, `${r} offline`);
      expect(offline).toMatchObject({ co2: null, level: 'nodata', stale: true });
    }
    expect(states.findLast((s) => s.room === 'library')).toMatchObject({ co2: 447, stale: false });
  });
});
