/**
 * The broker's configuration: parsed once from the environment by `loadBrokerConfig`, frozen, and
 * passed down explicitly. Every variable is documented here, in `.env.example` and in the README.
 */
import { z } from 'zod';
import { LogLevelSchema, NodeEnvSchema, PortSchema, parseConfig } from '../../common/config.ts';

/** The environment variables the broker reads, with their defaults. */
export const BrokerEnvSchema = z.object({
  MQTT_PORT: PortSchema.default(1883).describe('TCP port for MQTT clients; 0 asks the OS for any free port (tests).'),
  MQTT_HOST: z
    .string()
    .min(1)
    .default('0.0.0.0')
    .describe('Address to listen on: 0.0.0.0 for all interfaces, 127.0.0.1 to accept local clients only.'),
  KANKI_DEVICE_SECRETS: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Path to the device/service secrets file (YAML or JSON). When set, every client must authenticate and the ACL ' +
        'applies. When unset, clients are not authenticated (development/test only; production refuses to start).',
    ),
  NODE_ENV: NodeEnvSchema.describe('development | production | test. Production refuses missing, short or default secrets.'),
  MQTT_MAX_PACKET_BYTES: z.coerce
    .number()
    .int()
    // A CONNECT with client id, credentials and a Last Will must still fit.
    .min(1024)
    // The largest size the MQTT remaining-length field can express, plus its 5 header bytes.
    .max(268_435_460)
    // A reading is ~100 bytes; 64 KiB leaves room for any real firmware while keeping a client
    // from making the broker buffer hundreds of megabytes.
    .default(65_536)
    .describe('Largest MQTT packet (whole packet, header included) a client may send; larger ones disconnect it.'),
  LOG_LEVEL: LogLevelSchema.describe('pino log level: fatal | error | warn | info | debug | trace | silent.'),
});

/** The broker's parsed configuration. */
export type BrokerConfig = {
  /** Port to listen on; 0 = any free port (read the real one from `startBroker`'s result). */
  readonly port: number;
  /** Address to listen on. */
  readonly host: string;
  /** Path to the secrets file; undefined = no authentication (not allowed in production). */
  readonly secretsFile: string | undefined;
  /** Runtime mode; `production` turns on the strict secret checks. */
  readonly nodeEnv: 'development' | 'production' | 'test';
  /** Largest packet a client may send, in bytes. */
  readonly maxPacketBytes: number;
  /** pino log level for the root logger. */
  readonly logLevel: string;
};

/**
 * Parses the broker's environment; throws `ConfigError` listing every problem at once.
 * Empty strings count as unset.
 */
export function loadBrokerConfig(env: Record<string, string | undefined>): Readonly<BrokerConfig> {
  const e = parseConfig(BrokerEnvSchema, env, 'broker configuration');
  return Object.freeze({
    port: e.MQTT_PORT,
    host: e.MQTT_HOST,
    secretsFile: e.KANKI_DEVICE_SECRETS,
    nodeEnv: e.NODE_ENV,
    maxPacketBytes: e.MQTT_MAX_PACKET_BYTES,
    logLevel: e.LOG_LEVEL,
  });
}
