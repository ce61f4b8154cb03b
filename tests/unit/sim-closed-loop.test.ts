/**
 * The closed loop's pure parts: minute tallies per room and local day, the reduction figure, the
 * staff's decisions (seeded probability and delay), window plans, the room model's override hook
 * (and that a run without overrides is unchanged), and the `--staff-*` flags.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { AlertMessageSchema, type AlertMessagePayload } from '../../common/alert-message.ts';
import type { RoomEntry } from '../../common/registry.ts';
import { loadRegistryFile } from '../../common/registry.ts';
import { formatSimHelp, parseSimArgs, SimArgsError } from '../../firmware-sim/src/config.ts';
import { createExposureTally, recordMinute, reductionPercent } from '../../firmware-sim/src/exposure-tally.ts';
import {
  DEFAULT_WINDOW_PLAN, effectiveAch, nextGap, onAlertResolved, planOpeningWithGap, planWindowOpening, pruneOverrides, widenedAjarAch, type RoomGap, type VentilationOverride,
} from '../../firmware-sim/src/intervention.ts';
import { createExposureCauses, formatCauses, phaseOf, recordCause, sumCauses } from '../../firmware-sim/src/exposure-causes.ts';
import { buildLoopReport, formatLoopReport } from '../../firmware-sim/src/loop-report.ts';
import { createKeyedRandom } from '../../firmware-sim/src/random.ts';
import { advanceRoom, createSimRoom } from '../../firmware-sim/src/room-sim.ts';
import { decideStaffResponse, IDLE_RESPONSE, type StaffPolicy } from '../../firmware-sim/src/staff-decision.ts';
import type { AlertMessage } from '../../ingest/src/alerts/alert-service.ts';

const MIN = 60_000;
/** 2026-11-25 (Wednesday) 00:00 JST. */
const DAY = Date.parse('2026-11-25T00:00:00+09:00');

