/**
 * The HTTP side of the InfluxDB store: `/write`, `/query` and `/ping` over Node's global fetch
 * (undici keeps connections alive), with every failure turned into a `StoreError` whose
 * `retryable` verdict the writer/spool acts on. Credentials travel only in the `Authorization`
 * header, never in a URL, so they cannot leak through an error message or a proxy log.
 */
import { StoreError } from '../errors.ts';
import { STORE_ERROR_CODES } from './store-errors.ts';

/** Connection settings of an InfluxDB server (1.x, or 2.x/3.x through their v1-compatible API). */
export type InfluxHttpOptions = {
  url: string;
  username?: string;
  password?: string;
  token?: string;
  timeoutMs: number;
};

/** One series of a statement's result (`values` rows in `columns` order). */
export type InfluxSeries = { name?: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] };
/** One statement's result, with chunked partial series already merged; `error` is InfluxDB's statement error. */
export type InfluxStatementResult = { series: InfluxSeries[]; error?: string };

/** The calls the store makes; created by `createInfluxHttp`. */
export type InfluxHttp = {
  /** POSTs a line-protocol body to `/write?db&rp&precision=ms`. */
  write(body: string, target: { db: string; rp?: string }): Promise<void>;
  /** Runs InfluxQL (one or more `;`-separated statements); results in statement order. Throws on HTTP errors only. */
  query(q: string, db?: string): Promise<InfluxStatementResult[]>;
  ping(): Promise<boolean>;
  /** Aborts requests in flight. */
  close(): void;
};

const MAX_SERVER_TEXT = 500;

