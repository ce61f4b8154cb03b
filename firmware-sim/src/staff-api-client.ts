/**
 * The one call simulated staff make to the ingest's staff API: "I opened the windows" for an alert
 * (`POST /api/v1/staff/alerts/{id}/ack`, bearer token). Answers are parsed with the shared schemas
 * of common/staff-api.ts; a refusal (409 already acknowledged, 404 not this user's facility) is an
 * outcome, not an error, because the ingest's closed loop legitimately refuses a second
 * acknowledgement while it is still checking the first.
 */
import { z } from 'zod';
import { StaffAlertSchema, StaffErrorSchema, type StaffAckAction } from '../../common/staff-api.ts';

/** What came of one acknowledgement. */
export type AckOutcome =
  | { ok: true; by: string; action: string }
  | { ok: false; status: number; code: string };

const AckAnswerSchema = z.object({ alert: StaffAlertSchema });

/** How long one call may take before it counts as failed. */
const ACK_TIMEOUT_MS = 5000;

/** Acknowledges alert `alertId` with `action`. Network failures reject; HTTP refusals resolve with `ok: false`. */
export async function acknowledgeAlert(
  o: { baseUrl: string; token: string; alertId: number; action: StaffAckAction },
  fetchImpl: typeof fetch = fetch,
): Promise<AckOutcome> {
  const url = `${o.baseUrl.replace(/\/+$/, '')}/api/v1/staff/alerts/${o.alertId}/ack`;
  const res = await fetchImpl(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${o.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ action: o.action }),
    signal: AbortSignal.timeout(ACK_TIMEOUT_MS),
  });
  const body: unknown = await res.json().catch(() => null);
  if (res.ok) {
    const parsed = AckAnswerSchema.safeParse(body);
    if (!parsed.success || !parsed.data.alert.acknowledgement) return { ok: false, status: res.status, code: 'unexpected_answer' };
    return { ok: true, by: parsed.data.alert.acknowledgement.by, action: parsed.data.alert.acknowledgement.action };
  }
  const error = StaffErrorSchema.safeParse(body);
  return { ok: false, status: res.status, code: error.success ? error.data.error.code : `http_${res.status}` };
}
