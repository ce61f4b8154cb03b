/**
 * Rollups for late readings. A continuous query only looks back its `RESAMPLE FOR` window, so
 * readings that arrive later (a spool replayed after an outage, a device that was offline) would
 * never reach the rollups. For those buckets the store runs the CQ's own `SELECT … INTO` itself.
 *
 * The recomputation is deferred briefly and coalesced rather than run after every batch: a
 * city-wide replay writes thousands of batches into the same hour, and recomputing that hour for
 * every series after each batch made replay ~100× slower than the raw writes (measured: 1.3k vs
 * 129k readings/s). A history query of this process flushes what is pending first, so its own
 * readers always see complete rollups; `close()` flushes too.
 */
import type { Logger } from '../logger.ts';
import type { Reading } from '../reading.ts';
import type { InfluxHttp } from './influx-http.ts';
import { quoteString, storedTagValue } from './line-protocol.ts';
import { rollupSelect, ROLLUPS, type RollupSpec } from './influx-schema.ts';

type Res = '1m' | '1h';

/** Buckets waiting for recomputation, and the series they came from (`null` = too many to list). */
export type Pending = { buckets: Set<number>; series: Map<string, Reading> | null };

/** Above this many distinct sensors a filter would cost more to parse than it saves; recompute all series. */
const MAX_FILTERED_SERIES = 32;

/** How long touched buckets wait for more of the same replay before being recomputed. */
export const BACKFILL_DELAY_MS: Readonly<Record<Res, number>> = Object.freeze({ '1m': 2000, '1h': 30_000 });

/**
 * Adds the buckets of `readings` that need a backfill to `pending`.
 *
 * A bucket needs it when the next CQ run (at most `everyMs` away) will no longer reach it:
 * `bucketStart < now - (forMs - everyMs)`. Buckets starting before the raw retention horizon are
 * left alone: their raw data is partly gone, and a recompute would overwrite a complete rollup with
 * a partial one.
 */
export function collectBackfill(readings: readonly Reading[], spec: RollupSpec, now: number, rawRetentionMs: number, pending: Pending): void {
  const newest = now - (spec.forMs - spec.everyMs);
  const oldest = rawRetentionMs > 0 ? now - rawRetentionMs : -Infinity;
  for (const r of readings) {
    const bucket = Math.floor(r.time / spec.bucketMs) * spec.bucketMs;
    if (bucket >= newest || bucket < oldest) continue;
    pending.buckets.add(bucket);
    if (pending.series) {
      pending.series.set(JSON.stringify([r.facility, r.room, r.sensor]), r);
      if (pending.series.size > MAX_FILTERED_SERIES) pending.series = null;
    }
  }
}

/**
 * The `SELECT … INTO` statements for pending buckets. Nearby buckets are coalesced into one range
 * (recomputing a few untouched buckets in a gap is harmless: it overwrites identical points).
 */
export function backfillStatements(db: string, spec: RollupSpec, pending: Pending): string[] {
  const sorted = [...pending.buckets].sort((a, b) => a - b);
  const maxGap = (spec.resolution === '1m' ? 10 : 2) * spec.bucketMs;
  const ranges: [number, number][] = [];
  for (const start of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && start - last[1] <= maxGap) last[1] = start + spec.bucketMs;
    else ranges.push([start, start + spec.bucketMs]);
  }
  let filter = '';
  if (pending.series) {
    const terms = [...pending.series.values()].map((r) => {
      const [f, room, sensor] = [r.facility, r.room, r.sensor].map((v) => quoteString(storedTagValue(v)));
      return `("facility" = ${f} AND "room" = ${room} AND "sensor" = ${sensor})`;
    });
    filter = ` AND (${terms.join(' OR ')})`;
  }
  return ranges.map(([start, end]) => rollupSelect(db, spec, ` AND time >= ${start}ms AND time < ${end}ms${filter}`));
}

/** Collects late buckets from writes and recomputes them shortly after; see the module comment. */
export type Backfiller = {
  /** Notes the buckets of a written batch; never throws, never waits. */
  add(readings: readonly Reading[]): void;
  /** Recomputes what is pending for one resolution (and waits for a run already going). */
  flush(resolution: Res): Promise<void>;
  /** Flushes everything and stops the timers. */
  close(): Promise<void>;
};

/** Creates the backfiller of one InfluxDB store (rollups = 'cq' with a managed schema). */
export function createBackfiller(o: { http: InfluxHttp; db: string; logger: Logger; now: () => number; rawRetentionMs: number }): Backfiller {
  const empty = (): Pending => ({ buckets: new Set(), series: new Map() });
  const pending: Record<Res, Pending> = { '1m': empty(), '1h': empty() };
  const timers: Partial<Record<Res, NodeJS.Timeout>> = {};
  // One recomputation at a time, so a slow server is not handed a pile of concurrent SELECT INTOs.
  let running: Promise<void> = Promise.resolve();

  async function run(spec: RollupSpec, p: Pending): Promise<void> {
    const statements = backfillStatements(o.db, spec, p);
    // Raw data is already safe; a failed backfill only leaves old rollup buckets stale, so it is
    // logged (with the statements, to rerun by hand) rather than failing a write.
    try {
      const results = await o.http.query(statements.join('; '), o.db);
      const failed = results.flatMap((r, i) => (r.error ? [`${statements[i]}: ${r.error}`] : []));
      if (failed.length > 0) o.logger.warn({ failed }, 'rollup backfill for late readings failed');
    } catch (err) {
      o.logger.warn({ err, statements }, 'rollup backfill for late readings failed');
    }
  }

  function flush(resolution: Res): Promise<void> {
    clearTimeout(timers[resolution]);
    timers[resolution] = undefined;
    const p = pending[resolution];
    if (p.buckets.size > 0) {
      pending[resolution] = empty();
      running = running.then(() => run(ROLLUPS[resolution], p));
    }
    return running;
  }

  return {
    add(readings) {
      const t = o.now();
      for (const resolution of ['1m', '1h'] as const) {
        collectBackfill(readings, ROLLUPS[resolution], t, o.rawRetentionMs, pending[resolution]);
        if (pending[resolution].buckets.size > 0 && !timers[resolution]) {
          timers[resolution] = setTimeout(() => void flush(resolution), BACKFILL_DELAY_MS[resolution]);
          timers[resolution].unref();
        }
      }
    },
    flush,
    async close() {
      await Promise.all([flush('1m'), flush('1h')]);
    },
  };
}
