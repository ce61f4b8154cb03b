/**
 * Every notification channel behind one config schema and one factory, so the notification config
 * loader parses `{ type: 'email', … }` once and gets a `Notifier` without knowing any channel.
 */
import { z } from 'zod';
import { ConfigError } from '../../../../common/errors.ts';
import type { Notifier } from '../notifier.ts';
import type { ChannelDeps } from './channel-deps.ts';
import { createSlackNotifier, createTeamsNotifier, SlackChannelSchema, TeamsChannelSchema } from './chat.ts';
import { createEmailNotifier, EmailChannelSchema } from './email.ts';
import { createLineNotifier, LineChannelSchema } from './line.ts';
import { createMqttNotifier, MqttChannelSchema, type MqttPublish } from './mqtt.ts';
import { createWebhookNotifier, WebhookChannelSchema } from './webhook.ts';

export type { ChannelDeps } from './channel-deps.ts';
export { NOTIFY_ERROR_CODES } from './delivery-errors.ts';
export type { MqttPublish } from './mqtt.ts';

/** One channel's config; `type` picks the channel. Secrets are plain strings here (`env:` already resolved). */
export const ChannelConfigSchema = z.discriminatedUnion('type', [
  WebhookChannelSchema,
  SlackChannelSchema,
  TeamsChannelSchema,
  EmailChannelSchema,
  LineChannelSchema,
  MqttChannelSchema,
]);
/** A parsed channel config of any type. */
export type ChannelConfig = z.infer<typeof ChannelConfigSchema>;

/** The channel types, e.g. for the loader's messages. */
export const CHANNEL_TYPES = ['webhook', 'slack', 'teams', 'email', 'line', 'mqtt'] as const satisfies readonly ChannelConfig['type'][];

/** What `createNotifier` may be given: `publish` is required by MQTT channels only. */
export type NotifierDeps = ChannelDeps & { publish?: MqttPublish };

/** Builds the notifier of one configured channel. Throws `ConfigError` for an MQTT channel without `publish`. */
export function createNotifier(name: string, config: ChannelConfig, deps: NotifierDeps = {}): Notifier {
  const { publish, ...common } = deps;
  switch (config.type) {
    case 'webhook':
      return createWebhookNotifier(name, config, common);
    case 'slack':
      return createSlackNotifier(name, config, common);
    case 'teams':
      return createTeamsNotifier(name, config, common);
    case 'email':
      return createEmailNotifier(name, config, common);
    case 'line':
      return createLineNotifier(name, config, common);
    case 'mqtt':
      if (!publish) throw new ConfigError(`notification channel "${name}" is of type mqtt, but no MQTT publish function was given`);
      return createMqttNotifier(name, config, { ...common, publish });
  }
}