describe('exposure tally', () => {
  it('counts minutes strictly above 1000 and 1500 per local day, with the peak', () => {
    const tally = createExposureTally();
    const values = [999, 1000, 1001, 1499, 1500, 1501, 2100];
    values.forEach((v, i) => recordMinute(tally, DAY + 10 * 60 * MIN + (i + 1) * MIN, v));
    expect(tally.get('2026-11-25')).toEqual({ minutes: 7, above1000: 5, above1500: 2, peak: 2100 });
  });

  it('puts the minute 23:59–24:00 JST on the day it started, the next on the new day', () => {
    const tally = createExposureTally();
    recordMinute(tally, DAY + 24 * 60 * MIN, 1200); // ends at 24:00 on the 25th
    recordMinute(tally, DAY + 24 * 60 * MIN + MIN, 1200);
    expect(tally.get('2026-11-25')?.above1000).toBe(1);
    expect(tally.get('2026-11-26')?.above1000).toBe(1);
  });

  it('reduction: percent fewer minutes, null without counterfactual minutes', () => {
    expect(reductionPercent(30, 100)).toBe(70);
    expect(reductionPercent(0, 3)).toBe(100);
    expect(reductionPercent(10, 30)).toBe(66.7);
    expect(reductionPercent(5, 0)).toBeNull();
  });

  it('the report sums per room and day and totals the reduction', () => {
    const a = { loop: createExposureTally(), twin: createExposureTally() };
    for (let i = 1; i <= 40; i++) recordMinute(a.twin, DAY + 9 * 60 * MIN + i * MIN, 1600);
    for (let i = 1; i <= 40; i++) recordMinute(a.loop, DAY + 9 * 60 * MIN + i * MIN, i <= 10 ? 1600 : 800);
    const causes = createExposureCauses();
    for (let i = 0; i < 10; i++) recordCause(causes, i < 6 ? 'no_alert' : 'staff_on_the_way', 'lesson 2');
    const report = buildLoopReport([{
      facility: 'f', room: 'r', use: 'classroom', withLoop: a.loop, withoutLoop: a.twin,
      actions: new Map([['2026-11-25', { notices: 1, windowOpenings: 1, acks: 1 }]]), causes: new Map([['2026-11-25', causes]]),
    }]);
    expect(report.rows).toEqual([expect.objectContaining({
      facility: 'f', room: 'r', day: '2026-11-25', withLoop: expect.objectContaining({ above1000: 10 }), withoutLoop: expect.objectContaining({ above1000: 40, above1500: 40 }),
      actions: { notices: 1, windowOpenings: 1, acks: 1 },
    })]);
    expect(report.rows[0]?.causes.byPhase).toMatchObject({ no_alert: 6, staff_on_the_way: 4, windows_wide: 0 });
    expect(report.total).toMatchObject({ rooms: 1, withLoop: { above1000: 10, above1500: 10 }, withoutLoop: { above1000: 40 }, reduction1000: 75, reduction1500: 75 });
    expect(formatLoopReport(report)).toContain('minutes above 1000 ppm 10 with the loop vs 40 without (75.0 % fewer)');
    expect(formatLoopReport(report)).not.toContain('Notices:');
    expect(formatLoopReport(report)).toMatch(/These room: where the 10 minutes above 1000 ppm with the loop fall\n {2}no alert open\s+6\s+60\.0 %/);
    const called = buildLoopReport([], { 'raised:rising': 3, 'escalated:relapse': 1, raised: 5 });
    expect(formatLoopReport(called)).toContain('Notices: raised 5, raised:rising 3, escalated:relapse 1');
  });

  it('a run over two days reports each day its own actions, not the run\'s on every row', () => {
    const loop = createExposureTally();
    const twin = createExposureTally();
    for (const day of [DAY, DAY + 24 * 60 * MIN]) for (let i = 1; i <= 5; i++) {
      recordMinute(loop, day + 9 * 60 * MIN + i * MIN, 900);
      recordMinute(twin, day + 9 * 60 * MIN + i * MIN, 1100);
    }
    const report = buildLoopReport([{
      facility: 'f', room: 'r', use: 'classroom', withLoop: loop, withoutLoop: twin,
      actions: new Map([['2026-11-25', { notices: 3, windowOpenings: 2, acks: 2 }], ['2026-11-26', { notices: 1, windowOpenings: 0, acks: 0 }]]), causes: new Map(),
    }]);
    expect(report.rows.map((r) => [r.day, r.actions.notices, r.withoutLoop.above1000])).toEqual([['2026-11-25', 3, 5], ['2026-11-26', 1, 5]]);
  });
});

describe('where the minutes above 1000 ppm with the loop fall', () => {
  const t = DAY + 10 * 60 * MIN;
  it('open windows count first, then whether an alert is open, then whether staff are on their way', () => {
    expect(phaseOf({ alertOpen: true, actingAt: t + MIN, windows: 'wide' }, t)).toBe('windows_wide');
    expect(phaseOf({ alertOpen: false, actingAt: null, windows: 'ajar' }, t)).toBe('windows_ajar');
    expect(phaseOf({ alertOpen: false, actingAt: null, windows: null }, t)).toBe('no_alert');
    expect(phaseOf({ alertOpen: true, actingAt: t + 3 * MIN, windows: null }, t)).toBe('staff_on_the_way');
    // Staff reached the windows during the minute: still on their way for that minute.
    expect(phaseOf({ alertOpen: true, actingAt: t - 30_000, windows: null }, t)).toBe('staff_on_the_way');
    expect(phaseOf({ alertOpen: true, actingAt: t - 20 * MIN, windows: null }, t)).toBe('not_acted');
    expect(phaseOf({ alertOpen: true, actingAt: null, windows: null }, t)).toBe('not_acted');
  });

  it('sums rooms and prints shares and the largest segments', () => {
    const a = createExposureCauses();
    const b = createExposureCauses();
    for (let i = 0; i < 3; i++) recordCause(a, 'no_alert', 'morning assembly');
    recordCause(b, 'no_alert', 'morning assembly');
    recordCause(b, 'windows_ajar', 'lesson 3');
    const total = sumCauses([a, b]);
    expect(total.byPhase).toMatchObject({ no_alert: 4, windows_ajar: 1, windows_wide: 0 });
    const text = formatCauses(total, 'Classrooms');
    expect(text).toContain('where the 5 minutes above 1000 ppm with the loop fall');
    expect(text).toMatch(/no alert open\s+4\s+80\.0 %/);
    expect(text).toMatch(/morning assembly — no alert open\s+4\s+80\.0 %/);
    expect(formatCauses(createExposureCauses(), 'Gyms')).toBe('Gyms: no minutes above 1000 ppm with the loop\n');
  });
});

