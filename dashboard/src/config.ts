/**
 * The dashboard's configuration: parsed once from the environment by `loadDashboardConfig`, every
 * problem reported in one message, returned frozen and passed down explicitly (no settings global).
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { BooleanFlagSchema, LogLevelSchema, NodeEnvSchema, parseConfig, PortSchema } from '../../common/config.ts';
import { EXAMPLE_TOKEN_PREFIX } from '../../common/staff-users.ts';
import { retentionFromEnv, StoreEnvSchema } from '../../common/store/store-config.ts';

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * Express's `trust proxy` setting from a string: `true`/`false`, a hop count, or addresses/subnet
 * names (`loopback`, `10.0.0.0/8, 192.168.1.1`). Needed behind a reverse proxy so that client
 * addresses (for rate limits and logs) are the visitor's and not the proxy's.
 */
const TrustProxySchema = z
  .string()
  .trim()
  .min(1)
  .transform((v): boolean | number | string => (v === 'true' ? true : v === 'false' ? false : /^\d+$/.test(v) ? Number(v) : v));

const DashboardEnvSchema = z
  .object({
    HTTP_PORT: PortSchema.default(8080).describe('TCP port of the public web server; 0 picks a free port'),
    HTTP_HOST: z.string().trim().min(1).default('0.0.0.0').describe('Address to listen on (0.0.0.0 = all IPv4 interfaces, 127.0.0.1 = this machine only)'),
    KANKI_REGISTRY: z.string().trim().min(1).default('config/registry.demo.yaml').describe('Path of the registry file (YAML or JSON) listing facilities, rooms and sensors'),
    STALE_AFTER_SECONDS: z.coerce
      .number()
      .int()
      .min(10)
      .max(7 * 24 * 3600)
      .default(300)
      .describe('A room whose newest reading is older than this shows "no data" instead of an old value (default 300 s = five missed one-minute readings)'),
    // The store's variables (INFLUX_*, DATA_DIR, RETENTION_*) come from the schema the ingest uses too,
    // so both deployables read the same store the same way.
    ...StoreEnvSchema.shape,
    NODE_ENV: NodeEnvSchema.describe('development | production | test'),
    LOG_LEVEL: LogLevelSchema.describe('pino log level: fatal, error, warn, info, debug, trace or silent'),
    TRUST_PROXY: TrustProxySchema.optional().describe('Express "trust proxy": true, a hop count, or proxy addresses (e.g. "loopback"); unset = trust none'),
    LIVE_MQTT_URL: z.url({ protocol: /^(mqtts?|wss?|tcp)$/ }).optional().describe('Broker to take live room states from (retained kanki/v1/rooms/+/+/state); unset = poll the store'),
    LIVE_MQTT_USERNAME: z.string().optional().describe('Broker user (role reader)'),
    LIVE_MQTT_PASSWORD: z.string().optional().describe('Its password (never logged)'),
    LIVE_POLL_MS: z.coerce.number().int().min(500).max(600_000).default(5000).describe('Store poll interval while no broker is connected; also how often silent rooms are turned into "no data"'),
    SSE_MAX_CLIENTS: z.coerce.number().int().min(1).max(100_000).default(5000).describe('Live-update connections served at once; more get 503'),
    PUBLIC_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(10).max(1_000_000).default(1200).describe('Requests per minute per client address on public pages and APIs (429 beyond)'),
    DISPLAY_TIME_ZONE: z
      .string()
      .default('Asia/Tokyo')
      .refine(isTimeZone, 'must be an IANA time zone such as Asia/Tokyo')
      .describe('Time zone in which the HTML pages show reading times (the JSON API always uses UTC)'),
    KANKI_STAFF: z.string().trim().min(1).default('config/staff.example.yaml')
      .describe('Staff users (the same file as the ingest\'s): console passwords and the service user; "none" turns the staff console off. Production refuses the example passwords'),
    KANKI_INGEST_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:9464').describe('The ingest\'s HTTP port, whose staff API the console calls server to server'),
    KANKI_INGEST_TOKEN: z.string().trim().min(16).max(256).optional()
      .describe('The console\'s service-user token for the staff API (never logged). Required in production; in development it defaults to the example service token when KANKI_STAFF is the example file'),
    STAFF_SESSION_IDLE_MINUTES: z.coerce.number().int().min(5).max(7 * 24 * 60).default(480).describe('A console session unused this long ends (default 8 h, a working day)'),
    STAFF_SESSION_MAX_HOURS: z.coerce.number().int().min(1).max(30 * 24).default(24).describe('A console session ends this long after sign-in, however busy'),
    STAFF_COOKIE_SECURE: z.union([z.literal('auto'), BooleanFlagSchema]).default('auto')
      .describe('Mark the session cookie Secure (HTTPS only): auto = in production; set true behind an HTTPS proxy in any mode'),
  })
  .superRefine((e, ctx) => {
    if (e.NODE_ENV !== 'production' || e.KANKI_STAFF === 'none') return;
    if (!e.KANKI_INGEST_TOKEN) ctx.addIssue({ code: 'custom', path: ['KANKI_INGEST_TOKEN'], message: 'required in production for the staff console (or KANKI_STAFF=none): the token of a service user in the staff file' });
    else if (e.KANKI_INGEST_TOKEN.startsWith('kanki-example-')) ctx.addIssue({ code: 'custom', path: ['KANKI_INGEST_TOKEN'], message: 'this is the public example token; make a real one with npm run staff-token' });
  })
  .refine((e) => !(e.INFLUX_TOKEN && e.INFLUX_USER), { message: 'set either INFLUX_TOKEN or INFLUX_USER/INFLUX_PASSWORD, not both', path: ['INFLUX_TOKEN'] })
  .refine((e) => !(e.INFLUX_PASSWORD && !e.INFLUX_USER), { message: 'INFLUX_PASSWORD needs INFLUX_USER', path: ['INFLUX_PASSWORD'] });

