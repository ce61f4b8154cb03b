/**
 * Alert pages of the staff console: open alerts with the three acknowledgement buttons, the alert
 * history, one alert with its events, and the acknowledgement audit log. Levels are shown with the
 * public pages' colours, icons and words.
 *
 * Stable selectors: `li.staff-alert[data-alert-id]`; `form.ack-form[data-alert-id]` with
 * `button[data-ack-action="windows_opened|occupancy_reduced|false_alarm"]`; `table#staff-events`,
 * `table#staff-audit` (rows `tr[data-actor][data-via]`).
 */
import { STAFF_ACK_ACTIONS, type StaffAlert, type StaffAlertEvent, type StaffAuditEntry } from '../../../../common/staff-api.ts';
import { html, type SafeHtml } from '../../views/html.ts';
import { LEVEL_LABELS } from '../../views/level-labels.ts';
import { csrfField, roomLabel, term, when, type StaffView } from './frame.ts';

function levelBadge(v: StaffView, level: StaffAlert['level']): SafeHtml {
  return html`<span class="badge level-${level}"><span class="icon" aria-hidden="true">${LEVEL_LABELS[level].icon}</span> ${v.t.t(`level.${level}`)}</span>`;
}

/** The three buttons; POSTed to the console, which records them with the ingest as this user. */
export function ackForm(v: StaffView, alert: StaffAlert, from: 'list' | 'detail'): SafeHtml {
  return html`<form class="ack-form" method="post" action="/staff/alerts/${alert.id}/ack" data-alert-id="${alert.id}">
${csrfField(v)}<input type="hidden" name="from" value="${from}"><fieldset><legend>${v.t.t('staff.ack.question')}</legend>
${STAFF_ACK_ACTIONS.map((a) => html`<button type="submit" name="action" value="${a}" data-ack-action="${a}" class="ack-button">${v.t.t(`staff.ack.${a}`)}</button>`)}
</fieldset></form>`;
}

function ackLine(v: StaffView, a: StaffAlert): SafeHtml | '' {
  if (!a.acknowledgement) return '';
  return html`<p class="ack-done">${v.t.t('staff.ack.recorded', { action: term(v, 'staff.ack', a.acknowledgement.action), by: a.acknowledgement.by, time: when(v, a.acknowledgement.at) })}</p>`;
}

function alertItem(v: StaffView, a: StaffAlert, buttons: 'list' | 'detail' | false): SafeHtml {
  return html`<li class="staff-alert room level-${a.kind === 'sensor' ? 'nodata' : a.level}" data-alert-id="${a.id}" data-status="${a.status}">
<h2 class="staff-alert-room"><a href="/staff/alerts/${a.id}">${roomLabel(v, a.facility, a.room)}</a></h2>
<p>${a.kind === 'sensor' ? html`<span class="badge level-nodata">${v.t.t('staff.alert.sensor')}</span>` : levelBadge(v, a.level)}
${a.kind === 'co2' && a.reason === 'rising' ? html` <span class="staff-flag staff-flag-early" data-reason="rising">${v.t.t('staff.alert.early')}</span>` : ''}
${a.escalated ? html` <span class="staff-flag">${v.t.t('staff.alert.escalated')}</span>` : ''}
${a.status === 'resolved' ? html` <span class="staff-flag staff-flag-done">${v.t.t('staff.alert.resolved')}</span>` : ''}</p>
<p class="time">${v.t.t('staff.alert.opened', { time: when(v, a.openedAt) })}${a.closedAt ? ` · ${v.t.t('staff.alert.closed', { time: when(v, a.closedAt) })}` : ''}${a.co2Max !== null ? ` · ${v.t.t('staff.alert.max', { co2: v.t.number(a.co2Max) })}` : ''}</p>
${ackLine(v, a)}
${buttons && a.status === 'open' && a.kind === 'co2'
    // Once something is recorded the buttons fold away (a second press is refused while the outcome is checked).
    ? (a.acknowledgement ? html`<details class="ack-again"><summary>${v.t.t('staff.ack.again')}</summary>${ackForm(v, a, buttons)}</details>` : ackForm(v, a, buttons))
    : ''}
${a.kind === 'sensor' && a.status === 'open' ? html`<p class="advice">${v.t.t('staff.alert.sensorAdvice')}</p>` : ''}
</li>`;
}