describe('staff decisions', () => {
  const notice = (over: Partial<AlertMessagePayload> = {}) => ({ facility: 'tobe-elementary', room: 'class-3-2', type: 'raised' as const, alertId: '7', ...over });
  const policy: StaffPolicy = { probability: 1, meanDelayMinutes: 4 };
  const now = DAY + 10 * 60 * MIN;

  it('acts on raised and every escalation, not on other events', () => {
    const rand = createKeyedRandom(1);
    for (const type of ['raised', 'escalated'] as const) expect(decideStaffResponse(notice({ type, reason: type === 'escalated' ? 'no_improvement' : undefined }), IDLE_RESPONSE, now, policy, rand, 0).act).toBe(true);
    for (const type of ['resolved', 'improving', 'acknowledged', 'sensor_offline'] as const) {
      expect(decideStaffResponse(notice({ type }), IDLE_RESPONSE, now, policy, rand, 0)).toEqual({ act: false, why: 'not_a_call_to_act' });
    }
  });

  it('draws the delay between half and one and a half times the mean, the same for the same seed', () => {
    const delays: number[] = [];
    for (let id = 0; id < 500; id++) {
      const d = decideStaffResponse(notice(), IDLE_RESPONSE, now, policy, createKeyedRandom(42), id);
      if (!d.act) throw new Error('probability 1 must always act');
      expect(d.at).toBe(now + d.delayMs);
      delays.push(d.delayMs / MIN);
    }
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...delays)).toBeLessThanOrEqual(6);
    expect(delays.reduce((a, b) => a + b, 0) / delays.length).toBeCloseTo(4, 0);
    const again = decideStaffResponse(notice(), IDLE_RESPONSE, now, policy, createKeyedRandom(42), 3);
    expect(again).toEqual(decideStaffResponse(notice(), IDLE_RESPONSE, now, policy, createKeyedRandom(42), 3));
    expect(again).not.toEqual(decideStaffResponse(notice(), IDLE_RESPONSE, now, policy, createKeyedRandom(43), 3));
  });

  it('acts on about `probability` of notices, deterministically per seed', () => {
    const acted = (seed: number) => Array.from({ length: 1000 }, (_, id) =>
      decideStaffResponse(notice(), IDLE_RESPONSE, now, { probability: 0.3, meanDelayMinutes: 4 }, createKeyedRandom(seed), id).act).filter(Boolean).length;
    expect(acted(5)).toBeGreaterThan(250);
    expect(acted(5)).toBeLessThan(350);
    expect(acted(5)).toBe(acted(5));
    expect(decideStaffResponse(notice(), IDLE_RESPONSE, now, { probability: 0, meanDelayMinutes: 4 }, createKeyedRandom(1), 0)).toEqual({ act: false, why: 'missed' });
  });

  it('does not act twice while on the way or while windows are wide open; acts again once only the gap is left', () => {
    const rand = createKeyedRandom(1);
    expect(decideStaffResponse(notice({ type: 'escalated', reason: 'critical' }), { actingAt: now + 2 * MIN, wideUntil: 0 }, now, policy, rand, 1)).toEqual({ act: false, why: 'already_acting' });
    expect(decideStaffResponse(notice({ type: 'escalated', reason: 'critical' }), { actingAt: now - 5 * MIN, wideUntil: now + 5 * MIN }, now, policy, rand, 1)).toEqual({ act: false, why: 'windows_wide_open' });
    expect(decideStaffResponse(notice({ type: 'escalated', reason: 'no_improvement' }), { actingAt: now - 15 * MIN, wideUntil: now - 5 * MIN }, now, policy, rand, 1).act).toBe(true);
  });
});

