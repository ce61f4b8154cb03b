/**
 * The staff console's page frame (the public layout, plus the console's navigation, the signed-in
 * user and a sign-out button), the sign-in page and the message pages (refused, not found, the
 * ingest unreachable). Every form carries the session's CSRF token; nothing is inline (the
 * dashboard's CSP allows no inline script or style).
 *
 * Stable selectors for browser tests: `#staff-sign-in` (form), `#staff-user-id`, `#staff-password`,
 * `#staff-sign-in-submit`, `#staff-sign-in-error`; `#staff-nav`, `#staff-sign-out`; `#staff-notice`.
 */
import type { Registry } from '../../../../common/registry.ts';
import type { I18n, Translator } from '../../i18n/i18n.ts';
import { html, unsafeRaw, type SafeHtml } from '../../views/html.ts';
import { ASSETS_PATH, renderPage } from '../../views/layout.ts';

/** What every console page knows about the request. */
export type StaffView = {
  t: Translator;
  i18n: I18n;
  registry: Registry;
  /** Path and query of this page (language links). */
  path: string;
  /** The signed-in user, or undefined on the sign-in page. */
  user?: { id: string; name: string; allFacilities: boolean };
  csrf?: string;
};

const HEAD = unsafeRaw(`<link rel="stylesheet" href="${ASSETS_PATH}/staff.css"><meta name="robots" content="noindex, nofollow">`);

const NAV: readonly { href: string; key: string; allOnly?: boolean }[] = [
  { href: '/staff/alerts', key: 'staff.nav.alerts' },
  { href: '/staff/history', key: 'staff.nav.history' },
  { href: '/staff/audit', key: 'staff.nav.audit' },
  { href: '/staff/notifications', key: 'staff.nav.notifications' },
  { href: '/staff/sensors', key: 'staff.nav.sensors' },
  { href: '/staff/unknown-devices', key: 'staff.nav.unknown', allOnly: true },
];

/** The hidden CSRF field of every console form. */
export function csrfField(v: StaffView): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${v.csrf ?? ''}">`;
}

/** "Facility Room" in the page's language (ids when the registry no longer has the room). */
export function roomLabel(v: StaffView, facility: string | null, room: string | null): string {
  if (!facility) return '—';
  const r = room ? v.registry.room(facility, room) : undefined;
  if (r) return `${v.t.name(r.facilityName)} ${v.t.name(r.name)}`;
  const f = v.registry.facility(facility);
  return `${f ? v.t.name(f.name) : facility}${room ? ` ${room}` : ''}`;
}

/**
 * The catalogue's word for a value the staff API sends (`staff.event.raised`, `staff.via.console`,
 * …), or the value itself when a newer ingest sends one this console has no word for.
 */
export function term(v: StaffView, prefix: string, value: string): string {
  const key = `${prefix}.${value}`;
  const text = v.t.t(key);
  return text === key ? value : text;
}

/** A time from the staff API (ISO 8601) in the display zone, or a dash. */
export function when(v: StaffView, iso: string | null | undefined): string {
  const ms = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(ms) ? v.t.dateTime(ms) : '—';
}

/** A complete console page. */
export function renderStaffPage(v: StaffView, o: { title: string; body: SafeHtml; notice?: string; current?: string }): string {
  const nav = v.user
    ? html`<nav id="staff-nav" class="staff-nav" aria-label="${v.t.t('staff.nav.label')}"><ul>${NAV.filter((n) => !n.allOnly || v.user?.allFacilities).map((n) =>
        n.href === o.current
          ? html`<li><a href="${n.href}" aria-current="page">${v.t.t(n.key)}</a></li>`
          : html`<li><a href="${n.href}">${v.t.t(n.key)}</a></li>`)}</ul>
<form id="staff-sign-out" class="staff-sign-out" method="post" action="/staff/sign-out">${csrfField(v)}<span class="staff-user">${v.t.t('staff.signedInAs', { name: v.user.name })}</span> <button type="submit" class="button">${v.t.t('staff.signOut')}</button></form></nav>`
    : '';
  const body = html`<div class="staff">${nav}
<h1>${o.title}</h1>
${o.notice ? html`<p id="staff-notice" class="staff-notice" role="status">${o.notice}</p>` : ''}
${o.body}</div>`;
  return renderPage({ t: v.t, i18n: v.i18n, title: `${o.title} — ${v.t.t('staff.console')}`, path: v.path, body, head: HEAD, bodyClass: 'staff-page' });
}

/** The sign-in form; `failed` shows the one message every refusal gets. */
export function renderSignIn(v: StaffView, o: { csrf: string; next?: string; failed?: boolean; userId?: string }): string {
  const body = html`<p class="lead">${v.t.t('staff.signIn.lead')}</p>
${o.failed ? html`<p id="staff-sign-in-error" class="staff-error" role="alert">${v.t.t('staff.signIn.failed')}</p>` : ''}
<form id="staff-sign-in" class="staff-sign-in" method="post" action="/staff/sign-in">
<input type="hidden" name="_csrf" value="${o.csrf}">
${o.next ? html`<input type="hidden" name="next" value="${o.next}">` : ''}
<label for="staff-user-id">${v.t.t('staff.signIn.user')}</label>
<input id="staff-user-id" name="id" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="64" value="${o.userId ?? ''}">
<label for="staff-password">${v.t.t('staff.signIn.password')}</label>
<input id="staff-password" name="password" type="password" autocomplete="current-password" required maxlength="256">
<button id="staff-sign-in-submit" type="submit" class="button">${v.t.t('staff.signIn.submit')}</button>
</form>`;
  return renderStaffPage(v, { title: v.t.t('staff.signIn.title'), body });
}

/** A page that only says something (refused, not found, unavailable), with a way back. */
export function renderStaffMessage(v: StaffView, o: { title: string; message: string }): string {
  const back = v.user ? html`<p><a href="/staff/alerts">${v.t.t('staff.backToAlerts')}</a></p>` : html`<p><a href="/staff/sign-in">${v.t.t('staff.signIn.title')}</a></p>`;
  return renderStaffPage(v, { title: o.title, body: html`<p class="staff-error">${o.message}</p>${back}` });
}
