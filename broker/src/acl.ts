/**
 * Who may publish, subscribe to and receive what: pure functions of (identity, topic), so every rule
 * is table-tested without a broker. The broker calls them from its aedes hooks (see `auth.ts`).
 *
 * Rules (README "ACL"):
 * - device `{id}`: publishes only its `reading` and `status` (and a will on them), subscribes only
 *   under `kanki/v1/sensors/{id}/`.
 * - third-party firmware cannot be told Kanki's topics, so a device declared with a `firmware`
 *   gets that firmware's own topics instead (and no Kanki topics), still bound to its username:
 *   Tasmota `{topic}` publishes under `tele/{topic}/` and `stat/{topic}/`, reads `cmnd/{topic}/`;
 *   ESPHome `{prefix}` publishes and reads under `{prefix}/`; AirGradient `{serial}` publishes
 *   only `airgradient/readings/{serial}`.
 * - service role `ingest`: the trusted consumer; publishes under rooms/, alerts/, ingest/ and notify/,
 *   and its Home Assistant discovery configs `homeassistant/{component}/kanki_…/config` (only the
 *   default prefix: a custom `HA_DISCOVERY_PREFIX` needs another broker or development mode).
 * - service role `reader` (dashboard): reads rooms/ and alerts/, publishes nothing.
 * - service role `home-assistant` (an existing Home Assistant using Kanki's broker): reads the
 *   discovery configs under `homeassistant/` and the room states they point at; publishes only its
 *   birth and will on `homeassistant/status` (which makes the ingest republish the configs).
 * - anonymous (development mode without a secrets file): anything except `$`-topics.
 */
import { HA_DEFAULT_PREFIX, isKankiDiscoveryTopic } from '../../common/home-assistant-topics.ts';
import {
  SENSOR_ID_PATTERN,
  TOPIC_ROOT,
  buildSensorReadingTopic,
  buildSensorStatusTopic,
  buildSensorTopicPrefix,
} from '../../common/topics.ts';

/** The roles a service client can have in the secrets file. */
export const SERVICE_ROLES = ['ingest', 'reader', 'home-assistant'] as const;
export type ServiceRole = (typeof SERVICE_ROLES)[number];

/** Device firmware families the broker knows the topics of (`native` = the Kanki contract). */
export const DEVICE_FIRMWARE = ['native', 'tasmota', 'esphome', 'airgradient'] as const;
export type DeviceFirmware = (typeof DEVICE_FIRMWARE)[number];

/** Who a connected client is, as established by authentication. */
export type Identity =
  /** `firmware` defaults to `native`. */
  | { kind: 'device'; id: string; firmware?: DeviceFirmware }
  | { kind: 'service'; name: string; role: ServiceRole }
  | { kind: 'anonymous' };

// Prefixes a role may write to / read from. Each ends with '/', so `kanki/v1/rooms` itself and
// look-alikes such as `kanki/v1/roomsX/...` never match.
const ROOMS_PREFIX = `${TOPIC_ROOT}/rooms/`;
const ALERTS_PREFIX = `${TOPIC_ROOT}/alerts/`;
const INGEST_PREFIX = `${TOPIC_ROOT}/ingest/`;
/** Notifications of the MQTT channel (e.g. for a lamp or a building system in a facility). */
const NOTIFY_PREFIX = `${TOPIC_ROOT}/notify/`;
const INGEST_PUBLISH_PREFIXES = [ROOMS_PREFIX, ALERTS_PREFIX, INGEST_PREFIX, NOTIFY_PREFIX];
const READER_READ_PREFIXES = [ROOMS_PREFIX, ALERTS_PREFIX];
/** Home Assistant's MQTT integration subscribes to its discovery prefix and the state topics. */
const HOME_ASSISTANT_READ_PREFIXES = [`${HA_DEFAULT_PREFIX}/`, ROOMS_PREFIX];
/** Home Assistant's birth and last-will topic (its MQTT integration's default). */
const HOME_ASSISTANT_STATUS_TOPIC = `${HA_DEFAULT_PREFIX}/status`;

