/**
 * E-mail over SMTP (nodemailer, pooled connections): subject, plain text and HTML from
 * `renderNotice`, to `recipient.address`. Every attempt of one delivery carries the same
 * `Message-ID` and `X-Kanki-Delivery`, so a retried send is recognisable (and many mail systems
 * drop the duplicate on their own).
 */
import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import { z } from 'zod';
import { renderNotice } from '../message.ts';
import { DeliveryError, type Notice, type Notifier, type Recipient } from '../notifier.ts';
import { logDelivered, type ChannelDeps } from './channel-deps.ts';
import { abortedError, NOTIFY_ERROR_CODES as CODES, redact, scrubbedCause } from './delivery-errors.ts';

/** Config of an e-mail channel. */
export const EmailChannelSchema = z.strictObject({
  type: z.literal('email'),
  from: z.string().trim().min(3).regex(/@/, 'must contain an e-mail address')
    .describe('Sender, e.g. "Kanki 西区 <kanki@city.example.jp>".'),
  smtp: z.strictObject({
    host: z.string().trim().min(1).describe('SMTP server host name.'),
    port: z.number().int().min(1).max(65_535).describe('SMTP port: 587 (submission, STARTTLS), 465 (implicit TLS) or 25.'),
    secure: z.boolean().optional().describe('Implicit TLS from the first byte; default true on port 465, else false (STARTTLS when offered).'),
    user: z.string().min(1).optional().describe('SMTP login; no authentication when absent.'),
    password: z.string().min(1).optional().describe('SMTP password; secret.'),
    requireTLS: z.boolean().optional().describe('Refuse to send unless STARTTLS succeeds.'),
    tlsRejectUnauthorized: z.boolean().optional()
      .describe('Verify the server certificate (default true); false only for a ward-internal relay with a private CA.'),
  }),
});
/** A parsed e-mail channel config. */
export type EmailChannelConfig = z.infer<typeof EmailChannelSchema>;

// Shorter than nodemailer's defaults (2 min to connect, 10 min idle socket): a notice is only
// useful while the room is still stuffy, and the dispatcher retries a failed attempt anyway.
const CONNECTION_TIMEOUT_MS = 10_000;
const GREETING_TIMEOUT_MS = 10_000;
const SOCKET_TIMEOUT_MS = 30_000;

/** Failures that mean the server was not reached or the connection broke: worth another try. */
const NETWORK_CODES = new Set(['ECONNECTION', 'ESOCKET', 'EDNS', 'EPROXY', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);
/** Failures of our own config or of the message that no retry can fix. */
const PERMANENT_CODES = new Set(['EAUTH', 'ENOAUTH', 'ETLS', 'EREQUIRETLS', 'ECONFIG', 'EENVELOPE', 'EMESSAGE', 'EMAXRECIPIENTS']);

/**
 * The Message-ID of a delivery: the same on every retry. Delivery ids that are not plain
 * `[A-Za-z0-9._-]` are hashed so the header stays valid.
 */
export function deliveryMessageId(deliveryId: string, from: string): string {
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1] ?? 'kanki.invalid';
  const local = /^[A-Za-z0-9._-]{1,100}$/.test(deliveryId) ? deliveryId : createHash('sha256').update(deliveryId).digest('hex').slice(0, 40);
  return `<kanki.${local}@${domain}>`;
}

type SmtpError = Error & { code?: string; responseCode?: number; response?: string; permanent?: boolean };

/**
 * Maps a nodemailer error: 4xx SMTP replies, timeouts and connection failures are retryable;
 * 5xx replies (except 503, "bad sequence", which a new connection fixes — nodemailer's `permanent`
 * flag says so) and authentication/TLS/config errors are not.
 */
export function mapSmtpError(err: unknown, where: string, secrets: readonly string[], signal?: AbortSignal): DeliveryError {
  const e = (err instanceof Error ? err : new Error(String(err))) as SmtpError;
  const detail = (text: string) => `${where}: ${redact(text, secrets).replace(/\s+/g, ' ').trim().slice(0, 300)}`;
  const cause = scrubbedCause(err, secrets);
  if (signal?.aborted) return abortedError(signal, where);
  if (e.code === 'EABORT' || e.name === 'AbortError') return new DeliveryError(CODES.aborted, detail('aborted'), { cause, retryable: true });
  if (typeof e.responseCode === 'number' && e.responseCode >= 400) {
    const permanent = e.permanent ?? (e.responseCode >= 500 && e.responseCode !== 503);
    const code = e.responseCode >= 500 ? CODES.smtp5xx : CODES.smtp4xx;
    return new DeliveryError(code, detail(`SMTP ${e.response ?? e.responseCode}`), { cause, retryable: !permanent });
  }
  if (e.code === 'ETIMEDOUT') return new DeliveryError(CODES.timeout, detail(e.message), { cause, retryable: true });
  if (e.code && NETWORK_CODES.has(e.code)) return new DeliveryError(CODES.network, detail(`network error (${e.code}) ${e.message}`), { cause, retryable: true });
  if (e.code && PERMANENT_CODES.has(e.code)) return new DeliveryError(CODES.smtpRefused, detail(`${e.code} ${e.message}`), { cause, retryable: false });
  // Unknown: assume transient; the dispatcher bounds how often it tries.
  return new DeliveryError(CODES.smtp, detail(`${e.code ?? 'error'} ${e.message}`), { cause, retryable: true });
}

/** A notifier sending one e-mail per notice through a pooled SMTP transport; `close()` ends the pool. */
export function createEmailNotifier(name: string, config: EmailChannelConfig, deps: ChannelDeps = {}): Notifier {
  const channel = { name, type: 'email' } as const;
  const { smtp } = config;
  const transport = nodemailer.createTransport({
    pool: true,
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure ?? smtp.port === 465,
    ...(smtp.user !== undefined && { auth: { user: smtp.user, pass: smtp.password ?? '' } }),
    requireTLS: smtp.requireTLS ?? false,
    tls: { rejectUnauthorized: smtp.tlsRejectUnauthorized ?? true },
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    greetingTimeout: GREETING_TIMEOUT_MS,
    socketTimeout: SOCKET_TIMEOUT_MS,
    // Retries belong to the dispatcher (with backoff and its own bookkeeping), not to the pool.
    maxRequeues: 0,
    // Our messages never reference files or URLs; refuse them so a crafted text cannot make the
    // mailer read a local file or fetch a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  const where = `email via ${smtp.host}:${smtp.port}`;
  const secrets = smtp.password ? [smtp.password] : [];
  let closed = false;
  return {
    ...channel,
    async send(notice: Notice, to: Recipient, signal: AbortSignal): Promise<void> {
      if (!to.address) {
        throw new DeliveryError(CODES.noAddress, `email: recipient ${to.id} has no e-mail address`, { retryable: false });
      }
      const { subject, text, html } = renderNotice(notice, to.lang, deps.timeZone ? { timeZone: deps.timeZone } : {});
      try {
        await transport.sendMail({
          from: config.from,
          to: { name: to.name, address: to.address },
          subject,
          text,
          html,
          messageId: deliveryMessageId(notice.deliveryId, config.from),
          headers: {
            'X-Kanki-Delivery': notice.deliveryId,
            // RFC 3834: keeps out-of-office responders from answering an automatic notice.
            'Auto-Submitted': 'auto-generated',
          },
          signal,
        });
      } catch (err) {
        throw mapSmtpError(err, where, secrets, signal);
      }
      logDelivered(deps, channel, notice, to);
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      transport.close();
    },
  };
}
