/**
 * The broker's aedes hooks: authentication against the secrets file and authorization through the
 * pure rules of `acl.ts`. Without a secrets file (development/test) every client is anonymous and
 * only `$`-topics are withheld from publishers.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AedesOptions, AuthErrorCode, Client } from 'aedes';
import { RateLimitedLog, type Logger } from '../../common/logger.ts';
import { describeIdentity, isPublishableTopic, mayPublish, mayReceive, maySubscribe, type Identity } from './acl.ts';
import { verifySecret, type StoredSecret } from '../../common/secret-hash.ts';
import type { Secrets } from './secrets.ts';

/** The hooks passed to `Aedes.createBroker`. */
export type AuthHooks = Required<
  Pick<AedesOptions, 'preConnect' | 'authenticate' | 'authorizePublish' | 'authorizeSubscribe' | 'authorizeForward'>
>;

/** Marks errors whose cause was already logged here, so the broker's `clientError` handler stays quiet. */
export class AccessDeniedError extends Error {
  readonly code = 'KANKI_MQTT_ACCESS_DENIED';
}

// MQTT 3.1.1 CONNACK return codes (aedes declares them as an ambient const enum, unusable here).
const IDENTIFIER_REJECTED = 2 as AuthErrorCode;
const SERVER_UNAVAILABLE = 3 as AuthErrorCode;
const BAD_USERNAME_OR_PASSWORD = 4 as AuthErrorCode;
const NOT_AUTHORIZED = 5 as AuthErrorCode;

/**
 * Bounds concurrent scrypt runs (each holds a libuv thread and ~16 MiB) and the queue behind them:
 * a flood of bad logins then costs a bounded amount of CPU and memory and is answered "server
 * unavailable" instead of starving the thread pool that file I/O shares.
 */
