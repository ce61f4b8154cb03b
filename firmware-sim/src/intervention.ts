/**
 * Ventilation the room's timetable does not know about: what simulated staff do when Kanki tells
 * them to air a room. An override raises the room's air change rate for a stretch of time; the
 * room model takes the larger of the timetable's and any active override's rate, so an override
 * never makes a room worse ventilated than its habit. Pure data and functions: a run without
 * overrides steps exactly as before.
 *
 * What a teacher does (the default plan, all of it configurable):
 * 1. opens windows and door wide for `wideMinutes` (10) at 6–10 ACH — the cross-ventilation of a
 *    classroom with windows and corridor side open, and the airing is finished once begun;
 * 2. then, because a late-November classroom gets cold with everything open, leaves a gap (MEXT's
 *    winter advice: keep windows a little open all the time, open them fully in breaks) at
 *    `ajarAch` (3) until `ajarUntil`:
 *    - `lesson-and-resolved` (default): the lesson (timetable segment) has ended and the alert has
 *      resolved — nobody fiddles with the windows mid-lesson once they are set, and at the bell
 *      they are shut unless Kanki still shows the alert open;
 *    - `resolved`: the `resolved` notice arrives (close as soon as the air is fine);
 *    - `lesson`: the bell, whatever the alert says;
 *    never longer than `maxAjarMinutes`.
 *
 * 3. when Kanki asks again because the room climbed back over the line while the windows were ajar
 *    (`escalated`, reason `relapse`, whose text says the gap was not enough and asks for a wider
 *    one), they open wide again and afterwards leave a gap `widenOnRelapse` (1.5) times as wide in
 *    air changes, at most `maxAjarAch` (6), for the rest of that day: a teacher told twice does not
 *    go back to the gap that failed. 1 switches this off;
 * 4. from a room's second alert of the day on, Kanki's notice advises MEXT's winter practice: after
 *    airing, two windows on opposite sides a little open for the rest of the day. Staff who act on
 *    such a notice (`allDayGap`) leave the gap widened as in 3 and keep it until 17:00, whatever the
 *    alert does.
 *
 * Why the alert's state matters: after staff acknowledge and CO₂ falls, the ingest reports the
 * alert `improving`; shutting the windows at the bell while the alert is open lets the next lesson
 * climb back over 1000 ppm, and the ingest's next word is a `relapse` notice five to ten minutes
 * later (this rule predates that notice, and keeps the extra climb from happening at all).
 */

/** What ends the ajar stretch (see the module comment). */
export const AJAR_UNTIL = ['lesson-and-resolved', 'resolved', 'lesson'] as const;
export type AjarUntil = (typeof AJAR_UNTIL)[number];

/** Extra ventilation from `from` (inclusive) to `to` (exclusive), simulated epoch ms. */
export type VentilationOverride = { readonly from: number; readonly to: number; readonly ach: number; readonly kind: 'wide' | 'ajar' };

/** How staff ventilate once they act. */
export type WindowPlan = {
  /** Minutes with windows wide open. */
  wideMinutes: number;
  /** Air changes per hour with windows left ajar afterwards. */
  ajarAch: number;
  /** Longest ajar stretch, minutes (nobody keeps windows open all afternoon for one alert). */
  maxAjarMinutes: number;
  /** What ends the ajar stretch. */
  ajarUntil: AjarUntil;
  /** Factor the gap's air changes grow by after a relapse notice (1: never). */
  widenOnRelapse: number;
  /** The widest gap staff leave, air changes per hour (wider is "windows open", too cold to keep in winter). */
  maxAjarAch: number;
  /** Staff follow the advice of a room's second and later alert notices of a day: a wider gap kept until `ALL_DAY_UNTIL_MINUTE`. */
  allDayGap: boolean;
};

/** Local minute of the day an all-day gap is kept until (17:00: the school day, counters and most rooms are over). */
export const ALL_DAY_UNTIL_MINUTE = 17 * 60;

/** The default plan (see the module comment for why). */
export const DEFAULT_WINDOW_PLAN: WindowPlan = Object.freeze({
  wideMinutes: 10, ajarAch: 3, maxAjarMinutes: 120, ajarUntil: 'lesson-and-resolved', widenOnRelapse: 1.5, maxAjarAch: 6, allDayGap: true,
});

/** The gap after a relapse notice: `current` widened by the plan's factor, capped; never narrower than it was. */
export function widenedAjarAch(current: number, plan: Pick<WindowPlan, 'widenOnRelapse' | 'maxAjarAch'>): number {
  return Math.max(current, Math.min(plan.maxAjarAch, current * plan.widenOnRelapse));
}

const MINUTE_MS = 60_000;
const toMinute = (t: number) => Math.ceil(t / MINUTE_MS) * MINUTE_MS;

/**
 * Air changes per hour of one wide opening by staff: 6–10, drawn per opening. Narrower than the
 * break-time 6–12 because a teacher airing a full classroom mid-lesson rarely opens every sash.
 */
