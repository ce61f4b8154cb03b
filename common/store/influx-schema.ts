/**
 * InfluxDB 1.x schema: the database, three retention policies (`raw` DEFAULT, `rollup_1m`,
 * `rollup_1h`) and the two continuous queries that fill the rollups. `ensureInfluxSchema` makes
 * the server match the configuration — creating what is missing, altering durations that
 * changed, replacing CQs whose text changed — so running it on every start is safe.
 */
import type { Logger } from '../logger.ts';
import type { RetentionConfig } from './reading-store.ts';
import type { InfluxHttp, InfluxStatementResult } from './influx-http.ts';
import { MEASUREMENT, quoteIdent } from './line-protocol.ts';
import { StoreError } from '../errors.ts';
import { STORE_ERROR_CODES } from './store-errors.ts';

/** Retention policy of raw readings; the database's DEFAULT, so ad-hoc queries find the data. */
export const RAW_RP = 'raw';

/** How one rollup resolution is stored and kept fresh. */
export type RollupSpec = {
  resolution: '1m' | '1h';
  rp: string;
  measurement: string;
  bucketMs: number;
  cqName: string;
  /** RESAMPLE EVERY: how often the CQ runs. */
  everyMs: number;
  /** RESAMPLE FOR: how far back each run recomputes; older late data needs an explicit backfill. */
  forMs: number;
};

