/**
 * The live stream (`/api/v1/stream`) against real parts: an aedes broker, the dashboard on port 0
 * taking room states from it, and plain HTTP clients reading Server-Sent Events as a browser does.
 * What a page would notice: the snapshot first, then every change in order (sent in batches), each
 * client only its facility's when it asked for one, and the next snapshot up to date.
 */
import { get, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../common/logger.ts';
import type { RoomState } from '../../common/payloads.ts';
import { parseRegistry } from '../../common/registry.ts';
import { createSqliteStore } from '../../common/store/sqlite-store.ts';
import { buildRoomStateTopic } from '../../common/topics.ts';
import { startDashboard, type RunningDashboard } from '../../dashboard/src/app.ts';
import { connectClient, startTestBroker, type TestBroker } from '../helpers/mqtt.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';
import type { MqttClient } from 'mqtt';

const registry = parseRegistry({
  facilities: [
    { id: 'east-school', name: { ja: '東小学校', en: 'East School' }, kind: 'school', rooms: [
      { id: 'class-1', name: { ja: '1年1組', en: 'Class 1' }, sensors: ['es-1'] },
      { id: 'class-2', name: { ja: '1年2組', en: 'Class 2' }, sensors: ['es-2'] },
    ] },
    { id: 'west-hall', name: { ja: '西ホール', en: 'West Hall' }, kind: 'hall', rooms: [{ id: 'main', name: { ja: 'ホール', en: 'Hall' }, sensors: ['wh-1'] }] },
  ],
});

type Frame = { event: string; data: { facility?: string; room?: string; co2?: number | null; rooms?: { room: string; co2: number | null }[] } };

/** An EventSource-like reader: every frame received, in order. */
function open(url: string): Promise<{ frames: Frame[]; res: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      const frames: Frame[] = [];
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        for (let end = text.indexOf('\n\n'); end !== -1; end = text.indexOf('\n\n')) {
          const lines = text.slice(0, end).split('\n');
          text = text.slice(end + 2);
          const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
          const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
          if (event && data) frames.push({ event, data: JSON.parse(data) as Frame['data'] });
        }
      });
      resolve({ frames, res });
    }).on('error', reject);
  });
}

describe('the live stream', () => {
  const tmp = makeTempDir('kanki-stream-');
  let broker: TestBroker;
  let dashboard: RunningDashboard;
  let publisher: MqttClient;
  const store = createSqliteStore({ file: `${tmp.path}/kanki.sqlite` }, { logger: createSilentLogger() });

  const publish = (facility: string, room: string, co2: number) => {
    const state: RoomState = {
      facility, room, co2, temperature: 21, humidity: 40, level: co2 >= 1500 ? 'critical' : 'good', since: null, updatedAt: new Date().toISOString(), stale: false,
    };
    return publisher.publishAsync(buildRoomStateTopic(facility, room), JSON.stringify(state), { qos: 1, retain: true });
  };

  beforeAll(async () => {
    broker = await startTestBroker();
    await store.init();
    dashboard = await startDashboard(
      { httpPort: 0, httpHost: '127.0.0.1', staleAfterSeconds: 300, liveMqttUrl: broker.url },
      { registry, store, logger: createSilentLogger() },
    );
    publisher = await connectClient(broker.url, { clientId: 'test-ingest' });
    // The dashboard's feed is subscribed once a first state reaches it.
    await publish('west-hall', 'main', 500);
    await waitFor(async () => {
      const { frames, res } = await open(`${dashboard.url}/api/v1/stream`);
      await waitFor(() => frames[0], 5000, 'snapshot');
      res.destroy();
      return frames[0]?.data.rooms?.find((r) => r.room === 'main')?.co2 === 500;
    }, 10_000, 'the feed to see the broker');
  });
  afterAll(async () => {
    await publisher?.endAsync();
    await dashboard?.close();
    await broker?.close();
    await store.close();
    tmp.remove();
  });

  it('sends a snapshot, then every change in order; a facility client gets only its facility', async () => {
    const all = await open(`${dashboard.url}/api/v1/stream`);
    const east = await open(`${dashboard.url}/api/v1/stream?facility=east-school`);
    await waitFor(() => all.frames.length > 0 && east.frames.length > 0, 5000, 'snapshots');
    expect(all.frames[0]?.event).toBe('snapshot');
    expect(all.frames[0]?.data.rooms).toHaveLength(3);
    expect(east.frames[0]?.data.rooms?.map((r) => r.room)).toEqual(['class-1', 'class-2']);

    const values = [610, 620, 1630, 640, 1650];
    for (const co2 of values) await publish('east-school', 'class-1', co2);
    await publish('west-hall', 'main', 777);
    await waitFor(() => all.frames.filter((f) => f.event === 'room').length >= values.length + 1, 5000, 'every change on the full stream');
    await waitFor(() => east.frames.filter((f) => f.event === 'room').length >= values.length, 5000, 'every change on the facility stream');

    const rooms = (f: Frame[]) => f.filter((x) => x.event === 'room').map((x) => `${x.data.room}:${x.data.co2}`);
    expect(rooms(all.frames)).toEqual([...values.map((v) => `class-1:${v}`), 'main:777']);
    expect(rooms(east.frames)).toEqual(values.map((v) => `class-1:${v}`));

    // A page opened now starts from the newest values.
    const later = await open(`${dashboard.url}/api/v1/stream`);
    await waitFor(() => later.frames[0], 5000, 'snapshot');
    expect(later.frames[0]?.data.rooms?.map((r) => `${r.room}:${r.co2}`)).toEqual(['class-1:1650', 'class-2:null', 'main:777']);

    // A page opened while a batch of changes is still waiting gets them in its snapshot, not twice.
    await publish('east-school', 'class-1', 700);
    await waitFor(() => all.frames.some((f) => f.event === 'room' && f.data.co2 === 700), 5000, 'the change on the open stream');
    await publish('east-school', 'class-1', 710);
    const joiner = await open(`${dashboard.url}/api/v1/stream`);
    await publish('east-school', 'class-1', 720);
    await waitFor(() => joiner.frames.some((f) => f.event === 'room' && f.data.co2 === 720), 5000, 'the change after joining');
    const seen = [joiner.frames[0]?.data.rooms?.find((r) => r.room === 'class-1')?.co2, ...rooms(joiner.frames).map((r) => Number(r.split(':')[1]))];
    // Each value at most once: the snapshot has 710 (or still 700) and the events follow from there.
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.at(-1)).toBe(720);
    for (const c of [all, east, later, joiner]) c.res.destroy();
  });
});
