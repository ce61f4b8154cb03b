// Opening calendars with real dates. Every instant carries an explicit offset, and the process zone is
// set to Los Angeles for the whole file (Node honours a runtime TZ change), so a calendar that read
// local dates with the process zone, or passed a Date to holiday_jp, would fail here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ClosureSchema, createOpeningCalendar, holidayName, isJapaneseHoliday, localDate, localMinutes, validateHours,
  type OpeningCalendarOptions,
} from '../../common/calendar.ts';
import { KankiError } from '../../common/errors.ts';

/** An instant written as Tokyo wall time, e.g. `jst('2026-11-19T08:45')`. */
const jst = (wall: string) => Date.parse(`${wall}+09:00`);
const WARD_OFFICE = { 'mon-fri': '08:45-17:15' };

const previousTz = process.env.TZ;
beforeAll(() => {
  process.env.TZ = 'America/Los_Angeles';
});
afterAll(() => {
  if (previousTz === undefined) delete process.env.TZ;
  else process.env.TZ = previousTz;
});

function openAt(options: OpeningCalendarOptions, ...walls: string[]): boolean[] {
  const calendar = createOpeningCalendar(options);
  return walls.map((w) => calendar.isOpen(jst(w)));
}

describe('local time', () => {
  it('reads date and minutes in the given zone, not the process zone', () => {
    expect(new Date(jst('2026-11-20T00:30')).getDate()).toBe(19); // the process zone really is elsewhere
    expect(localDate(jst('2026-11-20T00:30'))).toBe('2026-11-20');
    expect(localMinutes(jst('2026-11-20T00:30'))).toBe(30);
    expect(localDate(jst('2026-11-20T00:30'), 'UTC')).toBe('2026-11-19');
    expect(localMinutes(jst('2026-11-20T00:30'), 'UTC')).toBe(15 * 60 + 30);
  });

  it('refuses an unknown zone with a config error', () => {
    expect(() => createOpeningCalendar({ timeZone: 'Asia/Nowhere' })).toThrow(/unknown time zone "Asia\/Nowhere"/);
  });
});

describe('weekday hours', () => {
  it('opens at the first minute and closes at the end minute (end-exclusive)', () => {
    // 2026-11-19 is a Thursday.
    expect(openAt({ hours: WARD_OFFICE }, '2026-11-19T08:44:59', '2026-11-19T08:45', '2026-11-19T17:14:59.999', '2026-11-19T17:15'))
      .toEqual([false, true, true, false]);
  });

  it('keeps a mon-fri facility closed on Saturday and Sunday', () => {
    expect(openAt({ hours: WARD_OFFICE }, '2026-11-21T12:00', '2026-11-22T12:00')).toEqual([false, false]);
  });

  it('lets a single day override the range that contains it', () => {
    const hours = { 'mon-sat': '09:00-21:00', sat: '09:00-12:00' };
    // Fri 13:00 open by the range; Sat 13:00 closed by the Saturday key; Sunday is not named at all.
    expect(openAt({ hours }, '2026-11-20T13:00', '2026-11-21T11:59', '2026-11-21T13:00', '2026-11-22T10:00'))
      .toEqual([true, true, false, false]);
    // Written the other way round: specificity decides, not the order of the keys.
    expect(openAt({ hours: { sat: '09:00-12:00', 'mon-sat': '09:00-21:00' } }, '2026-11-21T13:00', '2026-11-20T13:00'))
      .toEqual([false, true]);
    expect(openAt({ hours: { 'mon-sat': '09:00-21:00', sun: '09:00-17:00' } }, '2026-11-22T16:59', '2026-11-22T17:00'))
      .toEqual([true, false]);
  });

  it('lets a range override a wider range that contains it', () => {
    const hours = { 'mon-sun': '10:00-16:00', 'mon-fri': '08:00-20:00' };
    expect(openAt({ hours }, '2026-11-18T19:00', '2026-11-22T19:00', '2026-11-22T12:00')).toEqual([true, false, true]);
  });

  it('reads a range that wraps the week end forward (fri-mon = fri, sat, sun, mon)', () => {
    const hours = { 'fri-mon': '10:00-18:00' };
    // Fri 13, Sat 14, Sun 15, Mon 16 open; Tue 17, Wed 18, Thu 19 closed.
    const days = ['13', '14', '15', '16', '17', '18', '19'].map((d) => `2026-11-${d}T12:00`);
    expect(openAt({ hours }, ...days)).toEqual([true, true, true, true, false, false, false]);
  });

  it('treats a "closed" key as closed, also when it overrides a range', () => {
    expect(openAt({ hours: { 'mon-fri': '08:00-17:00', wed: 'closed' } }, '2026-11-17T12:00', '2026-11-18T12:00'))
      .toEqual([true, false]);
  });
});