describe('window plans and the room model', () => {
  const at = DAY + 10 * 60 * MIN + 20_000; // 10:00:20 JST

  const hm = (h: number, m: number) => DAY + (h * 60 + m) * MIN;
  const lessonEnd = hm(11, 35);

  it('opens wide from the next minute, then leaves a gap until the lesson ends (lesson) or, for now, the 2-hour cap', () => {
    const start = hm(10, 1);
    expect(planWindowOpening(at, 8, lessonEnd, { ...DEFAULT_WINDOW_PLAN, ajarUntil: 'lesson' })).toEqual([
      { from: start, to: start + 10 * MIN, ach: 8, kind: 'wide' }, { from: start + 10 * MIN, to: lessonEnd, ach: 3, kind: 'ajar' },
    ]);
    for (const ajarUntil of ['resolved', 'lesson-and-resolved'] as const) {
      expect(planWindowOpening(at, 8, lessonEnd, { ...DEFAULT_WINDOW_PLAN, ajarUntil })[1]).toEqual({ from: start + 10 * MIN, to: start + 130 * MIN, ach: 3, kind: 'ajar' });
    }
  });

  it('when the alert resolves: the wide airing is finished, the gap closes as the plan says, staff on their way are called off', () => {
    const plan = planWindowOpening(at, 8, lessonEnd, DEFAULT_WINDOW_PLAN);
    const [wide, ajar] = plan as [VentilationOverride, VentilationOverride];
    // Resolved at 10:05:10, mid-airing.
    expect(onAlertResolved(plan, hm(10, 5) + 10_000, lessonEnd, 'resolved')).toEqual([wide]);
    expect(onAlertResolved(plan, hm(10, 5) + 10_000, lessonEnd, 'lesson-and-resolved')).toEqual([wide, { ...ajar, to: lessonEnd }]);
    expect(onAlertResolved(plan, hm(10, 5) + 10_000, lessonEnd, 'lesson')).toEqual(plan);
    // Resolved at 10:30:10 with the gap open: closed at 10:31, or still at the bell (11:35).
    expect(onAlertResolved(plan, hm(10, 30) + 10_000, lessonEnd, 'resolved')).toEqual([wide, { ...ajar, to: hm(10, 31) }]);
    expect(onAlertResolved(plan, hm(10, 30) + 10_000, lessonEnd, 'lesson-and-resolved')).toEqual([wide, { ...ajar, to: lessonEnd }]);
    // Resolved after the bell (12:00): closed then.
    expect(onAlertResolved(plan, hm(12, 0), lessonEnd, 'lesson-and-resolved')).toEqual([wide, { ...ajar, to: hm(12, 0) }]);
    // Resolved before staff reached the windows: nothing happens.
    expect(onAlertResolved(plan, at, lessonEnd, 'lesson-and-resolved')).toEqual([]);
  });

  it('after a relapse notice the gap widens by the factor, never past the widest gap, never narrower', () => {
    expect(widenedAjarAch(3, DEFAULT_WINDOW_PLAN)).toBe(4.5);
    expect(widenedAjarAch(4.5, DEFAULT_WINDOW_PLAN)).toBe(6);
    expect(widenedAjarAch(6, DEFAULT_WINDOW_PLAN)).toBe(6);
    expect(widenedAjarAch(3, { ...DEFAULT_WINDOW_PLAN, widenOnRelapse: 1 })).toBe(3);
    // A configured gap already wider than the cap is kept, not narrowed.
    expect(widenedAjarAch(8, DEFAULT_WINDOW_PLAN)).toBe(8);
  });

  it('the gap of a room over a day: relapse widens it, the all-day advice widens it once and keeps it, a new day starts afresh', () => {
    const none = { relapse: false, allDayAdvice: false };
    const start: RoomGap = { day: '', ach: 3, allDay: false };
    const first = nextGap(start, '2026-11-25', none, DEFAULT_WINDOW_PLAN);
    expect(first).toEqual({ gap: { day: '2026-11-25', ach: 3, allDay: false }, widened: false, allDayStarted: false });
    const advised = nextGap(first.gap, '2026-11-25', { relapse: false, allDayAdvice: true }, DEFAULT_WINDOW_PLAN);
    expect(advised).toEqual({ gap: { day: '2026-11-25', ach: 4.5, allDay: true }, widened: true, allDayStarted: true });
    // The advice again (the room's third alert) changes nothing; a relapse still widens, up to the cap.
    expect(nextGap(advised.gap, '2026-11-25', { relapse: false, allDayAdvice: true }, DEFAULT_WINDOW_PLAN).gap).toEqual(advised.gap);
    expect(nextGap(advised.gap, '2026-11-25', { relapse: true, allDayAdvice: false }, DEFAULT_WINDOW_PLAN).gap).toEqual({ day: '2026-11-25', ach: 6, allDay: true });
    expect(nextGap(advised.gap, '2026-11-26', none, DEFAULT_WINDOW_PLAN).gap).toEqual({ day: '2026-11-26', ach: 3, allDay: false });
    // Staff who do not follow the advice (--staff-all-day false) keep their gap.
    expect(nextGap(first.gap, '2026-11-25', { relapse: false, allDayAdvice: true }, { ...DEFAULT_WINDOW_PLAN, allDayGap: false }).gap).toEqual(first.gap);
  });

  it('an all-day gap runs to the end of the day whatever the alert does; an ordinary one ends as the plan says', () => {
    const start = hm(10, 1);
    const endOfDay = hm(17, 0);
    const allDay = planOpeningWithGap(at, 8, lessonEnd, endOfDay, { day: '2026-11-25', ach: 4.5, allDay: true }, DEFAULT_WINDOW_PLAN);
    expect(allDay).toEqual([{ from: start, to: start + 10 * MIN, ach: 8, kind: 'wide' }, { from: start + 10 * MIN, to: endOfDay, ach: 4.5, kind: 'ajar' }]);
    // The alert resolving (handled as `lesson` for an all-day room) does not close it.
    expect(onAlertResolved(allDay, hm(10, 30), lessonEnd, 'lesson')).toEqual(allDay);
    const ordinary = planOpeningWithGap(at, 8, lessonEnd, endOfDay, { day: '2026-11-25', ach: 3, allDay: false }, DEFAULT_WINDOW_PLAN);
    expect(ordinary).toEqual(planWindowOpening(at, 8, lessonEnd, DEFAULT_WINDOW_PLAN));
  });

  it('an override only ever raises the air change rate, and expired ones are pruned', () => {
    const o: VentilationOverride[] = [{ from: 0, to: 10 * MIN, ach: 8, kind: 'wide' }, { from: 10 * MIN, to: 40 * MIN, ach: 3, kind: 'ajar' }];
    expect(effectiveAch(1, o, 5 * MIN)).toBe(8);
    expect(effectiveAch(1, o, 20 * MIN)).toBe(3);
    expect(effectiveAch(4, o, 20 * MIN)).toBe(4);
    expect(effectiveAch(1, o, 40 * MIN)).toBe(1);
    expect(pruneOverrides(o, 15 * MIN)).toEqual([o[1]]);
  });

  it('a room without overrides steps exactly like before; with one, its CO₂ falls and its minutes above 1000 drop', () => {
    const entry = loadRegistryFile('config/registry.demo.yaml').room('tobe-elementary', 'class-3-2') as RoomEntry;
    const rand = createKeyedRandom(9);
    const opts = { seed: 9, startMs: DAY + 8 * 60 * MIN, intervalMs: MIN, sensorType: 'scd30' as const };
    const plain = createSimRoom(entry, [], opts, rand);
    const hooked = createSimRoom(entry, [], opts, rand);
    const aired = createSimRoom(entry, [], opts, rand);
    const tallies = { hooked: createExposureTally(), aired: createExposureTally() };
    hooked.overrides = [];
    hooked.onMinute = (t, c) => recordMinute(tallies.hooked, t, c);
    aired.onMinute = (t, c) => recordMinute(tallies.aired, t, c);
    // Lesson 1 (8:45–9:30) with 38 pupils: air it wide from 9:00 to 9:10.
    aired.overrides = [{ from: DAY + 9 * 60 * MIN, to: DAY + 9 * 60 * MIN + 10 * MIN, ach: 8, kind: 'wide' }];
    const end = DAY + (9 * 60 + 30) * MIN;
    for (let t = opts.startMs; t < end + 17_000; t += 17_000) for (const r of [plain, hooked, aired]) advanceRoom(r, Math.min(t, end), rand);
    expect(hooked.co2).toBe(plain.co2);
    expect(aired.co2).toBeLessThan(plain.co2);
    expect(tallies.hooked.get('2026-11-25')?.minutes).toBe(90);
    expect(tallies.aired.get('2026-11-25')?.above1000).toBeLessThan(tallies.hooked.get('2026-11-25')?.above1000 ?? 0);
  });
});

