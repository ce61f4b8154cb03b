/**
 * `npm run bench:dashboard`: the public dashboard at city scale, against its goals.
 *   npm run bench:dashboard -- --rooms 12000 --rate 200 --sse-clients 1000
 *
 *  1. `GET /api/v1/rooms` (every room with its level) at a fixed rate: p99 < 20 ms.
 *  2. `GET /api/v1/rooms/{f}/{r}/readings` for the last 24 h (per-minute data) at a fixed rate: p99 < 100 ms.
 *  3. Live updates: many SSE clients on one dashboard while room states change at a steady rate
 *     over MQTT: delay from publication to receipt (p50/p99), none dropped; the dashboard's CPU and RSS.
 *
 * Throughout, a feeder does what the ingest does for a city: `--changes` readings a second (200 =
 * 12,000 rooms at one a minute), each published as a room state and written to the store.
 *
 * A generated registry (like `bench/e2e.ts`), the embedded SQLite store filled through the store
 * API with 24 h of minute readings (or a private InfluxDB with `BENCH_STORE=influx`), the Kanki
 * broker in this process, and the dashboard, the feeder and the SSE clients each in a child
 * process of its own, as is the HTTP load (autocannon, `http-load.ts`): nothing shares the
 * dashboard's event loop, and the load generators share theirs with nothing that lags them.
 * Loopback only. `--profile <dir>` writes the dashboard's CPU profile.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { z } from 'zod';
import { startBroker } from '../broker/src/app.ts';
import { loadBrokerConfig } from '../broker/src/config.ts';
import { createSilentLogger } from '../common/logger.ts';
import { FACILITY_KINDS } from '../common/registry.ts';
import type { Reading } from '../common/reading.ts';
import { createStoreFromEnv, StoreEnvSchema } from '../common/store/store-config.ts';
import { makeTempDir } from '../tests/helpers/temp-dir.ts';
import { startInfluxd, type InfluxServer } from '../tests/setup/influxd.ts';
import { nextMessage } from './children.ts';
import type { DashboardUsage } from './dashboard-worker.ts';
import type { HttpLoadJob, HttpLoadResult } from './http-load.ts';
import type { SseReport } from './sse-clients.ts';

const FLAGS = {
  rooms: z.coerce.number().int().min(100).max(200_000).default(12_000),
  'history-rooms': z.coerce.number().int().min(1).max(200_000).optional(),
  rate: z.coerce.number().int().min(1).max(100_000).default(200),
  'history-rate': z.coerce.number().int().min(1).max(10_000).default(50),
  seconds: z.coerce.number().int().min(3).max(600).default(20),
  changes: z.coerce.number().int().min(0).max(10_000).default(200),
  'sse-clients': z.coerce.number().int().min(1).max(20_000).default(1000),
  'sse-seconds': z.coerce.number().int().min(3).max(600).default(30),
  'sse-facility': z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  phases: z.string().default('rooms,history,sse').transform((v) => new Set(v.split(',').map((p) => p.trim())))
    .refine((set) => [...set].every((p) => ['rooms', 'history', 'sse'].includes(p)), 'a comma-separated subset of rooms,history,sse'),
  profile: z.string().optional(),
};
const { values } = parseArgs({ options: Object.fromEntries(Object.keys(FLAGS).map((k) => [k, { type: 'string' as const }])) });
const flags = z.object(FLAGS).parse(values);
// Without the history phase, rooms get only their current reading: a much quicker fill.
const historyRooms = flags.phases.has('history') ? Math.min(flags['history-rooms'] ?? flags.rooms, flags.rooms) : 0;

const MINUTE = 60_000;
const DAY = 24 * 3600_000;
const PER_FACILITY = 100;
const logger = createSilentLogger();
const tmp = makeTempDir('kanki-bench-dashboard-');

// --- Registry: facilities of 100 rooms each, one sensor per room, every kind of facility. ---
type BenchRoom = { facility: string; room: string; sensor: string };
const facilityCount = Math.ceil(flags.rooms / PER_FACILITY);
const rooms: BenchRoom[] = [];
const registryFile = join(tmp.path, 'registry.yaml');
writeFileSync(registryFile, stringify({
  facilities: Array.from({ length: facilityCount }, (_, f) => {
    const facility = `facility-${f}`;
    return {
      id: facility, name: { ja: `施設${f}`, en: `Facility ${f}` }, kind: FACILITY_KINDS[f % FACILITY_KINDS.length], area: `地区${f % 12}`,
      rooms: Array.from({ length: Math.min(PER_FACILITY, flags.rooms - f * PER_FACILITY) }, (_, r) => {
        rooms.push({ facility, room: `room-${r}`, sensor: `bench-${f}-${r}` });
        return { id: `room-${r}`, name: { ja: `部屋${r}`, en: `Room ${r}` }, sensors: [`bench-${f}-${r}`] };
      }),
    };
  }),
}));

/** A school-day CO₂ curve: outdoor air at night, rising with people in the room by day. */
function co2At(time: number, seed: number): number {
  const hour = (((time / 3600_000 + 9) % 24) + 24) % 24;
  const occupied = hour >= 8 && hour < 18 ? Math.sin(((hour - 8) / 10) * Math.PI) : 0;
  return Math.round(430 + occupied * (500 + (seed % 7) * 150) + 40 * Math.sin(time / 600_000 + seed));
}

