/**
 * Runs the progress output chosen by `--progress`: the live panel redrawn twice a second on a
 * terminal, a JSON progress log line every 10 s otherwise (CI, docker, pipes: no ANSI codes at
 * all), or nothing; and prints the summary at the end. Streams, clock and logger are injected.
 */
import type { Logger } from '../../common/logger.ts';
import type { SimStats } from './app.ts';
import { buildSimSummary, formatProgressPanel, formatSummaryTable, RateWindow, type SimSummary } from './progress.ts';
import type { TerminalPanel } from './terminal-panel.ts';

/** Real milliseconds between two panel redraws. */
export const PANEL_EVERY_MS = 500;
/** Real milliseconds between two JSON progress lines (as before the panel existed). */
export const LOG_EVERY_MS = 10_000;

/** What the reporter needs. */
export type ProgressReporterOptions = {
  mode: 'tty' | 'json' | 'off';
  stats: () => SimStats;
  logger: Logger;
  /** Required for `tty`. */
  panel?: TerminalPanel;
  color: boolean;
  /** Where the summary table goes when `tableOut` is set; otherwise the summary is one JSON log line. */
  tableOut?: { write(text: string): unknown };
  /** The simulated start instant, for the simulated run time of the summary. */
  simStartMs?: number;
  now?: () => number;
};

/** A running reporter. */
export type ProgressReporter = {
  /** Stops the timer and prints the summary (the table, or one `summary` log line). Idempotent. */
  finish(): SimSummary;
};

/**
 * Starts reporting. Its timer is ref'd on purpose: it is what keeps the process alive while the
 * simulator's own timers are unref'd (as main.ts's progress timer was before).
 */
export function startProgressReporter(o: ProgressReporterOptions): ProgressReporter {
  const now = o.now ?? Date.now;
  const startedAt = now();
  // The simulator's own start, not the first stats read: simulated time has moved on by then.
  const simStartMs = o.simStartMs ?? Date.parse(o.stats().simTime);
  const window = new RateWindow(5000);
  window.add(startedAt, o.stats().published);
  const panel = o.mode === 'tty' ? o.panel : undefined;
  if (o.mode === 'tty' && !panel) throw new RangeError('tty progress needs a panel');

  function drawPanel(): void {
    const s = o.stats();
    const t = now();
    window.add(t, s.published);
    panel?.draw(formatProgressPanel(s, { ratePerSecond: window.rate(), realElapsedMs: t - startedAt, color: o.color, width: panel.width() }));
  }
  function logProgress(): void {
    const s = o.stats();
    const t = now();
    window.add(t, s.published);
    const rate = Math.round(window.rate());
    o.logger.info({ ...s, msgPerSecond: rate }, `sim ${s.simTime} | ${s.connected}/${s.devices} connected | ${rate} msg/s | ${s.published} published | ${s.buffered} buffered | ${s.dropped} dropped | ${s.errors} errors`);
  }
  const timer = o.mode === 'tty' ? setInterval(drawPanel, PANEL_EVERY_MS) : setInterval(o.mode === 'json' ? logProgress : () => {}, LOG_EVERY_MS);
  if (o.mode === 'tty') drawPanel();

  let summary: SimSummary | undefined;
  return {
    finish() {
      if (summary) return summary;
      clearInterval(timer);
      panel?.clear();
      summary = buildSimSummary(o.stats(), { simStartMs, realElapsedMs: now() - startedAt });
      if (o.tableOut) o.tableOut.write(formatSummaryTable(summary));
      else o.logger.info({ summary }, `summary: ${summary.published} published in ${summary.realSeconds} s (${summary.msgPerSecond} msg/s), ${summary.dropped} dropped, ${summary.errors} errors`);
      return summary;
    },
  };
}
