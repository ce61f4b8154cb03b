// Monthly compliance figures on synthetic minute data: what counts (opening hours only), what does
// not (nights, weekends, holidays, closures), how gaps lower coverage, and per-room thresholds.
import { describe, expect, it } from 'vitest';
import { createOpeningCalendar } from '../../common/calendar.ts';
import type { HistoryPoint } from '../../common/reading.ts';
import { addMonths, computeCompliance, coveragePercent, monthRange, type ComplianceInput } from '../../dashboard/src/report/compliance.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const TZ = 'Asia/Tokyo';
/** A wall time in Japan, e.g. `jst('2026-11-02T10:00')`. */
const jst = (wall: string) => Date.parse(`${wall}:00+09:00`);

/** A school: open mon–fri 08:00–17:00, closed on public holidays (the registry's default), one closure day. */
const school = createOpeningCalendar({ hours: { 'mon-fri': '08:00-17:00' }, closures: ['2026-11-19'] });
const november = monthRange('2026-11', TZ);

type Episode = { from: string; to: string; co2: number };
/** One point per minute over the whole month at 600 ppm, the episodes on top, nothing in the gaps. */
function minuteData(episodes: readonly Episode[], gaps: readonly { from: string; to: string }[] = []): HistoryPoint[] {
  const points: HistoryPoint[] = [];
  const eps = episodes.map((e) => ({ from: jst(e.from), to: jst(e.to), co2: e.co2 }));
  const holes = gaps.map((g) => ({ from: jst(g.from), to: jst(g.to) }));
  for (let t = november.from; t < november.to; t += MIN) {
    if (holes.some((g) => g.from <= t && t < g.to)) continue;
    const co2 = eps.find((e) => e.from <= t && t < e.to)?.co2 ?? 600;
    points.push({ time: t, co2, temperature: null, humidity: null });
  }
  return points;
}

// Above 1000 ppm (and 1500) during school hours: these count.
const counted: Episode[] = [
  { from: '2026-11-02T10:00', to: '2026-11-02T10:30', co2: 1200 }, // Mon, 30 min
  { from: '2026-11-04T09:00', to: '2026-11-04T10:00', co2: 1600 }, // Wed, 60 min, also critical
  { from: '2026-11-06T16:30', to: '2026-11-06T17:30', co2: 1100 }, // Fri: only 16:30–17:00 is open
  { from: '2026-11-12T13:00', to: '2026-11-12T14:00', co2: 950 }, // Thu: under 1000, above a 900 room threshold
];
// The same air outside opening hours: none of this counts.
const notCounted: Episode[] = [
  { from: '2026-11-07T10:00', to: '2026-11-07T12:00', co2: 1600 }, // Saturday
  { from: '2026-11-10T20:00', to: '2026-11-10T22:00', co2: 1600 }, // Tuesday night
  { from: '2026-11-11T07:00', to: '2026-11-11T08:00', co2: 1600 }, // before opening (08:00 is open, 07:59 is not)
  { from: '2026-11-23T10:00', to: '2026-11-23T11:00', co2: 1600 }, // 勤労感謝の日 (Monday holiday)
  { from: '2026-11-03T10:00', to: '2026-11-03T11:00', co2: 1600 }, // 文化の日 (Tuesday holiday)
  { from: '2026-11-19T10:00', to: '2026-11-19T11:00', co2: 1600 }, // closure day
];
const gaps = [
  { from: '2026-11-25T00:00', to: '2026-11-26T00:00' }, // a whole school day without data: 540 open minutes
  { from: '2026-11-27T08:00', to: '2026-11-27T12:00' }, // a school morning: 240 open minutes
  { from: '2026-11-28T00:00', to: '2026-11-30T00:00' }, // a weekend: costs no coverage
];

const input = (overrides: Partial<ComplianceInput> = {}): ComplianceInput => ({
  range: november,
  calendar: school,
  stepMs: MIN,
  holdMs: MIN,
  rooms: [
    { id: 'class-1-1', thresholds: { ventilate: 1000, critical: 1500 }, points: minuteData([...counted, ...notCounted], gaps) },
    { id: 'music-room', thresholds: { ventilate: 900, critical: 1200 }, points: minuteData([...counted, ...notCounted]) },
  ],
  ...overrides,
});

