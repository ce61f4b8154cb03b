/**
 * `npm run bench:sim`: the simulator's load mode at 100,000 sensors. Kanki's broker (no device
 * authentication) and a counting subscriber run in child processes; the load mode runs in this
 * process, so its CPU, memory and event-loop lag are this process's own.
 *   npm run bench:sim -- --sensors 100000 --connections 8 --seconds 60 --interval 60 --speed 12
 * Target rate = sensors × speed ÷ interval readings per real second (default 20,000/s: every sensor reads every 5 real seconds).
 * Everything runs on loopback; the run ends by itself after `--seconds`.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { z } from 'zod';
import { createSilentLogger } from '../common/logger.ts';
import { parseSimArgs } from '../firmware-sim/src/config.ts';
import { startLoadSimulator } from '../firmware-sim/src/load-mode.ts';
import { createLoadState, loadStateBytes } from '../firmware-sim/src/load-state.ts';
import { forkChild, nextMessage } from './children.ts';

const Flags = z.object({
  sensors: z.coerce.number().int().min(1).max(1_000_000).default(100_000),
  connections: z.coerce.number().int().min(1).max(1000).default(8),
  seconds: z.coerce.number().min(5).max(3600).default(60),
  interval: z.coerce.number().min(1).max(86_400).default(60),
  speed: z.coerce.number().positive().max(3600).default(12),
  inflight: z.coerce.number().int().min(1).max(65_535).default(1000),
});
const names = ['sensors', 'connections', 'seconds', 'interval', 'speed', 'inflight'] as const;
const { values } = parseArgs({ options: Object.fromEntries(names.map((n) => [n, { type: 'string' as const }])) });
const flags = Flags.parse(values);

// A forced collection before each memory reading, so that the figures are live data, not garbage.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const memory = () => {
  gc();
  const m = process.memoryUsage();
  // Typed arrays live outside the V8 heap (`external`), so the state is only seen with it.
  return { heap: m.heapUsed + m.external, rss: m.rss };
};
const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;

const broker = forkChild('broker-worker.ts');
const { port } = await nextMessage<{ port: number }>(broker, 'ready');
const url = `mqtt://127.0.0.1:${port}`;
const sub = forkChild('sim-load-subscriber.ts');
sub.send({ url });
await nextMessage(sub, 'ready');
const count = async () => {
  sub.send('count');
  return nextMessage<{ received: number; sensors: number }>(sub, 'count');
};

const target = (flags.sensors * flags.speed) / flags.interval;
console.log(`Kanki simulator load mode: ${flags.sensors} sensors over ${flags.connections} connections, interval ${flags.interval} s at speed ${flags.speed}, ${flags.seconds} s, QoS 1, in flight ≤ ${flags.inflight}/connection`);

const before = memory();
const config = parseSimArgs([
  '--broker', url, '--load', String(flags.sensors), '--connections', String(flags.connections), '--interval', String(flags.interval),
  '--speed', String(flags.speed), '--duration', String(flags.seconds * flags.speed), '--inflight', String(flags.inflight), '--seed', '1',
]);
const stateBytes = loadStateBytes(createLoadState({ sensors: flags.sensors, seed: config.seed, startMs: Date.now(), intervalMs: flags.interval * 1000 }));
const sim = await startLoadSimulator(config, { logger: createSilentLogger() });
const started = performance.now();
const cpu0 = process.cpuUsage();
const LAG_RESOLUTION_MS = 10;
const lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
lag.enable();
const afterStart = memory();
let peakRss = afterStart.rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 1000);
await sim.done;
const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);
lag.disable();
const cpu = process.cpuUsage(cpu0);
const after = memory();
await sim.close();
// After close: what was still in flight at the end has been acknowledged too.
const stats = sim.stats();

// Let the last deliveries reach the subscriber: wait until its count stops moving (at most 5 s).
let received = await count();
for (let i = 0; i < 50; i++) {
  await new Promise((r) => setTimeout(r, 100));
  const next = await count();
  if (next.received === received.received && next.received >= stats.published) break;
  received = next;
}
sub.send('stop');
const subDone = await nextMessage<{ received: number; sensors: number; cpuSeconds: number }>(sub, 'done');
broker.send('stop');
const brokerDone = await nextMessage<{ cpuSeconds: number; rssBytes: number }>(broker, 'done');

const simCpu = (cpu.user + cpu.system) / 1e6;
const perSensor = (bytes: number) => `${Math.round(bytes / flags.sensors)} B`;
console.log(`target:                 ${target.toFixed(0)} msg/s`);
console.log(`published (acked):      ${(stats.published / seconds).toFixed(0)} msg/s (${stats.published} in ${seconds.toFixed(1)} s; dropped as behind ${stats.dropped}, errors ${stats.errors})`);
console.log(`received at subscriber: ${(subDone.received / seconds).toFixed(0)} msg/s (${subDone.received}, from ${subDone.sensors} distinct sensors)`);
console.log(`heap used + external:   ${mb(before.heap)} before, ${mb(afterStart.heap)} after start, ${mb(after.heap)} at the end`);
console.log(`RSS:                    ${mb(before.rss)} before, ${mb(afterStart.rss)} after start, ${mb(after.rss)} at the end, ${mb(peakRss)} peak`);
console.log(`memory per sensor:      state ${perSensor(stateBytes)} (typed arrays); heap + external ${perSensor(after.heap - before.heap)}, RSS ${perSensor(after.rss - before.rss)} (end − before, so the connections' and code's fixed costs are included)`);
// The histogram records whole timer periods; the lag is what exceeds the sampling period.
const lagMs = (ns: number) => Math.max(0, ns / 1e6 - LAG_RESOLUTION_MS).toFixed(1);
console.log(`event-loop lag:         p50 ${lagMs(lag.percentile(50))} ms, p99 ${lagMs(lag.percentile(99))} ms, max ${lagMs(lag.max)} ms`);
console.log(`CPU:                    simulator ${simCpu.toFixed(1)} s (${((100 * simCpu) / seconds).toFixed(0)} % of a core), broker ${brokerDone.cpuSeconds.toFixed(1)} s, subscriber ${subDone.cpuSeconds.toFixed(1)} s; broker RSS ${mb(brokerDone.rssBytes)}`);
process.exit(0);
