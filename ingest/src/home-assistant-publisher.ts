/**
 * Sends the Home Assistant discovery configs (`home-assistant.ts`) over the ingest's MQTT client:
 * at every connect, and again when Home Assistant announces `online` on `{prefix}/status` (after
 * a restart it may have lost them, e.g. with a broker that does not keep retained messages).
 */
import type { MqttClient } from 'mqtt';
import type { Logger } from '../../common/logger.ts';
import type { RoomEntry } from '../../common/registry.ts';
import { buildHaStatusTopic } from '../../common/home-assistant-topics.ts';
import { buildDiscovery, type DiscoveryOptions } from './home-assistant.ts';

export type HaDiscovery = {
  /** Subscribes to Home Assistant's status and publishes every config (call on each connect). */
  onConnect(): void;
  /** Takes the message if it is Home Assistant's status (true), republishing on `online`. */
  handle(topic: string, payload: Buffer | string): boolean;
};

export function createHaDiscovery(
  options: DiscoveryOptions,
  deps: { rooms: readonly RoomEntry[]; client: Pick<MqttClient, 'publish' | 'subscribe'>; logger: Logger },
): HaDiscovery {
  const statusTopic = buildHaStatusTopic(options.prefix);
  const messages = buildDiscovery(deps.rooms, options);
  // A birth message and a reconnect close together (or a duplicate delivery) send the configs once.
  let scheduled = false;
  const publishAll = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      let failed = 0;
      for (const m of messages) {
        deps.client.publish(m.topic, m.payload, { retain: m.retain, qos: 1 }, (err) => {
          if (err && failed++ === 0) deps.logger.warn({ err, topic: m.topic }, 'publishing a Home Assistant discovery config failed; they are sent again at the next connect');
        });
      }
      deps.logger.info({ configs: messages.length, prefix: options.prefix }, 'Home Assistant discovery configs sent');
    });
  };
  return {
    onConnect() {
      // QoS 0 like Home Assistant's own birth message; a missed one is covered by the next connect.
      deps.client.subscribe(statusTopic, { qos: 0 }, (err, granted) => {
        if (err || granted?.some((g) => g.qos === 128)) deps.logger.warn({ err, topic: statusTopic }, 'cannot subscribe to Home Assistant\'s status');
      });
      publishAll();
    },
    handle(topic, payload) {
      if (topic !== statusTopic) return false;
      if (payload.toString().trim() === 'online') publishAll();
      return true;
    },
  };
}
