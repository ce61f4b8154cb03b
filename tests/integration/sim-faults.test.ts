/**
 * Every fault of the simulator (`--faults`), run for real — simulator, aedes broker, ingest and a
 * SQLite store — and what Kanki does with it: the quality flag each reading is stored with, the
 * rejects by reason, duplicates, replaced timestamps, late readings stored at their own time,
 * devices going offline and online, and that no reading is lost on the way. The simulator tells
 * the test which reading got which fault (`onFault`), so each expectation names exact readings.
 *
 * Simulated time runs 600–3600 times faster than real time, so device timestamps (`--timestamps
 * device`) are used with a start in the past: they stay plausible to the ingest, and a stored
 * reading can be matched to the simulated instant it was taken at.
 */
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../common/logger.ts';
import { parseRegistry, type Registry } from '../../common/registry.ts';
import { startSimulator, type SimStats } from '../../firmware-sim/src/app.ts';
import { parseSimArgs } from '../../firmware-sim/src/config.ts';
import { startDevice } from '../../firmware-sim/src/device.ts';
import type { FaultEvent } from '../../firmware-sim/src/fault-runner.ts';
import type { Ingest } from '../../ingest/src/app.ts';
import { startIngestFixture } from '../helpers/ingest-fixture.ts';
import { connectClient, startTestBroker } from '../helpers/mqtt.ts';
import { waitFor } from '../helpers/wait-for.ts';

const logger = createSilentLogger();
const MIN = 60_000;
const HOUR = 3_600_000;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** One facility, one room per device; devices are native ids or third-party references. */
function registryOf(sensors: unknown[]): Registry {
  return parseRegistry({
    facilities: [{
      id: 'faults-school', name: { ja: '試験小学校', en: 'Test Elementary School' }, kind: 'school',
      rooms: sensors.map((s, i) => ({ id: `room-${i + 1}`, name: { ja: `教室${i + 1}`, en: `Room ${i + 1}` }, sensors: [s] })),
    }],
  });
}
const natives = (n: number) => registryOf(Array.from({ length: n }, (_, i) => `fault-s${i + 1}`));

/** A whole minute `hoursBack` hours ago: device times from there stay in the past for the run. */
const past = (hoursBack: number) => Math.floor((Date.now() - hoursBack * HOUR) / MIN) * MIN;

type Row = { sensor: string; time: number; co2: number; quality: string };
type Run = {
  ingest: Ingest; stats: SimStats; events: FaultEvent[]; rows: Row[];
  /** Connections the broker accepted, by device client id. */
  connects: Map<string, number>;
  /** Before the clean close: `offline` statuses the ingest had (Last Wills), and each device's retained status. */
  willsSeen: number; retained: Map<string, string>;
};

const count = async (ingest: Ingest, metric: keyof Ingest['metrics'], labels: Record<string, string> = {}) => {
  const m = ingest.metrics[metric] as { get(): Promise<{ values: { value: number; labels: Record<string, unknown> }[] }> };
  const values = (await m.get()).values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return values.reduce((sum, v) => sum + v.value, 0);
};

/** The retained status of each of the `natives` native devices, as a subscriber (or a restarting ingest) gets it. */
async function retainedStatuses(url: string, natives: number): Promise<Map<string, string>> {
  const client = await connectClient(url);
  const statuses = new Map<string, string>();
  client.on('message', (topic, payload) => statuses.set(topic.split('/')[3] ?? topic, payload.toString()));
  await client.subscribeAsync('kanki/v1/sensors/+/status', { qos: 1 });
  await waitFor(() => statuses.size === natives, 5000, 'a retained status per native device');
  await client.endAsync();
  return statuses;
}

/**
 * Runs the simulator with `faults` until `--duration` is reached and everything it published has
 * been taken in by the ingest and written to the store.
 */
