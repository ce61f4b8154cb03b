/**
 * Delivers the outbox. Each channel has its own small pool of concurrent sends, so a channel that
 * hangs or fails (an SMTP server down, a revoked LINE token) holds only its own rows back — the
 * others, and the ingest, go on. Each send has a timeout; a retryable failure is tried again with
 * exponential backoff and jitter (or the server's Retry-After), up to `maxAttempts`; a permanent
 * one is recorded as failed at once. Per recipient, at most `maxPerHour` notifications go out per
 * rolling hour (critical ones always go); the rest are recorded as suppressed and counted in the
 * recipient's next message and digest. Held notifications (facility closed) are released when
 * the facility opens, if their alert is still open then.
 */
import type { Logger } from '../../../common/logger.ts';
import type { AlertLog } from '../alerts/alert-log.ts';
import type { IngestMetrics } from '../metrics.ts';
import type { RecipientConfig } from './notify-config.ts';
import { DeliveryError, type Notice, type Notifier } from './notifier.ts';
import type { Outbox, OutboxRow } from './outbox.ts';

export type DispatcherOptions = {
  /** Concurrent sends per channel. */
  concurrencyPerChannel: number;
  /** A send not accepted within this is aborted and retried. */
  timeoutMs: number;
  /** Attempts per notification before it is recorded as failed. */
  maxAttempts: number;
  /** First retry delay; doubles per attempt, with ±25 % jitter, up to `maxBackoffMs`. */
  baseBackoffMs: number;
  maxBackoffMs: number;
  /** How often the outbox is looked at when nothing wakes the dispatcher. */
  pollMs: number;
};

export const DEFAULT_DISPATCHER_OPTIONS: DispatcherOptions = Object.freeze({
  concurrencyPerChannel: 2, timeoutMs: 10_000, maxAttempts: 8, baseBackoffMs: 2000, maxBackoffMs: 15 * 60_000, pollMs: 1000,
});

export type DispatcherDeps = {
  outbox: Outbox;
  log: AlertLog;
  notifiers: ReadonlyMap<string, Notifier>;
  recipients: ReadonlyMap<string, RecipientConfig>;
  isOpen(facility: string, at: number): boolean;
  /** Called once per poll: makes digests that are due (see digest.ts). */
  onPoll?(now: number): void;
  metrics: IngestMetrics;
  logger: Logger;
  now: () => number;
  random?: () => number;
};

const HOUR = 3_600_000;

export class Dispatcher {
  private readonly active = new Map<string, number>();
  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly inFlightByRecipient = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private woken = false;
  private closed = false;

  constructor(private readonly options: DispatcherOptions, private readonly deps: DispatcherDeps) {}

  start(): void {
    this.timer = setInterval(() => this.pump(), this.options.pollMs);
    this.timer.unref();
    this.wake();
  }

  /** Looks at the outbox soon (new rows were added). */
  wake(): void {
    if (this.woken || this.closed) return;
    this.woken = true;
    setImmediate(() => {
      this.woken = false;
      this.pump();
    });
  }

