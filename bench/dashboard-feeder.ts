/**
 * Benchmark feeder (child process): what the ingest does for a city while the dashboard is
 * measured — for each new reading, publish the room's state (retained, QoS 0, as the ingest does)
 * and write the reading to the store in batches every 500 ms (the ingest's default flush interval).
 * Rooms take turns, so at 200 readings/s each of 12,000 rooms gets one a minute. Each state's
 * `updatedAt` is the moment it was published, which the SSE clients compare with their clock.
 *
 * IPC: `{ env, rooms, mqttUrl }` in → `ready`; `{ run: rate, seconds? }` → publishes until `stop`
 * (or for `seconds`) → `done` with the counts.
 */
import mqtt from 'mqtt';
import { createSilentLogger } from '../common/logger.ts';
import type { RoomState } from '../common/payloads.ts';
import type { Reading } from '../common/reading.ts';
import { createStoreFromEnv, StoreEnvSchema } from '../common/store/store-config.ts';
import { buildRoomStateTopic } from '../common/topics.ts';

type Job = { env: Record<string, string>; rooms: { facility: string; room: string; sensor: string }[]; mqttUrl: string };
type Run = { run: number; seconds?: number };

process.once('disconnect', () => process.exit(1));
process.once('message', (job: Job) => {
  void start(job).catch((err: unknown) => process.send?.({ type: 'error', message: String(err) }));
});

async function start(job: Job): Promise<void> {
  const store = createStoreFromEnv(StoreEnvSchema.parse(job.env), { logger: createSilentLogger() });
  await store.init();
  const client = await mqtt.connectAsync(job.mqttUrl, { clientId: `bench-feeder-${process.pid}`, protocolVersion: 4, reconnectPeriod: 0 });
  let next = 0;
  let batch: Reading[] = [];
  let writes: Promise<void> = Promise.resolve();

  const feed = (rate: number, seconds: number | undefined): Promise<{ published: number; written: number }> => {
    let published = 0;
    let written = 0;
    const started = performance.now();
    const total = seconds === undefined ? Infinity : Math.round(rate * seconds);
    return new Promise((resolve) => {
      // A tick every 10 ms publishes what is due by now, so the rate holds even when a tick is late.
      const tick = setInterval(() => {
        const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
        for (; published < due; published++, next++) {
          const r = job.rooms[next % job.rooms.length] as Job['rooms'][number];
          const now = Date.now();
          // Alternating levels, so every state is a change the dashboard passes on.
          const co2 = next % 2 ? 640 : 1620;
          const state: RoomState = {
            facility: r.facility, room: r.room, co2, temperature: 22.5, humidity: 45, level: co2 >= 1500 ? 'critical' : 'good',
            since: null, updatedAt: new Date(now).toISOString(), stale: false,
          };
          client.publish(buildRoomStateTopic(r.facility, r.room), JSON.stringify(state), { qos: 0, retain: true });
          batch.push({ facility: r.facility, room: r.room, sensor: r.sensor, time: now, co2, temperature: 22.5, humidity: 45, quality: 'ok' });
        }
        if (published >= total) finish();
      }, 10);
      const flush = setInterval(() => writeBatch(), 500);
      const writeBatch = () => {
        const readings = batch;
        batch = [];
        if (readings.length > 0) writes = writes.then(() => store.write(readings)).then(() => void (written += readings.length));
      };
      const finish = () => {
        clearInterval(tick);
        clearInterval(flush);
        process.off('message', onStop);
        writeBatch();
        void writes.then(() => resolve({ published, written }));
      };
      const onStop = (m: unknown) => m === 'stop' && finish();
      process.on('message', onStop);
    });
  };

  process.on('message', (m: Run | 'stop' | 'exit') => {
    if (m === 'exit') {
      void client.endAsync().then(() => store.close()).then(() => process.exit(0));
    } else if (typeof m === 'object' && 'run' in m) {
      void feed(m.run, m.seconds).then((counts) => process.send?.({ type: 'done', ...counts }));
    }
  });
  process.send?.({ type: 'ready' });
}