// --- Store: 24 h of minute readings for `historyRooms` rooms, a current reading for every room. ---
let influx: InfluxServer | undefined;
if (process.env.BENCH_STORE === 'influx') influx = await startInfluxd({ runIntervalSeconds: 60 });
const storeEnv: Record<string, string> = { DATA_DIR: join(tmp.path, 'data'), ...(influx ? { INFLUX_URL: influx.url, INFLUX_DB: 'kanki_bench' } : {}) };
const store = createStoreFromEnv(StoreEnvSchema.parse(storeEnv), { logger });
await store.init();
const fillStart = performance.now();
const now = Date.now();
let written = 0;
let batch: Reading[] = [];
for (const [i, { facility, room, sensor }] of rooms.entries()) {
  for (let t = i < historyRooms ? now - DAY : now - 30_000; t <= now - 30_000; t += MINUTE) {
    batch.push({ facility, room, sensor, time: t, co2: co2At(t, i), temperature: 22 + (i % 5) / 2, humidity: 40 + (i % 20), quality: 'ok' });
    if (batch.length >= 5000) {
      await store.write(batch);
      written += batch.length;
      batch = [];
    }
  }
}
await store.write(batch);
written += batch.length;
await store.close();
const fillSeconds = (performance.now() - fillStart) / 1000;
const size = influx ? '' : `, ${(statSync(join(tmp.path, 'data', 'kanki.sqlite')).size / 2 ** 20).toFixed(0)} MB`;
console.log(`Kanki dashboard benchmark: ${flags.rooms} rooms in ${facilityCount} facilities; ${influx ? 'InfluxDB' : 'SQLite'} store filled with ${written} readings ` +
  `(24 h per minute for ${historyRooms} rooms) in ${fillSeconds.toFixed(1)} s${size}; ${flags.changes} readings/s arriving during every phase`);

