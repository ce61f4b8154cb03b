// Sensor health as the pipeline feeds it: real messages through the real pipeline, fake time.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../common/logger.ts';
import { parseRegistry } from '../../common/registry.ts';
import { DeadLetters } from '../../ingest/src/dead-letters.ts';
import { createIngestMetrics } from '../../ingest/src/metrics.ts';
import { MessagePipeline } from '../../ingest/src/pipeline.ts';
import { RoomStateTracker } from '../../ingest/src/room-state.ts';
import { SensorHealth } from '../../ingest/src/staff/sensor-health.ts';
import { WriteAheadLog } from '../../ingest/src/wal.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

const T0 = Date.parse('2026-11-24T01:00:00Z');
const registry = parseRegistry({
  facilities: [{
    id: 'tobe-elementary', name: { ja: '戸部小学校', en: 'Tobe' }, kind: 'school',
    rooms: [{ id: 'class-1-1', name: { ja: '1年1組', en: 'Class 1-1' }, sensors: ['tbe-c11-01'] }, { id: 'gym', name: { ja: '体育館', en: 'Gym' }, sensors: ['tbe-gym-01'] }],
  }, {
    id: 'msn', name: { ja: '保育園', en: 'Nursery' }, kind: 'nursery', rooms: [{ id: 'age-0', name: { ja: '0歳児室', en: 'Age 0' }, sensors: ['msn-age0-01'] }],
  }],
});

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function setup(unknownCapacity?: number) {
  const dir = makeTempDir();
  const clock = { t: T0 };
  const now = () => clock.t;
  const metrics = createIngestMetrics();
  const wal = new WriteAheadLog({ dir: join(dir.path, 'wal') });
  cleanups.push(() => {
    wal.close();
    dir.remove();
  });
  const health = new SensorHealth(registry, { unknownCapacity });
  const pipeline = new MessagePipeline(
    { maxPayloadBytes: 16_384, maxFutureSkewMs: 120_000, maxPastMs: 144 * 3600_000, suspectAbovePpm: 10_000 },
    {
      registry, wal, metrics, now, storeDown: () => false, health,
      rooms: new RoomStateTracker({ staleAfterMs: 300_000, minIntervalMs: 0 }, { publish: () => {}, now }),
      deadLetters: new DeadLetters({ file: join(dir.path, 'rejected.ndjson'), maxFileBytes: 1 << 20, publishPerSecond: 100 }, { publish: () => {}, metrics, logger: createSilentLogger(), now }),
    },
  );
  const send = (id: string, kind: 'reading' | 'status', payload: string) => pipeline.handle(`kanki/v1/sensors/${id}/${kind}`, Buffer.from(payload));
  return { clock, health, send };
}

describe('sensor health', () => {
  it('lists every registered device, with its last reading, battery, signal, flags and rejects; never-seen ones too', () => {
    const { clock, health, send } = setup();
    send('tbe-c11-01', 'reading', JSON.stringify({ co2: 812, battery: 76, rssi: -70 }));
    clock.t += 60_000;
    send('tbe-c11-01', 'reading', JSON.stringify({ co2: 12_500 }));
    send('tbe-c11-01', 'reading', '{"co2": 0}');
    const c11 = health.list().find((d) => d.sensor === 'tbe-c11-01');
    expect(c11).toMatchObject({
      facility: 'tobe-elementary', room: 'class-1-1', lastSeenAt: T0 + 60_000, lastReadingAt: T0 + 60_000, co2: 12_500, quality: 'suspect-high',
      battery: 76, rssi: -70, readings: 2, flagged: { 'suspect-high': 1 }, rejected: 1, online: true,
    });
    expect(health.list().map((d) => d.sensor)).toEqual(['tbe-c11-01', 'tbe-gym-01', 'msn-age0-01']);
    expect(health.list(['msn'])).toEqual([expect.objectContaining({ sensor: 'msn-age0-01', lastSeenAt: null, online: null })]);
  });

  it('takes online/offline from the status topic (Last Will) and turns online again on a reading', () => {
    const { clock, health, send } = setup();
    send('tbe-gym-01', 'status', 'online');
    clock.t += 1000;
    send('tbe-gym-01', 'status', 'offline');
    expect(health.list().find((d) => d.sensor === 'tbe-gym-01')).toMatchObject({ online: false, statusAt: T0 + 1000, lastSeenAt: T0 + 1000 });
    send('tbe-gym-01', 'reading', JSON.stringify({ co2: 600 }));
    expect(health.list().find((d) => d.sensor === 'tbe-gym-01')?.online).toBe(true);
  });

  it('keeps unknown devices with first and last seen and a count, most recent first, bounded (least recently seen dropped)', () => {
    const { clock, health, send } = setup(2);
    send('ghost-1', 'reading', JSON.stringify({ co2: 500 }));
    clock.t += 1000;
    send('ghost-2', 'status', 'online');
    clock.t += 1000;
    send('ghost-1', 'reading', '{"co2": "bad"}');
    expect(health.unknownDevices()).toEqual([
      { kind: 'native', id: 'ghost-1', firstSeenAt: T0, lastSeenAt: T0 + 2000, messages: 2 },
      { kind: 'native', id: 'ghost-2', firstSeenAt: T0 + 1000, lastSeenAt: T0 + 1000, messages: 1 },
    ]);
    send('ghost-3', 'reading', JSON.stringify({ co2: 500 }));
    expect(health.unknownDevices().map((u) => u.id)).toEqual(['ghost-3', 'ghost-1']);
  });
});
