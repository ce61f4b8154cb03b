/**
 * The alert engine of one room, as a pure state machine: (state, reading | tick | device status,
 * rules, time) → (new state, events). No timers, no I/O, no clock: the caller passes `now`, so
 * sustain, hysteresis, escalation and staleness are tested with plain numbers, and the state is
 * plain JSON data that survives a restart of the ingest (`serializeState` / `restoreState`).
 *
 * How a room's level is decided:
 * 1. The value is the median over the room's sensors of each sensor's median of its ok readings in
 *    the last `windowMs` (by reading time, ending at the room's newest ok reading); flagged readings
 *    never count.
 * 2. The candidate level is the value's level, except that a level is left downwards only when the
 *    value is below its threshold minus `hysteresisPpm` (hysteresis relative to the confirmed level).
 * 3. The confirmed level moves to a higher level once the candidate has been at or above it
 *    continuously for `sustainMs`, or to a lower level once the candidate has been at or below it
 *    that long. Tracking "at or above" rather than "exactly" means a room wobbling between ventilate
 *    and critical still enters ventilate, while a wobble across a line resets that line's clock.
 * 4. Sustain is measured on the caller's clock (`now`), not on reading times: readings replayed in a
 *    burst after an outage refine the value but cannot complete a sustain — staff are alerted to air
 *    as it is now, not to a backlog.
 *
 * The early warning (`rules.risingEnabled`, rising.ts): a room at or above "fair" whose value has
 * risen steadily enough to reach ventilate within `risingHorizonMs` gets its alert now, as `raised`
 * with `reason: 'rising'`; it continues as the normal alert if the room crosses (asking staff again,
 * `reason: 'confirmed'`, when nobody has acted yet), and resolves once the rise has stopped below the
 * line for `sustainMs`. The duration escalation counts from the crossing, not from the warning.
 *
 * The closed loop: staff acknowledge an open alert with what they did (`onAcknowledge`). After
 * "windows opened" or "occupancy reduced" the engine watches the value: once it has fallen by
 * `verifyDropRatio` from the value at acknowledgement, or below the room's ventilate threshold, the
 * alert is `improving`; if neither happens within `verifyAfterMs`, it escalates (`no_improvement`)
 * and the acknowledgement is cleared, so staff are asked again. An improving alert whose room climbs back
 * over the line, or stays over it, asks staff again too (`relapse`). "False alarm" settles at once and
 * stops the duration escalation (a rise to critical still escalates: that is new information).
 */
import { levelFor, type Level, type Thresholds } from '../../../common/levels.ts';
import type { AckAction } from '../notify/notifier.ts';
import { FAIR, NO_TRACKING, rankOf, RANKED, VENTILATE, type AlertEvent, type AlertReading, type AlertStep, type Draft, type RoomAlertState } from './alert-state.ts';
import type { AlertRules } from './rules.ts';
import { addSample, project, risingNow, stillRising } from './rising.ts';
import { roomValue } from './room-value.ts';

// The state, its events and storage live in alert-state.ts; callers import them from here.
export { initialRoomAlertState, restoreState, serializeState, type AlertEvent, type AlertReading, type AlertStep, type RoomAlertState } from './alert-state.ts';

/**
 * One reading of one of the room's sensors. Flagged readings (quality other than `ok`) show the
 * sensor is alive but never move the value. Late and out-of-order readings are inserted by reading
 * time; readings older than the window are ignored; a redelivered reading (same sensor and time)
 * replaces the first copy instead of counting twice.
 */
export function onReading(state: RoomAlertState, reading: AlertReading, rules: AlertRules, thresholds: Thresholds, now: number): AlertStep {
  const s: Draft = { ...state, lastSeenAt: Math.max(state.lastSeenAt ?? -Infinity, reading.time) };
  const known = state.sensors.find((x) => x.id === reading.sensor);
  if (!known) s.sensors = [...state.sensors, { id: reading.sensor, online: true, at: reading.time }];
  // A reading taken after the device's Last Will proves it is back, even before its status says so.
  else if (!known.online && reading.time > known.at) s.sensors = state.sensors.map((x) => (x === known ? { ...x, online: true, at: reading.time } : x));
  if (reading.quality === 'ok' && Number.isFinite(reading.co2)) {
    const newest = Math.max(state.lastOkAt ?? -Infinity, reading.time);
    if (reading.time > newest - rules.windowMs) {
      // The sensor's id as first seen: every reading then shares one string, compared by identity in `roomValue`.
      s.window = insertByTime(state.window, { sensor: known?.id ?? reading.sensor, time: reading.time, co2: reading.co2 }, newest, rules);
      s.lastOkAt = newest;
      s.value = roomValue(s.window);
    }
  }
  return evaluate(s, rules, thresholds, now);
}

