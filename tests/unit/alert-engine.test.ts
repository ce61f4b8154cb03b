// The alert engine with fake time: plain numbers, a tick every 10 s, sensors reporting once a minute.
import { describe, expect, it } from 'vitest';
import { KankiError } from '../../common/errors.ts';
import { DEFAULT_THRESHOLDS, type Thresholds } from '../../common/levels.ts';
import { parseRegistry } from '../../common/registry.ts';
import {
  initialRoomAlertState, onAcknowledge, onDeviceStatus, onReading, onTick, restoreState, serializeState,
  type AckRefusal, type AlertEvent, type RoomAlertState,
} from '../../ingest/src/alerts/engine.ts';
import type { AckAction } from '../../ingest/src/notify/notifier.ts';
import { AlertRulesSchema, DEFAULT_ALERT_RULES, rulesForRoom, type AlertRules } from '../../ingest/src/alerts/rules.ts';

const MIN = 60_000;
const TICK = 10_000;
const NO_ESCALATION = { escalateAfterMs: 24 * 60 * MIN };

/** Minute → ppm of one sensor, or null for no reading that minute. */
type Source = (minute: number) => number | null;

function createRoom(overrides: Partial<AlertRules> = {}, thresholds: Thresholds = DEFAULT_THRESHOLDS) {
  const rules = { ...DEFAULT_ALERT_RULES, ...overrides };
  const room = {
    state: initialRoomAlertState() as RoomAlertState,
    events: [] as AlertEvent[],
    read(sensor: string, time: number, co2: number, quality = 'ok', now = time) {
      const step = onReading(room.state, { sensor, time, co2, quality }, rules, thresholds, now);
      room.state = step.state;
      room.events.push(...step.events);
    },
    tick(now: number) {
      const step = onTick(room.state, rules, thresholds, now);
      room.state = step.state;
      room.events.push(...step.events);
    },
    ack(now: number, action: AckAction, by = 'tanaka', alertId?: string): AckRefusal | undefined {
      const step = onAcknowledge(room.state, { alertId: alertId ?? room.state.alert?.id ?? 'none', action, by }, now);
      room.state = step.state;
      room.events.push(...step.events);
      return step.refused;
    },
    status(sensor: string, online: boolean, now: number) {
      const step = onDeviceStatus(room.state, sensor, online, now);
      room.state = step.state;
      room.events.push(...step.events);
    },
    /** Minutes [from, to): each sensor reports on the minute, then the clock ticks every 10 s. */
    run(from: number, to: number, sources: Record<string, Source>, restartAt: number[] = []) {
      for (let t = from * MIN; t < to * MIN; t += TICK) {
        if (restartAt.includes(t)) room.state = restoreState(serializeState(room.state));
        if (t % MIN === 0) {
          for (const [sensor, source] of Object.entries(sources)) {
            const ppm = source(t / MIN);
            if (ppm !== null) room.read(sensor, t, ppm);
          }
        }
        room.tick(t);
      }
    },
    summary: () => room.events.map((e) => `${e.type}${e.reason ? `:${e.reason}` : ''}@${e.at / MIN}:${e.level}:${e.co2}`),
  };
  return room;
}

const steps = (...parts: [untilMinute: number, ppm: number][]): Source => (m) => {
  for (const [until, ppm] of parts) if (m < until) return ppm;
  return null;
};

