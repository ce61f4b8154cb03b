/**
 * Where bad messages go: every reject is counted by reason, logged (rate-limited), published on the
 * dead-letter topic with its reason (rate-limited, so a flood of garbage cannot flood the broker),
 * and appended to a bounded local file `DATA_DIR/ingest/rejected.ndjson` (rotated once to `.1`),
 * so staff and developers can see what a device really sent.
 */
import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../../common/logger.ts';
import { RateLimitedLog } from '../../common/logger.ts';
import type { DeadLetter } from '../../common/payloads.ts';
import { DEAD_LETTER_TOPIC } from '../../common/topics.ts';
import type { RejectReason } from './decoders/decoder.ts';
import type { IngestMetrics } from './metrics.ts';

const PAYLOAD_EXCERPT_BYTES = 512;

export type DeadLetterOptions = {
  file: string;
  /** The file is rotated when it grows past this. */
  maxFileBytes: number;
  /** Dead letters published per second at most. */
  publishPerSecond: number;
};

export class DeadLetters {
  private readonly warn: RateLimitedLog;
  private tokens: number;
  private lastRefill: number;
  private fileBytes: number;

  constructor(
    private readonly options: DeadLetterOptions,
    private readonly deps: { publish: (topic: string, payload: string) => void; metrics: IngestMetrics; logger: Logger; now: () => number },
  ) {
    this.warn = new RateLimitedLog(deps.logger, 5, 10_000, deps.now);
    this.tokens = options.publishPerSecond;
    this.lastRefill = deps.now();
    mkdirSync(dirname(options.file), { recursive: true });
    try {
      this.fileBytes = statSync(options.file).size;
    } catch {
      this.fileBytes = 0;
    }
  }

  reject(reason: RejectReason, detail: string, topic: string, payload: Buffer): void {
    const now = this.deps.now();
    this.deps.metrics.rejected.inc({ reason });
    this.warn.warn(reason, { reason, topic: topic.slice(0, 200), detail: detail.slice(0, 300), bytes: payload.length }, 'message rejected');
    const letter: DeadLetter = {
      reason,
      detail: detail.slice(0, 1000),
      topic: topic.slice(0, 256),
      receivedAt: new Date(now).toISOString(),
      payload: payload.subarray(0, PAYLOAD_EXCERPT_BYTES).toString('utf8'),
      payloadBytes: payload.length,
    };
    const line = JSON.stringify(letter);
    this.appendToFile(line);
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens--;
      this.deps.publish(DEAD_LETTER_TOPIC, line);
    } else {
      this.deps.metrics.deadLettersSuppressed.inc();
    }
  }

  private refill(now: number): void {
    const elapsed = now - this.lastRefill;
    if (elapsed <= 0) return;
    this.tokens = Math.min(this.options.publishPerSecond, this.tokens + (elapsed * this.options.publishPerSecond) / 1000);
    this.lastRefill = now;
  }

  private appendToFile(line: string): void {
    try {
      if (this.fileBytes > this.options.maxFileBytes) {
        renameSync(this.options.file, `${this.options.file}.1`);
        this.fileBytes = 0;
      }
      appendFileSync(this.options.file, `${line}\n`);
      this.fileBytes += Buffer.byteLength(line) + 1;
    } catch (err) {
      this.warn.warn('dead-letter-file', { err }, 'cannot write the rejected-messages file');
    }
  }
}
