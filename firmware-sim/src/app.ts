/**
 * The simulator: one device (MQTT connection) per sensor of the registry, each in the format its
 * registry entry names (native, Tasmota, ESPHome, AirGradient: formats.ts), rooms stepped in
 * simulated time, readings published on each device's own schedule. Built without reading env or
 * argv (that is main.ts), so the all-in-one start script and the tests start it the same way.
 */
import type { Logger } from '../../common/logger.ts';
import type { ReadingPayload } from '../../common/payloads.ts';
import type { Registry, RoomEntry } from '../../common/registry.ts';
import { closedLoopConfigOf, startClosedLoop, type ClosedLoop, type ClosedLoopStats } from './closed-loop.ts';
import { loadSimSecrets, type SimConfig } from './config.ts';
import { targetedDevices } from './fault-plan.ts';
import { startDevice, type SimDevice } from './device.ts';
import { createFaultRunner, type FaultCounts, type FaultEvent, type FaultRunner } from './fault-runner.ts';
import { availabilityOf, clientIdOf, encodeReading, simDeviceKey, simDeviceOf, type SimDeviceRef } from './formats.ts';
import { createKeyedRandom, createRng } from './random.ts';
import type { LoopReport } from './loop-report.ts';
import { createSimRoom, takeDueReadings, type SimRoom, type SimRoomOptions } from './room-sim.ts';
import { createSimClock, resolveTimestampMode } from './sim-clock.ts';
import { startTicker } from './ticker.ts';

/** Counters over all devices, for the progress line and tests. */
export type SimStats = {
  /** Devices simulated. */
  devices: number;
  /** Devices connected right now. */
  connected: number;
  /** Readings acknowledged by the broker. */
  published: number;
  /** Connection and publish errors. */
  errors: number;
  /** Readings waiting in offline buffers. */
  buffered: number;
  /** Readings refused because a buffer was full. */
  dropped: number;
  /** Readings sent and not yet acknowledged. */
  inflight: number;
  /** Simulated time now (ISO 8601). */
  simTime: string;
  /** Successful connections after the first, over all connections. */
  reconnects?: number;
  /** Acknowledged readings per firmware format (native, tasmota, esphome, airgradient). */
  byFormat?: Record<string, number>;
  /** Load mode: MQTT connections up, of all it opened. */
  connections?: { up: number; total: number };
  /** Faults injected so far, by kind (only with `--faults`; see fault-runner.ts for the units). */
  faults?: FaultCounts;
  /** With `--staff-loop`: what the simulated staff did (1/0 for connected, so every field is a number). */
  staff?: Record<keyof ClosedLoopStats, number>;
};

/** What the simulator needs from its caller. */
export type SimDeps = {
  logger: Logger;
  registry: Registry;
  /** Device secrets (id → plain secret); by default read from `config.secrets` when set. */
  secrets?: ReadonlyMap<string, string>;
  /** Real clock, injectable for tests. */
  realNow?: () => number;
  /** Told of every injected fault (tests; `--faults` only). */
  onFault?: (e: FaultEvent) => void;
  /** MQTT password of the simulated staff (`--staff-loop`), from env KANKI_SIM_STAFF_MQTT_PASSWORD. */
  staffMqttPassword?: string;
};

/** A running simulator. */
export type Simulator = {
  /**
   * Stops simulated time and the simulated staff (waiting for their acknowledgements in flight);
   * devices stay connected and say nothing more. Lets a whole system stop its ingest before the
   * devices say goodbye, so a shutdown does not read as every monitor going offline. Idempotent.
   */
  halt(): Promise<void>;
  /** Halts, then flushes and disconnects every device cleanly (each publishes `offline`). Idempotent. */
  close(): Promise<void>;
  stats(): SimStats;
  /** Resolves when `--duration` has elapsed (never, without one) or the simulator is closed. */
  readonly done: Promise<void>;
  /** The seed in use (logged, so a run can be repeated). */
  readonly seed: number;
  /** The simulated instant the run started at (epoch ms). */
  readonly startMs: number;
  /** With `--staff-loop`: minutes above 1000/1500 ppm per room and day, with and without staff reacting; else null. */
  loopReport(): LoopReport | null;
};

/**
 * The sensors of the registry in file order, each with its room and the firmware it speaks; the
 * first `limit` only. `sensorId` is the native id, or `{kind}:{id}` for a third-party device.
 */
export function selectSensors(registry: Registry, limit?: number): { sensorId: string; room: RoomEntry; device: SimDeviceRef }[] {
  const all = registry.rooms.flatMap((room) =>
    room.sensors.map(simDeviceOf).map((device) => ({ sensorId: simDeviceKey(device), room, device })),
  );
  return limit === undefined ? all : all.slice(0, limit);
}

/** How long each device may take to flush and say goodbye at close. */
const CLOSE_TIMEOUT_MS = 5000;