/** Time passing without a reading: completes sustains, detects silence, escalates by duration. Call every few seconds. */
export function onTick(state: RoomAlertState, rules: AlertRules, thresholds: Thresholds, now: number): AlertStep {
  return evaluate({ ...state }, rules, thresholds, now);
}

/**
 * A device's availability (its status topic or MQTT Last Will). When every known sensor of the room
 * is offline the room is "no data" at once and `sensor_offline` (reason `lwt`) is raised; it clears
 * with the next ok reading taken after that, on `onReading` or `onTick`.
 */
export function onDeviceStatus(state: RoomAlertState, sensor: string, online: boolean, now: number): AlertStep {
  const known = state.sensors.some((x) => x.id === sensor);
  const s: Draft = {
    ...state,
    sensors: known ? state.sensors.map((x) => (x.id === sensor ? { ...x, online, at: now } : x)) : [...state.sensors, { id: sensor, online, at: now }],
  };
  const events: AlertEvent[] = [];
  if (s.sensors.every((x) => !x.online)) {
    toNoData(s);
    if (s.offline === null) {
      s.offline = { id: `sensor-${now}`, since: now, reason: 'lwt' };
      events.push({ type: 'sensor_offline', level: 'nodata', co2: null, at: now, alertId: s.offline.id, reason: 'lwt' });
    }
  }
  return { state: s, events };
}

/** Why an acknowledgement was refused. */
export type AckRefusal = 'no_open_alert' | 'other_alert' | 'already_acknowledged';

/**
 * Staff acknowledge the room's open alert `alertId` with what they did. Refused when no alert is
 * open, when `alertId` is not the open one (an old link), or while an earlier acknowledgement is
 * still being checked by the closed loop (after a `no_improvement` escalation it may be given again).
 */
export function onAcknowledge(
  state: RoomAlertState, ack: { alertId: string; action: AckAction; by: string }, now: number,
): AlertStep & { refused?: AckRefusal } {
  const alert = state.alert;
  if (alert === null) return { state, events: [], refused: 'no_open_alert' };
  if (alert.id !== ack.alertId) return { state, events: [], refused: 'other_alert' };
  if (alert.ack !== null && alert.ack.outcome !== 'settled') return { state, events: [], refused: 'already_acknowledged' };
  const remedy = ack.action !== 'false_alarm';
  const value = state.level === 'nodata' || state.value === null ? null : state.value;
  const s: Draft = {
    ...state,
    alert: {
      ...alert,
      // A false alarm stops the duration escalation; a remedy is judged by the closed loop instead.
      duration: alert.duration || !remedy,
      ack: { action: ack.action, by: ack.by, at: now, baseline: value, outcome: remedy ? 'pending' : 'settled', low: null, relapseSince: null },
    },
  };
  const co2 = value === null ? null : Math.round(value);
  return { state: s, events: [{ type: 'acknowledged', level: s.level, co2, at: now, alertId: alert.id, ack: { action: ack.action, by: ack.by, at: now } }] };
}

