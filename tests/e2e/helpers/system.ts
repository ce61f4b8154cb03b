/**
 * The whole Kanki system in this process, for the browser tests: the broker, the embedded SQLite
 * store in a temp dir, the ingest, the dashboard and the firmware simulator — started in the same
 * order as `npm start` (start.ts), all on free loopback ports, and stopped in reverse.
 *
 * The simulator runs fast (`speed`, default 60: one reading per device per real second, a
 * simulated hour per real minute) from a fixed weekday morning with a fixed seed, so the pages
 * show realistic, varied levels — rooms filling up, some needing air — and the same ones on every
 * run. Rooms named in `manualRooms` are left out of the simulation: a test owns them and sets their
 * value with `pushReading`, which publishes a native reading for the room's sensor on the broker,
 * so it travels the real path (broker → ingest → room state → dashboard feed → SSE → page).
 */
import { deviceKey, loadRegistryFile, type Registry, type RoomEntry } from '../../../common/registry.ts';
import { createSilentLogger } from '../../../common/logger.ts';
import { createStoreFromEnv } from '../../../common/store/store-config.ts';
import { buildSensorReadingTopic } from '../../../common/topics.ts';
import type { ReadingPayload } from '../../../common/payloads.ts';
import { startBroker } from '../../../broker/src/app.ts';
import { loadBrokerConfig } from '../../../broker/src/config.ts';
import { startDashboard } from '../../../dashboard/src/app.ts';
import { loadDashboardConfig } from '../../../dashboard/src/config.ts';
import { resolveStaffConsole } from '../../../dashboard/src/staff/staff-console-config.ts';
import { startSimulator } from '../../../firmware-sim/src/app.ts';
import { parseSimArgs } from '../../../firmware-sim/src/config.ts';
import { startIngest } from '../../../ingest/src/app.ts';
import { loadIngestConfig } from '../../../ingest/src/config.ts';
import { loadIngestFiles } from '../../../ingest/src/ingest-files.ts';
import { connectClient } from '../../helpers/mqtt.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';
import { waitFor } from '../../helpers/wait-for.ts';

/** Options of `startSystem`; every one has a default that suits a page test. */
export type SystemOptions = {
  /** Registry file (default: the demo registry of ten Nishi-ward facilities, 43 rooms). */
  registryFile?: string;
  /** `facility/room` ids the simulator leaves alone; set them with `pushReading`. */
  manualRooms?: readonly string[];
  /** Simulated seconds per real second (default 60). */
  speed?: number;
  /** Seed of the simulation (default 20261124): the same rooms rise and fall on every run. */
  seed?: number;
  /**
   * Simulated start (default Tuesday 2026-11-24 10:00 JST: offices, schools and nurseries are
   * occupied, so the levels vary; a start at night would show every room "good").
   */
  simStart?: string;
  /** Extra environment for the ingest and dashboard configs (e.g. `STALE_AFTER_SECONDS`). */
  env?: Record<string, string>;
};

/** A running system. */
export type RunningSystem = {
  /** The dashboard's base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** The broker, e.g. `mqtt://127.0.0.1:40124`. */
  readonly mqttUrl: string;
  /** The ingest's HTTP port (metrics, staff API). */
  readonly ingestHttpPort: number;
  readonly registry: Registry;
  /** Data directory (the SQLite store and the ingest's log). */
  readonly dataDir: string;
  /**
   * Publishes one native reading for every sensor of the room (so the room's median is `co2`) at
   * QoS 1 and resolves when the broker has acknowledged it. Use a room from `manualRooms`: the
   * simulator would overwrite any other room within a second.
   */
  pushReading(facility: string, room: string, reading: ReadingPayload | number): Promise<void>;
  /** Resolves once every simulated room has a current value in the public API. */
  waitForLiveData(timeoutMs?: number): Promise<void>;
  /** Stops everything in reverse order and removes the temp dir. Idempotent. */
  close(): Promise<void>;
};

const DEMO_REGISTRY = new URL('../../../config/registry.demo.yaml', import.meta.url).pathname;

const roomKey = (r: Pick<RoomEntry, 'facilityId' | 'roomId'>) => `${r.facilityId}/${r.roomId}`;

