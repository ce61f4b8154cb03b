/** The ingest's configuration, parsed once from the environment (see README "Configuration"). */
import { z } from 'zod';
import { LogLevelSchema, NodeEnvSchema, PortSchema, parseConfig } from '../../common/config.ts';
import { ConfigError } from '../../common/errors.ts';
import { HA_DEFAULT_PREFIX, HA_PREFIX_PATTERN } from '../../common/home-assistant-topics.ts';
import { StoreEnvSchema } from '../../common/store/store-config.ts';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const IngestEnvSchema = StoreEnvSchema.extend({
  NODE_ENV: NodeEnvSchema,
  LOG_LEVEL: LogLevelSchema,
  KANKI_REGISTRY: z.string().default('config/registry.demo.yaml').describe('Registry file (YAML or JSON)'),
  MQTT_URL: z.url({ protocol: /^(mqtts?|wss?|tcp)$/ }).default('mqtt://127.0.0.1:1883').describe('Broker URL'),
  MQTT_USERNAME: z.string().optional().describe('Service user at the broker (role ingest)'),
  MQTT_PASSWORD: z.string().optional().describe('Its password (never logged)'),
  MQTT_CLIENT_ID: z.string().min(1).max(64).default('kanki-ingest').describe('Fixed client id: the broker keeps this persistent session while the ingest restarts'),
  INGEST_BATCH_SIZE: int(1, 100_000).default(5000).describe('Readings per store write at most'),
  INGEST_FLUSH_INTERVAL_MS: int(10, 60_000).default(500).describe('A partial batch is written after this long'),
  INGEST_DRAIN_TIMEOUT_MS: int(0, 600_000).default(10_000).describe('At shutdown, how long to keep writing the backlog to the store; the rest stays spooled for the next start'),
  INGEST_SPOOL_MAX_MB: int(1, 1_000_000).default(1024).describe('Bound of the on-disk spool; when full, acknowledgements are held back (the broker queues)'),
  INGEST_WAL_FSYNC_MS: int(0, 60_000).default(1000).describe('fdatasync interval of the write-ahead log: what a power failure can lose (0 = every message)'),
  INGEST_MAX_PAYLOAD_BYTES: int(64, 10_000_000).default(16_384).describe('Larger messages are rejected as too_large'),
  INGEST_MAX_FUTURE_SKEW_S: int(0, 86_400).default(120).describe('Device times further ahead are replaced by the receive time'),
  INGEST_MAX_PAST_HOURS: int(1, 87_600).default(144).describe('Device times further back are replaced by the receive time (keep below raw retention)'),
  INGEST_SUSPECT_ABOVE_PPM: int(1000, 40_000).default(10_000).describe('CO2 above this is stored flagged suspect-high'),
  INGEST_WARMUP_SECONDS: int(0, 3600).default(180).describe('Readings within this long after a device comes online are flagged warmup (NDIR sensors read wrong until warm)'),
  INGEST_STUCK_MINUTES: int(1, 1440).default(30).describe('The same value this long or longer is flagged stuck'),
  INGEST_JUMP_PPM: int(100, 40_000).default(1000).describe('A reading this far from the previous one (within 5 min) is flagged jump'),
  INGEST_FLOOR_PPM: int(0, 1000).default(380).describe('Readings below this (under outdoor air) are flagged below-floor: a bad automatic baseline correction'),
  STALE_AFTER_SECONDS: int(10, 86_400).default(300).describe('A room with no fresh reading for this long is "no data"'),
  ROOM_STATE_INTERVAL_MS: int(50, 600_000).default(5000).describe('A room\'s state is published at most once per this interval (a reading is published at once when the room was quiet longer)'),
  DEAD_LETTERS_PER_SECOND: int(0, 100_000).default(20).describe('Dead letters published per second at most (all are counted and filed)'),
  ALERT_SUSTAIN_SECONDS: int(0, 86_400).default(300).describe('A level is entered or left only after holding this long'),
  ALERT_WINDOW_SECONDS: int(1, 3600).default(180).describe('Room value = median over this window (keep ≥ the sensors\' reporting interval)'),
  ALERT_HYSTERESIS_PPM: int(0, 1000).default(50).describe('A level is left only below its threshold minus this'),
  ALERT_ESCALATE_AFTER_SECONDS: int(1, 86_400).default(900).describe('An alert still open and bad after this escalates'),
  ALERT_REMIND_SECONDS: int(0, 86_400).default(900).describe('…and then, while nobody has acknowledged it and the room is still bad, calls staff again this often (0 = never)'),
  ALERT_TICK_MS: int(50, 60_000).default(5000).describe('How often time-driven alert rules (sustain, silence, escalation) are checked'),
  ALERT_VERIFY_SECONDS: int(1, 86_400).default(600).describe('After "windows opened" / "occupancy reduced", CO2 must fall within this long or the alert escalates'),
  ALERT_VERIFY_DROP_PERCENT: int(1, 90).default(20).describe('…by this much (or below the ventilate threshold)'),
  ALERT_RISING: z.enum(['true', 'false']).default('true').transform((v) => v === 'true')
    .describe('Early warning: raise the alert before the ventilate line when CO2 is above "fair" and rising steadily towards it (README "Alerts")'),
  ALERT_RISING_HORIZON_SECONDS: int(1, 7200).default(600).describe('…when at its current slope it reaches the ventilate line within this long'),
  ALERT_RISING_SPAN_SECONDS: int(1, 7200).default(600).describe('…judging the slope over this long of room values'),
  ALERT_DB: z.string().optional().describe('Alert database (SQLite): alerts, events, audit, engine state, outbox. Default DATA_DIR/ingest/alerts.sqlite'),
  KANKI_NOTIFY: z.string().optional().describe('Notification config (YAML): channels, recipients, outside-hours policy, digests. Unset: alerts are stored and published, nobody is notified'),
  KANKI_STAFF: z.string().default('config/staff.example.yaml').describe('Staff users, API token and console password hashes (YAML, shared with the dashboard); "none" disables the staff API. Production refuses the example tokens and passwords'),
  KANKI_LINK_SECRET: z.string().min(32, 'use at least 32 random characters (openssl rand -base64 48)').optional()
    .describe('HMAC key of signed acknowledgement links. Required in production; otherwise one is made and kept in DATA_DIR/ingest/link-secret'),
  KANKI_STAFF_URL: z.url({ protocol: /^https?$/ }).optional().describe('Base URL staff reach this ingest\'s HTTP port at, for links in notifications. Default http://localhost:INGEST_HTTP_PORT'),
  KANKI_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional().describe('Base URL of the public dashboard, for a link to the room in notifications'),
  KANKI_TIME_ZONE: z.string().default('Asia/Tokyo').describe('Time zone of opening hours, holidays, digests and times in messages'),
  NOTIFY_TIMEOUT_MS: int(100, 120_000).default(10_000).describe('A channel that has not accepted a notification within this is retried'),
  NOTIFY_MAX_ATTEMPTS: int(1, 100).default(8).describe('Attempts per notification before it is recorded as failed'),
  NOTIFY_RETRY_BASE_MS: int(10, 3_600_000).default(2000).describe('First retry delay (doubles per attempt, up to 15 min)'),
  NOTIFY_CONCURRENCY: int(1, 100).default(2).describe('Concurrent sends per channel'),
  HA_DISCOVERY: z.enum(['true', 'false']).default('false').transform((v) => v === 'true')
    .describe('Publish Home Assistant MQTT discovery configs so every room appears in Home Assistant as a device (see README "Home Assistant")'),
  HA_DISCOVERY_PREFIX: z.string().regex(HA_PREFIX_PATTERN, 'topic levels of A-Z, a-z, 0-9, "_" and "-"').default(HA_DEFAULT_PREFIX)
    .describe('Home Assistant\'s discovery prefix; the Kanki broker\'s ACL allows only the default'),
  INGEST_HTTP_PORT: PortSchema.default(9464).describe('Port of /metrics, /healthz, the staff API and the acknowledgement links'),
  INGEST_HTTP_HOST: z.string().default('0.0.0.0').describe('Address that port listens on'),
});