class BoundedConcurrency {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly max: number, private readonly maxWaiting: number) {}

  /** Runs `task` when a slot is free; returns null at once if the queue is full. */
  async run<T>(task: () => Promise<T>): Promise<T | null> {
    if (this.running >= this.max) {
      if (this.waiting.length >= this.maxWaiting) return null;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}

function connackError(message: string, returnCode: AuthErrorCode): Error & { returnCode: AuthErrorCode } {
  return Object.assign(new AccessDeniedError(message), { returnCode });
}

// The socket (or the size-limited wrapper around it) knows the peer's address.
function remoteAddressOf(client: Client): string | undefined {
  return (client.conn as { remoteAddress?: string }).remoteAddress;
}

/**
 * Builds the aedes hooks. `secrets` null = development mode (anonymous clients). `dummySecret` is
 * verified for unknown usernames so that response times do not reveal which usernames exist.
 */
export function createAuthHooks(options: {
  secrets: Secrets | null;
  dummySecret: StoredSecret;
  logger: Logger;
}): AuthHooks {
  const { secrets, dummySecret, logger } = options;
  const warnings = new RateLimitedLog(logger);
  const identities = new WeakMap<Client, Identity>();
  const willTopics = new WeakMap<Client, string>();
  // Client id → who holds it. Without this, a device connecting with the ingest's client id would
  // take over the ingest's persistent session (MQTT-3.1.4-2) and be handed its queued readings.
  const owners = new Map<string, { username: string; client: Client }>();
  // Username → HMAC of the last password that verified, under a key that dies with the process:
  // a reconnect storm then costs one HMAC per device instead of one scrypt run.
  const cacheKey = randomBytes(32);
  const verified = new Map<string, Buffer>();
  const scryptSlots = new BoundedConcurrency(2, 256);

  const identityOf = (client: Client): Identity | undefined => (secrets ? identities.get(client) : { kind: 'anonymous' });

  async function checkPassword(username: string, stored: StoredSecret, password: Buffer): Promise<boolean | null> {
    const mac = createHmac('sha256', cacheKey).update(password).digest();
    const cached = verified.get(username);
    if (cached && timingSafeEqual(cached, mac)) return true;
    const ok = await scryptSlots.run(() => verifySecret(stored, password));
    if (ok && stored !== dummySecret) verified.set(username, mac);
    return ok;
  }

  function refuse(client: Client, username: string | undefined, reason: string, code: AuthErrorCode, done: (e: Error & { returnCode: AuthErrorCode }, ok: boolean) => void): void {
    // The username is logged (truncated) to help find a misconfigured device; the password never is.
    warnings.warn(
      `auth:${reason}`,
      { username: username?.slice(0, 64), clientId: client.id, remoteAddress: remoteAddressOf(client), reason },
      'MQTT client refused',
    );
    done(connackError(`connection refused: ${reason}`, code), false);
  }

  return {
    preConnect(client, packet, callback) {
      if (packet.will) willTopics.set(client, packet.will.topic);
      callback(null, true);
    },

    authenticate(client, username, password, done) {
      if (!secrets) {
        identities.set(client, { kind: 'anonymous' });
        done(null, true);
        return;
      }
      if (!username || !password) {
        refuse(client, username, 'no credentials', NOT_AUTHORIZED, done);
        return;
      }
      const credential = secrets.credentials.get(username);
      checkPassword(username, credential?.secret ?? dummySecret, password).then(
        (ok) => {
          if (ok === null) return refuse(client, username, 'too many logins in progress', SERVER_UNAVAILABLE, done);
          if (!credential || !ok) {
            return refuse(client, username, credential ? 'wrong password' : 'unknown username', BAD_USERNAME_OR_PASSWORD, done);
          }
          const identity = credential.identity;
          const willTopic = willTopics.get(client);
          // Checked here as well as when the will fires: a will stored by a cluster peer may later be
          // published with no client attached, and a refusal now tells the device its config is wrong.
          if (willTopic !== undefined && !mayPublish(identity, willTopic)) {
            return refuse(client, username, 'last will topic not allowed', NOT_AUTHORIZED, done);
          }
          const owner = owners.get(client.id);
          if (owner && owner.username !== username) {
            return refuse(client, username, 'client id belongs to another user', IDENTIFIER_REJECTED, done);
          }
          owners.set(client.id, { username, client });
          // A clean session ends with its connection, and so does the claim on its client id.
          client.conn.once('close', () => {
            if (client.clean && owners.get(client.id)?.client === client) owners.delete(client.id);
          });
          identities.set(client, identity);
          logger.debug({ clientId: client.id, identity: describeIdentity(identity) }, 'MQTT client authenticated');
          done(null, true);
        },
        (err: unknown) => {
          logger.error({ err, clientId: client.id }, 'secret verification failed');
          done(connackError('connection refused: server error', SERVER_UNAVAILABLE), false);
        },
      );
    },

    authorizePublish(client, packet, callback) {
      // client is null only for the will of a client that vanished with a cluster peer; its topic
      // was checked when that client connected.
      const identity = client ? identityOf(client) : { kind: 'anonymous' as const };
      if (identity && (client ? mayPublish(identity, packet.topic) : isPublishableTopic(packet.topic))) {
        callback(null);
        return;
      }
      const who = identity ? describeIdentity(identity) : 'unauthenticated client';
      warnings.warn('acl:publish', { clientId: client?.id, identity: who, topic: packet.topic.slice(0, 200) }, 'MQTT publish refused; disconnecting the client');
      // MQTT 3.1.1 cannot tell the client why (MQTT-3.3.5-2): aedes closes the connection.
      callback(new AccessDeniedError(`${who} may not publish on this topic`));
    },

    authorizeSubscribe(client, subscription, callback) {
      const identity = identityOf(client);
      if (identity && maySubscribe(identity, subscription.topic)) {
        callback(null, subscription);
        return;
      }
      const who = identity ? describeIdentity(identity) : 'unauthenticated client';
      warnings.warn('acl:subscribe', { clientId: client.id, identity: who, filter: subscription.topic.slice(0, 200) }, 'MQTT subscription refused');
      // null = SUBACK 0x80 for this filter; the connection and its other subscriptions stay.
      callback(null, null);
    },

    authorizeForward(client, packet) {
      if (!secrets) return packet;
      const identity = identities.get(client);
      return identity && mayReceive(identity, packet.topic) ? packet : null;
    },
  };
}
