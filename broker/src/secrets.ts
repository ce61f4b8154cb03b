/**
 * The device/service secrets file: who may connect, with which secret, in which role.
 *
 * ```yaml
 * devices:            # MQTT username = device id; secret: plain text or an scrypt hash
 *   nwo-1f-counter-01: "scrypt$16384$8$1$<salt b64>$<hash b64>"
 *   co2-lobby: { secret: "scrypt$…", firmware: tasmota }   # third-party: its own topics (acl.ts)
 * services:
 *   kanki-ingest: { secret: "…", role: ingest }
 * ```
 * Secret values never appear in an error message or a log line: problems name the path (and line)
 * only, and YAML syntax errors are reported without yaml's source excerpt.
 */
import { readFile, stat } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../../common/errors.ts';
import { formatPath } from '../../common/payloads.ts';
import { SENSOR_ID_PATTERN } from '../../common/topics.ts';
import { DEVICE_FIRMWARE, SERVICE_ROLES, type Identity } from './acl.ts';
import { parseScryptHash, type StoredSecret } from '../../common/secret-hash.ts';

/** One client that may connect: its identity (from its username) and its stored secret. */
export type Credential = { readonly identity: Identity; readonly secret: StoredSecret };

/** A validated secrets file: MQTT username → credential. */
export type Secrets = {
  readonly file: string;
  readonly credentials: ReadonlyMap<string, Credential>;
  /** Non-fatal remarks (e.g. the file is readable by every user); log them at start. */
  readonly warnings: readonly string[];
};

/** The secrets file cannot be used; `problems` lists every error with its path in the file. */
export class SecretsFileError extends ConfigError {
  readonly problems: readonly string[];
  /**
   * `hint` says what to do about all of them; `listAtMost` shortens the message (not `problems`) when
   * the list is repetitive, e.g. one "copied from the example" per device.
   */
  constructor(file: string, problems: readonly string[], options: { cause?: unknown; hint?: string; listAtMost?: number } = {}) {
    const max = options.listAtMost ?? Infinity;
    const shown = problems.length > max ? [...problems.slice(0, max - 1), `… and ${problems.length - max + 1} more`] : problems;
    const hint = options.hint ? ` (${options.hint})` : '';
    super(`secrets file ${file} has ${problems.length} problem(s)${hint}:\n  - ${shown.join('\n  - ')}`, { cause: options.cause });
    this.problems = problems;
  }
}

const NAME_RULE = 'must be 1–64 characters of A–Z a–z 0–9 _ . - starting with a letter or digit';
const NameSchema = z.string().regex(SENSOR_ID_PATTERN, NAME_RULE);
const SecretSchema = z.string({ error: 'secret must be a string (plain text or an scrypt$… hash)' }).min(1, 'secret must not be empty');

/** The file's shape. Both maps are optional, but at least one entry is required (checked below). */
export const SecretsFileSchema = z
  .object({
    devices: z
      .record(
        NameSchema,
        z.union([
          SecretSchema,
          z.object({ secret: SecretSchema, firmware: z.enum(DEVICE_FIRMWARE).describe('native | tasmota | esphome | airgradient') }).strict(),
        ]),
      )
      .nullish()
      .describe('device id (= MQTT username; Tasmota topic, ESPHome prefix or AirGradient serial) → secret, or { secret, firmware }'),
    services: z
      .record(
        NameSchema,
        z.object({ secret: SecretSchema, role: z.enum(SERVICE_ROLES).describe('ingest | reader | home-assistant') }).strict(),
      )
      .nullish()
      .describe('service client name (= MQTT username) → secret and role'),
  })
  .strict();

/** Zod issues as `path (line n): message`; a bad record key reports its own rule, not "Invalid key". */
function describeZodIssues(error: z.ZodError, lineOf: (path: (string | number)[]) => number | undefined): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    const line = lineOf(path);
    const where = `${formatPath(path) || '(top level)'}${line ? ` (line ${line})` : ''}`;
    const message = issue.code === 'invalid_key' ? `name ${issue.issues[0]?.message ?? 'is invalid'}` : issue.message;
    return `${where}: ${message}`;
  });
}

/**
 * yaml's pretty messages end with an excerpt of the source, which could contain a secret: keep
 * the first clause of the plain message and compute the position ourselves.
 */
function describeYamlError(e: { code: string; message: string; pos: [number, number] }, lineCounter: LineCounter): string {
  const first = (e.message.split('\n')[0] ?? '').split(' at line ')[0]?.split(': ')[0] ?? e.code;
  const { line, col } = lineCounter.linePos(e.pos[0]);
  return `line ${line}, column ${col}: ${first} (${e.code})`;
}

function parseSecret(value: string, path: string, problems: string[]): StoredSecret | null {
  if (!value.startsWith('scrypt$')) return { kind: 'plain', value };
  const parsed = parseScryptHash(value);
  if (typeof parsed === 'string') {
    problems.push(`${path}: looks like an scrypt hash but ${parsed}; create one with \`npx tsx broker/src/hash-secret.ts\``);
    return null;
  }
  return parsed;
}

