import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../common/errors.ts';
import { createSilentLogger } from '../../common/logger.ts';
import { createSqliteStore } from '../../common/store/sqlite-store.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { describeStoreContract, expectPoints, reading } from './store-contract.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const logger = createSilentLogger();
const dir = makeTempDir('kanki-sqlite-store-');
let files = 0;
const nextFile = () => join(dir.path, 'nested', `store-${++files}.sqlite`);

afterAll(() => dir.remove());

describeStoreContract('sqlite', async () => {
  const store = createSqliteStore({ file: nextFile() }, { logger });
  return { store, cleanup: () => store.close() };
});

describe('SQLite store', () => {
  it('keeps its data across a close and reopen of the same file', async () => {
    const file = nextFile();
    const H = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
    const first = createSqliteStore({ file }, { logger });
    await first.init();
    await first.write([reading({ time: H, co2: 800 }), reading({ time: H + 30_000, co2: 1000 }), reading({ time: Date.now() - 1000, co2: 650 })]);
    await first.close();

    const second = createSqliteStore({ file }, { logger });
    await second.init();
    const q = { facility: 'f', room: 'r', from: H, to: H + HOUR };
    expect((await second.history({ ...q, resolution: 'raw' })).map((p) => p.co2)).toEqual([800, 1000]);
    expectPoints(await second.history({ ...q, resolution: '1m' }), [{ time: H, co2: 900, temperature: null, humidity: null }]);
    expect((await second.latest(60_000)).map((l) => l.co2)).toEqual([650]);
    // Written again after the reopen: still counted once.
    await second.write([reading({ time: H + 30_000, co2: 1000 })]);
    expectPoints(await second.history({ ...q, resolution: '1h' }), [{ time: H, co2: 900, temperature: null, humidity: null }]);
    await second.close();
  });

  it('prunes raw readings and rollups past their retention, keeping hourly rollups forever when asked', async () => {
    const t0 = Math.floor(Date.now() / HOUR) * HOUR;
    let now = t0 + 10 * 60_000;
    const store = createSqliteStore(
      { file: nextFile(), retention: { raw: DAY, minute: 3 * DAY, hour: 0 }, pruneIntervalMs: 20 },
      { logger, now: () => now },
    );
    await store.init();
    await store.write([reading({ time: t0, co2: 700 }), reading({ time: t0 + 60_000, co2: 900 })]);
    const q = { facility: 'f', room: 'r', from: t0, to: t0 + HOUR };
    const count = async (resolution: 'raw' | '1m' | '1h') => (await store.history({ ...q, resolution })).length;
    expect([await count('raw'), await count('1m'), await count('1h')]).toEqual([2, 2, 1]);

    now = t0 + DAY + 2 * 60_000;
    await waitFor(async () => (await count('raw')) === 0, 5000, 'raw readings pruned');
    expect([await count('1m'), await count('1h')]).toEqual([2, 1]);
    expect(await store.latest(10 * DAY)).toEqual([]);

    now = t0 + 3 * DAY + 2 * 60_000;
    await waitFor(async () => (await count('1m')) === 0, 5000, 'minute rollups pruned');
    // Years later: a fresh reading expiring proves prune ticks ran, and the hourly rollup is still there.
    now = t0 + 3000 * DAY;
    await store.write([reading({ room: 'probe', time: now, co2: 600 })]);
    now += DAY + 60_000;
    await waitFor(async () => (await store.history({ facility: 'f', room: 'probe', from: 0, to: now, resolution: 'raw' })).length === 0, 5000, 'probe pruned');
    expect(await count('1h')).toBe(1);
    await store.close();
  });

  it('reports a path it cannot create as a clear, non-retryable StoreError', async () => {
    const blocker = join(dir.path, 'not-a-directory');
    writeFileSync(blocker, 'x');
    const store = createSqliteStore({ file: join(blocker, 'kanki.sqlite') }, { logger });
    const err = await store.init().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ code: 'KANKI_STORE_OPEN', retryable: false });
    expect((err as Error).message).toContain(blocker);
    expect(await store.ping()).toBe(false);
    await store.close();
  });

  it('reports a file that is not a SQLite database as a clear StoreError', async () => {
    const file = join(dir.path, 'garbage.sqlite');
    writeFileSync(file, 'this is not a database, just some text that is long enough to have a header'.repeat(10));
    const store = createSqliteStore({ file }, { logger });
    const err = await store.write([reading({ time: Date.now(), co2: 700 })]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'KANKI_STORE_OPEN', retryable: false });
    expect((err as Error).message).toMatch(/not a database/i);
    await store.close();
  });
});
