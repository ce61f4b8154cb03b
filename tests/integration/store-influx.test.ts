import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../common/errors.ts';
import { createSilentLogger } from '../../common/logger.ts';
import { createInfluxStore, type InfluxStoreOptions } from '../../common/store/influx-store.ts';
import { encodeReading, storedTagValue } from '../../common/store/line-protocol.ts';
import { DEFAULT_RETENTION, type ReadingStore } from '../../common/store/reading-store.ts';
import { testInflux } from '../helpers/influx.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { freePort } from '../setup/influxd.ts';
import { describeStoreContract, expectPoints, reading } from './store-contract.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const logger = createSilentLogger();

/** Runs InfluxQL against the test server directly, to look at what the store did. */
async function influxql(url: string, q: string, db?: string): Promise<Record<string, unknown>[]> {
  const params = new URLSearchParams({ q, epoch: 'ms', ...(db ? { db } : {}) });
  const res = await fetch(`${url}/query`, { method: 'POST', body: params });
  const body = (await res.json()) as { results: { error?: string; series?: { name: string; columns: string[]; values?: unknown[][] }[] }[] };
  const result = body.results[0];
  if (result?.error) throw new Error(result.error);
  return (result?.series ?? []).flatMap((s) => (s.values ?? []).map((v) => ({ series: s.name, ...Object.fromEntries(s.columns.map((c, i) => [c, v[i]])) })));
}

const databases: { url: string; database: string }[] = [];

function makeStore(options: Partial<InfluxStoreOptions> = {}): { store: ReadingStore; url: string; database: string } {
  const { url, database } = testInflux();
  databases.push({ url, database });
  const store = createInfluxStore({ url, database, retention: DEFAULT_RETENTION, ...options }, { logger });
  return { store, url, database };
}

afterAll(async () => {
  for (const { url, database } of databases) await influxql(url, `DROP DATABASE "${database}"`);
});

for (const rollups of ['cq', 'query'] as const) {
  describeStoreContract(`influxdb (rollups=${rollups})`, async () => {
    const { store } = makeStore({ rollups });
    return { store, cleanup: () => store.close() };
  });
}

