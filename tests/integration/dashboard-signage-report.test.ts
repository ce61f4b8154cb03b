/**
 * Lobby signage and the monthly compliance report against a real SQLite store in a temp dir and a
 * dashboard on port 0 at 127.0.0.1. The clock is injected (store and dashboard share it) so that a
 * whole November can be stored through the store's normal write path — its raw retention refuses
 * readings older than 7 days — and the report can then be read in December, and again in March
 * when the per-minute data of November has passed its retention.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createSilentLogger } from '../../common/logger.ts';
import type { Reading } from '../../common/reading.ts';
import { deviceKey, parseRegistry, type Registry } from '../../common/registry.ts';
import type { ReadingStore } from '../../common/store/reading-store.ts';
import { createSqliteStore } from '../../common/store/sqlite-store.ts';
import { startDashboard, type RunningDashboard } from '../../dashboard/src/app.ts';
import { REPORT_CSV_COLUMNS } from '../../dashboard/src/report/report-csv.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

const MIN = 60_000;
const logger = createSilentLogger();
const jst = (wall: string) => Date.parse(`${wall}:00+09:00`);

type Demo = { facilities: { id: string; closures?: string[]; rooms: { id: string; levels?: object }[] }[] };
/** The demo registry; the school gets a closure day and one room its own thresholds; plus a facility whose names try to inject markup. */
function testRegistry(): Registry {
  const data = parseYaml(readFileSync('config/registry.demo.yaml', 'utf8')) as Demo;
  const tobe = data.facilities.find((f) => f.id === 'tobe-elementary');
  if (!tobe) throw new Error('demo registry without tobe-elementary');
  tobe.closures = ['2026-11-19'];
  const music = tobe.rooms.find((r) => r.id === 'music-room');
  if (music) music.levels = { ventilate: 900, critical: 1200 };
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
const TOBE_ROOMS = registry.rooms.filter((r) => r.facilityId === 'tobe-elementary').map((r) => r.roomId);

function reading(facility: string, room: string, time: number, co2: number): Reading {
  const sensor = registry.room(facility, room)?.sensors[0];
  if (!sensor) throw new Error(`no sensor for ${facility}/${room}`);
  return { facility, room, sensor: deviceKey(sensor).id, time, co2, quality: 'ok' };
}

/** One reading a minute (10 s into it, as a device would send) from `from` until `to`. */
function minutes(room: string, from: string, to: string, co2: (t: number) => number): Reading[] {
  const out: Reading[] = [];
  for (let t = jst(from); t < jst(to); t += MIN) out.push(reading('tobe-elementary', room, t + 10_000, co2(t)));
  return out;
}
const between = (t: number, from: string, to: string) => jst(from) <= t && t < jst(to);

/**
 * November at Tobe Elementary (open mon–fri 08:00–17:00; 3rd and 23rd are holidays, the 19th a closure):
 * class 1-1 has data on the 2nd and 4th from 07:00 to 18:00, with 30 min at 1200 ppm and 60 min at
 * 1600 ppm in school hours, and 1600 ppm on a Saturday, a night, the holiday and the closure day.
 * The music room (its own thresholds 900/1200) has 950 ppm all day on the 2nd.
 */
function november(): Reading[][] {
  return [
    minutes('class-1-1', '2026-11-02T07:00', '2026-11-02T18:00', (t) => (between(t, '2026-11-02T10:00', '2026-11-02T10:30') ? 1200 : 600)),
    minutes('music-room', '2026-11-02T07:00', '2026-11-02T18:00', () => 950),
    minutes('class-1-1', '2026-11-04T07:00', '2026-11-04T18:00', (t) => (between(t, '2026-11-04T09:00', '2026-11-04T10:00') ? 1600 : 600)),
    minutes('class-1-1', '2026-11-07T10:00', '2026-11-07T12:00', () => 1600),
    minutes('class-1-1', '2026-11-10T20:00', '2026-11-10T21:00', () => 1600),
    minutes('class-1-1', '2026-11-19T10:00', '2026-11-19T11:00', () => 1600),
    minutes('class-1-1', '2026-11-23T10:00', '2026-11-23T11:00', () => 1600),
  ];
}

type Reply = { status: number; headers: Record<string, string | string[] | undefined>; text: string };
function get(base: string, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(base, { path, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The JSON block a page hands to its script. */
function pageData(html: string): Record<string, unknown> {
  const m = /<script type="application\/json" id="kanki-data">([\s\S]*?)<\/script>/.exec(html);
  if (!m?.[1]) throw new Error('no data block');
  return JSON.parse(m[1]) as Record<string, unknown>;
}

/** The text of the element with `data-figure="<name>"` inside the section of `room`. */
function figure(html: string, room: string, name: string): string | undefined {
  const section = new RegExp(`<section class="report-room" data-room="tobe-elementary/${room}"[\\s\\S]*?</section>`).exec(html)?.[0] ?? '';
  return new RegExp(`data-figure="${name}">([^<]*)<`).exec(section)?.[1];
}

const DECEMBER = jst('2026-12-05T10:00');
let clock = DECEMBER;
const dir = makeTempDir('kanki-signage-report-');
let store: ReadingStore;
let dashboard: RunningDashboard;
let base: string;

beforeAll(async () => {
  store = createSqliteStore({ file: join(dir.path, 'kanki.sqlite') }, { logger, now: () => clock });
  await store.init();
  // Each day is written "on" that day: the store refuses readings older than its raw retention.
  for (const batch of november()) {
    clock = (batch.at(-1)?.time ?? DECEMBER) + MIN;
    await store.write(batch);
  }
  clock = DECEMBER;
  await store.write([
    reading('tobe-elementary', 'class-1-1', clock - MIN, 1234),
    reading('tobe-elementary', 'class-3-2', clock - 3 * MIN, 640),
    reading('tobe-elementary', 'class-6-1', clock - 10 * MIN, 905), // older than the 5-minute stale limit
    reading('tobe-elementary', 'music-room', clock - MIN, 1100), // ventilate by its own 900 ppm threshold
    reading('test-hall', 'main', clock - MIN, 700),
  ]);
  dashboard = await startDashboard({ httpPort: 0, httpHost: '127.0.0.1', staleAfterSeconds: 300 }, { registry, store, logger, now: () => clock });
  base = dashboard.url;
});

afterAll(async () => {
  await dashboard?.close();
  await store?.close();
  dir.remove();
});

describe('lobby signage', () => {
  it('renders every room of the facility server-side with huge values, levels, ages and the explanation', async () => {
    const page = await get(base, '/signage/tobe-elementary');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['cache-control']).toBe('no-cache');
    const tiles = [...page.text.matchAll(/<li class="signage-room level-(\w+)" data-room="tobe-elementary\/([\w-]+)"/g)].map((m) => [m[2], m[1]]);
    expect(tiles).toEqual([['class-1-1', 'ventilate'], ['class-3-2', 'good'], ['class-6-1', 'nodata'], ['music-room', 'ventilate'], ['gym', 'nodata']]);
    expect(TOBE_ROOMS).toEqual(tiles.map((t) => t[0]));
    // The value is the big element of each tile; the stylesheet sizes it to the tile (≥ 20 vh alone on a screen).
    expect(page.text).toMatch(/data-room="tobe-elementary\/class-1-1"[\s\S]*?<p class="signage-reading"><span class="signage-value">1234<\/span> <span class="signage-unit">ppm<\/span><\/p>/);
    expect(page.text).toMatch(/data-room="tobe-elementary\/class-1-1"[\s\S]*?<span class="signage-icon" aria-hidden="true">▲<\/span> <span class="signage-word">換気を<\/span>/);
    expect(page.text).toMatch(/data-room="tobe-elementary\/class-3-2"[\s\S]*?>640<[\s\S]*?測定: 3分前/);
    expect(page.text).toMatch(/data-room="tobe-elementary\/class-6-1"[\s\S]*?<span class="signage-value">－<\/span>[\s\S]*?最後のデータ: 10分前/);
    expect(page.text).toMatch(/data-room="tobe-elementary\/gym"[\s\S]*?まだデータがありません/);
    expect(page.text).toContain('<ul class="signage-rooms lc-3 pc-2" data-count="5">');
    // The most urgent level on screen explains what to do; the legend gives the ranges.
    expect(page.text).toMatch(/<p class="signage-explain level-ventilate" id="signage-explain">空気がこもっています。/);
    expect(page.text).toContain('<span class="signage-legend-range">1000 ppm 以上</span>');
    const css = await get(base, '/assets/signage.css');
    expect(css.status).toBe(200);
    expect(css.text).toContain('font-size: min(40cqh, 38cqw)');
    expect(css.text).toMatch(/\.signage-body \{[^}]*overflow: hidden;[^}]*cursor: none;/);
  });

  it('is a bare full-screen page: no header, footer or links; scripts from files only; a reload without scripts', async () => {
    const page = await get(base, '/signage/tobe-elementary');
    expect(page.text).toContain('<body class="signage-body signage-theme-dark">');
    expect(page.text).not.toMatch(/site-header|site-footer|<a /);
    expect(page.text.match(/<script[^>]*>/g)).toEqual(['<script type="module" src="/assets/js/signage.js">', '<script type="application/json" id="kanki-data">']);
    expect(page.text).not.toMatch(/style=/);
    expect(page.text).toContain('<link rel="stylesheet" href="/assets/signage.css">');
    expect(page.text).toContain('<noscript><meta http-equiv="refresh" content="60"></noscript>');
    expect(page.text).toMatch(/<p class="signage-status" id="signage-status" role="status"/);
    expect(String(page.headers['content-security-policy'])).not.toContain('unsafe-inline');
    const js = await get(base, '/assets/js/signage.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
  });

  it('hands the script only public values, the stale limit and the stream — no sensor ids or staff data anywhere', async () => {
    const page = await get(base, '/signage/tobe-elementary');
    const data = pageData(page.text);
    expect(data).toMatchObject({ stream: '/api/v1/stream?facility=tobe-elementary', staleAfterMs: 300_000, intervalMs: 12_000, maxAtOnce: 4, serverNow: DECEMBER, timeZone: 'Asia/Tokyo' });
    expect(data.reloadAt).toBeGreaterThanOrEqual(jst('2026-12-06T04:00'));
    expect(data.reloadAt).toBeLessThan(jst('2026-12-06T04:30'));
    const rooms = data.rooms as Record<string, unknown>[];
    expect(rooms.map((r) => Object.keys(r).sort())).toEqual(TOBE_ROOMS.map(() => ['co2', 'key', 'level', 'stale', 'updatedAt']));
    expect(rooms[0]).toEqual({ key: 'tobe-elementary/class-1-1', co2: 1234, level: 'ventilate', stale: false, updatedAt: new Date(DECEMBER - MIN).toISOString() });
    expect(data.legends).toEqual([{ fair: 800, ventilate: 1000, critical: 1500 }, { fair: 800, ventilate: 900, critical: 1200 }]);
    for (const path of ['/signage/tobe-elementary', '/signage/tobe-elementary?lang=ja,en', '/signage/test-hall']) {
      const { text } = await get(base, path);
      for (const id of sensorIds) expect(text.includes(id), `${id} in ${path}`).toBe(false);
      expect(text).not.toMatch(/alert(Id|s)?"|acknowledg|"sensor/i);
    }
  });

  it('shows rooms with different thresholds with a legend per room for rotation and a words-only legend for the grid', async () => {
    const page = await get(base, '/signage/tobe-elementary');
    expect(page.text).toMatch(/data-room="tobe-elementary\/music-room" data-level="ventilate" data-legend="1"/);
    expect(page.text).toMatch(/<ul class="signage-legend" data-legend="1" aria-label="目安" hidden>[\s\S]*?900 ppm 以上/);
    expect(page.text).toMatch(/<ul class="signage-legend" data-legend="words" aria-label="目安">(?:(?!ppm)[\s\S])*?<\/ul>/);
  });

  it('takes theme, interval and languages (one, or up to three to alternate) from the query', async () => {
    const light = await get(base, '/signage/tobe-elementary?theme=light&interval=30');
    expect(light.text).toContain('<body class="signage-body signage-theme-light">');
    expect(pageData(light.text).intervalMs).toBe(30_000);
    const en = await get(base, '/signage/tobe-elementary?lang=en');
    expect(en.text).toMatch(/<html lang="en">/);
    expect(en.text).toMatch(/<h1 class="signage-facility">Tobe Elementary School<\/h1>/);
    expect(en.text).toMatch(/class-3-2"[\s\S]*?Measured 3 min ago/);
    const both = await get(base, '/signage/tobe-elementary?lang=ja,en');
    expect(both.text).toMatch(/<html lang="ja">/);
    const langs = pageData(both.text).langs as { lang: string; facility: string; levels: Record<string, { word: string }> }[];
    expect(langs.map((l) => [l.lang, l.facility, l.levels.critical?.word])).toEqual([['ja', '横浜市立戸部小学校', 'すぐに換気'], ['en', 'Tobe Elementary School', 'Ventilate now']]);
    // The language comes from the URL only: a cookie or the browser's language must not change a screen.
    const cookie = await new Promise<string>((resolve, reject) => {
      request(base, { path: '/signage/tobe-elementary', headers: { cookie: 'kanki_lang=en', 'accept-language': 'en' } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString('utf8')));
        res.on('end', () => resolve(text));
      }).on('error', reject).end();
    });
    expect(cookie).toMatch(/<html lang="ja">/);
  });

  it('escapes registry names', async () => {
    const page = await get(base, '/signage/test-hall');
    expect(page.status).toBe(200);
    expect(page.text).not.toMatch(/<img|<script>alert/);
    expect(page.text).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 会館');
    expect(pageData(page.text).langs).toBeDefined();
  });

  it('refuses bad parameters with 400 and unknown facilities with 404', async () => {
    const cases: [string, number][] = [
      ['/signage/tobe-elementary?interval=4', 400],
      ['/signage/tobe-elementary?interval=601', 400],
      ['/signage/tobe-elementary?interval=abc', 400],
      ['/signage/tobe-elementary?interval=12.5', 400],
      ['/signage/tobe-elementary?interval=10&interval=20', 400],
      ['/signage/tobe-elementary?theme=blue', 400],
      ['/signage/tobe-elementary?lang=fr', 400],
      ['/signage/tobe-elementary?lang=ja,ja', 400],
      ['/signage/tobe-elementary?lang=ja,en,ja-easy,en', 400],
      ['/signage/tobe-elementary?rooms=all', 400],
      ['/signage/Tobe', 400],
      ['/signage/%2E%2E', 400],
      ['/signage/no-such-facility', 404],
      ['/signage/tobe-elementary?interval=5&theme=light&lang=ja-easy', 200],
      ['/signage/tobe-elementary?interval=600', 200],
    ];
    for (const [path, status] of cases) expect({ path, status: (await get(base, path)).status }).toEqual({ path, status });
  });
});

describe('monthly compliance report', () => {
  it('shows the figures of stored November data: opening hours only, per-room thresholds, worst days, coverage', async () => {
    const page = await get(base, '/facilities/tobe-elementary/report?month=2026-11');
    expect(page.status).toBe(200);
    const t = page.text;
    expect(t).toContain('<h1>横浜市立戸部小学校 換気レポート 2026年11月</h1>');
    expect(t).toContain('data-figure="open-time">18 日・162 時間<');
    expect(t).toMatch(/11月3日\(火\) 文化の日 \/ 11月19日\(木\) 休館日 \/ 11月23日\(月\) 勤労感謝の日/);
    expect(t).toContain('<dd data-resolution="1m">1分ごとの平均値</dd>');
    expect(t).not.toContain('report-hourly-note');
    // Class 1-1: 30 + 60 min at or above 1000 ppm in school hours; the Saturday, night, holiday and closure readings do not count.
    expect(figure(t, 'class-1-1', 'ventilate')).toBe('1.5 時間');
    expect(figure(t, 'class-1-1', 'critical')).toBe('1.0 時間');
    expect(figure(t, 'class-1-1', 'max')).toBe('1,600 ppm');
    expect(figure(t, 'class-1-1', 'coverage')).toBe('11.1%');
    expect(t).toMatch(/<caption>1年1組: 1000 ppm 以上の時間が長かった日（上位3日）<\/caption>[\s\S]*?<tr data-date="2026-11-04"><th scope="row">11月4日\(水\)<\/th><td class="num">60 分<\/td><td class="num">1,600 ppm<\/td><\/tr><tr data-date="2026-11-02">[\s\S]*?30 分[\s\S]*?1,200 ppm/);
    // The music room counts against its own 900/1200 ppm.
    expect(t).toContain('900 ppm 以上（換気を）の時間');
    expect(figure(t, 'music-room', 'ventilate')).toBe('9.0 時間');
    expect(figure(t, 'music-room', 'critical')).toBe('0.0 時間');
    expect(figure(t, 'music-room', 'coverage')).toBe('5.5%');
    // Rooms without data: 0 % coverage, no maximum.
    expect(figure(t, 'gym', 'coverage')).toBe('0.0%');
    expect(figure(t, 'gym', 'max')).toBe('データなし');
    expect(t).toMatch(/<table class="report-figures">\s*<caption>1年1組: 2026年11月 の開館時間中の値<\/caption>/);
    expect(t).toContain('<a href="/facilities/tobe-elementary/report.csv?month=2026-11" type="text/csv" download>');
    expect(t).toContain('<link rel="license" href="https://creativecommons.org/licenses/by/4.0/">');
    expect(page.headers.link).toBe('<https://creativecommons.org/licenses/by/4.0/>; rel="license"');
    expect(page.headers['cache-control']).toBe('public, max-age=900');
    for (const id of sensorIds) expect(t.includes(id), id).toBe(false);
    const en = await get(base, '/facilities/tobe-elementary/report?month=2026-11&lang=en');
    expect(en.text).toContain('Tobe Elementary School: ventilation report, November 2026');
    expect(figure(en.text, 'class-1-1', 'ventilate')).toBe('1.5 h');
  });

  it('serves the same figures as CSV with a header row, a licence link and a file name', async () => {
    const csv = await get(base, '/facilities/tobe-elementary/report.csv?month=2026-11');
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8; header=present');
    expect(csv.headers.link).toBe('<https://creativecommons.org/licenses/by/4.0/>; rel="license"');
    expect(csv.headers['content-disposition']).toBe('attachment; filename="kanki-report-tobe-elementary-2026-11.csv"');
    expect(csv.text.startsWith('\uFEFF')).toBe(true);
    const [header, ...rows] = csv.text.slice(1).trimEnd().split('\r\n').map((l) => l.split(','));
    expect(header).toEqual(REPORT_CSV_COLUMNS);
    expect(rows.map((r) => r[3])).toEqual(TOBE_ROOMS);
    const row = (room: string) => Object.fromEntries((header ?? []).map((h, i) => [h, rows.find((r) => r[3] === room)?.[i]]));
    expect(row('class-1-1')).toEqual({
      facility_id: 'tobe-elementary', facility_name_ja: '横浜市立戸部小学校', facility_name_en: 'Tobe Elementary School',
      room_id: 'class-1-1', room_name_ja: '1年1組', room_name_en: 'Class 1-1', month: '2026-11',
      period_start: '2026-10-31T15:00:00.000Z', period_end: '2026-11-30T15:00:00.000Z', resolution: '1m',
      open_minutes: '9720', covered_minutes: '1080', coverage_percent: '11.1',
      ventilate_ppm: '1000', minutes_at_or_above_ventilate: '90', hours_at_or_above_ventilate: '1.5',
      critical_ppm: '1500', minutes_at_or_above_critical: '60', hours_at_or_above_critical: '1',
      max_co2_ppm: '1600',
      worst_day_1: '2026-11-04', worst_day_1_minutes_at_or_above_ventilate: '60', worst_day_1_max_co2_ppm: '1600',
      worst_day_2: '2026-11-02', worst_day_2_minutes_at_or_above_ventilate: '30', worst_day_2_max_co2_ppm: '1200',
      worst_day_3: '', worst_day_3_minutes_at_or_above_ventilate: '', worst_day_3_max_co2_ppm: '',
    });
    expect(row('music-room')).toMatchObject({ ventilate_ppm: '900', minutes_at_or_above_ventilate: '540', critical_ppm: '1200', minutes_at_or_above_critical: '0', max_co2_ppm: '950', coverage_percent: '5.5', worst_day_1: '2026-11-02' });
    expect(row('gym')).toMatchObject({ covered_minutes: '0', coverage_percent: '0', max_co2_ppm: '', worst_day_1: '' });
  });

  it('validates the month (YYYY-MM, from 2020-01, not after the current month) and the facility', async () => {
    const cases: [string, number][] = [
      ['/facilities/tobe-elementary/report?month=2027-01', 400],
      ['/facilities/tobe-elementary/report.csv?month=2027-01', 400],
      ['/facilities/tobe-elementary/report?month=2019-12', 400],
      ['/facilities/tobe-elementary/report?month=2026-13', 400],
      ['/facilities/tobe-elementary/report?month=2026-1', 400],
      ['/facilities/tobe-elementary/report?month=november', 400],
      ['/facilities/tobe-elementary/report?month=2026-11&month=2026-10', 400],
      ['/facilities/tobe-elementary/report?month=2026-11&format=pdf', 400],
      ['/facilities/Tobe/report?month=2026-11', 400],
      ['/facilities/no-such-facility/report?month=2026-11', 404],
      ['/facilities/no-such-facility/report.csv?month=2026-11', 404],
      ['/facilities/tobe-elementary/report?month=2020-01', 200],
      ['/facilities/tobe-elementary/report?month=2026-12', 200],
      ['/facilities/tobe-elementary/report', 200],
    ];
    for (const [path, status] of cases) expect({ path, status: (await get(base, path)).status }).toEqual({ path, status });
    // The current month counts up to now; without a month the last complete one is shown.
    const current = await get(base, '/facilities/tobe-elementary/report.csv?month=2026-12');
    expect(current.headers['cache-control']).toBe('public, max-age=60');
    // December 1–4 (Tue–Fri) and the 5th (Saturday): 4 × 540 minutes.
    expect(current.text).toContain(',2026-12,2026-11-30T15:00:00.000Z,2026-12-05T01:00:00.000Z,1m,2160,');
    const latest = await get(base, '/facilities/tobe-elementary/report');
    expect(latest.text).toContain('<h1>横浜市立戸部小学校 換気レポート 2026年11月</h1>');
  });

  it('falls back to hourly means once the per-minute data of the month has expired, and says so', async () => {
    clock = jst('2027-03-15T10:00');
    try {
      const page = await get(base, '/facilities/tobe-elementary/report?month=2026-11');
      expect(page.status).toBe(200);
      expect(page.text).toContain('<dd data-resolution="1h">1時間ごとの平均値</dd>');
      expect(page.text).toMatch(/<p class="report-note" id="report-hourly-note">この月の1分ごとのデータは保存期間（90 日）を過ぎて/);
      // The 30 minutes at 1200 ppm average to 900 over their hour and disappear; the full 1600 ppm hour stays.
      expect(figure(page.text, 'class-1-1', 'ventilate')).toBe('1.0 時間');
      expect(figure(page.text, 'class-1-1', 'coverage')).toBe('11.1%');
      expect(figure(page.text, 'music-room', 'ventilate')).toBe('9.0 時間');
      const csv = await get(base, '/facilities/tobe-elementary/report.csv?month=2026-11');
      expect(csv.text).toMatch(/\r\ntobe-elementary,横浜市立戸部小学校,Tobe Elementary School,class-1-1,1年1組,Class 1-1,2026-11,[^,]+,[^,]+,1h,9720,1080,11.1,1000,60,1,1500,60,1,1600,2026-11-04,60,1600,,,,,,\r\n/);
    } finally {
      clock = DECEMBER;
    }
  });
});
