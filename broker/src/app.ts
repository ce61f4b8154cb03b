/**
 * The embedded MQTT broker: aedes behind a node:net server, with device authentication and the
 * ACL of `acl.ts` when a secrets file is configured. Built and started here; `main.ts` only reads
 * the environment and handles signals.
 */
import type { EventEmitter } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Aedes } from 'aedes';
import { ConfigError, KankiError } from '../../common/errors.ts';
import { RateLimitedLog, type Logger } from '../../common/logger.ts';
import { AccessDeniedError, createAuthHooks } from './auth.ts';
import type { BrokerConfig } from './config.ts';
import { MalformedLengthError, PacketTooLargeError, SizeLimitedConnection } from './packet-size-guard.ts';
import { createIndexedMemoryPersistence } from './persistence.ts';
import { createDummySecret } from '../../common/secret-hash.ts';
import { findWeakSecrets, loadSecretsFile, readExampleSecretValues, SecretsFileError, type Secrets } from './secrets.ts';

/** The shipped example secrets file; production refuses any secret copied from it. */
export const EXAMPLE_SECRETS_FILE = fileURLToPath(new URL('../../config/device-secrets.example.yaml', import.meta.url));

/** What the broker needs from outside. */
export type BrokerDeps = {
  logger: Logger;
  /**
   * aedes persistence (sessions, retained messages, queued QoS 1). Default: in memory with an
   * indexed outgoing queue (`persistence.ts`); `aedes-persistence-redis` shares it between instances.
   */
  persistence?: object;
};

/** A running broker. */
export type RunningBroker = {
  /** The port actually listened on (useful with `MQTT_PORT=0`). */
  readonly port: number;
  /** The aedes instance, for in-process publishers and tests. */
  readonly broker: Aedes;
  /** Stops accepting connections, disconnects every client, then closes aedes. Safe to call twice. */
  close(): Promise<void>;
};

const HASH_HINT = 'hash a strong random secret with `npx tsx broker/src/hash-secret.ts` (see broker/README.md)';

/** Loads the secrets file and applies the production policy; null = authentication off. */
async function loadAuthMode(config: BrokerConfig, log: Logger): Promise<Secrets | null> {
  if (!config.secretsFile) {
    if (config.nodeEnv === 'production') {
      throw new ConfigError(
        'NODE_ENV=production requires KANKI_DEVICE_SECRETS (the device secrets file): without it any client could ' +
          `connect and publish readings for any room. Create the file (format: broker/README.md) and ${HASH_HINT}.`,
      );
    }
    log.warn(
      { nodeEnv: config.nodeEnv },
      '*** MQTT AUTHENTICATION IS OFF *** KANKI_DEVICE_SECRETS is not set: any client may connect and publish any ' +
        'reading, and devices are identified by their topic alone. Use this only for development; production refuses to start like this.',
    );
    return null;
  }
  const secrets = await loadSecretsFile(config.secretsFile);
  if (config.nodeEnv === 'production') {
    const weak = findWeakSecrets(secrets, await readExampleSecretValues(EXAMPLE_SECRETS_FILE));
    if (weak.length > 0) {
      throw new SecretsFileError(secrets.file, weak, {
        hint: `production refuses default, short and example secrets; ${HASH_HINT}`,
        listAtMost: 12,
      });
    }
    const plain = [...secrets.credentials.values()].filter((c) => c.secret.kind === 'plain').length;
    if (plain > 0) log.warn({ plainSecrets: plain }, `the secrets file holds ${plain} plain-text secret(s); ${HASH_HINT}`);
  }
  for (const warning of secrets.warnings) log.warn({ file: secrets.file }, `secrets file: ${warning}`);
  return secrets;
}

function listen(server: ReturnType<typeof createServer>, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(new KankiError('KANKI_BROKER_LISTEN_FAILED', `cannot listen for MQTT on ${host}:${port} (${err.code ?? err.message})`, { cause: err, retryable: true }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/**
 * Starts the broker on `config.host:config.port`. Throws `ConfigError` (or its subclass
 * `SecretsFileError`) when the secrets setup is unusable, before anything listens.
 */
export async function startBroker(config: BrokerConfig, deps: BrokerDeps): Promise<RunningBroker> {
  const log = deps.logger.child({ component: 'broker' });
  const secrets = await loadAuthMode(config, log);
  const hooks = createAuthHooks({ secrets, dummySecret: await createDummySecret(), logger: log });
  const broker = await Aedes.createBroker({ ...hooks, persistence: (deps.persistence ?? createIndexedMemoryPersistence()) as never });
  const oversized = new RateLimitedLog(log);

  broker.on('client', (client) => log.debug({ clientId: client.id }, 'MQTT client connected'));
  broker.on('clientDisconnect', (client) => log.debug({ clientId: client.id }, 'MQTT client disconnected'));
  const onClientError = (client: { id: string | null }, err: Error): void => {
    // Refusals and oversized packets were logged (rate-limited) where they were detected.
    if (err instanceof AccessDeniedError || err instanceof PacketTooLargeError || err instanceof MalformedLengthError) return;
    log.debug({ clientId: client.id, err: err.message }, 'MQTT client error');
  };
  broker.on('clientError', onClientError);
  broker.on('connectionError', onClientError);
  // An 'error' event without a listener would crash the process; aedes emits it for persistence failures.
  // (aedes's typings omit the event, hence the widening.)
  (broker as EventEmitter).on('error', (err: Error) => log.error({ err }, 'MQTT broker error'));

  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const remoteAddress = socket.remoteAddress;
    const conn = new SizeLimitedConnection(socket, config.maxPacketBytes, (err) => {
      // aedes sets `conn.client`; its id is null until CONNECT has been read.
      const clientId = (conn as { client?: { id?: string | null } }).client?.id ?? undefined;
      const fields = { remoteAddress, clientId, maxBytes: config.maxPacketBytes };
      if (err instanceof PacketTooLargeError) oversized.warn('oversized-packet', { ...fields, declaredBytes: err.declaredBytes }, 'MQTT packet too large; client disconnected');
      else oversized.warn('malformed-length', fields, 'malformed MQTT packet length; client disconnected');
    });
    broker.handle(conn);
  });
  server.on('error', (err) => log.error({ err }, 'MQTT server error'));

  try {
    await listen(server, config.port, config.host);
  } catch (err) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  log.info({ host: config.host, port, auth: secrets ? 'on' : 'off', maxPacketBytes: config.maxPacketBytes }, 'MQTT broker listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      // Connections that never sent CONNECT are not aedes clients; without this server.close() would wait for them.
      for (const socket of sockets) socket.destroy();
      await serverClosed;
      log.info('MQTT broker stopped');
    })();
    return closing;
  };
  return { port, broker, close };
}
