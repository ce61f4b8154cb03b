/**
 * Alert latency probe (child process of `bench/alerts.ts`): one MQTT client publishes the probe
 * rooms' readings, a second one subscribes to every alert, in the same process so that publish and
 * receive times come from one clock (`performance.now()`).
 *
 * Every probe room first reports good air (600 ppm) until the ingest has confirmed it; then, one
 * room every `staggerMs`, it switches to bad air — a reading every `intervalMs` — until its
 * `raised` event arrives. The bad readings are tagged by their CO₂: the j-th is 1200 + 2j ppm, so
 * the value the engine computes after each reading (the rounded median of the room's readings in
 * the window, all known here) is different for every reading, and the event's `co2` names the very
 * reading whose processing raised it. Latency = event received − that reading published.
 * Only ever targets the loopback broker it is given.
 */
import mqtt from 'mqtt';
import { ALERTS_FILTER, buildRoomStateTopic, buildSensorReadingTopic } from '../common/topics.ts';

export type ProbeJob = {
  url: string;
  facility: string;
  rooms: { id: string; sensor: string }[];
  /** Bad-air readings of a switched room, one per this many ms. */
  intervalMs: number;
  /** Good-air readings before the switch, one per this many ms. */
  goodIntervalMs: number;
  /** One room switches every this many ms. */
  staggerMs: number;
  /** The ingest's ALERT_SUSTAIN_SECONDS and ALERT_WINDOW_SECONDS, in ms. */
  sustainMs: number;
  windowMs: number;
  /** A room with no `raised` this long after its switch is counted as missing. */
  timeoutMs: number;
};

/** One alert event as received, whichever room it is for. */
export type ReceivedAlert = { facility: string; room: string; type: string; co2: number | null; at: number };

export type ProbeResult = {
  /** Per probe room that raised: ms from publishing the reading that completed the sustain to receiving the event. */
  latencies: number[];
  /** Rooms whose event could not be tied to exactly one of their readings. */
  unmatched: number;
  /** Rooms that did not raise within `timeoutMs`. */
  missing: string[];
  /** Of the matched events, how many the simpler rule (newest reading published at or before `at`) ties to the same reading. */
  ruleAgrees: number;
  /** Every alert event received that is not a probe room's first `raised`. */
  unexpected: ReceivedAlert[];
  /** Wall-clock span of the bad-air phase: first switch to last event (epoch ms). */
  firstSwitchAt: number;
  lastEventAt: number;
  cpuSeconds: number;
};

const GOOD_PPM = 600;
const BAD_PPM = 1200;
/** Bad readings stop before the tag reaches 1500 ppm (critical), so every probe raises at ventilate. */
const MAX_BAD_READINGS = 140;

type Sent = { ts: number; co2: number; perf: number };
type Probe = {
  id: string; sensor: string; topic: string; sent: Sent[]; bad: number; timer?: NodeJS.Timeout;
  switchedAt?: number; event?: { co2: number | null; at: number; perf: number };
};

process.once('disconnect', () => process.exit(1));
process.once('message', (job: ProbeJob) => {
  void run(job).then(
    (result) => process.send?.({ type: 'done', ...result }),
    (err: unknown) => process.send?.({ type: 'error', message: String(err) }),
  );
});

