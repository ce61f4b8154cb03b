/**
 * Staff users of the staff API: who they are, which facilities they look after, and the hashes of
 * their API tokens. One YAML file (`KANKI_STAFF`); tokens are long random strings, so a SHA-256
 * hash is enough to store them (a slow hash protects guessable passwords, not 256-bit tokens) and
 * a lookup by hash costs nothing per request.
 *
 *   users:
 *     - id: sengen-office
 *       name: 南浅間保育園 事務室
 *       facilities: [minami-sengen-nursery]     # or ["*"] for every facility
 *       tokens: ["sha256:<hex of the token>"]   # make one with: npm run staff-token -- sengen-office
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../../../common/errors.ts';
import { formatPath } from '../../../common/payloads.ts';

/** Prefix of every token this program makes, so a leaked one is recognisable (secret scanners). */
export const TOKEN_PREFIX = 'kst_';
/** Plain text behind every token hash of the shipped example file: `kanki-example-staff-<user id>`. */
export const EXAMPLE_TOKEN_PREFIX = 'kanki-example-staff-';

const TokenHashSchema = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'a token hash looks like "sha256:<64 hex digits>" (npm run staff-token)');

export const StaffUserSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'user ids are 1–64 characters of a-z, 0-9, ".", "_" and "-"'),
  name: z.string().trim().min(1).max(200),
  facilities: z.array(z.string().min(1)).min(1, 'list the facilities this user looks after, or ["*"]'),
  tokens: z.array(TokenHashSchema).default([]),
});
export type StaffUser = z.infer<typeof StaffUserSchema>;

const StaffFileSchema = z.strictObject({ users: z.array(StaffUserSchema) });

export type StaffDirectory = {
  readonly users: readonly StaffUser[];
  /** The user a bearer token belongs to, or undefined. */
  userForToken(token: string): StaffUser | undefined;
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

export function canSeeFacility(user: StaffUser, facility: string): boolean {
  return user.facilities.includes('*') || user.facilities.includes(facility);
}

/**
 * Validates staff data. In production (`production: true`) a token copied from the example file
 * is refused: its plain text is public.
 */
export function parseStaffUsers(data: unknown, file: string, options: { production: boolean; knownFacilities?: ReadonlySet<string> }): StaffDirectory {
  const parsed = StaffFileSchema.safeParse(data);
  if (!parsed.success) {
    throw new ConfigError(`staff file ${file}:\n  - ${parsed.error.issues.map((i) => `${formatPath(i.path.filter((p) => typeof p !== 'symbol')) || '(top level)'}: ${i.message}`).join('\n  - ')}`);
  }
  const problems: string[] = [];
  const byToken = new Map<string, StaffUser>();
  const ids = new Set<string>();
  parsed.data.users.forEach((u, i) => {
    if (ids.has(u.id)) problems.push(`users[${i}].id: duplicate user "${u.id}"`);
    ids.add(u.id);
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
  });
  if (problems.length > 0) throw new ConfigError(`staff file ${file}:\n  - ${problems.join('\n  - ')}`);
  return Object.freeze({
    users: parsed.data.users,
    userForToken: (token: string) => (token.length > 0 && token.length <= 256 ? byToken.get(hashToken(token)) : undefined),
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
