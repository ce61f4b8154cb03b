/**
 * Decoders turn one MQTT message into what it means, whatever firmware sent it. The native Kanki
 * format is the first; Tasmota, ESPHome and AirGradient decoders plug in beside it, each claiming
 * its own topics (see `decoders/index.ts`).
 */
import type { DeviceKind } from '../../../common/registry.ts';

export type DeviceRef = { kind: DeviceKind; id: string };

/** Stable reject reasons: metric label values and dead-letter `reason`s. */
export const REJECT_REASONS = [
  'too_large', 'malformed_json', 'invalid_payload', 'invalid_status', 'unknown_topic', 'unknown_device',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export type DecodedReading = {
  type: 'reading';
  device: DeviceRef;
  co2: number;
  temperature?: number;
  humidity?: number;
  /** Device time (epoch ms), when the device sent one. */
  time?: number;
  seq?: number;
  /** Battery charge (%), when the device reports it (sensor health only; not stored). */
  battery?: number;
  /** Signal strength (dBm), when the device reports it (sensor health only; not stored). */
  rssi?: number;
};

export type DecodeResult =
  | DecodedReading
  | { type: 'status'; device: DeviceRef; online: boolean }
  /**
   * Understood and deliberately not a reading: firmware that publishes each quantity on its own
   * topic (ESPHome) sends temperature and humidity apart from CO₂, and a device may carry sensors
   * Kanki does not measure. Not an error, so not dead-lettered; the device still counts as seen.
   */
  | { type: 'ignored'; device: DeviceRef; detail: string }
  | { type: 'reject'; reason: RejectReason; detail: string; device?: DeviceRef };

export interface Decoder {
  readonly name: string;
  /** MQTT subscription filters this decoder needs. */
  readonly filters: readonly string[];
  /** Returns null when the topic is not this decoder's. */
  decode(topic: string, payload: Buffer): DecodeResult | null;
}
