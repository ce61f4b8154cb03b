/**
 * The console's way to the ingest's staff API, server to server: the dashboard's service token,
 * the signed-in person named in `X-Kanki-Acting-User` (the ingest applies their facilities and
 * audits as them), a timeout, and every answer parsed with the shared schemas of
 * `common/staff-api.ts` — a reply of an unexpected shape is an error, never half-shown data.
 */
import { z } from 'zod';
import { KankiError } from '../../../common/errors.ts';
import {
  StaffAlertDetailSchema, StaffAlertListSchema, StaffAlertSchema, StaffAuditSchema, StaffDeliveriesSchema, StaffErrorSchema,
  StaffSensorsSchema, StaffUnknownDevicesSchema, type StaffAckAction,
} from '../../../common/staff-api.ts';
import { ACTING_USER_HEADER } from '../../../common/staff-users.ts';

/**
 * The staff API answered with an error, or could not be reached (`status` 502/504, retryable).
 * `apiCode` is the staff API's stable code (`not_found`, `already_acknowledged`, …).
 */
export class IngestError extends KankiError {
  constructor(readonly status: number, readonly apiCode: string, message: string, options: { cause?: unknown } = {}) {
    super(`KANKI_STAFF_API_${apiCode.toUpperCase()}`, message, { ...options, retryable: status >= 500 });
  }
}

export type IngestClientOptions = {
  /** Base URL of the ingest's HTTP port, e.g. http://127.0.0.1:9464. */
  baseUrl: string;
  /** The dashboard's service token (KANKI_INGEST_TOKEN). */
  token: string;
  /** Per request (default 5 s): a page waits at most this long for the ingest. */
  timeoutMs?: number;
};

const AckResultSchema = z.object({ alert: StaffAlertSchema });

/** What the console asks the staff API, always on behalf of one user. */
export type StaffIngestApi = ReturnType<typeof createIngestClient>;

/** A client of the staff API; every call names the user it acts for. Throws `IngestError`. */
export function createIngestClient(options: IngestClientOptions) {
  const base = `${options.baseUrl.replace(/\/+$/, '')}/api/v1/staff`;
  const timeoutMs = options.timeoutMs ?? 5000;

  async function call<S extends z.ZodType>(schema: S, user: string, path: string, init: { method?: string; body?: unknown; query?: Record<string, string | number | undefined> } = {}): Promise<z.output<S>> {
    const url = new URL(`${base}${path}`);
    for (const [k, v] of Object.entries(init.query ?? {})) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
    let res: Response;
    try {
      res = await fetch(url, {
        method: init.method ?? 'GET',
        headers: {
          authorization: `Bearer ${options.token}`,
          [ACTING_USER_HEADER]: user,
          accept: 'application/json',
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
    } catch (err) {
      const timedOut = (err as Error).name === 'TimeoutError';
      throw new IngestError(timedOut ? 504 : 502, 'ingest_unavailable', timedOut ? `the ingest did not answer within ${timeoutMs} ms` : 'the ingest is not reachable', { cause: err });
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch (err) {
      throw new IngestError(502, 'bad_answer', `the ingest answered ${res.status} without JSON`, { cause: err });
    }
    if (!res.ok) {
      const e = StaffErrorSchema.safeParse(body);
      // 401 means the dashboard's own token is wrong: an operator's problem, not the visitor's.
      const status = res.status === 401 ? 502 : res.status;
      throw new IngestError(status, e.success ? e.data.error.code : 'bad_answer', e.success ? e.data.error.message : `the ingest answered ${res.status}`);
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw new IngestError(502, 'bad_answer', `unexpected answer from the staff API ${path}: ${parsed.error.issues[0]?.message ?? ''}`);
    return parsed.data;
  }

  return {
    alerts: (user: string, q: { status?: 'open' | 'resolved'; facility?: string; before?: number; limit?: number }) => call(StaffAlertListSchema, user, '/alerts', { query: q }),
    alert: (user: string, id: number) => call(StaffAlertDetailSchema, user, `/alerts/${id}`),
    acknowledge: (user: string, id: number, action: StaffAckAction) => call(AckResultSchema, user, `/alerts/${id}/ack`, { method: 'POST', body: { action } }),
    audit: (user: string, limit = 200) => call(StaffAuditSchema, user, '/audit', { query: { limit } }),
    notifications: (user: string, q: { status?: string; limit?: number }) => call(StaffDeliveriesSchema, user, '/notifications', { query: q }),
    sensors: (user: string, facility?: string) => call(StaffSensorsSchema, user, '/sensors', { query: { facility } }),
    unknownDevices: (user: string) => call(StaffUnknownDevicesSchema, user, '/unknown-devices'),
  };
}