/** Open alerts, newest first, each with its buttons. */
export function openAlertsBody(v: StaffView, alerts: readonly StaffAlert[]): SafeHtml {
  if (alerts.length === 0) return html`<p class="staff-empty">${v.t.t('staff.alerts.none')}</p><p><a href="/staff/alerts">${v.t.t('staff.reload')}</a></p>`;
  return html`<p><a href="/staff/alerts">${v.t.t('staff.reload')}</a></p><ul class="staff-alerts rooms">${alerts.map((a) => alertItem(v, a, 'list'))}</ul>`;
}

/** Every alert (or resolved only), newest first, with a link to older ones. */
export function historyBody(v: StaffView, alerts: readonly StaffAlert[], olderHref: string | null, status: string | undefined): SafeHtml {
  const option = (value: string, key: string) =>
    (value === (status ?? '') ? html`<option value="${value}" selected>${v.t.t(key)}</option>` : html`<option value="${value}">${v.t.t(key)}</option>`);
  const filter = html`<form class="filters" method="get" action="/staff/history"><label>${v.t.t('staff.history.status')}
<select name="status">${option('', 'staff.history.all')}${option('open', 'staff.history.open')}${option('resolved', 'staff.history.resolved')}</select></label>
<button type="submit">${v.t.t('staff.show')}</button></form>`;
  if (alerts.length === 0) return html`${filter}<p class="staff-empty">${v.t.t('staff.history.none')}</p>`;
  return html`${filter}<ul class="staff-alerts rooms">${alerts.map((a) => alertItem(v, a, false))}</ul>
${olderHref ? html`<p><a href="${olderHref}" rel="next">${v.t.t('staff.history.older')}</a></p>` : ''}`;
}

/** One alert: its facts, its buttons while open, and every event. */
export function alertDetailBody(v: StaffView, alert: StaffAlert, events: readonly StaffAlertEvent[]): SafeHtml {
  return html`<ul class="staff-alerts rooms">${alertItem(v, alert, 'detail')}</ul>
<h2>${v.t.t('staff.events.title')}</h2>
<table id="staff-events" class="staff-table"><thead><tr><th scope="col">${v.t.t('staff.col.time')}</th><th scope="col">${v.t.t('staff.col.event')}</th><th scope="col">${v.t.t('staff.col.level')}</th><th scope="col" class="num">CO₂ (ppm)</th><th scope="col">${v.t.t('staff.col.detail')}</th></tr></thead>
<tbody>${events.map((e) => html`<tr data-event="${e.type}"><td>${when(v, e.at)}</td><td>${term(v, 'staff.event', e.type)}</td><td>${v.t.t(`level.${e.level}`)}</td><td class="num">${e.co2 === null ? '—' : v.t.number(e.co2)}</td>
<td>${e.action ? v.t.t('staff.events.ack', { action: term(v, 'staff.ack', e.action), by: e.by ?? '' }) : ''}${e.reason ? term(v, 'staff.reason', e.reason) : ''}</td></tr>`)}</tbody></table>
<p><a href="/staff/audit">${v.t.t('staff.nav.audit')}</a></p>`;
}

/** The acknowledgement audit log: who did what, through which way, accepted or refused why. */
export function auditBody(v: StaffView, audit: readonly StaffAuditEntry[]): SafeHtml {
  if (audit.length === 0) return html`<p class="staff-empty">${v.t.t('staff.audit.none')}</p>`;
  return html`<p class="lead">${v.t.t('staff.audit.lead')}</p>
<table id="staff-audit" class="staff-table"><thead><tr><th scope="col">${v.t.t('staff.col.time')}</th><th scope="col">${v.t.t('staff.col.who')}</th><th scope="col">${v.t.t('staff.col.via')}</th><th scope="col">${v.t.t('staff.col.action')}</th><th scope="col">${v.t.t('staff.col.room')}</th><th scope="col">${v.t.t('staff.col.outcome')}</th></tr></thead>
<tbody>${audit.map((r) => html`<tr data-actor="${r.actor}" data-via="${r.via}" data-outcome="${r.outcome}"><td>${when(v, r.at)}</td><td>${r.actor}</td><td>${term(v, 'staff.via', r.via)}</td><td>${term(v, 'staff.ack', r.action)}</td>
<td>${r.alertId !== null ? html`<a href="/staff/alerts/${r.alertId}">${roomLabel(v, r.facility, r.room)}</a>` : roomLabel(v, r.facility, r.room)}</td>
<td>${r.outcome === 'ok' ? v.t.t('staff.outcome.ok') : v.t.t('staff.outcome.refused', { why: term(v, 'staff.refused', r.outcome.replace(/^refused:/, '')) })}</td></tr>`)}</tbody></table>`;
}