async function runFaults(o: {
  registry: Registry; faults: string; minutes: number; speed: number; ts: boolean; start?: number; seed?: number; env?: Record<string, string>;
}): Promise<Run> {
  const { broker, ingest, dataDir } = await startIngestFixture(o.registry, cleanups, { INGEST_WARMUP_SECONDS: '0', ...o.env });
  const connects = new Map<string, number>();
  broker.broker.on('client', (c) => {
    if (c.id.startsWith('fault-')) connects.set(c.id, (connects.get(c.id) ?? 0) + 1);
  });
  const events: FaultEvent[] = [];
  const sim = await startSimulator(parseSimArgs([
    '--broker', broker.url, '--speed', String(o.speed), '--interval', '60', '--seed', String(o.seed ?? 1),
    '--start', new Date(o.start ?? past(6)).toISOString(), '--duration', String(o.minutes * 60), '--timestamps', o.ts ? 'device' : 'none',
    '--reconnect-min', '0.05', '--reconnect-max', '0.5', '--log-level', 'silent', '--faults', o.faults,
  ], {}), { logger, registry: o.registry, onFault: (e) => events.push(e) });
  cleanups.push(() => sim.close());
  await sim.done;
  const devices = sim.stats().devices;
  await waitFor(() => {
    const s = sim.stats();
    return s.connected === devices && s.buffered === 0 && s.inflight === 0;
  }, 20_000, 'every device connected with nothing left to send');
  const willsSeen = await count(ingest, 'statuses', { status: 'offline' });
  const retained = await retainedStatuses(broker.url, o.registry.rooms.flatMap((r) => r.sensors).filter((ref) => typeof ref === 'string').length);
  // Readings held back by a late-delivery episode still running at the end go out at close.
  await sim.close();
  const stats = sim.stats();
  // Each reading ends as exactly one of these (ESPHome's temperature and humidity messages are ignored).
  await waitFor(async () => (await count(ingest, 'accepted')) + (await count(ingest, 'rejected')) + (await count(ingest, 'duplicates')) >= stats.published,
    15_000, 'the ingest has every published reading');
  expect(await ingest.flush(10_000)).toBe(true);
  const db = new Database(`${dataDir}/kanki.sqlite`, { readonly: true });
  const rows = db.prepare('SELECT sensor, time, co2, quality FROM readings ORDER BY sensor, time').all() as Row[];
  db.close();
  return { ingest, stats, events, rows, connects, willsSeen, retained };
}

/** The flag of a reading no fault touched: an empty room can read a little under 380 ppm with a sensor reading low. */
const unfaulted = (r: Row) => (r.co2 < 380 ? 'below-floor' : 'ok');
/**
 * The ingest's jump rule (ingest/src/quality.ts) on stored rows: more than 1000 ppm from the median
 * of the sensor's previous (up to 5) readings within 5 minutes, unless it continues a steady run
 * (two steps the same way, each at most 1000 ppm).
 */
const isJump = (previous: readonly Row[], r: Row): boolean => {
  const recent = previous.filter((p) => r.time - p.time <= 5 * MIN);
  if (recent.length === 0) return false;
  const [p1, p2] = [recent.at(-1), recent.at(-2)];
  if (p1 && p2) {
    const step = r.co2 - p1.co2;
    const before = p1.co2 - p2.co2;
    if (Math.sign(step) === Math.sign(before) && step !== 0 && Math.abs(step) <= 1000 && Math.abs(before) <= 1000) return false;
  }
  const sorted = recent.map((p) => p.co2).sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return Math.abs(r.co2 - median) > 1000;
};
const of = (events: FaultEvent[], kind: string) => events.filter((e) => e.kind === kind);
/** Devices stamp whole milliseconds (a simulated instant may carry a fraction). */
const key = (sensor: string, time: number) => `${sensor}@${Math.floor(time)}`;

