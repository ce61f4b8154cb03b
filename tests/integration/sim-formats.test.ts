/**
 * The simulator speaking Tasmota, ESPHome and AirGradient to a real aedes broker, decoded by the
 * running ingest and stored in SQLite: each device's readings land in its own room (temperature
 * and humidity included), nothing is dead-lettered, and a clean close marks the devices that have
 * an availability topic offline.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../common/logger.ts';
import { DeadLetterSchema, RoomStateSchema, type DeadLetter, type RoomState } from '../../common/payloads.ts';
import { DEAD_LETTER_TOPIC, ROOM_STATE_FILTER, buildRoomStateTopic } from '../../common/topics.ts';
import { startSimulator } from '../../firmware-sim/src/app.ts';
import { parseSimArgs } from '../../firmware-sim/src/config.ts';
import { connectClient } from '../helpers/mqtt.ts';
import { startIngestFixture } from '../helpers/ingest-fixture.ts';
import { thirdPartyHallRegistry } from '../helpers/third-party-registry.ts';
import { waitFor } from '../helpers/wait-for.ts';

const logger = createSilentLogger();
const registry = thirdPartyHallRegistry('nishi/gym-co2');
const PROBE_TOPIC = buildRoomStateTopic('probe', 'probe');

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('simulated third-party firmware through the ingest', () => {
  it('stores readings of a Tasmota, an ESPHome and an AirGradient device in their rooms', async () => {
    const { broker, store, ingest } = await startIngestFixture(registry, cleanups);

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
    await waitFor(async () => {
      await watcher.publishAsync(PROBE_TOPIC, '{}');
      return probed;
    }, 5000, 'room-state subscription active');

    const sim = await startSimulator(parseSimArgs([
      '--broker', broker.url, '--speed', '600', '--interval', '60', '--seed', '11',
      '--start', '2026-11-24T10:00:00+09:00', '--log-level', 'silent',
    ], {}), { logger, registry });
    cleanups.push(() => sim.close());
    expect(sim.stats().devices).toBe(3);

    // Several readings per room: the ESPHome device's temperature and humidity must go with its CO₂.
    const history = async (r: string) => store.history({ facility: 'nishi-hall', room: r, from: Date.now() - 3600_000, to: Date.now() + 1, resolution: 'raw' });
    await waitFor(async () => {
      for (const r of ['lobby', 'gym', 'library']) if ((await history(r)).length < 3) return false;
      return true;
    }, 15_000, 'three readings in each room');
    // The store holds them whatever their quality flag: Tasmota and ESPHome devices said `online`, so
    // their first three minutes are flagged as sensor warm-up (quality.ts) and kept out of alerts.
    for (const r of ['lobby', 'gym', 'library']) {
      for (const p of await history(r)) {
        expect(p.co2).toBeGreaterThan(300);
        expect(p.co2).toBeLessThan(5000);
        expect(p.temperature).toBeGreaterThan(5);
        expect(p.humidity).toBeGreaterThan(10);
      }
    }
    expect(letters).toEqual([]);

    // A clean close: Tasmota and ESPHome publish their retained offline word, so their rooms show
    // no data; AirGradient has no availability topic, so its room keeps its reading until stale.
    await waitFor(() => states.some((s) => s.room === 'library' && s.co2 !== null), 5000, 'live library state');
    const statusCount = async (status: string) => (await ingest.metrics.statuses.get()).values.find((v) => v.labels.status === status)?.value ?? 0;
    expect(await statusCount('online')).toBe(2);
    expect(await statusCount('offline')).toBe(0);
    await sim.close();
    await waitFor(async () => (await statusCount('offline')) === 2, 5000, 'Offline / offline from both devices');
    for (const r of ['lobby', 'gym']) {
      const offline = await waitFor(() => states.findLast((s) => s.room === r && s.stale), 5000, `${r} offline`);
      expect(offline).toMatchObject({ co2: null, level: 'nodata' });
    }
    expect(states.findLast((s) => s.room === 'library')).toMatchObject({ stale: false });
  });
});