// --- Broker here; dashboard and feeder in their own processes. ---
const broker = await startBroker(loadBrokerConfig({ MQTT_PORT: '0', MQTT_HOST: '127.0.0.1', NODE_ENV: 'test' }), { logger });
const mqttUrl = `mqtt://127.0.0.1:${broker.port}`;
const child = (file: string, execArgv: string[] = []): ChildProcess =>
  fork(join(import.meta.dirname, file), [], { execArgv: ['--import', 'tsx', ...execArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const dash = child('dashboard-worker.ts', flags.profile ? ['--cpu-prof', '--cpu-prof-dir', flags.profile] : []);
dash.send({
  env: {
    ...storeEnv, KANKI_REGISTRY: registryFile, HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', LIVE_MQTT_URL: mqttUrl, NODE_ENV: 'test', LOG_LEVEL: 'silent',
    // One address sends all the load here; the per-address limit protects against real visitors.
    PUBLIC_RATE_LIMIT_PER_MINUTE: '1000000', SSE_MAX_CLIENTS: String(flags['sse-clients'] + 100),
    // The fill's readings get minutes old before the feeder has been round every room (as a city's
    // monitors would each minute): without this, thousands turn "no data" mid-run and the stream
    // carries those changes too.
    STALE_AFTER_SECONDS: '3600',
  },
});
const { port } = await nextMessage<{ port: number }>(dash, 'ready');
const base = `http://127.0.0.1:${port}`;
const feeder = child('dashboard-feeder.ts');
feeder.send({ env: storeEnv, rooms, mqttUrl });
await nextMessage(feeder, 'ready');

const usage = async (): Promise<DashboardUsage> => {
  const reply = nextMessage<DashboardUsage>(dash, 'usage');
  dash.send('usage');
  return reply;
};
/** Feeds `changes`/s until `stop()` (or for `seconds`); resolves with how many were published. */
const feed = (seconds?: number) => {
  if (flags.changes === 0) return { done: Promise.resolve({ published: 0, written: 0 }), stop: () => undefined };
  const done = nextMessage<{ published: number; written: number }>(feeder, 'done');
  feeder.send({ run: flags.changes, seconds });
  return { done, stop: () => feeder.send('stop') };
};

type HttpFigures = HttpLoadResult & {
  /** Size of one response as JSON, KB. */
  kbJson: number;
  /** The dashboard meanwhile: CPU % of a core, event-loop delay, garbage collection. */
  dashboard: DashboardUsage & { cpuPercent: number };
};

/** One HTTP phase: the load from its own process, the dashboard's usage around it. */
async function load(target: HttpLoadJob['target'], samplePath: string, rate: number): Promise<HttpFigures> {
  const warm = await fetch(`${base}${samplePath}`);
  const kbJson = (await warm.arrayBuffer()).byteLength / 1024;
  const loader = child('http-load.ts');
  const before = await usage();
  const started = performance.now();
  const done = nextMessage<HttpLoadResult>(loader, 'done');
  loader.send({ base, rate, seconds: flags.seconds, target } satisfies HttpLoadJob);
  const result = await done;
  const after = await usage();
  loader.kill();
  return { ...result, kbJson, dashboard: { ...after, cpuPercent: (100 * (after.cpuSeconds - before.cpuSeconds)) / ((performance.now() - started) / 1000) } };
}

type Row = [goal: string, target: string, measured: string, result: string];
const rows: Row[] = [];
const ms = (v: number) => `${Number.isFinite(v) ? (v < 10 ? v.toFixed(1) : v.toFixed(0)) : '?'} ms`;
const kb = (v: number) => (v >= 1024 ? `${(v / 1024).toFixed(1)} MB` : `${v.toFixed(0)} KB`);
const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
const httpRow = (goal: string, target: string, limit: number, r: HttpFigures): Row => [
  goal, target,
  `p50 ${ms(r.p50)}, p99 ${ms(r.p99)}, max ${ms(r.max)}; ${(r.requests / flags.seconds).toFixed(0)} req/s, ${r.failed} failed; ${kb(r.kbJson)} JSON, ${kb(r.bytesPerResponse / 1024)} sent; ` +
    `dashboard CPU ${r.dashboard.cpuPercent.toFixed(0)} %, event-loop delay p99 ${ms(r.dashboard.loopP99Ms)} max ${ms(r.dashboard.loopMaxMs)}, ` +
    `GC ${ms(r.dashboard.gcMs)} (longest ${ms(r.dashboard.gcMaxMs)}); load generator CPU ${r.cpuPercent.toFixed(0)} %, event-loop delay p99 ${ms(r.loopP99Ms)}`,
  verdict(r.p99 < limit && r.failed === 0),
];

if (flags.phases.has('rooms') || flags.phases.has('history')) {
  const feeding = feed();
  if (flags.phases.has('rooms')) {
    console.log(`GET /api/v1/rooms at ${flags.rate} req/s for ${flags.seconds} s…`);
    rows.push(httpRow('GET /api/v1/rooms', `p99 < 20 ms at ${flags.rate} req/s`, 20, await load({ kind: 'rooms' }, '/api/v1/rooms', flags.rate)));
  }
  if (flags.phases.has('history')) {
    console.log(`GET …/readings (24 h) at ${flags['history-rate']} req/s for ${flags.seconds} s over ${historyRooms} rooms…`);
    const sample = rooms.slice(0, historyRooms).map(({ facility, room }) => ({ facility, room }));
    const to = Date.now();
    const r = await load({ kind: 'history', rooms: sample }, `/api/v1/rooms/facility-0/room-0/readings?from=${to - DAY}&to=${to}`, flags['history-rate']);
    rows.push(httpRow('24 h history (per minute)', `p99 < 100 ms at ${flags['history-rate']} req/s`, 100, r));
  }
  feeding.stop();
  await feeding.done;
}

let sse: ChildProcess | undefined;
if (flags.phases.has('sse')) {
  const clients = flags['sse-clients'];
  const stream = `/api/v1/stream${flags['sse-facility'] ? '?facility=facility-0' : ''}`;
  console.log(`${clients} SSE clients on ${stream}, ${flags.changes} room changes/s for ${flags['sse-seconds']} s…`);
  sse = child('sse-clients.ts');
  const beforeConnect = await usage();
  const connected = nextMessage<{ seconds: number }>(sse, 'connected');
  sse.send({ url: `${base}${stream}`, clients, since: Date.now() });
  const connect = await connected;
  const afterConnect = await usage();

  const started = performance.now();
  const { published } = await feed(flags['sse-seconds']).done;
  const seconds = (performance.now() - started) / 1000;
  const afterSteady = await usage();
  // Let the last events arrive before counting.
  await new Promise((r) => setTimeout(r, 2000));
  const reported = nextMessage<SseReport>(sse, 'report');
  sse.send('report');
  const report = await reported;
  // With a facility filter, only that facility's changes reach the clients.
  const expected = (flags['sse-facility'] ? Math.floor(published / facilityCount) : published) * clients;
  rows.push(
    [
      `SSE, ${clients} clients`, 'p99 < 1 s, none dropped, every event delivered',
      `p50 ${ms(report.p50)}, p99 ${ms(report.p99)}, max ${ms(report.max)}; ${report.events}/${expected} events, ${report.dropped} dropped` +
        `${report.older > 0 ? `, ${report.older} older changes` : ''}`,
      verdict(report.p99 < 1000 && report.dropped === 0 && report.events >= expected),
    ],
    ['SSE connect', 'report', `${clients} snapshots in ${connect.seconds.toFixed(1)} s; dashboard CPU ${(afterConnect.cpuSeconds - beforeConnect.cpuSeconds).toFixed(1)} s, event-loop delay max ${ms(afterConnect.loopMaxMs)}`, '—'],
    [
      'dashboard under SSE load', 'report',
      `CPU ${((100 * (afterSteady.cpuSeconds - afterConnect.cpuSeconds)) / seconds).toFixed(0)} % of a core at ${flags.changes} changes/s; RSS ${afterSteady.rssMb.toFixed(0)} MB, heap ${afterSteady.heapMb.toFixed(0)} MB; ` +
        `event-loop delay p99 ${ms(afterSteady.loopP99Ms)}, max ${ms(afterSteady.loopMaxMs)}; GC ${ms(afterSteady.gcMs)} (longest ${ms(afterSteady.gcMaxMs)}); SSE clients' CPU ${report.cpuSeconds.toFixed(1)} s`,
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
feeder.send('exit');
dash.send('stop');
await Promise.all([new Promise((r) => dash.once('exit', r)), new Promise((r) => feeder.once('exit', r))]);
await broker.close();
await influx?.stop();
tmp.remove();
// Figures to report, not a test: the table says PASS or FAIL; the exit code only says the run completed.
process.exit(0);
