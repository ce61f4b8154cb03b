/**
 * The timing rules of the alert engine: how long a level must hold before it counts, over what
 * window the room's value is taken, how far below a threshold the value must fall to leave a level,
 * when an open alert escalates and when a silent room becomes "no data". The defaults follow
 * DESIGN.md ("CO₂ levels"); the ppm thresholds themselves come from the registry, per room.
 */
import { z } from 'zod';
import type { Thresholds } from '../../../common/levels.ts';
import type { RoomEntry } from '../../../common/registry.ts';

const MINUTE = 60_000;

/** Parses the alert rules (e.g. from config), filling every default. */
export const AlertRulesSchema = z.object({
  /**
   * A level is entered (or left) only after the room's value has stayed there this long. Why 5 min:
   * a door opening, someone breathing next to the sensor or a burst of people walking in moves a
   * reading for a minute or two; a room that is really under-ventilated stays high for longer. Five
   * minutes is short against a lesson or a meeting (staff can still act in time) and long against
   * those transients, so staff are not called for air that fixed itself.
   */
  sustainMs: z.number().int().min(0).default(5 * MINUTE)
    .describe('ms a level must hold continuously before the room enters (or leaves) it'),
  /**
   * The room's value is taken from the ok readings of all the room's sensors within this window,
   * ending at the newest reading: each sensor's median, then the median across sensors. Why a
   * median of 3 min: NDIR sensors read ±(30–50) ppm of noise and occasionally spike; with one
   * reading a minute, 3 minutes is the shortest window with an odd number of samples per sensor, and
   * a median ignores one spike (and, across three sensors, one misplaced sensor) where a mean would
   * follow it.
   */
  windowMs: z.number().int().positive().default(3 * MINUTE)
    .describe('ms of readings (by reading time) whose median is the room value; at least the sensors\' reporting interval'),
  /**
   * A level is left only when the value is below its threshold minus this. Why 50 ppm: it is about
   * the stated accuracy of common NDIR sensors (±(40–50 ppm + 3 %)), so a room sitting at the line
   * cannot cross back and forth on noise alone, while a real improvement (windows opened) falls
   * hundreds of ppm within minutes and still resolves the alert promptly.
   */
  hysteresisPpm: z.number().int().min(0).default(50)
    .describe('ppm below a level\'s threshold the value must fall to leave that level'),
  /** An open alert whose room is still at or above "ventilate" this long after it was raised escalates (once). */
  escalateAfterMs: z.number().int().positive().default(15 * MINUTE)
    .describe('ms after raising at which an alert still at or above ventilate escalates'),
  /**
   * After that escalation, an alert nobody has acknowledged whose room is still at or above
   * "ventilate" calls staff again every `remindAfterMs` (`escalated`, reason `reminder`); 0 never.
   * Why: escalation, critical and "confirmed" each call once per alert, so a room whose notices were
   * all missed used to sit at 2000–3500 ppm for the rest of the day with its alert open and nobody
   * asked again (seen in `npm run bench:loop`). The per-recipient hourly rate limit still applies.
   */
  remindAfterMs: z.number().int().min(0).default(15 * MINUTE)
    .describe('ms between reminders of an escalated alert nobody has acknowledged while the room is still bad; 0 = never'),
  /**
   * The closed loop: how long after "windows opened" / "occupancy reduced" the value must have
   * fallen. Why 10 min: with two windows open a classroom's air changes 3–6 times an hour, so the
   * excess CO₂ falls by a third to a half in 10 minutes; a room that has not improved by then is
   * not really ventilated (one window, a fan off, more people arriving).
   */
  verifyAfterMs: z.number().int().positive().default(10 * MINUTE)
    .describe('ms after an acknowledgement with a remedy by which CO₂ must have fallen, or the alert escalates'),
  /** How much the value must fall from the value at acknowledgement to count as improving (0.2 = by 20 %). */
  verifyDropRatio: z.number().min(0.01).max(0.9).default(0.2)
    .describe('fraction by which CO₂ must fall after a remedy (or go below the ventilate threshold)'),
  /**
   * A room without an ok reading for longer than this is "no data" (never a stale value shown as
   * current) and staff get a sensor-offline alert. Five reporting intervals of one minute: one or
   * two lost messages are normal on Wi-Fi, five in a row are not.
   */
  staleAfterMs: z.number().int().positive().default(5 * MINUTE)
    .describe('ms without an ok reading after which the room is "no data" and a sensor-offline alert is raised'),
  /**
   * Bound on the readings kept per room (the oldest go first). At one reading a minute a room of
   * ten sensors keeps 30; the bound only bites on a flood, which then shortens the window instead
   * of growing memory.
   */
  maxWindowReadings: z.number().int().min(1).max(10_000).default(256)
    .describe('readings kept per room at most; a flood shortens the window instead of growing memory'),
  /**
   * The early warning ("rising"): raise the alert before the room crosses the ventilate threshold
   * when its value is at or above the "fair" threshold and has risen steadily over the last
   * `risingSpanMs` so that, at that slope, it reaches the ventilate threshold within
   * `risingHorizonMs`. Why: a normal alert costs ~8 minutes of detection (sensor lag, the 3-minute
   * median, the 5-minute sustain) after the crossing, plus the staff's own delay, and a full
   * classroom with its windows shut climbs from 700 to 1000 ppm in 5–10 minutes — every lesson
   * starts an episode that the normal alert reaches only when it is well under way. The early alert
   * is the same `raised` event (`reason: 'rising'`, with the projected minutes), so notifications,
   * acknowledgements and the closed loop work unchanged; if the room crosses the line it simply
   * continues as the normal alert, and if it levels off below the line it resolves once the rise
   * has stopped for `sustainMs`. On by default because it was measured: in `npm run bench:loop`
   * (one simulated school day, 10 classrooms, staff acting on 80 % of notices after ~5 min) the
   * minutes above 1000 ppm fell by 57 % against the rooms' untouched twins, where the normal alert
   * alone reached 33 % (README "Alerts").
   */
  risingEnabled: z.boolean().default(true)
    .describe('raise the alert early when the room is rising steadily towards the ventilate threshold'),
  /**
   * How far ahead the early warning looks. Why 10 min: it is about what the normal alert loses
   * (detection ~8 min) — warning earlier would call staff for rooms a lesson's end would have aired.
   */
  risingHorizonMs: z.number().int().positive().default(10 * MINUTE)
    .describe('ms within which the projected value must reach the ventilate threshold for an early alert'),
  /**
   * How far back the slope looks (one sample of the room value per tenth of it); at least half of it
   * must be covered before the rule says anything. Why 10 min: at least five samples of the already
   * 3-minute-median value, so one noisy minute cannot make a trend.
   */
  risingSpanMs: z.number().int().positive().default(10 * MINUTE)
    .describe('ms of room values (by reading time) the rising slope is taken over'),
  /**
   * The least rise over the span that counts (ppm per span, so it means the same at any speed).
   * Why 100 ppm per 10 min: noise of the median value is ±10–20 ppm, and a room creeping up by less
   * than 10 ppm a minute is better judged by the normal alert.
   */
  risingMinRisePpm: z.number().int().min(1).default(100)
    .describe('ppm the room value must rise per span (at the robust slope) for an early alert'),
  /**
   * Share of sample pairs that must rise (Kendall-like). Why 0.75: a flat noisy room gives ~0.5, a
   * steady climb with noise ~0.9, and a bump that came and went well under 0.75.
   */
  risingAgreement: z.number().min(0.5).max(1).default(0.75)
    .describe('share of pairs of samples that must be rising for an early alert'),
});

/** Timing rules of the alert engine (see `AlertRulesSchema` for each field and why its default). */
export type AlertRules = z.infer<typeof AlertRulesSchema>;

/** The rules with every default (5 min sustain, 3 min window, 50 ppm hysteresis, 15 min escalation, 5 min staleness, early warning on). */
export const DEFAULT_ALERT_RULES: AlertRules = Object.freeze(AlertRulesSchema.parse({}));

/** The rules of one room: the timing rules plus the room's own thresholds from the registry. */
export type RoomAlertRules = Readonly<AlertRules> & { readonly thresholds: Thresholds };

/**
 * The rules for one room. Thresholds come from the registry entry (already merged: defaults, then
 * facility, then room); the timing rules are the same for every room today, and this is the one
 * place a per-room or per-facility-kind override of them would go.
 */
export function rulesForRoom(room: Pick<RoomEntry, 'thresholds'>, base: AlertRules = DEFAULT_ALERT_RULES): RoomAlertRules {
  return Object.freeze({ ...base, thresholds: room.thresholds });
}
