/**
 * The history part of a room page: range links, a one-sentence summary, the chart canvases (hidden
 * until `room.js` draws them) and the table that is the chart's text alternative. Everything but
 * the canvases is server-rendered, so the section is complete without JavaScript; `room.js` swaps in
 * this same markup, fetched for the new range, when a range link is followed.
 */
import type { HistoryPoint } from '../../../common/reading.ts';
import type { Resolution } from '../../../common/store/reading-store.ts';
import { bucketHistory, summarizeHistory, type HistoryBucket, type HistorySummary } from '../history/buckets.ts';
import { HISTORY_RANGE_SPECS, HISTORY_RANGES, type HistoryRange } from '../history/ranges.ts';
import type { Translator } from '../i18n/i18n.ts';
import { toIsoTime } from '../room-status.ts';
import { html, type SafeHtml } from './html.ts';

/** What the section shows; the route gathers it. */
export type HistorySectionModel = {
  t: Translator;
  facility: string;
  room: string;
  range: HistoryRange;
  from: number;
  to: number;
  /** Resolution of `points` (the one the readings API picks for this window). */
  resolution: Resolution;
  points: readonly HistoryPoint[];
  timeZone: string;
};

/** The readings API request that returns exactly the points this section was rendered from. */
export function readingsUrl(facility: string, room: string, from: number, to: number): string {
  const q = new URLSearchParams({ from: toIsoTime(from), to: toIsoTime(to), resolution: 'auto' });
  return `/api/v1/rooms/${facility}/${room}/readings?${q}`;
}

/** The export of the same window, for the download links under the table. */
function exportUrl(m: HistorySectionModel, format: 'csv' | 'json'): string {
  const q = new URLSearchParams({ from: toIsoTime(m.from), to: toIsoTime(m.to), resolution: m.resolution });
  return `/api/v1/export/rooms/${m.facility}/${m.room}.${format}?${q}`;
}

const BUCKET_KEYS: Readonly<Record<number, string>> = { 600_000: '10m', 3_600_000: '1h', 21_600_000: '6h', 86_400_000: '1d' };

/** The chart's text summary: lowest, highest and newest CO₂ of the range. Also the canvas's `aria-label`. */
export function co2SummaryText(t: Translator, range: HistoryRange, s: HistorySummary): string {
  const rangeName = t.t(`history.range.${range}`);
  if (!s.co2) return t.t('history.summaryNone', { range: rangeName });
  return t.t('history.summary', { range: rangeName, min: t.number(s.co2.min), max: t.number(s.co2.max), latest: t.number(s.co2.latest), time: t.dateTime(s.co2.latestTime) });
}

/** The temperature/humidity chart's text summary. */
export function climateSummaryText(t: Translator, s: HistorySummary): string {
  if (!s.temperature && !s.humidity) return t.t('history.climateNone');
  const parts: string[] = [];
  if (s.temperature) parts.push(t.t('history.temperatureRange', { min: t.number(s.temperature.min, 1), max: t.number(s.temperature.max, 1) }));
  if (s.humidity) parts.push(t.t('history.humidityRange', { min: t.number(s.humidity.min, 1), max: t.number(s.humidity.max, 1) }));
  return parts.join(t.t('hours.separator'));
}

function rangeSwitch(m: HistorySectionModel): SafeHtml {
  const { t } = m;
  // Links, not buttons: each range is a page of its own (bookmarkable, works without scripts);
  // `aria-current` marks the one shown, and `room.js` keeps it right when it swaps ranges in place.
  return html`<nav class="range-switch" id="range-switch" aria-label="${t.t('history.range')}"><ul>${HISTORY_RANGES.map((r) => html`<li><a class="range-link" data-range="${r}" href="/rooms/${m.facility}/${m.room}?range=${r}#history"${r === m.range ? html` aria-current="true"` : ''}>${t.t(`history.range.${r}`)}</a></li>`)}</ul></nav>`;
}