export const ROLLUPS: Readonly<Record<'1m' | '1h', RollupSpec>> = Object.freeze({
  '1m': { resolution: '1m', rp: 'rollup_1m', measurement: 'air_1m', bucketMs: 60_000, cqName: 'kanki_air_1m', everyMs: 60_000, forMs: 5 * 60_000 },
  // Every 10 min over 2 h: an hour's mean settles shortly after the hour, and readings up to
  // ~1h50 late are still folded in by the CQ itself.
  '1h': { resolution: '1h', rp: 'rollup_1h', measurement: 'air_1h', bucketMs: 3_600_000, cqName: 'kanki_air_1h', everyMs: 600_000, forMs: 2 * 3_600_000 },
});

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** An InfluxQL duration literal for whole ms (`INF` for 0). */
export function formatDuration(duration: number): string {
  const ms = Math.round(duration);
  if (ms === 0) return 'INF';
  if (ms % HOUR === 0) return `${ms / HOUR}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** Parses Go's `time.Duration` text as SHOW RETENTION POLICIES prints it (`168h0m0s`, `0s`). */
export function parseGoDuration(text: string): number {
  const units: Record<string, number> = { h: HOUR, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) total += Number(m[1]) * (units[m[2] as string] ?? 0);
  return Math.round(total);
}

/**
 * Shard group length for a retention (InfluxDB's own defaults, plus long groups for forever):
 * small retention drops whole shards often, long retention keeps the shard count low.
 */
export function shardDurationFor(retentionMs: number): number {
  if (retentionMs === 0) return 30 * DAY;
  if (retentionMs <= 2 * DAY) return HOUR;
  if (retentionMs <= 180 * DAY) return DAY;
  return 7 * DAY;
}

/** InfluxDB refuses retention policies shorter than one hour. */
const MIN_RETENTION = HOUR;

/** `FROM` target for raw data: fully qualified when we manage the RPs, else the database default. */
export function rawSource(db: string, manageSchema: boolean): string {
  return manageSchema ? `${quoteIdent(db)}.${quoteIdent(RAW_RP)}.${quoteIdent(MEASUREMENT)}` : quoteIdent(MEASUREMENT);
}

/**
 * The rollup `SELECT … INTO`, shared by the CQ and the backfill so both write identical points:
 * only `ok` readings count; `GROUP BY *` keeps facility/room/sensor as tags, so a rollup point is
 * per sensor and bucket, and recomputing it overwrites (idempotent).
 */
export function rollupSelect(db: string, spec: RollupSpec, extraWhere = ''): string {
  return (
    'SELECT mean("co2") AS "co2", max("co2") AS "co2_max", mean("temperature") AS "temperature", ' +
    'mean("humidity") AS "humidity", count("co2") AS "samples" ' +
    `INTO ${quoteIdent(db)}.${quoteIdent(spec.rp)}.${quoteIdent(spec.measurement)} FROM ${rawSource(db, true)} ` +
    `WHERE "quality" = 'ok'${extraWhere} GROUP BY time(${spec.resolution}), *`
  );
}

/** The `CREATE CONTINUOUS QUERY` of one rollup resolution. */
export function cqStatement(db: string, spec: RollupSpec): string {
  return (
    `CREATE CONTINUOUS QUERY ${quoteIdent(spec.cqName)} ON ${quoteIdent(db)} ` +
    // 1.6.7 needs the RESAMPLE keyword spelled out before EVERY/FOR.
    `RESAMPLE EVERY ${formatDuration(spec.everyMs)} FOR ${formatDuration(spec.forMs)} ` +
    `BEGIN ${rollupSelect(db, spec)} END`
  );
}

/** Throws the first statement error of a batch of admin statements. */
function check(results: InfluxStatementResult[], what: string): InfluxStatementResult[] {
  for (const r of results) {
    if (r.error) throw new StoreError(STORE_ERROR_CODES.rejected, `InfluxDB ${what} failed: ${r.error}`, { retryable: false });
  }
  return results;
}

function rows(result: InfluxStatementResult | undefined, seriesName?: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const s of result?.series ?? []) {
    if (seriesName !== undefined && s.name !== seriesName) continue;
    for (const v of s.values) out.push(Object.fromEntries(s.columns.map((c, i) => [c, v[i]])));
  }
  return out;
}

/** What `ensureInfluxSchema` makes the server match. */
export type SchemaOptions = { db: string; retention: RetentionConfig; rollups: 'cq' | 'query'; logger: Logger };

function clampRetention(name: string, ms: number, logger: Logger): number {
  if (ms !== 0 && ms < MIN_RETENTION) {
    logger.warn({ rp: name, requestedMs: ms }, 'InfluxDB keeps data at least 1 h; using 1 h');
    return MIN_RETENTION;
  }
  return ms;
}

async function ensureRetentionPolicies(http: InfluxHttp, o: SchemaOptions, wanted: [name: string, ms: number, isDefault: boolean][]): Promise<void> {
  const [shown] = check(await http.query(`SHOW RETENTION POLICIES ON ${quoteIdent(o.db)}`, o.db), 'SHOW RETENTION POLICIES');
  const existingAll = rows(shown);
  for (const [name, wantMs, isDefault] of wanted) {
    const duration = clampRetention(name, wantMs, o.logger);
    const shard = shardDurationFor(duration);
    const existing = existingAll.find((r) => r.name === name);
    const target = `${quoteIdent(name)} ON ${quoteIdent(o.db)}`;
    const shardSpec = `SHARD DURATION ${formatDuration(shard)}${isDefault ? ' DEFAULT' : ''}`;
    if (!existing) {
      check(await http.query(`CREATE RETENTION POLICY ${target} DURATION ${formatDuration(duration)} REPLICATION 1 ${shardSpec}`, o.db), `CREATE RETENTION POLICY ${name}`);
      o.logger.info({ rp: name, duration: formatDuration(duration) }, 'created retention policy');
      continue;
    }
    const same =
      parseGoDuration(String(existing.duration)) === duration &&
      parseGoDuration(String(existing.shardGroupDuration)) === shard &&
      (!isDefault || existing.default === true);
    if (!same) {
      check(await http.query(`ALTER RETENTION POLICY ${target} DURATION ${formatDuration(duration)} ${shardSpec}`, o.db), `ALTER RETENTION POLICY ${name}`);
      o.logger.info({ rp: name, duration: formatDuration(duration), was: existing.duration }, 'altered retention policy');
    }
  }
}

/** InfluxDB stores a CQ's text re-printed, quoting only identifiers that need it; compare without those quotes. */
function normalizeCq(text: string | undefined): string | undefined {
  return text?.replace(/"([A-Za-z_][A-Za-z0-9_]*)"/g, '$1');
}

async function ensureContinuousQueries(http: InfluxHttp, o: SchemaOptions): Promise<void> {
  const [shown] = check(await http.query('SHOW CONTINUOUS QUERIES'), 'SHOW CONTINUOUS QUERIES');
  const existing = new Map(rows(shown, o.db).map((r) => [String(r.name), String(r.query)]));
  for (const spec of Object.values(ROLLUPS)) {
    const want = o.rollups === 'cq' ? cqStatement(o.db, spec) : undefined;
    const have = existing.get(spec.cqName);
    if (normalizeCq(have) === normalizeCq(want)) continue;
    // CQs cannot be altered: a changed definition is dropped and created again.
    if (have !== undefined) {
      check(await http.query(`DROP CONTINUOUS QUERY ${quoteIdent(spec.cqName)} ON ${quoteIdent(o.db)}`, o.db), 'DROP CONTINUOUS QUERY');
      if (want === undefined) o.logger.info({ cq: spec.cqName }, 'dropped continuous query (rollups are computed at query time)');
    }
    if (want !== undefined) {
      check(await http.query(want, o.db), `CREATE CONTINUOUS QUERY ${spec.cqName}`);
      o.logger.info({ cq: spec.cqName }, have === undefined ? 'created continuous query' : 'replaced continuous query');
    }
  }
}

/**
 * Creates or updates the database, retention policies and (rollups = 'cq') continuous queries.
 * With rollups = 'query' no rollup RPs are needed and our CQs are dropped if an earlier
 * configuration left them.
 */
export async function ensureInfluxSchema(http: InfluxHttp, o: SchemaOptions): Promise<void> {
  check(await http.query(`CREATE DATABASE ${quoteIdent(o.db)}`), 'CREATE DATABASE');
  const wanted: [string, number, boolean][] = [[RAW_RP, o.retention.raw, true]];
  if (o.rollups === 'cq') wanted.push([ROLLUPS['1m'].rp, o.retention.minute, false], [ROLLUPS['1h'].rp, o.retention.hour, false]);
  await ensureRetentionPolicies(http, o, wanted);
  await ensureContinuousQueries(http, o);
}
