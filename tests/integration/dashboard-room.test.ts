/**
 * Facility and room pages against real parts: the dashboard on port 0 at 127.0.0.1 over the SQLite
 * store in a temp dir holding real readings. What a visitor would notice: names escaped, levels and
 * advice in the chosen language, the room's own thresholds, the history table holding the stored
 * values (and the same window the chart's API request names), ranges validated, 404s in the language.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, get, HOUR, MIN, reading, registry, sensorIds, startTestDashboard, type Reply } from '../helpers/dashboard-fixture.ts';

type ReadingsJson = { resolution: string; readings: { time: string; co2: number | null; temperature: number | null }[] };

const now = Date.now();
/** Two complete hours in the past: the first rising 600…718 ppm (mean 659), the second steady at 1200. */
const h0 = Math.floor(now / HOUR) * HOUR - 3 * HOUR;
const readings = [
  ...Array.from({ length: 60 }, (_, m) => reading('tobe-elementary', 'class-1-1', h0 + m * MIN, 600 + 2 * m, { temperature: 21 + (m % 2) * 0.2, humidity: 45 })),
  ...Array.from({ length: 60 }, (_, m) => reading('tobe-elementary', 'class-1-1', h0 + HOUR + m * MIN, 1200, { temperature: 20, humidity: 44 })),
  reading('tobe-elementary', 'class-1-1', now - MIN, 1234, { temperature: 17, humidity: 35 }),
  // 950 is "fair" by default, "ventilate" at this room's ventilate: 900.
  reading('nishi-ward-office', '3f-meeting', now - MIN, 950, { temperature: 24, humidity: 50 }),
  reading('test-hall', 'main', now - MIN, 1300),
  reading('minami-sengen-nursery', 'age-0', now - 20 * MIN, 1800),
];

/** Cells of the table row whose time is `iso`. */
function rowCells(page: string, iso: string): string[] {
  const row = new RegExp(`<tr><th scope="row"><time datetime="${iso}">[^<]*</time></th>(.*?)</tr>`).exec(page);
  return row ? [...(row[1] ?? '').matchAll(/<td class="num">([^<]*)<\/td>/g)].map((m) => m[1] ?? '') : [];
}

const dataBlock = (page: string): Record<string, unknown> => JSON.parse(/<script type="application\/json" id="kanki-data">(.*?)<\/script>/s.exec(page)?.[1] ?? '{}') as Record<string, unknown>;

