/**
 * The stable codes of every channel's `DeliveryError` in one place (metrics labels, logs, tests), and
 * the two helpers every channel needs to build one: scrub secrets from a message, and say why a
 * cancelled attempt stopped.
 */
import { DeliveryError } from '../notifier.ts';

/** Every code a channel's DeliveryError may carry. */
export const NOTIFY_ERROR_CODES = {
  /** The attempt's AbortSignal timed out (the dispatcher's or the channel's timeout). Retryable. */
  timeout: 'KANKI_NOTIFY_TIMEOUT',
  /** The attempt was aborted for another reason (shutdown). Retryable. */
  aborted: 'KANKI_NOTIFY_ABORTED',
  /** The server was not reached or the connection broke. Retryable. */
  network: 'KANKI_NOTIFY_NETWORK',
  /** HTTP 429. Retryable, with Retry-After. */
  http429: 'KANKI_NOTIFY_HTTP_429',
  /** HTTP 5xx or 408. Retryable, with Retry-After. */
  http5xx: 'KANKI_NOTIFY_HTTP_5XX',
  /** HTTP 4xx: the request or our credentials were refused. Permanent. */
  http4xx: 'KANKI_NOTIFY_HTTP_4XX',
  /** HTTP 3xx: the configured URL moved; redirects are not followed. Permanent. */
  httpRedirect: 'KANKI_NOTIFY_HTTP_REDIRECT',
  /** SMTP 4xx reply. Retryable. */
  smtp4xx: 'KANKI_NOTIFY_SMTP_4XX',
  /** SMTP 5xx reply (503 aside). Permanent. */
  smtp5xx: 'KANKI_NOTIFY_SMTP_5XX',
  /** SMTP authentication, TLS or message errors without a reply code. Permanent. */
  smtpRefused: 'KANKI_NOTIFY_SMTP_REFUSED',
  /** Any other SMTP failure. Retryable. */
  smtp: 'KANKI_NOTIFY_SMTP',
  /** The MQTT publish failed. Retryable. */
  mqtt: 'KANKI_NOTIFY_MQTT',
  /** The recipient has no address this channel needs (e-mail, LINE id). Permanent. */
  noAddress: 'KANKI_NOTIFY_NO_ADDRESS',
} as const;

/** Replaces every secret (and its URL-encoded form) with `[redacted]`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (s.length < 4) continue;
    for (const form of new Set([s, encodeURIComponent(s)])) out = out.split(form).join('[redacted]');
  }
  return out;
}

/**
 * The error for an attempt whose signal fired. Why it fired decides the code: the dispatcher's
 * timeout (`AbortSignal.timeout` → `TimeoutError`) or an abort such as shutdown. Both retryable:
 * the notice was not (known to be) delivered.
 */
export function abortedError(signal: AbortSignal, where: string): DeliveryError {
  const reason: unknown = signal.reason;
  const timedOut = reason instanceof Error && reason.name === 'TimeoutError';
  return new DeliveryError(
    timedOut ? NOTIFY_ERROR_CODES.timeout : NOTIFY_ERROR_CODES.aborted,
    `${where}: ${timedOut ? 'timed out' : 'aborted'}`,
    { cause: reason, retryable: true },
  );
}

/**
 * A copy of an underlying error that is safe to keep as `cause`: its message scrubbed of secrets,
 * its `code` and SMTP `responseCode` kept. Loggers print causes too (pino's `err` serializer
 * follows the chain), so the raw error of a library that echoes server replies is not kept.
 */
export function scrubbedCause(err: unknown, secrets: readonly string[]): Error {
  const source = err instanceof Error ? err : new Error(String(err));
  const copy = new Error(redact(source.message, secrets)) as Error & { code?: unknown; responseCode?: unknown };
  copy.name = source.name;
  const { code, responseCode } = source as { code?: unknown; responseCode?: unknown };
  if (code !== undefined) copy.code = code;
  if (responseCode !== undefined) copy.responseCode = responseCode;
  return copy;
}
