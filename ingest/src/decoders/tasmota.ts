/**
 * Tasmota (`tele/{topic}/SENSOR` telemetry JSON, `tele/{topic}/LWT` availability). The device id is
 * Tasmota's `%topic%` with the default FullTopic `%prefix%/%topic%/`, so it is one topic level.
 *
 * ```json
 * {"Time":"2024-01-01T10:31:09","SCD40":{"CarbonDioxide":1204,"eCO2":1235,"Temperature":28.8,"Humidity":47.5,"DewPoint":16.5},"TempUnit":"C"}
 * ```
 */
import { z } from 'zod';
import type { DecodeResult, Decoder, DeviceRef } from './decoder.ts';
import { decodeStatusWord, parseJsonObject, toReading } from './third-party.ts';

/** Subscription filters: telemetry and the retained Last Will (`Online` / `Offline`). */
export const TASMOTA_FILTERS = ['tele/+/SENSOR', 'tele/+/LWT'] as const;

/**
 * Keys of Tasmota's CO₂ drivers, asked first so that a device with two sensors reports the same
 * one every time (SCD30/SCD4x are more accurate than the MH-Z19, which comes after them).
 * Any other object with a numeric `CarbonDioxide` is accepted too, for drivers not listed here.
 */
const KNOWN_CO2_KEYS = ['SCD40', 'SCD41', 'SCD30', 'S8', 'SenseAir', 'MHZ19B', 'MH-Z19', 'MHZ19'] as const;

/** Only these fields are read; the rest of a sensor object (eCO2, DewPoint, …) is ignored. */
const Co2ObjectSchema = z.looseObject({
  CarbonDioxide: z.number(),
  Temperature: z.number().optional(),
  Humidity: z.number().optional(),
});
type Co2Object = z.infer<typeof Co2ObjectSchema>;

/**
 * A timestamp with an explicit zone. Tasmota's `Time` is local time *without* a zone by default,
 * and the device's zone setting is not visible in the message: reading it as UTC would misplace
 * every reading in Japan by nine hours, so such a time is treated as absent and the receive time
 * is used (telemetry is published as it is measured, so that costs at most the network delay).
 * Only a time that carries `Z` or an offset (e.g. with `TimeZone` and `SetOption52 1`) is kept.
 */
const ZONED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})$/;
/** Any `Time` Tasmota prints, zoned or not. */
const ANY_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/;

/**
 * The message's identity for duplicate detection: its `Time` in whole seconds, read as if UTC. The
 * zone does not matter here, only that two telemetry messages never share a second (TelePeriod is
 * at least 10 s), so a QoS 1 redelivery without a usable time is still recognised.
 */
function messageSecond(time: unknown): number | undefined {
  if (typeof time !== 'string' || !ANY_TIME.test(time)) return undefined;
  const ms = Date.parse(`${time.slice(0, 19)}Z`);
  return Number.isFinite(ms) && ms >= 0 ? Math.floor(ms / 1000) : undefined;
}

function findCo2Object(message: Record<string, unknown>): { key: string; sensor: Co2Object } | undefined {
  const keys = [...KNOWN_CO2_KEYS.filter((k) => k in message), ...Object.keys(message)];
  for (const key of keys) {
    const parsed = Co2ObjectSchema.safeParse(message[key]);
    if (parsed.success) return { key, sensor: parsed.data };
  }
  return undefined;
}

function decodeSensor(device: DeviceRef, payload: Buffer): DecodeResult {
  const json = parseJsonObject(payload);
  if (!json.ok) return { type: 'reject', reason: json.reason, detail: json.detail, device };
  const found = findCo2Object(json.value);
  if (!found) return { type: 'reject', reason: 'invalid_payload', detail: 'no sensor object with a numeric CarbonDioxide in this message', device };
  const { key, sensor } = found;
  // The MH-Z19 reports 0 during its ~3-minute preheat after power-on; say so rather than "≤ 0".
  if (sensor.CarbonDioxide === 0) return { type: 'reject', reason: 'invalid_payload', detail: `${key}.CarbonDioxide is 0: sensor warming up`, device };
  const fahrenheit = json.value.TempUnit === 'F';
  const time = typeof json.value.Time === 'string' && ZONED_TIME.test(json.value.Time) ? Date.parse(json.value.Time) : undefined;
  return toReading(device, {
    co2: sensor.CarbonDioxide,
    temperature: sensor.Temperature !== undefined && fahrenheit ? Math.round(((sensor.Temperature - 32) * 5 / 9) * 10) / 10 : sensor.Temperature,
    humidity: sensor.Humidity,
    time: time !== undefined && Number.isFinite(time) ? time : undefined,
    seq: messageSecond(json.value.Time),
  });
}

export const tasmotaDecoder: Decoder = {
  name: 'tasmota',
  filters: TASMOTA_FILTERS,
  decode(topic: string, payload: Buffer): DecodeResult | null {
    const parts = topic.split('/');
    if (parts.length !== 3 || parts[0] !== 'tele' || !parts[1]) return null;
    const device: DeviceRef = { kind: 'tasmota', id: parts[1] };
    if (parts[2] === 'SENSOR') return decodeSensor(device, payload);
    if (parts[2] === 'LWT') return decodeStatusWord(device, payload, 'Online', 'Offline');
    return null;
  },
};