/** Starts every device and the simulated clock; resolves once all connections are under way. */
export async function startSimulator(config: SimConfig, deps: SimDeps): Promise<Simulator> {
  const log = deps.logger.child({ component: 'firmware-sim' });
  const realNow = deps.realNow ?? Date.now;
  const secrets = deps.secrets ?? (config.secrets ? loadSimSecrets(config.secrets) : new Map<string, string>());
  const startMs = config.start ?? realNow();
  const clock = createSimClock({ startMs, speed: config.speed, realNow });
  const stamp = resolveTimestampMode(config.timestamps, config.speed, startMs, realNow()) === 'device';
  const intervalMs = config.interval * 1000;
  const endMs = config.duration === undefined ? Infinity : startMs + config.duration * 1000;
  const rand = createKeyedRandom(config.seed);

  const selected = selectSensors(deps.registry, config.sensors);
  const byRoom = new Map<RoomEntry, string[]>();
  for (const { sensorId, room } of selected) byRoom.set(room, [...(byRoom.get(room) ?? []), sensorId]);
  const roomOptions: SimRoomOptions = { seed: config.seed, startMs, intervalMs, sensorType: config.sensorType };
  const rooms: SimRoom[] = [...byRoom].map(([entry, ids]) => createSimRoom(entry, ids, roomOptions, rand));
  // Simulated staff who react to alerts, and a twin per room (closed-loop.ts); they connect in the background.
  const loop: ClosedLoop | undefined = config.staffLoop
    ? await startClosedLoop(
      [...byRoom.keys()].map((entry, i) => ({ entry, room: rooms[i] as SimRoom })),
      closedLoopConfigOf(config, startMs, deps.staffMqttPassword),
      { logger: log, clock, rand, roomOptions },
    )
    : undefined;
  const missingSecrets = secrets.size > 0 ? selected.filter((s) => !secrets.has(s.device.id)).length : 0;
  if (missingSecrets > 0) log.warn({ missingSecrets }, 'some devices have no secret in the secrets file and connect without a password');

  const devices = new Map<string, SimDevice>();
  const deviceRefs = new Map<string, SimDeviceRef>();
  for (const { sensorId, device } of selected) {
    deviceRefs.set(sensorId, device);
    devices.set(sensorId, startDevice({
      sensorId,
      brokerUrl: config.broker,
      // Third-party devices connect as their firmware does; the broker's ACL binds the username's topics.
      clientId: clientIdOf(device),
      username: device.id,
      availability: availabilityOf(device),
      password: secrets.get(device.id),
      bufferSize: config.buffer,
      reconnectMinMs: config.reconnectMin * 1000,
      reconnectMaxMs: config.reconnectMax * 1000,
      logger: log,
      random: createRng(config.seed, `backoff|${sensorId}`),
    }));
  }
  log.info({
    devices: devices.size, rooms: rooms.length, seed: config.seed, speed: config.speed, interval: config.interval,
    start: new Date(startMs).toISOString(), timestamps: stamp ? 'device' : 'none', broker: config.broker,
  }, 'simulator started');
  if (devices.size === 0) log.warn('the registry has no sensors to simulate');

  // Tick a few times per reading interval (real time), at most 50 times a second.
  const tickMs = Math.min(1000, Math.max(20, intervalMs / config.speed / 4));
  const faults: FaultRunner | undefined = Object.keys(config.faults).length === 0 ? undefined : createFaultRunner({
    plan: config.faults, seed: config.seed, startMs, intervalMs, speed: config.speed, holdLimit: config.buffer, onFault: deps.onFault,
    devices: new Map([...devices].flatMap(([id, device]) => {
      const ref = deviceRefs.get(id);
      return ref ? [[id, { device, ref }] as const] : [];
    })),
  });
  if (faults) log.info({ faults: config.faults }, 'fault injection on');
  const simulatedIds = new Set([...deviceRefs].flatMap(([key, ref]) => [key, ref.id]));
  const unknownTargets = targetedDevices(config.faults).filter((id) => !simulatedIds.has(id));
  if (unknownTargets.length > 0) log.warn({ unknownTargets }, 'faults are aimed at devices that are not simulated');
  const emit = (sensorId: string, payload: ReadingPayload, atMs: number) => {
    const device = deviceRefs.get(sensorId);
    if (faults) faults.emit(sensorId, payload, atMs);
    else if (device) devices.get(sensorId)?.send(encodeReading(device, payload, atMs));
  };

  const ticker = startTicker({
    tickMs, now: () => clock.now(), endMs, logger: log, what: 'simulation',
    step(now) {
      for (const room of rooms) takeDueReadings(room, now, endMs, { intervalMs, stamp, rand }, emit);
      faults?.tick(Math.min(now, endMs));
      loop?.advance();
    },
  });

  function stats(): SimStats {
    const s: SimStats = { devices: devices.size, connected: 0, published: 0, errors: 0, buffered: 0, dropped: 0, inflight: 0, simTime: new Date(Math.min(clock.now(), endMs)).toISOString() };
    let reconnects = 0;
    const byFormat: Record<string, number> = {};
    for (const [id, d] of devices) {
      const ds = d.stats();
      reconnects += Math.max(0, ds.connects - 1);
      const kind = deviceRefs.get(id)?.kind ?? 'native';
      byFormat[kind] = (byFormat[kind] ?? 0) + ds.published;
      if (ds.connected) s.connected++;
      s.published += ds.published;
      s.errors += ds.errors;
      s.buffered += ds.buffered;
      s.dropped += ds.dropped;
      s.inflight += ds.inflight;
    }
    if (faults) s.faults = faults.counts();
    if (loop) {
      const l = loop.stats();
      s.staff = { ...l, connected: l.connected ? 1 : 0 };
    }
    return { ...s, reconnects, byFormat };
  }

  let closing: Promise<void> | undefined;
  let halting: Promise<void> | undefined;
  const halt = (): Promise<void> => {
    halting ??= (async () => {
      ticker.stop();
      faults?.releaseAll();
      await loop?.close();
    })();
    return halting;
  };
  return {
    done: ticker.done,
    seed: config.seed,
    startMs,
    stats,
    loopReport: () => loop?.report() ?? null,
    halt,
    close() {
      closing ??= (async () => {
        await halt();
        await Promise.all([...devices.values()].map((d) => d.close(CLOSE_TIMEOUT_MS)));
        log.info(stats(), 'simulator stopped');
      })();
      return closing;
    },
  };
}
