/**
 * Secret hashing and verification with node:crypto's scrypt, shared by the broker (device secrets)
 * and the staff console (staff passwords in the staff file). The encoded form is
 * `scrypt$N$r$p$<salt base64>$<hash base64>`, so the cost travels with each hash and can be raised
 * later without a flag day. Verification uses the asynchronous scrypt (libuv's thread pool), so a
 * burst of logins never blocks the event loop, and compares with `timingSafeEqual`.
 */
import { createHash, randomBytes, scrypt, scryptSync, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** A secret as stored in the secrets file. */
export type StoredSecret =
  | { readonly kind: 'plain'; readonly value: string }
  | {
      readonly kind: 'scrypt';
      readonly N: number;
      readonly r: number;
      readonly p: number;
      readonly salt: Buffer;
      readonly hash: Buffer;
      /** The string as written in the file. */
      readonly encoded: string;
    };

/** scrypt cost parameters. */
export type ScryptCost = { N: number; r: number; p: number };

/**
 * The usual interactive-login cost (RFC 7914's example, ~35 ms on the reference machine). Device
 * secrets are random tokens, so a city-scale broker may lower N (see README) to make reconnect
 * storms cheaper; verified secrets are cached per username anyway.
 */
export const DEFAULT_SCRYPT_COST: ScryptCost = { N: 16384, r: 8, p: 1 };

// Bounds on what a secrets file may ask for: N up to 2^18 with r = 8 is ~256 MiB per verification.
const MAX_N = 2 ** 18;
const MAX_R = 32;
const MAX_P = 16;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

// scrypt needs about 128·N·r bytes; node's default cap (32 MiB) would refuse larger costs.
const scryptOptions = (cost: ScryptCost): ScryptOptions => ({ N: cost.N, r: cost.r, p: cost.p, maxmem: 256 * cost.N * cost.r + 1024 * 1024 });

function scryptAsync(secret: Buffer | string, salt: Buffer, keyLength: number, cost: ScryptCost): Promise<Buffer> {
  const options = scryptOptions(cost);
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/**
 * Parses `scrypt$N$r$p$salt$hash`. Returns the parsed secret, or a short reason why it is malformed
 * (the reason never repeats the input).
 */
export function parseScryptHash(encoded: string): StoredSecret | string {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return 'it does not have the 6 `$`-separated fields scrypt$N$r$p$salt$hash';
  const [N, r, p] = parts.slice(1, 4).map((s) => (/^\d{1,9}$/.test(s ?? '') ? Number(s) : NaN));
  if (N === undefined || !Number.isInteger(N) || N < 2 || N > MAX_N || (N & (N - 1)) !== 0) {
    return `N must be a power of two between 2 and ${MAX_N}`;
  }
  if (r === undefined || !Number.isInteger(r) || r < 1 || r > MAX_R) return `r must be between 1 and ${MAX_R}`;
  if (p === undefined || !Number.isInteger(p) || p < 1 || p > MAX_P) return `p must be between 1 and ${MAX_P}`;
  const base64 = /^[A-Za-z0-9+/]+={0,2}$/;
  const [saltText = '', hashText = ''] = parts.slice(4);
  if (!base64.test(saltText) || !base64.test(hashText)) return 'salt and hash must be base64';
  const salt = Buffer.from(saltText, 'base64');
  const hash = Buffer.from(hashText, 'base64');
  if (salt.length < 8) return 'the salt must be at least 8 bytes';
  if (hash.length < 16 || hash.length > 64) return 'the hash must be 16–64 bytes';
  return { kind: 'scrypt', N, r, p, salt, hash, encoded };
}

/** Hashes a secret for the secrets file: `scrypt$16384$8$1$<salt>$<hash>` with a fresh random salt. */
export async function hashSecret(plain: string, cost: ScryptCost = DEFAULT_SCRYPT_COST): Promise<string> {
  if (plain.length === 0) throw new Error('cannot hash an empty secret');
  const salt = randomBytes(SALT_LENGTH);
  const hash = await scryptAsync(plain, salt, KEY_LENGTH, cost);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

/** Constant-time comparison of two byte strings of any lengths (compares their SHA-256 digests). */
function digestEqual(a: Buffer, b: Buffer): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** Does `candidate` (the MQTT password bytes) match the stored secret? */
export async function verifySecret(stored: StoredSecret, candidate: Buffer): Promise<boolean> {
  if (stored.kind === 'plain') return digestEqual(candidate, Buffer.from(stored.value, 'utf8'));
  const derived = await scryptAsync(candidate, stored.salt, stored.hash.length, stored);
  return timingSafeEqual(derived, stored.hash);
}

/**
 * The same check, blocking. Only for start-up checks of configuration files (e.g. refusing the
 * public example passwords in production), never per request: it holds the event loop for the
 * whole scrypt computation.
 */
export function verifySecretSync(stored: StoredSecret, candidate: Buffer): boolean {
  if (stored.kind === 'plain') return digestEqual(candidate, Buffer.from(stored.value, 'utf8'));
  return timingSafeEqual(scryptSync(candidate, stored.salt, stored.hash.length, scryptOptions(stored)), stored.hash);
}

/**
 * A hash of a random secret nobody knows: verifying an unknown username against it costs as much as
 * a real check, so response times do not reveal which usernames exist.
 */
export async function createDummySecret(): Promise<StoredSecret> {
  const parsed = parseScryptHash(await hashSecret(randomBytes(24).toString('base64')));
  if (typeof parsed === 'string') throw new Error(`internal error: ${parsed}`);
  return parsed;
}
