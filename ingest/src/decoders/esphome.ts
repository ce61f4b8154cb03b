/**
 * ESPHome's MQTT component: every sensor value on its own topic, `{prefix}/sensor/{object_id}/state`,
 * as plain text (`812`, `24.10`, or `nan`/`None` when the sensor has no valid value), and
 * availability on `{prefix}/status` (`online` / `offline`, the latter as Last Will).
 *
 * Only a CO₂ value makes a reading. Temperature and humidity arrive as separate messages, so the
 * latest of each is remembered per device and attached to the next CO₂ value if it is recent.
 */
import type { Registry } from '../../../common/registry.ts';
import type { DecodeResult, Decoder, DeviceRef } from './decoder.ts';
import { decodeStatusWord, toReading } from './third-party.ts';

/**
 * The prefix defaults to the device name (one level) and may be set to a path such as
 * `school/gym`. MQTT cannot match "any number of levels, then `sensor/+/state`", and a `#`
 * subscription would also deliver every other message on the broker (including the ingest's own
 * room states) to the ingest, so prefixes of one and two levels are subscribed explicitly. A deeper
 * prefix needs one more pair of filters here; the decoder itself parses the prefix from the end
 * of the topic and handles any depth.
 */
export const ESPHOME_FILTERS = ['+/sensor/+/state', '+/+/sensor/+/state', '+/status', '+/+/status'] as const;

type Quantity = 'co2' | 'temperature' | 'humidity';

/** Object ids ESPHome derives from common sensor names ("SCD40 CO2" → `scd40_co2`). */
function quantityByName(objectId: string): Quantity | undefined {
  if (objectId === 'co2' || objectId === 'carbon_dioxide' || objectId.endsWith('_co2') || objectId.endsWith('_carbon_dioxide')) return 'co2';
  if (objectId === 'temperature' || objectId.endsWith('_temperature')) return 'temperature';
  if (objectId === 'humidity' || objectId.endsWith('_humidity')) return 'humidity';
  return undefined;
}

/** ESPHome formats numbers with `accuracy_decimals`; anything else (`nan`, `None`, ``) is no value. */
const NUMBER_TEXT = /^-?\d+(?:\.\d+)?$/;

type Remembered = { temperature?: { value: number; at: number }; humidity?: { value: number; at: number } };

export type EsphomeDecoderOptions = {
  /** For explicit `objects` maps; without it only common object names are recognised. */
  registry?: Pick<Registry, 'roomForDevice'>;
  now?: () => number;
  /**
   * How old a remembered temperature/humidity may be and still go with a CO₂ value. ESPHome's
   * default update interval is 60 s, so two minutes tolerates one missed update.
   */
  companionMaxAgeMs?: number;
  /** Devices whose values are remembered at once; the least recently updated is forgotten first. */
  maxDevices?: number;
};

/** Creates an ESPHome decoder; it holds the remembered temperature/humidity, so one per ingest. */
export function createEsphomeDecoder(options: EsphomeDecoderOptions = {}): Decoder {
  const now = options.now ?? Date.now;
  const maxAge = options.companionMaxAgeMs ?? 120_000;
  const maxDevices = options.maxDevices ?? 10_000;
  const remembered = new Map<string, Remembered>();

  /** The quantity an object id measures: the registry's `objects` map first, then common names. */
  const quantityOf = (prefix: string, objectId: string): Quantity | undefined => {
    const room = options.registry?.roomForDevice('esphome', prefix);
    const ref = room?.sensors.find((s) => typeof s === 'object' && 'esphome' in s && s.esphome === prefix);
    const objects = ref && typeof ref === 'object' && 'esphome' in ref ? ref.objects : undefined;
    if (objects) {
      for (const [quantity, id] of Object.entries(objects) as [Quantity, string][]) if (id === objectId) return quantity;
    }
    const byName = quantityByName(objectId);
    // An explicit mapping of a quantity overrides name matching for it (e.g. two temperature sensors).
    if (byName && objects?.[byName] !== undefined) return undefined;
    return byName;
  };

  const remember = (prefix: string, quantity: 'temperature' | 'humidity', value: number | undefined): void => {
    const entry = remembered.get(prefix) ?? {};
    if (value === undefined) delete entry[quantity];
    else entry[quantity] = { value, at: now() };
    // Re-inserting keeps the map in least-recently-updated order for eviction.
    remembered.delete(prefix);
    remembered.set(prefix, entry);
    if (remembered.size > maxDevices) {
      const oldest = remembered.keys().next().value;
      if (oldest !== undefined) remembered.delete(oldest);
    }
  };

  const recent = (prefix: string, quantity: 'temperature' | 'humidity'): number | undefined => {
    const v = remembered.get(prefix)?.[quantity];
    return v && now() - v.at <= maxAge ? v.value : undefined;
  };

  const decodeState = (device: DeviceRef, objectId: string, payload: Buffer): DecodeResult => {
    const quantity = quantityOf(device.id, objectId);
    if (!quantity) return { type: 'ignored', device, detail: `object ${objectId.slice(0, 64)} is not a CO₂, temperature or humidity sensor` };
    const text = payload.toString('utf8').trim();
    if (!NUMBER_TEXT.test(text)) {
      if (quantity !== 'co2') remember(device.id, quantity, undefined);
      return { type: 'reject', reason: 'invalid_payload', detail: `${objectId.slice(0, 64)} has no valid value ("${text.slice(0, 16)}")`, device };
    }
    const value = Number(text);
    if (quantity !== 'co2') {
      // Unknown devices are dead-lettered by the pipeline; remembering them would only fill memory.
      if (options.registry && !options.registry.roomForDevice('esphome', device.id)) return { type: 'ignored', device, detail: 'device not registered' };
      remember(device.id, quantity, value);
      return { type: 'ignored', device, detail: `${quantity} remembered for the next CO₂ value` };
    }
    return toReading(device, { co2: value, temperature: recent(device.id, 'temperature'), humidity: recent(device.id, 'humidity') });
  };

  return {
    name: 'esphome',
    filters: ESPHOME_FILTERS,
    decode(topic: string, payload: Buffer): DecodeResult | null {
      // Kanki's own topics end in `/status` too; they are the native decoder's.
      if (topic.startsWith('kanki/')) return null;
      const parts = topic.split('/');
      if (parts.length >= 4 && parts.at(-1) === 'state' && parts.at(-3) === 'sensor') {
        const prefix = parts.slice(0, -3).join('/');
        const objectId = parts.at(-2) ?? '';
        if (!objectId || parts.slice(0, -3).some((l) => l === '')) return null;
        return decodeState({ kind: 'esphome', id: prefix }, objectId, payload);
      }
      if (parts.length >= 2 && parts.at(-1) === 'status' && parts.slice(0, -1).every((l) => l !== '')) {
        return decodeStatusWord({ kind: 'esphome', id: parts.slice(0, -1).join('/') }, payload, 'online', 'offline');
      }
      return null;
    },
  };
}
