/**
 * Shared pieces of the dashboard page/open-data integration tests: the demo registry with one
 * per-room threshold override and a facility whose names try to inject markup, readings for it,
 * a started dashboard over a real SQLite store in a temp dir, and a raw HTTP client.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { createSilentLogger } from '../../common/logger.ts';
import type { Reading } from '../../common/reading.ts';
import { deviceKey, parseRegistry, type Registry } from '../../common/registry.ts';
import type { ReadingStore } from '../../common/store/reading-store.ts';
import { createSqliteStore } from '../../common/store/sqlite-store.ts';
import { startDashboard, type RunningDashboard } from '../../dashboard/src/app.ts';
import type { StaffConsoleDeps } from '../../dashboard/src/staff/console.ts';
import { makeTempDir } from './temp-dir.ts';

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
export const logger = createSilentLogger();

type Demo = { facilities: { id: string; closures?: string[]; rooms: { id: string; levels?: object }[] }[] };

/** The demo registry, plus: thresholds 900/1200 on nishi-ward-office/3f-meeting, and `test-hall` with hostile names. */
export function testRegistry(): Registry {
  const data = parseYaml(readFileSync('config/registry.demo.yaml', 'utf8')) as Demo;
  const facility = (f: string) => data.facilities.find((x) => x.id === f);
  const room = (f: string, r: string) => facility(f)?.rooms.find((x) => x.id === r) ?? { id: r };
  room('nishi-ward-office', '3f-meeting').levels = { ventilate: 900, critical: 1200 };
  data.facilities.push({
    id: 'test-hall',
    name: { ja: '<script>alert("x")</script> & 会館', en: `O'Brien "Hall" <b>` },
    kind: 'hall',
    area: '<i>area</i>',
    closures: ['2099-12-29..2100-01-03'],
    rooms: [{ id: 'main', name: { ja: '<img src=x onerror=alert(1)>', en: 'Main & <i>hall</i>' }, sensors: ['th-main-01'] }],
  } as unknown as Demo['facilities'][number]);
  return parseRegistry(data, 'test registry');
}

export const registry = testRegistry();
/** Every device id of the registry: none may appear in a public body. */
export const sensorIds = registry.rooms.flatMap((r) => r.sensors.map((s) => deviceKey(s).id));

/** A reading of the room's first sensor. */
export function reading(facility: string, room: string, time: number, co2: number, extra: Partial<Reading> = {}): Reading {
  const entry = registry.room(facility, room);
  if (!entry?.sensors[0]) throw new Error(`no sensor for ${facility}/${room}`);
  return { facility, room, sensor: deviceKey(entry.sensors[0]).id, time, co2, quality: 'ok', ...extra };
}

export type Reply = { status: number; headers: Record<string, string | string[] | undefined>; text: string; json: unknown };

/** GET over node:http (fetch would normalise odd paths away); `headers` are sent as given. */
export function get(base: string, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(base, { path, agent: false, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Status and headers of a response whose body never ends (the event stream); the request is then aborted. */
export function head(base: string, path: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request(base, { path, agent: false }, (res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
      req.destroy();
    });
    req.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
    req.end();
  });
}

/** A dashboard on port 0 over a fresh SQLite store holding `readings` (written before it starts, so the live feed has them). */
export async function startTestDashboard(readings: readonly Reading[], options: { staffConsole?: StaffConsoleDeps } = {}): Promise<{ store: ReadingStore; dashboard: RunningDashboard; url: string; close(): Promise<void> }> {
  const dir = makeTempDir('kanki-dashboard-pages-');
  const store = createSqliteStore({ file: join(dir.path, 'kanki.sqlite') }, { logger });
  await store.init();
  await store.write(readings);
  const dashboard = await startDashboard({ httpPort: 0, httpHost: '127.0.0.1', staleAfterSeconds: 300 }, { registry, store, logger, staffConsole: options.staffConsole });
  return {
    store, dashboard, url: dashboard.url,
    async close() {
      await dashboard.close();
      await store.close();
      dir.remove();
    },
  };
}
