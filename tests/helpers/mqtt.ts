/** A bare aedes broker on a free loopback port, and MQTT.js helpers, for tests that need a real broker. */
import { createServer, type AddressInfo, type Server } from 'node:net';
import { Aedes } from 'aedes';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

export type TestBroker = { url: string; port: number; broker: Aedes; /** Ids of the clients connected now. */ clients: Set<string>; close(): Promise<void> };

export async function startTestBroker(port = 0): Promise<TestBroker> {
  const broker = await Aedes.createBroker();
  const server: Server = createServer(broker.handle);
  const clients = new Set<string>();
  broker.on('client', (c) => clients.add(c.id));
  broker.on('clientDisconnect', (c) => clients.delete(c.id));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  let closed = false;
  return {
    url: `mqtt://127.0.0.1:${actual}`,
    port: actual,
    broker,
    clients,
    async close() {
      if (closed) return;
      closed = true;
      // aedes closes its clients first; the server then has no open sockets left to wait for.
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Connects and waits for CONNACK. */
export async function connectClient(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  return mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4, ...options });
}
