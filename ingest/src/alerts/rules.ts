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
});

/** Timing rules of the alert engine (see `AlertRulesSchema` for each field and why its default). */
export type AlertRules = z.infer<typeof AlertRulesSchema>;

/** The rules with every default (5 min sustain, 3 min window, 50 ppm hysteresis, 15 min escalation, 5 min staleness). */
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