  /** Stops taking new rows and waits up to `timeoutMs` for sends in flight (the rest stay pending for the next start). */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight.values()]),
      new Promise<void>((resolve) => (timeout = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timeout);
    await Promise.allSettled([...this.deps.notifiers.values()].map((n) => n.close?.()));
  }

  /** Sends in flight (tests, shutdown). */
  get busy(): number {
    return this.inFlight.size;
  }

  private pump(): void {
    if (this.closed) return;
    const now = this.deps.now();
    try {
      this.deps.onPoll?.(now);
      this.releaseHeld(now);
      for (const name of this.deps.notifiers.keys()) {
        const free = this.options.concurrencyPerChannel - (this.active.get(name) ?? 0);
        if (free <= 0) continue;
        const rows = this.deps.outbox.due(name, now, free + this.options.concurrencyPerChannel).filter((r) => !this.inFlight.has(r.id));
        for (const row of rows.slice(0, free)) this.deliver(row, now);
      }
    } catch (err) {
      this.deps.logger.error({ err }, 'notification dispatch failed; trying again at the next poll');
    }
  }

  private releaseHeld(now: number): void {
    for (const row of this.deps.outbox.held()) {
      if (row.facility && !this.deps.isOpen(row.facility, now)) continue;
      const alert = row.alertId === null || row.alertId === undefined ? undefined : this.deps.log.alert(row.alertId);
      if (alert && alert.status !== 'open') {
        this.deps.outbox.markDone(row.id, 'dropped', now, 'the alert ended while the facility was closed');
        this.deps.metrics.notifications.inc({ channel: row.channel, outcome: 'dropped' });
      } else {
        this.deps.outbox.release(row.id, now);
      }
    }
  }

  private deliver(row: OutboxRow, now: number): void {
    const { outbox, metrics } = this.deps;
    const recipient = this.deps.recipients.get(row.recipient);
    const notifier = this.deps.notifiers.get(row.channel);
    if (!recipient || !notifier) {
      outbox.markDone(row.id, 'failed', now, 'recipient or channel no longer configured');
      metrics.notifications.inc({ channel: row.channel, outcome: 'failed' });
      return;
    }
    let notice: Notice = row.notice;
    if (row.kind === 'alert') {
      const recent = outbox.sentSince(recipient.id, now - HOUR) + (this.inFlightByRecipient.get(recipient.id) ?? 0);
      if (row.severity !== 'critical' && recent >= recipient.maxPerHour) {
        outbox.markDone(row.id, 'suppressed', now, `rate limit: ${recipient.maxPerHour} per hour`);
        metrics.notifications.inc({ channel: row.channel, outcome: 'suppressed' });
        return;
      }
      const suppressed = outbox.suppressedSinceLastSent(recipient.id);
      if (suppressed > 0 && notice.kind === 'alert') notice = { ...notice, suppressed };
    }
    outbox.countAttempt(row.id);
    const attempt = row.attempts + 1;
    this.active.set(row.channel, (this.active.get(row.channel) ?? 0) + 1);
    this.inFlightByRecipient.set(recipient.id, (this.inFlightByRecipient.get(recipient.id) ?? 0) + 1);
    const started = performance.now();
    const to = { id: recipient.id, name: recipient.name, lang: recipient.lang, ...(recipient.address ? { address: recipient.address } : {}) };
    const sending = notifier
      .send(notice, to, AbortSignal.timeout(this.options.timeoutMs))
      .then(() => {
        outbox.markSent(row.id, this.deps.now());
        metrics.notifications.inc({ channel: row.channel, outcome: 'sent' });
        metrics.notifySeconds.observe({ channel: row.channel }, (performance.now() - started) / 1000);
      })
      .catch((err: unknown) => this.failed(row, attempt, err))
      .finally(() => {
        this.inFlight.delete(row.id);
        this.active.set(row.channel, (this.active.get(row.channel) ?? 1) - 1);
        this.inFlightByRecipient.set(recipient.id, (this.inFlightByRecipient.get(recipient.id) ?? 1) - 1);
        this.wake();
      });
    this.inFlight.set(row.id, sending);
  }

  private failed(row: OutboxRow, attempt: number, err: unknown): void {
    const { outbox, metrics, logger } = this.deps;
    const now = this.deps.now();
    const e = err instanceof DeliveryError ? err : new DeliveryError('KANKI_NOTIFY_FAILED', (err as Error)?.message ?? String(err), { retryable: true, cause: err });
    const summary = `${e.code}: ${e.message}`.slice(0, 500);
    if (e.retryable && attempt < this.options.maxAttempts) {
      const backoff = Math.min(this.options.maxBackoffMs, this.options.baseBackoffMs * 2 ** (attempt - 1)) * (0.75 + 0.5 * (this.deps.random ?? Math.random)());
      const delay = Math.max(backoff, e.retryAfterMs ?? 0);
      outbox.markRetry(row.id, now + Math.round(delay), summary);
      metrics.notifications.inc({ channel: row.channel, outcome: 'retry' });
      logger.warn({ channel: row.channel, recipient: row.recipient, outbox: row.id, attempt, code: e.code, retryInMs: Math.round(delay) }, `notification failed, will retry: ${e.message}`);
    } else {
      outbox.markDone(row.id, 'failed', now, summary);
      metrics.notifications.inc({ channel: row.channel, outcome: 'failed' });
      logger.error({ channel: row.channel, recipient: row.recipient, outbox: row.id, attempt, code: e.code }, `notification failed for good: ${e.message}`);
    }
  }
}
