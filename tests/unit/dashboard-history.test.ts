// Pure helpers behind the room page's table and the facility page's hours: local-time buckets
// (also across a DST change, which Tokyo never has but a configured DISPLAY_TIME_ZONE may),
// the chart summary, and opening hours in words.
import { describe, expect, it } from 'vitest';
import type { HistoryPoint } from '../../common/reading.ts';
import { bucketHistory, localBucketStart, summarizeHistory } from '../../dashboard/src/history/buckets.ts';
import { historyWindow } from '../../dashboard/src/history/ranges.ts';
import { loadI18n } from '../../dashboard/src/i18n/i18n.ts';
import { describeOpeningHours } from '../../dashboard/src/views/opening-hours.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const p = (time: number, co2: number | null, temperature: number | null = null): HistoryPoint => ({ time, co2, temperature, humidity: null });

describe('history buckets', () => {
  it('groups points into local buckets with means and maxima, listing empty ones', () => {
    const from = Date.parse('2026-11-24T00:30:00Z'); // 09:30 in Tokyo
    const to = from + 3 * HOUR;
    const points = [p(from, 500, 20), p(from + 10 * MIN, 700, 21), p(from + 2 * HOUR + 5 * MIN, 1000)];
    const rows = bucketHistory(points, { from, to, bucketMs: HOUR, timeZone: 'Asia/Tokyo' });
    expect(rows.map((r) => new Date(r.start).toISOString())).toEqual(['2026-11-24T00:00:00.000Z', '2026-11-24T01:00:00.000Z', '2026-11-24T02:00:00.000Z', '2026-11-24T03:00:00.000Z']);
    expect(rows.map((r) => [r.co2Mean, r.co2Max, r.temperature, r.count])).toEqual([[600, 700, 20.5, 2], [null, null, null, 0], [1000, 1000, null, 1], [null, null, null, 0]]);
  });

  it('starts day buckets at local midnight, also on a 23-hour DST day', () => {
    // Europe/London springs forward on 2026-03-29: that local day is 23 hours long.
    const start = localBucketStart(Date.parse('2026-03-28T12:00:00Z'), 24 * HOUR, 'Europe/London');
    expect(new Date(start).toISOString()).toBe('2026-03-28T00:00:00.000Z');
    const rows = bucketHistory([], { from: start, to: Date.parse('2026-03-31T00:00:00Z'), bucketMs: 24 * HOUR, timeZone: 'Europe/London' });
    expect(rows.map((r) => new Date(r.start).toISOString())).toEqual(['2026-03-28T00:00:00.000Z', '2026-03-29T00:00:00.000Z', '2026-03-29T23:00:00.000Z', '2026-03-30T23:00:00.000Z']);
    // …and on the 25-hour day when it falls back (2026-10-25).
    expect(new Date(localBucketStart(Date.parse('2026-10-25T12:00:00Z'), 24 * HOUR, 'Europe/London')).toISOString()).toBe('2026-10-24T23:00:00.000Z');
    expect(new Date(localBucketStart(Date.parse('2026-10-25T12:00:00Z'), 6 * HOUR, 'Europe/London')).toISOString()).toBe('2026-10-25T12:00:00.000Z');
    expect(() => localBucketStart(0, 7 * MIN, 'Asia/Tokyo')).toThrow(RangeError);
  });

  it('summarises lowest, highest and newest values, skipping gaps', () => {
    expect(summarizeHistory([p(1, 450.4, 19.96), p(2, 1200.6), p(3, null)])).toEqual({ co2: { min: 450, max: 1201, latest: 1201, latestTime: 2 }, temperature: { min: 20, max: 20 }, humidity: null });
    expect(summarizeHistory([]).co2).toBeNull();
  });

  it('ends a range window at the next full minute', () => {
    const w = historyWindow('3h', Date.parse('2026-11-24T01:02:03Z'));
    expect(new Date(w.to).toISOString()).toBe('2026-11-24T01:03:00.000Z');
    expect(w.to - w.from).toBe(3 * HOUR);
  });
});

describe('opening hours in words', () => {
  const i18n = loadI18n({ timeZone: 'Asia/Tokyo' });
  const now = Date.parse('2026-11-24T00:00:00Z');
  it('groups days with equal hours, names the holiday rule and lists upcoming closures', () => {
    const facility = { hours: { 'mon-sat': '09:00-21:00', sat: '09:00-17:00', holiday: 'closed' }, holidays: 'closed' as const, closures: ['2026-11-01', '2026-12-29..2027-01-03'] };
    expect(describeOpeningHours(i18n.translator('ja'), facility, now, 'Asia/Tokyo')).toEqual(['月〜金 9:00〜21:00、土 9:00〜17:00、日 休み', '祝日 休み', '休館日: 12月29日〜1月3日']);
    expect(describeOpeningHours(i18n.translator('en'), { hours: { 'mon-sun': '08:45-24:00' }, holidays: 'as-weekday', closures: [] }, now, 'Asia/Tokyo')).toEqual(['Mon–Sun 8:45–24:00', 'Public holidays: as on that weekday']);
    expect(describeOpeningHours(i18n.translator('en'), { holidays: 'closed', closures: [] }, now, 'Asia/Tokyo')).toEqual(['Always open']);
  });
});
