/**
 * `npm run bench:alerts`: alert latency under load — from publishing the reading that completes a
 * room's sustain to a staff-side subscriber receiving the `raised` event, while 10,000 ordinary
 * readings/s flow through the same broker and ingest. Target: p99 < 50 ms.
 *   npm run bench:alerts -- --rate 10000 --probes 100 --interval 50 --stagger 200 --sustain 2
 * The Kanki broker runs in this process; the ingest (embedded SQLite store, or a private InfluxDB
 * with BENCH_INFLUX=1), the background publishers and the probe (bench/alert-probe.ts) each run in a
 * process of their own. Everything is on loopback, in a temp dir removed at the end.
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { z } from 'zod';
import { startBroker, type RunningBroker } from '../broker/src/app.ts';
import { loadBrokerConfig } from '../broker/src/config.ts';
import { createSilentLogger } from '../common/logger.ts';
import { makeTempDir } from '../tests/helpers/temp-dir.ts';
import { startInfluxd, type InfluxServer } from '../tests/setup/influxd.ts';
import type { ProbeJob, ProbeResult } from './alert-probe.ts';
import { forkChild, nextMessage } from './children.ts';

const Flags = z.object({
  rate: z.coerce.number().int().min(100).max(100_000).default(10_000).describe('background readings/s (also BENCH_RATE)'),
  sensors: z.coerce.number().int().min(100).max(100_000).default(12_000).describe('background sensors, one per room'),
  publishers: z.coerce.number().int().min(1).max(16).default(2).describe('background MQTT clients'),
  probes: z.coerce.number().int().min(1).max(1000).default(100).describe('probe rooms, each raising one alert'),
  interval: z.coerce.number().int().min(10).max(1000).default(50).describe('ms between a probe room\'s bad-air readings'),
  stagger: z.coerce.number().int().min(10).max(10_000).default(200).describe('ms between two probe rooms turning bad'),
  sustain: z.coerce.number().int().min(1).max(10).default(2).describe('ALERT_SUSTAIN_SECONDS'),
  batch: z.coerce.number().int().min(1).max(100_000).optional().describe('INGEST_BATCH_SIZE (default: the ingest\'s)'),
});
const { values } = parseArgs({ options: Object.fromEntries(Object.keys(Flags.shape).map((k) => [k, { type: 'string' as const }])) });
const flags = Flags.parse({ rate: process.env.BENCH_RATE, ...values });

const TARGET_P99_MS = 50;
/** The alert tick is set to its maximum so that only readings complete sustains; the run must end before it first fires. */
const TICK_MS = 60_000;
const WINDOW_MS = 1000;
const PROBE_FACILITY = 'probe';

const tmp = makeTempDir('kanki-bench-alerts-');
const children: ChildProcess[] = [];
let broker: RunningBroker | undefined;
let influx: InfluxServer | undefined;
let cleaned = false;
/** Kills what is still running and removes the temp dir; safe to call twice, and on every way out. */
async function cleanUp(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await broker?.close().catch(() => undefined);
  await influx?.stop().catch(() => undefined);
  tmp.remove();
}
const fail = (err: unknown) => {
  console.error('bench:alerts failed:', err instanceof Error ? err.message : err);
  void cleanUp().finally(() => process.exit(2));
};
process.once('SIGINT', () => fail(new Error('interrupted')));
process.once('SIGTERM', () => fail(new Error('terminated')));
const watchdog = setTimeout(() => fail(new Error('did not finish within 150 s')), 150_000);
watchdog.unref();

const spawn = (file: string): ChildProcess => {
  const c = forkChild(file);
  children.push(c);
  return c;
};

/** Nearest-rank percentile of sorted values. */
const percentile = (sorted: readonly number[], p: number): number => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;

try {
  await run();
} catch (err) {
  fail(err);
}

