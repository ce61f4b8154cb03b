/**
 * The embeddable widget: a bare page with one facility's rooms as compact tiles (level, value,
 * time), kept live by `live.js`, for a ward or school web page to include in an `<iframe>`. Links
 * open in a new tab: navigating inside someone else's page would trap the visitor in a small frame.
 */
import type { FacilityEntry } from '../../../common/registry.ts';
import type { I18n, Translator } from '../i18n/i18n.ts';
import type { RoomStatus } from '../room-status.ts';
import { facilityStreamUrl } from './facility-page.ts';
import { html } from './html.ts';
import { ASSETS_PATH, renderPage } from './layout.ts';
import { OVERVIEW_REFRESH_SECONDS, roomTile } from './overview.ts';
import { liveStrings } from './room-tile-text.ts';

/** Renders the widget document (no site header or footer; the licence line stays, as CC BY asks). */
export function renderEmbedPage(m: { t: Translator; i18n: I18n; facility: FacilityEntry; rooms: readonly RoomStatus[]; path: string }): string {
  const { t, facility: f } = m;
  const name = t.name(f.name);
  const body = html`<div class="embed" id="embed">
<h1 class="embed-title"><a href="/facilities/${f.id}" target="_blank" rel="noopener">${t.t('embed.title', { facility: name })}</a></h1>
<p class="live-status" id="live-status" role="status" aria-live="polite" hidden></p>
<ul class="rooms embed-rooms" id="embed-rooms">
${m.rooms.map((r) => roomTile(t, r, { link: false }))}
</ul>
<p class="embed-footer"><a href="/facilities/${f.id}" target="_blank" rel="noopener">${t.t('embed.more')}</a> · <a href="/open-data" target="_blank" rel="noopener">${t.t('embed.licence')}</a></p>
</div>`;
  return renderPage({
    t, i18n: m.i18n, title: t.t('embed.title', { facility: name }), path: m.path, body, bare: true, bodyClass: 'embed-page',
    scripts: ['live.js'], data: { stream: facilityStreamUrl(f.id), strings: liveStrings(t) },
    head: html`<link rel="stylesheet" href="${ASSETS_PATH}/room.css">
<noscript><meta http-equiv="refresh" content="${OVERVIEW_REFRESH_SECONDS}"></noscript>`,
  });
}
