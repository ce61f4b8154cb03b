/**
 * Opening calendars: is a facility open at a given instant, and when does it next open. Alerts
 * raised outside opening hours are recorded, but their notifications wait for the next opening, so
 * nobody is paged at night about an empty classroom.
 *
 * Rules, in order of precedence, for one local date in the facility's zone:
 * 1. A closure (`2026-11-19` or `2026-12-29..2027-01-03`, inclusive) closes the whole day.
 * 2. No `hours` at all means open all day (a shelter in use).
 * 3. On a Japanese public holiday (祝日, 振替休日, 国民の休日, as `@holiday-jp/holiday_jp` lists them)
 *    the `holiday` key applies if present; without it the day is closed, or — with
 *    `holidays: 'as-weekday'` — treated like any other day of its weekday.
 * 4. Otherwise the most specific key naming the weekday applies; an unnamed day is closed.
 *
 * Hours are end-exclusive (`08:45-17:15` is open at 08:45:00, closed at 17:15:00), one range per day;
 * `24:00` as the end means "until midnight", so two consecutive `00:00-24:00` days are one open stretch.
 */
import holidayJp from '@holiday-jp/holiday_jp';
import { z } from 'zod';
import { ConfigError } from './errors.ts';

/** The zone of every Kanki facility so far; a parameter so the logic never leans on the process zone. */
export const DEFAULT_TIME_ZONE = 'Asia/Tokyo';

/** How far `nextOpening` looks ahead: a year plus the longest plausible closure (year-end, summer). */
export const NEXT_OPENING_HORIZON_DAYS = 400;

/** A facility's `hours` as the registry's `HoursSchema` parses them (key → `"HH:MM-HH:MM"` or `"closed"`). */
export type OpeningHours = Readonly<Record<string, string>>;

/** What a holiday means for a facility whose `hours` have no `holiday` key. */
export type HolidayPolicy = 'closed' | 'as-weekday';

/** Options of {@link createOpeningCalendar}. */
export type OpeningCalendarOptions = {
  /** Opening hours; absent means always open (closures still apply). */
  hours?: OpeningHours;
  /** Closure entries, each valid by {@link ClosureSchema}. */
  closures?: readonly string[];
  /** IANA zone in which dates, weekdays and hours are read. Default `Asia/Tokyo`. */
  timeZone?: string;
  /** Without a `holiday` key: `'closed'` (default, like ward offices and schools) or `'as-weekday'`. */
  holidays?: HolidayPolicy;
};

/** One local date's resolved hours, and why — for messages like "held until Tue 08:45 (勤労感謝の日)". */
export type DaySchedule = {
  /** `YYYY-MM-DD` in the calendar's zone. */
  date: string;
  /** Opening and closing wall times (`"08:45"`, `"24:00"`), or null when closed all day. */
  open: { from: string; to: string } | null;
  /** The rule that decided: a closure, the holiday rule, the weekday's hours, or no hours at all. */
  reason: 'closure' | 'holiday' | 'weekday' | 'always-open';
  /** The holiday's Japanese name when the date is a public holiday, whatever the rule that decided. */
  holiday?: string;
};

/** A facility's opening calendar. All instants are epoch milliseconds. */
export type OpeningCalendar = {
  readonly timeZone: string;
  /** Whether the facility is open at `at`. */
  isOpen(at: number): boolean;
  /**
   * The first instant at or after `at` when it is open (`at` itself if open now); null if it does not
   * open within {@link NEXT_OPENING_HORIZON_DAYS} (all days closed, or a closure longer than that).
   */
  nextOpening(at: number): number | null;
  /** The resolved schedule of one local date (`YYYY-MM-DD`). */
  scheduleOn(localDate: string): DaySchedule;
};

const MINUTE = 60_000;
const DAY_MS = 86_400_000;
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const KEY = /^(mon|tue|wed|thu|fri|sat|sun|holiday)(?:-(mon|tue|wed|thu|fri|sat|sun))?$/;
const VALUE = /^(\d\d):(\d\d)-(\d\d):(\d\d)$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

