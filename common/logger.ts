/**
 * The root pino logger (created once, in each `main.ts`) and a rate-limited warning helper for
 * per-message problems, so a flood of bad input cannot flood the logs.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Paths whose values are replaced by `[redacted]` wherever they appear in a log line. */
export const REDACT_PATHS = [
  'password', '*.password', 'secret', '*.secret', 'token', '*.token', 'authorization', '*.authorization',
  'headers.authorization', 'channelAccessToken', '*.channelAccessToken', 'smtp.password', '*.smtp.password', 'config.influxPassword', 'config.liveMqttPassword', 'config.influxToken', 'config.mqttPassword', 'config.ingestToken',
];

/** `destination`: where the NDJSON lines go (default stdout); the simulator's live panel passes a wrapper. */
export function createLogger(options: { level?: string; name?: string; destination?: DestinationStream } = {}): Logger {
  const opts = {
    name: options.name ?? 'kanki',
    level: options.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  return options.destination ? pino(opts, options.destination) : pino(opts);
}

/** A logger that writes nothing (tests, benchmarks). */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}

/**
 * Logs at most `perInterval` lines per key per interval and then one summary of how many were
 * suppressed. Keys are usually a reject reason.
 */
export class RateLimitedLog {
  private readonly windows = new Map<string, { start: number; count: number; suppressed: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly perInterval = 5,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  warn(key: string, fields: Record<string, unknown>, message: string): void {
    const t = this.now();
    let w = this.windows.get(key);
    if (!w || t - w.start >= this.intervalMs) {
      if (w && w.suppressed > 0) this.logger.warn({ key, suppressed: w.suppressed }, `suppressed ${w.suppressed} similar warning(s)`);
      w = { start: t, count: 0, suppressed: 0 };
      this.windows.set(key, w);
    }
    if (w.count < this.perInterval) {
      w.count++;
      this.logger.warn({ key, ...fields }, message);
    } else {
      w.suppressed++;
    }
  }
}
