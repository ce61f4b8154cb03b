/**
 * Benchmark broker (child process): Kanki's broker (`broker/src/app.ts`) on a free loopback port
 * without device authentication, in a process of its own so that its CPU is measured apart from
 * the load generator's. `ready` carries the port; on `stop` it reports its CPU seconds and exits.
 */
import { createSilentLogger } from '../common/logger.ts';
import { startBroker } from '../broker/src/app.ts';
import { loadBrokerConfig } from '../broker/src/config.ts';

// Orphaned (the benchmark died): stop rather than keep listening.
process.once('disconnect', () => process.exit(1));
void (async () => {
  const broker = await startBroker(loadBrokerConfig({ MQTT_PORT: '0', MQTT_HOST: '127.0.0.1', NODE_ENV: 'test' }), { logger: createSilentLogger() });
  const cpu0 = process.cpuUsage();
  process.send?.({ type: 'ready', port: broker.port });
  process.on('message', (m) => {
    if (m !== 'stop') return;
    const cpu = process.cpuUsage(cpu0);
    process.send?.({ type: 'done', cpuSeconds: (cpu.user + cpu.system) / 1e6, rssBytes: process.memoryUsage().rss }, () => {
      void broker.close().finally(() => process.exit(0));
    });
  });
})().catch((err: unknown) => process.send?.({ type: 'error', message: String(err) }));
