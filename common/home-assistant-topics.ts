/**
 * Topics of Home Assistant's MQTT discovery, built and parsed here only (the ingest publishes
 * them, the broker's ACL checks them). Home Assistant owns this namespace, not the Kanki contract:
 *   {prefix}/{component}/{objectId}/config   discovery config, retained (Kanki: object ids `kanki_…`)
 *   {prefix}/status                          Home Assistant's birth (`online`) and will (`offline`)
 * See https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery
 */

/** Home Assistant's default discovery prefix. */
export const HA_DEFAULT_PREFIX = 'homeassistant';

/** Object ids Home Assistant accepts in a discovery topic (its own regex `[a-zA-Z0-9_-]+`). */
export const HA_OBJECT_ID_PATTERN = /^[A-Za-z0-9_-]+$/;

/** Every object id Kanki publishes starts with this, so the ACL can tell Kanki's configs from others'. */
export const HA_KANKI_OBJECT_PREFIX = 'kanki_';

/** A discovery prefix: one or more topic levels without wildcards, `$` or empty levels. */
export const HA_PREFIX_PATTERN = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;

export function buildHaDiscoveryTopic(prefix: string, component: string, objectId: string): string {
  return `${prefix}/${component}/${objectId}/config`;
}

/** Where Home Assistant announces itself (`online` after it starts: time to send the configs again). */
export function buildHaStatusTopic(prefix: string): string {
  return `${prefix}/status`;
}

/**
 * Is `topic` a Kanki discovery config under `prefix` (`{prefix}/{component}/kanki_…/config`)?
 * The broker lets the ingest publish only these, so it can neither forge Home Assistant's status
 * nor overwrite another integration's entities.
 */
export function isKankiDiscoveryTopic(topic: string, prefix: string): boolean {
  if (!topic.startsWith(`${prefix}/`)) return false;
  const parts = topic.slice(prefix.length + 1).split('/');
  if (parts.length !== 3 || parts[2] !== 'config') return false;
  const [component, objectId] = parts as [string, string, string];
  return /^[a-z_]+$/.test(component) && objectId.startsWith(HA_KANKI_OBJECT_PREFIX) && HA_OBJECT_ID_PATTERN.test(objectId);
}
