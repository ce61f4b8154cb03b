/**
 * The behaviour every `ReadingStore` must show, run against each implementation
 * (store-influx.test.ts, store-sqlite.test.ts). Each test writes under its own facility id, so
 * the tests share one store without seeing each other's data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../common/errors.ts';
import type { HistoryPoint, Reading } from '../../common/reading.ts';
import type { ReadingStore, Resolution } from '../../common/store/reading-store.ts';

/** A store under test and how to throw it away. */
export type StoreUnderTest = { store: ReadingStore; cleanup(): Promise<void> };

const MIN = 60_000;
const HOUR = 3_600_000;

/** A reading with defaults; only what a test cares about needs saying. */
export function reading(partial: Partial<Reading> & { time: number; co2: number }): Reading {
  return { facility: 'f', room: 'r', sensor: 's', quality: 'ok', ...partial };
}

/** Exact times, values equal to 9 significant digits (means are floats on both stores). */
export function expectPoints(actual: HistoryPoint[], expected: HistoryPoint[]): void {
  expect(actual.map((p) => p.time)).toEqual(expected.map((p) => p.time));
  actual.forEach((p, i) => {
    const e = expected[i] as HistoryPoint;
    for (const key of ['co2', 'temperature', 'humidity'] as const) {
      if (e[key] === null) expect(p[key], `${key} at ${p.time}`).toBeNull();
      else expect(p[key], `${key} at ${p.time}`).toBeCloseTo(e[key], 6);
    }
  });
}

function point(time: number, co2: number | null, temperature: number | null = null, humidity: number | null = null): HistoryPoint {
  return { time, co2, temperature, humidity };
}

