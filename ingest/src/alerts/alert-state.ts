/**
 * What the alert engine remembers about one room, as plain JSON data: the schema (so a state saved
 * before an upgrade restores, new fields taking their defaults), the events it emits, and the
 * conversions to and from storage. The transitions themselves are in engine.ts.
 */
import { z } from 'zod';
import { KankiError } from '../../../common/errors.ts';
import { LevelSchema, type Level } from '../../../common/levels.ts';
import { ACK_ACTIONS, type AckAction } from '../notify/notifier.ts';

/** Levels that can be confirmed, lowest first; the index is the level's rank ("no data" ranks -1). */
export const RANKED = ['good', 'fair', 'ventilate', 'critical'] as const;
/** The rank of `fair`: the early warning starts here. */
export const FAIR = 1;
/** The rank of `ventilate`: alerts are about this level and above. */
export const VENTILATE = 2;
/** Sustain clocks of a room with no data: none running. */
export const NO_TRACKING: readonly null[] = [null, null, null, null];

const Time = z.number().nullable();
const StateSchema = z.object({
  version: z.literal(1),
  /** Ok readings in the window, oldest first. */
  window: z.array(z.object({ sensor: z.string(), time: z.number(), co2: z.number() })),
  /** The room's robust value from the window (see `roomValue`), or null before the first ok reading. */
  value: z.number().nullable(),
  /** Reading time of the newest ok reading, and of the newest reading of any quality. */
  lastOkAt: Time,
  lastSeenAt: Time,
  /** Since when this engine has been watching the room (reset by a restore: our downtime is not the sensors' fault). */
  watchingSince: Time,
  /** The confirmed level. */
  level: LevelSchema,
  /** By rank: since when the candidate has been continuously at or above / at or below that level. */
  atLeastSince: z.array(Time).length(4),
  atMostSince: z.array(Time).length(4),
  /** Sensors seen in readings or status messages; `at` is when their status last changed. */
  sensors: z.array(z.object({ id: z.string(), online: z.boolean(), at: z.number() })),
  alert: z.object({
    id: z.string(), startedAt: z.number(), critical: z.boolean(), duration: z.boolean(),
    /** The latest acknowledgement; `baseline` is the value then, `outcome` what the closed loop saw. */
    ack: z.object({
      action: z.enum(ACK_ACTIONS), by: z.string(), at: z.number(), baseline: z.number().nullable(),
      outcome: z.enum(['pending', 'improving', 'settled']),
      /** While improving: the lowest value since, and since when the room has been back over the line. */
      low: Time.default(null),
      relapseSince: Time.default(null),
    }).nullable().default(null),
    /** Raised early by the rising rule and the room has not (yet) confirmed ventilate; `calmSince`: since when the rise has stopped. */
    early: z.boolean().default(false),
    calmSince: Time.default(null),
    /** When an early alert's room confirmed ventilate (null: at `startedAt`); the duration escalation counts from here. */
    overSince: Time.default(null),
    /** When staff were last called about this alert (raised or escalated); reminders count from here. */
    lastCallAt: Time.default(null),
  }).nullable(),
  offline: z.object({ id: z.string(), since: z.number(), reason: z.enum(['silent', 'flagged', 'lwt']) }).nullable(),
  /** Room values sampled by reading time for the rising rule (see rising.ts); bounded to its span. */
  rising: z.array(z.object({ t: z.number(), v: z.number() })).default([]),
});

/** Everything the engine remembers about one room. Plain JSON data; treat as immutable. */
export type RoomAlertState = Readonly<z.infer<typeof StateSchema>>;

/** A reading as the engine needs it (a `Reading` from common/reading.ts fits). */
export type AlertReading = { sensor: string; time: number; co2: number; quality: string };

