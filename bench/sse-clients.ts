/**
 * Benchmark SSE load (child process): many live-update connections to one dashboard, each a plain
 * HTTP request to `/api/v1/stream` read the way a browser's EventSource reads it, and the delay of
 * every `room` event from its publication (the `updatedAt` the benchmark stamped on the room state
 * it published) to its arrival here. Runs apart from the dashboard so it measures it, not itself.
 *
 * IPC: `{ url, clients }` in → `connected` (every snapshot arrived) → `'report'` in → `report` out.
 */
import { get, type IncomingMessage } from 'node:http';

/** What the benchmark gets back. */
export type SseReport = {
  type: 'report';
  clients: number;
  /** Connections still open at the report. */
  open: number;
  /** Connections the server closed or that failed. */
  dropped: number;
  /** `room` events received over all clients (of changes published after the clients connected). */
  events: number;
  /** Events about changes from before the clients connected (none are expected). */
  older: number;
  /** Per-event delay publish → receipt, ms. */
  p50: number;
  p99: number;
  max: number;
  /** CPU seconds of this process (to see whether the load generator kept up). */
  cpuSeconds: number;
};

/** `since`: when the benchmark started the clients; changes stamped earlier are counted apart. */
type Job = { url: string; clients: number; since: number };

/** Delays up to 10 minutes, per millisecond: a histogram, so millions of events cost no memory. */
const histogram = new Uint32Array(600_001);
let events = 0;
let older = 0;
let since = 0;
let dropped = 0;
let open = 0;

const UPDATED_AT = '"updatedAt":"';

/**
 * Reads SSE frames from one response; calls `onSnapshot` once when the first frame is complete.
 * Text is kept only up to the end of the frame in progress, and the snapshot (megabytes with
 * thousands of rooms) is not kept at all: appending every chunk to one string and searching it
 * again would copy the whole snapshot once per chunk.
 */
function consume(res: IncomingMessage, onSnapshot: () => void): void {
  let pending: string[] = [];
  let snapshot = false;
  let tail = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    let text = tail + chunk;
    tail = '';
    for (let end = text.indexOf('\n\n'); ; end = text.indexOf('\n\n')) {
      if (end === -1) {
        if (snapshot) pending.push(text);
        // A frame end split between two chunks: keep the last character to match it.
        else tail = text.slice(-1);
        return;
      }
      const frame = pending.length > 0 ? pending.join('') + text.slice(0, end) : text.slice(0, end);
      pending = [];
      text = text.slice(end + 2);
      if (!snapshot) {
        snapshot = true;
        onSnapshot();
        continue;
      }
      if (!frame.startsWith('event: room')) continue;
      const at = frame.indexOf(UPDATED_AT);
      if (at === -1) continue;
      const published = Date.parse(frame.slice(at + UPDATED_AT.length, at + UPDATED_AT.length + 24));
      if (published < since) {
        older++;
        continue;
      }
      const delay = Math.max(0, Math.min(histogram.length - 1, Math.round(Date.now() - published)));
      histogram[delay] = (histogram[delay] ?? 0) + 1;
      events++;
    }
  });
}

function percentile(p: number): number {
  const target = Math.ceil(p * events);
  let seen = 0;
  for (let ms = 0; ms < histogram.length; ms++) {
    seen += histogram[ms] ?? 0;
    if (seen >= target && seen > 0) return ms;
  }
  return Number.NaN;
}

function maxDelay(): number {
  for (let ms = histogram.length - 1; ms >= 0; ms--) if ((histogram[ms] ?? 0) > 0) return ms;
  return Number.NaN;
}

process.once('disconnect', () => process.exit(1));
process.on('message', (m: Job | 'report') => {
  if (m === 'report') {
    const cpu = process.cpuUsage();
    const report: SseReport = {
      type: 'report', clients: open + dropped, open, dropped, events, older, p50: percentile(0.5), p99: percentile(0.99), max: maxDelay(),
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    };
    process.send?.(report);
    return;
  }
  since = m.since;
  let snapshots = 0;
  const started = performance.now();
  const onSnapshot = () => {
    if (++snapshots === m.clients) process.send?.({ type: 'connected', seconds: (performance.now() - started) / 1000 });
  };
  // Open in small waves, as browsers reconnecting after a restart would, not in one burst of SYNs.
  let opened = 0;
  const wave = () => {
    for (let i = 0; i < 50 && opened < m.clients; i++, opened++) {
      let answered = false;
      const req = get(m.url, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
        answered = true;
        if (res.statusCode !== 200) {
          dropped++;
          res.resume();
          return;
        }
        open++;
        res.on('close', () => {
          open--;
          dropped++;
        });
        consume(res, onSnapshot);
      });
      // After an answer, a socket error also closes the response, which counts it already.
      req.on('error', () => {
        if (!answered) dropped++;
      });
    }
    if (opened < m.clients) setTimeout(wave, 10);
  };
  wave();
});