describe('Device.dropConnection', () => {
  it('cuts the socket (the broker sends the will), stays away as long as told, then delivers the buffer in order', async () => {
    const broker = await startTestBroker();
    cleanups.push(() => broker.close());
    const watcher = await connectClient(broker.url);
    cleanups.push(() => watcher.endAsync());
    const seen: { topic: string; text: string; at: number }[] = [];
    watcher.on('message', (topic, payload) => seen.push({ topic, text: payload.toString(), at: Date.now() }));
    await watcher.subscribeAsync('kanki/v1/sensors/#', { qos: 1 });
    const device = startDevice({
      sensorId: 'drop-1', brokerUrl: broker.url, bufferSize: 100, reconnectMinMs: 20, reconnectMaxMs: 50, logger, random: () => 0.5,
    });
    cleanups.push(() => device.close(2000));
    await waitFor(() => device.stats().connected, 5000, 'connected');
    device.send('{"co2":600,"seq":0}');
    await waitFor(() => device.stats().published === 1, 5000, 'first reading');

    const droppedAt = Date.now();
    device.dropConnection(1500);
    await waitFor(() => seen.some((m) => m.text === 'offline'), 5000, 'the Last Will');
    for (let i = 1; i <= 3; i++) device.send(`{"co2":${600 + i},"seq":${i}}`);
    expect(device.stats()).toMatchObject({ connected: false, buffered: 3 });
    await waitFor(() => device.stats().published === 4, 5000, 'buffer delivered');
    const back = seen.filter((m) => m.text === 'online').at(-1);
    expect(back && back.at - droppedAt).toBeGreaterThanOrEqual(1500);
    expect(device.stats().connects).toBe(2);
    await waitFor(() => seen.filter((m) => m.topic.endsWith('/reading')).length === 4, 5000, 'readings seen');
    expect(seen.filter((m) => m.topic.endsWith('/reading')).map((m) => JSON.parse(m.text).seq)).toEqual([0, 1, 2, 3]);
    expect(seen.map((m) => m.text).filter((t) => t === 'online' || t === 'offline')).toEqual(['online', 'offline', 'online']);
  });
});

