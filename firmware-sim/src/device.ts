/**
 * One simulated device = one MQTT connection, as a real monitor has: its own client id and username
 * (the sensor id, which the broker's ACL checks against the topics), its own secret, and a Last Will
 * (`offline`, retained) so the broker tells everyone when it vanishes without saying goodbye.
 *
 * Delivery, like good firmware does it:
 * - readings go out QoS 1, not retained; at most `maxInflight` are unacknowledged at once;
 * - while disconnected (or when the broker is slow) readings wait in a bounded FIFO and go out in
 *   order on reconnect, with the timestamps they were made with. When the FIFO is full, the newest
 *   readings are refused and counted (`dropped`) rather than silently pushing out the oldest;
 * - readings in flight when the connection drops stay in MQTT.js's outgoing store and are resent
 *   after reconnect (we hand the same stores to `reconnect()`; its default would drop them);
 * - reconnects back off exponentially with jitter ourselves (MQTT.js only has a fixed period), so a
 *   restarting broker is not hit by every device at the same instant;
 * - `close()` sends what is pending (bounded by a timeout), publishes `offline` retained itself and
 *   then disconnects cleanly, which by MQTT rules discards the Last Will.
 */
import { connect, type MqttClient } from 'mqtt';
import type { Logger } from '../../common/logger.ts';
import { buildSensorReadingTopic } from '../../common/topics.ts';
import { availabilityOf, type Availability, type SimMessage } from './formats.ts';

/** What a device needs to run. */
export type DeviceOptions = {
  sensorId: string;
  brokerUrl: string;
  /** MQTT client id and username (default: `sensorId`); third-party firmware has its own client ids. */
  clientId?: string;
  username?: string;
  /** Availability topic and words (default: the Kanki status topic); null = none, no Last Will (AirGradient). */
  availability?: Availability | null;
  /** MQTT password; omitted when the broker runs without authentication. */
  password?: string;
  /** Readings kept while offline. */
  bufferSize: number;
  /** Unacknowledged QoS 1 readings at once (default 32). */
  maxInflight?: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  logger: Logger;
  /** Random numbers for the reconnect jitter (seeded by the caller). */
  random: () => number;
  /** How long a TCP connect + CONNACK may take (default 10 s). */
  connectTimeoutMs?: number;
};

/** Counters of one device. */
export type DeviceStats = {
  connected: boolean;
  /** Readings acknowledged by the broker. */
  published: number;
  /** Connection and publish errors (refused connections, failed publishes). */
  errors: number;
  /** Readings waiting in the offline buffer. */
  buffered: number;
  /** Readings refused because the buffer was full. */
  dropped: number;
  /** Readings sent and not yet acknowledged. */
  inflight: number;
  /** Successful connections, the first included. */
  connects: number;
};

/** A running simulated device. */
export type SimDevice = {
  readonly id: string;
  /**
   * Queues one reading for delivery: its JSON text (sent on the Kanki reading topic), or the
   * messages it makes in a third-party format (ESPHome: one per quantity). Buffer bounds,
   * in-flight limits and counters are per reading.
   */
  send(reading: string | readonly SimMessage[]): void;
  /**
   * Cuts the connection as a Wi-Fi loss does — the socket just goes, no DISCONNECT, so the broker
   * publishes the Last Will — and stays away for at least `forMs` (real ms) before reconnecting
   * with the usual backoff. Readings keep buffering meanwhile and go out on reconnect. For the
   * drop-out and reconnect-storm faults.
   */
  dropConnection(forMs: number): void;
  stats(): DeviceStats;
  /** Flushes (for at most `timeoutMs`), publishes `offline`, disconnects cleanly. Idempotent. */
  close(timeoutMs?: number): Promise<void>;
};

/**
 * Delay before reconnect attempt `attempt` (0-based): the ceiling doubles from `minMs` up to
 * `maxMs`, and the delay is drawn from its upper half ("equal jitter"), which spreads a crowd of
 * devices apart while never retrying almost immediately.
 */
export function backoffDelayMs(attempt: number, minMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return ceiling / 2 + (random() * ceiling) / 2;
}

