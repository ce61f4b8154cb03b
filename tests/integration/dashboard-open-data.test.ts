/**
 * Open data against real parts (dashboard on port 0, SQLite store in a temp dir with real
 * readings): exports that parse back to the stored values, their licence, caching and validation;
 * the OpenAPI document against the routes the app really has; the open-data page; and the widget,
 * the one page that may be framed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoomFeed } from '../../dashboard/src/live/room-feed.ts';
import { createDashboardApp } from '../../dashboard/src/app.ts';
import { csvField } from '../../dashboard/src/exports/format.ts';
import { createRoomStatusSource } from '../../dashboard/src/room-status.ts';
import { DAY, get, head, HOUR, logger, MIN, reading, registry, sensorIds, startTestDashboard, type Reply } from '../helpers/dashboard-fixture.ts';

const now = Date.now();
/** Ten raw readings two hours ago in one room, the fifth without temperature and humidity. */
const t0 = Math.floor((now - 2 * HOUR) / MIN) * MIN;
const counter = Array.from({ length: 10 }, (_, i) => reading('nishi-ward-office', '1f-counter', t0 + i * MIN, 700 + i, i === 4 ? {} : { temperature: 22.1 + i / 10, humidity: 50.5 }));
const waiting = Array.from({ length: 5 }, (_, i) => reading('nishi-ward-office', '1f-waiting', t0 + i * MIN, 900 + i, { temperature: 23, humidity: 41.2 }));
const LICENCE_LINK = '<https://creativecommons.org/licenses/by/4.0/>; rel="license"';

