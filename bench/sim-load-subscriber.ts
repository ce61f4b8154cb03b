/**
 * Benchmark receiver (child process): one MQTT.js client subscribed to every sensor reading,
 * counting what arrives and how many distinct sensors it came from. QoS 0 on purpose: it measures
 * what the broker delivers without adding a second acknowledgement flow to the broker's work.
 * `count` asks for the counters so far; `stop` reports them with its CPU seconds and exits.
 */
import mqtt from 'mqtt';
import { parseSensorTopic, SENSOR_READINGS_FILTER } from '../common/topics.ts';

process.once('disconnect', () => process.exit(1));
process.once('message', (job: { url: string }) => {
  void (async () => {
    const cpu0 = process.cpuUsage();
    const client = await mqtt.connectAsync(job.url, { clientId: 'bench-sim-load-sub', protocolVersion: 4, reconnectPeriod: 0 });
    let received = 0;
    const sensors = new Set<string>();
    client.on('message', (topic) => {
      received++;
      const parsed = parseSensorTopic(topic);
      if (parsed) sensors.add(parsed.sensorId);
    });
    await client.subscribeAsync(SENSOR_READINGS_FILTER, { qos: 0 });
    process.on('message', (m) => {
      if (m === 'count') process.send?.({ type: 'count', received, sensors: sensors.size });
      if (m === 'stop') {
        const cpu = process.cpuUsage(cpu0);
        process.send?.({ type: 'done', received, sensors: sensors.size, cpuSeconds: (cpu.user + cpu.system) / 1e6 }, () => process.exit(0));
      }
    });
    process.send?.({ type: 'ready' });
  })().catch((err: unknown) => process.send?.({ type: 'error', message: String(err) }));
});