describe('Japanese public holidays', () => {
  it('knows national, substitute and citizens\' holidays, in 2026 and 2027', () => {
    expect(holidayName('2026-11-23')).toBe('勤労感謝の日');
    expect(holidayName('2026-11-03')).toBe('文化の日');
    expect(holidayName('2026-05-06')).toMatch(/振替休日/);
    expect(holidayName('2026-09-22')).toBe('国民の休日');
    expect(holidayName('2027-01-11')).toBe('成人の日');
    expect(isJapaneseHoliday('2027-11-23')).toBe(true);
    expect(isJapaneseHoliday('2027-03-22')).toBe(true); // 春分の日 振替休日
    expect(isJapaneseHoliday('2026-11-24')).toBe(false);
    expect(isJapaneseHoliday('2026-12-31')).toBe(false);
    expect(holidayName('constructor')).toBeUndefined();
  });

  it('closes on a holiday without a holiday key', () => {
    // Mon 2026-11-23 勤労感謝の日, Tue 2026-11-03 文化の日, Wed 2026-05-06 振替休日; Tue 2026-11-24 an ordinary day.
    expect(openAt({ hours: WARD_OFFICE }, '2026-11-23T10:00', '2026-11-03T10:00', '2026-05-06T10:00', '2026-11-24T10:00'))
      .toEqual([false, false, false, true]);
  });

  it('opens a holiday like its weekday with holidays: as-weekday', () => {
    expect(openAt({ hours: WARD_OFFICE, holidays: 'as-weekday' }, '2026-11-23T10:00', '2026-11-23T08:00')).toEqual([true, false]);
  });

  it('uses the holiday key when present, whatever the policy', () => {
    const hours = { 'mon-sat': '09:00-21:00', holiday: '10:00-15:00' };
    expect(openAt({ hours }, '2026-11-23T09:30', '2026-11-23T10:00', '2026-11-23T15:00')).toEqual([false, true, false]);
    // A holiday on a day the facility is normally closed: the holiday key still opens it (Sun 2026-05-03).
    expect(openAt({ hours }, '2026-05-03T12:00', '2026-05-10T12:00')).toEqual([true, false]);
    const closedOnHolidays = { 'mon-fri': '08:45-17:15', holiday: 'closed' };
    expect(openAt({ hours: closedOnHolidays, holidays: 'as-weekday' }, '2026-11-23T10:00')).toEqual([false]);
  });

  it('explains the day for messages', () => {
    const calendar = createOpeningCalendar({ hours: WARD_OFFICE });
    expect(calendar.scheduleOn('2026-11-23')).toEqual({ date: '2026-11-23', open: null, reason: 'holiday', holiday: '勤労感謝の日' });
    expect(calendar.scheduleOn('2026-11-24')).toEqual({ date: '2026-11-24', open: { from: '08:45', to: '17:15' }, reason: 'weekday' });
    expect(calendar.scheduleOn('2026-11-22')).toEqual({ date: '2026-11-22', open: null, reason: 'weekday' });
    expect(() => calendar.scheduleOn('2026-02-30')).toThrow(RangeError);
  });
});