describe('InfluxDB store', () => {
  it('creates the retention policies and continuous queries it is configured with, and alters them on change', async () => {
    const { store, url, database } = makeStore({ retention: { raw: 2 * DAY, minute: 30 * DAY, hour: 0 } });
    await store.init();
    const rps = await influxql(url, `SHOW RETENTION POLICIES ON "${database}"`);
    const rp = (name: string) => rps.find((r) => r.name === name);
    expect(rp('raw')).toMatchObject({ duration: '48h0m0s', shardGroupDuration: '1h0m0s', default: true });
    expect(rp('rollup_1m')).toMatchObject({ duration: '720h0m0s', default: false });
    expect(rp('rollup_1h')).toMatchObject({ duration: '0s', default: false });
    const cqs = (await influxql(url, 'SHOW CONTINUOUS QUERIES')).filter((r) => r.series === database);
    expect(cqs.map((c) => c.name).sort()).toEqual(['kanki_air_1h', 'kanki_air_1m']);
    expect(String(cqs.find((c) => c.name === 'kanki_air_1m')?.query)).toContain('RESAMPLE EVERY 1m FOR 5m');
    expect(String(cqs.find((c) => c.name === 'kanki_air_1h')?.query)).toContain('RESAMPLE EVERY 10m FOR 2h');
    await store.close();

    const again = createInfluxStore({ url, database, retention: { raw: 3 * DAY, minute: 30 * DAY, hour: 400 * DAY } }, { logger });
    await again.init();
    const after = await influxql(url, `SHOW RETENTION POLICIES ON "${database}"`);
    expect(after.find((r) => r.name === 'raw')).toMatchObject({ duration: '72h0m0s', shardGroupDuration: '24h0m0s', default: true });
    expect(after.find((r) => r.name === 'rollup_1h')).toMatchObject({ duration: '9600h0m0s' });
    expect((await influxql(url, 'SHOW CONTINUOUS QUERIES')).filter((r) => r.series === database)).toHaveLength(2);
    await again.close();
  });

  it('fails fast with a retryable error when the server is not there', async () => {
    const port = await freePort();
    const store = createInfluxStore({ url: `http://127.0.0.1:${port}`, retention: DEFAULT_RETENTION }, { logger });
    const started = Date.now();
    const err = await store.write([reading({ time: Date.now(), co2: 700 })]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ retryable: true, code: 'KANKI_STORE_UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await store.ping()).toBe(false);
    await store.close();
  });

  it('rejects data the server refuses (400) as not retryable, with the server\'s reason', async () => {
    const { store, url, database } = makeStore();
    await store.init();
    // A float co2 written first fixes the field type, so the store's integer co2 is a type conflict.
    const res = await fetch(`${url}/write?db=${database}&rp=raw&precision=ms`, { method: 'POST', body: `air,facility=f,room=r,sensor=s co2=1.5 ${Date.now() - 1000}` });
    expect(res.status).toBe(204);
    const err = await store.write([reading({ time: Date.now(), co2: 700 })]).catch((e: unknown) => e);
    expect(err).toMatchObject({ retryable: false, code: 'KANKI_STORE_REJECTED' });
    expect((err as Error).message).toContain('field type conflict');
    await store.close();
  });

  it('re-creates a database dropped under it and stores the batch', async () => {
    const { store, url, database } = makeStore();
    await store.init();
    await influxql(url, `DROP DATABASE "${database}"`);
    const time = Date.now() - 1000;
    await store.write([reading({ time, co2: 777 })]);
    const points = await store.history({ facility: 'f', room: 'r', from: time, to: time + 1, resolution: 'raw' });
    expect(points.map((p) => p.co2)).toEqual([777]);
    await store.close();
  });

  describe('against a stand-in HTTP server', () => {
    // Not an InfluxDB mock: a few lines of node:http that record what the store sends and answer
    // with the statuses a real server, proxy or cloud endpoint gives, to check the error verdicts.
    const servers: Server[] = [];
    const seen: IncomingHttpHeaders[] = [];
    const start = async (respond: (res: ServerResponse, auth: string | undefined) => void): Promise<string> => {
      const server = createServer((req, res) => {
        seen.push(req.headers);
        req.resume();
        respond(res, req.headers.authorization);
      });
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    };
    // Echo the credential back, as a careless proxy might: the store must still not repeat it.
    const refuse = (res: ServerResponse, auth: string | undefined) =>
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `authorization failed for ${auth}` }));
    afterAll(async () => {
      for (const server of servers) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it('treats 429 and 5xx as retryable and a server that does not answer as a retryable timeout', async () => {
      for (const status of [429, 500, 503]) {
        const url = await start((res) => res.writeHead(status).end('{"error":"overloaded"}'));
        const store = createInfluxStore({ url, retention: DEFAULT_RETENTION }, { logger });
        const err = await store.write([reading({ time: Date.now(), co2: 700 })]).catch((e: unknown) => e);
        expect(err).toMatchObject({ retryable: true, code: 'KANKI_STORE_UNAVAILABLE' });
        expect((err as Error).message).toContain(`HTTP ${status}: overloaded`);
        await store.close();
      }
      const url = await start(() => undefined); // accepts the request, never answers
      const store = createInfluxStore({ url, retention: DEFAULT_RETENTION, timeoutMs: 200 }, { logger });
      const started = Date.now();
      const err = await store.latest(60_000).catch((e: unknown) => e);
      expect(err).toMatchObject({ retryable: true, code: 'KANKI_STORE_TIMEOUT' });
      expect(Date.now() - started).toBeLessThan(2000);
      await store.close();
    });

    it('sends a token as "Authorization: Token", reports 401 as a retryable auth error, and never repeats the token', async () => {
      const url = await start(refuse);
      const token = 'kanki-secret-token-0123456789';
      const store = createInfluxStore({ url, token, retention: DEFAULT_RETENTION, manageSchema: false, rollups: 'query' }, { logger });
      const err = await store.write([reading({ time: Date.now(), co2: 700 })]).catch((e: unknown) => e);
      expect(seen.at(-1)?.authorization).toBe(`Token ${token}`);
      expect(err).toMatchObject({ retryable: true, code: 'KANKI_STORE_AUTH' });
      expect((err as Error).message).toContain('HTTP 401');
      expect((err as Error).message).not.toContain(token);
      await store.close();
    });

    it('sends a username/password as Basic auth and never repeats the password', async () => {
      const url = await start(refuse);
      const password = 'pa55-word-kanki';
      const store = createInfluxStore({ url, username: 'kanki', password, retention: DEFAULT_RETENTION }, { logger });
      const err = await store.history({ facility: 'f', room: 'r', from: 0, to: 1, resolution: 'raw' }).catch((e: unknown) => e);
      expect(seen.at(-1)?.authorization).toBe(`Basic ${Buffer.from(`kanki:${password}`).toString('base64')}`);
      expect(err).toMatchObject({ retryable: true, code: 'KANKI_STORE_AUTH' });
      expect((err as Error).message).not.toContain(password);
      expect((err as Error).message).not.toContain(Buffer.from(`kanki:${password}`).toString('base64'));
      await store.close();
    });
  });

  it('returns a long raw history completely (more points than one response chunk)', async () => {
    const { store } = makeStore();
    await store.init();
    const start = Math.floor(Date.now() / 60_000) * 60_000 - 6 * HOUR;
    const batch = Array.from({ length: 25_000 }, (_, i) => reading({ time: start + i * 500, co2: 400 + (i % 1000) }));
    await store.write(batch);
    const points = await store.history({ facility: 'f', room: 'r', from: start, to: start + 6 * HOUR, resolution: 'raw' });
    expect(points).toHaveLength(25_000);
    expect(points.every((p, i) => p.time === start + i * 500 && p.co2 === 400 + (i % 1000))).toBe(true);
    await store.close();
  });

  it('stores tag values exactly as storedTagValue() predicts, including ones line protocol cannot represent', async () => {
    const { store, url, database } = makeStore();
    await store.init();
    const ids = ['plain', 'a\\b', 'a\\\\b', 'trail\\', 'two\\\\', 'x\\,y', 'x\\\\,y', 'sp ace=eq,comma', 'new\nline', '会議室'];
    const time = Date.now() - 1000;
    await store.write(ids.map((sensor, i) => reading({ facility: 'tags', sensor, time: time + i, co2: 500 + i })));
    const stored = await influxql(url, `SHOW TAG VALUES FROM "air" WITH KEY = "sensor" WHERE "facility" = 'tags'`, database);
    expect(stored.map((r) => r.value).sort()).toEqual(ids.map(storedTagValue).sort());
    expect(ids.filter((id) => storedTagValue(id) !== id)).toEqual(['trail\\', 'two\\\\', 'new\nline']);
    await store.close();
  });

  it('gives the same rollup history in rollups=query mode as from continuous queries', async () => {
    // Four hours back, so even the last hour bucket is past the hourly CQ's reach and backfilled.
    const H = Math.floor(Date.now() / HOUR) * HOUR - 4 * HOUR;
    const batch = [0, 1, 2, 61, 62, 130].flatMap((m, i) => [
      reading({ sensor: 'a', time: H + m * 60_000 + i * 1000, co2: 600 + 37 * i, temperature: 20 + i / 3 }),
      reading({ sensor: 'b', time: H + m * 60_000 + 15_000, co2: 900 - 11 * i, humidity: 40 + i }),
      reading({ sensor: 'b', time: H + m * 60_000 + 45_000, co2: 905 - 11 * i, quality: i === 2 ? 'stuck' : 'ok' }),
    ]);
    const results = [];
    for (const rollups of ['cq', 'query'] as const) {
      const { store } = makeStore({ rollups });
      await store.init();
      await store.write(batch);
      const q = { facility: 'f', room: 'r', from: H - HOUR, to: H + 4 * HOUR };
      results.push({ m: await store.history({ ...q, resolution: '1m' }), h: await store.history({ ...q, resolution: '1h' }) });
      await store.close();
    }
    const [cq, query] = results as [(typeof results)[0], (typeof results)[0]];
    expect(cq.m).toHaveLength(6);
    expect(cq.h).toHaveLength(3);
    expectPoints(query.m, cq.m);
    expectPoints(query.h, cq.h);
  });

  it('backfills late readings for other processes too: shortly after the write, and at once on close()', async () => {
    const writer = makeStore();
    await writer.store.init();
    // A second store on the same database stands for the dashboard process.
    const reader = createInfluxStore({ url: writer.url, database: writer.database, retention: DEFAULT_RETENTION }, { logger });
    const H = Math.floor(Date.now() / HOUR) * HOUR - 6 * HOUR;
    const q = { facility: 'f', room: 'r', from: H, to: H + 2 * HOUR };
    await writer.store.write([reading({ time: H, co2: 800 }), reading({ time: H + 1000, co2: 1000 })]);
    const minute = await waitFor(async () => {
      const p = await reader.history({ ...q, resolution: '1m' });
      return p.length > 0 ? p : null;
    }, 10_000, 'the minute backfill');
    expectPoints(minute, [{ time: H, co2: 900, temperature: null, humidity: null }]);
    await writer.store.write([reading({ time: H + HOUR, co2: 500 })]);
    await writer.store.close();
    expectPoints(await reader.history({ ...q, resolution: '1h' }), [
      { time: H, co2: 900, temperature: null, humidity: null },
      { time: H + HOUR, co2: 500, temperature: null, humidity: null },
    ]);
    await reader.close();
  });

  it('fills the minute rollup of recent readings through its continuous query', { timeout: 90_000 }, async () => {
    const { store, url, database } = makeStore();
    await store.init();
    // Written around the store, so no backfill can be what fills the rollup: only the CQ can.
    const bucket = Math.floor((Date.now() - 2 * 60_000) / 60_000) * 60_000;
    const lines = [reading({ sensor: 'a', time: bucket + 1000, co2: 800 }), reading({ sensor: 'b', time: bucket + 2000, co2: 1000 })].map(encodeReading);
    const res = await fetch(`${url}/write?db=${database}&rp=raw&precision=ms`, { method: 'POST', body: lines.join('\n') });
    expect(res.status).toBe(204);
    const q = { facility: 'f', room: 'r', from: bucket, to: bucket + 60_000, resolution: '1m' as const };
    // The CQ runs at each minute boundary (and once right after it is created).
    const points = await waitFor(async () => {
      const p = await store.history(q);
      return p.length > 0 ? p : null;
    }, 75_000, 'the 1m continuous query');
    expectPoints(points, [{ time: bucket, co2: 900, temperature: null, humidity: null }]);
    await store.close();
  });
});
