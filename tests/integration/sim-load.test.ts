/**
 * The load mode against real aedes brokers on 127.0.0.1: every synthetic sensor publishes valid
 * contract readings over a handful of shared connections, and a broker that acknowledges slowly
 * never sees more than the in-flight bound per connection (the rest is counted as dropped).
 */
import { createServer, type AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import { afterEach, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../common/logger.ts';
import { ReadingPayloadSchema } from '../../common/payloads.ts';
import { parseSensorTopic, SENSOR_READINGS_FILTER } from '../../common/topics.ts';
import type { Simulator } from '../../firmware-sim/src/app.ts';
import { parseSimArgs } from '../../firmware-sim/src/config.ts';
import { startLoadSimulator } from '../../firmware-sim/src/load-mode.ts';
import { loadSensorId } from '../../firmware-sim/src/load-state.ts';
import { connectClient, startTestBroker, type TestBroker } from '../helpers/mqtt.ts';
import { waitFor } from '../helpers/wait-for.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const loadArgs = (url: string, extra: string[] = []) =>
  parseSimArgs(['--broker', url, '--load', '2000', '--connections', '4', '--interval', '10', '--speed', '10', '--seed', '42', '--timestamps', 'device', ...extra]);

describe('load mode', () => {
  it('publishes valid readings for every one of 2,000 sensors over 4 connections', async () => {
    const broker: TestBroker = await startTestBroker();
    cleanups.push(() => broker.close());
    const observer = await connectClient(broker.url, { clientId: 'test-observer' });
    cleanups.push(() => observer.endAsync());
    const seqs = new Map<string, number[]>();
    let invalid = 0;
    observer.on('message', (topic, payload) => {
      const parsed = parseSensorTopic(topic);
      const reading = ReadingPayloadSchema.safeParse(JSON.parse(payload.toString()));
      if (!parsed || parsed.kind !== 'reading' || !reading.success || reading.data.seq === undefined) {
        invalid++;
        return;
      }
      seqs.set(parsed.sensorId, [...(seqs.get(parsed.sensorId) ?? []), reading.data.seq]);
    });
    await observer.subscribeAsync(SENSOR_READINGS_FILTER, { qos: 1 });

    const sim: Simulator = await startLoadSimulator(loadArgs(broker.url), { logger: createSilentLogger() });
    cleanups.push(() => sim.close());
    // Each sensor reads once per real second here (interval 10 s at speed 10): two rounds at least.
    await waitFor(() => seqs.size === 2000 && [...seqs.values()].every((s) => s.length >= 2), 20_000, 'two readings from every sensor');
    // 4 load connections and the observer, not one connection per sensor.
    expect(broker.clients.size).toBe(5);
    await sim.close();
    const stats = sim.stats();
    await waitFor(() => [...seqs.values()].reduce((n, s) => n + s.length, 0) === stats.published, 5000, 'every acknowledged reading delivered');

    expect(invalid).toBe(0);
    expect(new Set(seqs.keys())).toEqual(new Set(Array.from({ length: 2000 }, (_, i) => loadSensorId(i))));
    // Per sensor, seq counts up from 0 without gaps (nothing was dropped on a fast broker).
    for (const s of seqs.values()) expect(s).toEqual(s.map((_, i) => i));
    expect(stats).toMatchObject({ devices: 2000, dropped: 0, errors: 0, inflight: 0, connections: { total: 4 } });
  });

  it('never has more than --inflight unacknowledged readings per connection on a slow broker, and counts the rest as dropped', async () => {
    const pending = new Map<string, number>();
    const maxPending = new Map<string, number>();
    let accepted = 0;
    const aedes = await Aedes.createBroker({
      // Acknowledges every reading 200 ms late: a broker that cannot keep up with 2,000 readings/s.
      authorizePublish: (client, _packet, done) => {
        const id = client?.id ?? '';
        const now = (pending.get(id) ?? 0) + 1;
        pending.set(id, now);
        maxPending.set(id, Math.max(maxPending.get(id) ?? 0, now));
        setTimeout(() => {
          pending.set(id, (pending.get(id) ?? 1) - 1);
          accepted++;
          done(null);
        }, 200);
      },
    });
    const server = createServer(aedes.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const sim = await startLoadSimulator(loadArgs(url, ['--inflight', '8']), { logger: createSilentLogger() });
    cleanups.push(() => sim.close());
    await waitFor(() => sim.stats().dropped > 1000 && sim.stats().published > 50, 15_000, 'readings dropped while the broker is slow');
    await sim.close();

    expect(maxPending.size).toBe(4);
    for (const m of maxPending.values()) expect(m).toBeLessThanOrEqual(8);
    expect(Math.max(...maxPending.values())).toBe(8); // the bound was reached, so it was what held
    const stats = sim.stats();
    expect(stats.published).toBe(accepted);
    expect(stats.inflight).toBe(0);
  });

  it('counts readings as dropped while the broker is down, reconnects every connection and goes on publishing', async () => {
    let broker = await startTestBroker();
    const port = broker.port;
    cleanups.push(() => broker.close());
    const sim = await startLoadSimulator(loadArgs(broker.url, ['--reconnect-min', '0.2']), { logger: createSilentLogger() });
    cleanups.push(() => sim.close());
    await waitFor(() => sim.stats().published > 1000, 10_000, 'readings published');
    await broker.close();
    await waitFor(() => sim.stats().connected === 0 && sim.stats().dropped > 200, 10_000, 'readings dropped while down');
    const down = sim.stats();
    broker = await startTestBroker(port);
    await waitFor(() => sim.stats().connections?.up === 4 && sim.stats().published > down.published + 2000, 15_000, 'publishing again after the restart');
    await sim.close();
    expect(sim.stats()).toMatchObject({ reconnects: 4, inflight: 0 });
  });
});
