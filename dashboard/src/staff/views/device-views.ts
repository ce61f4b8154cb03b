/**
 * Sensor health, unknown devices and notification deliveries in the staff console. States are
 * written out in words and marked with a symbol, never by colour alone.
 *
 * Stable selectors: `table#staff-sensors` rows `tr[data-sensor][data-state]`;
 * `table#staff-unknown-devices` rows `tr[data-unknown-device="<kind>:<id>"]`;
 * `table#staff-deliveries` rows `tr[data-delivery][data-status]`.
 */
import { STAFF_DELIVERY_STATUSES, type StaffDelivery, type StaffSensor, type StaffUnknownDevice } from '../../../../common/staff-api.ts';
import { html, type SafeHtml } from '../../views/html.ts';
import { roomLabel, term, when, type StaffView } from './frame.ts';

const STATE_ICON: Record<StaffSensor['state'], string> = { online: '●', offline: '✕', silent: '！', never_seen: '－' };

function sensorRow(v: StaffView, s: StaffSensor): SafeHtml {
  const flags = Object.entries(s.flagged).filter(([, n]) => n > 0);
  return html`<tr data-sensor="${s.sensor}" data-state="${s.state}" class="sensor-${s.state}">
<td>${roomLabel(v, s.facility, s.room)}</td><td><code>${s.sensor}</code></td>
<td><span class="sensor-state"><span aria-hidden="true">${STATE_ICON[s.state]}</span> ${term(v, 'staff.sensorState', s.state)}</span>${s.state === 'offline' && s.statusAt ? html`<br><span class="time">${v.t.t('staff.sensors.offlineSince', { time: when(v, s.statusAt) })}</span>` : ''}</td>
<td>${when(v, s.lastSeenAt)}</td>
<td class="num">${s.co2 === null ? '—' : v.t.number(s.co2)}<br><span class="time">${when(v, s.lastReadingAt)}</span></td>
<td class="num">${s.battery === null ? '—' : `${v.t.number(s.battery)} %`}</td>
<td class="num">${s.rssi === null ? '—' : `${v.t.number(s.rssi)} dBm`}</td>
<td>${flags.length === 0 && s.rejected === 0 ? '—' : ''}${flags.map(([flag, n]) => html`<span class="staff-flag">${term(v, 'staff.quality', flag)}: ${v.t.number(n)}</span> `)}${s.rejected > 0 ? html`<span class="staff-flag">${v.t.t('staff.sensors.rejected', { count: v.t.number(s.rejected) })}</span>` : ''}</td>
</tr>`;
}

/** Every registered device of the user's facilities. */
export function sensorsBody(v: StaffView, o: { sensors: readonly StaffSensor[]; countingSince: string; staleAfterSeconds: number }): SafeHtml {
  const problems = o.sensors.filter((s) => s.state !== 'online').length;
  const s = o.staleAfterSeconds;
  const duration = s >= 120 && s % 60 === 0 ? v.t.t('staff.duration.minutes', { n: v.t.number(s / 60) }) : v.t.t('staff.duration.seconds', { n: v.t.number(s) });
  return html`<p class="lead">${v.t.t('staff.sensors.lead', { duration, since: when(v, o.countingSince) })}</p>
<p class="staff-summary">${v.t.t('staff.sensors.summary', { count: v.t.number(o.sensors.length), problems: v.t.number(problems) })} · <a href="/staff/sensors">${v.t.t('staff.reload')}</a></p>
<div class="staff-scroll"><table id="staff-sensors" class="staff-table"><thead><tr>
<th scope="col">${v.t.t('staff.col.room')}</th><th scope="col">${v.t.t('staff.col.sensor')}</th><th scope="col">${v.t.t('staff.col.state')}</th><th scope="col">${v.t.t('staff.col.lastSeen')}</th>
<th scope="col" class="num">${v.t.t('staff.col.lastReading')}</th><th scope="col" class="num">${v.t.t('staff.col.battery')}</th><th scope="col" class="num">${v.t.t('staff.col.rssi')}</th><th scope="col">${v.t.t('staff.col.quality')}</th>
</tr></thead><tbody>${o.sensors.map((s) => sensorRow(v, s))}</tbody></table></div>`;
}

