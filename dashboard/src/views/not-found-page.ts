/**
 * The 404 page of the public pages (an unknown facility or room), in the visitor's language and in
 * the site's frame, so someone following an old link from a newsletter finds the way back.
 */
import type { I18n, Translator } from '../i18n/i18n.ts';
import { html } from './html.ts';
import { renderPage } from './layout.ts';

/** What was not found; picks the heading. */
export type NotFoundWhat = 'facility' | 'room';

/** Renders the complete 404 document. The requested id is deliberately not echoed. */
export function renderNotFoundPage(o: { t: Translator; i18n: I18n; what: NotFoundWhat; path: string }): string {
  const { t } = o;
  const title = t.t(`notFound.${o.what}`);
  const body = html`<h1>${title}</h1>
<p>${t.t('notFound.body')}</p>
<p><a href="/">${t.t('notFound.back')}</a></p>`;
  return renderPage({ t, i18n: o.i18n, title, path: o.path, body, bodyClass: 'not-found' });
}
