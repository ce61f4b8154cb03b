/**
 * What the third-party decoders (Tasmota, ESPHome, AirGradient) share: once a firmware's own
 * field names are mapped, its values pass the very schema native readings do, so a 0 or 65535
 * from an MH-Z19 behind Tasmota is rejected exactly like the same value from a Kanki device.
 */
import { ReadingPayloadSchema, describeIssues } from '../../../common/payloads.ts';
import type { DecodeResult, DecodedReading, DeviceRef } from './decoder.ts';

/** The quantities a firmware message was mapped to, before validation. */
export type MappedValues = {
  co2: unknown;
  temperature?: unknown;
  humidity?: unknown;
  rssi?: unknown;
  /** Device time (epoch ms) when the firmware sent one with a known zone. */
  time?: number;
  /**
   * What tells one message of the device from the next, when the firmware sends one (Tasmota's
   * `Time`, AirGradient's `boot` cycle counter): lets the pipeline drop a QoS 1 redelivery as it
   * does for a native `seq`.
   */
  seq?: number;
};

/** Validates mapped values with the native reading schema and builds the decoded reading. */
export function toReading(device: DeviceRef, values: MappedValues): DecodeResult {
  // Absent optional fields must stay absent (not `undefined` keys) for the schema's `.optional()`.
  const input: Record<string, unknown> = { co2: values.co2 };
  if (values.temperature !== undefined) input.temperature = values.temperature;
  if (values.humidity !== undefined) input.humidity = values.humidity;
  if (values.rssi !== undefined) input.rssi = values.rssi;
  const parsed = ReadingPayloadSchema.safeParse(input);
  if (!parsed.success) return { type: 'reject', reason: 'invalid_payload', detail: describeIssues(parsed.error), device };
  const p = parsed.data;
  const reading: DecodedReading = { type: 'reading', device, co2: Math.round(p.co2) };
  if (p.temperature !== undefined) reading.temperature = p.temperature;
  if (p.humidity !== undefined) reading.humidity = p.humidity;
  if (p.rssi !== undefined) reading.rssi = p.rssi;
  if (values.time !== undefined) reading.time = values.time;
  if (values.seq !== undefined && Number.isSafeInteger(values.seq) && values.seq >= 0) reading.seq = values.seq;
  return reading;
}

/** Parses a JSON object payload, or says why it is not one. */
export function parseJsonObject(payload: Buffer): { ok: true; value: Record<string, unknown> } | { ok: false; reason: 'malformed_json' | 'invalid_payload'; detail: string } {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    return { ok: false, reason: 'malformed_json', detail: `payload is not valid JSON: ${(err as Error).message}` };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, reason: 'invalid_payload', detail: 'payload must be a JSON object' };
  }
  return { ok: true, value: json as Record<string, unknown> };
}

/** A status word (`Online`/`online`, `Offline`/`offline`) as the firmware spells it, or a reject. */
export function decodeStatusWord(device: DeviceRef, payload: Buffer, online: string, offline: string): DecodeResult {
  const word = payload.toString('utf8').trim();
  if (word === online) return { type: 'status', device, online: true };
  if (word === offline) return { type: 'status', device, online: false };
  return { type: 'reject', reason: 'invalid_status', detail: `status must be "${online}" or "${offline}"`, device };
}
