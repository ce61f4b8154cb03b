/**
 * Staff users: who they are, which facilities they look after, the hashes of their staff API
 * tokens and of their console password. One YAML file (`KANKI_STAFF`) read by both the ingest
 * (staff API: tokens) and the dashboard (staff console: passwords), hence in `common/`.
 *
 *   users:
 *     - id: sengen-office
 *       name: 南浅間保育園 事務室
 *       facilities: [minami-sengen-nursery]     # or ["*"] for every facility
 *       tokens: ["sha256:<hex of the token>"]   # make one with: npm run staff-token -- sengen-office
 *       password: "scrypt$16384$8$1$…$…"        # console sign-in; make one with: npm run staff-password -- sengen-office
 *     - id: dashboard
 *       name: Staff console (service)
 *       service: true                           # may act for another user (X-Kanki-Acting-User)
 *       tokens: ["sha256:…"]
 *
 * Tokens are long random strings, so a SHA-256 hash is enough to store them (a slow hash protects
 * guessable passwords, not 256-bit tokens) and a lookup by hash costs nothing per request.
 * Passwords are chosen by people, so they are stored as scrypt hashes (`common/secret-hash.ts`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError } from './errors.ts';
import { formatPath } from './payloads.ts';
import { parseScryptHash, verifySecretSync, type StoredSecret } from './secret-hash.ts';

/** Prefix of every token this program makes, so a leaked one is recognisable (secret scanners). */
export const TOKEN_PREFIX = 'kst_';
/** Plain text behind every token hash of the shipped example file: `kanki-example-staff-<user id>`. */
export const EXAMPLE_TOKEN_PREFIX = 'kanki-example-staff-';
/** Plain text behind every password hash of the shipped example file: `kanki-example-password-<user id>`. */
export const EXAMPLE_PASSWORD_PREFIX = 'kanki-example-password-';
/**
 * Header with which a service user (the dashboard) names the user it acts for. The ingest then
 * applies that user's facilities and audits as that user.
 */
export const ACTING_USER_HEADER = 'x-kanki-acting-user';

/** Staff user ids: also accepted from the sign-in form and the acting-user header, so kept to a safe alphabet. */
export const StaffUserIdSchema = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'user ids are 1–64 characters of a-z, 0-9, ".", "_" and "-"');

const TokenHashSchema = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'a token hash looks like "sha256:<64 hex digits>" (npm run staff-token)');
const PasswordHashSchema = z.string().refine((s) => typeof parseScryptHash(s) !== 'string', {
  error: (iss) => `a password hash looks like "scrypt$N$r$p$salt$hash" (npm run staff-password): ${parseScryptHash(String(iss.input)) as string}`,
});

export const StaffUserSchema = z.strictObject({
  id: StaffUserIdSchema,
  name: z.string().trim().min(1).max(200),
  /** Facility ids, or ["*"]. A service user may have none (it sees nothing unless acting for someone). */
  facilities: z.array(z.string().min(1)).default([]),
  tokens: z.array(TokenHashSchema).default([]),
  /** scrypt hash of the console password; without one the user cannot sign in to the console. */
  password: PasswordHashSchema.optional(),
  /** A service (the dashboard): may act for a non-service user with `X-Kanki-Acting-User`. */
  service: z.boolean().default(false),
});
export type StaffUser = z.infer<typeof StaffUserSchema>;

const StaffFileSchema = z.strictObject({ users: z.array(StaffUserSchema) });

export type StaffDirectory = {
  readonly users: readonly StaffUser[];
  /** The user a bearer token belongs to, or undefined. */
  userForToken(token: string): StaffUser | undefined;
  /** The user with this id, or undefined. */
  user(id: string): StaffUser | undefined;
  /** The parsed password hash of a user who may sign in to the console (not a service user), or undefined. */
  passwordOf(id: string): StoredSecret | undefined;
};

