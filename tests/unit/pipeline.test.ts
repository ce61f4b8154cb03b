import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../common/logger.ts';
import { DeadLetterSchema } from '../../common/payloads.ts';
import { parseRegistry } from '../../common/registry.ts';
import { DEAD_LETTER_TOPIC } from '../../common/topics.ts';
import { DeadLetters } from '../../ingest/src/dead-letters.ts';
import { createIngestMetrics } from '../../ingest/src/metrics.ts';
import { MessagePipeline } from '../../ingest/src/pipeline.ts';
import { RoomStateTracker } from '../../ingest/src/room-state.ts';
import { WriteAheadLog } from '../../ingest/src/wal.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

const NOW = Date.parse('2026-11-23T01:00:00Z');
const registry = parseRegistry({
  facilities: [{
    id: 'tobe-elementary', name: { ja: '戸部小学校 "本校", 1=1', en: 'Tobe, "main" school' }, kind: 'school',
    rooms: [
      { id: 'class-1-1', name: { ja: '1年1組', en: 'Class 1-1' }, sensors: ['tbe-c11-01'] },
      { id: 'gym', name: { ja: '体育館', en: 'Gym' }, sensors: ['tbe-gym-01', 'tbe-gym-02'], levels: { ventilate: 1200 } },
    ],
  }],
});

function setup() {
  const dir = makeTempDir();
  const metrics = createIngestMetrics();
  const published: { topic: string; payload: string }[] = [];
  const wal = new WriteAheadLog({ dir: join(dir.path, 'wal') });
  const now = () => NOW;
  const rooms = new RoomStateTracker({ staleAfterMs: 300_000, minIntervalMs: 0 }, { publish: (topic, payload) => published.push({ topic, payload }), now });
  const deadLetters = new DeadLetters(
    { file: join(dir.path, 'rejected.ndjson'), maxFileBytes: 1 << 20, publishPerSecond: 1000 },
    { publish: (topic, payload) => published.push({ topic, payload }), metrics, logger: createSilentLogger(), now },
  );
  const pipeline = new MessagePipeline(
    { maxPayloadBytes: 16_384, maxFutureSkewMs: 120_000, maxPastMs: 144 * 3600_000, suspectAbovePpm: 10_000 },
    { registry, wal, rooms, metrics, deadLetters, now, storeDown: () => false },
  );
  return { dir, metrics, published, wal, rooms, pipeline };
}

const topic = (id: string) => `kanki/v1/sensors/${id}/reading`;
const send = (p: MessagePipeline, id: string, payload: string | Buffer) => p.handle(topic(id), Buffer.isBuffer(payload) ? payload : Buffer.from(payload));