function evaluate(s: Draft, rules: AlertRules, thresholds: Thresholds, now: number): AlertStep {
  const events: AlertEvent[] = [];
  const watchingSince = (s.watchingSince ??= now);
  const allOffline = s.sensors.length > 0 && s.sensors.every((x) => !x.online);
  const stale = s.lastOkAt === null || s.value === null || now - s.lastOkAt > rules.staleAfterMs;
  // After an offline episode only a reading taken since then counts: data from before it is not current.
  const stillOff = s.offline !== null && (s.lastOkAt ?? -Infinity) <= s.offline.since;
  if (allOffline || stale || stillOff || s.value === null) {
    toNoData(s);
    if (s.offline === null && (allOffline || now - watchingSince > rules.staleAfterMs)) {
      const talking = s.lastSeenAt !== null && now - s.lastSeenAt <= rules.staleAfterMs;
      const reason = allOffline ? 'lwt' : talking ? 'flagged' : 'silent';
      s.offline = { id: `sensor-${now}`, since: now, reason };
      events.push({ type: 'sensor_offline', level: 'nodata', co2: null, at: now, alertId: s.offline.id, reason });
    }
    return { state: s, events };
  }
  const co2 = Math.round(s.value);
  if (s.offline !== null) {
    events.push({ type: 'sensor_online', level: s.level, co2, at: now, alertId: s.offline.id });
    s.offline = null;
  }

  if (s.lastOkAt !== null) s.rising = addSample(s.rising, s.lastOkAt, s.value, rules);
  const candidate = rankOf(candidateLevel(s.value, s.level, thresholds, rules.hysteresisPpm));
  s.atLeastSince = track(s.atLeastSince, 0, candidate, now);
  s.atMostSince = track(s.atMostSince, candidate, RANKED.length - 1, now);
  const next = confirmedLevel(s, now - rules.sustainMs);
  if (next !== s.level) {
    const before = rankOf(s.level);
    s.level = next;
    const rank = rankOf(next);
    if (rank >= VENTILATE && s.alert === null) {
      s.alert = { id: `co2-${now}`, startedAt: now, critical: next === 'critical', duration: false, ack: null, early: false, calmSince: null, overSince: null, lastCallAt: now };
      events.push({ type: 'raised', level: next, co2, at: now, alertId: s.alert.id });
    } else if (next === 'critical' && s.alert !== null && !s.alert.critical) {
      s.alert = { ...s.alert, critical: true };
      events.push({ type: 'escalated', level: next, co2, at: now, alertId: s.alert.id, reason: 'critical' });
    } else if (rank < VENTILATE && s.alert !== null && (!s.alert.early || rank < before)) {
      // An early alert stays open while the room climbs from good to fair; it resolves on a fall.
      events.push({ type: 'resolved', level: next, co2, at: now, alertId: s.alert.id });
      s.alert = null;
    }
  }
  if (rules.risingEnabled || s.alert?.early) earlyWarning(s, rules, thresholds, now, co2, events);
  if (s.alert?.ack && s.alert.ack.outcome === 'pending') checkRemedy(s, s.alert, s.alert.ack, thresholds, rules, now, co2, events);
  if (s.alert?.ack && s.alert.ack.outcome === 'improving') checkRelapse(s, s.alert, s.alert.ack, thresholds, rules, now, co2, events);
  // "Still bad" means confirmed and current: a room whose value already fell (windows opened) is not
  // escalated, nor one whose staff acted and whose remedy the closed loop is still judging.
  if (s.alert !== null && !s.alert.duration && s.alert.ack === null && rankOf(s.level) >= VENTILATE && candidate >= VENTILATE && now - (s.alert.overSince ?? s.alert.startedAt) >= rules.escalateAfterMs) {
    s.alert = { ...s.alert, duration: true };
    events.push({ type: 'escalated', level: s.level, co2, at: now, alertId: s.alert.id, reason: 'duration' });
  } else if (
    s.alert !== null && s.alert.duration && s.alert.ack === null && rules.remindAfterMs > 0 && rankOf(s.level) >= VENTILATE && s.value >= thresholds.ventilate
    && now - (s.alert.lastCallAt ?? s.alert.startedAt) >= rules.remindAfterMs && !events.some((e) => e.type === 'escalated' || e.type === 'raised')
  ) {
    // Escalated already, and still nobody has acted: call again (see rules.ts `remindAfterMs`).
    events.push({ type: 'escalated', level: s.level, co2, at: now, alertId: s.alert.id, reason: 'reminder' });
  }
  // Reminders count from the latest call of any kind.
  if (s.alert !== null && events.some((e) => (e.type === 'escalated' || e.type === 'raised') && e.alertId === s.alert?.id)) s.alert = { ...s.alert, lastCallAt: now };
  return { state: s, events };
}

type OpenAlert = NonNullable<RoomAlertState['alert']>;

/**
 * The rising rule (rules.ts `risingEnabled`, rising.ts): with no alert open and the room below
 * ventilate, at or above "fair" and climbing steadily towards the line within the horizon, raise
 * the alert now (`reason: 'rising'`). An early alert whose room confirms ventilate becomes a normal
 * alert; one whose rise has stopped below the line for `sustainMs` resolves, so staff are never
 * left with an alert that cannot end. An early alert already open keeps being judged after the rule
 * is switched off.
 */
