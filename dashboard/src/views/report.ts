/**
 * The public monthly report page of one facility: what was counted (period, opening hours, the
 * days left out, the data used), then one section per room with a table of its figures and a table
 * of its worst days, and a link to the same figures as CSV. No device ids, no staff data: the ward
 * publishes these pages as they are.
 */
import type { DaySchedule } from '../../../common/calendar.ts';
import type { I18n, Translator } from '../i18n/i18n.ts';
import { coveragePercent, type MonthRange } from '../report/compliance.ts';
import { REPORT_LICENSE_URL } from '../report/report-csv.ts';
import type { FacilityReport, RoomReport } from '../report/report-data.ts';
import { html, type SafeHtml } from './html.ts';
import { ASSETS_PATH, renderPage } from './layout.ts';
import { describeOpeningHours } from './opening-hours.ts';

/** What the page shows; the route gathers it. */
export type ReportPageModel = {
  t: Translator;
  i18n: I18n;
  report: FacilityReport;
  /** Months that may be asked for, for the previous/next links and the month field. */
  earliestMonth: string;
  latestMonth: string;
  previousMonth: string;
  nextMonth: string;
  /** Days the per-minute data is kept, for the hourly-fallback note. */
  minuteRetentionDays: number;
  /** Minutes a reading stands for (the stale limit), for the counting rules. */
  holdMinutes: number;
};

/** `2026年11月` / `November 2026`. */
export function monthLabel(t: Translator, month: string): string {
  return new Intl.DateTimeFormat(t.locale, { year: 'numeric', month: 'long', timeZone: 'UTC' }).format(Date.parse(`${month}-01T00:00:00Z`));
}

/** `11月4日(水)` / `Wed 4 November`. */
function dayLabel(t: Translator, date: string): string {
  return new Intl.DateTimeFormat(t.locale, { month: 'long', day: 'numeric', weekday: 'short', timeZone: 'UTC' }).format(Date.parse(`${date}T00:00:00Z`));
}

/**
 * The weekly hours and the holiday rule, worded as on the facility page. The month's closures are
 * listed separately (as days left out), so none are passed here.
 */
function hoursText(t: Translator, report: FacilityReport): string {
  const f = report.facility;
  if (!f.hours) return t.t('report.allDay');
  return describeOpeningHours(t, { hours: f.hours, holidays: f.holidays, closures: [] }, report.until, report.range.timeZone).join(t.t('hours.separator'));
}

function leftOut(t: Translator, days: readonly DaySchedule[]): string {
  if (days.length === 0) return t.t('report.none');
  return days.map((d) => `${dayLabel(t, d.date)} ${d.reason === 'closure' ? t.t('report.closure') : t.t('report.holiday', { name: d.holiday ?? '' })}`).join(' / ');
}

function periodText(t: Translator, range: MonthRange, report: FacilityReport): string {
  const first = range.days[0]?.date ?? `${range.month}-01`;
  const last = range.days[range.days.length - 1]?.date ?? first;
  const period = t.t('report.periodValue', { from: dayLabel(t, first), to: dayLabel(t, last) });
  return report.partial ? `${period} — ${t.t('report.asOf', { time: t.dateTime(report.until) })}` : period;
}

/** `162` or `171.5`: opening time is mostly whole hours, and "162.0" reads like a measurement. */
const upToOneDecimal = (t: Translator, n: number) => new Intl.NumberFormat(t.locale, { maximumFractionDigits: 1 }).format(n);
const hours = (t: Translator, minutes: number) => t.t('report.hours', { n: t.number(minutes / 60, 1) });

