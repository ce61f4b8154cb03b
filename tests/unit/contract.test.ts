import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS, levelFor } from '../../common/levels.ts';
import { ReadingPayloadSchema, StatusPayloadSchema } from '../../common/payloads.ts';
import { chooseResolution } from '../../common/store/reading-store.ts';
import { buildRoomStateTopic, buildSensorReadingTopic, parseRoomStateTopic, parseSensorTopic } from '../../common/topics.ts';

describe('levels', () => {
  it.each([
    [399, 'good'], [799, 'good'], [800, 'fair'], [999, 'fair'], [1000, 'ventilate'], [1499, 'ventilate'], [1500, 'critical'], [null, 'nodata'], [Number.NaN, 'nodata'],
  ])('%s ppm is %s', (co2, level) => {
    expect(levelFor(co2, DEFAULT_THRESHOLDS)).toBe(level);
  });
});

describe('topics', () => {
  it('round-trips sensor and room topics and refuses lookalikes', () => {
    expect(parseSensorTopic(buildSensorReadingTopic('nwo-1f-01'))).toEqual({ sensorId: 'nwo-1f-01', kind: 'reading' });
    expect(parseSensorTopic('kanki/v1/sensors/nwo-1f-01/status')).toEqual({ sensorId: 'nwo-1f-01', kind: 'status' });
    expect(parseSensorTopic('kanki/v1/sensors/nwo-1f-01/reading/extra')).toBeNull();
    expect(parseSensorTopic('kanki/v2/sensors/x/reading')).toBeNull();
    expect(parseSensorTopic('kanki/v1/sensors//reading')).toBeNull();
    expect(parseSensorTopic('kanki/v1/sensors/+/reading')).toBeNull();
    expect(parseRoomStateTopic(buildRoomStateTopic('f', 'r'))).toEqual({ facilityId: 'f', roomId: 'r' });
  });
});

describe('native payloads', () => {
  it('accepts the documented example and both time forms, ignoring unknown fields', () => {
    const p = ReadingPayloadSchema.parse({ co2: 812, temperature: 24.1, humidity: 45.2, ts: '2026-11-23T01:02:03Z', seq: 1234, firmware: '1.4.2' });
    expect(p).toEqual({ co2: 812, temperature: 24.1, humidity: 45.2, ts: Date.parse('2026-11-23T01:02:03Z'), seq: 1234 });
    expect(ReadingPayloadSchema.parse({ co2: 500, ts: 1_700_000_000_000 }).ts).toBe(1_700_000_000_000);
  });
  it('reads the optional battery and signal strength, and drops an implausible one without losing the reading', () => {
    expect(ReadingPayloadSchema.parse({ co2: 700, battery: 87, rssi: -61 })).toMatchObject({ co2: 700, battery: 87, rssi: -61 });
    const odd = ReadingPayloadSchema.parse({ co2: 700, battery: '87%', rssi: 12 });
    expect(odd.co2).toBe(700);
    expect(odd.battery).toBeUndefined();
    expect(odd.rssi).toBeUndefined();
  });
  it('refuses a time without a zone (ambiguous)', () => {
    expect(ReadingPayloadSchema.safeParse({ co2: 500, ts: '2026-11-23T01:02:03' }).success).toBe(false);
  });
  it('reads status as plain text or JSON', () => {
    expect(StatusPayloadSchema.parse('online')).toBe('online');
    expect(StatusPayloadSchema.parse({ status: 'offline' })).toBe('offline');
    expect(StatusPayloadSchema.safeParse('Online').success).toBe(false);
  });
});

describe('history resolution', () => {
  const now = Date.parse('2026-11-23T00:00:00Z');
  it.each([
    [3 * 3600_000, 'raw'], [24 * 3600_000, '1m'], [7 * 24 * 3600_000, '1h'], [30 * 24 * 3600_000, '1h'],
  ])('a range of %d ms ending now is %s', (span, res) => {
    expect(chooseResolution(now - span, now, now)).toBe(res);
  });
  it('never picks raw for a range older than raw retention', () => {
    expect(chooseResolution(now - 30 * 24 * 3600_000, now - 30 * 24 * 3600_000 + 3600_000, now)).toBe('1m');
  });
});
