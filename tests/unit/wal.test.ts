import { appendFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Reading } from '../../common/reading.ts';
import { WriteAheadLog, decodeWalLine, encodeWalLine } from '../../ingest/src/wal.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

const reading = (i: number, extra: Partial<Reading> = {}): Reading => ({
  facility: 'f', room: 'r', sensor: 's-1', time: 1_700_000_000_000 + i, co2: 400 + i, temperature: 21.5, humidity: 40, quality: 'ok', ...extra,
});

describe('write-ahead log', () => {
  const dirs: { remove(): void }[] = [];
  const tmp = () => {
    const d = makeTempDir();
    dirs.push(d);
    return d.path;
  };
  afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

  it('encodes and decodes a reading exactly, including names with quotes, commas and non-ASCII', () => {
    const r = reading(1, { facility: 'a,b c=d"e\\f', room: '会議室\n1', humidity: undefined });
    expect(decodeWalLine(encodeWalLine(r).trimEnd())).toEqual({ ...r, humidity: undefined });
    expect(decodeWalLine('{"not":"an array"}')).toBeNull();
    expect(decodeWalLine('[1,2')).toBeNull();
  });

  it('hands out appended readings in order and keeps uncommitted ones across a restart', () => {
    const dir = tmp();
    const wal = new WriteAheadLog({ dir, fsyncIntervalMs: 0 });
    for (let i = 0; i < 10; i++) wal.append(reading(i));
    const first = wal.readBatch(4);
    expect(first.readings.map((r) => r.co2)).toEqual([400, 401, 402, 403]);
    wal.commit(first.end, 4);
    const second = wal.readBatch(3);
    expect(second.readings.map((r) => r.co2)).toEqual([404, 405, 406]);
    // Not committed: the process "crashes" here.
    wal.close();

    const again = new WriteAheadLog({ dir });
    const replay = again.readBatch(100);
    expect(replay.readings.map((r) => r.co2)).toEqual([404, 405, 406, 407, 408, 409]);
    again.commit(replay.end, replay.readings.length);
    expect(again.backlogBytes()).toBe(0);
    expect(again.hasUnread()).toBe(false);
    again.close();
  });

  it('rewinds to the checkpoint after a failed store write', () => {
    const wal = new WriteAheadLog({ dir: tmp() });
    for (let i = 0; i < 5; i++) wal.append(reading(i));
    expect(wal.readBatch(5).readings).toHaveLength(5);
    wal.rewind();
    expect(wal.readBatch(5).readings.map((r) => r.co2)).toEqual([400, 401, 402, 403, 404]);
    wal.close();
  });

  it('rotates segments, reads across them and deletes the ones fully stored', () => {
    const dir = tmp();
    const wal = new WriteAheadLog({ dir, segmentBytes: 500 });
    for (let i = 0; i < 40; i++) wal.append(reading(i));
    expect(readdirSync(dir).filter((f) => f.endsWith('.log')).length).toBeGreaterThan(3);
    const all = wal.readBatch(1000);
    expect(all.readings.map((r) => r.co2)).toEqual(Array.from({ length: 40 }, (_, i) => 400 + i));
    wal.commit(all.end, 40);
    expect(readdirSync(dir).filter((f) => f.endsWith('.log')).length).toBe(1);
    wal.close();
  });

  it('reports full when the backlog reaches its bound, and not after a commit', () => {
    const wal = new WriteAheadLog({ dir: tmp(), maxBytes: 1000 });
    while (!wal.isFull()) wal.append(reading(1));
    const b = wal.readBatch(1000);
    wal.commit(b.end, b.readings.length);
    expect(wal.isFull()).toBe(false);
    wal.close();
  });

  it('skips a line torn by a crash without losing the records around it', () => {
    const dir = tmp();
    const wal = new WriteAheadLog({ dir });
    wal.append(reading(1));
    wal.append(reading(2));
    wal.close();
    const segment = readdirSync(dir).find((f) => f.endsWith('.log'));
    appendFileSync(join(dir, segment as string), '[1700000000003,"f","r","s-1",4');
    const again = new WriteAheadLog({ dir });
    again.append(reading(4));
    const batch = again.readBatch(10);
    expect(batch.readings.map((r) => r.co2)).toEqual([401, 402, 404]);
    expect(batch.corrupt).toBe(1);
    again.close();
  });

  it('starts from the beginning when the checkpoint file is garbage', () => {
    const dir = tmp();
    const wal = new WriteAheadLog({ dir });
    wal.append(reading(1));
    wal.close();
    writeFileSync(join(dir, 'checkpoint.json'), 'not json');
    const again = new WriteAheadLog({ dir });
    expect(again.readBatch(10).readings).toHaveLength(1);
    again.close();
  });
});