/** Row labels: the date (with weekday) for day rows, date and time of day otherwise. */
function rowLabeller(t: Translator, bucketMs: number, timeZone: string): (b: HistoryBucket) => SafeHtml {
  const day = new Intl.DateTimeFormat(t.locale, { timeZone, month: 'short', day: 'numeric', weekday: 'short' });
  const text = (ms: number) => (bucketMs >= 86_400_000 ? day.format(ms) : t.dateTime(ms));
  return (b) => html`<time datetime="${toIsoTime(b.start)}">${text(b.start)}</time>`;
}

function historyTable(m: HistorySectionModel): SafeHtml {
  const { t } = m;
  const bucketMs = HISTORY_RANGE_SPECS[m.range].tableBucketMs;
  const buckets = bucketHistory(m.points, { from: m.from, to: m.to, bucketMs, timeZone: m.timeZone });
  const num = (v: number | null, digits = 0) => (v === null ? '－' : t.number(v, digits));
  const label = rowLabeller(t, bucketMs, m.timeZone);
  const caption = t.t('history.tableCaption', { range: t.t(`history.range.${m.range}`), bucket: t.t(`history.bucket.${BUCKET_KEYS[bucketMs] ?? '1h'}`) });
  return html`<div class="table-scroll" id="history-table-wrap" role="region" tabindex="0" aria-labelledby="history-table-caption">
<table id="history-table" data-range="${m.range}">
<caption id="history-table-caption">${caption} <span class="muted">${t.t('history.tableSource', { resolution: t.t(`history.resolution.${m.resolution}`) })}</span></caption>
<thead><tr><th scope="col">${t.t('history.col.time')}</th><th scope="col" class="num">${t.t('history.col.mean')}</th><th scope="col" class="num">${t.t('history.col.max')}</th><th scope="col" class="num">${t.t('history.col.temperature')}</th><th scope="col" class="num">${t.t('history.col.humidity')}</th></tr></thead>
<tbody>
${buckets.map((b) => b.count === 0
    ? html`<tr class="nodata"><th scope="row">${label(b)}</th><td colspan="4">${t.t('history.noData')}</td></tr>\n`
    : html`<tr><th scope="row">${label(b)}</th><td class="num">${num(b.co2Mean)}</td><td class="num">${num(b.co2Max)}</td><td class="num">${num(b.temperature, 1)}</td><td class="num">${num(b.humidity, 1)}</td></tr>\n`)}
</tbody>
</table>
</div>`;
}

/** The whole history section (`#history`). */
export function historySection(m: HistorySectionModel): SafeHtml {
  const { t } = m;
  const summary = summarizeHistory(m.points);
  const co2Text = co2SummaryText(t, m.range, summary);
  const climateText = climateSummaryText(t, summary);
  return html`<section class="history" id="history" aria-labelledby="history-title" data-range="${m.range}">
<h2 id="history-title">${t.t('history.title')}</h2>
${rangeSwitch(m)}
<p class="history-summary" id="history-summary">${co2Text}</p>
<p class="history-resolution muted" id="history-resolution">${t.t('history.shown', { resolution: t.t(`history.resolution.${m.resolution}`) })}</p>
<p class="history-status" id="history-status" role="status" aria-live="polite"></p>
<figure class="history-figure" id="history-figure" hidden>
<div class="chart-box"><canvas id="history-chart" role="img" aria-label="${co2Text}">${co2Text}</canvas></div>
<div class="chart-box chart-box-small"><canvas id="climate-chart" role="img" aria-label="${climateText}">${climateText}</canvas></div>
<figcaption class="visually-hidden">${t.t('history.figcaption')}</figcaption>
</figure>
${historyTable(m)}
<p class="downloads" id="history-downloads">${t.t('history.download')} <a href="${exportUrl(m, 'csv')}" download>CSV</a> · <a href="${exportUrl(m, 'json')}" download>JSON</a></p>
</section>`;
}