/** Devices that publish but are not in the registry (users of every facility only). */
export function unknownDevicesBody(v: StaffView, o: { devices: readonly StaffUnknownDevice[]; capacity: number }): SafeHtml {
  const lead = html`<p class="lead">${v.t.t('staff.unknown.lead', { capacity: v.t.number(o.capacity) })}</p>`;
  if (o.devices.length === 0) return html`${lead}<p class="staff-empty">${v.t.t('staff.unknown.none')}</p>`;
  return html`${lead}<div class="staff-scroll"><table id="staff-unknown-devices" class="staff-table"><thead><tr>
<th scope="col">${v.t.t('staff.col.sensor')}</th><th scope="col">${v.t.t('staff.col.kind')}</th><th scope="col">${v.t.t('staff.col.firstSeen')}</th><th scope="col">${v.t.t('staff.col.lastSeen')}</th><th scope="col" class="num">${v.t.t('staff.col.messages')}</th>
</tr></thead><tbody>${o.devices.map((d) => html`<tr data-unknown-device="${d.kind}:${d.id}"><td><code>${d.id}</code></td><td>${d.kind}</td><td>${when(v, d.firstSeenAt)}</td><td>${when(v, d.lastSeenAt)}</td><td class="num">${v.t.number(d.messages)}</td></tr>`)}</tbody></table></div>`;
}

/** Notification deliveries with their state and last error. */
export function deliveriesBody(v: StaffView, o: { notifications: readonly StaffDelivery[]; status: string | undefined }): SafeHtml {
  const option = (value: string) => {
    const label = value === '' ? v.t.t('staff.history.all') : term(v, 'staff.delivery', value);
    return value === (o.status ?? '') ? html`<option value="${value}" selected>${label}</option>` : html`<option value="${value}">${label}</option>`;
  };
  const filter = html`<form class="filters" method="get" action="/staff/notifications"><label>${v.t.t('staff.col.state')}
<select name="status">${['', ...STAFF_DELIVERY_STATUSES].map(option)}</select></label><button type="submit">${v.t.t('staff.show')}</button></form>`;
  if (o.notifications.length === 0) return html`${filter}<p class="staff-empty">${v.t.t('staff.deliveries.none')}</p>`;
  return html`${filter}<div class="staff-scroll"><table id="staff-deliveries" class="staff-table"><thead><tr>
<th scope="col">${v.t.t('staff.col.time')}</th><th scope="col">${v.t.t('staff.col.room')}</th><th scope="col">${v.t.t('staff.col.event')}</th><th scope="col">${v.t.t('staff.col.recipient')}</th>
<th scope="col">${v.t.t('staff.col.state')}</th><th scope="col" class="num">${v.t.t('staff.col.attempts')}</th><th scope="col">${v.t.t('staff.col.lastError')}</th>
</tr></thead><tbody>${o.notifications.map((n) => html`<tr data-delivery="${n.id}" data-status="${n.status}"><td>${when(v, n.createdAt)}</td>
<td>${n.alertId ? html`<a href="/staff/alerts/${n.alertId}">${roomLabel(v, n.facility ?? null, n.room ?? null)}</a>` : roomLabel(v, n.facility ?? null, n.room ?? null)}</td>
<td>${term(v, 'staff.event', n.event)}</td><td>${n.recipient} <span class="muted">(${n.channel})</span></td><td>${term(v, 'staff.delivery', n.status)}${n.doneAt ? html`<br><span class="time">${when(v, n.doneAt)}</span>` : ''}</td>
<td class="num">${v.t.number(n.attempts)}</td><td>${n.lastError ?? ''}</td></tr>`)}</tbody></table></div>`;
}
