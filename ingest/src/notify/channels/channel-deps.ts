/** What every channel factory may be given besides its config. */
import type { Logger } from '../../../../common/logger.ts';
import type { Notice, Recipient } from '../notifier.ts';

/** Collaborators of a channel; all optional so a channel can be built in a test with none. */
export type ChannelDeps = {
  /** Gets `debug` lines per delivery (never payloads or secrets). */
  logger?: Logger;
  /** Time zone messages show times in; default Asia/Tokyo. */
  timeZone?: string;
  /** Clock (epoch ms), e.g. for the webhook signature's timestamp. */
  now?: () => number;
};

/** Logs one delivered notice at `debug`: ids only, so a log line never carries message text. */
export function logDelivered(deps: ChannelDeps, channel: { name: string; type: string }, notice: Notice, to: Recipient): void {
  deps.logger?.debug({ channel: channel.name, type: channel.type, deliveryId: notice.deliveryId, recipient: to.id }, 'notification delivered');
}
