/**
 * The load mode (`--load N`): N synthetic native sensors in one process, multiplexed over
 * `--connections K` MQTT connections, each sensor publishing contract readings on its own
 * `kanki/v1/sensors/{id}/reading` topic at its own phase of `--interval`.
 *
 * Why shared connections: one connection per sensor (what the normal mode does, as real monitors
 * do) cannot reach 100,000 on one machine. Every connection to one broker address:port needs its
 * own local ephemeral port (Linux offers ~28,000 by default, `net.ipv4.ip_local_port_range`) and a
 * file descriptor on both ends, and an MQTT.js client costs tens of kilobytes. So the broker must
 * let a client publish for many sensor ids, i.e. run without device authentication / ACL.
 *
 * Bounded memory: the state is typed arrays (load-state.ts), readings are made when due, and each
 * connection has at most `--inflight` unacknowledged readings. A reading that comes due while its
 * connection is full or down is not queued: it is skipped and counted as `dropped` ("behind"), so a
 * broker that cannot keep up shows as a rate below target and a growing dropped count, never as
 * growing memory.
 */
import { connect, type MqttClient } from 'mqtt';
import type { Logger } from '../../common/logger.ts';
import { buildSensorReadingTopic } from '../../common/topics.ts';
import type { SimStats, Simulator } from './app.ts';
import type { SimConfig } from './config.ts';
import { createLoadState, loadSensorId, loadStateBytes, takeLoadReading, visitDueSensors } from './load-state.ts';
import { createSimClock, resolveTimestampMode } from './sim-clock.ts';
import { startTicker } from './ticker.ts';

/** What the load mode needs from its caller. */
export type LoadDeps = {
  logger: Logger;
  /** Real clock, injectable for tests. */
  realNow?: () => number;
};

/** Real milliseconds between two scheduling passes: short enough that readings go out evenly. */
const TICK_MS = 20;
/** How long start waits for the connections before the clock runs anyway. */
const CONNECT_WAIT_MS = 5000;
/** How long close waits for acknowledgements of what is in flight. */
const CLOSE_TIMEOUT_MS = 5000;
const PUBLISH_OPTIONS = { qos: 1 } as const;

type Connection = { client: MqttClient; inflight: number; connects: number; sensors: number; outageLogged: boolean };

/** Starts the connections and the simulated clock of the load mode (`config.load` sensors). */
export async function startLoadSimulator(config: SimConfig, deps: LoadDeps): Promise<Simulator> {
  if (config.load === undefined) throw new RangeError('startLoadSimulator needs config.load');
  const n: number = config.load;
  const log = deps.logger.child({ component: 'firmware-sim-load' });
  const realNow = deps.realNow ?? Date.now;
  const startMs = config.start ?? realNow();
  const intervalMs = config.interval * 1000;
  const endMs = config.duration === undefined ? Infinity : startMs + config.duration * 1000;
  const stamp = resolveTimestampMode(config.timestamps, config.speed, startMs, realNow()) === 'device';
  const state = createLoadState({ sensors: n, seed: config.seed, startMs, intervalMs });
  const k = config.connections;
  const counts = { published: 0, errors: 0, dropped: 0 };
  let closing = false;

  const conns: Connection[] = Array.from({ length: k }, (_, c) => {
    const client = connect(config.broker, {
      clientId: `kanki-load-${config.seed}-${c}`,
      protocolVersion: 4,
      clean: true,
      keepalive: 60,
      connectTimeout: 10_000,
      reconnectPeriod: Math.round(config.reconnectMin * 1000),
    });
    const conn: Connection = { client, inflight: 0, connects: 0, sensors: Math.floor((n - c - 1) / k) + 1, outageLogged: false };
    client.on('connect', () => {
      conn.connects++;
      conn.outageLogged = false;
    });
    client.on('close', () => {
      if (closing || conn.outageLogged || conn.connects === 0) return;
      conn.outageLogged = true;
      log.warn({ connection: c, inflight: conn.inflight }, 'load connection lost; its sensors count as dropped until it is back');
    });
    // Never let a connection problem escape as an exception: count it, log the first of an outage.
    client.on('error', (err) => {
      counts.errors++;
      if (!conn.outageLogged) log.warn({ connection: c, reason: err.message }, 'load connection failed; retrying');
      conn.outageLogged = true;
    });
    return conn;
  });
  /** One acknowledgement callback per connection, not one closure per message. */
  const onAck = conns.map((conn) => (err?: Error) => {
    conn.inflight--;
    if (err) {
      if (!closing) counts.errors++;
    } else {
      counts.published++;
    }
  });

  log.info({ sensors: n, rooms: state.rooms, connections: k, inflight: config.inflight, stateBytes: loadStateBytes(state), targetPerSecond: Math.round((n * config.speed) / config.interval) }, 'load mode: starting');
  await waitForConnections(conns, CONNECT_WAIT_MS, log);

  const clock = createSimClock({ startMs, speed: config.speed, realNow });

  const visit = (i: number, atMs: number): void => {
    const conn = conns[i % k] as Connection;
    if (!conn.client.connected || conn.inflight >= config.inflight) {
      counts.dropped++;
      return;
    }
    conn.inflight++;
    conn.client.publish(buildSensorReadingTopic(loadSensorId(i)), takeLoadReading(state, i, atMs, stamp), PUBLISH_OPTIONS, onAck[i % k]);
  };
  const ticker = startTicker({ tickMs: TICK_MS, now: () => clock.now(), endMs, logger: log, what: 'load', step: (now) => visitDueSensors(state, now, endMs, n, visit) });

  function stats(): SimStats {
    let connected = 0;
    let inflight = 0;
    let reconnects = 0;
    let up = 0;
    for (const c of conns) {
      if (c.client.connected) {
        connected += c.sensors;
        up++;
      }
      inflight += c.inflight;
      reconnects += Math.max(0, c.connects - 1);
    }
    return {
      devices: n, connected, published: counts.published, errors: counts.errors, buffered: 0, dropped: counts.dropped, inflight,
      simTime: new Date(Math.min(clock.now(), endMs)).toISOString(),
      reconnects, byFormat: { native: counts.published }, connections: { up, total: k },
    };
  }

  let closed: Promise<void> | undefined;
  return {
    done: ticker.done,
    seed: config.seed,
    startMs,
    loopReport: () => null,
    stats,
    // No staff in load mode: halting stops the clock; connections close with close().
    halt: async () => ticker.stop(),
    close() {
      closed ??= (async () => {
        ticker.stop();
        const deadline = Date.now() + CLOSE_TIMEOUT_MS;
        while (conns.some((c) => c.inflight > 0 && c.client.connected) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        closing = true;
        await Promise.all(conns.map((c) => c.client.endAsync(!c.client.connected).catch(() => undefined)));
        log.info(stats(), 'load mode stopped');
      })();
      return closed;
    },
  };
}

/** Resolves when every connection is up or after `ms`, whichever is first (then logs how many are not). */
async function waitForConnections(conns: readonly Connection[], ms: number, log: Logger): Promise<void> {
  const deadline = Date.now() + ms;
  while (conns.some((c) => !c.client.connected) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  const down = conns.filter((c) => !c.client.connected).length;
  if (down > 0) log.warn({ down, total: conns.length }, 'not every load connection is up; starting anyway (their sensors count as dropped)');
}
