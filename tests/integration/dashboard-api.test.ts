/**
 * The dashboard against real stores: express on port 0 at 127.0.0.1, the embedded SQLite store in a
 * temp dir (and, in the last block, the test InfluxDB server), and the demo registry with one
 * per-room override and one facility whose names try to inject markup.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { get } from '../helpers/dashboard-fixture.ts';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createSilentLogger } from '../../common/logger.ts';
import type { Reading } from '../../common/reading.ts';
import { deviceKey, parseRegistry, type Registry } from '../../common/registry.ts';
import { createInfluxStore } from '../../common/store/influx-store.ts';
import { DEFAULT_RETENTION, type ReadingStore } from '../../common/store/reading-store.ts';
import { createSqliteStore } from '../../common/store/sqlite-store.ts';
import { startDashboard, type RunningDashboard } from '../../dashboard/src/app.ts';
import { loadDashboardConfig } from '../../dashboard/src/config.ts';
import { testInflux } from '../helpers/influx.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const logger = createSilentLogger();

type Demo = { facilities: { id: string; rooms: { id: string; levels?: object }[] }[] };
function testRegistry(): Registry {
  const data = parseYaml(readFileSync('config/registry.demo.yaml', 'utf8')) as Demo;
  const rooms = (f: string) => data.facilities.find((x) => x.id === f)?.rooms ?? [];
  const room = (f: string, r: string) => rooms(f).find((x) => x.id === r) ?? { id: r };
  room('nishi-ward-office', '3f-meeting').levels = { ventilate: 900, critical: 1200 };
  room('nishi-ward-office', 'civic-center').levels = { fair: 600 };
  data.facilities.push({
    id: 'test-hall',
    name: { ja: '<script>alert("x")</script> & 会館', en: `O'Brien "Hall" <b>` },
    kind: 'hall',
    rooms: [{ id: 'main', name: { ja: '<img src=x onerror=alert(1)>', en: 'Main & <i>hall</i>' }, sensors: ['th-main-01'] }],
  } as unknown as Demo['facilities'][number]);
  return parseRegistry(data, 'test registry');
}

const registry = testRegistry();
const sensorIds = registry.rooms.flatMap((r) => r.sensors.map((s) => deviceKey(s).id));
const sensorOf = (facility: string, room: string): string => {
  const entry = registry.room(facility, room);
  if (!entry?.sensors[0]) throw new Error(`no sensor for ${facility}/${room}`);
  return deviceKey(entry.sensors[0]).id;
};
const reading = (facility: string, room: string, time: number, co2: number, extra: Partial<Reading> = {}): Reading => ({
  facility, room, sensor: sensorOf(facility, room), time, co2, quality: 'ok', ...extra,
});

type RoomJson = { facility: string; room: string; co2: number | null; temperature: number | null; humidity: number | null; level: string; updatedAt: string | null; stale: boolean };
type ReadingsJson = { facility: string; room: string; from: string; to: string; resolution: string; readings: { time: string; co2: number | null }[] };
type ErrorJson = { error: { code: string; message: string } };

async function roomsOf(base: string, query = ''): Promise<Map<string, RoomJson>> {
  const r = await get(base, `/api/v1/rooms${query}`);
  expect(r.status).toBe(200);
  return new Map((r.json as { rooms: RoomJson[] }).rooms.map((x) => [`${x.facility}/${x.room}`, x]));
}

/** The API behaviour both stores must give; `setup` returns a started dashboard over a fresh store. */
function describeApi(name: string, setup: () => Promise<{ store: ReadingStore; dashboard: RunningDashboard; cleanup(): Promise<void> }>) {
  describe(name, () => {
    let ctx: Awaited<ReturnType<typeof setup>>;
    let base: string;
    const now = Date.now();

    beforeAll(async () => {
      ctx = await setup();
      base = ctx.dashboard.url;
      await ctx.store.write([
        reading('nishi-ward-office', '1f-counter', now - MIN, 799, { temperature: 24.16, humidity: 45.04 }),
        reading('nishi-ward-office', '1f-waiting', now - MIN, 800),
        reading('nishi-ward-office', '2f-welfare', now - MIN, 1000),
        reading('nishi-ward-office', '2f-checkup', now - MIN, 1500),
        reading('nishi-ward-office', '3f-meeting', now - MIN, 950),
        reading('nishi-ward-office', 'civic-center', now - MIN, 650),
        reading('minami-sengen-nursery', 'age-0', now - 10 * MIN, 1800, { temperature: 22 }),
        reading('test-hall', 'main', now - MIN, 1300),
        // Five hours of minute readings for the history tests.
        ...Array.from({ length: 300 }, (_, i) => reading('tobe-elementary', 'class-1-1', now - (i + 1) * MIN, 600 + i)),
      ]);
    });
    afterAll(async () => {
      await ctx?.cleanup();
    });

    it('gives every registry room the level of its newest reading, per default and per-room thresholds', async () => {
      const rooms = await roomsOf(base);
      expect(rooms.size).toBe(registry.rooms.length);
      const level = (k: string) => rooms.get(k)?.level;
      expect(level('nishi-ward-office/1f-counter')).toBe('good');
      expect(level('nishi-ward-office/1f-waiting')).toBe('fair');
      expect(level('nishi-ward-office/2f-welfare')).toBe('ventilate');
      expect(level('nishi-ward-office/2f-checkup')).toBe('critical');
      // Overrides: 950 is "fair" by default but "ventilate" at ventilate: 900; 650 is "fair" at fair: 600.
      expect(level('nishi-ward-office/3f-meeting')).toBe('ventilate');
      expect(level('nishi-ward-office/civic-center')).toBe('fair');
      const counter = rooms.get('nishi-ward-office/1f-counter');
      expect(counter).toMatchObject({ co2: 799, temperature: 24.2, humidity: 45, stale: false, kind: 'office', name: { ja: '1階 戸籍課 窓口' } });
      expect(Date.parse(counter?.updatedAt ?? '')).toBe(now - MIN);
    });

    it('shows a stale room as no data with null values and the time of its last reading', async () => {
      const rooms = await roomsOf(base);
      expect(rooms.get('minami-sengen-nursery/age-0')).toMatchObject({ level: 'nodata', co2: null, temperature: null, humidity: null, stale: true, updatedAt: new Date(now - 10 * MIN).toISOString() });
      expect(rooms.get('minami-sengen-nursery/age-1')).toMatchObject({ level: 'nodata', co2: null, updatedAt: null, stale: true });
    });

    it('filters by facility and answers public, cacheable JSON', async () => {
      const rooms = await roomsOf(base, '?facility=minami-sengen-nursery');
      expect([...rooms.values()].every((r) => r.facility === 'minami-sengen-nursery')).toBe(true);
      expect(rooms.size).toBe(6);
      const r = await get(base, '/api/v1/rooms');
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      expect(r.headers['cache-control']).toMatch(/max-age=\d+/);
    });

    it('returns history in the range asked for, raw for 3 h by default and 1h for 30 days', async () => {
      const def = await get(base, '/api/v1/rooms/tobe-elementary/class-1-1/readings');
      expect(def.status).toBe(200);
      const body = def.json as ReadingsJson;
      expect(body.resolution).toBe('raw');
      expect(Date.parse(body.to) - Date.parse(body.from)).toBe(3 * HOUR);
      expect(body.readings.length).toBeGreaterThanOrEqual(178);
      expect(body.readings.length).toBeLessThanOrEqual(181);
      const times = body.readings.map((p) => Date.parse(p.time));
      expect(times.every((t) => t >= Date.parse(body.from) && t < Date.parse(body.to))).toBe(true);
      expect([...times].sort((a, b) => a - b)).toEqual(times);

      const from = now - 30.5 * MIN;
      const iso = await get(base, `/api/v1/rooms/tobe-elementary/class-1-1/readings?from=${new Date(from).toISOString()}&to=${now}`);
      expect((iso.json as ReadingsJson).readings.map((p) => p.co2)).toEqual(Array.from({ length: 30 }, (_, i) => 629 - i));

      const month = await get(base, `/api/v1/rooms/tobe-elementary/class-1-1/readings?from=${now - 30 * DAY}&to=${now}`);
      expect(month.status).toBe(200);
      const mb = month.json as ReadingsJson;
      expect(mb.resolution).toBe('1h');
      // Five hours of data touch five or six hour buckets; a store may publish the current hour's
      // mean only once that hour is complete, hence four at least.
      expect(mb.readings.length).toBeGreaterThanOrEqual(4);
      expect(mb.readings.length).toBeLessThanOrEqual(6);
      expect(mb.readings.every((p) => p.co2 !== null && p.co2 >= 600 && p.co2 <= 899 && Date.parse(p.time) >= now - 30 * DAY - HOUR)).toBe(true);
    });

    it('refuses bad parameters with 400/404 and a message naming the parameter', async () => {
      const r = '/api/v1/rooms/tobe-elementary/class-1-1/readings';
      const cases: [string, number, RegExp][] = [
        [`${r}?from=yesterday`, 400, /^from: /],
        [`${r}?from=2026-11-23T10:00:00`, 400, /^from: .*zone/],
        [`${r}?from=${now}&to=${now - HOUR}`, 400, /^to: must be after from/],
        [`${r}?from=${now - 401 * DAY}&to=${now}`, 400, /^from\/to: .*400 days/],
        [`${r}?resolution=bogus`, 400, /^resolution: /],
        [`${r}?from=${now - 30 * DAY}&resolution=raw`, 400, /^resolution: raw covers at most/],
        [`${r}?from=1&from=2`, 400, /^from: /],
        ['/api/v1/rooms/Tobe-Elementary/class-1-1/readings', 400, /^facility: /],
        ['/api/v1/rooms/../class-1-1/readings', 400, /^facility: /],
        ['/api/v1/rooms/%2E%2E/class-1-1/readings', 400, /^facility: /],
        ['/api/v1/rooms/tobe%3Cscript%3E/class-1-1/readings', 400, /^facility: /],
        ['/api/v1/rooms/tobe-elementary/class_1/readings', 400, /^room: /],
        ['/api/v1/rooms/tobe-elementary/no-such-room/readings', 404, /^room: no room "no-such-room"/],
        ['/api/v1/rooms?facility=Nishi', 400, /^facility: /],
        ['/api/v1/rooms?facility=..', 400, /^facility: /],
        ['/api/v1/rooms?facility=a%27%3B--', 400, /^facility: /],
        ['/api/v1/rooms?facility=no-such-facility', 404, /^facility: /],
        ['/api/v1/no-such-endpoint', 404, /no such endpoint/],
      ];
      for (const [path, status, message] of cases) {
        const res = await get(base, path);
        expect({ path, status: res.status }).toEqual({ path, status });
        const err = (res.json as ErrorJson).error;
        expect(err.code).toBe(status === 400 ? 'bad_request' : 'not_found');
        expect(err.message, path).toMatch(message);
        expect(res.headers['cache-control']).toBe('no-store');
      }
    });

    it('lists facilities and never exposes a sensor id in any public response', async () => {
      const fac = await get(base, '/api/v1/facilities');
      const list = (fac.json as { facilities: { id: string; roomCount: number; shelter: boolean; area: string | null }[] }).facilities;
      expect(list.find((f) => f.id === 'tobe-elementary')).toMatchObject({ roomCount: 5, shelter: true, kind: 'school', area: '戸部', name: { en: 'Tobe Elementary School' } });
      const paths = ['/', '/healthz', '/api/v1/rooms', '/api/v1/facilities', '/api/v1/nope', '/api/v1/rooms?facility=test-hall',
        ...registry.rooms.map((x) => `/api/v1/rooms/${x.facilityId}/${x.roomId}/readings?from=${now - 2 * HOUR}`)];
      for (const path of paths) {
        const { text } = await get(base, path);
        for (const id of sensorIds) expect(text.includes(id), `${id} in ${path}`).toBe(false);
      }
    });

    it('answers healthz with the store state', async () => {
      const h = await get(base, '/healthz');
      expect(h.status).toBe(200);
      expect(h.json).toEqual({ status: 'ok', store: 'ok' });
    });
  });
}