function earlyWarning(s: Draft, rules: AlertRules, thresholds: Thresholds, now: number, co2: number, events: AlertEvent[]): void {
  const value = s.value as number;
  const rank = rankOf(s.level);
  if (s.alert !== null && !s.alert.early) return;
  // The slope only where it can matter: it runs on every reading and tick of every room.
  if (s.alert === null) {
    if (!rules.risingEnabled || rank < 0 || rank >= VENTILATE || value < thresholds.fair) return;
    const p = project(s.rising, value, thresholds.ventilate, rules);
    if (p === null || !risingNow(p, rules)) return;
    s.alert = { id: `co2-${now}`, startedAt: now, critical: false, duration: false, ack: null, early: true, calmSince: null, overSince: null, lastCallAt: now };
    // The value is at or above "fair" though a fast climb may not have confirmed it yet: the alert says
    // "fair", never "good" beside an early warning.
    const level = rank < FAIR ? 'fair' : s.level;
    events.push({ type: 'raised', level, co2, at: now, alertId: s.alert.id, reason: 'rising', projectedMinutes: Math.max(1, Math.ceil(p.minutes)) });
    return;
  }
  if (rank >= VENTILATE) {
    // The warning came true. Staff who have not acted yet (or called it a false alarm) are asked
    // again, now that the room is over the line — unless the climb went straight to critical, which
    // has just said so. Staff already airing the room are left to the remedy check.
    const ack = s.alert.ack;
    const told = events.some((e) => e.type === 'escalated' && e.alertId === s.alert?.id);
    if (!told && (ack === null || ack.outcome === 'settled')) events.push({ type: 'escalated', level: s.level, co2, at: now, alertId: s.alert.id, reason: 'confirmed' });
    s.alert = { ...s.alert, early: false, calmSince: null, overSince: now };
    return;
  }
  if (value >= thresholds.ventilate || stillRising(project(s.rising, value, thresholds.ventilate, rules), rules)) {
    if (s.alert.calmSince !== null) s.alert = { ...s.alert, calmSince: null };
    return;
  }
  const calmSince = s.alert.calmSince ?? now;
  if (now - calmSince >= rules.sustainMs) {
    events.push({ type: 'resolved', level: s.level, co2, at: now, alertId: s.alert.id });
    s.alert = null;
  } else if (s.alert.calmSince === null) {
    s.alert = { ...s.alert, calmSince };
  }
}

/**
 * The closed loop after "windows opened" / "occupancy reduced": improving once the value fell by
 * `verifyDropRatio` of the value at acknowledgement (or below the ventilate threshold); after
 * `verifyAfterMs` without that, escalate and clear the acknowledgement so staff are asked again.
 * Without a value at acknowledgement (the room was "no data") the first value becomes the baseline.
 */
function checkRemedy(s: Draft, alert: OpenAlert, ack: NonNullable<OpenAlert['ack']>, thresholds: Thresholds, rules: AlertRules, now: number, co2: number, events: AlertEvent[]): void {
  const value = s.value as number;
  const baseline = ack.baseline ?? value;
  // An early alert is below the line from the start: there the value must fall by the hysteresis.
  const belowLine = alert.early ? value <= baseline - rules.hysteresisPpm : value < thresholds.ventilate;
  if (value <= baseline * (1 - rules.verifyDropRatio) || belowLine) {
    s.alert = { ...alert, ack: { ...ack, baseline, outcome: 'improving', low: value, relapseSince: null } };
    events.push({ type: 'improving', level: s.level, co2, at: now, alertId: alert.id });
  } else if (now - ack.at >= rules.verifyAfterMs) {
    s.alert = { ...alert, duration: true, ack: null };
    events.push({ type: 'escalated', level: s.level, co2, at: now, alertId: alert.id, reason: 'no_improvement' });
  } else if (ack.baseline === null) {
    s.alert = { ...alert, ack: { ...ack, baseline } };
  }
}

/**
 * After `improving`, the room must get and stay under the ventilate line. Staff are asked again
 * (`escalated`, `reason: 'relapse'`, the acknowledgement cleared as after `no_improvement`) when it
 * is over the line and either climbing back — at least the hysteresis above its lowest value since
 * — for `sustainMs` (windows shut too soon), or still over it `verifyAfterMs` after it began to
 * improve (the remedy helped but not enough: one window ajar in a full room). Without this an open,
 * improving alert would say nothing more while the room spends the rest of the lesson over the line.
 */