async function run(): Promise<void> {
  // Background rooms have one sensor each (100 per facility, as in `npm run bench`); probe rooms are a facility of their own.
  const sensors = Array.from({ length: flags.sensors }, (_, i) => `bench-${String(i).padStart(6, '0')}`);
  const probes = Array.from({ length: flags.probes }, (_, i) => ({ id: `room-${i}`, sensor: `probe-${String(i).padStart(4, '0')}` }));
  const registryFile = join(tmp.path, 'registry.yaml');
  const perFacility = 100;
  const name = (what: string, i: number) => ({ ja: `${what}${i}`, en: `${what} ${i}` });
  writeFileSync(registryFile, stringify({
    facilities: [
      ...Array.from({ length: Math.ceil(sensors.length / perFacility) }, (_, f) => ({
        id: `facility-${f}`, name: name('facility', f), kind: 'school',
        rooms: sensors.slice(f * perFacility, (f + 1) * perFacility).map((s, r) => ({ id: `room-${r}`, name: name('room', r), sensors: [s] })),
      })),
      { id: PROBE_FACILITY, name: name('probe', 0), kind: 'school', rooms: probes.map((p, r) => ({ id: p.id, name: name('room', r), sensors: [p.sensor] })) },
    ],
  }));

  const store = process.env.BENCH_INFLUX === '1' ? 'InfluxDB' : 'embedded SQLite';
  console.log(`Kanki alert latency benchmark: ${flags.rate} background readings/s over ${flags.sensors} sensors (${flags.publishers} publishers, QoS 1, paced), ` +
    `${flags.probes} probe rooms (a bad reading every ${flags.interval} ms, one room every ${flags.stagger} ms), sustain ${flags.sustain} s, window ${WINDOW_MS / 1000} s, store: ${store}`);
  const planned = 1000 + flags.sustain * 1000 + 500 + flags.probes * flags.stagger + flags.sustain * 1000 + 1000;
  if (planned > TICK_MS - 10_000) throw new Error(`the probe phase (~${(planned / 1000).toFixed(0)} s) must end well before the first alert tick (${TICK_MS / 1000} s): fewer --probes or a shorter --stagger`);

  if (store === 'InfluxDB') influx = await startInfluxd({ runIntervalSeconds: 60 });
  broker = await startBroker(loadBrokerConfig({ MQTT_PORT: '0', MQTT_HOST: '127.0.0.1', NODE_ENV: 'test' }), { logger: createSilentLogger() });
  const url = `mqtt://127.0.0.1:${broker.port}`;

  const ingest = spawn('ingest-worker.ts');
  const ingestStartedAt = Date.now();
  ingest.send({
    expect: flags.rate * 150,
    env: {
      MQTT_URL: url, DATA_DIR: join(tmp.path, 'data'), KANKI_REGISTRY: registryFile, INGEST_HTTP_PORT: '0', INGEST_HTTP_HOST: '127.0.0.1',
      ALERT_SUSTAIN_SECONDS: String(flags.sustain), ALERT_WINDOW_SECONDS: String(WINDOW_MS / 1000), ALERT_TICK_MS: String(TICK_MS),
      LOG_LEVEL: 'silent', NODE_ENV: 'test',
      ...(influx ? { INFLUX_URL: influx.url, INFLUX_DB: 'kanki_bench' } : {}),
      ...(flags.batch ? { INGEST_BATCH_SIZE: String(flags.batch) } : {}),
      ...(process.env.BENCH_ROOM_STATE_MS ? { ROOM_STATE_INTERVAL_MS: process.env.BENCH_ROOM_STATE_MS } : {}),
    },
  });
  await nextMessage(ingest, 'ready');

  const load = spawn('publishers.ts');
  const loadDone = nextMessage<{ published: number; seconds: number; cpuSeconds: number }>(load, 'done');
  const loadStartedAt = Date.now();
  const brokerCpu0 = process.cpuUsage();
  load.send({ url, sensors, messages: flags.rate * 150, publishers: flags.publishers, window: 1000, rate: flags.rate, ppm: { min: 560, max: 640 } });

  const probe = spawn('alert-probe.ts');
  const probeDone = nextMessage<ProbeResult>(probe, 'done');
  const job: ProbeJob = {
    url, facility: PROBE_FACILITY, rooms: probes, intervalMs: flags.interval, goodIntervalMs: 250, staggerMs: flags.stagger,
    sustainMs: flags.sustain * 1000, windowMs: WINDOW_MS, timeoutMs: flags.sustain * 1000 + 5000,
  };
  probe.send(job);
  // A failing load or ingest ends the run at once rather than leaving the probe to time out.
  const res = await Promise.race([probeDone, loadDone.then(() => Promise.reject(new Error('the background load ended before the probe'))), nextMessage(ingest, 'done')]) as ProbeResult;

  load.send('stop');
  const loadRes = await loadDone;
  const loadEndedAt = loadStartedAt + loadRes.seconds * 1000;
  const brokerCpu = process.cpuUsage(brokerCpu0);
  const ingestDone = nextMessage<{ stored: number; p50: number; p99: number; cpuSeconds: number; writeMs: number; batches: number; loopDelayP99Ms: number; loopDelayMaxMs: number }>(ingest, 'done');
  ingest.send('stop');
  const ingestRes = await ingestDone;
  await new Promise((r) => (ingest.exitCode === null ? ingest.once('exit', r) : r(null)));

  const achieved = loadRes.published / loadRes.seconds;
  const sorted = [...res.latencies].sort((a, b) => a - b);
  const [p50, p90, p99, max] = [percentile(sorted, 0.5), percentile(sorted, 0.9), percentile(sorted, 0.99), sorted.at(-1) ?? Number.NaN];
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  const probePhase = (res.lastEventAt - res.firstSwitchAt) / 1000;
  console.log(`background load achieved:     ${achieved.toFixed(0)} readings/s (${loadRes.published} in ${loadRes.seconds.toFixed(1)} s, target ${flags.rate})`);
  console.log(`alerts measured:              ${res.latencies.length} of ${flags.probes} probe rooms over ${probePhase.toFixed(1)} s` +
    ` (the "newest reading published at or before the event's time" rule names the same reading for ${res.ruleAgrees})`);
  console.log(`reading → alert received:     p50 ${ms(p50)}, p90 ${ms(p90)}, p99 ${ms(p99)}, max ${ms(max)}`);
  console.log(`context:                      publish → stored p50 ${ingestRes.p50} ms, p99 ${ingestRes.p99} ms (${ingestRes.stored} readings stored in ` +
    `${ingestRes.batches} ${store} writes of ${(ingestRes.writeMs / ingestRes.batches).toFixed(0)} ms on average); ` +
    `ingest event loop stalls p99 ${ingestRes.loopDelayP99Ms.toFixed(0)} ms, max ${ingestRes.loopDelayMaxMs.toFixed(0)} ms`);
  const wall = (loadEndedAt - ingestStartedAt) / 1000;
  console.log(`where the time goes:          ingest CPU ${ingestRes.cpuSeconds.toFixed(1)} s (${((100 * ingestRes.cpuSeconds) / wall).toFixed(0)} % of one core over ${wall.toFixed(1)} s), ` +
    `broker ${((brokerCpu.user + brokerCpu.system) / 1e6).toFixed(1)} s, background publishers ${loadRes.cpuSeconds.toFixed(1)} s, probe ${res.cpuSeconds.toFixed(1)} s; ` +
    `machine: ${availableParallelism()} cores`);

  const problems: string[] = [];
  if (res.missing.length > 0) problems.push(`${res.missing.length} probe rooms did not raise (${res.missing.slice(0, 5).join(', ')}…)`);
  if (res.unmatched > 0) problems.push(`${res.unmatched} events could not be tied to one reading`);
  for (const e of res.unexpected.slice(0, 5)) problems.push(`unexpected ${e.type} for ${e.facility}/${e.room}`);
  if (res.unexpected.length > 5) problems.push(`… ${res.unexpected.length} unexpected events in all`);
  if (achieved < 0.97 * flags.rate) problems.push(`the background load reached only ${achieved.toFixed(0)} of ${flags.rate} readings/s`);
  if (loadEndedAt < res.lastEventAt) problems.push('the background load ended before the last alert');
  if (res.lastEventAt >= ingestStartedAt + TICK_MS) problems.push('an alert came after the first alert tick, which may have completed it instead of a reading');
  if (!(p99 < TARGET_P99_MS)) problems.push(`p99 ${ms(p99)} is not below ${TARGET_P99_MS} ms`);
  console.log(problems.length === 0 ? `PASS: p99 ${ms(p99)} < ${TARGET_P99_MS} ms at ${achieved.toFixed(0)} readings/s` : `FAIL: ${problems.join('; ')}`);
  clearTimeout(watchdog);
  await cleanUp();
  process.exit(problems.length === 0 ? 0 : 1);
}
