/**
 * The one storage interface. Two implementations pass the same contract suite
 * (tests/integration/store-contract.ts): InfluxDB (`influx-store.ts`) and the embedded SQLite store
 * (`sqlite-store.ts`).
 */
import type { HistoryPoint, Reading, RoomLatest } from '../reading.ts';

/** Resolution of a history query: every stored point, or per-minute / per-hour means. */
export type Resolution = 'raw' | '1m' | '1h';

export type HistoryQuery = {
  facility: string;
  room: string;
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
  resolution: Resolution;
};

/** How long each resolution is kept. Both stores honour the same numbers. */
export type RetentionConfig = {
  /** Raw readings, ms. */
  raw: number;
  /** Per-minute rollups, ms. */
  minute: number;
  /** Per-hour rollups, ms (0 = forever). */
  hour: number;
};

export const DEFAULT_RETENTION: RetentionConfig = Object.freeze({
  raw: 7 * 24 * 3600_000,
  minute: 90 * 24 * 3600_000,
  hour: 0,
});

export interface ReadingStore {
  /** Short name for logs and metrics (`influxdb`, `sqlite`). */
  readonly kind: string;
  /** Creates what the store needs (database, retention policies, rollups, tables). Safe to call again. */
  init(): Promise<void>;
  /**
   * Stores a batch. Idempotent: the same (facility, room, sensor, time) overwrites, so a replayed
   * or redelivered reading never counts twice — in raw data or in rollups.
   * Throws a `StoreError`; `error.retryable` says whether trying again later makes sense.
   */
  write(readings: readonly Reading[]): Promise<void>;
  /** The newest reading of every room that has one within `maxAgeMs` of now. */
  latest(maxAgeMs: number): Promise<RoomLatest[]>;
  /** One room's history, oldest first. Rollups average over the room's sensors; raw returns every point. */
  history(query: HistoryQuery): Promise<HistoryPoint[]>;
  /** True when the store answers. */
  ping(): Promise<boolean>;
  /** Closes connections and timers. Idempotent. */
  close(): Promise<void>;
}

/**
 * Picks the resolution for a range: raw up to 6 h (≤ ~360 points at one reading a minute),
 * per-minute up to 2 days (≤ 2880), per-hour beyond, and never a resolution whose retention no
 * longer covers the start of the range.
 */
export function chooseResolution(from: number, to: number, now: number, retention: RetentionConfig = DEFAULT_RETENTION): Resolution {
  const span = to - from;
  const age = now - from;
  if (span <= 6 * 3600_000 && age <= retention.raw) return 'raw';
  if (span <= 2 * 24 * 3600_000 && age <= retention.minute) return '1m';
  return '1h';
}
