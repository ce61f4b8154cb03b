/**
 * `npm run bench:dashboard`: the public dashboard at city scale, against its goals.
 *   npm run bench:dashboard -- --rooms 12000 --rate 200 --sse-clients 1000
 *
 *  1. `GET /api/v1/rooms` (every room with its level) at a fixed rate: p99 < 20 ms.
 *  2. `GET /api/v1/rooms/{f}/{r}/readings` for the last 24 h (per-minute data) at a fixed rate: p99 < 100 ms.
 *  3. Live updates: many SSE clients on one dashboard while room states change at a steady rate
 *     over MQTT: delay from publication to receipt (p50/p99), none dropped; the dashboard's CPU and RSS.
 *
 * A generated registry (like `bench/e2e.ts`), the embedded SQLite store filled through the store
 * API (or a private InfluxDB with `BENCH_STORE=influx`), the Kanki broker in this process, and the
 * dashboard in a child process of its own, so no load generator shares its event loop. HTTP load
 * comes from autocannon in this process; the SSE clients from another child. Loopback only.
 * `--profile <dir>` writes the dashboard's CPU profile there (open it in Chrome DevTools).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import type { MqttClient } from 'mqtt';
import { stringify } from 'yaml';
import { z } from 'zod';
import { startBroker } from '../broker/src/app.ts';
import { loadBrokerConfig } from '../broker/src/config.ts';
import { createSilentLogger } from '../common/logger.ts';
import type { RoomState } from '../common/payloads.ts';
import { FACILITY_KINDS } from '../common/registry.ts';
import type { Reading } from '../common/reading.ts';
import { createStore } from '../common/store/store-config.ts';
import { DEFAULT_RETENTION } from '../common/store/reading-store.ts';
import { buildRoomStateTopic } from '../common/topics.ts';
import { connectClient } from '../tests/helpers/mqtt.ts';
import { makeTempDir } from '../tests/helpers/temp-dir.ts';
import { startInfluxd, type InfluxServer } from '../tests/setup/influxd.ts';
import { nextMessage } from './children.ts';
import type { DashboardUsage } from './dashboard-worker.ts';
import type { SseReport } from './sse-clients.ts';

const Flags = z.object({
  rooms: z.coerce.number().int().min(100).max(200_000).default(12_000),
  historyRooms: z.coerce.number().int().min(1).max(200_000).default(1000),
  rate: z.coerce.number().int().min(1).max(100_000).default(200),
  historyRate: z.coerce.number().int().min(1).max(10_000).default(50),
  seconds: z.coerce.number().int().min(3).max(600).default(20),
  sseClients: z.coerce.number().int().min(1).max(20_000).default(1000),
  sseRate: z.coerce.number().int().min(1).max(10_000).default(200),
  sseSeconds: z.coerce.number().int().min(3).max(600).default(30),
  sseFacility: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  phases: z.string().default('rooms,history,sse').transform((v) => new Set(v.split(',').map((p) => p.trim())))
    .refine((set) => [...set].every((p) => ['rooms', 'history', 'sse'].includes(p)), 'phases: a comma-separated subset of rooms,history,sse'),
  profile: z.string().optional(),
});
const { values } = parseArgs({
  options: Object.fromEntries(
    ['rooms', 'history-rooms', 'rate', 'history-rate', 'seconds', 'sse-clients', 'sse-rate', 'sse-seconds', 'sse-facility', 'phases', 'profile'].map((k) => [k, { type: 'string' as const }]),
  ),
});
const flags = Flags.parse(Object.fromEntries(Object.entries(values).map(([k, v]) => [k.replace(/-(\w)/g, (_, c: string) => c.toUpperCase()), v])));
// Without the history phase, every room gets only its current reading (a quicker fill).
const historyRooms = flags.phases.has('history') ? Math.min(flags.historyRooms, flags.rooms) : 0;

const MINUTE = 60_000;
const DAY = 24 * 3600_000;
const PER_FACILITY = 100;
const logger = createSilentLogger();
const tmp = makeTempDir('kanki-bench-dashboard-');

// --- Registry: facilities of 100 rooms each, one sensor per room, every kind of facility. ---
const facilityCount = Math.ceil(flags.rooms / PER_FACILITY);
const rooms: { facility: string; room: string }[] = [];
const registryFile = join(tmp.path, 'registry.yaml');
writeFileSync(registryFile, stringify({
  facilities: Array.from({ length: facilityCount }, (_, f) => {
    const count = Math.min(PER_FACILITY, flags.rooms - f * PER_FACILITY);
    const facility = `facility-${f}`;
    return {
      id: facility, name: { ja: `施設${f}`, en: `Facility ${f}` }, kind: FACILITY_KINDS[f % FACILITY_KINDS.length], area: `地区${f % 12}`,
      rooms: Array.from({ length: count }, (_, r) => {
        rooms.push({ facility, room: `room-${r}` });
        return { id: `room-${r}`, name: { ja: `部屋${r}`, en: `Room ${r}` }, sensors: [`bench-${f}-${r}`] };
      }),
    };
  }),
}));

/** A school-day CO₂ curve: outdoor air at night, rising with people in the room by day. */
function co2At(time: number, seed: number): number {
  const hour = ((time / 3600_000 + 9) % 24 + 24) % 24;
  const occupied = hour >= 8 && hour < 18 ? Math.sin(((hour - 8) / 10) * Math.PI) : 0;
  return Math.round(430 + occupied * (500 + (seed % 7) * 150) + 40 * Math.sin(time / 600_000 + seed));
}