describe('closures', () => {
  const yearEnd = { hours: WARD_OFFICE, closures: ['2026-11-19', '2026-12-29..2027-01-03'] };

  it('closes a single day all day', () => {
    expect(openAt(yearEnd, '2026-11-18T10:00', '2026-11-19T08:45', '2026-11-19T12:00', '2026-11-20T10:00'))
      .toEqual([true, false, false, true]);
  });

  it('closes every day of a range spanning New Year, then reopens', () => {
    expect(openAt(yearEnd, '2026-12-28T10:00', '2026-12-29T10:00', '2026-12-31T10:00', '2027-01-01T10:00', '2027-01-04T10:00'))
      .toEqual([true, false, false, false, true]);
  });

  it('wins over the holiday key and over having no hours at all', () => {
    expect(openAt({ hours: { 'mon-sun': '09:00-17:00', holiday: '09:00-17:00' }, closures: ['2027-01-01'] }, '2027-01-01T10:00'))
      .toEqual([false]);
    expect(openAt({ closures: ['2027-01-03'] }, '2027-01-02T23:59', '2027-01-03T00:00', '2027-01-03T23:59', '2027-01-04T00:00'))
      .toEqual([true, false, false, true]);
    expect(createOpeningCalendar(yearEnd).scheduleOn('2027-01-01')).toEqual({ date: '2027-01-01', open: null, reason: 'closure', holiday: '元日' });
  });

  it('validates entries: real dates, one or two of them, in order', () => {
    expect(ClosureSchema.safeParse('2026-11-19').success).toBe(true);
    expect(ClosureSchema.safeParse('2026-12-29..2027-01-03').success).toBe(true);
    expect(ClosureSchema.safeParse('2026-12-29..2026-12-29').success).toBe(true);
    const messages = (entry: string) => ClosureSchema.safeParse(entry).error?.issues.map((i) => i.message);
    expect(messages('2026-02-30')).toEqual(['"2026-02-30" is not a real date']);
    expect(messages('2027-01-03..2026-12-29')).toEqual(['the range ends (2026-12-29) before it starts (2027-01-03)']);
    expect(messages('2026-12-29..2027-01-03..2027-01-05')?.[0]).toMatch(/inclusive range/);
    expect(messages('29/12/2026')?.[0]).toMatch(/inclusive range/);
    expect(() => createOpeningCalendar({ closures: ['2026-13-01'] })).toThrow(KankiError);
  });
});

describe('nextOpening', () => {
  const wardOffice = createOpeningCalendar({ hours: WARD_OFFICE, closures: ['2026-12-29..2027-01-03'] });

  it('is the instant itself while open', () => {
    expect(wardOffice.nextOpening(jst('2026-11-19T10:00:30'))).toBe(jst('2026-11-19T10:00:30'));
  });

  it('is later the same day before opening', () => {
    expect(wardOffice.nextOpening(jst('2026-11-19T07:00'))).toBe(jst('2026-11-19T08:45'));
  });

  it('skips the weekend: Friday evening → Monday morning', () => {
    expect(wardOffice.nextOpening(jst('2026-11-13T17:15'))).toBe(jst('2026-11-16T08:45'));
  });

  it('skips a holiday Monday: Friday evening → Tuesday morning', () => {
    expect(wardOffice.nextOpening(jst('2026-11-20T18:00'))).toBe(jst('2026-11-24T08:45'));
  });

  it('skips the year-end closure', () => {
    expect(wardOffice.nextOpening(jst('2026-12-28T17:30'))).toBe(jst('2027-01-04T08:45'));
  });

  it('is the instant itself when there are no hours', () => {
    const shelter = createOpeningCalendar({});
    expect(shelter.nextOpening(jst('2026-11-21T03:17'))).toBe(jst('2026-11-21T03:17'));
    const closedOnce = createOpeningCalendar({ closures: ['2026-11-21'] });
    expect(closedOnce.nextOpening(jst('2026-11-21T03:17'))).toBe(jst('2026-11-22T00:00'));
  });

  it('is null when the facility never opens within the horizon', () => {
    expect(createOpeningCalendar({ hours: { 'mon-sun': 'closed' } }).nextOpening(jst('2026-11-19T10:00'))).toBeNull();
    expect(createOpeningCalendar({ hours: {} }).nextOpening(jst('2026-11-19T10:00'))).toBeNull();
    expect(createOpeningCalendar({ closures: ['2026-01-01..2028-12-31'] }).nextOpening(jst('2026-11-19T10:00'))).toBeNull();
  });

  it('treats consecutive 00:00-24:00 days as one open stretch across midnight', () => {
    const weekend = createOpeningCalendar({ hours: { 'sat-sun': '00:00-24:00', fri: '20:00-24:00' } });
    expect([jst('2026-11-21T23:59:59'), jst('2026-11-22T00:00'), jst('2026-11-22T23:59'), jst('2026-11-23T00:00')].map(weekend.isOpen))
      .toEqual([true, true, true, false]);
    expect(weekend.nextOpening(jst('2026-11-22T00:00'))).toBe(jst('2026-11-22T00:00'));
    expect(weekend.nextOpening(jst('2026-11-19T12:00'))).toBe(jst('2026-11-20T20:00'));
    expect(weekend.nextOpening(jst('2026-11-20T23:59:59.999'))).toBe(jst('2026-11-20T23:59:59.999'));
  });

  it('follows the facility zone through a DST change', () => {
    // Berlin springs forward on Sun 2026-03-29 at 02:00 → 03:00: an opening at 02:30 happens at the jump.
    const early = createOpeningCalendar({ hours: { sun: '02:30-05:00' }, timeZone: 'Europe/Berlin' });
    expect(early.nextOpening(Date.parse('2026-03-28T12:00+01:00'))).toBe(Date.parse('2026-03-29T03:00+02:00'));
    // It falls back on Sun 2026-10-25 at 03:00 → 02:00: 02:30 happens twice, the first one counts.
    expect(early.nextOpening(Date.parse('2026-10-24T12:00+02:00'))).toBe(Date.parse('2026-10-25T02:30+02:00'));
    const office = createOpeningCalendar({ hours: { 'mon-fri': '09:00-17:00' }, timeZone: 'Europe/Berlin', holidays: 'as-weekday' });
    expect(office.nextOpening(Date.parse('2026-03-27T18:00+01:00'))).toBe(Date.parse('2026-03-30T09:00+02:00'));
  });
});