/** Starts broker → store → ingest → dashboard → simulator; on any failure stops what started. */
export async function startSystem(options: SystemOptions = {}): Promise<RunningSystem> {
  const logger = createSilentLogger();
  const tmp = makeTempDir('kanki-e2e-');
  const stops: (() => Promise<void>)[] = [];
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
      tmp.remove();
    })();
    return closed;
  };

  try {
    const registryFile = options.registryFile ?? DEMO_REGISTRY;
    const registry = loadRegistryFile(registryFile);
    const manual = new Set(options.manualRooms ?? []);
    for (const key of manual) {
      const [facility = '', room = ''] = key.split('/');
      if (!registry.room(facility, room)) throw new Error(`manualRooms: "${key}" is not a room of ${registryFile}`);
    }
    const env = {
      NODE_ENV: 'test', LOG_LEVEL: 'silent', KANKI_REGISTRY: registryFile, DATA_DIR: tmp.path,
      // Room states go out at once instead of at most every 5 s, so a pushed reading shows without waiting for a tick.
      ROOM_STATE_INTERVAL_MS: '100',
      // Every test (and its polling) comes from 127.0.0.1; the public limit is for real visitors.
      PUBLIC_RATE_LIMIT_PER_MINUTE: '1000000',
      ...options.env,
    };

    const broker = await startBroker(loadBrokerConfig({ ...env, MQTT_PORT: '0', MQTT_HOST: '127.0.0.1' }), { logger });
    stops.push(() => broker.close());
    const mqttUrl = `mqtt://127.0.0.1:${broker.port}`;

    // Like `npm start` with a fast simulator: device warm-up (3 min) divided by the speed.
    const ingestConfig = loadIngestConfig({ INGEST_WARMUP_SECONDS: String(Math.round(180 / (options.speed ?? 60))), ...env, MQTT_URL: mqttUrl, INGEST_HTTP_PORT: '0', INGEST_HTTP_HOST: '127.0.0.1' });
    const store = createStoreFromEnv(ingestConfig, { logger });
    await store.init();
    stops.push(() => store.close());
    const ingest = await startIngest(ingestConfig, { logger, registry, store, ...loadIngestFiles(ingestConfig, env, registry) });
    stops.push(() => ingest.close());

    const dashboardConfig = loadDashboardConfig({ ...env, HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', KANKI_INGEST_URL: `http://127.0.0.1:${ingest.httpPort}` });
    // The staff console, as `npm start` mounts it: the example staff file and its service token.
    const staffConsole = resolveStaffConsole(dashboardConfig, { registry, logger });
    const dashboard = await startDashboard({ ...dashboardConfig, liveMqttUrl: mqttUrl }, { registry, store, logger, staffConsole });
    stops.push(() => dashboard.close());

    // The simulator sees a registry without the manual rooms, so it never publishes for them.
    const simulated: Registry = { ...registry, rooms: registry.rooms.filter((r) => !manual.has(roomKey(r))) };
    const simConfig = parseSimArgs([
      '--broker', mqttUrl, '--speed', String(options.speed ?? 60), '--seed', String(options.seed ?? 20261124),
      '--start', options.simStart ?? '2026-11-24T10:00:00+09:00', '--log-level', 'silent',
    ]);
    const sim = await startSimulator(simConfig, { logger, registry: simulated });
    stops.push(() => sim.close());

    const pusher = await connectClient(mqttUrl, { clientId: `kanki-e2e-pusher-${process.pid}` });
    stops.push(() => pusher.endAsync().then(() => undefined));

    const url = `http://127.0.0.1:${dashboard.port}`;
    return {
      url,
      mqttUrl,
      ingestHttpPort: ingest.httpPort,
      registry,
      dataDir: tmp.path,
      async pushReading(facility, room, reading) {
        const entry = registry.room(facility, room);
        if (!entry) throw new Error(`pushReading: no room ${facility}/${room} in the registry`);
        if (!manual.has(roomKey(entry))) throw new Error(`pushReading: ${facility}/${room} is simulated; name it in manualRooms so the simulator leaves it alone`);
        const sensors = entry.sensors.map(deviceKey).filter((d) => d.kind === 'native');
        if (sensors.length === 0) throw new Error(`pushReading: ${facility}/${room} has no native sensor`);
        const payload: ReadingPayload = typeof reading === 'number' ? { co2: reading, temperature: 22.5, humidity: 45 } : reading;
        for (const s of sensors) await pusher.publishAsync(buildSensorReadingTopic(s.id), JSON.stringify(payload), { qos: 1 });
      },
      async waitForLiveData(timeoutMs = 20_000) {
        const expected = simulated.rooms.map(roomKey);
        await waitFor(async () => {
          const body = (await (await fetch(`${url}/api/v1/rooms`)).json()) as { rooms: { facility: string; room: string; co2: number | null }[] };
          const withData = new Set(body.rooms.filter((r) => r.co2 !== null).map((r) => `${r.facility}/${r.room}`));
          return expected.every((k) => withData.has(k));
        }, timeoutMs, 'every simulated room to have a current reading');
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
