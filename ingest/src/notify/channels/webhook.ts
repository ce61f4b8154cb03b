/**
 * Generic signed webhook: POSTs the notice as JSON to one configured URL, for a ward's own systems
 * (a facility management tool, a chat bridge, a pager) to consume.
 *
 * ## Request
 * `POST <url>` with `content-type: application/json`, `user-agent: kanki` and the body
 * `{ "deliveryId", "notice", "message": { "ja": { "subject", "text" }, "en": { "subject", "text" } } }`
 * where `notice` is the `Notice` as the dispatcher built it.
 *
 * ## Headers and signature (same idea as Stripe's and GitHub's)
 * - `x-kanki-delivery`: the delivery id. It is the same on every retry of one delivery, so a
 *   receiver that has seen it already answers 2xx and does nothing.
 * - `x-kanki-timestamp`: unix seconds when this attempt was signed.
 * - `x-kanki-signature`: `sha256=` + hex HMAC-SHA256, keyed with the channel secret, of
 *   `` `${timestamp}.${rawBody}` ``.
 *
 * A receiver recomputes the HMAC over the raw body bytes (before any JSON parsing), compares it in
 * constant time, and refuses timestamps more than a few minutes off, which stops a captured request
 * from being replayed later. `verifyWebhookSignature` does all three.
 *
 * Answer 2xx to accept. 408, 429 and 5xx (with an optional Retry-After) are retried by the
 * dispatcher; any other status is a permanent refusal.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { renderBundle } from '../message.ts';
import type { Notice, Notifier, Recipient } from '../notifier.ts';
import { logDelivered, type ChannelDeps } from './channel-deps.ts';
import { httpPost } from './http-post.ts';

/** Config of a webhook channel. */
export const WebhookChannelSchema = z.strictObject({
  type: z.literal('webhook'),
  url: z.url({ protocol: /^https?$/ }).describe('Where notices are POSTed (http or https).'),
  secret: z.string().min(16).describe('HMAC-SHA256 key for x-kanki-signature; at least 16 characters, shared with the receiver.'),
  timeoutMs: z.number().int().positive().max(120_000).optional()
    .describe('Cap on one attempt in ms, on top of the dispatcher\'s own timeout.'),
});
/** A parsed webhook channel config. */
export type WebhookChannelConfig = z.infer<typeof WebhookChannelSchema>;

/** How far a signature's timestamp may be from the receiver's clock by default (seconds). */
export const DEFAULT_SIGNATURE_TOLERANCE_SEC = 300;

const SIGNATURE_PREFIX = 'sha256=';

/** The signature header value for one body at one timestamp: `sha256=<hex>`. */
export function signWebhook(secret: string, timestamp: string | number, body: string | Uint8Array): string {
  return SIGNATURE_PREFIX + createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/**
 * Checks a Kanki webhook request: `header` must be `sha256=<hex HMAC-SHA256 of "${timestamp}.${body}">`
 * under `secret`, compared in constant time, and `timestamp` (unix seconds) within `toleranceSec`
 * of `nowMs`. Pass the raw body exactly as received.
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string | number | null | undefined,
  body: string | Uint8Array,
  header: string | null | undefined,
  toleranceSec = DEFAULT_SIGNATURE_TOLERANCE_SEC,
  nowMs = Date.now(),
): boolean {
  const ts = String(timestamp ?? '');
  if (!/^\d{1,12}$/.test(ts) || Math.abs(nowMs / 1000 - Number(ts)) > toleranceSec) return false;
  if (!header?.startsWith(SIGNATURE_PREFIX)) return false;
  const given = header.slice(SIGNATURE_PREFIX.length);
  if (!/^[0-9a-f]{64}$/i.test(given)) return false;
  const expected = createHmac('sha256', secret).update(`${ts}.`).update(body).digest();
  return timingSafeEqual(Buffer.from(given, 'hex'), expected);
}

/** A notifier that POSTs signed JSON to the configured URL (the recipient's address is not used). */
export function createWebhookNotifier(name: string, config: WebhookChannelConfig, deps: ChannelDeps = {}): Notifier {
  const now = deps.now ?? Date.now;
  const channel = { name, type: 'webhook' } as const;
  return {
    ...channel,
    async send(notice: Notice, to: Recipient, signal: AbortSignal): Promise<void> {
      const body = JSON.stringify({
        deliveryId: notice.deliveryId,
        notice,
        message: renderBundle(notice, deps.timeZone ? { timeZone: deps.timeZone } : {}),
      });
      const timestamp = String(Math.floor(now() / 1000));
      await httpPost({
        channel: 'webhook',
        url: config.url,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'kanki',
          'x-kanki-delivery': notice.deliveryId,
          'x-kanki-timestamp': timestamp,
          'x-kanki-signature': signWebhook(config.secret, timestamp, body),
        },
        body,
        signal: config.timeoutMs ? AbortSignal.any([signal, AbortSignal.timeout(config.timeoutMs)]) : signal,
        secrets: [config.secret],
      });
      logDelivered(deps, channel, notice, to);
    },
  };
}