/** Connects a device to the broker and returns it at once (connection and reconnects run in the background). */
export function startDevice(o: DeviceOptions): SimDevice {
  const availability = o.availability === undefined ? availabilityOf({ kind: 'native', id: o.sensorId }) : o.availability;
  const readingTopic = buildSensorReadingTopic(o.sensorId);
  const maxInflight = o.maxInflight ?? 32;
  const log = o.logger.child({ sensor: o.sensorId });
  const buffer: (readonly SimMessage[])[] = [];
  const counts = { published: 0, errors: 0, dropped: 0, connects: 0 };
  let inflight = 0;
  let attempt = 0;
  let closing = false;
  let everConnected = false;
  let outageLogged = false;
  let reconnectTimer: NodeJS.Timeout | undefined;
  /** Real time before which the device does not reconnect (a simulated drop-out). */
  let awayUntil = 0;
  let closed: Promise<void> | undefined;
  let onIdle: (() => void) | undefined;

  const client: MqttClient = connect(o.brokerUrl, {
    clientId: o.clientId ?? o.sensorId,
    username: o.username ?? o.sensorId,
    password: o.password,
    protocolVersion: 4, // MQTT 3.1.1: what aedes speaks and what most firmware uses
    clean: true,
    keepalive: 60,
    connectTimeout: o.connectTimeoutMs ?? 10_000,
    reconnectPeriod: 0, // we schedule reconnects ourselves, with backoff
    will: availability ? { topic: availability.topic, payload: Buffer.from(availability.offline), qos: 1, retain: true } : undefined,
  });

  const isIdle = () => buffer.length === 0 && inflight === 0;

  function transmit(messages: readonly SimMessage[]): void {
    inflight++;
    let pending = messages.length;
    let failed: Error | undefined;
    const done = (err?: Error) => {
      failed ??= err;
      if (--pending > 0) return;
      inflight--;
      if (failed) {
        // At close a forced end fails what is still in flight; that is reported by close(), not an error.
        // Counted, and logged at debug only: a refused connection fails every in-flight reading at once.
        if (!closing) {
          counts.errors++;
          log.debug({ reason: failed.message }, 'publishing a reading failed');
        }
      } else {
        counts.published++;
      }
      pump();
      if (isIdle()) onIdle?.();
    };
    for (const m of messages) client.publish(m.topic, m.payload, { qos: 1, retain: m.retain }, done);
  }

  function pump(): void {
    while (client.connected && inflight < maxInflight && buffer.length > 0) transmit(buffer.shift() as readonly SimMessage[]);
  }

  function scheduleReconnect(): void {
    if (closing || reconnectTimer) return;
    const delay = Math.max(backoffDelayMs(attempt++, o.reconnectMinMs, o.reconnectMaxMs, o.random), awayUntil - Date.now());
    log.debug({ delayMs: Math.round(delay), attempt }, 'reconnecting later');
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      if (!closing) client.reconnect({ incomingStore: client.incomingStore, outgoingStore: client.outgoingStore });
    }, delay);
    reconnectTimer.unref();
  }

  client.on('connect', () => {
    counts.connects++;
    attempt = 0;
    if (everConnected) log.info({ buffered: buffer.length }, 'reconnected; sending buffered readings');
    else log.debug('connected');
    everConnected = true;
    outageLogged = false;
    if (availability) {
      client.publish(availability.topic, availability.online, { qos: 1, retain: true }, (err) => {
        if (err && !closing) counts.errors++;
      });
    }
    pump();
  });
  client.on('close', () => {
    if (closing) return;
    if (everConnected && !outageLogged) {
      outageLogged = true;
      log.warn({ inflight, buffered: buffer.length }, 'connection lost; buffering readings');
    }
    scheduleReconnect();
  });
  // MQTT.js emits connection problems as 'error' events; never let one escape as an exception.
  client.on('error', (err) => {
    counts.errors++;
    if (!outageLogged) {
      outageLogged = true;
      log.warn({ reason: err.message, code: (err as NodeJS.ErrnoException).code }, 'cannot connect to the broker; retrying with backoff');
    } else {
      log.debug({ reason: err.message }, 'connect attempt failed');
    }
  });

  function send(reading: string | readonly SimMessage[]): void {
    const messages = typeof reading === 'string' ? [{ topic: readingTopic, payload: reading, retain: false }] : reading;
    if (messages.length === 0) return;
    if (closing) {
      counts.dropped++;
      return;
    }
    if (buffer.length === 0 && client.connected && inflight < maxInflight) transmit(messages);
    else if (buffer.length < o.bufferSize) buffer.push(messages);
    else counts.dropped++;
  }

  function dropConnection(forMs: number): void {
    if (closing) return;
    awayUntil = Math.max(awayUntil, Date.now() + Math.max(0, forMs));
    // A reconnect already scheduled would come too early: reschedule it after the drop-out.
    clearTimeout(reconnectTimer);
    reconnectTimer = undefined;
    // Connected or still connecting: the socket goes, and its 'close' schedules the reconnect.
    if (client.stream && !client.stream.destroyed) client.stream.destroy();
    else scheduleReconnect();
  }

  async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, ms));
    });
    try {
      return await Promise.race([promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function shutDown(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    clearTimeout(reconnectTimer);
    reconnectTimer = undefined;
    if (client.connected && !isIdle()) {
      await withTimeout(new Promise<void>((resolve) => (onIdle = resolve)), deadline - Date.now());
    }
    let clean = false;
    if (client.connected && !availability) {
      clean = (await withTimeout(client.endAsync(false).then(() => true, () => false), deadline - Date.now())) === true;
    } else if (client.connected && availability) {
      const offline = await withTimeout(client.publishAsync(availability.topic, availability.offline, { qos: 1, retain: true }).then(() => 'ok' as const, () => 'failed' as const), deadline - Date.now());
      // DISCONNECT makes the broker discard the Last Will, so our own `offline` is the only one.
      if (offline === 'ok') clean = (await withTimeout(client.endAsync(false).then(() => true, () => false), deadline - Date.now())) === true;
    }
    if (!clean) {
      // Not connected, or the broker stopped answering: drop the socket (the broker then sends the will).
      if (client.disconnecting) client.stream?.destroy();
      else await client.endAsync(true);
    }
    const unsent = buffer.length + inflight;
    if (unsent > 0) log.warn({ unsent }, 'readings not delivered before shutdown');
  }

  return {
    id: o.sensorId,
    send,
    dropConnection,
    stats: () => ({ connected: client.connected, buffered: buffer.length, inflight, ...counts }),
    close(timeoutMs = 5000) {
      if (!closed) {
        closing = true;
        closed = shutDown(timeoutMs);
      }
      return closed;
    },
  };
}
