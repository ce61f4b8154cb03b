/**
 * LINE Messaging API push messages (LINE Notify was shut down in March 2025): one text message to
 * a user, group or room id (`recipient.address`), from the ward's official account.
 *
 * Plain `fetch` rather than `@line/bot-sdk`: the call is one POST, and doing it here keeps the
 * error mapping (409 = already accepted, 429/5xx retryable with Retry-After) in one visible place
 * shared with the other HTTP channels.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { renderNotice } from '../message.ts';
import { DeliveryError, type Notice, type Notifier, type Recipient } from '../notifier.ts';
import { logDelivered, type ChannelDeps } from './channel-deps.ts';
import { NOTIFY_ERROR_CODES as CODES } from './delivery-errors.ts';
import { httpPost } from './http-post.ts';

/** LINE's Messaging API. */
export const DEFAULT_LINE_API_BASE = 'https://api.line.me';

/** Config of a LINE channel. */
export const LineChannelSchema = z.strictObject({
  type: z.literal('line'),
  channelAccessToken: z.string().min(1).describe('Long-lived channel access token of the LINE official account; secret.'),
  apiBase: z.url({ protocol: /^https?$/ }).optional()
    .describe(`Messaging API base URL; default ${DEFAULT_LINE_API_BASE}. Only tests change it.`),
});
/** A parsed LINE channel config. */
export type LineChannelConfig = z.infer<typeof LineChannelSchema>;

/** A text message may hold at most 5000 characters (LINE's limit). */
export const LINE_TEXT_MAX = 5000;

/**
 * Kanki's UUID namespace for retry keys (a fixed random UUID): the same delivery id always maps to
 * the same key, and no other system's UUIDv5s collide with ours.
 */
const RETRY_KEY_NAMESPACE = '6f1c2b9e-4d0a-4c59-9a8e-3f7d2e1b5c40';

/**
 * The `X-Line-Retry-Key` of a delivery: a UUIDv5 (RFC 9562) of the delivery id. LINE accepts a
 * retried push with the same key only once (answering 409 to repeats for 24 hours), so a retry
 * after a lost response never posts the message twice.
 */
export function lineRetryKey(deliveryId: string): string {
  const ns = Buffer.from(RETRY_KEY_NAMESPACE.replace(/-/g, ''), 'hex');
  const b = createHash('sha1').update(ns).update(deliveryId, 'utf8').digest().subarray(0, 16);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x50; // version 5
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80; // RFC 4122 variant
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Cuts text to `max` UTF-16 units without splitting a surrogate pair, ending with "…". */
export function truncateText(text: string, max = LINE_TEXT_MAX): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** A notifier pushing one text message per notice to a LINE user, group or room. */
export function createLineNotifier(name: string, config: LineChannelConfig, deps: ChannelDeps = {}): Notifier {
  const channel = { name, type: 'line' } as const;
  const endpoint = `${(config.apiBase ?? DEFAULT_LINE_API_BASE).replace(/\/+$/, '')}/v2/bot/message/push`;
  return {
    ...channel,
    async send(notice: Notice, to: Recipient, signal: AbortSignal): Promise<void> {
      if (!to.address) {
        throw new DeliveryError(CODES.noAddress, `line: recipient ${to.id} has no LINE user, group or room id`, { retryable: false });
      }
      const { text } = renderNotice(notice, to.lang, deps.timeZone ? { timeZone: deps.timeZone } : {});
      await httpPost({
        channel: 'line',
        url: endpoint,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'kanki',
          authorization: `Bearer ${config.channelAccessToken}`,
          'x-line-retry-key': lineRetryKey(notice.deliveryId),
        },
        body: JSON.stringify({ to: to.address, messages: [{ type: 'text', text: truncateText(text) }] }),
        signal,
        secrets: [config.channelAccessToken],
        // 409 with a retry key: LINE already accepted this very push on an earlier attempt.
        alsoAccepted: [409],
      });
      logDelivered(deps, channel, notice, to);
    },
  };
}