function roomSection(m: ReportPageModel, room: RoomReport): SafeHtml {
  const { t, report } = m;
  const f = room.figures;
  const name = t.name(room.name);
  const month = monthLabel(t, report.range.month);
  const id = `room-${room.id}`;
  const coverage = coveragePercent(f.coverage);
  const ppm = (n: number) => t.t('report.ppm', { n: t.number(n) });
  const worst = f.worstDays.length === 0
    ? html`<p class="report-no-worst">${t.t('report.noWorstDays', { ppm: room.thresholds.ventilate })}</p>`
    : html`<table class="report-worst">
<caption>${t.t('report.worstCaption', { room: name, ppm: room.thresholds.ventilate })}</caption>
<thead><tr><th scope="col">${t.t('report.date')}</th><th scope="col" class="num">${t.t('report.dayAtOrAbove', { ppm: room.thresholds.ventilate })}</th><th scope="col" class="num">${t.t('report.dayMax')}</th></tr></thead>
<tbody>${f.worstDays.map((d) => html`<tr data-date="${d.date}"><th scope="row">${dayLabel(t, d.date)}</th><td class="num">${t.t('report.minutes', { n: t.number(d.minutesAtOrAboveVentilate) })}</td><td class="num">${ppm(d.maxCo2)}</td></tr>`)}</tbody>
</table>`;
  return html`<section class="report-room" data-room="${report.facility.id}/${room.id}" aria-labelledby="${id}">
<h2 id="${id}">${name}</h2>
<table class="report-figures">
<caption>${t.t('report.figuresCaption', { room: name, month })}</caption>
<tbody>
<tr><th scope="row">${t.t('report.timeAtOrAbove', { ppm: room.thresholds.ventilate, level: t.t('level.ventilate') })}</th><td class="num" data-figure="ventilate">${hours(t, f.minutesAtOrAboveVentilate)}</td></tr>
<tr><th scope="row">${t.t('report.timeAtOrAbove', { ppm: room.thresholds.critical, level: t.t('level.critical') })}</th><td class="num" data-figure="critical">${hours(t, f.minutesAtOrAboveCritical)}</td></tr>
<tr><th scope="row">${t.t(report.resolution === '1m' ? 'report.max' : 'report.maxHourly')}</th><td class="num" data-figure="max">${f.maxCo2 === null ? t.t('report.noData') : ppm(f.maxCo2)}</td></tr>
<tr><th scope="row">${t.t('report.coverage')}</th><td class="num" data-figure="coverage">${coverage === null ? t.t('report.noData') : t.t('report.percent', { n: t.number(coverage, 1) })}</td></tr>
</tbody>
</table>
${worst}
</section>`;
}

function monthNav(m: ReportPageModel, base: string): SafeHtml {
  const { t, report } = m;
  const month = report.range.month;
  return html`<nav class="report-months" aria-label="${t.t('report.nav')}">
${month > m.earliestMonth ? html`<a rel="prev" href="${base}?month=${m.previousMonth}">${t.t('report.prev')}</a>` : ''}
${month < m.latestMonth ? html`<a rel="next" href="${base}?month=${m.nextMonth}">${t.t('report.next')}</a>` : ''}
<form method="get" action="${base}">
<label>${t.t('report.pickMonth')} <input type="month" name="month" value="${month}" min="${m.earliestMonth}" max="${m.latestMonth}" required></label>
<input type="hidden" name="lang" value="${t.lang}">
<button type="submit" class="button">${t.t('report.show')}</button>
</form>
</nav>`;
}

/** Renders the complete HTML document. */
export function renderReportPage(m: ReportPageModel): string {
  const { t, report } = m;
  const base = `/facilities/${report.facility.id}/report`;
  const title = t.t('report.title', { facility: t.name(report.facility.name), month: monthLabel(t, report.range.month) });
  const body = html`<article class="report">
<h1>${title}</h1>
<p class="lead">${t.t('report.lead')}</p>
${monthNav(m, base)}
<dl class="report-facts">
<div><dt>${t.t('report.period')}</dt><dd>${periodText(t, report.range, report)}</dd></div>
<div><dt>${t.t('report.openingHours')}</dt><dd>${hoursText(t, report)}</dd></div>
<div><dt>${t.t('report.daysLeftOut')}</dt><dd>${leftOut(t, report.closedDays)}</dd></div>
<div><dt>${t.t('report.counted')}</dt><dd data-figure="open-time">${t.t('report.countedValue', { days: report.openDays, hours: upToOneDecimal(t, report.openMinutes / 60) })}</dd></div>
<div><dt>${t.t('report.data')}</dt><dd data-resolution="${report.resolution}">${t.t(`report.resolution.${report.resolution}`)}</dd></div>
</dl>
${report.resolution === '1h' ? html`<p class="report-note" id="report-hourly-note">${t.t('report.hourlyNote', { days: m.minuteRetentionDays })}</p>` : ''}
<p class="report-rules">${t.t('report.rules', { hold: m.holdMinutes })}</p>
<p class="report-download"><a href="${base}.csv?month=${report.range.month}" type="text/csv" download>${t.t('report.csv')}</a> — ${t.t('report.csvNote')}</p>
${report.openMinutes === 0 ? html`<p class="report-note">${t.t('report.noOpening')}</p>` : ''}
${report.rooms.map((r) => roomSection(m, r))}
</article>`;
  return renderPage({
    t, i18n: m.i18n, title, path: `${base}?month=${report.range.month}`, body, bodyClass: 'report-page',
    head: html`<link rel="stylesheet" href="${ASSETS_PATH}/report.css">
<link rel="license" href="${REPORT_LICENSE_URL}">
<link rel="alternate" type="text/csv" href="${base}.csv?month=${report.range.month}">`,
  });
}