describe('validateHours', () => {
  it('accepts the demo registry\'s hours', () => {
    expect(validateHours({ 'mon-fri': '08:45-17:15' })).toEqual([]);
    expect(validateHours({ 'mon-sat': '09:00-21:00', sun: '09:00-17:00', holiday: 'closed' })).toEqual([]);
    expect(validateHours({ 'mon-sun': '09:00-21:30', 'mon-fri': '08:00-22:00', wed: 'closed' })).toEqual([]);
  });

  it('reports two keys covering a day with the same or incomparable days', () => {
    expect(validateHours({ 'mon-sun': '09:00-17:00', 'tue-mon': '10:00-16:00' }))
      .toEqual(['tue-mon: covers the same days as "mon-sun" (mon, tue, wed, thu, fri, sat, sun); a day may only be covered by a key nested inside another']);
    expect(validateHours({ 'mon-wed': '09:00-17:00', 'wed-fri': '10:00-16:00' }))
      .toEqual(['wed-fri: partly overlaps "mon-wed" (wed); a day may only be covered by a key nested inside another']);
  });

  it('reports bad keys and values, one line each, prefixed by the key', () => {
    expect(validateHours({
      'mon-mon': '09:00-17:00',
      'holiday-fri': '09:00-17:00',
      monday: '09:00-17:00',
      tue: '9-17',
      wed: '17:00-08:00',
      thu: '09:00-24:30',
      fri: '00:00-24:00',
    })).toEqual([
      'mon-mon: a range needs two different days; write "mon" or "mon-sun"',
      'holiday-fri: "holiday" cannot start a range',
      'monday: day keys are mon…sun, a range like mon-fri, or holiday',
      'tue: hours look like "08:45-17:15" or "closed"',
      'wed: "17:00-08:00" closes before it opens; write hours past midnight as two days, e.g. fri: "18:00-24:00", sat: "00:00-02:00"',
      'thu: "09:00-24:30": times run from 00:00 to 24:00',
    ]);
  });

  it('makes createOpeningCalendar refuse invalid hours', () => {
    expect(() => createOpeningCalendar({ hours: { 'mon-fri': '09:00-17:00', 'fri-sat': '10:00-12:00' } }))
      .toThrow(/invalid opening calendar: fri-sat: partly overlaps "mon-fri" \(fri\)/);
  });
});
