/** The native Kanki format (`kanki/v1/sensors/{id}/reading|status`, contract in common/payloads.ts). */
import { ReadingPayloadSchema, StatusPayloadSchema, describeIssues } from '../../../common/payloads.ts';
import { SENSOR_READINGS_FILTER, SENSOR_STATUS_FILTER, parseSensorTopic } from '../../../common/topics.ts';
import type { DecodeResult, Decoder } from './decoder.ts';

export const nativeDecoder: Decoder = {
  name: 'native',
  filters: [SENSOR_READINGS_FILTER, SENSOR_STATUS_FILTER],
  decode(topic: string, payload: Buffer): DecodeResult | null {
    if (!topic.startsWith('kanki/v1/sensors/')) return null;
    const parsed = parseSensorTopic(topic);
    if (!parsed) return { type: 'reject', reason: 'unknown_topic', detail: `not a Kanki sensor topic: ${topic.slice(0, 200)}` };
    const device = { kind: 'native' as const, id: parsed.sensorId };
    const text = payload.toString('utf8');

    if (parsed.kind === 'status') {
      const trimmed = text.trim();
      let value: unknown = trimmed;
      if (trimmed.startsWith('{')) {
        try {
          value = JSON.parse(trimmed);
        } catch {
          return { type: 'reject', reason: 'malformed_json', detail: 'status payload is not valid JSON', device };
        }
      }
      const status = StatusPayloadSchema.safeParse(value);
      if (!status.success) return { type: 'reject', reason: 'invalid_status', detail: 'status must be "online" or "offline"', device };
      return { type: 'status', device, online: status.data === 'online' };
    }

    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      return { type: 'reject', reason: 'malformed_json', detail: `payload is not valid JSON: ${(err as Error).message}`, device };
    }
    const result = ReadingPayloadSchema.safeParse(json);
    if (!result.success) return { type: 'reject', reason: 'invalid_payload', detail: describeIssues(result.error), device };
    const p = result.data;
    return {
      type: 'reading', device, co2: Math.round(p.co2), temperature: p.temperature, humidity: p.humidity, time: p.ts, seq: p.seq,
      battery: p.battery, rssi: p.rssi,
    };
  },
};