describeApi('dashboard API over the SQLite store', async () => {
  const dir = makeTempDir('kanki-dashboard-');
  const store = createSqliteStore({ file: join(dir.path, 'kanki.sqlite') }, { logger });
  await store.init();
  const dashboard = await startDashboard({ httpPort: 0, httpHost: '127.0.0.1', staleAfterSeconds: 300 }, { registry, store, logger });
  return {
    store, dashboard,
    async cleanup() {
      await dashboard.close();
      await store.close();
      dir.remove();
    },
  };
});

describeApi('dashboard API over the InfluxDB store', async () => {
  const { url, database } = testInflux();
  const store = createInfluxStore({ url, database, retention: DEFAULT_RETENTION }, { logger });
  await store.init();
  const dashboard = await startDashboard({ httpPort: 0, httpHost: '127.0.0.1', staleAfterSeconds: 300 }, { registry, store, logger });
  return {
    store, dashboard,
    async cleanup() {
      await dashboard.close();
      await store.close();
    },
  };
});

describe('dashboard pages, health and shutdown (SQLite store)', () => {
  const dir = makeTempDir('kanki-dashboard-');
  let store: ReadingStore;
  let dashboard: RunningDashboard;
  beforeAll(async () => {
    store = createSqliteStore({ file: join(dir.path, 'kanki.sqlite') }, { logger });
    await store.init();
    await store.write([reading('test-hall', 'main', Date.now() - MIN, 1600), reading('nishi-ward-office', '1f-counter', Date.now() - MIN, 640)]);
    dashboard = await startDashboard({ httpPort: 0, httpHost: '127.0.0.1', staleAfterSeconds: 300 }, { registry, store, logger });
  });
  afterAll(async () => {
    await dashboard?.close();
    await store?.close();
    dir.remove();
  });

  it('renders the overview with escaped names, levels in the chosen language and strict security headers', async () => {
    const page = await get(dashboard.url, '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).not.toMatch(/<img|<b>|<i>/);
    // The only scripts: module files from /assets and the JSON data block (never executed).
    expect(page.text.match(/<script[^>]*>/g)).toEqual(['<script type="module" src="/assets/js/live.js">', '<script type="application/json" id="kanki-data">']);
    expect(page.text).not.toContain('<script>alert');
    expect(page.text).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 会館');
    expect(page.text).toMatch(/<html lang="ja">/);
    expect(page.text).toContain('<meta name="viewport"');
    expect(page.text).toMatch(/class="room level-critical"[\s\S]*?<span class="level-word">すぐに換気<\/span>/);
    expect(page.text).toMatch(/class="room level-good"[\s\S]*?>640<[\s\S]*?良好/);
    expect(page.text).toContain('データなし');
    const en = await get(dashboard.url, '/?lang=en');
    expect(en.text).toMatch(/<html lang="en">/);
    expect(en.text).toContain('O&#39;Brien &quot;Hall&quot; &lt;b&gt;');
    expect(en.text).toMatch(/class="room level-critical"[\s\S]*?<span class="level-word">Ventilate now<\/span>/);
    expect(String(en.headers['set-cookie'])).toContain('kanki_lang=en');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['x-powered-by']).toBeUndefined();
    const css = await get(dashboard.url, '/assets/kanki.css');
    expect(css.headers['content-type']).toMatch(/^text\/css/);
  });

  it('answers 503 on healthz and a JSON error without internals once the store is closed', async () => {
    expect((await get(dashboard.url, '/healthz')).status).toBe(200);
    await store.close();
    const h = await waitFor(async () => {
      const r = await get(dashboard.url, '/healthz');
      return r.status === 503 ? r : undefined;
    }, 5000, 'healthz 503');
    expect(h.json).toEqual({ status: 'error', store: 'unreachable' });
    const rooms = await get(dashboard.url, '/api/v1/rooms');
    expect(rooms.status).toBeGreaterThanOrEqual(500);
    expect(['internal', 'store_unavailable']).toContain((rooms.json as ErrorJson).error.code);
    expect(rooms.text).not.toMatch(/\.ts:|\n\s+at |sqlite|Error/);
  });

  it('answers an unexpected failure with a bare 500 JSON error, never the stack or message', async () => {
    // A store that fails the way a bug would (a plain TypeError), not with a StoreError.
    const fail = async (): Promise<never> => {
      throw new TypeError('boom in /srv/kanki/secret-path.ts:12');
    };
    const broken: ReadingStore = { kind: 'broken', init: async () => {}, write: fail, latest: fail, history: fail, ping: async () => true, close: async () => {} };
    const d = await startDashboard({ httpPort: 0, httpHost: '127.0.0.1', staleAfterSeconds: 300 }, { registry, store: broken, logger });
    try {
      for (const path of ['/api/v1/rooms', '/api/v1/rooms/tobe-elementary/gym/readings']) {
        const res = await get(d.url, path);
        expect(res.status).toBe(500);
        expect(res.json).toEqual({ error: { code: 'internal', message: 'internal error' } });
      }
      const page = await get(d.url, '/');
      expect(page.status).toBe(500);
      expect(page.text).not.toMatch(/boom|secret-path|TypeError/);
    } finally {
      await d.close();
    }
  });

  it('closes idempotently, also with idle keep-alive connections open', async () => {
    const agent = new Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      request(`${dashboard.url}/api/v1/facilities`, { agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      }).on('error', reject).end();
    });
    // Without closing idle keep-alive sockets, close() would wait for the client's agent to give up.
    await Promise.all([dashboard.close(), dashboard.close()]);
    await dashboard.close();
    await expect(get(dashboard.url, '/healthz')).rejects.toThrow();
    agent.destroy();
  });
});

describe('dashboard configuration', () => {
  it('fills defaults and reports every bad variable at once', () => {
    const c = loadDashboardConfig({});
    expect(c).toMatchObject({ httpPort: 8080, httpHost: '0.0.0.0', staleAfterSeconds: 300, registryFile: 'config/registry.demo.yaml', influxUrl: undefined });
    expect(c.sqliteFile).toBe(join('data', 'kanki.sqlite'));
    expect(() => loadDashboardConfig({ HTTP_PORT: 'x', STALE_AFTER_SECONDS: '-1', DISPLAY_TIME_ZONE: 'Mars/Base' })).toThrow(/HTTP_PORT[\s\S]*STALE_AFTER_SECONDS[\s\S]*DISPLAY_TIME_ZONE/);
  });
});
