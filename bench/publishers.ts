/**
 * Benchmark load generator (child process): P MQTT.js clients publish native readings at QoS 1
 * as fast as the broker acknowledges, with a bounded window of unacknowledged messages per client.
 * Each payload's `ts` is its publish time, so the store side can measure publish→stored latency.
 * With `rate` the clients are paced instead (readings/s in all, spread evenly over time, never more
 * than `window` unacknowledged): a steady background load, which ends after `messages` or on a
 * `'stop'` message. Only ever targets the loopback broker it is given.
 */
import mqtt from 'mqtt';
import { buildSensorReadingTopic } from '../common/topics.ts';

type Job = {
  url: string; sensors: string[]; messages: number; publishers: number; window: number;
  /** Paced: readings per second over all clients (default: as fast as acknowledged). */
  rate?: number;
  /** CO₂ of the readings, cycling through [min, max) (default 400…2000). */
  ppm?: { min: number; max: number };
};

/** How often a paced client tops up to its schedule: small enough that the load is smooth, not a burst per tick. */
const PACE_TICK_MS = 5;

// Orphaned (the benchmark died): stop rather than keep a load or a reconnecting client running.
process.once('disconnect', () => process.exit(1));
let stopping = false;
process.once('message', (job: Job) => {
  process.on('message', (m) => {
    if (m === 'stop') stopping = true;
  });
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
  const { min, max } = job.ppm ?? { min: 400, max: 2000 };
  const started = performance.now();
  // Paced: how many readings one client should have sent by now.
  const due = job.rate === undefined ? () => Infinity : () => Math.floor(((performance.now() - started) * (job.rate as number)) / job.publishers / 1000);
  let published = 0;
  await Promise.all(
    clients.map(async (client, ci) => {
      const total = Math.min(perClient, job.messages - ci * perClient);
      let sent = 0;
      let acked = 0;
      await new Promise<void>((resolve, reject) => {
        const pace = job.rate === undefined ? undefined : setInterval(() => pump(), PACE_TICK_MS);
        const finish = () => {
          clearInterval(pace);
          resolve();
        };
        const pump = () => {
          if (stopping && acked === sent) return finish();
          const until = Math.min(total, due());
          while (!stopping && sent < until && sent - acked < job.window) {
            const n = ci * perClient + sent++;
            // Each publisher owns its own sensors: two readings of one sensor in the same millisecond
            // would be the same point (idempotent writes) and look like a loss.
            const own = Math.floor(job.sensors.length / job.publishers);
            const sensor = job.sensors[ci * own + (sent % own)] as string;
            const payload = `{"co2":${min + (n % (max - min))},"temperature":22.5,"humidity":45,"ts":${Date.now()},"seq":${n}}`;
            client.publish(buildSensorReadingTopic(sensor), payload, { qos: 1 }, (err) => {
              if (err) return reject(err);
              acked++;
              published++;
              if (acked === total) finish();
              else pump();
            });
          }
        };
        if (total <= 0) finish();
        else pump();
      });
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(clients.map((c) => c.endAsync()));
  const cpu = process.cpuUsage(cpu0);
  return { published, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}
