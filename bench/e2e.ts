/**
 * `npm run bench`: end-to-end throughput and latency, publishers → broker → ingest → InfluxDB at
 * QoS 1, against the bare broker delivery rate measured in the same run as the ceiling.
 *   npm run bench -- --messages 300000 --publishers 4 --sensors 12000
 * Everything runs on loopback: a private influxd in a temp dir, the Kanki broker on a free port.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { stringify } from 'yaml';
import { createSilentLogger } from '../common/logger.ts';
import { startBroker } from '../broker/src/app.ts';
import { loadBrokerConfig } from '../broker/src/config.ts';
import { startInfluxd } from '../tests/setup/influxd.ts';
import { makeTempDir } from '../tests/helpers/temp-dir.ts';
import { forkChild, nextMessage } from './children.ts';

const Flags = z.object({
  messages: z.coerce.number().int().min(1000).max(10_000_000).default(300_000),
  publishers: z.coerce.number().int().min(1).max(64).default(4),
  sensors: z.coerce.number().int().min(1).max(100_000).default(12_000),
  window: z.coerce.number().int().min(1).max(10_000).default(200),
  batch: z.coerce.number().int().min(1).max(100_000).default(5000),
});
const { values } = parseArgs({ options: { messages: { type: 'string' }, publishers: { type: 'string' }, sensors: { type: 'string' }, window: { type: 'string' }, batch: { type: 'string' } } });
const flags = Flags.parse(values);

const tmp = makeTempDir('kanki-bench-');
const sensors = Array.from({ length: flags.sensors }, (_, i) => `bench-${String(i).padStart(6, '0')}`);
const registryFile = join(tmp.path, 'registry.yaml');
const perFacility = 100;
writeFileSync(registryFile, stringify({
  facilities: Array.from({ length: Math.ceil(sensors.length / perFacility) }, (_, f) => ({
    id: `facility-${f}`, name: { ja: `施設${f}`, en: `Facility ${f}` }, kind: 'school',
    rooms: sensors.slice(f * perFacility, (f + 1) * perFacility).map((s, r) => ({ id: `room-${r}`, name: { ja: `部屋${r}`, en: `Room ${r}` }, sensors: [s] })),
  })),
}));

const logger = createSilentLogger();
console.log(`Kanki end-to-end benchmark: ${flags.messages} readings, ${flags.publishers} publishers, ${flags.sensors} sensors, QoS 1, window ${flags.window}/publisher`);

// 1. The ceiling: the same publishers to one plain QoS 1 subscriber through the same broker.
let broker = await startBroker(loadBrokerConfig({ MQTT_PORT: '0', MQTT_HOST: '127.0.0.1', NODE_ENV: 'test' }), { logger });
let url = `mqtt://127.0.0.1:${broker.port}`;
const sub = forkChild('subscriber.ts');
sub.send({ url, expect: flags.messages, clean: process.env.BENCH_CLEAN !== 'false' });
await nextMessage(sub, 'ready');
let pub = forkChild('publishers.ts');
const subDone = nextMessage<{ received: number; seconds: number }>(sub, 'done');
pub.send({ url, sensors, messages: flags.messages, publishers: flags.publishers, window: flags.window });
const [bare] = await Promise.all([subDone, nextMessage(pub, 'done')]);
const bareRate = bare.received / bare.seconds;
console.log(`bare broker QoS 1 delivery:   ${bareRate.toFixed(0)} msg/s (${bare.received} in ${bare.seconds.toFixed(2)} s)`);
sub.kill();
pub.kill();
await broker.close();

// 2. The pipeline: the same load into the ingest and a real InfluxDB.
const influx = await startInfluxd({ runIntervalSeconds: 60 });
broker = await startBroker(loadBrokerConfig({ MQTT_PORT: '0', MQTT_HOST: '127.0.0.1', NODE_ENV: 'test' }), { logger });
url = `mqtt://127.0.0.1:${broker.port}`;
const ing = forkChild('ingest-worker.ts');
ing.send({
  expect: flags.messages,
  env: {
    MQTT_URL: url, DATA_DIR: join(tmp.path, 'data'), INFLUX_URL: influx.url, INFLUX_DB: 'kanki_bench', KANKI_REGISTRY: registryFile,
    INGEST_HTTP_PORT: '0', INGEST_HTTP_HOST: '127.0.0.1', INGEST_BATCH_SIZE: String(flags.batch), ROOM_STATE_INTERVAL_MS: process.env.BENCH_ROOM_STATE_MS ?? '1000', LOG_LEVEL: 'silent', NODE_ENV: 'test',
  },
});
await nextMessage(ing, 'ready');
pub = forkChild('publishers.ts');
const stored = nextMessage<{ stored: number; seconds: number; p50: number; p99: number; max: number; writeMs: number; batches: number; cpuSeconds: number }>(ing, 'done');
const published = nextMessage<{ published: number; seconds: number; cpuSeconds: number }>(pub, 'done');
/** CPU seconds of a process from /proc (Linux), for the "where the time goes" line. */
const procCpu = (pid: number | undefined): number => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
};
const influxCpu0 = procCpu(influx.pid);
const pubStart = performance.now();
const brokerCpu0 = process.cpuUsage();
pub.send({ url, sensors, messages: flags.messages, publishers: flags.publishers, window: flags.window });
const timeout = setTimeout(() => ing.send('stop'), 180_000);
const [res, pubRes] = await Promise.all([stored, published]);
const wall = (performance.now() - pubStart) / 1000;
const brokerCpu = process.cpuUsage(brokerCpu0);
const brokerCpuSeconds = (brokerCpu.user + brokerCpu.system) / 1e6;
const influxCpuSeconds = procCpu(influx.pid) - influxCpu0;
clearTimeout(timeout);
ing.send('stop');
const count = await fetch(`${influx.url}/query?db=kanki_bench&q=${encodeURIComponent('SELECT count(co2) FROM raw.air')}`).then((r) => r.json()) as { results: { series?: { values: [string, number][] }[] }[] };
const inDb = count.results[0]?.series?.[0]?.values[0]?.[1] ?? 0;
const rate = res.stored / wall;
console.log(`ingest → InfluxDB stored:     ${rate.toFixed(0)} readings/s (${res.stored} stored, ${wall.toFixed(2)} s from first publish to last stored)`);
console.log(`publish → stored latency:     p50 ${res.p50} ms, p99 ${res.p99} ms, max ${res.max} ms`);
console.log(`lost:                         ${pubRes.published - inDb} (published ${pubRes.published}, acknowledged by the broker ${pubRes.published}, in InfluxDB ${inDb})`);
console.log(`ratio to bare broker:         ${((100 * rate) / bareRate).toFixed(1)} %`);
console.log(`where the time goes:          ingest CPU ${res.cpuSeconds.toFixed(1)} s over ${wall.toFixed(1)} s wall (${((100 * res.cpuSeconds) / wall).toFixed(0)} % of one core); ` +
  `broker CPU ${brokerCpuSeconds.toFixed(1)} s (${((100 * brokerCpuSeconds) / wall).toFixed(0)} %); ` +
  `influxd CPU ${influxCpuSeconds.toFixed(1)} s (${((100 * influxCpuSeconds) / wall).toFixed(0)} %); publishers CPU ${pubRes.cpuSeconds.toFixed(1)} s; ` +
  `machine: ${availableParallelism()} cores = ${(availableParallelism() * wall).toFixed(1)} CPU-s in the run; ` +
  `${res.batches} InfluxDB writes (${(res.writeMs / res.batches).toFixed(0)} ms each, up to 2 in flight)`);
pub.kill();
await new Promise((r) => ing.once('exit', r));
await broker.close();
await influx.stop();
tmp.remove();
process.exit(0);