describe('facility and room pages (SQLite store)', () => {
  let t: Awaited<ReturnType<typeof startTestDashboard>>;
  const bodies: [string, string][] = [];
  const page = async (path: string): Promise<Reply> => {
    const r = await get(t.url, path);
    bodies.push([path, r.text]);
    return r;
  };

  beforeAll(async () => {
    t = await startTestDashboard(readings);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('renders a facility with its kind, area, shelter mark, hours in words and live room tiles linking to room pages', async () => {
    const ja = await page('/facilities/tobe-elementary');
    expect(ja.status).toBe(200);
    expect(ja.headers['content-type']).toMatch(/^text\/html/);
    expect(ja.text).toMatch(/<h1 id="facility-name">横浜市立戸部小学校<\/h1>/);
    expect(ja.text).toContain('<dd>学校</dd>');
    expect(ja.text).toContain('<dd>戸部</dd>');
    expect(ja.text).toMatch(/id="facility-shelter"[^>]*>.*地域防災拠点/);
    expect(ja.text).toContain('<li>月〜金 8:00〜17:00、土・日 休み</li><li>祝日 休み</li>');
    const tiles = [...ja.text.matchAll(/<li class="room level-(\w+)" data-room="tobe-elementary\/([\w-]+)"/g)].map((m) => [m[2], m[1]]);
    expect(tiles).toEqual([['class-1-1', 'ventilate'], ['class-3-2', 'nodata'], ['class-6-1', 'nodata'], ['music-room', 'nodata'], ['gym', 'nodata']]);
    for (const r of registry.facility('tobe-elementary')?.rooms ?? []) expect(ja.text).toContain(`href="/rooms/tobe-elementary/${r.id}"`);
    expect(ja.text.match(/<script[^>]*>/g)).toEqual(['<script type="module" src="/assets/js/live.js">', '<script type="application/json" id="kanki-data">']);
    expect(dataBlock(ja.text).stream).toBe('/api/v1/stream?facility=tobe-elementary');
    expect(ja.text).toContain('<link rel="stylesheet" href="/assets/room.css">');

    const en = await page('/facilities/nishi-community-center?lang=en');
    expect(en.text).toMatch(/<html lang="en">/);
    expect(en.text).toContain('<li>Mon–Sat 9:00–21:00; Sun 9:00–17:00</li><li>Public holidays closed</li>');
    expect(en.text).not.toContain('facility-shelter');
    const css = await get(t.url, '/assets/room.css');
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
  });

  it('escapes hostile registry names on facility, room and widget pages', async () => {
    for (const path of ['/facilities/test-hall', '/facilities/test-hall?lang=en', '/rooms/test-hall/main', '/rooms/test-hall/main?lang=en', '/embed/facilities/test-hall', '/']) {
      const r = await page(path);
      expect(r.status, path).toBe(200);
      expect(r.text, path).not.toMatch(/<img|<b>|<i>|<script>alert/);
    }
    const ja = await get(t.url, '/rooms/test-hall/main');
    expect(ja.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(ja.text).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 会館');
    const en = await get(t.url, '/facilities/test-hall?lang=en');
    expect(en.text).toContain('O&#39;Brien &quot;Hall&quot; &lt;b&gt;');
    expect(en.text).toContain('&lt;i&gt;area&lt;/i&gt;');
    // An upcoming closure is listed (the test hall closes over New Year 2099/2100).
    expect(en.text).toMatch(/Closed on: 29 Dec–3 Jan/);
  });

  it('answers unknown or malformed facilities and rooms with a 404 page in the language', async () => {
    const cases: [string, string, string][] = [
      ['/facilities/no-such-facility', 'ja', '施設が見つかりません'],
      ['/facilities/no-such-facility?lang=en', 'en', 'Facility not found'],
      ['/facilities/Tobe-Elementary', 'ja', '施設が見つかりません'],
      ['/facilities/%3Cscript%3E', 'ja', '施設が見つかりません'],
      ['/rooms/tobe-elementary/no-such-room', 'ja', '部屋が見つかりません'],
      ['/rooms/no-such-facility/class-1-1?lang=en', 'en', 'Room not found'],
      ['/rooms/tobe-elementary/..%2F..', 'ja', '部屋が見つかりません'],
      ['/embed/facilities/no-such-facility', 'ja', '施設が見つかりません'],
    ];
    for (const [path, lang, heading] of cases) {
      const r = await page(path);
      expect({ path, status: r.status }).toEqual({ path, status: 404 });
      expect(r.text, path).toContain(`<html lang="${lang}">`);
      expect(r.text, path).toContain(`<h1>${heading}</h1>`);
      expect(r.text, path).not.toContain('<script');
      expect(r.headers['cache-control']).toBe('no-store');
    }
  });

  it('shows the current value, level, explanation, room tips, temperature and humidity without JavaScript', async () => {
    const r = await page('/rooms/tobe-elementary/class-1-1');
    expect(r.status).toBe(200);
    expect(r.text).toMatch(/<section class="room-now level-ventilate" id="room-now"/);
    expect(r.text).toContain('<span class="value" id="room-co2">1,234</span>');
    expect(r.text).toContain('<span class="level-word" id="room-level-word">換気を</span>');
    expect(r.text).toContain('<span class="icon" id="room-level-icon" aria-hidden="true">▲</span>');
    expect(r.text).toMatch(/id="room-explain">空気がこもっています。対角線上の窓を2か所/);
    expect(r.text).toContain('<dd id="room-temperature">17.0 °C</dd>');
    expect(r.text).toContain('<dd id="room-humidity">35.0 %</dd>');
    // Classroom advice, plus cold (17 °C) and dry (35 %) tips.
    expect(r.text).toMatch(/id="room-tips"[\s\S]*廊下側と外側の窓[\s\S]*暖房をつけたまま[\s\S]*加湿器/);

    const en = await page('/rooms/tobe-elementary/class-1-1?lang=en');
    expect(en.text).toMatch(/<html lang="en">/);
    expect(en.text).toContain('<span class="level-word" id="room-level-word">Ventilate</span>');
    expect(en.text).toMatch(/Open two windows on opposite sides/);

    const stale = await page('/rooms/minami-sengen-nursery/age-0');
    expect(stale.text).toContain('<span class="value" id="room-co2">－</span>');
    expect(stale.text).toContain('データなし');
    expect(stale.text).toMatch(/からデータなし/);
    expect(stale.text).toContain('センサーの電源や通信を確認中です');
  });

  it("shows the room's own thresholds and uses them for its level", async () => {
    const r = await page('/rooms/nishi-ward-office/3f-meeting');
    expect(r.text).toMatch(/<section class="room-now level-ventilate"/);
    expect(r.text).toContain('換気を: 900 ppm 以上');
    expect(r.text).toContain('すぐに換気: 1,200 ppm 以上');
    expect(r.text).toContain('標準（800 / 1000 / 1500 ppm）とは異なる基準');
    expect((dataBlock(r.text).thresholds as object)).toEqual({ fair: 800, ventilate: 900, critical: 1200 });
    const plain = await page('/rooms/tobe-elementary/class-1-1');
    expect(plain.text).toContain('換気を: 1,000 ppm 以上');
    expect(plain.text).not.toContain('とは異なる基準');
  });

  it('renders the history table with hourly means of the stored readings, matching the chart data the page names', async () => {
    const r = await page('/rooms/tobe-elementary/class-1-1?range=24h');
    expect(r.text).toMatch(/<table id="history-table" data-range="24h">\s*<caption id="history-table-caption">過去24時間のCO₂濃度・気温・湿度（1時間ごと、古い順）/);
    expect(r.text).toContain('1分ごとの平均');
    expect(rowCells(r.text, new Date(h0).toISOString())).toEqual(['659', '718', '21.1', '45.0']);
    expect(rowCells(r.text, new Date(h0 + HOUR).toISOString())).toEqual(['1,200', '1,200', '20.0', '44.0']);
    expect(r.text).toMatch(/<tr class="nodata"><th scope="row"><time datetime="[^"]+">[^<]+<\/time><\/th><td colspan="4">データなし<\/td><\/tr>/);
    // 24 hours from a minute boundary touch 24 or 25 hour rows.
    const rows = r.text.match(/<th scope="row">/g)?.length ?? 0;
    expect(rows).toBeGreaterThanOrEqual(24);
    expect(rows).toBeLessThanOrEqual(25);

    // The chart's data: the readings API URL in the page's data block returns the same resolution and points.
    const data = dataBlock(r.text);
    expect(data).toMatchObject({ room: 'tobe-elementary/class-1-1', range: '24h', stream: '/api/v1/stream?facility=tobe-elementary' });
    expect((data.to as number) - (data.from as number)).toBe(DAY);
    const api = await get(t.url, data.readingsUrl as string);
    expect(api.status).toBe(200);
    const body = api.json as ReadingsJson;
    expect(body.resolution).toBe('1m');
    const hour = body.readings.filter((p) => Date.parse(p.time) >= h0 && Date.parse(p.time) < h0 + HOUR).map((p) => p.co2 ?? 0);
    expect(hour).toHaveLength(60);
    expect(Math.round(hour.reduce((a, b) => a + b, 0) / hour.length)).toBe(659);

    // Chart: canvas with role=img and a summary label; Chart.js is loaded on this page.
    expect(r.text).toContain('<canvas id="history-chart" role="img" aria-label="過去24時間のCO₂濃度: 最低 600 ppm、最高 1,234 ppm、最新 1,234 ppm');
    expect(r.text).toMatch(/<canvas id="climate-chart" role="img" aria-label="気温 17\.0〜21\.2 °C、湿度 35\.0〜45\.0 %"/);
    expect(r.text.match(/<script[^>]*>/g)).toEqual(['<script defer src="/assets/chart.js/chart.umd.min.js">', '<script type="module" src="/assets/js/room.js">', '<script type="application/json" id="kanki-data">']);
    for (const asset of ['/assets/chart.js/chart.umd.min.js', '/assets/js/room.js']) {
      const a = await get(t.url, asset);
      expect(a.status, asset).toBe(200);
      expect(a.headers['content-type'], asset).toMatch(/javascript/);
    }
    // The figure is hidden until the script draws it: without JavaScript the table is the content.
    expect(r.text).toMatch(/<figure class="history-figure" id="history-figure" hidden>/);
  });

  it('offers the four ranges as links marking the current one, each server-rendering its own table', async () => {
    const expectations: [string, string, number, number, string][] = [
      ['3h', '測定値そのまま', 18, 19, '10分ごと'],
      ['24h', '1分ごとの平均', 24, 25, '1時間ごと'],
      ['7d', '1時間ごとの平均', 28, 29, '6時間ごと'],
      ['30d', '1時間ごとの平均', 30, 31, '1日ごと'],
    ];
    for (const [range, resolution, minRows, maxRows, bucket] of expectations) {
      const r = await page(`/rooms/tobe-elementary/class-1-1?range=${range}`);
      expect(r.status, range).toBe(200);
      const links = [...r.text.matchAll(/<a class="range-link" data-range="(\w+)" href="([^"]+)"( aria-current="true")?>/g)];
      expect(links.map((m) => m[1])).toEqual(['3h', '24h', '7d', '30d']);
      expect(links.filter((m) => m[3]).map((m) => m[1])).toEqual([range]);
      expect(links.map((m) => m[2])).toContain(`/rooms/tobe-elementary/class-1-1?range=${range}#history`);
      expect(r.text, range).toContain(`元の値: ${resolution}`);
      expect(r.text, range).toContain(bucket);
      const rows = r.text.match(/<th scope="row">/g)?.length ?? 0;
      expect(rows, range).toBeGreaterThanOrEqual(minRows);
      expect(rows, range).toBeLessThanOrEqual(maxRows);
      // The rows with data hold the stored values, whatever the grouping: 600 is the lowest.
      const means = [...r.text.matchAll(/<td class="num">([\d,]+)<\/td><td class="num">/g)].map((m) => Number((m[1] ?? '').replace(/,/g, '')));
      expect(means.length, range).toBeGreaterThan(0);
      expect(Math.min(...means), range).toBeGreaterThanOrEqual(600);
      // The language links keep the range.
      expect(r.text).toContain(`href="/rooms/tobe-elementary/class-1-1?range=${range}&amp;lang=en"`);
    }
    const week = await page('/rooms/tobe-elementary/class-1-1?range=7d');
    expect(week.text).toMatch(/href="\/api\/v1\/export\/rooms\/tobe-elementary\/class-1-1\.csv\?from=[^"]+&amp;resolution=1h"/);
  });

  it('refuses a range that is not offered with 400', async () => {
    for (const q of ['range=1y', 'range=', 'range=24h&range=3h', 'range=%3Cscript%3E']) {
      const r = await page(`/rooms/tobe-elementary/class-1-1?${q}`);
      expect({ q, status: r.status }).toEqual({ q, status: 400 });
      expect(r.text).not.toMatch(/<script>|ZodError|\.ts:/);
    }
    // Unknown parameters (tracking tags on shared links) are ignored on pages.
    expect((await page('/rooms/tobe-elementary/class-1-1?utm_source=newsletter')).status).toBe(200);
  });

  it('keeps framing forbidden on these pages and never shows a sensor id', async () => {
    for (const path of ['/facilities/tobe-elementary', '/rooms/tobe-elementary/class-1-1']) {
      const r = await get(t.url, path);
      expect(String(r.headers['content-security-policy'])).toContain("frame-ancestors 'none'");
      expect(r.headers['x-frame-options']).toBe('DENY');
    }
    for (const f of registry.facilities) bodies.push([`/facilities/${f.id}`, (await get(t.url, `/facilities/${f.id}`)).text]);
    for (const r of registry.rooms) bodies.push([`/rooms/${r.facilityId}/${r.roomId}`, (await get(t.url, `/rooms/${r.facilityId}/${r.roomId}?range=7d`)).text]);
    expect(bodies.length).toBeGreaterThan(registry.rooms.length);
    for (const [path, text] of bodies) for (const id of sensorIds) expect(text.includes(id), `${id} in ${path}`).toBe(false);
  });
});