function checkRelapse(s: Draft, alert: OpenAlert, ack: NonNullable<OpenAlert['ack']>, thresholds: Thresholds, rules: AlertRules, now: number, co2: number, events: AlertEvent[]): void {
  const value = s.value as number;
  const low = Math.min(ack.low ?? value, value);
  const relapseSince = value >= thresholds.ventilate ? (ack.relapseSince ?? now) : null;
  const climbing = value >= low + rules.hysteresisPpm;
  if (relapseSince !== null && now - relapseSince >= (climbing ? rules.sustainMs : rules.verifyAfterMs)) {
    s.alert = { ...alert, ack: null };
    events.push({ type: 'escalated', level: s.level, co2, at: now, alertId: alert.id, reason: 'relapse' });
  } else if (low !== ack.low || relapseSince !== ack.relapseSince) {
    s.alert = { ...alert, ack: { ...ack, low, relapseSince } };
  }
}

/**
 * Sustain clocks by rank: running (since its start, or from `now`) for ranks `from`…`to`, stopped
 * (null) for the others. The same array when nothing changed, which is nearly every reading.
 */
function track(since: RoomAlertState['atLeastSince'], from: number, to: number, now: number): RoomAlertState['atLeastSince'] {
  let out: RoomAlertState['atLeastSince'] | undefined;
  for (let r = 0; r < since.length; r++) {
    const t = since[r];
    const next = r >= from && r <= to ? (t ?? now) : null;
    if (next !== t) (out ??= [...since])[r] = next;
  }
  return out ?? since;
}

/** No usable data: the level is "no data" and every sustain starts over when data returns. The open alert stays open. */
function toNoData(s: Draft): void {
  s.level = 'nodata';
  s.atLeastSince = [...NO_TRACKING];
  s.atMostSince = [...NO_TRACKING];
  s.rising = [];
}

/** The value's level, but a level is left downwards only below its threshold minus the hysteresis. */
function candidateLevel(value: number, current: Level, thresholds: Thresholds, hysteresisPpm: number): Level {
  const raw = levelFor(value, thresholds);
  const currentRank = rankOf(current);
  if (rankOf(raw) >= currentRank) return raw;
  const sticky = rankOf(levelFor(value + hysteresisPpm, thresholds));
  return RANKED[Math.min(currentRank, sticky)] ?? raw;
}

/** The highest level above the current one held long enough, else the lowest below it held long enough. */
function confirmedLevel(s: Draft, heldSince: number): Level {
  const current = rankOf(s.level);
  for (let r = RANKED.length - 1; r > current; r--) {
    const since = s.atLeastSince[r];
    if (since !== null && since !== undefined && since <= heldSince) return RANKED[r] ?? s.level;
  }
  for (let r = 0; r < current; r++) {
    const since = s.atMostSince[r];
    if (since !== null && since !== undefined && since <= heldSince) return RANKED[r] ?? s.level;
  }
  return s.level;
}

/**
 * A copy of the window with `reading` in time order, the same sensor's copy at the same time
 * replaced, and bounded. The window is kept in time order, so expired readings are always its
 * oldest ones; a reading newer than every other (nearly all of them) is one slice and a push.
 */
function insertByTime(window: RoomAlertState['window'], reading: RoomAlertState['window'][number], newest: number, rules: AlertRules): RoomAlertState['window'] {
  const from = newest - rules.windowMs;
  const last = window[window.length - 1];
  if (last === undefined || reading.time > last.time) {
    let start = Math.max(0, window.length + 1 - rules.maxWindowReadings);
    while (start < window.length && (window[start] as (typeof window)[number]).time <= from) start++;
    const out = window.slice(start);
    out.push(reading);
    return out;
  }
  const out = window.filter((r) => r.time > from && !(r.time === reading.time && r.sensor === reading.sensor));
  let i = out.length;
  while (i > 0 && (out[i - 1] as (typeof out)[number]).time > reading.time) i--;
  out.splice(i, 0, reading);
  if (out.length > rules.maxWindowReadings) out.splice(0, out.length - rules.maxWindowReadings);
  return out;
}
