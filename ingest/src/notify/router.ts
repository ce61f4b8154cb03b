/**
 * Who gets an alert event: turns one stored event into outbox entries, one per matching
 * recipient, each pending, held (the facility is closed) or dropped (by policy), with a signed
 * one-time acknowledgement link where staff can act.
 */
import type { RoomEntry } from '../../../common/registry.ts';
import type { AlertEventRecord, AlertRecord } from '../alerts/alert-log.ts';
import type { LinkSigner } from './links.ts';
import { DEFAULT_OUTSIDE_HOURS, type NotifyConfig, type OutsideHoursPolicy, type RecipientConfig, type Severity } from './notify-config.ts';
import type { AlertNotice, NoticeReason, Trend } from './notifier.ts';
import type { OutboxEntry } from './outbox.ts';

export type RouterDeps = {
  config: NotifyConfig;
  /** Whether the facility is open at `at` (opening hours, holidays, closures). */
  isOpen(facility: string, at: number): boolean;
  signer: LinkSigner;
  /** Base URL of the ingest's staff pages (acknowledgement links), e.g. https://kanki.example.jp/staff-api. */
  staffUrl: () => string;
  /** Base URL of the public dashboard, for a link to the room; none when unset. */
  publicUrl?: string;
  newDeliveryId(): string;
};

/** The class of an event for the outside-hours policy. */
export function severityOf(event: Pick<AlertEventRecord, 'type' | 'level'>): Severity {
  if (event.type === 'raised' || event.type === 'escalated') return event.level === 'critical' ? 'critical' : 'ventilate';
  if (event.type === 'sensor_offline' || event.type === 'sensor_online') return 'sensor';
  return 'info';
}

export function recipientCovers(r: RecipientConfig, room: Pick<RoomEntry, 'facilityId' | 'facilityKind'>): boolean {
  return (r.facilities.includes('*') || r.facilities.includes(room.facilityId)) && (!r.kinds || r.kinds.includes(room.facilityKind));
}

function wants(r: RecipientConfig, alert: AlertRecord, event: AlertEventRecord): boolean {
  if (r.digestOnly || !r.events.includes(event.type)) return false;
  if (alert.kind === 'co2' && r.minLevel === 'critical') {
    // Raised/escalated at critical, and the follow-ups of an alert that reached critical.
    return event.type === 'raised' || event.type === 'escalated' ? event.level === 'critical' : alert.level === 'critical';
  }
  return true;
}

export function policyFor(config: NotifyConfig, r: RecipientConfig, severity: Severity): OutsideHoursPolicy {
  return r.outsideHours?.[severity] ?? config.outsideHours?.[severity] ?? DEFAULT_OUTSIDE_HOURS[severity];
}

/** Outbox entries for one stored event of `room`. */
export function routeEvent(deps: RouterDeps, room: RoomEntry, alert: AlertRecord, event: AlertEventRecord, trend: Trend | null, now: number): OutboxEntry[] {
  const open = deps.isOpen(room.facilityId, event.at);
  const severity = severityOf(event);
  const entries: OutboxEntry[] = [];
  for (const r of deps.config.recipients) {
    if (!recipientCovers(r, room) || !wants(r, alert, event)) continue;
    const policy = open ? 'send' : policyFor(deps.config, r, severity);
    const canAct = alert.kind === 'co2' && alert.status === 'open' && (event.type === 'raised' || event.type === 'escalated');
    const notice: AlertNotice = {
      kind: 'alert',
      deliveryId: deps.newDeliveryId(),
      facility: { id: room.facilityId, name: room.facilityName },
      room: { id: room.roomId, name: room.name },
      event: {
        type: event.type, level: event.level, co2: event.co2, at: event.at, alertId: String(alert.id),
        ...(event.reason ? { reason: event.reason as NoticeReason } : {}),
        ...(event.projectedMinutes !== undefined ? { projectedMinutes: event.projectedMinutes } : {}),
        ...(event.alertsToday !== undefined ? { alertsToday: event.alertsToday } : {}),
        thresholds: { ...room.thresholds }, trend,
        ...(event.type === 'acknowledged' && alert.ack ? { ack: alert.ack } : {}),
      },
      links: {
        ...(canAct ? { ack: `${deps.staffUrl()}/staff/ack/${deps.signer.sign(alert.id, r.id, now)}` } : {}),
        ...(deps.publicUrl ? { room: `${deps.publicUrl}/rooms/${room.facilityId}/${room.roomId}` } : {}),
      },
    };
    entries.push({
      recipient: r.id, channel: r.channel, kind: 'alert', eventId: event.id, alertId: alert.id, facility: room.facilityId, room: room.roomId, severity,
      status: policy === 'send' ? 'pending' : policy === 'hold' ? 'held' : 'dropped',
      nextAt: now, createdAt: now, note: policy === 'send' ? null : `facility closed (${policy})`, notice,
    });
  }
  return entries;
}
