/**
 * The frame of every public page: skip link, header with the site name and the language switch,
 * the page's `<main>`, and a footer with the data licence and the open-data link. Styles and
 * scripts are files under `/assets` (a strict CSP allows no inline code); data a script needs is
 * handed over in a JSON block (`<script type="application/json">`, never executed).
 */
import type { I18n, Translator } from '../i18n/i18n.ts';
import { html, unsafeRaw, type SafeHtml } from './html.ts';

/** URL prefix of the files in `dashboard/public/`. */
export const ASSETS_PATH = '/assets';

export type PageOptions = {
  t: Translator;
  i18n: I18n;
  /** The page's own title (the site name is appended). */
  title: string;
  /** Path and query of this page without `lang`, for the language links (e.g. `/?kind=school`). */
  path: string;
  body: SafeHtml;
  /** Script files under /assets/js to load as modules, e.g. `live.js`. */
  scripts?: readonly string[];
  /** Data for the scripts, read from `#kanki-data`. */
  data?: unknown;
  bodyClass?: string;
  /** Reload the page after this many seconds (for pages without scripts). */
  refreshSeconds?: number;
  /** Hide header and footer (signage, widget). */
  bare?: boolean;
  /** Extra `<head>` markup (constant, trusted). */
  head?: SafeHtml;
};

/** JSON safe inside a `<script type="application/json">` block (no `</script>` or comment can close it). */
export function jsonForScript(data: unknown): SafeHtml {
  return unsafeRaw(JSON.stringify(data).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029'));
}

/** `path` with `lang=<code>` set (other query parameters kept). */
export function withLang(path: string, lang: string): string {
  const url = new URL(path, 'http://x');
  url.searchParams.set('lang', lang);
  return `${url.pathname}${url.search}`;
}

function languageSwitch(o: PageOptions): SafeHtml {
  return html`<nav class="lang-switch" aria-label="${o.t.t('site.language')}"><ul>${o.i18n.languages.map((code) => {
    const name = o.i18n.names[code] ?? code;
    const tag = o.i18n.translator(code).htmlLang;
    return code === o.t.lang
      ? html`<li><a href="${withLang(o.path, code)}" aria-current="true" lang="${tag}">${name}</a></li>`
      : html`<li><a href="${withLang(o.path, code)}" lang="${tag}" hreflang="${tag}">${name}</a></li>`;
  })}</ul></nav>`;
}

/** The complete HTML document. */
export function renderPage(o: PageOptions): string {
  const { t } = o;
  const page = html`<!doctype html>
<html lang="${t.htmlLang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${o.refreshSeconds ? html`<meta http-equiv="refresh" content="${o.refreshSeconds}">` : ''}
<title>${o.title} — ${t.t('site.title')}</title>
<link rel="icon" href="${ASSETS_PATH}/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${ASSETS_PATH}/kanki.css">
${o.head ?? ''}
${(o.scripts ?? []).map((s) => html`<script type="module" src="${ASSETS_PATH}/js/${s}"></script>`)}
</head>
<body class="${o.bodyClass ?? ''}">
${o.bare ? '' : html`<a class="skip-link" href="#main">${t.t('site.skip')}</a>
<header class="site-header">
<p class="site-name"><a href="/">${t.t('site.title')}</a></p>
${languageSwitch(o)}
</header>`}
<main id="main" tabindex="-1">
${o.body}
</main>
${o.bare ? '' : html`<footer class="site-footer">
<p>${t.t('thresholds')}</p>
<p><a href="/open-data">${t.t('site.openData')}</a> · <a href="/staff">${t.t('site.staff')}</a></p>
<p class="licence">${t.t('site.licence')}</p>
</footer>`}
${o.data === undefined ? '' : html`<script type="application/json" id="kanki-data">${jsonForScript(o.data)}</script>`}
</body>
</html>
`;
  return page.value;
}