export function wideOpenAch(rand: (key: string) => number, key: string): number {
  return 6 + 4 * rand(`${key}|wide-ach`);
}

/**
 * The overrides of one window opening at `at`. `segmentEnd` is when the room's current timetable
 * segment ends (null: nothing scheduled). With `lesson` the gap ends there; otherwise it runs to its
 * cap and `onAlertResolved` cuts it short.
 */
export function planWindowOpening(at: number, wideAch: number, segmentEnd: number | null, plan: WindowPlan): VentilationOverride[] {
  // The room model changes its inputs on minute boundaries: start there, so every step sees one rate.
  const from = toMinute(at);
  const wideEnd = from + plan.wideMinutes * MINUTE_MS;
  const cap = wideEnd + plan.maxAjarMinutes * MINUTE_MS;
  const ajarEnd = plan.ajarUntil === 'lesson' ? Math.min(Math.max(wideEnd, toMinute(segmentEnd ?? wideEnd)), cap) : cap;
  const overrides: VentilationOverride[] = [];
  if (wideEnd > from) overrides.push({ from, to: wideEnd, ach: wideAch, kind: 'wide' });
  if (ajarEnd > wideEnd && plan.ajarAch > 0) overrides.push({ from: wideEnd, to: ajarEnd, ach: plan.ajarAch, kind: 'ajar' });
  return overrides;
}

/**
 * The alert resolved at `t`: staff not yet at the windows are called off (openings that have not
 * begun are dropped), a wide airing under way is finished, and the gap is closed — at once with
 * `resolved`, at the end of the lesson (`lessonEnd`) with `lesson-and-resolved`, not at all with `lesson`.
 */
export function onAlertResolved(overrides: readonly VentilationOverride[], t: number, lessonEnd: number | null, ajarUntil: AjarUntil): VentilationOverride[] {
  const started = overrides.filter((o) => o.from <= t || o.kind === 'ajar');
  const begun = new Set(started.filter((o) => o.kind === 'wide').map((o) => o.to));
  // An ajar stretch belongs to the wide opening that ends where it starts: dropped with it.
  const kept = started.filter((o) => o.kind === 'wide' || o.from <= t || begun.has(o.from));
  if (ajarUntil === 'lesson') return kept;
  const closeAt = toMinute(ajarUntil === 'resolved' ? t : Math.max(t, lessonEnd ?? t));
  return kept.flatMap((o) => (o.kind === 'wide' || o.to <= closeAt ? [o] : o.from >= closeAt ? [] : [{ ...o, to: closeAt }]));
}

/** The air change rate at `t`: the timetable's, or the largest active override's when that is more. */
export function effectiveAch(timetableAch: number, overrides: readonly VentilationOverride[], t: number): number {
  let ach = timetableAch;
  for (const o of overrides) if (t >= o.from && t < o.to && o.ach > ach) ach = o.ach;
  return ach;
}

/** Overrides still relevant at or after `t` (the list stays short however long the run). */
export function pruneOverrides(overrides: readonly VentilationOverride[], t: number): VentilationOverride[] {
  return overrides.filter((o) => o.to > t);
}

/** The gap staff keep in one room on one local day: how wide, and whether all day (the advice followed). */
export type RoomGap = { readonly day: string; readonly ach: number; readonly allDay: boolean };

/** What a notice asks of the gap: nothing more, a wider one (relapse), or a wider one kept all day (a room's 2nd+ alert of the day). */
export type GapAsk = { relapse: boolean; allDayAdvice: boolean };

/**
 * The gap after staff act on a notice on local day `day`: a new day starts from the plan's gap; a
 * relapse notice widens it; the all-day advice (if the plan follows it) widens it once and keeps it
 * all day. `widened` says whether it got wider.
 */
export function nextGap(gap: RoomGap, day: string, ask: GapAsk, plan: WindowPlan): { gap: RoomGap; widened: boolean; allDayStarted: boolean } {
  const today: RoomGap = gap.day === day ? gap : { day, ach: plan.ajarAch, allDay: false };
  const advice = plan.allDayGap && ask.allDayAdvice && !today.allDay;
  const ach = ask.relapse || advice ? widenedAjarAch(today.ach, plan) : today.ach;
  return { gap: { day, ach, allDay: today.allDay || advice }, widened: ach > today.ach, allDayStarted: advice };
}

/**
 * The overrides of one opening at `at` with the room's gap: an all-day gap runs to `endOfDay`
 * whatever the alert does; otherwise the gap ends as the plan says (`lessonEnd`).
 */
export function planOpeningWithGap(at: number, wideAch: number, lessonEnd: number | null, endOfDay: number, gap: RoomGap, plan: WindowPlan): VentilationOverride[] {
  return gap.allDay
    ? planWindowOpening(at, wideAch, endOfDay, { ...plan, ajarAch: gap.ach, ajarUntil: 'lesson', maxAjarMinutes: 24 * 60 })
    : planWindowOpening(at, wideAch, lessonEnd, { ...plan, ajarAch: gap.ach });
}