export type IngestConfig = Readonly<z.output<typeof IngestEnvSchema>>;

export function loadIngestConfig(env: Record<string, string | undefined>): IngestConfig {
  const config = parseConfig(IngestEnvSchema, env, 'ingest configuration');
  if (config.NODE_ENV === 'production' && (!config.MQTT_USERNAME || !config.MQTT_PASSWORD)) {
    throw new ConfigError('invalid ingest configuration: MQTT_USERNAME and MQTT_PASSWORD are required in production (NODE_ENV=production)');
  }
  if (config.NODE_ENV === 'production' && !config.KANKI_LINK_SECRET && config.KANKI_STAFF !== 'none') {
    throw new ConfigError('invalid ingest configuration: KANKI_LINK_SECRET is required in production (NODE_ENV=production), e.g. openssl rand -base64 48');
  }
  try {
    new Intl.DateTimeFormat('en', { timeZone: config.KANKI_TIME_ZONE });
  } catch {
    throw new ConfigError(`invalid ingest configuration: KANKI_TIME_ZONE "${config.KANKI_TIME_ZONE}" is not a known time zone`);
  }
  return config;
}

/**
 * The alert timings for a simulator running `speed` times faster than real time (`npm start --
 * --speed 60`): the ingest judges sustain, windows, escalation and the closed loop on its own
 * clock, so at speed 60 a 5-minute sustain would last five simulated hours and a demo school day
 * would end before its first alert. Every timing the environment does not set is divided by the
 * speed (within each variable's bounds); values set explicitly are kept.
 */
export function alertEnvForSpeed(env: Record<string, string | undefined>, speed: number): Record<string, string | undefined> {
  if (!(speed > 1)) return env;
  const defaults = IngestEnvSchema.parse({});
  const scaled: Record<string, string | undefined> = { ...env };
  const scale = (name: keyof typeof defaults, min: number) => {
    if (env[name] !== undefined && env[name] !== '') return;
    scaled[name] = String(Math.max(min, Math.round(Number(defaults[name]) / speed)));
  };
  scale('ALERT_SUSTAIN_SECONDS', 1);
  scale('ALERT_WINDOW_SECONDS', 1);
  scale('ALERT_ESCALATE_AFTER_SECONDS', 1);
  scale('ALERT_REMIND_SECONDS', 1);
  scale('ALERT_VERIFY_SECONDS', 1);
  scale('ALERT_RISING_HORIZON_SECONDS', 1);
  scale('ALERT_RISING_SPAN_SECONDS', 1);
  scale('ALERT_TICK_MS', 100);
  scale('STALE_AFTER_SECONDS', 10);
  scale('INGEST_WARMUP_SECONDS', 0);
  return scaled;
}
