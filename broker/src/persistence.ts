/**
 * aedes's in-memory persistence with an indexed outgoing queue. The stock memory persistence
 * (aedes-persistence 11) keeps each client's unacknowledged QoS 1 messages in an array and finds
 * one by a linear scan on every send (`outgoingUpdate`) and every PUBACK (`outgoingClearMessageId`).
 * For a persistent-session subscriber such as the ingest, that queue holds every message in flight,
 * so delivery cost grows with the backlog: measured here, the broker saturated one core at ~7,000
 * msg/s once a few thousand messages were queued. Indexing the queue by broker counter and by
 * message id makes both operations O(1) with the same semantics; everything else (retained
 * messages, subscriptions, wills, incoming QoS 2) is the stock implementation.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// Deep imports: the package has no "exports" map, and these are the classes its default factory uses.
const MemoryPersistence = require('aedes-persistence/asyncPersistence.js') as new (opts?: object) => AsyncPersistence;
const { CallBackPersistence } = require('aedes-persistence/callBackPersistence.js') as {
  CallBackPersistence: new (factory: (opts: object) => AsyncPersistence, opts?: object) => object;
};
const Packet = require('aedes-packet') as new (packet: OutgoingPacket) => OutgoingPacket;

type AsyncPersistence = object;
type OutgoingPacket = { brokerId: string; brokerCounter: number; messageId?: number; [key: string]: unknown };
type Subscription = { clientId: string };
type Client = { id: string };

/** One client's unacknowledged messages, in send order, indexed two ways. */
class OutgoingQueue {
  private nextSeq = 0;
  readonly packets = new Map<number, OutgoingPacket>();
  private readonly byCounter = new Map<string, number>();
  private readonly byMessageId = new Map<number, number>();

  push(packet: OutgoingPacket): void {
    const seq = this.nextSeq++;
    this.packets.set(seq, packet);
    this.byCounter.set(counterKey(packet), seq);
    if (packet.messageId !== undefined) this.byMessageId.set(packet.messageId, seq);
  }

  /** Same rule as the stock `outgoingUpdate`: match by broker counter, else replace by message id (PUBREL). */
  update(packet: OutgoingPacket): void {
    const seq = this.byCounter.get(counterKey(packet));
    if (seq !== undefined) {
      const stored = this.packets.get(seq) as OutgoingPacket;
      if (stored.messageId !== undefined && this.byMessageId.get(stored.messageId) === seq) this.byMessageId.delete(stored.messageId);
      stored.messageId = packet.messageId;
      if (packet.messageId !== undefined) this.byMessageId.set(packet.messageId, seq);
      return;
    }
    const byId = packet.messageId === undefined ? undefined : this.byMessageId.get(packet.messageId);
    if (byId === undefined) throw new Error('no such packet');
    const old = this.packets.get(byId) as OutgoingPacket;
    this.byCounter.delete(counterKey(old));
    this.packets.set(byId, packet);
    this.byCounter.set(counterKey(packet), byId);
  }

  clear(messageId: number): OutgoingPacket | undefined {
    const seq = this.byMessageId.get(messageId);
    if (seq === undefined) return undefined;
    const packet = this.packets.get(seq) as OutgoingPacket;
    this.packets.delete(seq);
    this.byMessageId.delete(messageId);
    if (this.byCounter.get(counterKey(packet)) === seq) this.byCounter.delete(counterKey(packet));
    return packet;
  }
}

const counterKey = (p: OutgoingPacket) => `${p.brokerId}\u0000${p.brokerCounter}`;

class IndexedMemoryPersistence extends MemoryPersistence {
  private readonly outgoing = new Map<string, OutgoingQueue>();

  private queue(clientId: string): OutgoingQueue {
    let q = this.outgoing.get(clientId);
    if (!q) {
      q = new OutgoingQueue();
      this.outgoing.set(clientId, q);
    }
    return q;
  }

  async outgoingEnqueue(sub: Subscription, packet: OutgoingPacket): Promise<void> {
    this.queue(sub.clientId).push(new Packet(packet));
  }

  async outgoingEnqueueCombi(subs: Subscription[], packet: OutgoingPacket): Promise<void> {
    for (const sub of subs) this.queue(sub.clientId).push(new Packet(packet));
  }

  async outgoingUpdate(client: Client, packet: OutgoingPacket): Promise<void> {
    this.queue(client.id).update(packet);
  }

  async outgoingClearMessageId(client: Client, packet: { messageId: number }): Promise<OutgoingPacket | undefined> {
    return this.outgoing.get(client.id)?.clear(packet.messageId);
  }

  outgoingStream(client: Client): AsyncIterable<OutgoingPacket> {
    // A snapshot, as in the stock implementation, so acknowledgements during replay do not disturb it.
    const snapshot = [...(this.outgoing.get(client.id)?.packets.values() ?? [])];
    return (async function* () {
      yield* snapshot;
    })();
  }
}

/** The persistence to pass to `Aedes.createBroker({ persistence })`. */
export function createIndexedMemoryPersistence(): object {
  return new CallBackPersistence((opts) => new IndexedMemoryPersistence(opts), {});
}
