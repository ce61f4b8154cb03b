/**
 * What the simulator shows while it runs and when it ends, as pure functions of its counters:
 * the live panel's lines, the real message rate over a sliding window, and the summary as data and
 * as an aligned table. No streams or timers here (terminal-panel.ts and progress-reporter.ts do
 * the writing), so all of it is unit-tested as plain strings.
 *
 * Counters that other parts add to `SimStats` later (fault counts, closed-loop figures) are shown
 * without this module knowing them: any extra numeric field, or record of numbers, gets a line.
 */
import type { SimStats } from './app.ts';
import type { ProgressMode } from './config.ts';

/** The fields every simulator reports, laid out explicitly; everything else is shown generically. */
const KNOWN_FIELDS = new Set(['devices', 'connected', 'published', 'errors', 'buffered', 'dropped', 'inflight', 'simTime', 'reconnects', 'byFormat', 'connections']);

/** Resolves `--progress auto`: a live panel only when a person watches stderr. */
export function resolveProgressMode(mode: ProgressMode, stderrIsTty: boolean): 'tty' | 'json' | 'off' {
  return mode === 'auto' ? (stderrIsTty ? 'tty' : 'json') : mode;
}

/** Colour unless NO_COLOR is set to anything non-empty (no-color.org) or the output is not a terminal. */
export function colorWanted(env: Record<string, string | undefined>, isTty: boolean): boolean {
  return isTty && !env.NO_COLOR;
}

/** `12345` → `12,345`. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A duration as `45s`, `12m 05s`, `3h 04m`, `2d 03h`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const pad = (v: number) => String(v).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86_400)}d ${pad(Math.floor((s % 86_400) / 3600))}h`;
}

/**
 * Messages per second over the last `windowMs` of real time, from samples of a growing counter.
 * A sliding window rather than the run's average, so the panel shows a stall as it happens; the
 * samples are bounded (the oldest go first).
 */
export class RateWindow {
  private readonly samples: { at: number; count: number }[] = [];
  constructor(private readonly windowMs = 5000, private readonly maxSamples = 64) {}

  /** Records the counter's value at real time `at` (ms). */
  add(at: number, count: number): void {
    this.samples.push({ at, count });
    while (this.samples.length > this.maxSamples || (this.samples.length > 2 && at - (this.samples[1] as { at: number }).at >= this.windowMs)) this.samples.shift();
  }

  /** Per second over the window (0 until there are two samples). */
  rate(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at <= first.at) return 0;
    return ((last.count - first.count) * 1000) / (last.at - first.at);
  }
}

type Style = 'plain' | 'dim' | 'bold' | 'red' | 'yellow' | 'green';
const SGR: Record<Style, string> = { plain: '', dim: '\x1b[2m', bold: '\x1b[1m', red: '\x1b[31m', yellow: '\x1b[33m', green: '\x1b[32m' };
type Segment = readonly [text: string, style: Style];

/** Joins segments into one line of at most `width` visible characters, with colour codes only when asked. */
function renderLine(segments: readonly Segment[], width: number, color: boolean): string {
  let out = '';
  let left = width;
  for (const [text, style] of segments) {
    if (left <= 0) break;
    const part = text.length > left ? `${text.slice(0, Math.max(0, left - 1))}…` : text;
    left -= part.length;
    out += color && style !== 'plain' ? `${SGR[style]}${part}\x1b[0m` : part;
  }
  return out;
}

/** Extra fields of `stats` (added by other features) as `name value` / `name: a 1, b 2` texts. */
export function formatExtraCounters(stats: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(stats)) {
    if (KNOWN_FIELDS.has(key)) continue;
    if (typeof value === 'number' && Number.isFinite(value)) out.push(`${key} ${formatCount(value)}`);
    else if (value && typeof value === 'object' && !Array.isArray(value)) {
      const entries = Object.entries(value).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]));
      if (entries.length > 0) out.push(`${key}: ${entries.map(([k, v]) => `${k} ${formatCount(v)}`).join(', ')}`);
    }
  }
  return out;
}