// --- Store: 24 h of minute readings for the first `historyRooms`, a current reading for every room. ---
let influx: InfluxServer | undefined;
if (process.env.BENCH_STORE === 'influx') influx = await startInfluxd({ runIntervalSeconds: 60 });
const storeEnv: Record<string, string> = {
  DATA_DIR: join(tmp.path, 'data'),
  ...(influx ? { INFLUX_URL: influx.url, INFLUX_DB: 'kanki_bench', INFLUX_ROLLUPS: 'query' } : {}),
};
const sqliteFile = join(storeEnv.DATA_DIR ?? '', 'kanki.sqlite');
const store = createStore(
  { influxUrl: influx?.url, influxDb: 'kanki_bench', influxManageSchema: true, influxRollups: 'query', sqliteFile, retention: DEFAULT_RETENTION },
  { logger },
);
await store.init();
const now = Date.now();
const fillStart = performance.now();
let written = 0;
let batch: Reading[] = [];
const flush = async () => {
  if (batch.length === 0) return;
  await store.write(batch);
  written += batch.length;
  batch = [];
};
for (let i = 0; i < rooms.length; i++) {
  const { facility, room } = rooms[i] as { facility: string; room: string };
  const sensor = `bench-${facility.slice(9)}-${room.slice(5)}`;
  const first = i < historyRooms ? now - DAY : now - 30_000;
  for (let t = first; t <= now - 30_000; t += MINUTE) {
    batch.push({ facility, room, sensor, time: t, co2: co2At(t, i), temperature: 22 + (i % 5) / 2, humidity: 40 + (i % 20), quality: 'ok' });
    if (batch.length >= 5000) await flush();
  }
}
await flush();
await store.close();
const fillSeconds = (performance.now() - fillStart) / 1000;
const dbMb = influx ? Number.NaN : statSync(sqliteFile).size / 2 ** 20;
console.log(`Kanki dashboard benchmark: ${flags.rooms} rooms in ${facilityCount} facilities; store ${influx ? 'InfluxDB' : 'SQLite'} filled with ${written} readings ` +
  `(24 h per minute for ${historyRooms} rooms) in ${fillSeconds.toFixed(1)} s${influx ? '' : `, ${dbMb.toFixed(0)} MB`}`);

