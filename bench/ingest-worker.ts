/**
 * Benchmark ingest (child process): the real ingest with the real InfluxDB store, the store
 * wrapped only to time each acknowledged write and compute publish→stored latency per reading.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createSilentLogger } from '../common/logger.ts';
import { loadRegistryFile } from '../common/registry.ts';
import type { Reading } from '../common/reading.ts';
import { createStoreFromEnv } from '../common/store/store-config.ts';
import type { ReadingStore } from '../common/store/reading-store.ts';
import { startIngest } from '../ingest/src/app.ts';
import { loadIngestConfig } from '../ingest/src/config.ts';

// Orphaned (the benchmark died): stop rather than keep a load or a reconnecting client running.
process.once('disconnect', () => process.exit(1));
process.once('message', (job: { env: Record<string, string>; expect: number }) => {
  void run(job).catch((err: unknown) => process.send?.({ type: 'error', message: String(err) }));
});

async function run(job: { env: Record<string, string>; expect: number }): Promise<void> {
  const logger = createSilentLogger();
  const config = loadIngestConfig(job.env);
  const inner = createStoreFromEnv(config, { logger });
  await inner.init();
  const latencies = new Float64Array(job.expect);
  let stored = 0;
  let writeMs = 0;
  let batches = 0;
  let firstStored = 0;
  const store: ReadingStore = {
    ...inner,
    kind: inner.kind,
    init: () => inner.init(),
    latest: (a) => inner.latest(a),
    history: (q) => inner.history(q),
    ping: () => inner.ping(),
    close: () => inner.close(),
    async write(readings: readonly Reading[]) {
      const t = performance.now();
      await inner.write(readings);
      writeMs += performance.now() - t;
      batches++;
      const now = Date.now();
      if (stored === 0) firstStored = performance.now();
      for (const r of readings) if (stored < latencies.length) latencies[stored++] = now - r.time;
      if (stored >= job.expect) report();
    },
  };
  const cpu0 = process.cpuUsage();
  const ingest = await startIngest(config, { logger, registry: loadRegistryFile(config.KANKI_REGISTRY), store });
  // How long the running ingest's event loop was held up (store writes, snapshots, GC): what every
  // message waits behind. The histogram holds whole timer intervals, so the resolution is subtracted.
  const loopResolutionMs = 10;
  const loopDelay = monitorEventLoopDelay({ resolution: loopResolutionMs });
  loopDelay.enable();
  let reported = false;
  const report = () => {
    if (reported) return;
    reported = true;
    const cpu = process.cpuUsage(cpu0);
    const sorted = Array.from(latencies.subarray(0, stored)).sort((a, b) => a - b);
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
    process.send?.({
      type: 'done', stored, seconds: (performance.now() - firstStored) / 1000, p50: q(0.5), p99: q(0.99), max: sorted.at(-1),
      writeMs, batches, cpuSeconds: (cpu.user + cpu.system) / 1e6,
      loopDelayP99Ms: Math.max(0, loopDelay.percentile(99) / 1e6 - loopResolutionMs), loopDelayMaxMs: Math.max(0, loopDelay.max / 1e6 - loopResolutionMs),
    });
  };
  process.send?.({ type: 'ready' });
  process.once('message', () => {
    report();
    void ingest.close().then(() => inner.close()).then(() => process.exit(0));
  });
}