/**
 * What staff are told. `raised`: the room entered ventilate or critical and no alert was open, or
 * (`reason: 'rising'`, with `projectedMinutes`) is climbing steadily towards ventilate.
 * `escalated`: an open alert rose to critical (`reason: 'critical'`), an early alert's room
 * confirmed ventilate before anyone acted (`reason: 'confirmed'`), or the room is still at or above
 * ventilate `escalateAfterMs` after it got there (`reason: 'duration'`); each at most once per
 * alert. After that, while nobody has acknowledged it and the room is still bad, `escalated` again
 * every `remindAfterMs` (`reason: 'reminder'`). `resolved`: the room is back at good or fair. `sensor_offline` / `sensor_online`: the room
 * has no usable data (`reason`: `silent` — no reading at all, `flagged` — only flagged readings,
 * `lwt` — every sensor's status says offline) and when data returns. `acknowledged`: staff said what
 * they did. `improving`: after "windows opened" / "occupancy reduced" the value fell as it should;
 * if it does not, `escalated` with `reason: 'no_improvement'`; if it fell and then climbs back over
 * the line and stays there (windows shut too soon), `escalated` with `reason: 'relapse'`.
 */
export type AlertEvent = {
  type: 'raised' | 'escalated' | 'resolved' | 'sensor_offline' | 'sensor_online' | 'acknowledged' | 'improving';
  /** The room's confirmed level after the event (`nodata` while offline). */
  level: Level;
  /** The room's robust value (ppm), or null when there is none. */
  co2: number | null;
  /** When the engine decided (the caller's `now`), epoch ms. */
  at: number;
  /** Stable id of the alert the event belongs to: the same on raised, escalated and resolved. */
  alertId: string;
  reason?: 'critical' | 'confirmed' | 'duration' | 'reminder' | 'no_improvement' | 'relapse' | 'silent' | 'flagged' | 'lwt' | 'rising';
  /** On `raised` with `reason: 'rising'`: minutes until the value reaches the ventilate threshold at its current slope (at least 1). */
  projectedMinutes?: number;
  /** On `acknowledged`: who did what. */
  ack?: { action: AckAction; by: string; at: number };
};

/** The result of every engine step. */
export type AlertStep = { state: RoomAlertState; events: AlertEvent[] };

/** A state being built by one engine step (the engine's own mutable copy). */
export type Draft = { -readonly [K in keyof RoomAlertState]: RoomAlertState[K] };

/** The state of a room the engine has not heard from yet: no data, no alert. */
export function initialRoomAlertState(): RoomAlertState {
  return {
    version: 1, window: [], value: null, lastOkAt: null, lastSeenAt: null, watchingSince: null, level: 'nodata',
    atLeastSince: [...NO_TRACKING], atMostSince: [...NO_TRACKING], sensors: [], alert: null, offline: null, rising: [],
  };
}

/** The state as a JSON string, for storing across restarts. */
export function serializeState(state: RoomAlertState): string {
  return JSON.stringify(state);
}

/**
 * A state stored by `serializeState`. Sustain clocks, the open alert and the offline episode carry
 * on; only the silence clock restarts, so the ingest's own downtime does not raise sensor-offline
 * alerts for every room at once (a room whose data is older than `staleAfterMs` is still "no data").
 * Throws `KankiError` (`KANKI_ALERT_STATE_INVALID`) for anything that is not such a state.
 */
export function restoreState(text: string): RoomAlertState {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new KankiError('KANKI_ALERT_STATE_INVALID', 'stored alert state is not JSON', { cause: err });
  }
  const parsed = StateSchema.safeParse(data);
  if (!parsed.success) throw new KankiError('KANKI_ALERT_STATE_INVALID', `stored alert state is invalid: ${parsed.error.issues[0]?.message ?? 'unknown'}`, { cause: parsed.error });
  return { ...parsed.data, watchingSince: null };
}

/** The rank of a level in `RANKED` ("no data": -1). */
export function rankOf(level: Level): number {
  return (RANKED as readonly Level[]).indexOf(level);
}