/** RFC 4180 parser (quoted fields, doubled quotes, CRLF) — independent of the code under test. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

type ExportJson = { licence: { id: string; url: string; attribution: string }; source: string; facility: string; room?: string; resolution: string; from: string; to: string; readings: { room?: string; time: string; co2: number | null; temperature: number | null; humidity: number | null }[] };

describe('open data (SQLite store)', () => {
  let t: Awaited<ReturnType<typeof startTestDashboard>>;
  const bodies: [string, string][] = [];
  const fetchText = async (path: string, headers: Record<string, string> = {}): Promise<Reply> => {
    const r = await get(t.url, path, headers);
    bodies.push([path, r.text]);
    return r;
  };
  const range = `from=${new Date(t0 - MIN).toISOString()}&to=${new Date(t0 + 30 * MIN).toISOString()}`;

  beforeAll(async () => {
    t = await startTestDashboard([...counter, ...waiting, reading('tobe-elementary', 'class-1-1', now - MIN, 812)]);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('exports a room as CSV that parses back to the stored values', async () => {
    const r = await fetchText(`/api/v1/export/rooms/nishi-ward-office/1f-counter.csv?${range}&resolution=raw`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/);
    expect(r.text.endsWith('\r\n')).toBe(true);
    const [header, ...rows] = parseCsv(r.text);
    expect(header).toEqual(['facility', 'room', 'time', 'co2', 'temperature', 'humidity']);
    expect(rows).toEqual(counter.map((x) => ['nishi-ward-office', '1f-counter', new Date(x.time).toISOString(), String(x.co2), x.temperature === undefined ? '' : String(Math.round(x.temperature * 10) / 10), x.humidity === undefined ? '' : String(x.humidity)]));
    expect(r.headers['content-disposition']).toMatch(/^attachment; filename="kanki_nishi-ward-office_1f-counter_\d{8}T\d{4}Z_\d{8}T\d{4}Z_raw\.csv"$/);
    expect(r.headers.link).toBe(LICENCE_LINK);
    expect(r.headers['access-control-allow-origin']).toBe('*');
    expect(String(r.headers['access-control-expose-headers'])).toMatch(/Link.*ETag/);
    // Fields that need it are quoted (ids never do, but the writer must not depend on that).
    expect([csvField('a,b'), csvField('say "hi"'), csvField('x\r\ny'), csvField(null), csvField(12.5)]).toEqual(['"a,b"', '"say ""hi"""', '"x\r\ny"', '', '12.5']);
  });

  it('exports JSON with licence, source, window, resolution and the same readings', async () => {
    const r = await fetchText(`/api/v1/export/rooms/nishi-ward-office/1f-counter.json?${range}&resolution=1m`);
    expect(r.status).toBe(200);
    expect(r.headers.link).toBe(LICENCE_LINK);
    expect(r.headers['content-disposition']).toMatch(/filename="kanki_nishi-ward-office_1f-counter_.*_1m\.json"/);
    const body = r.json as ExportJson;
    expect(body).toMatchObject({
      licence: { id: 'CC-BY-4.0', url: 'https://creativecommons.org/licenses/by/4.0/', attribution: '横浜市西区 Kanki' },
      facility: 'nishi-ward-office', room: '1f-counter', resolution: '1m', from: new Date(t0 - MIN).toISOString(), to: new Date(t0 + 30 * MIN).toISOString(),
    });
    expect(body.source).toContain('横浜市西区 Kanki');
    expect(body.readings.map((p) => [p.time, p.co2])).toEqual(counter.map((x) => [new Date(x.time).toISOString(), x.co2]));
    expect(body.readings[4]).toMatchObject({ temperature: null, humidity: null });
  });

  it('exports a whole facility room by room, in CSV and JSON', async () => {
    const csv = await fetchText(`/api/v1/export/facilities/nishi-ward-office.csv?${range}&resolution=raw`);
    expect(csv.status).toBe(200);
    const rows = parseCsv(csv.text).slice(1);
    expect(rows.filter((x) => x[1] === '1f-counter')).toHaveLength(10);
    expect(rows.filter((x) => x[1] === '1f-waiting').map((x) => x[3])).toEqual(['900', '901', '902', '903', '904']);
    expect(rows.every((x) => x[0] === 'nishi-ward-office')).toBe(true);
    expect(csv.headers['content-disposition']).toMatch(/filename="kanki_nishi-ward-office_\d{8}T\d{4}Z_/);
    const json = await fetchText(`/api/v1/export/facilities/nishi-ward-office.json?${range}&resolution=raw`);
    const body = json.json as ExportJson;
    expect(body.room).toBeUndefined();
    expect(body.readings).toHaveLength(15);
    expect(new Set(body.readings.map((p) => p.room))).toEqual(new Set(['1f-counter', '1f-waiting']));
    expect(json.headers.link).toBe(LICENCE_LINK);
  });

  it('answers a repeat with If-None-Match with 304, and a changed file with a new strong ETag', async () => {
    const path = `/api/v1/export/rooms/tobe-elementary/music-room.csv?from=${now - HOUR}&to=${now + HOUR}&resolution=raw`;
    const first = await fetchText(path);
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^"[\w-]{20,}"$/);
    const again = await fetchText(path, { 'If-None-Match': etag });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    await t.store.write([reading('tobe-elementary', 'music-room', now - 30 * 1000, 990)]);
    const changed = await fetchText(path, { 'If-None-Match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    expect(changed.text).toContain(',990,');
  });

  it('caches past ranges for a day and recent ones briefly, and does not vary by language', async () => {
    const past = await fetchText(`/api/v1/export/rooms/nishi-ward-office/1f-counter.csv?from=${now - 3 * DAY}&to=${now - 2 * DAY}`);
    expect(past.headers['cache-control']).toBe('public, max-age=86400');
    const recent = await fetchText('/api/v1/export/rooms/nishi-ward-office/1f-counter.json');
    expect(recent.status).toBe(200);
    expect(recent.headers['cache-control']).toBe('public, max-age=60');
    // Only by encoding (gzip), never by language or cookie.
    expect(String(recent.headers.vary ?? '')).not.toMatch(/language|cookie/i);
    // Defaults: hourly means over the 7 days before the current hour.
    const body = recent.json as ExportJson;
    expect(body.resolution).toBe('1h');
    expect(Date.parse(body.to)).toBe(Math.floor(now / HOUR) * HOUR);
    expect(Date.parse(body.to) - Date.parse(body.from)).toBe(7 * DAY);
    expect(body.readings.length).toBeGreaterThanOrEqual(1);
  });

  it('refuses bad export parameters with a 400 that names the parameter and the bound', async () => {
    const room = '/api/v1/export/rooms/nishi-ward-office/1f-counter';
    const cases: [string, number, RegExp][] = [
      [`${room}.xml`, 400, /^format: must be csv or json/],
      [`${room}.csv?from=${now - 8 * DAY}&resolution=raw`, 400, /^resolution: an export at raw covers at most 7 days/],
      [`${room}.csv?from=${now - 32 * DAY}&resolution=1m`, 400, /^resolution: an export at 1m covers at most 31 days/],
      [`${room}.csv?from=${now - 367 * DAY}&resolution=1h`, 400, /^from\/to: .*at most 366 days/],
      [`${room}.csv?from=${now}&to=${now - HOUR}`, 400, /^to: must be after from/],
      [`${room}.csv?from=yesterday`, 400, /^from: /],
      [`${room}.csv?resolution=5m`, 400, /^resolution: must be one of/],
      [`${room}.csv?resolutoin=1m`, 400, /resolutoin/],
      [`${room}.csv?from=1&from=2`, 400, /^from: /],
      ['/api/v1/export/rooms/Nishi/1f-counter.csv', 400, /^facility: /],
      ['/api/v1/export/rooms/nishi-ward-office/a.b.csv', 400, /^room: /],
      ['/api/v1/export/rooms/nishi-ward-office/no-such-room.csv', 404, /^room: no room "no-such-room"/],
      ['/api/v1/export/facilities/no-such-facility.json', 404, /^facility: no facility/],
      ['/api/v1/export/facilities/nishi-ward-office.pdf', 400, /^format: /],
    ];
    for (const [path, status, message] of cases) {
      const r = await fetchText(path);
      expect({ path, status: r.status }).toEqual({ path, status });
      const err = (r.json as { error: { code: string; message: string } }).error;
      expect(err.code).toBe(status === 400 ? 'bad_request' : 'not_found');
      expect(err.message, path).toMatch(message);
      expect(r.headers['cache-control']).toBe('no-store');
    }
    // Within the bounds: 7 days raw and 31 days per minute are fine.
    expect((await fetchText(`${room}.csv?from=${now - 7 * DAY}&to=${now}&resolution=raw`)).status).toBe(200);
    expect((await fetchText(`${room}.csv?from=${now - 31 * DAY}&to=${now}&resolution=1m`)).status).toBe(200);
  });

  it('documents every public API route in OpenAPI 3.1, and every documented path answers', async () => {
    const r = await fetchText('/api/v1/openapi.json');
    expect(r.status).toBe(200);
    type Doc = { openapi: string; paths: Record<string, { get: { parameters?: { name: string; in: string; example?: string }[]; responses: Record<string, unknown> } }> };
    const doc = r.json as Doc;
    expect(doc.openapi).toBe('3.1.0');

    for (const [template, item] of Object.entries(doc.paths)) {
      const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
        const example = item.get.parameters?.find((p) => p.in === 'path' && p.name === name)?.example;
        if (!example) throw new Error(`${template}: no example for {${name}}`);
        return example;
      });
      expect(item.get.responses['200'], template).toBeDefined();
      const status = template === '/api/v1/stream' ? (await head(t.url, path)).status : (await fetchText(path)).status;
      expect({ template, path, status }).toEqual({ template, path, status: 200 });
    }

    // The routes the app really has: every /api/v1 route (and /healthz) of a router mounted at the root.
    const feed = await startRoomFeed({ pollMs: 60_000, staleAfterMs: 300_000 }, { registry, statuses: createRoomStatusSource({ registry, store: t.store, now: Date.now, staleAfterMs: 300_000 }), logger, now: Date.now });
    try {
      const app = createDashboardApp({ registry, store: t.store, logger, feed, staleAfterMs: 300_000 });
      type Layer = { route?: { path: string }; handle?: { stack?: Layer[] }; match(path: string): boolean };
      const routes: string[] = [];
      const walk = (stack: Layer[]) => {
        for (const layer of stack) {
          if (layer.route) routes.push(layer.route.path);
          // Only routers mounted at the root: a router under /staff does not answer /api/v1/….
          else if (layer.handle?.stack && layer.match('/api/v1/x')) walk(layer.handle.stack);
        }
      };
      walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
      const publicApi = routes.filter((p) => p.startsWith('/api/v1/') || p === '/healthz').map((p) => p.replace(/:(\w+)/g, '{$1}'));
      expect(publicApi.length).toBeGreaterThanOrEqual(8);
      expect(new Set(publicApi)).toEqual(new Set(Object.keys(doc.paths)));
    } finally {
      await feed.close();
    }
  });

  it('explains the licence, lists the endpoints with working examples and shows the widget snippet', async () => {
    const r = await fetchText('/open-data');
    expect(r.status).toBe(200);
    expect(r.text).toContain('<a href="https://creativecommons.org/licenses/by/4.0/" rel="license">');
    expect(r.text).toContain('<strong id="attribution">横浜市西区 Kanki</strong>');
    expect(r.text).toContain('href="/api/v1/openapi.json"');
    expect(r.text).not.toMatch(/<script/);
    const snippet = /<pre class="code" id="widget-snippet"><code>(.*?)<\/code><\/pre>/.exec(r.text)?.[1] ?? '';
    expect(snippet).toContain(`&lt;iframe src=&quot;${t.url.replace('localhost', '127.0.0.1')}/embed/facilities/nishi-ward-office&quot; title=&quot;西区役所の室内CO₂&quot;`);
    const examples = [...r.text.matchAll(/<a href="(\/(?:api\/v1|healthz|embed)[^"]*)"/g)].map((m) => (m[1] ?? '').replace(/&amp;/g, '&'));
    expect(examples.length).toBeGreaterThanOrEqual(7);
    for (const path of examples) expect({ path, status: (await fetchText(path)).status }).toEqual({ path, status: 200 });

    const en = await fetchText('/open-data?lang=en');
    expect(en.text).toMatch(/<html lang="en">/);
    expect(en.text).toContain('Creative Commons Attribution 4.0 International');
    // A forged Host header is not echoed into the snippets.
    const forged = await fetchText('/open-data', { Host: 'evil.example"><script>alert(1)</script>' });
    expect(forged.text).not.toContain('evil.example');
    expect(forged.text).toContain('https://kanki.example.jp/embed/facilities/');
  });

  it('lets only the widget be framed; every other page keeps frame-ancestors none', async () => {
    const w = await fetchText('/embed/facilities/tobe-elementary?lang=en');
    expect(w.status).toBe(200);
    const csp = String(w.headers['content-security-policy']);
    expect(csp).toContain('frame-ancestors *');
    expect(csp).not.toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(w.headers['x-frame-options']).toBeUndefined();
    // Bare: no site header or footer, but the facility's rooms, live, and links that leave the frame.
    expect(w.text).not.toContain('site-header');
    expect(w.text).toMatch(/<li class="room level-fair" data-room="tobe-elementary\/class-1-1"[\s\S]*?<span class="value">812<\/span>/);
    expect(w.text).toContain('Indoor CO₂ at Tobe Elementary School');
    expect(w.text).toContain('target="_blank" rel="noopener"');
    expect(w.text).not.toContain('class="room-link"');
    expect(w.text.match(/<script[^>]*>/g)).toEqual(['<script type="module" src="/assets/js/live.js">', '<script type="application/json" id="kanki-data">']);

    for (const path of ['/', '/facilities/tobe-elementary', '/rooms/tobe-elementary/class-1-1', '/open-data', '/api/v1/rooms', '/api/v1/openapi.json', '/embedded', '/embed/facilities']) {
      const r = await fetchText(path);
      expect(String(r.headers['content-security-policy']), path).toContain("frame-ancestors 'none'");
      expect(r.headers['x-frame-options'], path).toBe('DENY');
    }
  });

  it('never exposes a sensor id in exports, the OpenAPI document or the open-data pages', async () => {
    for (const f of registry.facilities) {
      bodies.push([f.id, (await get(t.url, `/api/v1/export/facilities/${f.id}.json?${range}&resolution=raw`)).text]);
      bodies.push([f.id, (await get(t.url, `/embed/facilities/${f.id}`)).text]);
    }
    expect(bodies.length).toBeGreaterThan(2 * registry.facilities.length);
    for (const [path, text] of bodies) for (const id of sensorIds) expect(text.includes(id), `${id} in ${path}`).toBe(false);
  });
});
