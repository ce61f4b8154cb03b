/**
 * Benchmark HTTP load (child process): autocannon at a fixed rate spread evenly over each second,
 * in a process of its own — with the broker or anything else beside it, its event loop lagged by
 * up to 15 ms at p99, and that lag was measured as the dashboard's latency.
 *
 * autocannon paces a connection by a per-second quota that it sends back to back at the start of
 * every second, so one instance at 200 req/s with 20 connections is a burst of 200 requests once a
 * second, not 200 visitors a second. Here the rate is split over up to 40 single-connection
 * instances started 1/40 s apart: a few requests every 25 ms. Every response's latency is kept
 * (autocannon's `response` event) for exact percentiles over all of them.
 *
 * IPC: a `HttpLoadJob` in → `HttpLoadResult` out.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import autocannon from 'autocannon';

/** What to request: the room list, or 24 h of readings of rooms taken in turn. */
export type HttpLoadJob = {
  base: string;
  rate: number;
  seconds: number;
  target: { kind: 'rooms' } | { kind: 'history'; rooms: { facility: string; room: string }[] };
};

export type HttpLoadResult = {
  type: 'done';
  p50: number;
  p99: number;
  max: number;
  requests: number;
  failed: number;
  /** Bytes received per response (as sent: gzipped when the server compressed it). */
  bytesPerResponse: number;
  /** This process: CPU % of a core and event-loop delay p99, so a lagging load generator shows. */
  cpuPercent: number;
  loopP99Ms: number;
};

const DAY = 24 * 3600_000;

process.once('disconnect', () => process.exit(1));
process.once('message', (job: HttpLoadJob) => {
  void run(job).then((result) => process.send?.(result), (err: unknown) => process.send?.({ type: 'error', message: String(err) }));
});

async function run(job: HttpLoadJob): Promise<HttpLoadResult> {
  let pick = 0;
  const path = (): string => {
    if (job.target.kind === 'rooms') return '/api/v1/rooms';
    const r = job.target.rooms[(pick++ * 7919) % job.target.rooms.length] as { facility: string; room: string };
    const to = Date.now();
    return `/api/v1/rooms/${r.facility}/${r.room}/readings?from=${to - DAY}&to=${to}`;
  };
  const instances = Math.min(job.rate, 40);
  const latencies: number[] = [];
  const cpu = process.cpuUsage();
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const results = await Promise.all(Array.from({ length: instances }, (_, i) => new Promise<autocannon.Result>((resolve, reject) => {
    setTimeout(() => {
      const instance = autocannon({
        url: job.base, connections: 1, connectionRate: Math.floor(job.rate / instances) + (i < job.rate % instances ? 1 : 0), duration: job.seconds,
        // What every browser and HTTP library sends; autocannon counts the bytes without decompressing.
        headers: { 'accept-encoding': 'gzip, deflate, br' },
        requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: path() }) }],
      }, (err, result) => (err ? reject(err) : resolve(result)));
      instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
    }, (i * 1000) / instances);
  })));
  loop.disable();
  const used = process.cpuUsage(cpu);
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)] ?? Number.NaN;
  const sum = (f: (r: autocannon.Result) => number) => results.reduce((n, r) => n + f(r), 0);
  const requests = sum((r) => r.requests.total);
  return {
    type: 'done', p50: q(0.5), p99: q(0.99), max: latencies.at(-1) ?? Number.NaN, requests, failed: sum((r) => r.non2xx + r.errors),
    bytesPerResponse: sum((r) => r.throughput.total) / Math.max(1, requests),
    cpuPercent: (used.user + used.system) / 1e4 / (job.seconds + 1), loopP99Ms: loop.percentile(99) / 1e6,
  };
}