/** The stored form of a token. */
export function hashToken(token: string): string {
  return `sha256:${createHash('sha256').update(token, 'utf8').digest('hex')}`;
}

/** A new random token (256 bits). */
export function generateToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** The facilities a user may see, or undefined for all. */
export function facilitiesOf(user: StaffUser): readonly string[] | undefined {
  return user.facilities.includes('*') ? undefined : user.facilities;
}

/** May the user see (and act on) this facility? */
export function canSeeFacility(user: StaffUser, facility: string): boolean {
  return user.facilities.includes('*') || user.facilities.includes(facility);
}

/**
 * Validates staff data. In production (`production: true`) a token or password copied from the
 * example file is refused: its plain text is public. (The password check runs scrypt once per
 * user with a password, at start only.)
 */
export function parseStaffUsers(data: unknown, file: string, options: { production: boolean; knownFacilities?: ReadonlySet<string> }): StaffDirectory {
  const parsed = StaffFileSchema.safeParse(data);
  if (!parsed.success) {
    throw new ConfigError(`staff file ${file}:\n  - ${parsed.error.issues.map((i) => `${formatPath(i.path.filter((p) => typeof p !== 'symbol')) || '(top level)'}: ${i.message}`).join('\n  - ')}`);
  }
  const problems: string[] = [];
  const byToken = new Map<string, StaffUser>();
  const byId = new Map<string, StaffUser>();
  const passwords = new Map<string, StoredSecret>();
  parsed.data.users.forEach((u, i) => {
    if (byId.has(u.id)) problems.push(`users[${i}].id: duplicate user "${u.id}"`);
    else byId.set(u.id, u);
    if (!u.service && u.facilities.length === 0) problems.push(`users[${i}].facilities: list the facilities this user looks after, or ["*"]`);
    for (const f of u.facilities) {
      if (f !== '*' && options.knownFacilities && !options.knownFacilities.has(f)) problems.push(`users[${i}].facilities: "${f}" is not in the registry`);
    }
    u.tokens.forEach((t, ti) => {
      if (byToken.has(t)) problems.push(`users[${i}].tokens[${ti}]: the same token is given to "${byToken.get(t)?.id}"`);
      if (options.production && t === hashToken(`${EXAMPLE_TOKEN_PREFIX}${u.id}`)) {
        problems.push(`users[${i}].tokens[${ti}]: this is the public example token; make a real one with npm run staff-token`);
      }
      byToken.set(t, u);
    });
    if (u.password !== undefined) {
      const stored = parseScryptHash(u.password) as StoredSecret;
      // A service signs in with its token only; a password would be a second, weaker way in.
      if (u.service) problems.push(`users[${i}].password: a service user has no console password`);
      else passwords.set(u.id, stored);
      if (options.production && verifySecretSync(stored, Buffer.from(`${EXAMPLE_PASSWORD_PREFIX}${u.id}`, 'utf8'))) {
        problems.push(`users[${i}].password: this is the public example password; make a real one with npm run staff-password`);
      }
    }
  });
  if (problems.length > 0) throw new ConfigError(`staff file ${file}:\n  - ${problems.join('\n  - ')}`);
  return Object.freeze({
    users: parsed.data.users,
    userForToken: (token: string) => (token.length > 0 && token.length <= 256 ? byToken.get(hashToken(token)) : undefined),
    user: (id: string) => byId.get(id),
    passwordOf: (id: string) => passwords.get(id),
  });
}

/** Reads and validates a staff file (YAML or JSON). */
export function loadStaffFile(file: string, options: { production: boolean; knownFacilities?: ReadonlySet<string> }): StaffDirectory {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read the staff file ${file}: ${(err as Error).message}`, { cause: err });
  }
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) throw new ConfigError(`staff file ${file}: ${doc.errors[0]?.message.split('\n')[0] ?? 'not YAML'}`);
  return parseStaffUsers(doc.toJS(), file, options);
}