type Span = { start: number; end: number };

// Building a DateTimeFormat costs far more than using one; zones are few, so keep one per zone.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
      });
    } catch (err) {
      throw new ConfigError(`unknown time zone "${timeZone}"`, { cause: err });
    }
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall clock at `at` in `timeZone`: local date and minutes since local midnight. */
function wallClock(at: number, timeZone: string): { date: string; minutes: number } {
  const p: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(at)) p[part.type] = part.value;
  // `% 24`: some ICU versions still print midnight as "24" despite h23.
  return { date: `${p.year}-${p.month}-${p.day}`, minutes: (Number(p.hour) % 24) * 60 + Number(p.minute) };
}

/** The local calendar date (`YYYY-MM-DD`) of instant `at` in `timeZone`. Throws `ConfigError` for an unknown zone. */
export function localDate(at: number, timeZone: string = DEFAULT_TIME_ZONE): string {
  return wallClock(at, timeZone).date;
}

/** Minutes since local midnight (0–1439) of instant `at` in `timeZone`, seconds dropped. */
export function localMinutes(at: number, timeZone: string = DEFAULT_TIME_ZONE): number {
  return wallClock(at, timeZone).minutes;
}

/** Midnight UTC of a `YYYY-MM-DD` date: a plain day count for arithmetic, not a real instant. */
function utcDay(date: string): number {
  const m = DATE.exec(date);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
}

