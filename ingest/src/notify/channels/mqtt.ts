/**
 * MQTT channel: publishes each notice (plus its rendered Japanese and English text) at QoS 1 on a
 * topic built from a template, for displays, sirens or a facility's own automation that already
 * speak MQTT. The ingest owns the MQTT client and injects `publish`; the notification topics are
 * built here and only here.
 *
 * Default topics: `kanki/v1/notify/{facility}/{room}` for alert notices and
 * `kanki/v1/notify/digest/{recipient}` for digests. Templates may use `{facility}`, `{room}`,
 * `{event}` (the alert event type) and `{recipient}` (the recipient id); a digest template only
 * `{recipient}`.
 */
import { z } from 'zod';
import { TOPIC_ROOT } from '../../../../common/topics.ts';
import { renderBundle } from '../message.ts';
import { DeliveryError, type Notice, type Notifier, type Recipient } from '../notifier.ts';
import { logDelivered, type ChannelDeps } from './channel-deps.ts';
import { abortedError, NOTIFY_ERROR_CODES as CODES } from './delivery-errors.ts';

/** Publishes one message; resolves when the broker acknowledged it (PUBACK for QoS 1). */
export type MqttPublish = (topic: string, payload: string, qos: 0 | 1 | 2) => Promise<void>;

/** Where alert notices go unless configured: one topic per room, so a display subscribes to its own room. */
export const DEFAULT_ALERT_TOPIC_TEMPLATE = `${TOPIC_ROOT}/notify/{facility}/{room}`;
/** Where digests go unless configured: one topic per recipient (a digest spans many rooms). */
export const DEFAULT_DIGEST_TOPIC_TEMPLATE = `${TOPIC_ROOT}/notify/digest/{recipient}`;

const ALERT_PLACEHOLDERS = ['facility', 'room', 'event', 'recipient'] as const;
const DIGEST_PLACEHOLDERS = ['recipient'] as const;

function topicTemplate(allowed: readonly string[]) {
  return z.string().trim().min(1).max(512).superRefine((t, ctx) => {
    // Wildcards and NUL are not allowed in a topic one publishes to (MQTT 3.1.1 §4.7).
    if (/[+#]/.test(t) || t.includes('\0')) ctx.addIssue({ code: 'custom', message: 'a topic to publish to cannot contain +, # or NUL' });
    for (const [, name] of t.matchAll(/\{([^}]*)\}/g)) {
      if (!allowed.includes(name ?? '')) ctx.addIssue({ code: 'custom', message: `unknown placeholder {${name}}; use ${allowed.map((a) => `{${a}}`).join(', ')}` });
    }
  });
}

/** Config of an MQTT channel. */
export const MqttChannelSchema = z.strictObject({
  type: z.literal('mqtt'),
  topic: topicTemplate(ALERT_PLACEHOLDERS).optional()
    .describe(`Topic template for alert notices; default ${DEFAULT_ALERT_TOPIC_TEMPLATE}.`),
  digestTopic: topicTemplate(DIGEST_PLACEHOLDERS).optional()
    .describe(`Topic template for daily digests; default ${DEFAULT_DIGEST_TOPIC_TEMPLATE}.`),
});
/** A parsed MQTT channel config. */
export type MqttChannelConfig = z.infer<typeof MqttChannelSchema>;

/** One topic level from a value: `/` would add levels and `+`/`#` are wildcards, so they become `_`. */
function topicLevel(value: string): string {
  return value.replace(/[/+#]/g, '_').replaceAll('\0', '_') || '_';
}

/** The topic a notice for a recipient is published on. */
export function buildNotifyTopic(config: Pick<MqttChannelConfig, 'topic' | 'digestTopic'>, notice: Notice, to: Recipient): string {
  const values: Record<string, string> = notice.kind === 'alert'
    ? { facility: notice.facility.id, room: notice.room.id, event: notice.event.type, recipient: to.id }
    : { recipient: to.id };
  const template = notice.kind === 'alert' ? config.topic ?? DEFAULT_ALERT_TOPIC_TEMPLATE : config.digestTopic ?? DEFAULT_DIGEST_TOPIC_TEMPLATE;
  return template.replace(/\{([^}]*)\}/g, (whole, name: string) => (values[name] === undefined ? whole : topicLevel(values[name])));
}

/** Rejects when `signal` aborts, so a publish stuck on a broker outage cannot outlive the dispatcher's timeout. */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * A notifier publishing notices through the ingest's MQTT client. A publish that times out may
 * still reach the broker later (the client queues it); receivers de-duplicate on `deliveryId`.
 */
export function createMqttNotifier(name: string, config: MqttChannelConfig, deps: ChannelDeps & { publish: MqttPublish }): Notifier {
  const channel = { name, type: 'mqtt' } as const;
  return {
    ...channel,
    async send(notice: Notice, to: Recipient, signal: AbortSignal): Promise<void> {
      const topic = buildNotifyTopic(config, notice, to);
      const payload = JSON.stringify({
        deliveryId: notice.deliveryId,
        notice,
        message: renderBundle(notice, deps.timeZone ? { timeZone: deps.timeZone } : {}),
      });
      try {
        // QoS 1: a notice must arrive at least once; exactly-once (QoS 2) costs a round trip more
        // and receivers de-duplicate on deliveryId anyway.
        await abortable(deps.publish(topic, payload, 1), signal);
      } catch (err) {
        if (signal.aborted) throw abortedError(signal, `mqtt publish on ${topic}`);
        const detail = err instanceof Error ? err.message : String(err);
        throw new DeliveryError(CODES.mqtt, `mqtt publish on ${topic} failed: ${detail.slice(0, 300)}`, { cause: err, retryable: true });
      }
      logDelivered(deps, channel, notice, to);
    },
  };
}
