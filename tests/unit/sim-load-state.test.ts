import { describe, expect, it } from 'vitest';
import { ReadingPayloadSchema } from '../../common/payloads.ts';
import { SENSOR_ID_PATTERN } from '../../common/topics.ts';
import { LOAD_ROOM_KINDS, loadRoomConditions } from '../../firmware-sim/src/load-rooms.ts';
import { createLoadState, loadSensorId, loadStateBytes, takeLoadReading, visitDueSensors } from '../../firmware-sim/src/load-state.ts';

const start = Date.parse('2026-11-24T00:00:00Z'); // 09:00 JST, a Tuesday
const intervalMs = 60_000;

describe('load-mode state', () => {
  it('grows linearly with a small constant per sensor', () => {
    const small = loadStateBytes(createLoadState({ sensors: 10_000, seed: 1, startMs: start, intervalMs }));
    const big = loadStateBytes(createLoadState({ sensors: 100_000, seed: 1, startMs: start, intervalMs }));
    expect(big / 100_000).toBeLessThan(48);
    expect(big / small).toBeGreaterThan(9.5);
    expect(big / small).toBeLessThan(10.5);
  });

  it('puts one or two sensors in each room and draws every room kind', () => {
    const s = createLoadState({ sensors: 20_000, seed: 7, startMs: start, intervalMs });
    const perRoom = new Uint8Array(s.rooms);
    for (let i = 0; i < s.sensors; i++) perRoom[s.roomOf[i] as number]! += 1;
    expect(Math.min(...perRoom)).toBe(1);
    expect(Math.max(...perRoom)).toBe(2);
    expect(new Set(s.roomKind).size).toBe(LOAD_ROOM_KINDS.length);
  });

  it('visits every sensor exactly once per interval, in time order, never before it is due', () => {
    const n = 5000;
    const s = createLoadState({ sensors: n, seed: 3, startMs: start, intervalMs });
    const seen = new Uint32Array(n);
    let last = -Infinity;
    let early = 0;
    // Uneven ticks, as a busy event loop gives them.
    for (let now = start; now <= start + 3 * intervalMs - 1; now += 7 + (now % 97)) {
      visitDueSensors(s, now, Infinity, n, (i, at) => {
        if (at > now) early++;
        expect(at).toBeGreaterThanOrEqual(last);
        last = at;
        seen[i]!++;
      });
    }
    // The rest up to the end of the third interval.
    visitDueSensors(s, Infinity, start + 3 * intervalMs, n, (i) => seen[i]!++);
    expect(early).toBe(0);
    expect(Math.min(...seen)).toBe(3);
    expect(Math.max(...seen)).toBe(3);
  });

  it('stops at the end time and at the per-tick limit, and catches up after a long stall', () => {
    const n = 1000;
    const s = createLoadState({ sensors: n, seed: 3, startMs: start, intervalMs });
    expect(visitDueSensors(s, start + 10 * intervalMs, start + intervalMs, 10 * n, () => {})).toBe(n);
    const t = createLoadState({ sensors: n, seed: 3, startMs: start, intervalMs });
    expect(visitDueSensors(t, start + 10 * intervalMs, Infinity, 250, () => {})).toBe(250);
    // The rest of the stall (10 intervals) is visited on later ticks, each sensor 10 times.
    let total = 250;
    for (let k = 0; k < 100; k++) total += visitDueSensors(t, start + 10 * intervalMs, Infinity, n, () => {});
    expect(total).toBe(10 * n);
  });

  it('makes contract readings with per-sensor seq, and the same seed gives the same readings', () => {
    const a = createLoadState({ sensors: 2000, seed: 11, startMs: start, intervalMs });
    const b = createLoadState({ sensors: 2000, seed: 11, startMs: start, intervalMs });
    for (const i of [0, 17, 1999]) {
      const first = JSON.parse(takeLoadReading(a, i, start + 1000, true));
      const second = ReadingPayloadSchema.parse(JSON.parse(takeLoadReading(a, i, start + 61_000, false)));
      expect(ReadingPayloadSchema.parse(first)).toMatchObject({ seq: 0, ts: start + 1000 });
      expect(second.seq).toBe(1);
      expect(second.ts).toBeUndefined();
      expect(takeLoadReading(b, i, start + 1000, true)).toBe(JSON.stringify(first));
      expect(loadSensorId(i)).toMatch(SENSOR_ID_PATTERN);
    }
    expect(loadSensorId(42)).toBe('load-000042');
  });

  it('gives rooms a school-day curve: CO2 rises in use and stays near outdoor air at night', () => {
    const s = createLoadState({ sensors: 3000, seed: 5, startMs: start, intervalMs, warmUpMs: 3_600_000 });
    const co2At = (t: number) => {
      const values: number[] = [];
      for (let i = 0; i < s.sensors; i += 3) values.push(ReadingPayloadSchema.parse(JSON.parse(takeLoadReading(s, i, t, false))).co2);
      return values.reduce((x, y) => x + y, 0) / values.length;
    };
    const morning = co2At(start + 2 * 3_600_000); // 11:00 JST
    const night = co2At(start + 15 * 3_600_000); // 24:00 JST
    expect(morning).toBeGreaterThan(700);
    expect(night).toBeLessThan(560);
    expect(loadRoomConditions(5, 0, 1, Date.parse('2026-11-28T02:00:00Z')).fullness).toBe(0); // classroom on Saturday
  });
});