/** A client for one server; see the module comment for how credentials and failures are handled. */
export function createInfluxHttp(options: InfluxHttpOptions): InfluxHttp {
  const parsed = new URL(options.url);
  // Credentials in the URL (http://user:pass@host) are moved into the header: fetch refuses
  // such URLs, and a URL is what ends up in error messages.
  const username = options.username ?? (parsed.username ? decodeURIComponent(parsed.username) : undefined);
  const password = options.password ?? (parsed.password ? decodeURIComponent(parsed.password) : undefined);
  parsed.username = '';
  parsed.password = '';
  const base = parsed.href.replace(/\/+$/, '');
  const origin = parsed.origin;
  const secrets = [options.token, password, username && password ? Buffer.from(`${username}:${password}`).toString('base64') : undefined]
    .filter((s): s is string => typeof s === 'string' && s.length >= 3);
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Token ${options.token}`;
  else if (username !== undefined) headers.authorization = `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}`;
  const closing = new AbortController();

  /** Last line of defence: no message we build may contain a credential, whatever the server echoes. */
  function redact(text: string): string {
    let out = text;
    for (const s of secrets) out = out.split(s).join('[redacted]');
    return out;
  }

  function failure(code: string, message: string, retryable: boolean, cause?: unknown): StoreError {
    return new StoreError(code, redact(message), { retryable, cause });
  }

  async function request(path: string, init: { method: string; body?: string; contentType?: string }): Promise<Response> {
    const signal = AbortSignal.any([closing.signal, AbortSignal.timeout(options.timeoutMs)]);
    try {
      return await fetch(base + path, {
        method: init.method,
        body: init.body,
        headers: init.contentType ? { ...headers, 'content-type': init.contentType } : headers,
        signal,
      });
    } catch (err) {
      throw networkFailure(err);
    }
  }

  function networkFailure(err: unknown): StoreError {
    if (closing.signal.aborted) return failure(STORE_ERROR_CODES.closed, 'InfluxDB store closed during a request', true);
    const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') {
      return failure(STORE_ERROR_CODES.timeout, `InfluxDB at ${origin} did not answer within ${options.timeoutMs} ms`, true);
    }
    // Keep the cause's code only: undici's cause carries no secrets, but keeping it small keeps logs readable.
    const reason = e.cause?.code ?? e.cause?.message ?? e.message ?? 'unknown error';
    return failure(STORE_ERROR_CODES.unavailable, `InfluxDB at ${origin} unreachable: ${reason}`, true);
  }

  async function readText(res: Response): Promise<string> {
    try {
      return await res.text();
    } catch (err) {
      throw networkFailure(err);
    }
  }

  function serverText(text: string): string {
    let msg = text;
    try {
      const parsedBody = JSON.parse(text) as { error?: unknown; message?: unknown };
      if (typeof parsedBody.error === 'string') msg = parsedBody.error;
      else if (typeof parsedBody.message === 'string') msg = parsedBody.message;
    } catch {
      // not JSON: use the text as it is
    }
    msg = msg.trim();
    return msg.length > MAX_SERVER_TEXT ? msg.slice(0, MAX_SERVER_TEXT) + '…' : msg;
  }

  async function httpFailure(res: Response, what: string): Promise<StoreError> {
    const text = serverText(await readText(res));
    const detail = `InfluxDB ${what} failed with HTTP ${res.status}: ${text}`;
    if (res.status === 401 || res.status === 403) {
      return failure(STORE_ERROR_CODES.auth, `${detail} (check the InfluxDB username/password or token; data stays spooled)`, true);
    }
    if (res.status === 404) return failure(STORE_ERROR_CODES.notFound, detail, true);
    if (res.status === 429 || res.status >= 500) return failure(STORE_ERROR_CODES.unavailable, detail, true);
    return failure(STORE_ERROR_CODES.rejected, detail, false);
  }

  return {
    async write(body, target) {
      let path = `/write?db=${encodeURIComponent(target.db)}&precision=ms`;
      if (target.rp) path += `&rp=${encodeURIComponent(target.rp)}`;
      const res = await request(path, { method: 'POST', body, contentType: 'text/plain; charset=utf-8' });
      if (res.status === 204 || res.status === 200) {
        await readText(res); // drain, so undici can reuse the connection
        return;
      }
      throw await httpFailure(res, 'write');
    },

    async query(q, db) {
      // chunked: large raw histories would otherwise hit the server's max-row-limit.
      let path = '/query?epoch=ms&chunked=true&chunk_size=10000';
      if (db !== undefined) path += `&db=${encodeURIComponent(db)}`;
      const res = await request(path, { method: 'POST', body: new URLSearchParams({ q }).toString(), contentType: 'application/x-www-form-urlencoded' });
      if (res.status !== 200) throw await httpFailure(res, 'query');
      return mergeChunks(await readText(res));
    },

    async ping() {
      try {
        const res = await request('/ping', { method: 'GET' });
        await readText(res);
        return res.status === 204 || res.status === 200;
      } catch {
        return false;
      }
    },

    close() {
      closing.abort();
    },
  };
}

type RawChunk = { results?: { statement_id?: number; series?: InfluxSeries[]; error?: string }[]; error?: string };

/** Merges a chunked (newline-delimited) or plain `/query` answer into one result per statement. */
export function mergeChunks(text: string): InfluxStatementResult[] {
  const results: InfluxStatementResult[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let chunk: RawChunk;
    try {
      chunk = JSON.parse(line) as RawChunk;
    } catch (err) {
      // A 200 that is not InfluxDB's JSON comes from something in between (proxy, wrong URL).
      throw new StoreError(STORE_ERROR_CODES.unavailable, `InfluxDB query answer is not JSON: ${line.slice(0, 200)}`, { retryable: true, cause: err });
    }
    if (chunk.error) throw new StoreError(STORE_ERROR_CODES.rejected, `InfluxDB query failed: ${chunk.error}`, { retryable: false });
    for (const r of chunk.results ?? []) {
      const id = r.statement_id ?? 0;
      const target = (results[id] ??= { series: [] });
      if (r.error) target.error = r.error;
      for (const s of r.series ?? []) {
        const key = JSON.stringify([s.name, s.tags ?? null]);
        const last = target.series[target.series.length - 1];
        if (last && JSON.stringify([last.name, last.tags ?? null]) === key) last.values.push(...(s.values ?? []));
        else target.series.push({ ...s, values: [...(s.values ?? [])] });
      }
    }
  }
  for (let i = 0; i < results.length; i++) results[i] ??= { series: [] };
  return results;
}