async function run(job: ProbeJob): Promise<ProbeResult> {
  const cpu0 = process.cpuUsage();
  if (!/^mqtt:\/\/(127\.0\.0\.1|localhost):\d+$/.test(job.url)) throw new Error(`refusing to load a non-loopback broker: ${job.url}`);
  const sub = await mqtt.connectAsync(job.url, { clientId: 'bench-alert-sub', protocolVersion: 4, clean: true, reconnectPeriod: 0 });
  const pub = await mqtt.connectAsync(job.url, { clientId: 'bench-alert-probe', protocolVersion: 4, clean: true, reconnectPeriod: 0 });
  const probes = new Map<string, Probe>(job.rooms.map((r) => [r.id, { id: r.id, sensor: r.sensor, topic: buildSensorReadingTopic(r.sensor), sent: [], bad: 0 }]));
  const unexpected: ReceivedAlert[] = [];
  const stateSeen = new Set<string>();
  const stateTopics = new Map(job.rooms.map((r) => [buildRoomStateTopic(job.facility, r.id), r.id]));
  let seq = 0;
  let lastEventAt = 0;

  const publish = (p: Probe, co2: number) => {
    // Strictly increasing per sensor: a second reading in the same millisecond would replace the first.
    const ts = Math.max(Date.now(), (p.sent.at(-1)?.ts ?? 0) + 1);
    p.sent.push({ ts, co2, perf: performance.now() });
    pub.publish(p.topic, `{"co2":${co2},"temperature":22.5,"humidity":45,"ts":${ts},"seq":${seq++}}`, { qos: 1 });
  };

  sub.on('message', (topic, payload) => {
    const perf = performance.now();
    const room = stateTopics.get(topic);
    if (room !== undefined) {
      stateSeen.add(room);
      return;
    }
    const e = JSON.parse(payload.toString()) as { facility: string; room: string; type: string; co2: number | null; at: string };
    const alert: ReceivedAlert = { facility: e.facility, room: e.room, type: e.type, co2: e.co2, at: Date.parse(e.at) };
    const p = e.facility === job.facility ? probes.get(e.room) : undefined;
    if (!p || e.type !== 'raised' || p.event || p.switchedAt === undefined) {
      unexpected.push(alert);
      return;
    }
    clearInterval(p.timer);
    p.event = { co2: alert.co2, at: alert.at, perf };
    lastEventAt = Date.now();
  });
  await sub.subscribeAsync({ [ALERTS_FILTER]: { qos: 1 }, ...Object.fromEntries([...stateTopics.keys()].map((t) => [t, { qos: 0 as const }])) });

  // Good air until the ingest has published every probe room's state (it is subscribed and
  // processing), then one sustain more, so every room is confirmed good before it turns bad.
  const good = setInterval(() => {
    for (const p of probes.values()) if (p.switchedAt === undefined) publish(p, GOOD_PPM);
  }, job.goodIntervalMs);
  const waitUntil = async (what: string, cond: () => boolean, ms: number) => {
    const deadline = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`probe: timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await waitUntil('the ingest to publish the probe rooms\' states', () => stateSeen.size === probes.size, 30_000);
  await new Promise((r) => setTimeout(r, job.sustainMs + 500));

  const firstSwitchAt = Date.now();
  const list = [...probes.values()];
  list.forEach((p, i) => {
    setTimeout(() => {
      p.switchedAt = Date.now();
      const bad = () => {
        if (p.bad >= MAX_BAD_READINGS) return clearInterval(p.timer);
        publish(p, BAD_PPM + 2 * p.bad++);
      };
      bad();
      p.timer = setInterval(bad, job.intervalMs);
    }, i * job.staggerMs);
  });
  await waitUntil('the probe rooms', () => list.every((p) => p.event || (p.switchedAt !== undefined && Date.now() - p.switchedAt > job.timeoutMs)), list.length * job.staggerMs + job.timeoutMs + 5000);
  clearInterval(good);
  for (const p of list) clearInterval(p.timer);
  // A moment for anything late (a second `raised`, an event of a background room).
  await new Promise((r) => setTimeout(r, 1000));
  await Promise.all([sub.endAsync(), pub.endAsync()]);

  const latencies: number[] = [];
  let unmatched = 0;
  let ruleAgrees = 0;
  for (const p of list) {
    if (!p.event) continue;
    const trigger = findTrigger(p.sent, p.event.co2, job.windowMs);
    // The engine cannot have decided before the reading that made it decide was sent.
    if (trigger === undefined || trigger.ts > p.event.at) {
      unmatched++;
      continue;
    }
    latencies.push(p.event.perf - trigger.perf);
    const at = p.event.at;
    const byRule = p.sent.filter((s) => s.ts <= at).at(-1);
    if (byRule === trigger) ruleAgrees++;
  }
  const cpu = process.cpuUsage(cpu0);
  return {
    latencies, unmatched, missing: list.filter((p) => !p.event).map((p) => p.id), ruleAgrees, unexpected,
    firstSwitchAt, lastEventAt, cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

/**
 * The reading after which the engine's room value was `co2`: for each bad reading, the rounded
 * median of the room's readings with a reading time in (its time − window, its time] — what the
 * engine holds after processing it, readings of one connection being processed in order. Exactly
 * one must match, else the event is not counted.
 */
function findTrigger(sent: readonly Sent[], co2: number | null, windowMs: number): Sent | undefined {
  const matches = sent.filter((s, i) => {
    if (s.co2 < BAD_PPM) return false;
    const values = sent.slice(0, i + 1).filter((r) => r.ts > s.ts - windowMs).map((r) => r.co2).sort((a, b) => a - b);
    const mid = values.length >> 1;
    const median = values.length % 2 ? (values[mid] as number) : ((values[mid - 1] as number) + (values[mid] as number)) / 2;
    return Math.round(median) === co2;
  });
  return matches.length === 1 ? matches[0] : undefined;
}
