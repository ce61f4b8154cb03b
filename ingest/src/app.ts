/**
 * The ingest: subscribes to sensor topics with a persistent QoS 1 session, runs each message
 * through the pipeline (validate → map → write-ahead log → room state), acknowledges it once it is
 * in the log, and drains the log into the store in batches. Its collaborators are injected:
 * `start(config, { logger, registry, store })`.
 */
import { join } from 'node:path';
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import type { Logger } from '../../common/logger.ts';
import type { RoomState } from '../../common/payloads.ts';
import type { Registry } from '../../common/registry.ts';
import type { ReadingStore } from '../../common/store/reading-store.ts';
import type { IngestConfig } from './config.ts';
import { openAlertDb } from './alerts/alert-db.ts';
import { AlertLog } from './alerts/alert-log.ts';
import { AlertService } from './alerts/alert-service.ts';
import { AlertRulesSchema } from './alerts/rules.ts';
import { DeadLetters } from './dead-letters.ts';
import { DECODERS } from './decoders/index.ts';
import { createHaDiscovery } from './home-assistant-publisher.ts';
import { createIngestHttpApp, startIngestHttp } from './http.ts';
import { resolveLinkSecret } from './ingest-files.ts';
import { createLinkSigner } from './notify/links.ts';
import { createNotifications, type Notifications } from './notify/notifications.ts';
import type { NotifyConfig } from './notify/notify-config.ts';
import type { Notifier } from './notify/notifier.ts';
import { Outbox } from './notify/outbox.ts';
import { createAckPages } from './staff/ack-page.ts';
import { SensorHealth } from './staff/sensor-health.ts';
import { createStaffApi } from './staff/staff-api.ts';
import type { StaffDirectory } from '../../common/staff-users.ts';
import { createIngestMetrics, type IngestMetrics } from './metrics.ts';
import { MessagePipeline } from './pipeline.ts';
import { RoomStateTracker } from './room-state.ts';
import { WriteAheadLog } from './wal.ts';
import { StoreWriter } from './writer.ts';

export type IngestDeps = {
  logger: Logger;
  registry: Registry;
  store: ReadingStore;
  now?: () => number;
  /** Staff users of the staff API; none disables it (see `loadIngestFiles`). */
  staff?: StaffDirectory | null;
  /** Who is notified of what; none stores and publishes alerts without notifying anyone. */
  notify?: NotifyConfig | null;
  /** Channels to use instead of building them from `notify` (by channel name). */
  notifiers?: ReadonlyMap<string, Notifier>;
};

export type Ingest = {
  /** Port of /metrics, /healthz, the staff API and the acknowledgement links. */
  httpPort: number;
  /** The alert side: engine states, acknowledgement (tests, the all-in-one start). */
  alerts: AlertService;
  metrics: IngestMetrics;
  /** Current state of every room that has reported. */
  rooms(): RoomState[];
  /** Writes everything pending to the store (tests, shutdown). Resolves true when nothing is left. */
  flush(timeoutMs?: number): Promise<boolean>;
  /** Stops taking messages, flushes, closes. Idempotent. Does not close the injected store. */
  close(): Promise<void>;
};

/** Rooms whose alert engine state is stored per turn of the event loop (a few ms each). */
const SNAPSHOT_SLICE_ROOMS = 500;