/** The shipped example staff file: only with it does development fall back to its public service token. */
const EXAMPLE_STAFF_FILE = fileURLToPath(new URL('../../config/staff.example.yaml', import.meta.url));

/**
 * Flat camelCase keys on purpose: the root logger redacts `config.influxPassword` and
 * `config.influxToken` by those names, so a logged config never shows a credential.
 */
const DashboardConfigSchema = DashboardEnvSchema.transform((e) => ({
  /** Port to listen on (0 = any free port). */
  httpPort: e.HTTP_PORT,
  /** Address to listen on. */
  httpHost: e.HTTP_HOST,
  /** Registry file path. */
  registryFile: e.KANKI_REGISTRY,
  /** Age (s) after which a room's newest reading is no longer shown as current. */
  staleAfterSeconds: e.STALE_AFTER_SECONDS,
  /** InfluxDB base URL, or undefined for the embedded SQLite store. */
  influxUrl: e.INFLUX_URL,
  /** InfluxDB database. */
  influxDb: e.INFLUX_DB,
  /** InfluxDB 1.x user. */
  influxUser: e.INFLUX_USER,
  /** InfluxDB 1.x password. */
  influxPassword: e.INFLUX_PASSWORD,
  /** InfluxDB 2.x/3.x token. */
  influxToken: e.INFLUX_TOKEN,
  /** Create the InfluxDB database, retention policies and continuous queries (1.x). */
  influxManageSchema: e.INFLUX_MANAGE_SCHEMA,
  /** How InfluxDB rollups are made: continuous queries (1.x) or at query time (2.x/3.x). */
  influxRollups: e.INFLUX_ROLLUPS,
  /** How long each resolution is kept; also bounds which resolution `auto` picks. */
  retention: retentionFromEnv(e),
  /** Local data directory. */
  dataDir: e.DATA_DIR,
  /** The embedded store's file: DATA_DIR/kanki.sqlite. */
  sqliteFile: join(e.DATA_DIR, 'kanki.sqlite'),
  /** Runtime mode. */
  nodeEnv: e.NODE_ENV,
  /** pino level. */
  logLevel: e.LOG_LEVEL,
  /** Express `trust proxy` value, or undefined to trust no proxy. */
  trustProxy: e.TRUST_PROXY,
  /** IANA time zone for times on HTML pages. */
  displayTimeZone: e.DISPLAY_TIME_ZONE,
  /** Broker of live room states, or undefined to poll the store. */
  liveMqttUrl: e.LIVE_MQTT_URL,
  liveMqttUsername: e.LIVE_MQTT_USERNAME,
  liveMqttPassword: e.LIVE_MQTT_PASSWORD,
  livePollMs: e.LIVE_POLL_MS,
  sseMaxClients: e.SSE_MAX_CLIENTS,
  publicRateLimitPerMinute: e.PUBLIC_RATE_LIMIT_PER_MINUTE,
  /** Staff users file, or `none` (no staff console). */
  staffFile: e.KANKI_STAFF,
  /** Base URL of the ingest's staff API. */
  ingestUrl: e.KANKI_INGEST_URL,
  /** The console's service token; undefined = console off (development without a token for a real staff file). */
  ingestToken: e.KANKI_INGEST_TOKEN ?? (e.NODE_ENV !== 'production' && resolve(e.KANKI_STAFF) === EXAMPLE_STAFF_FILE ? `${EXAMPLE_TOKEN_PREFIX}dashboard` : undefined),
  /** Console session idle timeout (ms). */
  staffSessionIdleMs: e.STAFF_SESSION_IDLE_MINUTES * 60_000,
  /** Console session absolute lifetime (ms). */
  staffSessionMaxAgeMs: e.STAFF_SESSION_MAX_HOURS * 3600_000,
  /** Session cookie with `Secure`. */
  staffCookieSecure: e.STAFF_COOKIE_SECURE === 'auto' ? e.NODE_ENV === 'production' : e.STAFF_COOKIE_SECURE,
}));

/** The parsed, frozen dashboard configuration. */
export type DashboardConfig = Readonly<z.output<typeof DashboardConfigSchema>>;

/** The documented environment variables (for README and `.env.example` generation). */
export const DASHBOARD_ENV_SCHEMA = DashboardEnvSchema;

/**
 * Parses the dashboard's environment. Empty strings count as unset. Throws a `ConfigError` that lists
 * every problem at once.
 */
export function loadDashboardConfig(env: Record<string, string | undefined>): DashboardConfig {
  return parseConfig(DashboardConfigSchema, env, 'dashboard configuration');
}