// --- Broker here, dashboard in its own process. ---
const broker = await startBroker(loadBrokerConfig({ MQTT_PORT: '0', MQTT_HOST: '127.0.0.1', NODE_ENV: 'test' }), { logger });
const mqttUrl = `mqtt://127.0.0.1:${broker.port}`;
const dash: ChildProcess = fork(join(import.meta.dirname, 'dashboard-worker.ts'), [], {
  execArgv: ['--import', 'tsx', ...(flags.profile ? ['--cpu-prof', '--cpu-prof-dir', flags.profile] : [])],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
dash.send({
  env: {
    ...storeEnv, KANKI_REGISTRY: registryFile, HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', LIVE_MQTT_URL: mqttUrl, NODE_ENV: 'test', LOG_LEVEL: 'silent',
    // One address sends all the load here; the per-address limit protects against real visitors.
    PUBLIC_RATE_LIMIT_PER_MINUTE: '1000000', SSE_MAX_CLIENTS: String(flags.sseClients + 100),
  },
});
const { port } = await nextMessage<{ port: number }>(dash, 'ready');
const base = `http://127.0.0.1:${port}`;
const usage = async (): Promise<DashboardUsage> => {
  const reply = nextMessage<DashboardUsage>(dash, 'usage');
  dash.send('usage');
  return reply;
};

type HttpFigures = {
  p50: number; p99: number; max: number; requests: number; non2xx: number; errors: number; rate: number;
  /** Size of one response as JSON, and as sent (gzipped when the server compresses it). */
  mbPerResponse: number; wireMbPerResponse: number;
  cpuPercent: number; loopP99: number;
};

/** autocannon at a fixed overall rate (latencies corrected for coordinated omission). */
async function load(title: string, path: () => string, rate: number): Promise<HttpFigures> {
  const warm = await fetch(`${base}${path()}`);
  const bytes = (await warm.arrayBuffer()).byteLength;
  const before = await usage();
  const result = await autocannon({
    url: base, title, connections: Math.min(50, Math.max(4, Math.ceil(rate / 10))), overallRate: rate, duration: flags.seconds,
    // What every browser and HTTP library sends; autocannon counts the bytes without decompressing.
    headers: { 'accept-encoding': 'gzip, deflate, br' },
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: path() }) }],
  });
  const after = await usage();
  return {
    p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max, requests: result.requests.total,
    non2xx: result.non2xx, errors: result.errors, rate: result.requests.total / result.duration, mbPerResponse: bytes / 2 ** 20,
    wireMbPerResponse: result.throughput.total / Math.max(1, result.requests.total) / 2 ** 20,
    cpuPercent: (100 * (after.cpuSeconds - before.cpuSeconds)) / result.duration, loopP99: after.loopP99Ms,
  };
}

type Row = [goal: string, target: string, measured: string, result: string];
const rows: Row[] = [];
const ms = (v: number) => `${Number.isFinite(v) ? (v < 10 ? v.toFixed(1) : v.toFixed(0)) : '?'} ms`;
const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

if (flags.phases.has('rooms')) {
  console.log(`GET /api/v1/rooms at ${flags.rate} req/s for ${flags.seconds} s…`);
  const r = await load('rooms', () => '/api/v1/rooms', flags.rate);
  rows.push([
    'GET /api/v1/rooms', `p99 < 20 ms at ${flags.rate} req/s`,
    `p50 ${ms(r.p50)}, p99 ${ms(r.p99)}, max ${ms(r.max)}; ${r.rate.toFixed(0)} req/s, ${r.non2xx + r.errors} failed; ${r.mbPerResponse.toFixed(1)} MB JSON/response, ${r.wireMbPerResponse.toFixed(2)} MB sent; dashboard CPU ${r.cpuPercent.toFixed(0)} %, loop delay p99 ${ms(r.loopP99)}`,
    verdict(r.p99 < 20 && r.non2xx === 0 && r.errors === 0),
  ]);
}

if (flags.phases.has('history')) {
  console.log(`GET …/readings (24 h) at ${flags.historyRate} req/s for ${flags.seconds} s over ${historyRooms} rooms…`);
  let pick = 0;
  const r = await load('history', () => {
    const room = rooms[(pick++ * 7919) % historyRooms] as { facility: string; room: string };
    const to = Date.now();
    return `/api/v1/rooms/${room.facility}/${room.room}/readings?from=${to - DAY}&to=${to}`;
  }, flags.historyRate);
  rows.push([
    '24 h history (per minute)', `p99 < 100 ms at ${flags.historyRate} req/s`,
    `p50 ${ms(r.p50)}, p99 ${ms(r.p99)}, max ${ms(r.max)}; ${r.rate.toFixed(0)} req/s, ${r.non2xx + r.errors} failed; ${(r.mbPerResponse * 1024).toFixed(0)} KB JSON/response; dashboard CPU ${r.cpuPercent.toFixed(0)} %`,
    verdict(r.p99 < 100 && r.non2xx === 0 && r.errors === 0),
  ]);
}