describe('entering a level only when sustained', () => {
  it('raises exactly one alert five minutes after the median crosses 1000 ppm, not before', () => {
    const room = createRoom();
    room.run(0, 30, { a: steps([10, 700], [Infinity, 1100]) });
    // Minute 10's reading is outvoted by 8 and 9; the median crosses at minute 11, so 11 + 5 = 16.
    expect(room.summary()).toEqual(['raised@16:ventilate:1100']);
  });

  it('a room flapping 1000 ± 30 ppm every minute never raises', () => {
    const room = createRoom();
    room.run(0, 60, { a: (m) => (m % 2 ? 1030 : 970) });
    expect(room.events).toEqual([]);
  });

  it('once raised, 1000 ± 30 ppm neither resolves nor raises again', () => {
    const room = createRoom(NO_ESCALATION);
    room.run(0, 70, { a: (m) => (m < 10 ? 1200 : m % 2 ? 1030 : 970) });
    expect(room.summary()).toEqual(['raised@5:ventilate:1200']);
  });

  it('a room wobbling between ventilate and critical still enters ventilate, but not critical', () => {
    const room = createRoom(NO_ESCALATION);
    room.run(0, 30, { a: (m) => (m < 10 ? 700 : m % 2 ? 1520 : 1480) });
    expect(room.summary()).toEqual(['raised@16:ventilate:1480']);
  });
});

describe('leaving with hysteresis, resolution and escalation', () => {
  it('resolves only below the threshold minus 50 ppm, sustained', () => {
    const room = createRoom(NO_ESCALATION);
    room.run(0, 60, { a: steps([10, 1100], [40, 950], [Infinity, 940]) });
    // 950 is not below 1000 − 50: the alert stays open for 30 minutes. 940 is; median at 41, +5.
    expect(room.summary()).toEqual(['raised@5:ventilate:1100', 'resolved@46:fair:940']);
    expect(room.events[1]?.alertId).toBe(room.events[0]?.alertId);
  });

  it('escalates once when rising to critical, and a wobble just below 1500 does not repeat it', () => {
    const room = createRoom(NO_ESCALATION);
    room.run(0, 40, { a: (m) => (m < 10 ? 1100 : m < 20 ? 1600 : m % 2 ? 1550 : 1460) });
    expect(room.summary()).toEqual(['raised@5:ventilate:1100', 'escalated:critical@16:critical:1600']);
    expect(new Set(room.events.map((e) => e.alertId)).size).toBe(1);
  });

  it('escalates once when still at ventilate 15 minutes after raising (reminders off)', () => {
    const room = createRoom({ remindAfterMs: 0 });
    room.run(0, 60, { a: () => 1100 });
    expect(room.summary()).toEqual(['raised@5:ventilate:1100', 'escalated:duration@20:ventilate:1100']);
  });

  it('then reminds every 15 minutes while nobody acknowledges and the room stays bad; an acknowledgement or a fall stops it', () => {
    const ignored = createRoom();
    ignored.run(0, 60, { a: () => 1100 });
    expect(ignored.summary()).toEqual([
      'raised@5:ventilate:1100', 'escalated:duration@20:ventilate:1100', 'escalated:reminder@35:ventilate:1100', 'escalated:reminder@50:ventilate:1100',
    ]);
    expect(new Set(ignored.events.map((e) => e.alertId)).size).toBe(1);
    // A critical escalation is a call too: the next reminder counts from it.
    const worse = createRoom();
    worse.run(0, 60, { a: steps([25, 1100], [Infinity, 1600]) });
    expect(worse.summary()).toEqual([
      'raised@5:ventilate:1100', 'escalated:duration@20:ventilate:1100', 'escalated:critical@31:critical:1600', 'escalated:reminder@46:critical:1600',
    ]);
    const acted = createRoom();
    acted.run(0, 30, { a: () => 1100 });
    acted.ack(30 * MIN, 'occupancy_reduced');
    acted.run(30, 60, { a: () => 1100 });
    // The closed loop takes over: no reminder, but `no_improvement` when the value does not fall.
    expect(acted.summary().map((x) => x.split('@')[0]), acted.summary().join()).toEqual(['raised', 'escalated:duration', 'acknowledged', 'escalated:no_improvement', 'escalated:reminder']);
    const fell = createRoom();
    fell.run(0, 60, { a: steps([28, 1100], [Infinity, 980]) });
    // 980 is under the line but not below the hysteresis: the alert stays open, and nobody is nagged about it.
    expect(fell.summary()).toEqual(['raised@5:ventilate:1100', 'escalated:duration@20:ventilate:1100']);
  });

  it('does not escalate by duration while the air is already improving', () => {
    const room = createRoom();
    room.run(0, 40, { a: steps([18, 1100], [Infinity, 800]) });
    // Due at 20, but from 19 the value is below 950: staff's windows are working, so no nagging.
    expect(room.summary()).toEqual(['raised@5:ventilate:1100', 'resolved@24:fair:800']);
  });

  it('entering critical directly raises at critical; after resolution a new rise is a new alert', () => {
    const room = createRoom(NO_ESCALATION);
    room.run(0, 60, { a: steps([10, 700], [30, 1600], [45, 700], [Infinity, 1100]) });
    expect(room.summary()).toEqual(['raised@16:critical:1600', 'resolved@36:good:700', 'raised@51:ventilate:1100']);
    expect(room.events[2]?.alertId).not.toBe(room.events[0]?.alertId);
  });
});

