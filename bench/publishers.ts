/**
 * Benchmark load generator (child process): P MQTT.js clients publish native readings at QoS 1
 * as fast as the broker acknowledges, with a bounded window of unacknowledged messages per client.
 * Each payload's `ts` is its publish time, so the store side can measure publish→stored latency.
 * Only ever targets the loopback broker it is given.
 */
import mqtt from 'mqtt';
import { buildSensorReadingTopic } from '../common/topics.ts';

type Job = { url: string; sensors: string[]; messages: number; publishers: number; window: number };

process.once('message', (job: Job) => {
  void run(job).then(
    (result) => process.send?.({ type: 'done', ...result }),
    (err: unknown) => process.send?.({ type: 'error', message: String(err) }),
  );
});

async function run(job: Job): Promise<{ published: number; seconds: number; cpuSeconds: number }> {
  const cpu0 = process.cpuUsage();
  if (!/^mqtt:\/\/(127\.0\.0\.1|localhost):\d+$/.test(job.url)) throw new Error(`refusing to load a non-loopback broker: ${job.url}`);
  const clients = await Promise.all(
    Array.from({ length: job.publishers }, (_, i) => mqtt.connectAsync(job.url, { clientId: `bench-pub-${i}`, protocolVersion: 4, reconnectPeriod: 0 })),
  );
  const perClient = Math.ceil(job.messages / job.publishers);
  const started = performance.now();
  let published = 0;
  await Promise.all(
    clients.map(async (client, ci) => {
      const total = Math.min(perClient, job.messages - ci * perClient);
      let sent = 0;
      let acked = 0;
      await new Promise<void>((resolve, reject) => {
        const pump = () => {
          while (sent < total && sent - acked < job.window) {
            const n = ci * perClient + sent++;
            // Each publisher owns its own sensors: two readings of one sensor in the same millisecond
            // would be the same point (idempotent writes) and look like a loss.
            const own = Math.floor(job.sensors.length / job.publishers);
            const sensor = job.sensors[ci * own + (sent % own)] as string;
            const payload = `{"co2":${400 + (n % 1600)},"temperature":22.5,"humidity":45,"ts":${Date.now()},"seq":${n}}`;
            client.publish(buildSensorReadingTopic(sensor), payload, { qos: 1 }, (err) => {
              if (err) return reject(err);
              acked++;
              published++;
              if (acked === total) resolve();
              else pump();
            });
          }
        };
        if (total <= 0) resolve();
        else pump();
      });
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(clients.map((c) => c.endAsync()));
  const cpu = process.cpuUsage(cpu0);
  return { published, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}
