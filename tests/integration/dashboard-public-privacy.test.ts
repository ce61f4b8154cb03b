/**
 * The public side never shows device ids, staff data or secrets — checked over every public route:
 * every page, every script and stylesheet, every API path the OpenAPI document lists (with its
 * example parameters filled in), the first events of the live stream, in every language. Staff
 * routes answer only with a session. A real dashboard over a real SQLite store holding readings of
 * every room, with flagged readings and extras (battery, RSSI) that must stay internal.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadStaffFile } from '../../common/staff-users.ts';
import { loadDashboardConfig } from '../../dashboard/src/config.ts';
import { resolveStaffConsole } from '../../dashboard/src/staff/staff-console-config.ts';
import { DAY, get, logger, MIN, reading, registry, sensorIds, startTestDashboard } from '../helpers/dashboard-fixture.ts';

const staff = loadStaffFile('config/staff.example.yaml', { production: false });
let base = '';
let close: () => Promise<void>;
const NOW = Date.now();

beforeAll(async () => {
  const readings = registry.rooms.flatMap((r, i) => r.sensors.length === 0 ? [] : [
    reading(r.facilityId, r.roomId, NOW - 2 * DAY, 700 + i),
    reading(r.facilityId, r.roomId, NOW - 30 * MIN, 900 + i, { quality: 'suspect-high' }),
    reading(r.facilityId, r.roomId, NOW - MIN, 600 + 20 * i, { temperature: 22.5, humidity: 40 }),
  ]);
  // The staff console is mounted (its ingest is never reached: without a session nothing is asked).
  const config = loadDashboardConfig({ KANKI_INGEST_URL: 'http://127.0.0.1:9' });
  const t = await startTestDashboard(readings, { staffConsole: resolveStaffConsole(config, { registry, logger, staff }) });
  base = t.url;
  close = t.close;
});
afterAll(() => close());

/** Words that belong to the staff side only. */
const STAFF_WORDS = [...staff.users.map((u) => u.name), 'kanki-example', 'acknowledg', 'sha256:', 'scrypt$', 'alertId', 'battery', 'rssi'];

function assertPublic(path: string, text: string): void {
  for (const id of sensorIds) expect(text, `${path} shows sensor id ${id}`).not.toContain(id);
  for (const w of STAFF_WORDS) expect(text.toLowerCase(), `${path} shows staff data "${w}"`).not.toContain(w.toLowerCase());
}

/** The first `bytes` of the live stream (it never ends). */
function streamStart(path: string, bytes = 4096): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const req = request(base, { path, agent: false }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
        if (text.includes('event: snapshot') && text.includes('\n\n', text.indexOf('event: snapshot')) || text.length > bytes) {
          req.destroy();
          resolve(text);
        }
      });
    });
    req.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve(text) : reject(err)));
    req.end();
  });
}

describe('the public side shows no device ids, staff data or secrets', () => {
  const f = registry.rooms[0]?.facilityId as string;
  const r = registry.rooms[0]?.roomId as string;
  const pages = [
    '/', '/?kind=school', `/facilities/${f}`, `/rooms/${f}/${r}`, `/rooms/${f}/${r}?range=3h`, `/rooms/${f}/${r}?range=30d`,
    `/signage/${f}`, `/signage/${f}?lang=ja,en&theme=light`, `/facilities/${f}/report`, `/facilities/${f}/report.csv`,
    '/open-data', `/embed/facilities/${f}`, '/healthz', '/assets/kanki.css',
  ];

  it.each(['ja', 'en', 'ja-easy'])('every page in %s', async (lang) => {
    for (const path of pages) {
      const res = await get(base, path.includes('lang=') ? path : `${path}${path.includes('?') ? '&' : '?'}lang=${lang}`);
      expect(res.status, path).toBeLessThan(400);
      assertPublic(`${path} (${lang})`, res.text);
    }
  });

  it('every script and stylesheet the pages load', async () => {
    const assets = new Set<string>();
    for (const path of pages) {
      const res = await get(base, path);
      for (const m of res.text.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)) assets.add(m[1] as string);
    }
    expect(assets.size).toBeGreaterThan(3);
    for (const a of assets) {
      const res = await get(base, a);
      expect(res.status, a).toBe(200);
      assertPublic(a, res.text);
    }
  });

  it('every API path of the OpenAPI document, with its example parameters', async () => {
    const doc = (await get(base, '/api/v1/openapi.json')).json as { paths: Record<string, Record<string, { parameters?: { name: string; in: string; example?: unknown; schema?: { example?: unknown } }[] }>> };
    const paths = Object.keys(doc.paths);
    expect(paths.length).toBeGreaterThan(5);
    for (const [template, ops] of Object.entries(doc.paths)) {
      if (!ops.get || template.includes('stream')) continue;
      let path = template;
      const query = new URLSearchParams();
      for (const p of ops.get.parameters ?? []) {
        const example = p.example ?? p.schema?.example;
        if (p.in === 'path') path = path.replace(`{${p.name}}`, String(example ?? (p.name.includes('room') ? r : f)));
        else if (p.in === 'query' && example !== undefined) query.set(p.name, String(example));
      }
      const url = `${path}${query.size ? `?${query}` : ''}`;
      const res = await get(base, url);
      expect(res.status, url).toBeLessThan(500);
      assertPublic(url, res.text);
    }
  });

  it('the live stream', async () => {
    const text = await streamStart('/api/v1/stream', 200_000);
    expect(text).toContain('event: snapshot');
    assertPublic('/api/v1/stream', text);
  });

  it('staff routes answer only with a session: pages redirect to sign-in, JSON says 401', async () => {
    for (const path of ['/staff/alerts', '/staff/history', '/staff/audit', '/staff/sensors', '/staff/unknown-devices', '/staff/notifications']) {
      const res = await get(base, path);
      expect(res.status, path).toBe(303);
      expect(String(res.headers.location), path).toContain('/staff/sign-in');
    }
    expect((await get(base, '/staff/api/alerts')).status).toBe(401);
  });
});
