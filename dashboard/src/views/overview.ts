/**
 * The public overview: every facility and its rooms as tiles with level (colour, icon and words),
 * CO₂, and the time of the reading — or "no data since …". Filter by facility kind and area and
 * search by name with a plain GET form (works without JavaScript); `live.js` then keeps the tiles
 * current over Server-Sent Events. Without JavaScript the page reloads itself once a minute.
 */
import { FACILITY_KINDS, type FacilityEntry } from '../../../common/registry.ts';
import type { I18n, Translator } from '../i18n/i18n.ts';
import type { RoomStatus } from '../room-status.ts';
import { html, unsafeRaw, type SafeHtml } from './html.ts';
import { renderPage } from './layout.ts';
import { LEVEL_ICONS, liveStrings } from './room-tile-text.ts';

export type OverviewFilter = { kind?: string; area?: string; q?: string };

/** Everything the page shows; the route gathers it. */
export type OverviewModel = {
  t: Translator;
  i18n: I18n;
  facilities: readonly FacilityEntry[];
  rooms: readonly RoomStatus[];
  filter: OverviewFilter;
  /** Path and query for the language links. */
  path: string;
  /** Epoch ms of rendering. */
  now: number;
};

/** Seconds between automatic reloads when scripts do not run. */
export const OVERVIEW_REFRESH_SECONDS = 60;

/** The line under a room's value: when it was measured, or since when there is no data. */
export function timeLine(t: Translator, room: Pick<RoomStatus, 'updatedAt' | 'stale'>): SafeHtml {
  if (room.updatedAt === null) return html`<span class="time">${t.t('room.noDataEver')}</span>`;
  const time = t.dateTime(Date.parse(room.updatedAt));
  const text = room.stale ? t.t('room.noDataSince', { time }) : t.t('room.measuredAt', { time });
  return html`<time class="time" datetime="${room.updatedAt}">${text}</time>`;
}

/** One room as a tile: a link to its page whose accessible name says everything. */
export function roomTile(t: Translator, room: RoomStatus, options: { link?: boolean } = {}): SafeHtml {
  const level = t.t(`level.${room.level}`);
  const name = t.name(room.name);
  const value = room.co2 === null ? '－' : t.number(room.co2);
  const label = room.co2 === null ? `${name}: ${level}` : `${name}: ${value} ppm, ${level}`;
  const title = options.link === false
    ? html`<h3 class="room-name">${name}</h3>`
    : html`<h3 class="room-name"><a class="room-link" href="/rooms/${room.facility}/${room.room}" aria-label="${label}">${name}</a></h3>`;
  return html`<li class="room level-${room.level}" data-room="${room.facility}/${room.room}" data-level="${room.level}">
  ${title}
  <p class="co2"><span class="value">${value}</span> <span class="unit">ppm</span></p>
  <p><span class="badge"><span class="icon" aria-hidden="true">${LEVEL_ICONS[room.level]}</span> <span class="level-word">${level}</span></span></p>
  <p class="advice">${t.t(`advice.${room.level}`)}</p>
  <p>${timeLine(t, room)}</p>
</li>`;
}

export function legend(t: Translator): SafeHtml {
  return html`<ul class="legend">${(['good', 'fair', 'ventilate', 'critical', 'nodata'] as const).map(
    (level) => html`<li class="level-${level}"><span class="icon" aria-hidden="true">${LEVEL_ICONS[level]}</span> ${t.t(`level.${level}`)}</li>`,
  )}</ul>`;
}

