/**
 * The simulator against a real aedes broker on 127.0.0.1, observed by a real MQTT.js subscriber and
 * by the broker's own hooks: contract payloads, per-device identity, retained status, a broker
 * restart with buffered readings delivered late but with their original timestamps, clean close.
 */
import net, { type AddressInfo } from 'node:net';
import { Aedes, type Client, type PublishPacket } from 'aedes';
import { connect, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../common/logger.ts';
import { ReadingPayloadSchema, StatusPayloadSchema, type ParsedReadingPayload } from '../../common/payloads.ts';
import { loadRegistryFile } from '../../common/registry.ts';
import { parseSensorTopic, SENSOR_READINGS_FILTER, SENSOR_STATUS_FILTER } from '../../common/topics.ts';
import { selectSensors, startSimulator, type Simulator } from '../../firmware-sim/src/app.ts';
import { parseSimArgs } from '../../firmware-sim/src/config.ts';
import { waitFor } from '../helpers/wait-for.ts';

/** `closing`: published while the sender's connection was being torn down, which is how aedes sends a Last Will. */
type Seen = { sensorId: string; kind: 'reading' | 'status'; text: string; retain: boolean; clientId: string | null; closing?: boolean };

/**
 * An aedes broker on 127.0.0.1 that records every publish it accepts and checks device credentials.
 * `ackDelayMs` holds readings back before accepting them, so that some are always unacknowledged (in
 * flight) when the broker is killed: those must be resent after the restart, not lost.
 */
async function startBroker(port: number, secrets: ReadonlyMap<string, string>, ackDelayMs = 0) {
  const accepted: Seen[] = [];
  const disconnected = new Set<string>();
  const broker: Aedes = await Aedes.createBroker({
    authenticate: (client, username, password, done) => {
      // A device's username and client id are its sensor id, and its password is its own secret.
      const expected = username ? secrets.get(username) : undefined;
      const ok = client.id === 'test-observer' || (expected !== undefined && client.id === username && password?.toString() === expected);
      done(null, ok);
    },
    // Called for the device's own publishes and for a Last Will alike: this sees both.
    authorizePublish: (client: Client | null, packet: PublishPacket, done) => {
      const parsed = parseSensorTopic(packet.topic);
      const closing = client?.closed ?? false;
      const accept = (delayed: boolean) => {
        if (delayed && broker.closed) return; // killed meanwhile: never acknowledged
        if (parsed) accepted.push({ ...parsed, text: packet.payload.toString(), retain: packet.retain, clientId: client?.id ?? null, closing });
        done(null);
      };
      if (ackDelayMs > 0 && parsed?.kind === 'reading') setTimeout(() => accept(true), ackDelayMs);
      else accept(false);
    },
  });
  broker.on('clientDisconnect', (client) => disconnected.add(client.id));
  const server = net.createServer(broker.handle);
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    accepted,
    disconnected,
    /** Kills the broker as a crash would: every connection cut, nothing said. */
    async kill() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}
type TestBroker = Awaited<ReturnType<typeof startBroker>>;

/** A subscriber that keeps every sensor message it receives. */
async function observe(port: number): Promise<{ client: MqttClient; seen: Seen[] }> {
  const client = connect(`mqtt://127.0.0.1:${port}`, { clientId: 'test-observer', reconnectPeriod: 0 });
  const seen: Seen[] = [];
  client.on('message', (topic, payload, packet) => {
    const parsed = parseSensorTopic(topic);
    if (parsed) seen.push({ ...parsed, text: payload.toString(), retain: packet.retain, clientId: null });
  });
  await client.subscribeAsync([SENSOR_READINGS_FILTER, SENSOR_STATUS_FILTER], { qos: 1 });
  return { client, seen };
}

const readingsOf = (seen: readonly Seen[], sensorId: string): ParsedReadingPayload[] =>
  seen.filter((s) => s.sensorId === sensorId && s.kind === 'reading').map((s) => ReadingPayloadSchema.parse(JSON.parse(s.text)));

describe('firmware simulator against a real broker', () => {
  const registry = loadRegistryFile('config/registry.demo.yaml');
  const sensorIds = selectSensors(registry, 3).map((s) => s.sensorId);
  const secrets = new Map(sensorIds.map((id, i) => [id, `secret-${i}-${id}`]));
  const observers: MqttClient[] = [];
  let broker: TestBroker;
  let sim: Simulator;
  let first: Seen[];
  let firstAccepted: Seen[];

  beforeAll(async () => {
    broker = await startBroker(0, secrets, 250);
    const o = await observe(broker.port);
    observers.push(o.client);
    first = o.seen;
    firstAccepted = broker.accepted;
    const config = parseSimArgs([
      '--broker', `mqtt://127.0.0.1:${broker.port}`, '--sensors', '3', '--speed', '600', '--interval', '60', '--seed', '7',
      '--start', '2026-11-24T10:00:00+09:00', '--timestamps', 'device', '--reconnect-min', '0.05', '--reconnect-max', '0.3',
    ], {});
    sim = await startSimulator(config, { logger: createSilentLogger(), registry, secrets });
  });

  afterAll(async () => {
    await sim?.close();
    await Promise.all(observers.map((c) => c.endAsync(true)));
    await broker?.kill();
  });

  it('publishes contract readings from one authenticated connection per device, seq rising by one', async () => {
    expect(sensorIds).toEqual(['nwo-1f-counter-01', 'nwo-1f-waiting-01', 'nwo-2f-welfare-01']);
    await waitFor(() => sensorIds.every((id) => readingsOf(first, id).length >= 5), 10_000, 'five readings per device');
    expect(sim.stats()).toMatchObject({ devices: 3, connected: 3 });
    for (const s of first.filter((m) => m.kind === 'reading')) {
      expect(ReadingPayloadSchema.safeParse(JSON.parse(s.text)).success).toBe(true);
      expect(s.retain).toBe(false);
    }
    for (const id of sensorIds) {
      const readings = readingsOf(first, id);
      readings.forEach((r, i) => {
        expect(r.seq).toBe(i);
        // Device time advances by exactly the simulated interval (10:00 JST start, first reading within 10 s).
        expect(r.ts).toBe((readings[0]?.ts ?? 0) + i * 60_000);
        expect(r.co2).toBeGreaterThan(300);
        expect(r.co2).toBeLessThan(5000);
      });
      expect(readings[0]?.ts).toBeGreaterThanOrEqual(Date.parse('2026-11-24T01:00:00Z'));
      expect(readings[0]?.ts).toBeLessThan(Date.parse('2026-11-24T01:00:10Z'));
    }
    // Everything the broker accepted under a device's topics came from that device's own connection.
    expect(broker.accepted.every((a) => a.clientId === a.sensorId)).toBe(true);
  });

  it('announces each device with a retained "online"', async () => {
    const late = await observe(broker.port);
    observers.push(late.client);
    await waitFor(() => sensorIds.every((id) => late.seen.some((s) => s.sensorId === id && s.kind === 'status')), 5000, 'retained status');
    for (const id of sensorIds) {
      const status = late.seen.find((s) => s.sensorId === id && s.kind === 'status');
      expect(status).toMatchObject({ retain: true });
      expect(StatusPayloadSchema.parse(status?.text)).toBe('online');
    }
  });

  it('buffers readings while the broker is down and delivers them after it restarts, with their original timestamps', async () => {
    const port = broker.port;
    await broker.kill();
    // The cut connections made the old broker send each device's Last Will: it is configured.
    const willsOf = (id: string) => firstAccepted.filter((a) => a.sensorId === id && a.kind === 'status' && a.text === 'offline');
    await waitFor(() => sensorIds.every((id) => willsOf(id).length > 0), 5000, 'Last Wills');
    for (const id of sensorIds) {
      expect(willsOf(id)).toEqual([
        expect.objectContaining({ clientId: id, retain: true, closing: true }),
      ]);
    }
    await waitFor(() => sim.stats().connected === 0 && sim.stats().buffered >= 15, 10_000, 'readings buffered while offline');
    const simTimeAtRestart = Date.parse(sim.stats().simTime);
    broker = await startBroker(port, secrets);
    await waitFor(() => sim.stats().connected === 3, 10_000, 'all devices reconnected');
    await waitFor(() => sensorIds.every((id) => readingsOf(broker.accepted, id).some((r) => (r.ts as number) > simTimeAtRestart)), 10_000, 'fresh readings after restart');

    for (const id of sensorIds) {
      const before = readingsOf(firstAccepted, id);
      const after = readingsOf(broker.accepted, id);
      // Readings made during the outage arrive late, stamped with the time they were made.
      const late = after.filter((r) => (r.ts as number) < simTimeAtRestart);
      expect(late.length).toBeGreaterThanOrEqual(5);
      const t0 = before[0]?.ts as number;
      for (const r of [...before, ...after]) expect(r.ts).toBe(t0 + (r.seq as number) * 60_000);
      // Nothing lost across the outage, not even what was in flight: the sequence numbers accepted by
      // both brokers have no gap (a reading may arrive twice: QoS 1 is at-least-once).
      const seqs = [...new Set([...before, ...after].map((r) => r.seq as number))].sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i));
      // Each device said `online` again on the new broker.
      expect(broker.accepted.some((a) => a.sensorId === id && a.kind === 'status' && a.text === 'online')).toBe(true);
    }
    expect(sim.stats()).toMatchObject({ dropped: 0 });
  });

  it('on close() publishes a retained "offline" itself and disconnects cleanly, so no Last Will fires', async () => {
    await waitFor(() => sim.stats().buffered === 0, 10_000, 'buffers drained');
    await Promise.all([sim.close(), sim.close()]);
    await sim.close();
    await waitFor(() => sensorIds.every((id) => broker.disconnected.has(id)), 5000, 'devices disconnected');
    for (const id of sensorIds) {
      const offline = broker.accepted.filter((a) => a.sensorId === id && a.kind === 'status' && a.text === 'offline');
      // One `offline`: the device's own, published over its connection. A fired will would be a second.
      expect(offline).toHaveLength(1);
      expect(offline[0]).toMatchObject({ clientId: id, retain: true, closing: false });
    }
    const after = await observe(broker.port);
    observers.push(after.client);
    await waitFor(() => sensorIds.every((id) => after.seen.some((s) => s.sensorId === id && s.kind === 'status')), 5000, 'retained offline');
    expect(after.seen.filter((s) => s.kind === 'status').map((s) => s.text)).toEqual(['offline', 'offline', 'offline']);
    const stats = sim.stats();
    expect(stats).toMatchObject({ connected: 0, buffered: 0, inflight: 0 });
    const published = stats.published;
    await new Promise((resolve) => setImmediate(resolve));
    expect(sim.stats().published).toBe(published);
  });
});
