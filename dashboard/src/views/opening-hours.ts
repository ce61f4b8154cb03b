/**
 * A facility's opening hours in words ("月〜金 8:45〜17:15、土・日 休み、祝日 休み"), from the
 * registry's `hours`, `holidays` and `closures`. The weekly pattern is read through the shared
 * opening calendar rather than re-parsing the keys here, so the page says exactly what the alert
 * hold-back logic believes.
 */
import { createOpeningCalendar, localDate } from '../../../common/calendar.ts';
import type { FacilityEntry } from '../../../common/registry.ts';
import type { Translator } from '../i18n/i18n.ts';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
/**
 * A Monday-to-Sunday week without a Japanese public holiday (June has none), on which every day's
 * schedule comes from its weekday key alone.
 */
const REFERENCE_WEEK = ['2026-06-01', '2026-06-02', '2026-06-03', '2026-06-04', '2026-06-05', '2026-06-06', '2026-06-07'] as const;
/** Upcoming closures listed at most; a facility's page is not its annual calendar. */
const MAX_CLOSURES = 3;

/** `08:45` → `8:45`: how times are written in notices. */
const wallTime = (hhmm: string): string => hhmm.replace(/^0(\d)/, '$1');

function spanText(t: Translator, open: { from: string; to: string } | null): string {
  return open ? t.t('hours.span', { from: wallTime(open.from), to: wallTime(open.to) }) : t.t('hours.closed');
}

function daysText(t: Translator, first: number, last: number): string {
  const day = (i: number) => t.t(`day.${DAYS[i] ?? 'mon'}`);
  if (first === last) return day(first);
  if (last === first + 1) return `${day(first)}${t.t('hours.dayList')}${day(last)}`;
  return t.t('hours.dayRange', { from: day(first), to: day(last) });
}

function closureText(t: Translator, entry: string): string {
  const [from = entry, to] = entry.split('..');
  // Closure entries are local dates already: format the date itself, not an instant in some zone.
  const format = new Intl.DateTimeFormat(t.locale, { timeZone: 'UTC', month: 'short', day: 'numeric' });
  const date = (d: string) => format.format(Date.parse(`${d}T00:00:00Z`));
  return to && to !== from ? t.t('hours.dayRange', { from: date(from), to: date(to) }) : date(from);
}

/**
 * The lines to show: the weekly pattern and the rule for public holidays (or "always open"), and the
 * next few closures that have not ended by `now`.
 */
export function describeOpeningHours(t: Translator, facility: Pick<FacilityEntry, 'hours' | 'holidays' | 'closures'>, now: number, timeZone: string): string[] {
  const lines = facility.hours ? weeklyLines(t, facility.hours, facility.holidays, timeZone) : [t.t('hours.always')];
  // Closures apply with or without hours (a shelter without hours still closes for maintenance).
  const today = localDate(now, timeZone);
  const upcoming = (facility.closures ?? []).filter((c) => (c.split('..')[1] ?? c) >= today).slice(0, MAX_CLOSURES);
  if (upcoming.length > 0) lines.push(t.t('hours.closures', { dates: upcoming.map((c) => closureText(t, c)).join(t.t('hours.separator')) }));
  return lines;
}

/** The weekly pattern (consecutive days with the same hours grouped) and the rule for public holidays. */
function weeklyLines(t: Translator, hours: NonNullable<FacilityEntry['hours']>, holidays: FacilityEntry['holidays'] | undefined, timeZone: string): string[] {
  const calendar = createOpeningCalendar({ hours, holidays, timeZone });
  const week = REFERENCE_WEEK.map((d) => spanText(t, calendar.scheduleOn(d).open));
  const groups: string[] = [];
  for (let first = 0; first < week.length; ) {
    let last = first;
    while (last + 1 < week.length && week[last + 1] === week[first]) last++;
    groups.push(t.t('hours.entry', { days: daysText(t, first, last), hours: week[first] ?? '' }));
    first = last + 1;
  }
  const lines = [groups.join(t.t('hours.separator'))];
  const holiday = hours.holiday;
  if (holiday !== undefined) {
    const [from = '', to = ''] = holiday.split('-');
    lines.push(t.t('hours.entry', { days: t.t('hours.holiday'), hours: holiday === 'closed' ? t.t('hours.closed') : t.t('hours.span', { from: wallTime(from), to: wallTime(to) }) }));
  } else {
    lines.push(holidays === 'as-weekday' ? t.t('hours.holidayAsWeekday') : t.t('hours.entry', { days: t.t('hours.holiday'), hours: t.t('hours.closed') }));
  }
  return lines;
}