describe('message pipeline', () => {
  let ctx: ReturnType<typeof setup>;
  beforeEach(() => {
    ctx = setup();
  });
  afterEach(() => {
    ctx.wal.close();
    ctx.dir.remove();
  });

  const rejectedCount = async (reason: string) => {
    const m = await ctx.metrics.rejected.get();
    return m.values.find((v) => v.labels.reason === reason)?.value ?? 0;
  };

  it('accepts a valid reading, maps it to its room and keeps the device time', () => {
    const outcome = send(ctx.pipeline, 'tbe-c11-01', JSON.stringify({ co2: 812.4, temperature: 24.1, humidity: 45.2, ts: '2026-11-23T00:59:00Z', seq: 7, extra: 'ignored' }));
    expect(outcome).toBe('accepted');
    const [r] = ctx.wal.readBatch(10).readings;
    expect(r).toEqual({ facility: 'tobe-elementary', room: 'class-1-1', sensor: 'tbe-c11-01', time: Date.parse('2026-11-23T00:59:00Z'), co2: 812, temperature: 24.1, humidity: 45.2, quality: 'ok' });
  });

  it.each([
    ['malformed JSON', '{"co2": 812', 'malformed_json'],
    ['NaN literal', '{"co2": NaN}', 'malformed_json'],
    ['co2 as a string', '{"co2": "812"}', 'invalid_payload'],
    ['co2 "NaN" string', '{"co2": "NaN"}', 'invalid_payload'],
    ['co2 of 0', '{"co2": 0}', 'invalid_payload'],
    ['negative co2', '{"co2": -5}', 'invalid_payload'],
    ['co2 65535 error marker', '{"co2": 65535}', 'invalid_payload'],
    ['co2 missing', '{"temperature": 21}', 'invalid_payload'],
    ['temperature of the wrong type', '{"co2": 700, "temperature": "warm"}', 'invalid_payload'],
    ['humidity out of range', '{"co2": 700, "humidity": 140}', 'invalid_payload'],
    ['an array', '[812]', 'invalid_payload'],
    ['null', 'null', 'invalid_payload'],
    ['a bad timestamp', '{"co2": 700, "ts": "yesterday"}', 'invalid_payload'],
    ['empty payload', '', 'malformed_json'],
  ])('rejects %s with a reason, counts it and dead-letters it', async (_name, payload, reason) => {
    expect(send(ctx.pipeline, 'tbe-c11-01', payload)).toBe('rejected');
    expect(await rejectedCount(reason)).toBe(1);
    expect(ctx.wal.backlogBytes()).toBe(0);
    const letter = ctx.published.find((p) => p.topic === DEAD_LETTER_TOPIC);
    const parsed = DeadLetterSchema.parse(JSON.parse(letter?.payload ?? 'null'));
    expect(parsed.reason).toBe(reason);
    expect(parsed.detail.length).toBeGreaterThan(5);
    expect(parsed.topic).toBe(topic('tbe-c11-01'));
  });

  it('names the field and the problem in the reject detail', () => {
    send(ctx.pipeline, 'tbe-c11-01', '{"co2": 65535}');
    const letter = JSON.parse(ctx.published[0]?.payload ?? '{}') as { detail: string };
    expect(letter.detail).toContain('co2');
    expect(letter.detail).toContain('65535');
  });

  it('rejects a 1 MB payload before parsing it and files only an excerpt', async () => {
    const big = Buffer.alloc(1024 * 1024, 'a');
    expect(send(ctx.pipeline, 'tbe-c11-01', big)).toBe('rejected');
    expect(await rejectedCount('too_large')).toBe(1);
    const filed = readFileSync(join(ctx.dir.path, 'rejected.ndjson'), 'utf8');
    expect(filed.length).toBeLessThan(4096);
    expect(JSON.parse(filed) as { payloadBytes: number }).toMatchObject({ payloadBytes: 1024 * 1024 });
  });

  it('rejects an unknown device and a topic that is not a sensor topic', async () => {
    expect(send(ctx.pipeline, 'stranger-01', '{"co2": 700}')).toBe('rejected');
    expect(await rejectedCount('unknown_device')).toBe(1);
    expect(ctx.pipeline.handle('kanki/v1/sensors/a/b/c', Buffer.from('{}'))).toBe('rejected');
    expect(ctx.pipeline.handle('kanki/v1/sensors/bad id/reading', Buffer.from('{}'))).toBe('rejected');
    expect(await rejectedCount('unknown_topic')).toBe(2);
  });

  it('uses the receive time for a device time a year in the future, and counts it', async () => {
    expect(send(ctx.pipeline, 'tbe-c11-01', JSON.stringify({ co2: 700, ts: '2027-11-23T01:00:00Z' }))).toBe('accepted');
    expect(ctx.wal.readBatch(1).readings[0]?.time).toBe(NOW);
    const m = await ctx.metrics.timestampReplaced.get();
    expect(m.values.find((v) => v.labels.why === 'future')?.value).toBe(1);
  });

  it('accepts epoch-millisecond device times and replaces ones older than raw retention', () => {
    send(ctx.pipeline, 'tbe-c11-01', JSON.stringify({ co2: 700, ts: NOW - 60_000 }));
    send(ctx.pipeline, 'tbe-c11-01', JSON.stringify({ co2: 701, ts: NOW - 365 * 24 * 3600_000 }));
    expect(ctx.wal.readBatch(2).readings.map((r) => r.time)).toEqual([NOW - 60_000, NOW]);
  });

  it('drops a QoS 1 redelivery without device time by its seq, but not a new seq', async () => {
    send(ctx.pipeline, 'tbe-c11-01', '{"co2": 700, "seq": 1}');
    expect(send(ctx.pipeline, 'tbe-c11-01', '{"co2": 700, "seq": 1}')).toBe('duplicate');
    expect(send(ctx.pipeline, 'tbe-c11-01', '{"co2": 705, "seq": 2}')).toBe('accepted');
    expect(ctx.wal.readBatch(10).readings).toHaveLength(2);
    expect((await ctx.metrics.duplicates.get()).values[0]?.value).toBe(1);
  });

  it('stores very high values flagged, and keeps them out of the room state', () => {
    send(ctx.pipeline, 'tbe-c11-01', '{"co2": 15000}');
    expect(ctx.wal.readBatch(1).readings[0]?.quality).toBe('suspect-high');
    ctx.rooms.tick();
    expect(ctx.rooms.snapshot()[0]).toMatchObject({ level: 'nodata', co2: null });
  });

  it('derives the room state from the median of its sensors with the room thresholds', () => {
    send(ctx.pipeline, 'tbe-gym-01', '{"co2": 1100}');
    send(ctx.pipeline, 'tbe-gym-02', '{"co2": 1150}');
    ctx.rooms.tick();
    const gym = ctx.rooms.snapshot().find((s) => s.room === 'gym');
    // 1125 is "ventilate" by default, but the gym's own threshold is 1200.
    expect(gym).toMatchObject({ co2: 1125, level: 'fair', stale: false });
    const state = ctx.published.filter((p) => p.topic === 'kanki/v1/rooms/tobe-elementary/gym/state').at(-1);
    expect(JSON.parse(state?.payload ?? '{}')).toMatchObject({ co2: 1125, level: 'fair' });
    expect(state?.payload).not.toContain('tbe-gym');
  });

  it('marks a room no-data when its only sensor says offline', () => {
    send(ctx.pipeline, 'tbe-c11-01', '{"co2": 900}');
    ctx.rooms.tick();
    expect(ctx.pipeline.handle('kanki/v1/sensors/tbe-c11-01/status', Buffer.from('offline'))).toBe('status');
    ctx.rooms.tick();
    expect(ctx.rooms.snapshot()[0]).toMatchObject({ level: 'nodata', co2: null, stale: true });
    expect(ctx.pipeline.handle('kanki/v1/sensors/tbe-c11-01/status', Buffer.from('sleepy'))).toBe('rejected');
  });
});
