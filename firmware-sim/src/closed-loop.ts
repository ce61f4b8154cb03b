/**
 * The closed loop: simulated staff who react to Kanki's alerts. They subscribe to the ingest's alert
 * topic with their own MQTT connection; on a `raised` or `escalated` notice for a simulated room
 * they decide (staff-decision.ts) whether and when to act, then open that room's windows (an
 * override of its ventilation, intervention.ts) and tell Kanki so through the staff API with action
 * `windows_opened` (staff-api-client.ts) — which starts the ingest's own check that CO₂ falls.
 *
 * Every looped room has a counterfactual twin: a copy built from the same registry entry, seed and
 * warm-up, stepped through the same occupancy but never ventilated by staff. Both feed per-minute
 * tallies of minutes above 1000/1500 ppm, so one run says what the alerts were worth.
 *
 * Window openings are planned in simulated time when the notice arrives, so the room's physics does
 * not depend on timer jitter; the acknowledgement is sent when simulated time reaches the opening.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { AlertMessageSchema, type AlertMessagePayload } from '../../common/alert-message.ts';
import type { Logger } from '../../common/logger.ts';
import type { RoomEntry } from '../../common/registry.ts';
import { ALERTS_FILTER, buildAlertTopic } from '../../common/topics.ts';
import { phaseOf, recordCause } from './exposure-causes.ts';
import { createExposureTally, recordMinute } from './exposure-tally.ts';
import { ALL_DAY_UNTIL_MINUTE, DEFAULT_WINDOW_PLAN, nextGap, onAlertResolved, planOpeningWithGap, pruneOverrides, wideOpenAch, type RoomGap, type WindowPlan } from './intervention.ts';
import { actionsOn, buildLoopReport, causesOn, type LoopReport, type RoomTallies } from './loop-report.ts';
import { localTime, roomConditionsAt, segmentEndAt } from './occupancy.ts';
import type { KeyedRandom } from './random.ts';
import { advanceRoom, createSimRoom, type SimRoom, type SimRoomOptions } from './room-sim.ts';
import type { SimConfig } from './config.ts';
import type { SimClock } from './sim-clock.ts';
import { acknowledgeAlert } from './staff-api-client.ts';
import { decideStaffResponse, IDLE_RESPONSE, staffKey, type RoomResponse, type StaffPolicy } from './staff-decision.ts';

/** How the simulated staff are set up. */
export type ClosedLoopConfig = {
  brokerUrl: string;
  /** MQTT identity to subscribe with (a broker with authentication needs a user allowed to read alerts/). */
  mqttUsername?: string;
  mqttPassword?: string;
  /** Base URL of the ingest's HTTP port, e.g. http://127.0.0.1:9464. */
  staffApi: string;
  /** Bearer token of a staff user whose facilities cover the simulated rooms. */
  token: string;
  policy: StaffPolicy;
  plan: WindowPlan;
  /** Tallies count minutes after this simulated instant (the run's start; the warm-up is excluded). */
  startMs: number;
  /** MQTT client id. */
  clientId: string;
};

/** What the loop needs from the simulator. */
export type ClosedLoopDeps = {
  logger: Logger;
  clock: SimClock;
  rand: KeyedRandom;
  /** Options the simulator built its rooms with (the twins are built the same way). */
  roomOptions: SimRoomOptions;
  fetch?: typeof fetch;
};

/** Counters of the staff side. */
export type ClosedLoopStats = {
  connected: boolean;
  /** Alert messages for simulated rooms. */
  notices: number;
  /** Messages that did not parse as alert messages. */
  invalid: number;
  windowOpenings: number;
  /** Times staff left a wider gap than before (after a relapse notice, or on the all-day advice). */
  gapsWidened: number;
  /** Rooms (per day) where staff followed the advice to keep a gap open for the rest of the day. */
  allDayGaps: number;
  /** Notices not acted on because staff missed them (probability). */
  missed: number;
  acks: number;
  /** Acknowledgements the ingest refused (e.g. already acknowledged and still being checked). */
  ackRefused: number;
  ackErrors: number;
};