describe('alert messages and --staff-* flags', () => {
  it('the shared schema accepts what the ingest publishes', () => {
    expectTypeOf<AlertMessage>().toExtend<Omit<AlertMessagePayload, 'reason'> & { reason?: string }>();
    const sent: AlertMessage = { facility: 'f', room: 'r', type: 'escalated', level: 'ventilate', co2: 1234, at: '2026-11-25T01:00:00.000Z', alertId: '12', reason: 'no_improvement' };
    expect(AlertMessageSchema.parse(sent)).toEqual(sent);
    expect(AlertMessageSchema.safeParse({ ...sent, type: 'exploded' }).success).toBe(false);
  });

  it('parses the loop flags, takes the token from env, and needs one with --staff-loop', () => {
    expect(parseSimArgs([], {})).toMatchObject({ staffLoop: false, staffDelay: 5, staffProbability: 0.8, staffToken: undefined, staffApi: 'http://127.0.0.1:9464', staffWideMinutes: 10, staffAjarAch: 3, staffAjarUntil: 'lesson-and-resolved', staffWiden: 1.5, staffAllDay: true });
    const c = parseSimArgs(['--staff-loop', '--staff-delay', '2.5', '--staff-probability', '1', '--staff-ajar-until', 'lesson', '--speed', '60'], { KANKI_SIM_STAFF_TOKEN: 'kanki-example-staff-ward-ops', KANKI_INGEST_URL: 'http://127.0.0.1:1234' });
    expect(c).toMatchObject({ staffLoop: true, staffDelay: 2.5, staffProbability: 1, staffToken: 'kanki-example-staff-ward-ops', staffApi: 'http://127.0.0.1:1234', staffAjarUntil: 'lesson', speed: 60 });
    expect(parseSimArgs(['--staff-loop=false'], {}).staffLoop).toBe(false);
    let problems: readonly string[] = [];
    try {
      parseSimArgs(['--staff-loop', '--staff-probability', '1.5', '--staff-ajar-until', 'never'], {});
    } catch (err) {
      problems = (err as SimArgsError).problems;
    }
    expect(problems).toEqual(expect.arrayContaining([
      '--staff-probability "1.5": must be at most 1', expect.stringContaining('--staff-ajar-until "never": must be one of lesson-and-resolved, resolved, lesson'),
    ]));
    const help = formatSimHelp({ KANKI_SIM_STAFF_TOKEN: 'secret-token' });
    expect(help).toMatch(/^ {2}--staff-loop {2,}/m);
    expect(help).not.toContain('secret-token');
  });
});
