/**
 * Ventilation the room's timetable does not know about: what simulated staff do when Kanki tells
 * them to air a room. An override raises the room's air change rate for a stretch of time; the
 * room model takes the larger of the timetable's and any active override's rate, so an override
 * never makes a room worse ventilated than its habit. Pure data and functions: a run without
 * overrides steps exactly as before.
 *
 * What a teacher does (the default plan, all of it configurable):
 * 1. opens windows and door wide for `wideMinutes` (10): 6–10 ACH, the cross-ventilation of a
 *    classroom with windows and corridor side open (the simulator's break-time range is 6–12);
 * 2. then, because a November classroom gets cold with everything open, leaves a gap (MEXT's
 *    winter advice: keep windows a little open all the time, open them fully in breaks) at
 *    `ajarAch` (3), either until Kanki says the alert is resolved (`ajarUntil: 'resolved'`, the
 *    default: the staff console shows the alert open, and staff close the gap when it clears) or
 *    until the current timetable segment ends (`'lesson'`: the bell rings, the class goes out) —
 *    never longer than `maxAjarMinutes` either way.
 *
 * Why "until resolved" by default: after staff acknowledge and CO₂ falls, the ingest reports the
 * alert `improving` and says nothing more until it resolves; a teacher who shut the windows at the
 * bell would let the next lesson climb back over 1000 ppm with the alert still open and no new
 * notice. Keeping the gap while the alert is open is what the alert's state asks for.
 */

/** Extra ventilation from `from` (inclusive) to `to` (exclusive), simulated epoch ms. */
export type VentilationOverride = { readonly from: number; readonly to: number; readonly ach: number };

/** How staff ventilate once they act. */
export type WindowPlan = {
  /** Minutes with windows wide open. */
  wideMinutes: number;
  /** Air changes per hour with windows left ajar afterwards. */
  ajarAch: number;
  /** Longest ajar stretch, minutes (nobody keeps windows open all afternoon for one alert). */
  maxAjarMinutes: number;
  /** What ends the ajar stretch: the alert's `resolved` notice, or the end of the timetable segment. */
  ajarUntil: AjarUntil;
};

/** What ends the ajar stretch (see the module comment). */
export const AJAR_UNTIL = ['resolved', 'lesson'] as const;
export type AjarUntil = (typeof AJAR_UNTIL)[number];

/** The default plan (see the module comment for why). */
export const DEFAULT_WINDOW_PLAN: WindowPlan = Object.freeze({ wideMinutes: 10, ajarAch: 3, maxAjarMinutes: 120, ajarUntil: 'resolved' });

const MINUTE_MS = 60_000;

/**
 * Air changes per hour of one wide opening by staff: 6–10, drawn per opening. Narrower than the
 * break-time 6–12 because a teacher airing a full classroom mid-lesson rarely opens every sash.
 */
export function wideOpenAch(rand: (key: string) => number, key: string): number {
  return 6 + 4 * rand(`${key}|wide-ach`);
}

/**
 * The overrides of one window opening at `at`. `segmentEnd` is when the room's current timetable
 * segment ends (null: nothing scheduled); with `ajarUntil: 'resolved'` the ajar stretch runs to its
 * cap and `closeWindows` cuts it short when the alert resolves.
 */
export function planWindowOpening(at: number, wideAch: number, segmentEnd: number | null, plan: WindowPlan): VentilationOverride[] {
  // The room model changes its inputs on minute boundaries: start there, so every step sees one rate.
  const from = Math.ceil(at / MINUTE_MS) * MINUTE_MS;
  const wideEnd = from + plan.wideMinutes * MINUTE_MS;
  const cap = wideEnd + plan.maxAjarMinutes * MINUTE_MS;
  const ajarEnd = plan.ajarUntil === 'resolved' ? cap : Math.min(Math.max(wideEnd, segmentEnd ?? wideEnd), cap);
  const overrides: VentilationOverride[] = [];
  if (wideEnd > from) overrides.push({ from, to: wideEnd, ach: wideAch });
  if (ajarEnd > wideEnd && plan.ajarAch > 0) overrides.push({ from: wideEnd, to: ajarEnd, ach: plan.ajarAch });
  return overrides;
}

/** The air change rate at `t`: the timetable's, or the largest active override's when that is more. */
export function effectiveAch(timetableAch: number, overrides: readonly VentilationOverride[], t: number): number {
  let ach = timetableAch;
  for (const o of overrides) if (t >= o.from && t < o.to && o.ach > ach) ach = o.ach;
  return ach;
}

/**
 * Staff close the windows at `t` (the alert resolved): every override ends by then, on the next
 * minute boundary; one still in the future is dropped.
 */
export function closeWindows(overrides: readonly VentilationOverride[], t: number): VentilationOverride[] {
  const end = Math.ceil(t / MINUTE_MS) * MINUTE_MS;
  return overrides.filter((o) => o.from < end).map((o) => (o.to > end ? { ...o, to: end } : o));
}

/** Overrides still relevant at or after `t` (the list stays short however long the run). */
export function pruneOverrides(overrides: readonly VentilationOverride[], t: number): VentilationOverride[] {
  return overrides.filter((o) => o.to > t);
}
