/**
 * Benchmark dashboard (child process): the real dashboard (`startDashboard`) over the store the
 * benchmark filled, taking live room states from the benchmark's broker — alone in its process, so
 * the load generators never share its event loop. It answers `usage` messages with its own CPU
 * time, memory and event-loop delay, which the benchmark reads between phases.
 */
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { createSilentLogger } from '../common/logger.ts';
import { loadRegistryFile } from '../common/registry.ts';
import { createStore } from '../common/store/store-config.ts';
import { startDashboard } from '../dashboard/src/app.ts';
import { loadDashboardConfig } from '../dashboard/src/config.ts';

/** What the benchmark asks for between phases. */
export type DashboardUsage = {
  type: 'usage';
  /** User + system CPU seconds since start. */
  cpuSeconds: number;
  /** Resident set size now, MB. */
  rssMb: number;
  /** Heap in use now, MB. */
  heapMb: number;
  /** Event-loop delay since the previous `usage`: p99 and max, ms. */
  loopP99Ms: number;
  loopMaxMs: number;
  /** Garbage collection since the previous `usage`: total and longest pause, ms. */
  gcMs: number;
  gcMaxMs: number;
};

// Orphaned (the benchmark died): stop rather than keep a port and a broker connection open.
process.once('disconnect', () => process.exit(1));
process.once('message', (job: { env: Record<string, string> }) => {
  void run(job).catch((err: unknown) => process.send?.({ type: 'error', message: String(err) }));
});

async function run(job: { env: Record<string, string> }): Promise<void> {
  const logger = createSilentLogger();
  const config = loadDashboardConfig(job.env);
  const store = createStore(config, { logger });
  await store.init();
  const dashboard = await startDashboard(config, { registry: loadRegistryFile(config.registryFile), store, logger });
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const gc = { ms: 0, max: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gc.ms += e.duration;
      gc.max = Math.max(gc.max, e.duration);
    }
  }).observe({ entryTypes: ['gc'] });
  process.on('message', (m: unknown) => {
    if (m === 'usage') {
      const cpu = process.cpuUsage();
      const mem = process.memoryUsage();
      const usage: DashboardUsage = {
        type: 'usage', cpuSeconds: (cpu.user + cpu.system) / 1e6, rssMb: mem.rss / 2 ** 20, heapMb: mem.heapUsed / 2 ** 20,
        loopP99Ms: loop.percentile(99) / 1e6, loopMaxMs: loop.max / 1e6, gcMs: gc.ms, gcMaxMs: gc.max,
      };
      loop.reset();
      gc.ms = 0;
      gc.max = 0;
      process.send?.(usage);
    } else if (m === 'stop') {
      void dashboard.close().then(() => store.close()).then(() => process.exit(0));
    }
  });
  process.send?.({ type: 'ready', port: dashboard.port });
}
