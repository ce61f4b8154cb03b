/**
 * One JSON POST for the HTTP channels (webhook, Slack, Teams, LINE), with every failure mapped to a
 * `DeliveryError` with a stable code and a retry verdict, in the spirit of influxdb-client's
 * `HttpError.canRetry()`. Error messages name the host only: Slack and Teams webhook URLs carry
 * their secret in the path, and the bodies servers send back are scrubbed of every known secret.
 */
import { DeliveryError } from '../notifier.ts';
import { abortedError, NOTIFY_ERROR_CODES as CODES, redact, scrubbedCause } from './delivery-errors.ts';

/** Longest Retry-After we pass on (a day): beyond that the dispatcher's own policy decides. */
const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;
const EXCERPT_BYTES = 300;

/** What to send and how to describe it in errors. */
export type HttpPostRequest = {
  /** Channel type, e.g. "webhook" (for messages). */
  channel: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
  /** Values that must never appear in an error message (tokens, secrets); the URL's path and query are added. */
  secrets: readonly string[];
  /**
   * Statuses that mean "already accepted" besides 2xx (LINE answers 409 to a retried push with the
   * same retry key).
   */
  alsoAccepted?: readonly number[];
};

/** The accepted response's status and a bounded excerpt of its body. */
export type HttpPostResult = { status: number; body: string };

/**
 * `Retry-After` as milliseconds from `now`: delta-seconds or an HTTP date (RFC 9110 §10.2.3);
 * undefined when absent or unreadable. Capped at a day.
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  let ms: number;
  if (/^\d+$/.test(v)) ms = Number(v) * 1000;
  else {
    const at = Date.parse(v);
    if (Number.isNaN(at)) return undefined;
    ms = at - now;
  }
  return Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS);
}

/** The part of a URL that may be logged: its host (with port), never the path or query. */
export function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid url)';
  }
}

function urlSecrets(url: string): string[] {
  try {
    const u = new URL(url);
    const rest = `${u.pathname}${u.search}`;
    return [url, ...(rest.length > 1 ? [rest] : [])];
  } catch {
    return [url];
  }
}

/** Reads at most `limit` bytes of a body and drops the rest, so a huge error page costs nothing. */
async function readExcerpt(res: Response, limit = EXCERPT_BYTES): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8').replace(/\s+/g, ' ').trim();
}

/** Maps a failed `fetch` (no response at all) to a retryable DeliveryError. */
function fetchFailure(err: unknown, req: HttpPostRequest, where: string): DeliveryError {
  if (req.signal.aborted) return abortedError(req.signal, where);
  // undici reports "fetch failed" and puts the useful part (ECONNREFUSED, ENOTFOUND…) in `cause`.
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const code = (cause as { code?: unknown } | null)?.code;
  const detail = typeof code === 'string' ? code : cause instanceof Error ? cause.message : String(cause);
  return new DeliveryError(CODES.network, `${where}: network error (${redact(detail, req.secrets)})`, { cause: scrubbedCause(cause, req.secrets), retryable: true });
}

/** Maps a non-accepted HTTP status to a DeliveryError: 408/429/5xx retryable, other 3xx/4xx permanent. */
function statusFailure(res: Response, excerpt: string, req: HttpPostRequest, where: string): DeliveryError {
  const status = res.status;
  const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
  const detail = `${where}: HTTP ${status}${excerpt ? ` (${redact(excerpt, req.secrets)})` : ''}`;
  if (status === 429) return new DeliveryError(CODES.http429, detail, { retryable: true, ...(retryAfterMs !== undefined && { retryAfterMs }) });
  if (status >= 500 || status === 408) {
    return new DeliveryError(CODES.http5xx, detail, { retryable: true, ...(retryAfterMs !== undefined && { retryAfterMs }) });
  }
  // Redirects are not followed: a POST turned into a GET, or a bearer token sent on to another
  // host, is worse than a clear error asking for the configured URL to be fixed.
  if (status >= 300 && status < 400) return new DeliveryError(CODES.httpRedirect, detail, { retryable: false });
  return new DeliveryError(CODES.http4xx, detail, { retryable: false });
}

/**
 * POSTs `body` and resolves with the accepted response, or rejects with a `DeliveryError`:
 * network errors, timeouts, 408, 429 and 5xx are retryable (with the server's Retry-After),
 * redirects and other 4xx are not.
 */
export async function httpPost(request: HttpPostRequest): Promise<HttpPostResult> {
  // The URL's path and query are secrets too (Slack, Teams): never echo them back in an error.
  const req = { ...request, secrets: [...request.secrets, ...urlSecrets(request.url)] };
  const where = `${req.channel} POST to ${safeHost(req.url)}`;
  let res: Response;
  try {
    res = await fetch(req.url, { method: 'POST', headers: req.headers, body: req.body, signal: req.signal, redirect: 'manual' });
  } catch (err) {
    throw fetchFailure(err, req, where);
  }
  // The status has arrived and decides the outcome; a body cut off (timeout, reset) only loses detail.
  const excerpt = await readExcerpt(res).catch(() => '');
  if (res.ok || req.alsoAccepted?.includes(res.status)) return { status: res.status, body: excerpt };
  throw statusFailure(res, excerpt, req, where);
}