/**
 * Validates the text of a secrets file (YAML or JSON). Throws `SecretsFileError` listing every
 * problem with its path; never includes a secret value in the message.
 */
export function parseSecrets(text: string, file: string): Secrets {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) throw new SecretsFileError(file, doc.errors.map((e) => describeYamlError(e, lineCounter)));

  const lineOf = (path: (string | number)[]): number | undefined => {
    const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
    return node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
  };
  const result = SecretsFileSchema.safeParse(doc.toJS() ?? {});
  if (!result.success) throw new SecretsFileError(file, describeZodIssues(result.error, lineOf));

  const problems: string[] = [];
  const credentials = new Map<string, Credential>();
  for (const [id, value] of Object.entries(result.data.devices ?? {})) {
    const entry = typeof value === 'string' ? { secret: value, firmware: 'native' as const } : value;
    const secret = parseSecret(entry.secret, `devices.${id}${typeof value === 'string' ? '' : '.secret'}`, problems);
    const identity: Identity = entry.firmware === 'native' ? { kind: 'device', id } : { kind: 'device', id, firmware: entry.firmware };
    if (secret) credentials.set(id, { identity, secret });
  }
  for (const [name, entry] of Object.entries(result.data.services ?? {})) {
    const where = `services.${name}`;
    if (credentials.has(name)) {
      problems.push(`${where}: "${name}" is also listed under devices; a username must be unique`);
      continue;
    }
    const secret = parseSecret(entry.secret, `${where}.secret`, problems);
    if (secret) credentials.set(name, { identity: { kind: 'service', name, role: entry.role }, secret });
  }
  if (problems.length === 0 && credentials.size === 0) {
    problems.push('(top level): no devices and no services are listed, so no client could ever connect');
  }
  if (problems.length > 0) throw new SecretsFileError(file, problems);

  const warnings: string[] = [];
  const roles = new Set([...credentials.values()].flatMap((c) => (c.identity.kind === 'service' ? [c.identity.role] : [])));
  if (!roles.has('ingest')) warnings.push('no service with role "ingest" is listed: no one can read the sensor readings');
  return { file, credentials, warnings };
}

/** Reads and validates a secrets file. Throws `SecretsFileError` (a `ConfigError`) on any problem. */
export async function loadSecretsFile(file: string): Promise<Secrets> {
  let text: string;
  let mode: number;
  try {
    text = await readFile(file, 'utf8');
    mode = (await stat(file)).mode;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new SecretsFileError(file, [`cannot read the file (${code})`], { cause: err });
  }
  const secrets = parseSecrets(text, file);
  // Like Mosquitto's password_file check: a world-readable file leaks every plain secret.
  if ((mode & 0o004) !== 0) {
    return { ...secrets, warnings: [...secrets.warnings, 'the file is readable by every user; run `chmod 600` on it'] };
  }
  return secrets;
}

/** Plain secrets that are defaults in disguise. Compared case-insensitively. */
const DEFAULT_SECRETS = new Set(['changeme', 'change-me', 'secret', 'password', 'passw0rd', 'kanki', 'admin', 'test', '123456', '12345678']);
/** Plain secrets of the shipped example all start with this (documented in the example file). */
export const EXAMPLE_PLAIN_SECRET_PREFIX = 'kanki-example-';
/** Below this, a plain secret is guessable; production demands it or a hash. */
export const MIN_PLAIN_SECRET_LENGTH = 16;

/**
 * Production policy: names every entry whose secret is a default, too short, or copied from the
 * shipped example (`exampleValues`: the raw secret strings of that file). Empty = acceptable.
 */
export function findWeakSecrets(secrets: Secrets, exampleValues: ReadonlySet<string>): string[] {
  const weak: string[] = [];
  for (const [name, { identity, secret }] of secrets.credentials) {
    const path = identity.kind === 'device' ? `devices.${name}` : `services.${name}.secret`;
    const raw = secret.kind === 'plain' ? secret.value : secret.encoded;
    if (exampleValues.has(raw)) {
      weak.push(`${path}: copied from the shipped example file`);
    } else if (secret.kind === 'plain') {
      const lower = secret.value.toLowerCase();
      if (DEFAULT_SECRETS.has(lower) || lower.includes('changeme') || lower.startsWith(EXAMPLE_PLAIN_SECRET_PREFIX)) {
        weak.push(`${path}: a default/example secret`);
      } else if (secret.value.length < MIN_PLAIN_SECRET_LENGTH) {
        weak.push(`${path}: a plain-text secret shorter than ${MIN_PLAIN_SECRET_LENGTH} characters`);
      }
    }
  }
  return weak;
}

/** The raw secret strings of an example secrets file, or an empty set if it is absent or unreadable. */
export async function readExampleSecretValues(file: string): Promise<Set<string>> {
  try {
    const secrets = parseSecrets(await readFile(file, 'utf8'), file);
    return new Set([...secrets.credentials.values()].map((c) => (c.secret.kind === 'plain' ? c.secret.value : c.secret.encoded)));
  } catch {
    return new Set();
  }
}

export { DEFAULT_SCRYPT_COST, hashSecret, verifySecret, type ScryptCost, type StoredSecret } from '../../common/secret-hash.ts';
