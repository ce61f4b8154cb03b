/**
 * Signed one-time links: a notification carries a link to a page where the recipient records what
 * they did about the alert, without signing in. The token is `<payload>.<signature>`, both
 * base64url; the payload says which alert, for which recipient, until when, and a random nonce;
 * the signature is HMAC-SHA256 of the payload with the link secret. The ingest stores the nonce
 * when the link is used, so it works once. Opening the link (GET) only shows the page: mail
 * scanners and chat unfurlers fetch links, and must not acknowledge anything by doing so.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

const LinkPayloadSchema = z.strictObject({
  /** Alert id in the alert database. */
  a: z.number().int().positive(),
  /** Recipient id (the audit log's "who"). */
  r: z.string().min(1).max(128),
  /** Expiry, epoch seconds. */
  e: z.number().int().positive(),
  /** Random nonce: the link's identity for "used once". */
  n: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
});

export type LinkClaims = { alertId: number; recipient: string; expiresAt: number; nonce: string };

/** Why a token is not accepted. */
export type LinkProblem = 'malformed' | 'bad_signature' | 'expired';

export type LinkSigner = {
  /** A token for `alertId` and `recipient`, valid for the signer's lifetime from `now`. */
  sign(alertId: number, recipient: string, now: number): string;
  /** The claims of a valid, unexpired token, or the problem. Checking the nonce is the caller's job. */
  verify(token: string, now: number): { ok: true; claims: LinkClaims } | { ok: false; problem: LinkProblem };
};

/**
 * Creates a signer. `secret` must be at least 32 bytes of randomness (config refuses shorter);
 * `ttlMs` is how long a link stays usable (default 24 h: long enough for the next working day,
 * short enough that an old e-mail cannot act on a new alert — it names its own alert anyway).
 */
export function createLinkSigner(secret: string, ttlMs = 24 * 3600_000): LinkSigner {
  const mac = (payload: string) => createHmac('sha256', secret).update(payload).digest();
  return {
    sign(alertId, recipient, now) {
      const claims = { a: alertId, r: recipient, e: Math.floor((now + ttlMs) / 1000), n: randomBytes(16).toString('base64url') };
      const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
      return `${payload}.${mac(payload).toString('base64url')}`;
    },
    verify(token, now) {
      const parts = token.split('.');
      if (parts.length !== 2 || !parts[0] || !parts[1] || token.length > 1024) return { ok: false, problem: 'malformed' };
      const [payload, signature] = parts as [string, string];
      const expected = mac(payload);
      const given = Buffer.from(signature, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, problem: 'bad_signature' };
      let data: unknown;
      try {
        data = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      } catch {
        return { ok: false, problem: 'malformed' };
      }
      const parsed = LinkPayloadSchema.safeParse(data);
      if (!parsed.success) return { ok: false, problem: 'malformed' };
      const c = parsed.data;
      if (c.e * 1000 <= now) return { ok: false, problem: 'expired' };
      return { ok: true, claims: { alertId: c.a, recipient: c.r, expiresAt: c.e * 1000, nonce: c.n } };
    },
  };
}
