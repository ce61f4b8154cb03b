/**
 * The lobby signage page of one facility: full screen, no header or footer, readable from across a
 * lobby. The server renders every room of the facility in a grid sized to the screen, so the page
 * works with scripts off (it then reloads every minute); `signage.js` takes over from there — live
 * values, rotation when the rooms do not fit at once, alternating languages, and what to show when
 * the network is gone. Only public room data is shown: never alerts, acknowledgements or devices.
 */
import { LEVELS, type Level, type Thresholds } from '../../../common/levels.ts';
import type { FacilityEntry, RoomEntry } from '../../../common/registry.ts';
import type { I18n } from '../i18n/i18n.ts';
import type { RoomStatus } from '../room-status.ts';
import { html, unsafeRaw, type SafeHtml } from './html.ts';
import { ASSETS_PATH, renderPage } from './layout.ts';
import { ageLine, gridColumns, LEVEL_URGENCY, levelRange, signageStrings, type SignageStrings } from './signage-strings.ts';

/** Rooms shown at once; more rotate one at a time (a 5 m reading distance needs the whole screen). */
export const SIGNAGE_MAX_AT_ONCE = 4;
/** Seconds between reloads when scripts do not run. */
export const SIGNAGE_REFRESH_SECONDS = 60;

export type SignageTheme = 'dark' | 'light';

/** Everything the page shows; the route gathers it. */
export type SignageModel = {
  i18n: I18n;
  /** Catalogue codes to show, alternating; the first is rendered by the server. */
  langs: readonly string[];
  facility: FacilityEntry;
  /** The facility's rooms in registry order, each with its current public status. */
  rooms: readonly { entry: RoomEntry; status: RoomStatus }[];
  theme: SignageTheme;
  intervalSeconds: number;
  staleAfterMs: number;
  now: number;
  /** When the script should reload the page to pick up new code (epoch ms). */
  reloadAt: number;
  /** IANA zone of the clock on screen. */
  timeZone: string;
  /** SSE URL of the facility's room statuses. */
  stream: string;
  /** Path and query of this page (for the language links renderPage wants). */
  path: string;
};

const key = (r: RoomEntry) => `${r.facilityId}/${r.roomId}`;
const sameThresholds = (a: Thresholds, b: Thresholds) => a.fair === b.fair && a.ventilate === b.ventilate && a.critical === b.critical;

function legend(s: SignageStrings, id: string, thresholds: Thresholds | null, hidden: boolean): SafeHtml {
  return html`<ul class="signage-legend" data-legend="${id}" aria-label="${s.legend}"${hidden ? unsafeRaw(' hidden') : ''}>${LEVELS.map((l) => html`<li class="signage-legend-item level-${l}" data-level="${l}"><span class="signage-legend-icon" aria-hidden="true">${s.levels[l].icon}</span> <span class="signage-legend-word">${s.levels[l].word}</span>${thresholds && l !== 'nodata' ? html` <span class="signage-legend-range">${levelRange(s, l, thresholds)}</span>` : ''}</li>`)}</ul>`;
}

function tile(s: SignageStrings, room: { entry: RoomEntry; status: RoomStatus }, legendId: number, now: number): SafeHtml {
  const { status } = room;
  const level = status.level;
  const text = s.levels[level];
  const value = status.co2 === null ? '－' : String(status.co2);
  return html`<li class="signage-room level-${level}" data-room="${key(room.entry)}" data-level="${level}" data-legend="${legendId}">
<h2 class="signage-name">${s.rooms[key(room.entry)] ?? ''}</h2>
<p class="signage-reading"><span class="signage-value${value.length > 4 ? ' signage-value--long' : ''}">${value}</span> <span class="signage-unit">ppm</span></p>
<p class="signage-level"><span class="signage-icon" aria-hidden="true">${text.icon}</span> <span class="signage-word">${text.word}</span></p>
<p class="signage-advice">${text.advice}</p>
<p class="signage-age">${status.updatedAt ? html`<time datetime="${status.updatedAt}">${ageLine(s, status.updatedAt, level === 'nodata', now)}</time>` : s.noDataEver}</p>
</li>`;
}

/** Renders the complete HTML document. Every registry string is escaped by `html`. */
export function renderSignage(m: SignageModel): string {
  const entries = m.rooms.map((r) => ({ key: key(r.entry), name: r.entry.name }));
  const strings = m.langs.map((lang) => signageStrings(m.i18n.translator(lang), m.facility.name, entries));
  const s = strings[0] as SignageStrings;
  const t = m.i18n.translator(s.lang);

  // One legend per distinct set of thresholds; with several, the grid shows a legend without numbers.
  const legends: Thresholds[] = [];
  const legendOf = m.rooms.map((r) => {
    const i = legends.findIndex((th) => sameThresholds(th, r.entry.thresholds));
    if (i >= 0) return i;
    legends.push(r.entry.thresholds);
    return legends.length - 1;
  });
  const mixed = legends.length > 1;
  const worst = m.rooms.reduce<Level>((w, r) => (LEVEL_URGENCY[r.status.level] > LEVEL_URGENCY[w] ? r.status.level : w), 'nodata');
  const cols = gridColumns(m.rooms.length);

  const body = html`<div class="signage" data-facility="${m.facility.id}" data-theme="${m.theme}">
<header class="signage-head">
<h1 class="signage-facility">${s.facility}</h1>
<p class="signage-meta"><span class="signage-page" id="signage-page" hidden></span> <time class="signage-clock" id="signage-clock" datetime="${new Date(m.now).toISOString()}">${t.time(m.now)}</time></p>
<p class="signage-status" id="signage-status" role="status" data-state="static" hidden></p>
</header>
<ul class="signage-rooms lc-${cols.landscape} pc-${cols.portrait}" data-count="${m.rooms.length}">
${m.rooms.map((r, i) => tile(s, r, legendOf[i] ?? 0, m.now))}
</ul>
<footer class="signage-foot">
<p class="signage-explain level-${worst}" id="signage-explain">${s.levels[worst].explain}</p>
${legends.map((th, i) => legend(s, String(i), th, mixed))}
${mixed ? legend(s, 'words', null, false) : ''}
</footer>
</div>`;

  return renderPage({
    t, i18n: m.i18n, title: t.t('signage.title', { facility: s.facility }), path: m.path, body, bare: true,
    bodyClass: `signage-body signage-theme-${m.theme}`,
    scripts: ['signage.js'],
    head: html`<link rel="stylesheet" href="${ASSETS_PATH}/signage.css">
<noscript><meta http-equiv="refresh" content="${SIGNAGE_REFRESH_SECONDS}"></noscript>`,
    // Only what the screen shows: room keys, public values and words. No sensor, alert or staff field.
    data: {
      stream: m.stream,
      staleAfterMs: m.staleAfterMs,
      serverNow: m.now,
      intervalMs: m.intervalSeconds * 1000,
      maxAtOnce: SIGNAGE_MAX_AT_ONCE,
      reloadAt: m.reloadAt,
      timeZone: m.timeZone,
      legends: legends.map((th) => ({ fair: th.fair, ventilate: th.ventilate, critical: th.critical })),
      rooms: m.rooms.map((r) => ({ key: key(r.entry), co2: r.status.co2, level: r.status.level, updatedAt: r.status.updatedAt, stale: r.status.stale })),
      langs: strings,
    },
  });
}