describe('acknowledgement and the closed loop', () => {
  it('windows opened and CO₂ falls by 20 %: improving, no escalation, then resolved', () => {
    const room = createRoom();
    room.run(0, 8, { a: () => 1400 });
    expect(room.ack(8 * MIN, 'windows_opened')).toBeUndefined();
    // From minute 9 the air improves: 1400 → 1150 is 18 % (not yet), 1100 is 21 %.
    room.run(8, 40, { a: steps([10, 1400], [12, 1150], [16, 1100], [Infinity, 700]) });
    expect(room.summary()).toEqual([
      'raised@5:ventilate:1400', 'acknowledged@8:ventilate:1400', 'improving@13:ventilate:1100', 'resolved@22:good:700',
    ]);
    expect(room.events[1]?.ack).toEqual({ action: 'windows_opened', by: 'tanaka', at: 8 * MIN });
  });

  it('windows opened but CO₂ does not fall within 10 minutes: escalated, and staff can acknowledge again', () => {
    const room = createRoom();
    room.run(0, 8, { a: () => 1300 });
    room.ack(8 * MIN, 'windows_opened');
    room.run(8, 19, { a: () => 1250 });
    expect(room.summary()).toEqual(['raised@5:ventilate:1300', 'acknowledged@8:ventilate:1300', 'escalated:no_improvement@18:ventilate:1250']);
    // Not escalated by duration at 20 as well: one escalation per failure to improve.
    room.run(19, 25, { a: () => 1250 });
    expect(room.events).toHaveLength(3);
    expect(room.ack(25 * MIN, 'occupancy_reduced')).toBeUndefined();
    room.run(25, 30, { a: () => 900 });
    expect(room.summary().slice(3)).toEqual(['acknowledged@25:ventilate:1250', 'improving@26:ventilate:900']);
  });

  it('falling below the ventilate threshold counts as improving even when less than 20 %', () => {
    const room = createRoom();
    room.run(0, 6, { a: () => 1080 });
    room.ack(6 * MIN, 'windows_opened');
    room.run(6, 12, { a: steps([7, 1080], [Infinity, 990]) });
    expect(room.summary()).toContain('improving@8:ventilate:990');
  });

  it('improving, then back over the line and climbing (windows shut too soon): staff are asked again', () => {
    const room = createRoom(NO_ESCALATION);
    room.run(0, 8, { a: () => 1400 });
    room.ack(8 * MIN, 'windows_opened');
    // Falls to 980 (improving, still within the hysteresis, so the alert stays open), then climbs back.
    room.run(8, 30, { a: steps([10, 1400], [14, 980], [Infinity, 1150]) });
    expect(room.summary()).toEqual([
      'raised@5:ventilate:1400', 'acknowledged@8:ventilate:1400', 'improving@11:ventilate:980', 'escalated:relapse@20:ventilate:1150',
    ]);
    // The acknowledgement is cleared: staff can say what they did again.
    expect(room.ack(30 * MIN, 'windows_opened')).toBeUndefined();
  });

  it('improving by 20 % but still over the line 10 minutes later: staff are asked again, once', () => {
    const room = createRoom(NO_ESCALATION);
    room.run(0, 8, { a: () => 1600 });
    room.ack(8 * MIN, 'windows_opened');
    room.run(8, 40, { a: steps([10, 1600], [Infinity, 1250]) });
    expect(room.summary()).toEqual([
      'raised@5:critical:1600', 'acknowledged@8:critical:1600', 'improving@11:critical:1250', 'escalated:relapse@21:ventilate:1250',
    ]);
  });

  it('a brief return over the line does not ask again, and the relapse clock survives a restart', () => {
    const brief = createRoom(NO_ESCALATION);
    brief.run(0, 8, { a: () => 1400 });
    brief.ack(8 * MIN, 'windows_opened');
    brief.run(8, 40, { a: steps([10, 1400], [14, 980], [17, 1150], [Infinity, 980]) });
    expect(brief.summary().filter((e) => e.includes('relapse'))).toEqual([]);
    const restarted = createRoom(NO_ESCALATION);
    restarted.run(0, 8, { a: () => 1400 });
    restarted.ack(8 * MIN, 'windows_opened');
    restarted.run(8, 30, { a: steps([10, 1400], [14, 980], [Infinity, 1150]) }, [17 * MIN]);
    expect(restarted.summary().at(-1)).toBe('escalated:relapse@20:ventilate:1150');
  });

  it('false alarm stops the duration escalation but a rise to critical still escalates', () => {
    const room = createRoom();
    room.run(0, 6, { a: () => 1100 });
    room.ack(6 * MIN, 'false_alarm');
    room.run(6, 40, { a: steps([30, 1100], [Infinity, 1600]) });
    expect(room.summary()).toEqual(['raised@5:ventilate:1100', 'acknowledged@6:ventilate:1100', 'escalated:critical@36:critical:1600']);
  });

  it('refuses without an open alert, for another alert, and twice while the loop is still checking', () => {
    const room = createRoom();
    room.run(0, 3, { a: () => 1100 });
    expect(room.ack(3 * MIN, 'windows_opened')).toBe('no_open_alert');
    room.run(3, 6, { a: () => 1100 });
    expect(room.ack(6 * MIN, 'windows_opened', 'x', 'co2-0')).toBe('other_alert');
    expect(room.ack(6 * MIN, 'windows_opened')).toBeUndefined();
    expect(room.ack(7 * MIN, 'false_alarm')).toBe('already_acknowledged');
    expect(room.events.filter((e) => e.type === 'acknowledged')).toHaveLength(1);
  });

  it('a pending acknowledgement survives a restart and is still judged', () => {
    const room = createRoom();
    room.run(0, 8, { a: () => 1300 });
    room.ack(8 * MIN, 'windows_opened');
    room.run(8, 19, { a: () => 1250 }, [12 * MIN]);
    expect(room.summary().at(-1)).toBe('escalated:no_improvement@18:ventilate:1250');
  });
});

