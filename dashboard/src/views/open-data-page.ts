/**
 * `/open-data`: the licence (CC BY 4.0, attribution "横浜市西区 Kanki"), the API endpoints with
 * working example links, the export parameters and bounds, the OpenAPI document, and the widget's
 * `<iframe>` snippet to copy. No script: everything is text and links.
 */
import { DATA_LICENCE } from '../exports/licence.ts';
import { CSV_COLUMNS } from '../exports/format.ts';
import type { I18n, Translator } from '../i18n/i18n.ts';
import { html, type SafeHtml } from './html.ts';
import { ASSETS_PATH, renderPage } from './layout.ts';

/** What the page needs: an example facility and room (real ones, so every example answers) and the site's origin. */
export type OpenDataPageModel = {
  t: Translator;
  i18n: I18n;
  example: { facility: string; room: string; facilityName: string };
  /** `https://kanki.example.jp`: the widget snippet and curl examples need absolute URLs. */
  origin: string;
  path: string;
};

/** The `<iframe>` a web page includes to show one facility's widget. */
export function widgetSnippet(origin: string, facility: string, title: string): string {
  return `<iframe src="${origin}/embed/facilities/${facility}" title="${title.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`)}" width="100%" height="420" loading="lazy"></iframe>`;
}

/** One endpoint: its path template, what it gives, and (unless it never ends, like the stream) a working example link. */
function endpoint(t: Translator, key: string, template: string, example: string, linkable = true): SafeHtml {
  return html`<li id="endpoint-${key}"><code>GET ${template}</code> — ${t.t(`openData.ep.${key}`)}<br><span class="muted">${t.t('openData.example')}:</span> ${linkable ? html`<a href="${example}"><code>${example}</code></a>` : html`<code>${example}</code>`}</li>`;
}

/** Renders the complete HTML document. */
export function renderOpenDataPage(m: OpenDataPageModel): string {
  const { t, example: ex } = m;
  const room = `${ex.facility}/${ex.room}`;
  const snippet = widgetSnippet(m.origin, ex.facility, t.t('embed.title', { facility: ex.facilityName }));
  const body = html`<h1>${t.t('openData.title')}</h1>
<p class="lead">${t.t('openData.lead')}</p>
<section id="licence" aria-labelledby="licence-title">
<h2 id="licence-title">${t.t('openData.licenceTitle')}</h2>
<p>${t.t('openData.licenceBody')}</p>
<p>${t.t('openData.attributionLabel')}: <strong id="attribution">${DATA_LICENCE.attribution}</strong></p>
<p><a href="${DATA_LICENCE.url}" rel="license">${DATA_LICENCE.name}</a></p>
<p class="muted">${t.t('openData.notes')}</p>
</section>
<section id="endpoints" aria-labelledby="endpoints-title">
<h2 id="endpoints-title">${t.t('openData.endpointsTitle')}</h2>
<p><a href="/api/v1/openapi.json" id="openapi-link">${t.t('openData.ep.openapi')}</a> (<code>/api/v1/openapi.json</code>)</p>
<ul class="endpoints">
${endpoint(t, 'facilities', '/api/v1/facilities', '/api/v1/facilities')}
${endpoint(t, 'rooms', '/api/v1/rooms[?facility={facility}]', `/api/v1/rooms?facility=${ex.facility}`)}
${endpoint(t, 'readings', '/api/v1/rooms/{facility}/{room}/readings?from=&to=&resolution=', `/api/v1/rooms/${room}/readings`)}
${endpoint(t, 'stream', '/api/v1/stream[?facility={facility}]', `/api/v1/stream?facility=${ex.facility}`, false)}
${endpoint(t, 'exportRoom', '/api/v1/export/rooms/{facility}/{room}.{csv|json}?from=&to=&resolution=', `/api/v1/export/rooms/${room}.csv?resolution=1h`)}
${endpoint(t, 'exportFacility', '/api/v1/export/facilities/{facility}.{csv|json}?from=&to=&resolution=', `/api/v1/export/facilities/${ex.facility}.json?resolution=1h`)}
${endpoint(t, 'health', '/healthz', '/healthz')}
</ul>
<h3>${t.t('openData.paramsTitle')}</h3>
<dl class="params">
<dt><code>from</code></dt><dd>${t.t('openData.param.from')}</dd>
<dt><code>to</code></dt><dd>${t.t('openData.param.to')}</dd>
<dt><code>resolution</code></dt><dd>${t.t('openData.param.resolution')}</dd>
</dl>
<p>${t.t('openData.csvColumns')} <code>${CSV_COLUMNS.join(',')}</code></p>
<p>${t.t('openData.cacheNote')}</p>
<pre class="code"><code>curl -O -J '${m.origin}/api/v1/export/rooms/${room}.csv?from=2026-11-01T00:00:00%2B09:00&amp;to=2026-12-01T00:00:00%2B09:00&amp;resolution=1h'</code></pre>
</section>
<section id="widget" aria-labelledby="widget-title">
<h2 id="widget-title">${t.t('openData.widgetTitle')}</h2>
<p>${t.t('openData.widgetBody')}</p>
<pre class="code" id="widget-snippet"><code>${snippet}</code></pre>
<p>${t.t('openData.widgetLang')}</p>
<p><a href="/embed/facilities/${ex.facility}">${t.t('openData.widgetOpen')}</a></p>
</section>`;
  return renderPage({ t, i18n: m.i18n, title: t.t('openData.title'), path: m.path, body, bodyClass: 'open-data-page', head: html`<link rel="stylesheet" href="${ASSETS_PATH}/room.css">` });
}
