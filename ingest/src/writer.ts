/**
 * Drains the write-ahead log into the store in batches, by size and by interval, and advances the
 * checkpoint only after the store acknowledged. A retryable failure (store down, slow, auth) leaves
 * everything in the log and retries with backoff; the log is then the outage spool, replayed in
 * order when the store returns. A batch the store refuses as invalid is set aside to a file with
 * the reason (never silently dropped) so the rest keeps flowing.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../common/logger.ts';
import { RateLimitedLog } from '../../common/logger.ts';
import type { ReadingStore } from '../../common/store/reading-store.ts';
import type { IngestMetrics } from './metrics.ts';
import type { WalBatch, WriteAheadLog } from './wal.ts';

export type WriterOptions = {
  batchSize: number;
  flushIntervalMs: number;
  /** Where batches the store refused as invalid are saved. */
  failedDir: string;
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Store writes in flight at once (default 2). */
  concurrency?: number;
};

export type WriterDeps = { wal: WriteAheadLog; store: ReadingStore; metrics: IngestMetrics; logger: Logger; now?: () => number };

export class StoreWriter {
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | undefined;
  private retryAt = 0;
  private backoffMs = 0;
  private lastFlush = 0;
  /** True from a failed write (or a restart with a backlog) until the backlog is drained: those writes are replays. */
  private recovering: boolean;
  private stopped = false;
  private readonly warn: RateLimitedLog;
  private readonly now: () => number;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly options: WriterOptions, private readonly deps: WriterDeps) {
    this.now = deps.now ?? Date.now;
    this.warn = new RateLimitedLog(deps.logger, 3, 30_000, this.now);
    this.recovering = deps.wal.hasUnread();
    if (this.recovering) deps.logger.info({ pendingBytes: deps.wal.backlogBytes() }, 'replaying readings spooled before the last stop');
  }

  /** True while the store is failing and readings accumulate in the spool. */
  get storeDown(): boolean {
    return this.backoffMs > 0;
  }

  start(): void {
    this.timer = setInterval(() => this.kick(true), Math.max(10, Math.min(this.options.flushIntervalMs, 250)));
    this.timer.unref();
    this.kick(true);
  }

  /** Called after each append: writes at once when a full batch is waiting. */
  notifyAppended(): void {
    if (!this.running && this.deps.wal.backlogBytes() > 0 && this.fullBatchWaiting()) this.kick(false);
  }

  /** Registers a callback run after every successful commit (frees spool space). */
  onCommit(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Writes everything in the log, retrying, until it is empty or `timeoutMs` passed. Returns true when empty. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = this.now() + timeoutMs;
    while (this.deps.wal.hasUnread() && this.now() < deadline) {
      this.retryAt = Math.min(this.retryAt, this.now());
      await this.kick(true, true);
      if (this.deps.wal.hasUnread()) await new Promise((r) => setTimeout(r, Math.min(200, Math.max(0, deadline - this.now()))));
    }
    return !this.deps.wal.hasUnread();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private fullBatchWaiting(): boolean {
    // Lines average ~90 bytes; an estimate is enough to decide when to wake the writer.
    return this.deps.wal.backlogBytes() >= this.options.batchSize * 90;
  }

  private kick(byTimer: boolean, force = false): Promise<void> {
    if (this.running) return this.running;
    if (!force && this.stopped) return Promise.resolve();
    if (this.now() < this.retryAt) return Promise.resolve();
    if (byTimer && !force && this.now() - this.lastFlush < this.options.flushIntervalMs && !this.fullBatchWaiting()) return Promise.resolve();
    this.running = this.pump(force).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /**
   * Writes batches with up to `concurrency` store writes in flight (InfluxDB ingests faster with two
   * writers), committing strictly in log order: a batch's end becomes the checkpoint only when it
   * and every batch before it are stored. After a retryable failure nothing later is committed;
   * the log rewinds to the checkpoint and the writes that did land are simply repeated (idempotent).
   */
  private async pump(force: boolean): Promise<void> {
    const { wal, store, metrics } = this.deps;
    const concurrency = this.options.concurrency ?? 2;
    const inflight: { batch: WalBatch; started: number; result: Promise<unknown> }[] = [];
    let failed = false;
    const fill = () => {
      while (!failed && inflight.length < concurrency && wal.hasUnread() && (force || !this.stopped)) {
        // A second write only for a full batch; otherwise let the interval gather one.
        if (inflight.length > 0 && !force && !this.fullBatchWaiting()) break;
        const batch = wal.readBatch(this.options.batchSize);
        if (batch.corrupt > 0) {
          metrics.walCorrupt.inc(batch.corrupt);
          this.deps.logger.warn({ lines: batch.corrupt }, 'skipped unreadable write-ahead log lines (torn by a crash)');
        }
        const result = batch.readings.length === 0 ? Promise.resolve(null) : store.write(batch.readings).then(() => null, (err: unknown) => err ?? new Error('store write failed'));
        inflight.push({ batch, started: performance.now(), result });
      }
    };
    fill();
    while (inflight.length > 0) {
      const head = inflight.shift() as (typeof inflight)[number];
      const err = await head.result;
      if (failed) continue;
      if (err === null) this.committed(head.batch, head.started);
      else {
        const e = err as { code?: string; retryable?: boolean; message?: string };
        metrics.storeErrors.inc({ code: e.code ?? 'unknown' });
        if (e.retryable !== false) {
          failed = true;
          wal.rewind();
          this.storeFailed(err);
          continue;
        }
        this.setAside(head.batch.readings, e.message ?? String(err));
        wal.commit(head.batch.end, head.batch.readings.length);
      }
      if (force || this.fullBatchWaiting()) fill();
    }
    metrics.backlog.set(wal.backlogRecords());
    metrics.backlogBytes.set(wal.backlogBytes());
  }

  private committed(batch: WalBatch, started: number): void {
    const { wal, metrics, logger } = this.deps;
    wal.commit(batch.end, batch.readings.length);
    if (batch.readings.length === 0) return;
    metrics.writeSeconds.observe((performance.now() - started) / 1000);
    metrics.batchSize.observe(batch.readings.length);
    metrics.stored.inc(batch.readings.length);
    if (this.recovering) metrics.replayed.inc(batch.readings.length);
    if (this.backoffMs > 0) logger.info({ pendingBytes: wal.backlogBytes() }, 'store is back; replaying the spool');
    this.backoffMs = 0;
    this.retryAt = 0;
    this.lastFlush = this.now();
    metrics.storeUp.set(1);
    if (!wal.hasUnread()) this.recovering = false;
    for (const l of this.listeners) l();
  }

  private storeFailed(err: unknown): void {
    const { wal, metrics } = this.deps;
    // From the first failure on, everything waiting is held by the spool; later appends are counted as they come.
    if (this.backoffMs === 0) metrics.spooled.inc(wal.backlogRecords());
    this.backoffMs = Math.min(this.options.retryMaxMs ?? 30_000, Math.max(this.options.retryMinMs ?? 250, this.backoffMs * 2));
    this.retryAt = this.now() + this.backoffMs;
    this.recovering = true;
    metrics.storeUp.set(0);
    this.warn.warn('store-down', { err, retryInMs: this.backoffMs, pendingBytes: wal.backlogBytes() }, 'store write failed; readings stay in the spool and will be retried');
  }

  private setAside(readings: readonly { time: number }[], reason: string): void {
    const { metrics, logger } = this.deps;
    metrics.setAside.inc(readings.length);
    try {
      mkdirSync(this.options.failedDir, { recursive: true });
      const file = join(this.options.failedDir, `${new Date(this.now()).toISOString().slice(0, 10)}.ndjson`);
      appendFileSync(file, `${JSON.stringify({ at: new Date(this.now()).toISOString(), reason, readings })}\n`);
      logger.error({ readings: readings.length, reason, file }, 'the store refused a batch as invalid; it was set aside');
    } catch (err) {
      logger.error({ err, readings: readings.length, reason }, 'the store refused a batch and it could not be set aside');
    }
  }
}