/** The live panel's lines; `width` is the terminal's, so that no line wraps and breaks the redraw. */
export function formatProgressPanel(stats: SimStats, o: { ratePerSecond: number; realElapsedMs: number; color: boolean; width: number }): string[] {
  // The simulated facilities are in Japan and their timetables run on Japan time: show that clock.
  const simTime = formatJst(stats.simTime);
  const first: Segment[] = [['kanki-sim', 'bold'], ['  sim ', 'dim'], [simTime, 'plain'], ['  real ', 'dim'], [formatDuration(o.realElapsedMs), 'plain']];
  if (stats.connections) first.push(['  connections ', 'dim'], [`${stats.connections.up}/${stats.connections.total}`, stats.connections.up < stats.connections.total ? 'yellow' : 'plain']);
  const allUp = stats.connected === stats.devices;
  const second: Segment[] = [
    ['sensors ', 'dim'], [`${formatCount(stats.connected)}/${formatCount(stats.devices)}`, allUp ? 'green' : 'yellow'], [' connected', 'dim'],
    ['  ', 'plain'], [`${formatCount(o.ratePerSecond)} msg/s`, 'bold'],
    ['  published ', 'dim'], [formatCount(stats.published), 'plain'],
  ];
  const third: Segment[] = [
    ['in flight ', 'dim'], [formatCount(stats.inflight), 'plain'],
    ['  buffered ', 'dim'], [formatCount(stats.buffered), 'plain'],
    ['  dropped ', 'dim'], [formatCount(stats.dropped), stats.dropped > 0 ? 'yellow' : 'plain'],
    ['  errors ', 'dim'], [formatCount(stats.errors), stats.errors > 0 ? 'red' : 'plain'],
  ];
  const lines = [first, second, third].map((segments) => renderLine(segments, o.width, o.color));
  const extras = [...(stats.reconnects ? [`reconnects ${formatCount(stats.reconnects)}`] : []), ...formatExtraCounters(stats)];
  if (extras.length > 0) lines.push(renderLine([[extras.join('  ·  '), 'dim']], o.width, o.color));
  return lines;
}

/** The end-of-run figures (also logged as one JSON line when no one watches a terminal). */
export type SimSummary = {
  realSeconds: number;
  simulatedSeconds: number;
  devices: number;
  published: number;
  /** Published per real second over the whole run. */
  msgPerSecond: number;
  dropped: number;
  errors: number;
  reconnects: number;
  /** Acknowledged readings per format. */
  byFormat: Record<string, number>;
  /** Extra numeric counters other features report (as in the panel), flattened to `name` / `name.key`. */
  extra: Record<string, number>;
};

/** Builds the summary from the final counters, the simulated start and the real run time. */
export function buildSimSummary(stats: SimStats, o: { simStartMs: number; realElapsedMs: number }): SimSummary {
  const extra: Record<string, number> = {};
  for (const [key, value] of Object.entries(stats)) {
    if (KNOWN_FIELDS.has(key)) continue;
    if (typeof value === 'number' && Number.isFinite(value)) extra[key] = value;
    else if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) if (typeof v === 'number' && Number.isFinite(v)) extra[`${key}.${k}`] = v;
    }
  }
  const realSeconds = o.realElapsedMs / 1000;
  return {
    realSeconds: Math.round(realSeconds * 10) / 10,
    simulatedSeconds: Math.max(0, Math.round((Date.parse(stats.simTime) - o.simStartMs) / 1000)),
    devices: stats.devices,
    published: stats.published,
    msgPerSecond: realSeconds > 0 ? Math.round((stats.published / realSeconds) * 10) / 10 : 0,
    dropped: stats.dropped,
    errors: stats.errors,
    reconnects: stats.reconnects ?? 0,
    byFormat: { ...(stats.byFormat ?? {}) },
    extra,
  };
}

/** The summary as an aligned two-column text table (names left, values right-aligned). */
export function formatSummaryTable(s: SimSummary): string {
  const rows: [string, string][] = [
    ['run time (real)', formatDuration(s.realSeconds * 1000)],
    ['run time (simulated)', formatDuration(s.simulatedSeconds * 1000)],
    ['devices', formatCount(s.devices)],
    ['published', formatCount(s.published)],
    ['average rate', `${formatCount(s.msgPerSecond)} msg/s`],
    ['dropped', formatCount(s.dropped)],
    ['errors', formatCount(s.errors)],
    ['reconnects', formatCount(s.reconnects)],
    ...Object.entries(s.byFormat).map(([k, v]): [string, string] => [`  ${k}`, formatCount(v)]),
    ...Object.entries(s.extra).map(([k, v]): [string, string] => [k, formatCount(v)]),
  ];
  const left = Math.max(...rows.map((r) => r[0].length));
  const right = Math.max(...rows.map((r) => r[1].length));
  const rule = `+-${'-'.repeat(left)}-+-${'-'.repeat(right)}-+`;
  const title = 'simulator summary';
  return [
    rule,
    `| ${title.padEnd(left + right + 3)} |`,
    rule,
    ...rows.map(([k, v]) => `| ${k.padEnd(left)} | ${v.padStart(right)} |`),
    rule,
    '',
  ].join('\n');
}

const JST_OFFSET_MS = 9 * 3_600_000;

/** `2026-11-24T00:45:51.000Z` → `Tue 2026-11-24 09:45:51 JST`. */
export function formatJst(iso: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  const local = new Date(ms + JST_OFFSET_MS);
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][local.getUTCDay()];
  return `${weekday} ${local.toISOString().slice(0, 19).replace('T', ' ')} JST`;
}