describe('monthly compliance figures', () => {
  // November 2026: 21 weekdays, minus 文化の日 (3rd) and 勤労感謝の日 (23rd), minus the closure (19th) = 18 days × 9 h.
  const result = computeCompliance(input());
  const [classroom, music] = result.rooms;

  it('counts opening hours only: weekdays 08:00–17:00 without holidays and closure days', () => {
    expect(result.openDays).toBe(18);
    expect(result.openMinutes).toBe(18 * 9 * 60);
    expect(result.openMinutes).toBe(9720);
  });

  it('counts minutes at or above the room thresholds during opening hours only, and finds the worst days', () => {
    expect(classroom?.figures).toEqual({
      openMinutes: 9720,
      // 9720 − 540 (25th) − 240 (27th morning); the weekend gap costs nothing.
      coveredMinutes: 8940,
      coverage: 8940 / 9720,
      // 30 (2nd) + 60 (4th) + 30 (6th, until closing); the 950 ppm hour stays under 1000.
      minutesAtOrAboveVentilate: 120,
      minutesAtOrAboveCritical: 60,
      maxCo2: 1600,
      worstDays: [
        { date: '2026-11-04', minutesAtOrAboveVentilate: 60, maxCo2: 1600 },
        // A tie at 30 minutes: the higher peak first.
        { date: '2026-11-02', minutesAtOrAboveVentilate: 30, maxCo2: 1200 },
        { date: '2026-11-06', minutesAtOrAboveVentilate: 30, maxCo2: 1100 },
      ],
    });
    expect(coveragePercent(classroom?.figures.coverage ?? null)).toBe(91.9);
  });

  it('uses each room its own thresholds', () => {
    expect(music?.figures).toMatchObject({
      coveredMinutes: 9720,
      coverage: 1,
      // 900 ppm: 30 + 60 + 30 + the 950 ppm hour (60).
      minutesAtOrAboveVentilate: 180,
      // 1200 ppm: the 1200 ppm half hour (at or above counts) + the 1600 ppm hour.
      minutesAtOrAboveCritical: 90,
      worstDays: [
        { date: '2026-11-04', minutesAtOrAboveVentilate: 60, maxCo2: 1600 },
        { date: '2026-11-12', minutesAtOrAboveVentilate: 60, maxCo2: 950 },
        { date: '2026-11-02', minutesAtOrAboveVentilate: 30, maxCo2: 1200 },
      ],
    });
    expect(coveragePercent(music?.figures.coverage ?? null)).toBe(100);
  });

  it('lets a reading stand for the minutes after it up to the hold limit, so a sensor reporting every 5 minutes is fully covered', () => {
    const every5 = minuteData(counted).filter((p) => ((p.time - november.from) / MIN) % 5 === 0);
    const strict = computeCompliance(input({ rooms: [{ id: 'a', thresholds: { ventilate: 1000, critical: 1500 }, points: every5 }] })).rooms[0]?.figures;
    expect(strict?.coveredMinutes).toBe(9720 / 5);
    const held = computeCompliance(input({ holdMs: 5 * MIN, rooms: [{ id: 'a', thresholds: { ventilate: 1000, critical: 1500 }, points: every5 }] })).rooms[0]?.figures;
    expect(held).toMatchObject({ coveredMinutes: 9720, coverage: 1, minutesAtOrAboveVentilate: 120, minutesAtOrAboveCritical: 60 });
    // A gap longer than the hold limit still shows: readings stop at 08:00 and start again at 12:00.
    const gapped = every5.filter((p) => p.time < jst('2026-11-27T08:00') || p.time >= jst('2026-11-27T12:00'));
    const g = computeCompliance(input({ holdMs: 5 * MIN, rooms: [{ id: 'a', thresholds: { ventilate: 1000, critical: 1500 }, points: gapped }] })).rooms[0]?.figures;
    // 07:55 holds until 08:00 (still closed), so all 240 minutes of the morning are missing.
    expect(g?.coveredMinutes).toBe(9720 - 240);
  });

  it('counts the current month only up to now, leaving the minute under way out', () => {
    const now = jst('2026-11-04T09:30') + 20_000;
    const r = computeCompliance(input({ until: now }));
    // 2nd (540), 4th 08:00–09:30 (90); the 3rd is 文化の日.
    expect(r.openMinutes).toBe(630);
    expect(r.rooms[0]?.figures).toMatchObject({ minutesAtOrAboveVentilate: 60, minutesAtOrAboveCritical: 30, coveredMinutes: 630 });
  });

  it('treats a facility without hours as always open, nights, weekends and holidays included', () => {
    const always = computeCompliance(input({ calendar: createOpeningCalendar({}) }));
    expect(always.openMinutes).toBe(30 * 24 * 60);
    // Every episode in full: 30 + 60 + 60 (the 6th until 17:30) + 60 (950 ppm), then 120 + 120 + 60 × 4 "not counted" above.
    expect(always.rooms[1]?.figures).toMatchObject({ minutesAtOrAboveVentilate: 690, coverage: 1 });
  });

  it('works from hourly means when minute data has expired: an hour counts for its open minutes', () => {
    const office = createOpeningCalendar({ hours: { 'mon-fri': '08:45-17:15' } });
    const hourly: HistoryPoint[] = [
      { time: jst('2026-11-02T08:00'), co2: 1100, temperature: null, humidity: null }, // 15 open minutes (08:45–09:00)
      { time: jst('2026-11-02T09:00'), co2: 1499.6, temperature: null, humidity: null }, // rounds to 1500: critical
      { time: jst('2026-11-02T17:00'), co2: 1200, temperature: null, humidity: null }, // 15 open minutes
      { time: jst('2026-11-02T18:00'), co2: 2000, temperature: null, humidity: null }, // closed
    ];
    const r = computeCompliance({ range: november, calendar: office, stepMs: HOUR, holdMs: 5 * MIN, rooms: [{ id: 'a', thresholds: { ventilate: 1000, critical: 1500 }, points: hourly }] });
    expect(r.rooms[0]?.figures).toMatchObject({
      coveredMinutes: 90,
      minutesAtOrAboveVentilate: 90,
      minutesAtOrAboveCritical: 60,
      maxCo2: 1500,
      worstDays: [{ date: '2026-11-02', minutesAtOrAboveVentilate: 90, maxCo2: 1500 }],
    });
  });

  it('reports no coverage (not 0 %) for a month without opening hours, and handles month arithmetic', () => {
    const closed = computeCompliance(input({ calendar: createOpeningCalendar({ hours: { 'mon-sun': 'closed' } }) }));
    expect(closed.rooms[0]?.figures).toMatchObject({ openMinutes: 0, coverage: null, maxCo2: null, worstDays: [] });
    expect(coveragePercent(0.99996)).toBe(99.9);
    expect(addMonths('2026-12', 1)).toBe('2027-01');
    expect(addMonths('2026-01', -1)).toBe('2025-12');
    expect(november.from).toBe(Date.parse('2026-10-31T15:00:00Z'));
    expect(november.to).toBe(Date.parse('2026-11-30T15:00:00Z'));
    expect(november.days).toHaveLength(30);
    expect(() => monthRange('2026-13', TZ)).toThrow(RangeError);
  });
});