describe('late, out-of-order and repeated readings', () => {
  it('readings delivered in reverse batches of three give the same alert as in order', () => {
    const ppm = (m: number) => (m < 10 ? 700 : 1100);
    const inOrder = createRoom();
    inOrder.run(0, 30, { a: ppm });
    const batched = createRoom();
    for (let t = 0; t < 30 * MIN; t += TICK) {
      const m = t / MIN;
      if (t % MIN === 0 && m % 3 === 2) for (const k of [m, m - 1, m - 2]) batched.read('a', k * MIN, ppm(k), 'ok', t);
      batched.tick(t);
    }
    expect(batched.summary()).toEqual(inOrder.summary());
    expect(batched.summary()).toEqual(['raised@16:ventilate:1100']);
  });

  it('a backlog replayed after a network outage alerts only a full sustain after reconnecting', () => {
    const room = createRoom(NO_ESCALATION);
    room.run(0, 10, { a: () => 700 });
    room.run(10, 30, {}); // the sensor buffers minutes 10–29 at 1500
    for (let m = 10; m < 30; m++) room.read('a', m * MIN, 1500, 'ok', 30 * MIN);
    room.run(30, 40, { a: () => 1500 });
    expect(room.summary()).toEqual(['sensor_offline:silent@14.166666666666666:nodata:null', 'sensor_online@30:nodata:1500', 'raised@35:critical:1500']);
  });

  it('readings older than the window do not move the value', () => {
    const room = createRoom(NO_ESCALATION);
    room.run(0, 10, { a: () => 1100 });
    for (let m = 0; m < 6; m++) room.read('a', m * MIN, 500, 'ok', 10 * MIN); // a stale replay of other data
    room.run(10, 30, { a: () => 1100 });
    expect(room.summary()).toEqual(['raised@5:ventilate:1100']);
  });

  it('a redelivered reading (same sensor and time) does not count twice', () => {
    const room = createRoom();
    // One 1100 in every three minutes: the median stays 900. Counted three times it would win.
    room.run(0, 40, {
      a: (m) => {
        const ppm = m % 3 === 2 ? 1100 : 900;
        if (ppm === 1100) for (let copy = 0; copy < 2; copy++) room.read('a', m * MIN, ppm);
        return ppm;
      },
    });
    expect(room.events).toEqual([]);
  });
});