function filterForm(m: OverviewModel): SafeHtml {
  const { t } = m;
  const areas = [...new Set(m.facilities.map((f) => f.area).filter((a): a is string => Boolean(a)))].sort((a, b) => a.localeCompare(b, 'ja'));
  const option = (value: string, label: string, selected: boolean) => html`<option value="${value}"${selected ? unsafeRaw(' selected') : ''}>${label}</option>`;
  // Folded away unless a filter is in use: on a phone the first room should be on the first screen.
  const active = Boolean(m.filter.kind || m.filter.area || m.filter.q);
  return html`<details class="filters-box"${active ? unsafeRaw(' open') : ''}><summary>${t.t('overview.filter')}</summary><form class="filters" method="get" action="/" role="search" aria-label="${t.t('overview.filter')}">
<label>${t.t('overview.kind')}<select name="kind">${option('', t.t('overview.all'), !m.filter.kind)}${FACILITY_KINDS.filter((k) => m.facilities.some((f) => f.kind === k)).map((k) => option(k, t.t(`kind.${k}`), m.filter.kind === k))}</select></label>
<label>${t.t('overview.area')}<select name="area">${option('', t.t('overview.all'), !m.filter.area)}${areas.map((a) => option(a, a, m.filter.area === a))}</select></label>
<label>${t.t('overview.search')}<input type="search" name="q" value="${m.filter.q ?? ''}" maxlength="100" autocomplete="off"></label>
<button type="submit">${t.t('overview.apply')}</button>
</form></details>`;
}

/** Facilities and rooms that pass the filter (names searched in every language). */
export function applyFilter(facilities: readonly FacilityEntry[], rooms: readonly RoomStatus[], filter: OverviewFilter): { facilities: FacilityEntry[]; rooms: RoomStatus[] } {
  const q = filter.q?.trim().toLowerCase();
  const fs = facilities.filter((f) => (!filter.kind || f.kind === filter.kind) && (!filter.area || f.area === filter.area));
  const ids = new Set(fs.map((f) => f.id));
  const matches = (r: RoomStatus) => !q || [...Object.values(r.name), ...Object.values(r.facilityName)].some((n) => n.toLowerCase().includes(q));
  const rs = rooms.filter((r) => ids.has(r.facility) && matches(r));
  const withRooms = new Set(rs.map((r) => r.facility));
  return { facilities: fs.filter((f) => withRooms.has(f.id)), rooms: rs };
}

/** Renders the complete HTML document. Every registry string is escaped by `html`. */
export function renderOverview(m: OverviewModel): string {
  const { t } = m;
  const shown = applyFilter(m.facilities, m.rooms, m.filter);
  const byFacility = new Map<string, RoomStatus[]>();
  for (const r of shown.rooms) byFacility.set(r.facility, [...(byFacility.get(r.facility) ?? []), r]);
  const body = html`<h1>${t.t('overview.title')}</h1>
<p class="lead">${t.t('overview.lead')}</p>
${legend(t)}
${filterForm(m)}
<p class="updated">${t.t('overview.asOf', { time: t.dateTime(m.now) })} · ${t.t('overview.count', { rooms: shown.rooms.length, facilities: shown.facilities.length })}</p>
<p class="live-status" id="live-status" role="status" aria-live="polite" hidden></p>
${shown.rooms.length === 0 ? html`<p>${t.t('overview.none')}</p>` : ''}
${shown.facilities.map((f) => {
  const headingId = `facility-${f.id}`;
  return html`<section class="facility" aria-labelledby="${headingId}">
<h2 id="${headingId}"><a href="/facilities/${f.id}">${t.name(f.name)}</a></h2>
<p class="facility-meta">${t.t(`kind.${f.kind}`)}${f.shelter ? html` · ${t.t('facility.shelter')}` : ''}${f.area ? html` · ${f.area}` : ''}</p>
<ul class="rooms">
${(byFacility.get(f.id) ?? []).map((r) => roomTile(t, r))}
</ul>
</section>`;
})}`;
  return renderPage({
    t, i18n: m.i18n, title: t.t('overview.title'), path: m.path, body,
    scripts: ['live.js'], data: { stream: '/api/v1/stream', strings: liveStrings(t) },
    head: html`<noscript><meta http-equiv="refresh" content="${OVERVIEW_REFRESH_SECONDS}"></noscript>`,
  });
}
