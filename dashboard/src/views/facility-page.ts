/**
 * One facility's page: its name, kind, area, shelter mark and opening hours in words, and its rooms
 * as the same tiles as the overview (each a link to the room's page), kept current by `live.js` over
 * the facility's own event stream. Without JavaScript the page reloads itself once a minute.
 */
import type { FacilityEntry } from '../../../common/registry.ts';
import type { I18n, Translator } from '../i18n/i18n.ts';
import type { RoomStatus } from '../room-status.ts';
import { html } from './html.ts';
import { ASSETS_PATH, renderPage } from './layout.ts';
import { describeOpeningHours } from './opening-hours.ts';
import { legend, OVERVIEW_REFRESH_SECONDS, roomTile } from './overview.ts';
import { liveStrings } from './room-tile-text.ts';

/** Everything the facility page shows; the route gathers it. */
export type FacilityPageModel = {
  t: Translator;
  i18n: I18n;
  facility: FacilityEntry;
  rooms: readonly RoomStatus[];
  /** Epoch ms of rendering. */
  now: number;
  timeZone: string;
  /** Path for the language links. */
  path: string;
};

/** The facility's SSE stream: only its own rooms' changes reach the page. */
export const facilityStreamUrl = (facilityId: string): string => `/api/v1/stream?facility=${encodeURIComponent(facilityId)}`;

/** Renders the complete HTML document. Every registry string is escaped by `html`. */
export function renderFacilityPage(m: FacilityPageModel): string {
  const { t, facility: f } = m;
  const name = t.name(f.name);
  const body = html`<nav class="breadcrumb" aria-label="${t.t('nav.breadcrumb')}"><ol>
<li><a href="/">${t.t('nav.overview')}</a></li>
<li><a href="/facilities/${f.id}" aria-current="page">${name}</a></li>
</ol></nav>
<h1 id="facility-name">${name}</h1>
${f.shelter ? html`<p class="shelter-mark" id="facility-shelter"><strong class="shelter-badge">${t.t('facility.shelter')}</strong> ${t.t('facilityPage.shelterNote')}</p>` : ''}
<dl class="facility-facts" id="facility-facts">
<div><dt>${t.t('facilityPage.kind')}</dt><dd>${t.t(`kind.${f.kind}`)}</dd></div>
${f.area ? html`<div><dt>${t.t('facilityPage.area')}</dt><dd>${f.area}</dd></div>` : ''}
<div><dt>${t.t('facilityPage.hours')}</dt><dd><ul class="hours" id="facility-hours">${describeOpeningHours(t, f, m.now, m.timeZone).map((line) => html`<li>${line}</li>`)}</ul></dd></div>
</dl>
<h2 id="facility-rooms-title">${t.t('facilityPage.rooms')}</h2>
${legend(t)}
<p class="updated">${t.t('overview.asOf', { time: t.dateTime(m.now) })}</p>
<p class="live-status" id="live-status" role="status" aria-live="polite" hidden></p>
<ul class="rooms" id="facility-rooms" aria-labelledby="facility-rooms-title">
${m.rooms.map((r) => roomTile(t, r))}
</ul>
<p class="downloads"><a href="/api/v1/export/facilities/${f.id}.csv">${t.t('facilityPage.download', { format: 'CSV' })}</a> · <a href="/open-data">${t.t('site.openData')}</a></p>`;
  return renderPage({
    t, i18n: m.i18n, title: name, path: m.path, body, bodyClass: 'facility-page',
    scripts: ['live.js'], data: { stream: facilityStreamUrl(f.id), strings: liveStrings(t) },
    head: html`<link rel="stylesheet" href="${ASSETS_PATH}/room.css">
<noscript><meta http-equiv="refresh" content="${OVERVIEW_REFRESH_SECONDS}"></noscript>`,
  });
}