function addDays(date: string, days: number): string {
  return new Date(utcDay(date) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The local wall time of `at` read as if it were UTC; minus `at` it gives the zone's offset. */
function wallAsUtc(at: number, timeZone: string): number {
  const w = wallClock(at, timeZone);
  return utcDay(w.date) + w.minutes * MINUTE;
}

/**
 * The first instant whose wall clock in `timeZone` reads `minutes` on `date` or later. Japan has no
 * DST; elsewhere a fall-back overlap gives the first occurrence and a spring-forward gap the moment
 * the clocks jump, so an opening at a skipped time still happens that night.
 */
function firstInstantAt(date: string, minutes: number, timeZone: string): number {
  const wall = utcDay(date) + minutes * MINUTE;
  // The offsets a day either side: no zone changes its offset twice within two days.
  const offsets = [wall - DAY_MS, wall + DAY_MS].map((t) => wallAsUtc(t, timeZone) - Math.floor(t / MINUTE) * MINUTE);
  const exact = offsets.map((o) => wall - o).filter((t) => wallAsUtc(t, timeZone) === wall);
  if (exact.length > 0) return Math.min(...exact);
  let before = wall - Math.max(...offsets);
  let after = wall - Math.min(...offsets);
  while (after - before > MINUTE) {
    const mid = before + Math.floor((after - before) / 2 / MINUTE) * MINUTE;
    if (wallAsUtc(mid, timeZone) >= wall) after = mid;
    else before = mid;
  }
  return after;
}

// The package's data as a plain lookup; `isHoliday(Date)` would read the date in the process zone.
const HOLIDAYS: Readonly<Record<string, { name: string } | undefined>> = holidayJp.holidays;

/** The Japanese name of the public holiday on `localDate` (`YYYY-MM-DD`), or undefined. Known for 1970–2050. */
export function holidayName(localDate: string): string | undefined {
  if (!Object.hasOwn(HOLIDAYS, localDate)) return undefined;
  const name = HOLIDAYS[localDate]?.name;
  // The package calls 国民の休日 just "休日", which reads as "a day off" in a message.
  return name === '休日' ? '国民の休日' : name;
}

/** Whether `localDate` (`YYYY-MM-DD`) is a Japanese public holiday, substitute and citizens' holidays included. */
export function isJapaneseHoliday(localDate: string): boolean {
  return holidayName(localDate) !== undefined;
}

function isRealDate(date: string): boolean {
  const t = utcDay(date);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === date;
}

/** The inclusive date range of a closure entry, or the problem with it. */
function parseClosure(entry: string): { from: string; to: string } | string {
  const parts = entry.split('..');
  const from = parts[0] ?? '';
  const to = parts[1] ?? from;
  if (parts.length > 2 || !DATE.test(from) || !DATE.test(to)) {
    return 'a closure is a date "2026-11-19" or an inclusive range "2026-12-29..2027-01-03"';
  }
  const bad = [from, to].find((d) => !isRealDate(d));
  if (bad !== undefined) return `"${bad}" is not a real date`;
  if (to < from) return `the range ends (${to}) before it starts (${from})`;
  return { from, to };
}

/** One closure entry: `YYYY-MM-DD`, or `YYYY-MM-DD..YYYY-MM-DD` inclusive with start ≤ end. Output stays the string. */
export const ClosureSchema = z.string().superRefine((entry, ctx) => {
  const parsed = parseClosure(entry);
  if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
});

/** Weekdays a key covers as a bit mask (bit 0 = mon), 0 for `holiday`, or the problem with the key. */
function parseKey(key: string): number | string {
  const m = KEY.exec(key);
  if (!m) return 'day keys are mon…sun, a range like mon-fri, or holiday';
  const [, first = '', last] = m;
  if (first === 'holiday') return last === undefined ? 0 : '"holiday" cannot start a range';
  const from = DAYS.indexOf(first as (typeof DAYS)[number]);
  if (last === undefined) return 1 << from;
  const to = DAYS.indexOf(last as (typeof DAYS)[number]);
  if (to === from) return `a range needs two different days; write "${first}" or "${first}-${DAYS[(from + 6) % 7]}"`;
  // Ranges run forward through the week, so `fri-mon` is fri, sat, sun, mon (weekend facilities).
  let mask = 0;
  for (let d = from; ; d = (d + 1) % 7) {
    mask |= 1 << d;
    if (d === to) return mask;
  }
}

/** The span of a value, null for `closed`, or the problem with it. */
function parseValue(value: string): Span | null | string {
  if (value === 'closed') return null;
  const m = VALUE.exec(value);
  if (!m) return 'hours look like "08:45-17:15" or "closed"';
  const [sh, sm, eh, em] = m.slice(1).map(Number) as [number, number, number, number];
  const start = sh * 60 + sm;
  const end = eh * 60 + em;
  if (sh > 23 || sm > 59 || em > 59 || end > 24 * 60) return `"${value}": times run from 00:00 to 24:00`;
  if (end <= start) {
    return `"${value}" closes before it opens; write hours past midnight as two days, e.g. fri: "18:00-24:00", sat: "00:00-02:00"`;
  }
  return { start, end };
}

const daysIn = (mask: number) => DAYS.filter((_, i) => mask & (1 << i));

/**
 * Every problem with a facility's `hours`, each as `"<key>: <message>"` so the registry can prefix its
 * path. A key wins over another only if its days lie strictly inside the other's (`sat` inside
 * `mon-sat`, `mon-fri` inside `mon-sun`); keys with the same days, or overlapping without one holding
 * the other (`mon-wed` and `wed-fri`), are reported — which hours would apply there is a guess.
 */
export function validateHours(hours: OpeningHours): string[] {
  const problems: string[] = [];
  const seen: { key: string; mask: number }[] = [];
  for (const [key, value] of Object.entries(hours)) {
    const mask = parseKey(key);
    const span = parseValue(value);
    if (typeof mask === 'string') problems.push(`${key}: ${mask}`);
    if (typeof span === 'string') problems.push(`${key}: ${span}`);
    if (typeof mask !== 'number' || mask === 0) continue;
    for (const other of seen) {
      const common = mask & other.mask;
      if (common === 0 || (common === mask) !== (common === other.mask)) continue;
      const how = mask === other.mask ? 'covers the same days as' : 'partly overlaps';
      problems.push(`${key}: ${how} "${other.key}" (${daysIn(common).join(', ')}); a day may only be covered by a key nested inside another`);
    }
    seen.push({ key, mask });
  }
  return problems;
}

/** Per weekday (0 = mon) the span of the most specific key, null when closed or unnamed; plus the holiday key. */
function resolveHours(hours: OpeningHours): { week: (Span | null)[]; holiday: Span | null | undefined } {
  const week: (Span | null)[] = DAYS.map(() => null);
  const width = DAYS.map(() => 8);
  let holiday: Span | null | undefined;
  for (const [key, value] of Object.entries(hours)) {
    const mask = parseKey(key) as number;
    const span = parseValue(value) as Span | null;
    if (mask === 0) holiday = span;
    const size = daysIn(mask).length;
    DAYS.forEach((_, d) => {
      if (mask & (1 << d) && size < (width[d] ?? 8)) [week[d], width[d]] = [span, size];
    });
  }
  return { week, holiday };
}

const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/**
 * Builds the opening calendar of one facility. Throws `ConfigError` for invalid hours, closures or
 * zone; the registry reports the same problems earlier, with paths, via {@link validateHours} and
 * {@link ClosureSchema}.
 */
export function createOpeningCalendar(options: OpeningCalendarOptions = {}): OpeningCalendar {
  const { hours, closures = [], timeZone = DEFAULT_TIME_ZONE, holidays = 'closed' } = options;
  formatterFor(timeZone);
  const problems = hours ? validateHours(hours) : [];
  const ranges = closures.map((c) => {
    const parsed = parseClosure(c);
    if (typeof parsed === 'string') problems.push(`closure "${c}": ${parsed}`);
    return parsed;
  }).filter((r) => typeof r !== 'string');
  if (problems.length > 0) throw new ConfigError(`invalid opening calendar: ${problems.join('; ')}`);
  const resolved = hours ? resolveHours(hours) : undefined;

  function resolve(date: string): { span: Span | null; reason: DaySchedule['reason']; holiday?: string } {
    const holiday = holidayName(date);
    const base = holiday === undefined ? {} : { holiday };
    if (ranges.some((r) => r.from <= date && date <= r.to)) return { span: null, reason: 'closure', ...base };
    if (!resolved) return { span: { start: 0, end: 24 * 60 }, reason: 'always-open', ...base };
    if (holiday !== undefined && resolved.holiday !== undefined) return { span: resolved.holiday, reason: 'holiday', holiday };
    if (holiday !== undefined && holidays === 'closed') return { span: null, reason: 'holiday', holiday };
    const weekday = (new Date(utcDay(date)).getUTCDay() + 6) % 7;
    return { span: resolved.week[weekday] ?? null, reason: 'weekday', ...base };
  }

  function isOpen(at: number): boolean {
    const { date, minutes } = wallClock(at, timeZone);
    const { span } = resolve(date);
    return span !== null && span.start <= minutes && minutes < span.end;
  }

  return Object.freeze({
    timeZone,
    isOpen,
    nextOpening(at: number): number | null {
      if (isOpen(at)) return at;
      const now = wallClock(at, timeZone);
      // Day by day: the first open day's opening time is the answer, except today once it has passed.
      for (let i = 0; i <= NEXT_OPENING_HORIZON_DAYS; i++) {
        const date = addDays(now.date, i);
        const { span } = resolve(date);
        if (!span || (i === 0 && now.minutes >= span.start)) continue;
        const t = Math.max(at, firstInstantAt(date, span.start, timeZone));
        // Guards the DST corner cases: whatever is returned is an instant `isOpen` agrees with.
        if (isOpen(t)) return t;
      }
      return null;
    },
    scheduleOn(date: string): DaySchedule {
      if (!isRealDate(date)) throw new RangeError(`"${date}" is not a date like 2026-11-23`);
      const { span, ...why } = resolve(date);
      return { date, open: span && { from: hhmm(span.start), to: hhmm(span.end) }, ...why };
    },
  });
}