describe('simulator faults through broker, ingest and SQLite', () => {
  it('warm-up: the zeros after a boot are rejected as invalid, the readings after them stored flagged warmup', async () => {
    const run = await runFaults({ registry: natives(2), faults: 'warmup=3', minutes: 20, speed: 600, ts: false, env: { INGEST_WARMUP_SECONDS: '180' } });
    expect(run.stats.faults).toEqual({ warmup: 6 });
    expect(await count(run.ingest, 'rejected', { reason: 'invalid_payload' })).toBe(6);
    expect(await count(run.ingest, 'accepted')).toBe(34);
    // The run takes a few real seconds, all inside the ingest's 3-minute warm-up after "online".
    expect(await count(run.ingest, 'flagged', { flag: 'warmup' })).toBe(34);
    expect(run.rows.length).toBeGreaterThan(0);
    expect(new Set(run.rows.map((r) => r.quality))).toEqual(new Set(['warmup']));
  });

  it('spike: each spiked reading is stored flagged jump, and the return to normal after it is not', async () => {
    const run = await runFaults({ registry: natives(2), faults: 'spike=0.08:2000', minutes: 180, speed: 3600, ts: true });
    const spikes = new Set(of(run.events, 'spike').map((e) => key(e.sensorId, e.atMs)));
    expect(spikes.size).toBe(run.stats.faults?.spike);
    expect(spikes.size).toBeGreaterThan(10);
    expect(run.rows).toHaveLength(2 * 180);
    const history = new Map<string, boolean[]>();
    let checked = 0;
    let returns = 0;
    for (const row of run.rows) {
      const past = history.get(row.sensor) ?? [];
      history.set(row.sensor, [...past, spikes.has(key(row.sensor, row.time))].slice(-5));
      const isSpike = spikes.has(key(row.sensor, row.time));
      // The jump rule's reference is the median of the last 5 samples: while at most two of them were
      // spikes it is a normal value, so a spike is a jump and a normal reading is not (README "Faults").
      const recentSpikes = past.filter(Boolean).length;
      if (past.length < 3 || recentSpikes > 2) continue;
      expect(row.quality, `${row.sensor} at ${new Date(row.time).toISOString()}`).toBe(isSpike ? 'jump' : unfaulted(row));
      if (isSpike) {
        expect(row.co2).toBeGreaterThan(2000);
        checked++;
      } else if (past.at(-1)) {
        returns++;
      }
    }
    expect(checked).toBeGreaterThan(spikes.size - 4);
    expect(returns).toBeGreaterThan(5);
    expect(await count(run.ingest, 'flagged', { flag: 'jump' })).toBe(run.rows.filter((r) => r.quality === 'jump').length);
  });


  it('a fault aimed at one device (@id) leaves the others healthy', async () => {
    const run = await runFaults({ registry: natives(3), faults: 'zero=0.3@fault-s2', minutes: 60, speed: 3600, ts: true });
    const zeros = of(run.events, 'zero');
    expect(zeros.length).toBeGreaterThan(5);
    expect(new Set(zeros.map((e) => e.sensorId))).toEqual(new Set(['fault-s2']));
    expect(await count(run.ingest, 'rejected', { reason: 'invalid_payload' })).toBe(zeros.length);
    expect(run.rows.filter((r) => r.sensor === 'fault-s1')).toHaveLength(60);
    expect(run.rows.filter((r) => r.sensor === 'fault-s3')).toHaveLength(60);
    expect(run.rows.filter((r) => r.sensor === 'fault-s2')).toHaveLength(60 - zeros.length);
  });

  it('stuck: a frozen value is stored flagged stuck from 30 minutes after it froze until it moves again', async () => {
    const run = await runFaults({ registry: natives(2), faults: 'stuck=0.7/h:45m', minutes: 240, speed: 3600, ts: true });
    const starts = of(run.events, 'stuck').filter((e) => e.episodeMs !== undefined);
    expect(starts.length).toBeGreaterThan(0);
    expect(run.rows).toHaveLength(2 * 240);
    const bySensor = new Map<string, Row[]>();
    for (const r of run.rows) bySensor.set(r.sensor, [...(bySensor.get(r.sensor) ?? []), r]);
    let inEpisodes = 0;
    for (const e of starts) {
      const rows = bySensor.get(e.sensorId) ?? [];
      const first = rows.findIndex((r) => r.time === Math.floor(e.atMs));
      expect(first).toBeGreaterThanOrEqual(0);
      const episode = rows.slice(first).filter((r) => r.time < Math.floor(e.atMs) + 45 * MIN);
      expect(episode).toHaveLength(Math.min(45, rows.length - first));
      expect(new Set(episode.map((r) => r.co2)).size).toBe(1);
      // From 30 minutes into it, every reading is flagged.
      inEpisodes += episode.filter((r) => r.quality === 'stuck').length;
      expect(episode.slice(30).every((r) => r.quality === 'stuck')).toBe(true);
    }
    expect(inEpisodes).toBeGreaterThan(0);
    // Every row: stuck exactly when its value has not changed for 30 minutes (the ingest's clock
    // starts at the first of a run of equal values, which may begin before an episode or outlast
    // it when the neighbouring reading happens to have the same value). When an episode ends
    // during a lesson, the room may have moved more than 1000 ppm from the frozen value: the first
    // readings after it are then jumps until the sensor's median catches up.
    let stuckRows = 0;
    for (const rows of bySensor.values()) {
      let since = 0;
      for (const [i, r] of rows.entries()) {
        if (i === 0 || rows[i - 1]?.co2 !== r.co2) since = r.time;
        const expected = isJump(rows.slice(Math.max(0, i - 5), i), r) ? 'jump' : r.time - since >= 30 * MIN ? 'stuck' : unfaulted(r);
        expect(r.quality, `${r.sensor} at ${new Date(r.time).toISOString()}`).toBe(expected);
        if (expected === 'stuck') stuckRows++;
      }
    }
    expect(await count(run.ingest, 'flagged', { flag: 'stuck' })).toBe(stuckRows);
  });

  it('0 / 65535 / NaN: rejected as invalid_payload in every firmware format, nothing else lost', async () => {
    const registry = registryOf(['fault-n1', { tasmota: 'fault-t1' }, { esphome: 'fault/e1' }, { airgradient: 'ecda3b1eaab0' }]);
    const run = await runFaults({ registry, faults: 'zero=0.05,max=0.05,nan=0.05', minutes: 60, speed: 1800, ts: false });
    const bad = (run.stats.faults?.zero ?? 0) + (run.stats.faults?.max ?? 0) + (run.stats.faults?.nan ?? 0);
    expect(bad).toBe(of(run.events, 'zero').length + of(run.events, 'max').length + of(run.events, 'nan').length);
    for (const kind of ['zero', 'max', 'nan']) expect(new Set(of(run.events, kind).map((e) => e.sensorId)).size, kind).toBeGreaterThan(1);
    expect(run.stats.published).toBe(4 * 60);
    expect(await count(run.ingest, 'rejected', { reason: 'invalid_payload' })).toBe(bad);
    expect(await count(run.ingest, 'rejected')).toBe(bad);
    expect(await count(run.ingest, 'accepted')).toBe(4 * 60 - bad);
    expect(run.rows.every((r) => r.co2 > 0 && r.co2 < 10_000)).toBe(true);
  });

  it('malformed JSON and oversized payloads: rejected as malformed_json and too_large, one each', async () => {
    const registry = registryOf(['fault-n1', { tasmota: 'fault-t1' }, { airgradient: 'ecda3b1eaab0' }]);
    const run = await runFaults({ registry, faults: 'malformed=0.1,oversized=0.05:20000', minutes: 60, speed: 1800, ts: false });
    const oversized = new Set(of(run.events, 'oversized').map((e) => key(e.sensorId, e.atMs)));
    // A reading both cut short and padded is refused for its size before anyone parses it.
    const malformed = of(run.events, 'malformed').filter((e) => !oversized.has(key(e.sensorId, e.atMs))).length;
    expect(oversized.size).toBeGreaterThan(2);
    expect(malformed).toBeGreaterThan(5);
    expect(await count(run.ingest, 'rejected', { reason: 'too_large' })).toBe(oversized.size);
    expect(await count(run.ingest, 'rejected', { reason: 'malformed_json' })).toBe(malformed);
    expect(await count(run.ingest, 'accepted')).toBe(3 * 60 - oversized.size - malformed);
  });

  it('duplicates: a second copy without device time is recognised by seq; with device time it is stored once', async () => {
    const bySeq = await runFaults({ registry: natives(2), faults: 'duplicate=0.2', minutes: 30, speed: 600, ts: false });
    const copies = bySeq.stats.faults?.duplicate ?? 0;
    expect(copies).toBeGreaterThan(5);
    expect(bySeq.stats.published).toBe(2 * 30 + copies);
    expect(await count(bySeq.ingest, 'duplicates')).toBe(copies);
    expect(await count(bySeq.ingest, 'accepted')).toBe(2 * 30);
    for (const c of cleanups.splice(0).reverse()) await c();

    const byTime = await runFaults({ registry: natives(2), faults: 'duplicate=0.2', minutes: 60, speed: 3600, ts: true });
    expect(byTime.stats.faults?.duplicate).toBeGreaterThan(5);
    // The copy carries the same device time: the store's idempotent write keeps one row.
    expect(byTime.rows).toHaveLength(2 * 60);
    expect(await count(byTime.ingest, 'accepted')).toBe(2 * 60 + (byTime.stats.faults?.duplicate ?? 0));
  });

  it('duplicates from Tasmota and AirGradient, which send no seq, are recognised by their Time and boot counter', async () => {
    const run = await runFaults({ registry: registryOf([{ tasmota: 'fault-t1' }, { airgradient: 'ecda3b1eaab0' }]), faults: 'duplicate=0.2', minutes: 30, speed: 600, ts: false });
    const copies = run.stats.faults?.duplicate ?? 0;
    expect(copies).toBeGreaterThan(3);
    expect(await count(run.ingest, 'duplicates')).toBe(copies);
    expect(await count(run.ingest, 'accepted')).toBe(2 * 30);
    expect(run.rows).toHaveLength(2 * 30);
  });

  it('clock skew: device times 9 h ahead are replaced by the receive time and counted', async () => {
    const testStart = Date.now();
    const run = await runFaults({ registry: natives(2), faults: 'skew=1:+9h', minutes: 60, speed: 3600, ts: true });
    expect(run.stats.faults).toEqual({ skew: 2 * 60 });
    expect(await count(run.ingest, 'timestampReplaced', { why: 'future' })).toBe(2 * 60);
    expect(await count(run.ingest, 'accepted')).toBe(2 * 60);
    // Stored at their receive time, i.e. during this test: neither 9 h ahead nor at the simulated time.
    for (const r of run.rows) {
      expect(r.time).toBeGreaterThanOrEqual(testStart);
      expect(r.time).toBeLessThanOrEqual(Date.now());
    }
  });

  it('late delivery: readings held back are stored at the time they were measured, none lost or re-stamped', async () => {
    const run = await runFaults({ registry: natives(2), faults: 'late=1.5/h:20m', minutes: 180, speed: 3600, ts: true });
    const late = of(run.events, 'late');
    expect(late.length).toBe(run.stats.faults?.late);
    expect(late.length).toBeGreaterThan(20);
    expect(run.rows).toHaveLength(2 * 180);
    const stored = new Map(run.rows.map((r) => [key(r.sensor, r.time), r]));
    for (const e of late) {
      const row = stored.get(key(e.sensorId, e.atMs));
      expect(row, `${e.sensorId} at ${new Date(e.atMs).toISOString()}`).toBeDefined();
      if (row) expect(row.quality).toBe(unfaulted(row));
    }
    expect(await count(run.ingest, 'timestampReplaced')).toBe(0);
  });

  it('drop-out: the broker sends the Last Will (offline), the device comes back online and delivers what it buffered', async () => {
    const run = await runFaults({ registry: natives(2), faults: 'dropout=1.5/h:15m', minutes: 120, speed: 1800, ts: true });
    const drops = run.stats.faults?.dropout ?? 0;
    expect(drops).toBe(of(run.events, 'dropout').length);
    expect(drops).toBeGreaterThan(0);
    // The broker sent the Last Will of every cut connection: Kanki saw the sensor go offline ...
    expect(run.willsSeen).toBeGreaterThan(0);
    // ... and each device came back: reconnected and announced itself online again (retained).
    const reconnects = [...run.connects.values()].reduce((sum, n) => sum + n - 1, 0);
    expect(reconnects).toBeGreaterThan(0);
    expect(Object.fromEntries(run.retained)).toEqual({ 'fault-s1': 'online', 'fault-s2': 'online' });
    // Nothing lost, every reading at the time it was measured.
    expect(run.rows).toHaveLength(2 * 120);
    expect(await count(run.ingest, 'timestampReplaced')).toBe(0);
  });

  it('reconnect storm: every device drops at once, all come back, no reading is lost', async () => {
    // Seed 2 puts storms at minutes 11 and 24, long after every device is connected.
    const run = await runFaults({ registry: natives(6), faults: 'storm=4/h:2m', minutes: 60, speed: 1800, ts: true, seed: 2 });
    expect(run.stats.faults).toEqual({ storm: 2 });
    expect(of(run.events, 'storm')).toHaveLength(6 * 2);
    expect(new Set(of(run.events, 'storm').map((e) => e.atMs)).size).toBe(2);
    // Every device was cut (its will published) and reconnected after each storm.
    expect(run.willsSeen).toBeGreaterThanOrEqual(6 * 2);
    expect([...run.connects.values()]).toEqual(Array(6).fill(3));
    expect(new Set(run.retained.values())).toEqual(new Set(['online']));
    expect(run.stats.published).toBeGreaterThanOrEqual(6 * 60);
    expect(run.rows).toHaveLength(6 * 60);
  });

  it('ABC drift: readings sink under outdoor air and are stored flagged below-floor, only those', async () => {
    // A night in the past (01:00 JST): empty rooms read about outdoor air, ~420 ppm.
    const night = Math.floor((Date.now() - 3 * HOUR - 16 * HOUR) / (24 * HOUR)) * 24 * HOUR + 16 * HOUR;
    const run = await runFaults({ registry: natives(2), faults: 'drift=300/h:200', minutes: 120, speed: 3600, ts: true, start: night });
    expect(run.stats.faults?.drift).toBeGreaterThan(2 * 100);
    expect(run.rows).toHaveLength(2 * 120);
    for (const r of run.rows) expect(r.quality).toBe(unfaulted(r));
    const below = run.rows.filter((r) => r.quality === 'below-floor').length;
    expect(below).toBeGreaterThan(2 * 60);
    expect(await count(run.ingest, 'flagged', { flag: 'below-floor' })).toBe(below);
  });
});
