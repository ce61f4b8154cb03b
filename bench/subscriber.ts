/**
 * Benchmark ceiling (child process): one MQTT.js client with a QoS 1 subscription to every
 * sensor reading, acknowledging each message as it arrives (what a Node-RED `mqtt in` does). The
 * rate it reaches is the bare broker delivery rate the ingest is compared with.
 */
import mqtt from 'mqtt';
import { SENSOR_READINGS_FILTER } from '../common/topics.ts';

process.once('message', (job: { url: string; expect: number; clean: boolean }) => {
  void (async () => {
    const client = await mqtt.connectAsync(job.url, { clientId: 'bench-sub', protocolVersion: 4, clean: job.clean, reconnectPeriod: 0 });
    let count = 0;
    let first = 0;
    client.on('message', () => {
      if (count++ === 0) first = performance.now();
      if (count === job.expect) {
        const seconds = (performance.now() - first) / 1000;
        process.send?.({ type: 'done', received: count, seconds });
        void client.endAsync();
      }
    });
    await client.subscribeAsync(SENSOR_READINGS_FILTER, { qos: 1 });
    process.send?.({ type: 'ready' });
  })();
});