let sse: ChildProcess | undefined;
let publisher: MqttClient | undefined;
if (flags.phases.has('sse')) {
  // Clients in their own process; room states published here at a steady rate, as the ingest would.
  const stream = `/api/v1/stream${flags.sseFacility ? '?facility=facility-0' : ''}`;
  console.log(`${flags.sseClients} SSE clients on ${stream}, ${flags.sseRate} room changes/s for ${flags.sseSeconds} s…`);
  sse = fork(join(import.meta.dirname, 'sse-clients.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const beforeConnect = await usage();
  const connected = nextMessage<{ seconds: number }>(sse, 'connected');
  sse.send({ url: `${base}${stream}`, clients: flags.sseClients });
  const connect = await connected;
  const afterConnect = await usage();

  publisher = await connectClient(mqttUrl, { clientId: 'bench-room-states' });
  const changeRooms = flags.sseFacility ? rooms.filter((r) => r.facility === 'facility-0') : rooms;
  const total = flags.sseRate * flags.sseSeconds;
  let published = 0;
  const beforeSteady = await usage();
  const publishStart = performance.now();
  await new Promise<void>((resolve) => {
    // A tick every 10 ms publishes what is due by now, so the rate holds even when a tick is late.
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - publishStart) / 1000) * flags.sseRate));
      for (; published < due; published++) {
        const room = changeRooms[published % changeRooms.length] as { facility: string; room: string };
        const co2 = published % 2 ? 640 : 1620;
        const state: RoomState = {
          facility: room.facility, room: room.room, co2, temperature: 22.5, humidity: 45, level: co2 >= 1500 ? 'critical' : 'good',
          since: null, updatedAt: new Date().toISOString(), stale: false,
        };
        publisher?.publish(buildRoomStateTopic(room.facility, room.room), JSON.stringify(state), { qos: 0, retain: true });
      }
      if (published >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 10);
  });
  const steadySeconds = (performance.now() - publishStart) / 1000;
  const afterSteady = await usage();
  // Let the last events arrive before counting.
  await new Promise((r) => setTimeout(r, 2000));
  const reportP = nextMessage<SseReport>(sse, 'report');
  sse.send('report');
  const report = await reportP;
  const expected = published * flags.sseClients;
  rows.push(
    [
      `SSE, ${flags.sseClients} clients`, 'p99 < 1 s, none dropped, every event delivered',
      `p50 ${ms(report.p50)}, p99 ${ms(report.p99)}, max ${ms(report.max)}; ${report.events}/${expected} events, ${report.dropped} dropped`,
      verdict(report.p99 < 1000 && report.dropped === 0 && report.events >= expected),
    ],
    ['SSE connect', 'report', `${flags.sseClients} snapshots in ${connect.seconds.toFixed(1)} s; dashboard CPU ${(afterConnect.cpuSeconds - beforeConnect.cpuSeconds).toFixed(1)} s, event-loop delay max ${ms(afterConnect.loopMaxMs)}`, '—'],
    [
      'dashboard under SSE load', 'report',
      `CPU ${((100 * (afterSteady.cpuSeconds - beforeSteady.cpuSeconds)) / steadySeconds).toFixed(0)} % of a core at ${flags.sseRate} changes/s; RSS ${afterSteady.rssMb.toFixed(0)} MB, heap ${afterSteady.heapMb.toFixed(0)} MB; ` +
        `event-loop delay p99 ${ms(afterSteady.loopP99Ms)}, max ${ms(afterSteady.loopMaxMs)}; load generator CPU ${report.cpuSeconds.toFixed(1)} s`,
      '—',
    ],
  );
}

// --- Results ---
const header: Row = ['goal', 'target', 'measured', 'result'];
const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]?.length ?? 0)));
const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
console.log(`\n${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${rows.map(line).join('\n')}\n`);

sse?.kill();
dash.send('stop');
await new Promise((r) => dash.once('exit', r));
await publisher?.endAsync();
await broker.close();
await influx?.stop();
tmp.remove();
// Figures to report, not a test: the table says PASS or FAIL; the exit code only says the run completed.
process.exit(0);