describe('several sensors in one room', () => {
  it('with two sensors the median is their mean: 900 and 1200 make 1050', () => {
    const room = createRoom();
    room.run(0, 10, { a: () => 900, b: () => 1200 });
    expect(room.summary()).toEqual(['raised@5:ventilate:1050']);
  });

  it('with three sensors one outlier is ignored, high or low', () => {
    const high = createRoom();
    high.run(0, 30, { a: () => 900, b: () => 920, c: () => 3000 });
    expect(high.events).toEqual([]);
    const low = createRoom();
    low.run(0, 10, { a: () => 1100, b: () => 1120, c: () => 450 });
    expect(low.summary()).toEqual(['raised@5:ventilate:1100']);
  });

  it('flagged readings never raise, and a room with only flagged readings is offline', () => {
    const room = createRoom();
    room.run(0, 30, { a: () => 900 });
    for (let m = 0; m < 30; m++) room.read('b', m * MIN, 12_000, 'suspect-high');
    room.run(30, 40, { a: () => 900 });
    expect(room.events).toEqual([]);

    const flaggedOnly = createRoom();
    for (let t = 0; t < 10 * MIN; t += TICK) {
      if (t % MIN === 0) flaggedOnly.read('a', t, 1800, 'stuck');
      flaggedOnly.tick(t);
    }
    expect(flaggedOnly.summary()).toEqual(['sensor_offline:flagged@5.166666666666667:nodata:null']);
  });
});

describe('sensor health', () => {
  it('a silent room goes offline once, keeps its alert open, and comes back when data returns', () => {
    const room = createRoom({ escalateAfterMs: 30 * MIN });
    room.run(0, 45, { a: (m) => (m < 20 || m >= 40 ? 1100 : null) });
    // Last reading at 19; silent for more than 5 min at the 24:10 tick. No resolve, no second raise.
    expect(room.summary()).toEqual(['raised@5:ventilate:1100', 'sensor_offline:silent@24.166666666666668:nodata:null', 'sensor_online@40:nodata:1100']);
    expect(room.state.level).toBe('nodata');
  });

  it('a room that never reports goes offline once after the stale time', () => {
    const room = createRoom();
    room.run(0, 30, {});
    expect(room.summary()).toEqual(['sensor_offline:silent@5.166666666666667:nodata:null']);
  });

  it('goes offline at once when every sensor\'s Last Will says so, and back with the next reading', () => {
    const room = createRoom();
    room.run(0, 10, { a: () => 900, b: () => 900 });
    room.status('a', false, 10 * MIN);
    expect(room.events).toEqual([]); // b still reports
    room.status('b', false, 10.5 * MIN);
    room.run(10.5, 13, {});
    room.status('b', true, 13 * MIN); // status alone is not data
    room.tick(13 * MIN + TICK);
    room.run(14, 15, { b: () => 900 });
    expect(room.summary()).toEqual(['sensor_offline:lwt@10.5:nodata:null', 'sensor_online@14:nodata:900']);
  });
});