export async function startIngest(config: IngestConfig, deps: IngestDeps): Promise<Ingest> {
  const { registry, store } = deps;
  const logger = deps.logger.child({ component: 'ingest' });
  const now = deps.now ?? Date.now;
  const metrics = createIngestMetrics({ defaultMetrics: true });
  const dir = join(config.DATA_DIR, 'ingest');
  const wal = new WriteAheadLog({ dir: join(dir, 'wal'), maxBytes: config.INGEST_SPOOL_MAX_MB * 1024 * 1024, fsyncIntervalMs: config.INGEST_WAL_FSYNC_MS });
  const writer = new StoreWriter(
    { batchSize: config.INGEST_BATCH_SIZE, flushIntervalMs: config.INGEST_FLUSH_INTERVAL_MS, failedDir: join(dir, 'failed') },
    { wal, store, metrics, logger, now },
  );

  // Created now (collaborators below publish through it), connected once the message path is ready.
  const client: MqttClient = mqtt.connect(config.MQTT_URL, {
    clientId: config.MQTT_CLIENT_ID,
    clean: false,
    username: config.MQTT_USERNAME,
    password: config.MQTT_PASSWORD,
    protocolVersion: 4,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    resubscribe: true,
    manualConnect: true,
  });
  const publish = (topic: string, payload: string, retain: boolean, qos: 0 | 1) => {
    client.publish(topic, payload, { retain, qos }, (err) => {
      if (err) logger.debug({ err, topic }, 'publish failed');
    });
  };
  const rooms = new RoomStateTracker(
    { staleAfterMs: config.STALE_AFTER_SECONDS * 1000, minIntervalMs: config.ROOM_STATE_INTERVAL_MS, maxPerTick: 500 },
    {
      publish: (t, p) => publish(t, p, true, 0),
      now,
      onPublished: () => metrics.roomStatesPublished.inc(),
      canPublish: () => client.connected === true && client.stream?.writableNeedDrain !== true,
    },
  );
  const deadLetters = new DeadLetters(
    { file: join(dir, 'rejected.ndjson'), maxFileBytes: 10 * 1024 * 1024, publishPerSecond: config.DEAD_LETTERS_PER_SECOND },
    { publish: (t, p) => publish(t, p, false, 0), metrics, logger, now },
  );
  const alertDb = openAlertDb(config.ALERT_DB ?? join(dir, 'alerts.sqlite'));
  const alertLog = new AlertLog(alertDb);
  const outbox = new Outbox(alertDb);
  const signer = createLinkSigner(resolveLinkSecret(config));
  let boundPort = config.INGEST_HTTP_PORT;
  const staffUrl = () => (config.KANKI_STAFF_URL ?? `http://localhost:${boundPort}`).replace(/\/+$/, '');
  let notifications: Notifications | undefined;
  const alerts = new AlertService(
    AlertRulesSchema.parse({
      sustainMs: config.ALERT_SUSTAIN_SECONDS * 1000,
      windowMs: config.ALERT_WINDOW_SECONDS * 1000,
      hysteresisPpm: config.ALERT_HYSTERESIS_PPM,
      escalateAfterMs: config.ALERT_ESCALATE_AFTER_SECONDS * 1000,
      remindAfterMs: config.ALERT_REMIND_SECONDS * 1000,
      staleAfterMs: config.STALE_AFTER_SECONDS * 1000,
      verifyAfterMs: config.ALERT_VERIFY_SECONDS * 1000,
      verifyDropRatio: config.ALERT_VERIFY_DROP_PERCENT / 100,
      risingEnabled: config.ALERT_RISING,
      risingHorizonMs: config.ALERT_RISING_HORIZON_SECONDS * 1000,
      risingSpanMs: config.ALERT_RISING_SPAN_SECONDS * 1000,
    }),
    {
      registry, log: alertLog, metrics, logger: logger.child({ component: 'alerts' }), now,
      publish: (t, p) => publish(t, p, false, 1),
      route: (room, alert, event, trend) => notifications?.route(room, alert, event, trend) ?? 0,
      onQueued: () => notifications?.wake(),
    },
  );
  const restored = alerts.restore();
  if (restored > 0) logger.info({ rooms: restored }, 'alert engine state restored');
  if (deps.notify) {
    notifications = createNotifications(
      {
        config: deps.notify, registry, log: alertLog, outbox, signer, staffUrl, publicUrl: config.KANKI_PUBLIC_URL?.replace(/\/+$/, ''),
        timeZone: config.KANKI_TIME_ZONE, metrics, logger, now, notifiers: deps.notifiers,
        publish: (topic, payload, qos) => client.publishAsync(topic, payload, { qos }).then(() => undefined),
      },
      {
        concurrencyPerChannel: config.NOTIFY_CONCURRENCY, timeoutMs: config.NOTIFY_TIMEOUT_MS, maxAttempts: config.NOTIFY_MAX_ATTEMPTS,
        baseBackoffMs: config.NOTIFY_RETRY_BASE_MS, maxBackoffMs: 15 * 60_000, pollMs: 1000,
      },
    );
  }
  const startedAt = now();
  const sensorHealth = new SensorHealth(registry);
  const pipeline = new MessagePipeline(
    {
      maxPayloadBytes: config.INGEST_MAX_PAYLOAD_BYTES,
      maxFutureSkewMs: config.INGEST_MAX_FUTURE_SKEW_S * 1000,
      maxPastMs: config.INGEST_MAX_PAST_HOURS * 3600_000,
      suspectAbovePpm: config.INGEST_SUSPECT_ABOVE_PPM,
      quality: {
        warmupMs: config.INGEST_WARMUP_SECONDS * 1000, stuckMs: config.INGEST_STUCK_MINUTES * 60_000,
        jumpPpm: config.INGEST_JUMP_PPM, floorPpm: config.INGEST_FLOOR_PPM,
      },
    },
    { registry, wal, rooms, alerts, metrics, deadLetters, now, storeDown: () => writer.storeDown, health: sensorHealth },
  );

  const health = () => ({
    ok: client.connected === true,
    mqtt: client.connected ? 'connected' : 'disconnected',
    store: writer.storeDown ? 'down' : 'ok',
    spoolPendingBytes: wal.backlogBytes(),
  });
  const routes = deps.staff
    ? {
        staffApi: createStaffApi({
          staff: deps.staff, log: alertLog, outbox, alerts,
          sensors: { health: sensorHealth, staleAfterMs: config.STALE_AFTER_SECONDS * 1000, now, since: startedAt },
        }),
        ackPages: createAckPages({ signer, log: alertLog, alerts, registry, recipients: notifications?.recipients ?? new Map(), now, timeZone: config.KANKI_TIME_ZONE, verifySeconds: config.ALERT_VERIFY_SECONDS }),
      }
    : {};
  const http = await startIngestHttp(config.INGEST_HTTP_HOST, config.INGEST_HTTP_PORT, createIngestHttpApp(metrics, health, routes, logger));
  boundPort = http.port;

  // One message at a time (MQTT.js's rule for QoS 1): append, then acknowledge. When the spool
  // is full, the acknowledgement waits; the broker keeps queueing for our persistent session.
  //
  // Group commit: MQTT.js handles the messages of one network read back to back (chained with
  // process.nextTick). The socket is corked at the first of them and the log lines collect in
  // memory; a setImmediate, which runs after that chain, writes all lines with one write(2) and
  // only then uncorks, so every PUBACK still leaves after its reading is in the log — but a
  // read of 100 messages costs two system calls instead of 200. If the write fails, the socket
  // is destroyed with the PUBACKs still corked in it, and the broker redelivers them.
  let grouping = false;
  const endGroup = (stream: typeof client.stream) => {
    grouping = false;
    try {
      wal.endGroup();
    } catch (err) {
      logger.error({ err }, 'cannot write the write-ahead log; dropping the connection so the broker redelivers the unacknowledged messages');
      stream.destroy();
      return;
    }
    stream.uncork();
    writer.notifyAppended();
  };
  const beginGroup = () => {
    if (grouping) return;
    grouping = true;
    const stream = client.stream;
    stream.cork();
    wal.beginGroup();
    setImmediate(() => endGroup(stream));
  };
  let held: (() => void) | null = null;
  let retryTimer: NodeJS.Timeout | undefined;
  const haDiscovery = config.HA_DISCOVERY
    ? createHaDiscovery(
        { prefix: config.HA_DISCOVERY_PREFIX, expireAfterSeconds: config.STALE_AFTER_SECONDS * 2 },
        { rooms: registry.rooms, client, logger: logger.child({ component: 'home-assistant' }) },
      )
    : undefined;
  const handleMessage = (packet: IPublishPacket, done: (err?: Error) => void) => {
    // Home Assistant's birth message is not sensor data (it also matches ESPHome's `+/status`).
    if (haDiscovery?.handle(packet.topic, packet.payload)) {
      done();
      return;
    }
    const run = () => {
      try {
        pipeline.handle(packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload));
      } catch (err) {
        // Only the log's disk can fail here (full, I/O error): keep the message unacknowledged and retry.
        logger.error({ err, topic: packet.topic }, 'cannot append to the write-ahead log; holding the message');
        held = run;
        retryTimer ??= setTimeout(() => {
          retryTimer = undefined;
          releaseHeld();
        }, 1000);
        return;
      }
      writer.notifyAppended();
      done();
    };
    if (wal.isFull()) {
      metrics.spoolFullWaits.inc();
      held = run;
      return;
    }
    beginGroup();
    run();
  };
  const releaseHeld = () => {
    if (held && !wal.isFull()) {
      const h = held;
      held = null;
      h();
    }
  };
  writer.onCommit(releaseHeld);
  writer.start();

  client.handleMessage = handleMessage;
  const filters = [...new Set(DECODERS.flatMap((d) => d.filters))];
  client.on('connect', (connack) => {
    metrics.mqttConnected.set(1);
    logger.info({ url: config.MQTT_URL, sessionPresent: connack.sessionPresent }, 'connected to the broker');
    client.subscribe(Object.fromEntries(filters.map((f) => [f, { qos: 1 as const }])), (err, granted) => {
      if (err) logger.error({ err }, 'subscribe failed');
      else if (granted?.some((g) => g.qos === 128)) logger.error({ granted }, 'the broker refused a subscription (check the ingest role in the broker ACL)');
    });
    haDiscovery?.onConnect();
  });
  client.on('close', () => metrics.mqttConnected.set(0));
  client.on('error', (err) => logger.warn({ err: { message: err.message, code: (err as { code?: unknown }).code } }, 'MQTT error'));

  client.connect();

  const tick = setInterval(() => rooms.tick(), Math.min(250, config.ROOM_STATE_INTERVAL_MS));
  tick.unref();
  const alertTick = setInterval(() => alerts.tick(), config.ALERT_TICK_MS);
  alertTick.unref();
  // Sustain clocks and windows change with every reading; they are stored every few seconds (events at once).
  const snapshotSlice = () => {
    if (alerts.snapshot(SNAPSHOT_SLICE_ROOMS) > 0 && !closing) setImmediate(snapshotSlice);
  };
  const snapshot = setInterval(snapshotSlice, 10_000);
  snapshot.unref();
  // Delivery history is kept 90 days; used link nonces 2 days (links live 24 h).
  const pruneAlertDb = () => {
    try {
      const t = now();
      outbox.prune(t - 90 * 86_400_000, new Date(t - 7 * 86_400_000).toISOString().slice(0, 10));
      alertLog.pruneLinks(t - 2 * 86_400_000);
    } catch (err) {
      logger.warn({ err }, 'pruning the alert database failed; will try again');
    }
  };
  pruneAlertDb();
  const prune = setInterval(pruneAlertDb, 3600_000);
  prune.unref();
  notifications?.start();

  let closing: Promise<void> | undefined;
  return {
    httpPort: http.port,
    alerts,
    metrics,
    rooms: () => rooms.snapshot(),
    flush: (timeoutMs = 10_000) => writer.drain(timeoutMs),
    close() {
      closing ??= (async () => {
        clearInterval(tick);
        clearInterval(alertTick);
        clearInterval(snapshot);
        clearInterval(prune);
        clearTimeout(retryTimer);
        rooms.tick();
        // Deliveries in flight get a moment (they use the MQTT client); the rest stay in the outbox.
        await notifications?.close();
        await client.endAsync(false).catch((err: unknown) => logger.warn({ err }, 'MQTT close failed'));
        writer.stop();
        const empty = await writer.drain(config.INGEST_DRAIN_TIMEOUT_MS);
        if (!empty) logger.warn({ pendingBytes: wal.backlogBytes() }, 'store unavailable at shutdown; pending readings stay in the spool for the next start');
        wal.close();
        await new Promise<void>((resolve) => {
          http.server.close(() => resolve());
          http.server.closeAllConnections();
        });
        alerts.snapshot();
        alertDb.close();
        logger.info('ingest stopped');
      })();
      return closing;
    },
  };
}
