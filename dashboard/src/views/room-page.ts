/**
 * One room's page: the current value big, its level in colour, icon and words with what it means
 * and what to do, tips for this room, the room's own thresholds, temperature and humidity, and the
 * history section (chart + table). Complete without JavaScript; `room.js` adds the live value over
 * the facility's event stream and draws the charts with Chart.js — loaded on this page only.
 */
import { DEFAULT_THRESHOLDS, type Thresholds } from '../../../common/levels.ts';
import type { RoomEntry } from '../../../common/registry.ts';
import { DEFAULT_HISTORY_RANGE } from '../history/ranges.ts';
import type { I18n, Translator } from '../i18n/i18n.ts';
import type { RoomStatus } from '../room-status.ts';
import { facilityStreamUrl } from './facility-page.ts';
import { historySection, readingsUrl, type HistorySectionModel } from './history-section.ts';
import { html, type SafeHtml } from './html.ts';
import { ASSETS_PATH, renderPage } from './layout.ts';
import { timeLine } from './overview.ts';
import { roomTips } from './room-advice.ts';
import { LEVEL_ICONS, liveStrings } from './room-tile-text.ts';

/** The Chart.js build served from its package (UMD: defines `window.Chart`, no bundler needed). */
export const CHART_JS_URL = `${ASSETS_PATH}/chart.js/chart.umd.min.js`;

/** Everything the room page shows; the route gathers it. */
export type RoomPageModel = Omit<HistorySectionModel, 't'> & {
  t: Translator;
  i18n: I18n;
  entry: RoomEntry;
  status: RoomStatus;
  /** Path for the language links. */
  path: string;
};

const LEVELS = ['good', 'fair', 'ventilate', 'critical', 'nodata'] as const;

/** Temperature or humidity with its unit, or a dash. */
function climateValue(t: Translator, v: number | null, unit: string): string {
  return v === null ? '－' : `${t.number(v, 1)} ${unit}`;
}

function nowBlock(m: RoomPageModel): SafeHtml {
  const { t, status: s } = m;
  return html`<section class="room-now level-${s.level}" id="room-now" data-room="${s.facility}/${s.room}" data-level="${s.level}" aria-labelledby="room-now-title">
<h2 id="room-now-title" class="visually-hidden">${t.t('roomPage.now')}</h2>
<p class="big-co2"><span class="value" id="room-co2">${s.co2 === null ? '－' : t.number(s.co2)}</span> <span class="unit">ppm</span></p>
<p class="big-level"><span class="badge"><span class="icon" id="room-level-icon" aria-hidden="true">${LEVEL_ICONS[s.level]}</span> <span class="level-word" id="room-level-word">${t.t(`level.${s.level}`)}</span></span></p>
<p class="explain" id="room-explain">${t.t(`explain.${s.level}`)}</p>
<dl class="climate">
<div><dt>${t.t('room.temperature')}</dt><dd id="room-temperature">${climateValue(t, s.temperature, '°C')}</dd></div>
<div><dt>${t.t('room.humidity')}</dt><dd id="room-humidity">${climateValue(t, s.humidity, '%')}</dd></div>
</dl>
<p id="room-time">${timeLine(t, s)}</p>
<p class="live-status" id="live-status" role="status" aria-live="polite" hidden></p>
</section>`;
}

function thresholdsBlock(t: Translator, th: Thresholds): SafeHtml {
  const differs = th.fair !== DEFAULT_THRESHOLDS.fair || th.ventilate !== DEFAULT_THRESHOLDS.ventilate || th.critical !== DEFAULT_THRESHOLDS.critical;
  const item = (level: 'good' | 'fair' | 'ventilate' | 'critical', text: string) =>
    html`<li class="level-${level}" data-level="${level}"><span class="icon" aria-hidden="true">${LEVEL_ICONS[level]}</span> ${t.t(`level.${level}`)}: ${text}</li>`;
  return html`<section class="room-thresholds" id="room-thresholds" aria-labelledby="room-thresholds-title">
<h2 id="room-thresholds-title">${t.t('roomPage.thresholdsTitle')}</h2>
<ul class="legend thresholds">
${item('good', t.t('roomPage.below', { ppm: t.number(th.fair) }))}
${item('fair', t.t('roomPage.from', { ppm: t.number(th.fair) }))}
${item('ventilate', t.t('roomPage.from', { ppm: t.number(th.ventilate) }))}
${item('critical', t.t('roomPage.from', { ppm: t.number(th.critical) }))}
</ul>
${differs ? html`<p class="muted">${t.t('roomPage.ownThresholds')}</p>` : ''}
</section>`;
}

/** What `room.js` needs: where to listen and fetch, the room's thresholds, and strings in the page's language. */
function scriptData(m: RoomPageModel) {
  const { t } = m;
  return {
    stream: facilityStreamUrl(m.facility),
    room: `${m.facility}/${m.room}`,
    range: m.range,
    defaultRange: DEFAULT_HISTORY_RANGE,
    from: m.from,
    to: m.to,
    readingsUrl: readingsUrl(m.facility, m.room, m.from, m.to),
    thresholds: m.entry.thresholds,
    timeZone: m.timeZone,
    strings: {
      ...liveStrings(t),
      explain: Object.fromEntries(LEVELS.map((l) => [l, t.t(`explain.${l}`)])),
      co2: t.t('history.chartCo2'),
      temperature: t.t('history.chartTemperature'),
      humidity: t.t('history.chartHumidity'),
      shown: t.t('history.shown'),
      resolutions: { raw: t.t('history.resolution.raw'), '1m': t.t('history.resolution.1m'), '1h': t.t('history.resolution.1h') },
      loading: t.t('history.loading'),
      loadError: t.t('history.loadError'),
    },
  };
}

/** Renders the complete HTML document. Every registry string is escaped by `html`. */
export function renderRoomPage(m: RoomPageModel): string {
  const { t, status: s } = m;
  const roomName = t.name(s.name);
  const facilityName = t.name(s.facilityName);
  const tips = roomTips(t, m.entry, s);
  const body = html`<nav class="breadcrumb" aria-label="${t.t('nav.breadcrumb')}"><ol>
<li><a href="/">${t.t('nav.overview')}</a></li>
<li><a href="/facilities/${s.facility}">${facilityName}</a></li>
<li><a href="/rooms/${s.facility}/${s.room}" aria-current="page">${roomName}</a></li>
</ol></nav>
<h1 id="room-name">${roomName} <span class="room-facility">${facilityName}</span></h1>
${nowBlock(m)}
<section class="room-tips" id="room-tips" aria-labelledby="room-tips-title">
<h2 id="room-tips-title">${t.t('roomPage.tipsTitle')}</h2>
<ul>${tips.map((tip) => html`<li>${tip}</li>`)}</ul>
<details><summary>${t.t('why.title')}</summary><p>${t.t('why.body')}</p></details>
</section>
${thresholdsBlock(t, m.entry.thresholds)}
${historySection(m)}
<p><a href="/facilities/${s.facility}">${t.t('roomPage.otherRooms', { facility: facilityName })}</a></p>`;
  return renderPage({
    t, i18n: m.i18n, title: `${roomName} — ${facilityName}`, path: m.path, body, bodyClass: 'room-page',
    scripts: ['room.js'], data: scriptData(m),
    // Chart.js as a classic deferred script ahead of the module: both run after parsing, in
    // document order, so `window.Chart` exists when room.js starts.
    head: html`<link rel="stylesheet" href="${ASSETS_PATH}/room.css">
<script defer src="${CHART_JS_URL}"></script>`,
  });
}