export function describeStoreContract(name: string, make: () => Promise<StoreUnderTest>): void {
  describe(`ReadingStore contract: ${name}`, () => {
    let sut: StoreUnderTest;
    let store: ReadingStore;
    // Whole hours five hours back: "late" for every rollup mechanism, well inside raw retention.
    const H = Math.floor(Date.now() / HOUR) * HOUR - 5 * HOUR;
    const history = (facility: string, room: string, resolution: Resolution, from = H - HOUR, to = H + 3 * HOUR) =>
      store.history({ facility, room, from, to, resolution });

    beforeAll(async () => {
      sut = await make();
      store = sut.store;
      await store.init();
    });
    afterAll(async () => {
      await sut?.cleanup();
    });

    it('can be initialised again', async () => {
      await store.init();
      await store.init();
      expect(await store.ping()).toBe(true);
    });

    it('returns written readings from raw history oldest first with their exact values', async () => {
      const f = 'c-raw';
      await store.write([
        reading({ facility: f, time: H + 2 * MIN, co2: 900, temperature: 22.25, humidity: 41.5 }),
        reading({ facility: f, time: H, co2: 812, temperature: 24.1, humidity: 45.2 }),
        reading({ facility: f, time: H + MIN, co2: 1234 }),
      ]);
      expect(await history(f, 'r', 'raw')).toEqual([point(H, 812, 24.1, 45.2), point(H + MIN, 1234), point(H + 2 * MIN, 900, 22.25, 41.5)]);
    });

    it('counts a reading once however often it is written (whole batch or part of it)', async () => {
      const f = 'c-dup';
      const batch = [reading({ facility: f, time: H, co2: 800 }), reading({ facility: f, time: H + 30_000, co2: 1000 }), reading({ facility: f, time: H + MIN, co2: 600 })];
      await store.write(batch);
      await store.write([batch[1] as Reading]);
      await store.write(batch);
      expect(await history(f, 'r', 'raw')).toHaveLength(3);
      expectPoints(await history(f, 'r', '1m'), [point(H, 900), point(H + MIN, 600)]);
      expectPoints(await history(f, 'r', '1h'), [point(H, 800)]);
    });

    it("averages a room's sensors per minute, each sensor weighing the same", async () => {
      const f = 'c-two';
      await store.write([
        reading({ facility: f, sensor: 'a', time: H, co2: 800, temperature: 22 }),
        reading({ facility: f, sensor: 'a', time: H + 30_000, co2: 1000, temperature: 24 }),
        reading({ facility: f, sensor: 'b', time: H + 10_000, co2: 600, temperature: 20, humidity: 50 }),
      ]);
      expectPoints(await history(f, 'r', '1m'), [point(H, 750, 21.5, 50)]);
    });

    it('has late readings (hours old) in the minute and hour rollups right after the write', async () => {
      const f = 'c-late';
      await store.write([
        reading({ facility: f, sensor: 'a', time: H, co2: 800, temperature: 20 }),
        reading({ facility: f, sensor: 'a', time: H + 20_000, co2: 1000 }),
        reading({ facility: f, sensor: 'a', time: H + MIN, co2: 600, temperature: 26 }),
        reading({ facility: f, sensor: 'a', time: H + 59 * MIN, co2: 700 }),
        reading({ facility: f, sensor: 'b', time: H + 59 * MIN + 30_000, co2: 500 }),
        reading({ facility: f, sensor: 'a', time: H + HOUR + 5 * MIN, co2: 1200 }),
      ]);
      expectPoints(await history(f, 'r', '1m'), [
        point(H, 900, 20), point(H + MIN, 600, 26), point(H + 59 * MIN, 600), point(H + HOUR + 5 * MIN, 1200),
      ]);
      // The hour's mean per sensor is over its readings (a: 775, temperature 23), not over its minutes.
      expectPoints(await history(f, 'r', '1h'), [point(H, (775 + 500) / 2, 23), point(H + HOUR, 1200)]);
    });

    it('keeps flagged readings in raw history but out of the rollups', async () => {
      const f = 'c-flag';
      await store.write([
        reading({ facility: f, time: H, co2: 800 }),
        reading({ facility: f, time: H + 20_000, co2: 9000, quality: 'suspect-high' }),
        reading({ facility: f, time: H + 2 * MIN, co2: 400, quality: 'stuck' }),
      ]);
      expect((await history(f, 'r', 'raw')).map((p) => p.co2)).toEqual([800, 9000, 400]);
      expectPoints(await history(f, 'r', '1m'), [point(H, 800)]);
      expectPoints(await history(f, 'r', '1h'), [point(H, 800)]);
    });

    it('gives the newest ok reading of each room within maxAgeMs', async () => {
      const f = 'c-latest';
      const now = Date.now();
      await store.write([
        reading({ facility: f, room: 'a', sensor: 's1', time: now - 90_000, co2: 700 }),
        reading({ facility: f, room: 'a', sensor: 's2', time: now - 30_000, co2: 750, temperature: 23.5, humidity: 40 }),
        reading({ facility: f, room: 'a', sensor: 's1', time: now - 60_000, co2: 720 }),
        reading({ facility: f, room: 'b', time: now - 20 * MIN, co2: 900 }),
        reading({ facility: f, room: 'c', time: now - 60_000, co2: 650 }),
        reading({ facility: f, room: 'c', time: now - 10_000, co2: 9999, quality: 'suspect-high' }),
      ]);
      const mine = async (maxAge: number) => (await store.latest(maxAge)).filter((l) => l.facility === f);
      expect(await mine(10 * MIN)).toEqual([
        { facility: f, room: 'a', time: now - 30_000, co2: 750, temperature: 23.5, humidity: 40 },
        { facility: f, room: 'c', time: now - 60_000, co2: 650, temperature: null, humidity: null },
      ]);
      expect((await mine(30 * MIN)).map((l) => l.room)).toEqual(['a', 'b', 'c']);
    });

    it('limits history to the asked room and to [from, to)', async () => {
      const f = 'c-range';
      const times = [H, H + MIN, H + 2 * MIN];
      await store.write(
        times.flatMap((time, i) => [
          reading({ facility: f, room: 'r1', time, co2: 500 + i }),
          reading({ facility: f, room: 'r2', time, co2: 900 }),
          reading({ facility: `${f}-other`, room: 'r1', time, co2: 900 }),
        ]),
      );
      expect(await history(f, 'r1', 'raw', H + MIN, H + 2 * MIN)).toEqual([point(H + MIN, 501)]);
      expectPoints(await history(f, 'r1', '1m', H + MIN, H + 2 * MIN), [point(H + MIN, 501)]);
      expectPoints(await history(f, 'r1', '1h', H, H + HOUR), [point(H, 501)]);
      expect(await history(f, 'nowhere', 'raw')).toEqual([]);
    });

    it('keeps ids with line-protocol and query special characters exactly', async () => {
      const facility = `O'Brien "west", 西区=1`;
      const room = '会議室 A\\B=2,3';
      const now = Date.now();
      await store.write([
        reading({ facility, room, sensor: 'x y\\z,"q"=1', time: H, co2: 800 }),
        reading({ facility, room, sensor: 'x y\\z,"q"=1', time: H + 20_000, co2: 5000, quality: 'odd "flag" \\ ' }),
        // A trailing backslash cannot be written exactly in line protocol; the point must still
        // arrive and count, and must not break the rest of the batch.
        reading({ facility, room, sensor: 'edge\\', time: H + 10_000, co2: 1000 }),
        reading({ facility, room, sensor: 'x y\\z,"q"=1', time: now - 1000, co2: 640 }),
      ]);
      expect((await history(facility, room, 'raw')).map((p) => p.co2)).toEqual([800, 1000, 5000]);
      expectPoints(await history(facility, room, '1m'), [point(H, 900)]);
      const latest = (await store.latest(10 * MIN)).filter((l) => l.co2 === 640);
      expect(latest.map((l) => [l.facility, l.room])).toEqual([[facility, room]]);
    });

    it('does not store readings older than raw retention, and keeps the rest of the batch', async () => {
      const f = 'c-expired';
      await store.write([reading({ facility: f, time: Date.now() - 400 * 24 * HOUR, co2: 700 }), reading({ facility: f, time: H, co2: 710 })]);
      expect((await store.history({ facility: f, room: 'r', from: 0, to: H + HOUR, resolution: 'raw' })).map((p) => p.co2)).toEqual([710]);
    });

    it('rejects a batch with a reading no store can hold, storing none of it', async () => {
      const f = 'c-bad';
      const err = await store
        .write([reading({ facility: f, time: H, co2: 700 }), reading({ facility: f, room: '', time: H, co2: 700 })])
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).retryable).toBe(false);
      expect(await history(f, 'r', 'raw')).toEqual([]);
    });

    it('treats an empty write as a no-op', async () => {
      await store.write([]);
      expect(await history('c-empty', 'r', 'raw')).toEqual([]);
    });

    it('can be closed twice, and refuses work afterwards with a retryable error', async () => {
      const other = await make();
      try {
        await other.store.init();
        await other.store.close();
        await other.store.close();
        const err = await other.store.write([reading({ time: H, co2: 700 })]).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(StoreError);
        expect((err as StoreError).retryable).toBe(true);
        expect(await other.store.ping()).toBe(false);
      } finally {
        await other.cleanup();
      }
    });
  });
}