/** The prefixes a service role may read. */
function serviceReadPrefixes(role: ServiceRole): readonly string[] {
  return role === 'home-assistant' ? HOME_ASSISTANT_READ_PREFIXES : READER_READ_PREFIXES;
}

// Longest topic we accept; MQTT allows 65535 bytes, nothing in Kanki needs more than a few dozen.
const MAX_TOPIC_LENGTH = 512;

/**
 * A topic name a client may publish to at all: non-empty, no wildcards, no NUL (forbidden by
 * MQTT-4.7.3-2), not a `$` system topic (clients must not forge broker messages).
 */
export function isPublishableTopic(topic: string): boolean {
  return (
    topic.length > 0 &&
    topic.length <= MAX_TOPIC_LENGTH &&
    !topic.startsWith('$') &&
    !topic.includes('\u0000') &&
    !/[+#]/.test(topic)
  );
}

/**
 * A well-formed subscription filter: `#` only as the whole last level, `+` only as a whole level,
 * no NUL. Filters starting with `$` are well-formed but only anonymous clients may use them.
 */
export function isValidTopicFilter(filter: string): boolean {
  if (filter.length === 0 || filter.length > MAX_TOPIC_LENGTH || filter.includes('\u0000')) return false;
  const levels = filter.split('/');
  return levels.every((level, i) => {
    if (level === '#') return i === levels.length - 1;
    return level === '+' || !/[+#]/.test(level);
  });
}

/**
 * A level we accept inside a prefix we grant: non-empty (an empty level is a distinct topic that
 * the ingest's parsers would never see) and not `.`/`..`, which MQTT treats literally but which
 * could be mistaken for path steps by anything that maps topics to files or URLs.
 */
function isSafeLevel(level: string): boolean {
  return level.length > 0 && level !== '.' && level !== '..';
}

/** `topic` is a concrete topic strictly below `prefix` with only safe levels. */
function isTopicUnder(topic: string, prefix: string): boolean {
  if (!topic.startsWith(prefix)) return false;
  const rest = topic.slice(prefix.length);
  return rest.length > 0 && rest.split('/').every(isSafeLevel);
}

/**
 * `filter` can only ever match topics under `prefix`: the prefix is matched literally (no wildcard
 * can widen it) and every further level is `+`, a final `#`, or a safe literal level.
 */
function isFilterUnder(filter: string, prefix: string): boolean {
  if (!filter.startsWith(prefix) || !isValidTopicFilter(filter)) return false;
  const rest = filter.slice(prefix.length);
  return rest.length > 0 && rest.split('/').every((level) => level === '+' || level === '#' || isSafeLevel(level));
}

/** The prefix a device owns, or null if its id could smuggle wildcards or separators into it. */
function devicePrefix(id: string): string | null {
  return SENSOR_ID_PATTERN.test(id) ? buildSensorTopicPrefix(id) : null;
}

/**
 * Where a third-party device may publish, read and receive: prefixes that end in `/` and embed its
 * own id, so it can never write as another device or into `kanki/v1/`. Tasmota also answers
 * commands on `stat/` and sends `tele/{topic}/STATE`, `INFO1`…; refusing a publish disconnects
 * the client (MQTT 3.1.1), so its whole own telemetry tree is allowed, not just SENSOR and LWT.
 * ESPHome must run with `discovery: false`, since Home Assistant discovery writes elsewhere.
 */
function firmwareTopics(firmware: Exclude<DeviceFirmware, 'native'>, id: string): { publish: string[]; read: string[]; exact?: string } {
  switch (firmware) {
    case 'tasmota':
      return { publish: [`tele/${id}/`, `stat/${id}/`], read: [`cmnd/${id}/`] };
    case 'esphome':
      return { publish: [`${id}/`], read: [`${id}/`] };
    case 'airgradient':
      return { publish: [], read: [], exact: `airgradient/readings/${id}` };
  }
}

/** A third-party device's id must not be able to reach into Kanki's own tree (ESPHome prefix `kanki`). */
function thirdParty(identity: { id: string; firmware?: DeviceFirmware }): ReturnType<typeof firmwareTopics> | null {
  if (!identity.firmware || identity.firmware === 'native') return null;
  if (!SENSOR_ID_PATTERN.test(identity.id) || identity.id === TOPIC_ROOT.split('/')[0]) return { publish: [], read: [] };
  return firmwareTopics(identity.firmware, identity.id);
}

/** May `identity` publish a message (or register a Last Will) on `topic`? */
export function mayPublish(identity: Identity, topic: string): boolean {
  if (!isPublishableTopic(topic)) return false;
  switch (identity.kind) {
    case 'anonymous':
      return true;
    case 'device': {
      const third = thirdParty(identity);
      if (third) return topic === third.exact || third.publish.some((p) => isTopicUnder(topic, p));
      // Exactly the two topics of the contract, not the whole subtree: every retained topic a
      // device could invent would cost broker memory until restart.
      return (
        devicePrefix(identity.id) !== null &&
        (topic === buildSensorReadingTopic(identity.id) || topic === buildSensorStatusTopic(identity.id))
      );
    }
    case 'service':
      if (identity.role === 'home-assistant') return topic === HOME_ASSISTANT_STATUS_TOPIC;
      return identity.role === 'ingest' && (INGEST_PUBLISH_PREFIXES.some((p) => isTopicUnder(topic, p)) || isKankiDiscoveryTopic(topic, HA_DEFAULT_PREFIX));
  }
}

/** May `identity` subscribe with `filter`? Wildcards may never widen a granted prefix. */
export function maySubscribe(identity: Identity, filter: string): boolean {
  if (!isValidTopicFilter(filter)) return false;
  switch (identity.kind) {
    case 'anonymous':
      return true;
    case 'device': {
      const third = thirdParty(identity);
      if (third) return third.read.some((p) => isFilterUnder(filter, p));
      const prefix = devicePrefix(identity.id);
      return prefix !== null && isFilterUnder(filter, prefix);
    }
    case 'service':
      if (identity.role === 'ingest') {
        // The ingest is the trusted consumer of all device data and also subscribes to third-party
        // firmware filters (Tasmota `tele/+/SENSOR`, ESPHome `+/sensor/+/state`, …); MQTT.js turns
        // a refused subscription into an error, so only broker-internal `$` topics are withheld.
        return !filter.startsWith('$');
      }
      return serviceReadPrefixes(identity.role).some((p) => isFilterUnder(filter, p));
  }
}

/**
 * May a message on the concrete `topic` be delivered to `identity`? Checked on every delivery
 * (aedes `authorizeForward`) as a second line of defence: it also covers subscriptions restored
 * from a persistent session and retained messages.
 */
export function mayReceive(identity: Identity, topic: string): boolean {
  switch (identity.kind) {
    case 'anonymous':
      return true;
    case 'device': {
      const third = thirdParty(identity);
      if (third) return third.read.some((p) => topic.startsWith(p));
      const prefix = devicePrefix(identity.id);
      return prefix !== null && topic.startsWith(prefix);
    }
    case 'service':
      if (topic.startsWith('$')) return false;
      return identity.role === 'ingest' || serviceReadPrefixes(identity.role).some((p) => topic.startsWith(p));
  }
}

/** A short label for logs: never contains a secret. */
export function describeIdentity(identity: Identity): string {
  switch (identity.kind) {
    case 'anonymous':
      return 'anonymous';
    case 'device':
      return identity.firmware && identity.firmware !== 'native' ? `${identity.firmware} device ${identity.id}` : `device ${identity.id}`;
    case 'service':
      return `service ${identity.name} (${identity.role})`;
  }
}