/** A running closed loop. */
export type ClosedLoop = {
  /** Steps the twins alongside their rooms; call after every simulator tick. */
  advance(): void;
  report(): LoopReport;
  stats(): ClosedLoopStats;
  /** Stops reacting, waits for acknowledgements in flight, disconnects. Idempotent. */
  close(): Promise<void>;
};

type Looped = {
  room: SimRoom;
  twin: SimRoom;
  tallies: RoomTallies;
  response: RoomResponse;
  /** The acknowledgement timer of staff on their way. */
  pending?: NodeJS.Timeout;
  /** End of the timetable segment the latest opening happened in. */
  lessonEnd: number | null;
  /** An alert for the room is open, as far as the notices told (raised … resolved). */
  alertOpen: boolean;
  /** The gap staff leave in this room today (widened by relapse notices), and the day it is for. */
  gap: RoomGap;
  /** Calls to act (`raised`/`escalated`) received for this room so far: keys the staff's draws. */
  calls: number;
};

const MINUTE_MS = 60_000;
const dayOf = (t: number) => localTime(t).day.key;

/** Attaches twins and tallies to `rooms` and starts the staff's connection to the broker (which retries while it is down). */
export async function startClosedLoop(
  rooms: readonly { entry: RoomEntry; room: SimRoom }[],
  config: ClosedLoopConfig,
  deps: ClosedLoopDeps,
): Promise<ClosedLoop> {
  const log = deps.logger.child({ component: 'sim-staff' });
  const { clock, rand } = deps;
  const looped = new Map<string, Looped>();
  for (const { entry, room } of rooms) {
    const twin = createSimRoom(entry, [], deps.roomOptions, rand);
    const tallies: RoomTallies = {
      facility: entry.facilityId, room: entry.roomId, use: room.profile.use,
      withLoop: createExposureTally(), withoutLoop: createExposureTally(), actions: new Map(), causes: new Map(),
    };
    room.overrides = [];
    const l: Looped = { room, twin, tallies, response: IDLE_RESPONSE, lessonEnd: null, alertOpen: false, gap: { day: '', ach: config.plan.ajarAch, allDay: false }, calls: 0 };
    room.onMinute = (t, co2) => {
      if (t <= config.startMs) return;
      recordMinute(tallies.withLoop, t, co2);
      if (co2 > 1000) attribute(l, t - MINUTE_MS);
    };
    twin.onMinute = (t, co2) => { if (t > config.startMs) recordMinute(tallies.withoutLoop, t, co2); };
    looped.set(`${entry.facilityId}/${entry.roomId}`, l);
  }

  /** Puts the minute starting at `from`, spent above 1000 ppm, down to what was going on then. */
  function attribute(l: Looped, from: number): void {
    const active = l.room.overrides?.filter((o) => from >= o.from && from < o.to) ?? [];
    const windows = active.some((o) => o.kind === 'wide') ? 'wide' : active.length > 0 ? 'ajar' : null;
    const phase = phaseOf({ alertOpen: l.alertOpen, actingAt: l.response.actingAt, windows }, from + MINUTE_MS);
    recordCause(causesOn(l.tallies, dayOf(from)), phase, roomConditionsAt(l.room.profile, from, rand).label);
  }
  const stats: ClosedLoopStats = { connected: false, notices: 0, invalid: 0, windowOpenings: 0, gapsWidened: 0, allDayGaps: 0, missed: 0, acks: 0, ackRefused: 0, ackErrors: 0 };
  /** Notices by `type` or `type:reason`, for the report (how often staff were called, and why). */
  const noticeKinds = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  const inflight = new Set<Promise<void>>();
  let closed = false;

  async function acknowledge(l: Looped, notice: AlertMessagePayload): Promise<void> {
    const alertId = Number(notice.alertId);
    // A non-numeric id is the engine's own (the alert database was down): there is nothing to acknowledge through the API.
    if (!Number.isInteger(alertId)) return;
    try {
      const outcome = await acknowledgeAlert({ baseUrl: config.staffApi, token: config.token, alertId, action: 'windows_opened' }, deps.fetch);
      if (outcome.ok) {
        stats.acks++;
        actionsOn(l.tallies, dayOf(clock.now())).acks++;
        log.debug({ facility: notice.facility, room: notice.room, alertId, by: outcome.by }, 'acknowledged: windows opened');
      } else {
        stats.ackRefused++;
        log.debug({ facility: notice.facility, room: notice.room, alertId, status: outcome.status, code: outcome.code }, 'acknowledgement refused');
        if (outcome.status === 401 || outcome.status === 403) log.warn({ status: outcome.status, code: outcome.code }, 'the staff API refused the staff token');
      }
    } catch (err) {
      stats.ackErrors++;
      log.warn({ err, alertId }, 'cannot reach the staff API');
    }
  }

  function onNotice(notice: AlertMessagePayload): void {
    const l = looped.get(`${notice.facility}/${notice.room}`);
    if (!l || closed) return;
    const now = clock.now();
    const kind = notice.reason ? `${notice.type}:${notice.reason}` : notice.type;
    noticeKinds.set(kind, (noticeKinds.get(kind) ?? 0) + 1);
    // Sensor events are not about the air; every other event but `resolved` means the alert is open.
    if (notice.type !== 'sensor_offline' && notice.type !== 'sensor_online') l.alertOpen = notice.type !== 'resolved';
    if (notice.type === 'resolved') {
      // Staff who had not yet reached the windows need not go; the gap closes as the plan says.
      const allDay = l.gap.allDay && l.gap.day === dayOf(now);
      l.room.overrides = onAlertResolved(l.room.overrides ?? [], Math.max(now, l.room.at), l.lessonEnd, allDay ? 'lesson' : config.plan.ajarUntil);
      if (l.pending) {
        clearTimeout(l.pending);
        timers.delete(l.pending);
        l.pending = undefined;
      }
      l.response = IDLE_RESPONSE;
      return;
    }
    if (notice.type !== 'raised' && notice.type !== 'escalated') return;
    stats.notices++;
    actionsOn(l.tallies, dayOf(now)).notices++;
    const nth = l.calls++;
    const decision = decideStaffResponse(notice, l.response, now, config.policy, rand, nth);
    if (!decision.act) {
      if (decision.why === 'missed') stats.missed++;
      return;
    }
    const wideAch = wideOpenAch(rand, staffKey(notice, nth));
    // Planned now, in simulated time, so the physics does not depend on when the timer fires.
    l.lessonEnd = segmentEndAt(l.room.profile, decision.at, rand);
    const local = localTime(decision.at);
    const ask = { relapse: notice.reason === 'relapse', allDayAdvice: notice.type === 'raised' && (notice.alertsToday ?? 0) >= 2 };
    const next = nextGap(l.gap, local.day.key, ask, config.plan);
    l.gap = next.gap;
    if (next.widened) stats.gapsWidened++;
    if (next.allDayStarted) stats.allDayGaps++;
    const endOfDay = decision.at - local.minute * MINUTE_MS - (decision.at % MINUTE_MS) + ALL_DAY_UNTIL_MINUTE * MINUTE_MS;
    const overrides = planOpeningWithGap(decision.at, wideAch, l.lessonEnd, endOfDay, l.gap, config.plan);
    l.room.overrides = [...pruneOverrides(l.room.overrides ?? [], l.room.at), ...overrides];
    l.response = { actingAt: decision.at, wideUntil: overrides[0]?.to ?? decision.at };
    log.debug({ facility: notice.facility, room: notice.room, event: notice.type, reason: notice.reason, delayMinutes: decision.delayMs / 60_000 }, 'staff will open the windows');
    const timer = setTimeout(() => {
      timers.delete(timer);
      l.pending = undefined;
      stats.windowOpenings++;
      actionsOn(l.tallies, dayOf(decision.at)).windowOpenings++;
      const p = acknowledge(l, notice).finally(() => inflight.delete(p));
      inflight.add(p);
    }, clock.realDelayUntil(decision.at));
    timer.unref();
    timers.add(timer);
    l.pending = timer;
  }

  // Not awaited: like the simulated devices, the staff keep trying while the broker is down
  // (MQTT.js reconnects every second; the first connection problem of an outage is logged).
  const client: MqttClient = mqtt.connect(config.brokerUrl, {
    clientId: config.clientId, username: config.mqttUsername, password: config.mqttPassword,
    protocolVersion: 4, reconnectPeriod: 1000, connectTimeout: 10_000, clean: true,
  });
  let outageLogged = false;
  client.on('connect', () => {
    stats.connected = true;
    outageLogged = false;
    // A clean session forgets its subscription: subscribe on every connect.
    client.subscribe(ALERTS_FILTER, { qos: 1 }, (err) => {
      if (err) log.warn({ err }, 'the simulated staff cannot subscribe to alerts');
      else log.debug('simulated staff subscribed to alerts');
    });
  });
  client.on('close', () => (stats.connected = false));
  client.on('error', (err) => {
    if (outageLogged) return;
    outageLogged = true;
    log.warn({ err }, 'simulated staff cannot reach the broker; retrying');
  });
  client.on('message', (topic, payload) => {
    let parsed;
    try {
      parsed = AlertMessageSchema.safeParse(JSON.parse(payload.toString('utf8')));
    } catch {
      parsed = undefined;
    }
    // Never throw in an event callback: count what does not parse, and what names another room than its topic.
    if (!parsed?.success || buildAlertTopic(parsed.data.facility, parsed.data.room) !== topic) {
      stats.invalid++;
      return;
    }
    onNotice(parsed.data);
  });
  log.info({ rooms: looped.size, probability: config.policy.probability, meanDelayMinutes: config.policy.meanDelayMinutes, ...config.plan }, 'simulated staff listening for alerts');

  let closing: Promise<void> | undefined;
  return {
    advance() {
      // The twin never runs ahead of its room, so both tallies always cover the same minutes.
      for (const l of looped.values()) advanceRoom(l.twin, l.room.at, rand);
    },
    report: () => buildLoopReport([...looped.values()].map((l) => l.tallies), Object.fromEntries(noticeKinds)),
    stats: () => ({ ...stats }),
    close() {
      closing ??= (async () => {
        closed = true;
        for (const t of timers) clearTimeout(t);
        timers.clear();
        await Promise.allSettled([...inflight]);
        await client.endAsync().catch(() => undefined);
      })();
      return closing;
    },
  };
}

/** The loop's settings from the simulator's flags (`--staff-*`). */
export function closedLoopConfigOf(config: SimConfig, startMs: number, mqttPassword?: string): ClosedLoopConfig {
  return {
    brokerUrl: config.broker,
    mqttUsername: config.staffMqttUsername,
    mqttPassword,
    staffApi: config.staffApi,
    token: config.staffToken ?? '',
    policy: { probability: config.staffProbability, meanDelayMinutes: config.staffDelay },
    plan: {
      ...DEFAULT_WINDOW_PLAN, wideMinutes: config.staffWideMinutes, ajarAch: config.staffAjarAch, ajarUntil: config.staffAjarUntil,
      widenOnRelapse: config.staffWiden, maxAjarAch: Math.max(DEFAULT_WINDOW_PLAN.maxAjarAch, config.staffAjarAch), allDayGap: config.staffAllDay,
    },
    startMs,
    clientId: `kanki-sim-staff-${config.seed}`,
  };
}
