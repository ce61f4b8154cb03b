/**
 * Whether and when simulated staff act on an alert notice: a pure function of (notice, what they
 * are already doing about the room, policy, seeded keyed draw), so a run's decisions are repeatable
 * and testable without a broker.
 *
 * - Only `raised` and `escalated` ask for action (escalations: critical, duration, no_improvement, relapse).
 *   `resolved`, `improving`, `acknowledged` and sensor events do not.
 * - Each notice is acted on with `probability` (a teacher mid-lesson may miss a notification; the
 *   ingest's escalation asks again), decided by a keyed draw on the room and the notice's place
 *   among that room's calls to act (`nth`) — not on the alert's id, which the alert database numbers
 *   across all rooms in arrival order: keyed on it, a few milliseconds' difference in which room's
 *   alert came first would reshuffle every draw, and runs of one seed would differ as if re-seeded.
 * - The delay is drawn uniformly between half and one and a half times the mean: someone always
 *   needs a moment to see the notice and reach the windows, and rarely more than the next pause.
 * - A notice that arrives while staff are already on their way, or while the windows are wide open,
 *   changes nothing: they are doing what it asks. Once only the gap is left, a new notice (the room
 *   is still bad) makes them open wide again.
 */
import type { AlertMessagePayload } from '../../common/alert-message.ts';
import type { KeyedRandom } from './random.ts';

/** How staff respond. */
export type StaffPolicy = {
  /** Chance of acting on one notice, 0..1. */
  probability: number;
  /** Mean delay from the notice to open windows, simulated minutes. */
  meanDelayMinutes: number;
};

/** What staff are doing about one room (simulated epoch ms). */
export type RoomResponse = {
  /** They will open the windows at this time (null: nothing pending). */
  actingAt: number | null;
  /** Windows are wide open until this time. */
  wideUntil: number;
};

/** The decision on one notice. */
export type StaffDecision =
  | { act: true; at: number; delayMs: number }
  | { act: false; why: 'not_a_call_to_act' | 'missed' | 'already_acting' | 'windows_wide_open' };

/** Nothing done about a room yet. */
export const IDLE_RESPONSE: RoomResponse = Object.freeze({ actingAt: null, wideUntil: 0 });

/** Decides on one alert notice received at simulated time `now`. */
export function decideStaffResponse(
  notice: Pick<AlertMessagePayload, 'facility' | 'room' | 'type' | 'reason'>,
  current: RoomResponse,
  now: number,
  policy: StaffPolicy,
  rand: KeyedRandom,
  /** How many calls to act (`raised`/`escalated`) for this room came before this one. */
  nth: number,
): StaffDecision {
  if (notice.type !== 'raised' && notice.type !== 'escalated') return { act: false, why: 'not_a_call_to_act' };
  if (current.actingAt !== null && current.actingAt >= now) return { act: false, why: 'already_acting' };
  if (now < current.wideUntil) return { act: false, why: 'windows_wide_open' };
  const key = staffKey(notice, nth);
  if (rand(`${key}|respond`) >= policy.probability) return { act: false, why: 'missed' };
  const delayMs = Math.round(policy.meanDelayMinutes * 60_000 * (0.5 + rand(`${key}|delay`)));
  return { act: true, at: now + delayMs, delayMs };
}

/** The key of a room's `nth` call to act, for every draw about it (acting, delay, how wide). */
export function staffKey(notice: Pick<AlertMessagePayload, 'facility' | 'room'>, nth: number): string {
  return `staff|${notice.facility}/${notice.room}|${nth}`;
}
