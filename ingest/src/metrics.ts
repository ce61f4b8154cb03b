/**
 * The ingest's Prometheus metrics. One registry per ingest instance (not prom-client's global one),
 * so several instances in one process (tests, the all-in-one start) do not collide.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { REJECT_REASONS } from './decoders/decoder.ts';

export type IngestMetrics = ReturnType<typeof createIngestMetrics>;

export function createIngestMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'kanki_ingest_' });
  const m = {
    registry,
    received: new Counter({ name: 'kanki_ingest_messages_received_total', help: 'MQTT messages received', registers: [registry] }),
    accepted: new Counter({ name: 'kanki_ingest_readings_accepted_total', help: 'Readings validated and appended to the write-ahead log', registers: [registry] }),
    stored: new Counter({ name: 'kanki_ingest_readings_stored_total', help: 'Readings acknowledged by the store', registers: [registry] }),
    rejected: new Counter({ name: 'kanki_ingest_messages_rejected_total', help: 'Messages set aside, by reason', labelNames: ['reason'], registers: [registry] }),
    flagged: new Counter({ name: 'kanki_ingest_readings_flagged_total', help: 'Readings stored with a data-quality flag (not used for room values, rollups or alerts), by flag', labelNames: ['flag'], registers: [registry] }),
    duplicates: new Counter({ name: 'kanki_ingest_duplicates_total', help: 'Redelivered readings recognised by their seq and dropped', registers: [registry] }),
    timestampReplaced: new Counter({ name: 'kanki_ingest_timestamp_replaced_total', help: 'Readings whose implausible device time was replaced by the receive time', labelNames: ['why'], registers: [registry] }),
    statuses: new Counter({ name: 'kanki_ingest_status_messages_total', help: 'Device status messages', labelNames: ['status'], registers: [registry] }),
    spooled: new Counter({ name: 'kanki_ingest_readings_spooled_total', help: 'Readings held in the on-disk spool because the store was unavailable', registers: [registry] }),
    replayed: new Counter({ name: 'kanki_ingest_readings_replayed_total', help: 'Readings written to the store from the spool after an outage or restart', registers: [registry] }),
    setAside: new Counter({ name: 'kanki_ingest_readings_set_aside_total', help: 'Readings the store refused as invalid, saved to DATA_DIR/ingest/failed', registers: [registry] }),
    walCorrupt: new Counter({ name: 'kanki_ingest_wal_corrupt_lines_total', help: 'Unreadable write-ahead log lines (torn by a crash)', registers: [registry] }),
    storeErrors: new Counter({ name: 'kanki_ingest_store_errors_total', help: 'Failed store writes, by error code', labelNames: ['code'], registers: [registry] }),
    spoolFullWaits: new Counter({ name: 'kanki_ingest_spool_full_waits_total', help: 'Times acknowledgement was held back because the spool was full', registers: [registry] }),
    deadLettersSuppressed: new Counter({ name: 'kanki_ingest_dead_letters_suppressed_total', help: 'Dead letters not published because of the rate limit (still counted and logged)', registers: [registry] }),
    alertEvents: new Counter({ name: 'kanki_ingest_alert_events_total', help: 'Alert events published, by type', labelNames: ['type'], registers: [registry] }),
    notifications: new Counter({ name: 'kanki_ingest_notifications_total', help: 'Notification outcomes by channel (sent, retry, failed, suppressed, dropped, held)', labelNames: ['channel', 'outcome'], registers: [registry] }),
    notifySeconds: new Histogram({ name: 'kanki_ingest_notification_seconds', help: 'Time a channel took to accept a notification', labelNames: ['channel'], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry] }),
    acknowledgements: new Counter({ name: 'kanki_ingest_acknowledgements_total', help: 'Acknowledgements by way in and outcome', labelNames: ['via', 'outcome'], registers: [registry] }),
    roomStatesPublished: new Counter({ name: 'kanki_ingest_room_states_published_total', help: 'Retained room-state messages published', registers: [registry] }),
    backlog: new Gauge({ name: 'kanki_ingest_spool_pending_readings', help: 'Readings in the write-ahead log not yet in the store', registers: [registry] }),
    backlogBytes: new Gauge({ name: 'kanki_ingest_spool_pending_bytes', help: 'Bytes of the write-ahead log not yet in the store', registers: [registry] }),
    storeUp: new Gauge({ name: 'kanki_ingest_store_up', help: '1 when the last store write succeeded', registers: [registry] }),
    mqttConnected: new Gauge({ name: 'kanki_ingest_mqtt_connected', help: '1 while connected to the broker', registers: [registry] }),
    writeSeconds: new Histogram({ name: 'kanki_ingest_store_write_seconds', help: 'Store write duration per batch', buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry] }),
    batchSize: new Histogram({ name: 'kanki_ingest_batch_readings', help: 'Readings per store write', buckets: [1, 10, 100, 500, 1000, 2500, 5000, 10000], registers: [registry] }),
  };
  // Every reason appears from the start (at 0), so dashboards and alerts on them work before the first reject.
  for (const reason of REJECT_REASONS) m.rejected.inc({ reason }, 0);
  m.storeUp.set(1);
  return m;
}