describe('restarts', () => {
  const sources = { a: steps([10, 700], [20, 1100], [30, 1600], [Infinity, 700]) };

  it('a state stored mid-sustain and restored continues with the same events', () => {
    const straight = createRoom();
    straight.run(0, 50, sources);
    const restarted = createRoom();
    restarted.run(0, 50, sources, [13.5 * MIN, 22.5 * MIN, 33 * MIN]);
    expect(restarted.summary()).toEqual(straight.summary());
    expect(straight.summary()).toEqual(['raised@16:ventilate:1100', 'escalated:critical@26:critical:1600', 'resolved@36:good:700']);
  });

  it('after a long ingest downtime the open alert carries on and silence is counted from the restart', () => {
    const room = createRoom(NO_ESCALATION);
    room.run(0, 10, { a: () => 1100 });
    const saved = serializeState(room.state);
    room.state = restoreState(saved);
    room.run(30, 45, {});
    room.state = restoreState(saved);
    room.run(60, 70, { a: (m) => (m >= 61 ? 700 : null) });
    expect(room.summary()).toEqual(['raised@5:ventilate:1100', 'sensor_offline:silent@35.166666666666664:nodata:null', 'resolved@66:good:700']);
    expect(new Set(room.events.filter((e) => e.type !== 'sensor_offline').map((e) => e.alertId)).size).toBe(1);
  });

  it('refuses a stored state that is not one', () => {
    expect(() => restoreState('{"version":1}')).toThrow(expect.objectContaining({ code: 'KANKI_ALERT_STATE_INVALID' }));
    expect(() => restoreState('not json')).toThrow(KankiError);
  });
});

describe('rules', () => {
  it('honours per-room thresholds from the registry (ventilate at 1200)', () => {
    const registry = parseRegistry({
      facilities: [{
        id: 'gym', name: { ja: '体育館', en: 'Gym' }, kind: 'hall',
        rooms: [{ id: 'hall', name: { ja: 'ホール', en: 'Hall' }, levels: { ventilate: 1200 } }, { id: 'office', name: { ja: '事務室', en: 'Office' } }],
      }],
    });
    const hallRules = rulesForRoom(registry.room('gym', 'hall')!, DEFAULT_ALERT_RULES);
    const hall = createRoom({}, hallRules.thresholds);
    hall.run(0, 30, { a: steps([15, 1150], [Infinity, 1250]) });
    expect(hall.summary()).toEqual(['raised@21:ventilate:1250']);
    const office = createRoom({}, rulesForRoom(registry.room('gym', 'office')!, DEFAULT_ALERT_RULES).thresholds);
    office.run(0, 10, { a: () => 1150 });
    expect(office.summary()).toEqual(['raised@5:ventilate:1150']);
  });

  it('fills every default and refuses nonsense', () => {
    expect(AlertRulesSchema.parse({})).toMatchObject({ sustainMs: 5 * MIN, windowMs: 3 * MIN, hysteresisPpm: 50, escalateAfterMs: 15 * MIN, staleAfterMs: 5 * MIN });
    expect(AlertRulesSchema.safeParse({ windowMs: 0 }).success).toBe(false);
    expect(AlertRulesSchema.safeParse({ hysteresisPpm: -5 }).success).toBe(false);
  });
});
