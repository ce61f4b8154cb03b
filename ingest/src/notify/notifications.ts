/**
 * The notification side of the ingest, assembled: opening calendars per facility, one notifier per
 * configured channel, the router that turns stored events into outbox rows, digests and the
 * dispatcher that delivers them. `createNotifications` only builds; `start()` begins delivering.
 */
import { randomUUID } from 'node:crypto';
import { createOpeningCalendar, type OpeningCalendar } from '../../../common/calendar.ts';
import type { Logger } from '../../../common/logger.ts';
import type { Registry, RoomEntry } from '../../../common/registry.ts';
import type { AlertEventRecord, AlertLog, AlertRecord } from '../alerts/alert-log.ts';
import type { IngestMetrics } from '../metrics.ts';
import { createNotifier, type MqttPublish } from './channels/index.ts';
import { queueDueDigests } from './digest.ts';
import { Dispatcher, type DispatcherOptions } from './dispatcher.ts';
import type { LinkSigner } from './links.ts';
import type { NotifyConfig, RecipientConfig } from './notify-config.ts';
import type { Notifier, Trend } from './notifier.ts';
import type { Outbox } from './outbox.ts';
import { routeEvent } from './router.ts';

export type NotificationsDeps = {
  config: NotifyConfig;
  registry: Registry;
  log: AlertLog;
  outbox: Outbox;
  signer: LinkSigner;
  /** Base URL of the ingest's HTTP port as staff reach it (known once it listens). */
  staffUrl: () => string;
  publicUrl?: string;
  timeZone: string;
  publish: MqttPublish;
  metrics: IngestMetrics;
  logger: Logger;
  now: () => number;
  /** Channels to use instead of building them from the config (by channel name). */
  notifiers?: ReadonlyMap<string, Notifier>;
};

export type Notifications = {
  recipients: ReadonlyMap<string, RecipientConfig>;
  /** Whether a facility is open at `at` (unknown facilities count as open). */
  isOpen(facility: string, at: number): boolean;
  /** Queues the notifications of one stored event (call inside the event's transaction). */
  route(room: RoomEntry, alert: AlertRecord, event: AlertEventRecord, trend: Trend | null): number;
  /** A notification was queued: deliver soon. */
  wake(): void;
  start(): void;
  close(): Promise<void>;
};

export function createNotifications(deps: NotificationsDeps, options: DispatcherOptions): Notifications {
  const logger = deps.logger.child({ component: 'notify' });
  const calendars = new Map<string, OpeningCalendar>();
  for (const f of deps.registry.facilities) {
    calendars.set(f.id, createOpeningCalendar({ hours: f.hours, closures: f.closures, holidays: f.holidays, timeZone: deps.timeZone }));
  }
  const isOpen = (facility: string, at: number) => calendars.get(facility)?.isOpen(at) ?? true;
  const notifiers = new Map<string, Notifier>(deps.notifiers ?? []);
  for (const [name, channel] of Object.entries(deps.config.channels)) {
    if (!notifiers.has(name)) notifiers.set(name, createNotifier(name, channel, { logger, timeZone: deps.timeZone, now: deps.now, publish: deps.publish }));
  }
  const recipients = new Map(deps.config.recipients.map((r) => [r.id, r]));
  const claimed = new Set<string>();
  const digestDeps = { log: deps.log, outbox: deps.outbox, registry: deps.registry, recipients: deps.config.recipients, timeZone: deps.timeZone, claimed };
  const routerDeps = { config: deps.config, isOpen, signer: deps.signer, staffUrl: deps.staffUrl, publicUrl: deps.publicUrl, newDeliveryId: randomUUID };

  const dispatcher = new Dispatcher(options, {
    outbox: deps.outbox, log: deps.log, notifiers, recipients, isOpen, metrics: deps.metrics, logger, now: deps.now,
    onPoll: (now) => {
      if (queueDueDigests(digestDeps, now) > 0) logger.info('daily digests queued');
    },
  });

  return {
    recipients,
    isOpen,
    route(room, alert, event, trend) {
      const entries = routeEvent(routerDeps, room, alert, event, trend, deps.now());
      for (const e of entries) {
        deps.outbox.enqueue(e);
        if (e.status !== 'pending') deps.metrics.notifications.inc({ channel: e.channel, outcome: e.status });
      }
      return entries.filter((e) => e.status === 'pending').length;
    },
    wake: () => dispatcher.wake(),
    start: () => dispatcher.start(),
    close: () => dispatcher.close(),
  };
}
