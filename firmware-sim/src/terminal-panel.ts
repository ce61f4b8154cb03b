/**
 * A few status lines kept at the bottom of a terminal and redrawn in place, with log lines written
 * above them.
 *
 * The design: the panel goes to stderr and the JSON logs stay on stdout (pino's usual place, so
 * `npm run sim | jq` still gets clean NDJSON while the panel shows on the terminal). When both are
 * the same terminal, a log line would land in the middle of the panel; so the logger's destination
 * is `writeAbove`: erase the panel, write the line, draw the panel again below it. Terminal writes
 * are synchronous in Node on Linux, so the three steps cannot interleave with another write.
 * Only cursor-movement codes are used here; colours are decided by the caller (NO_COLOR).
 */

/** The part of a tty stream the panel needs (injected, so tests can pass a string sink). */
export type PanelStream = { write(text: string): unknown; columns?: number };

/** A redrawable panel. */
export type TerminalPanel = {
  /** Replaces the panel with these lines. */
  draw(lines: readonly string[]): void;
  /** Writes `text` (whole lines) to `target` above the panel, then redraws the panel. */
  writeAbove(target: { write(text: string): unknown }, text: string): void;
  /** Removes the panel from the screen (before the summary or on exit). */
  clear(): void;
  /** The terminal's width now (80 when unknown). */
  width(): number;
};

/** Cursor up n lines, to column 1, and erase from there to the end of the screen. */
const eraseUp = (n: number) => `\x1b[${n}F\x1b[0J`;

/** Creates the panel on `out` (normally process.stderr). */
export function createTerminalPanel(out: PanelStream): TerminalPanel {
  let shown: readonly string[] = [];
  const erase = (): string => (shown.length > 0 ? eraseUp(shown.length) : '');
  return {
    draw(lines) {
      out.write(`${erase()}${lines.map((l) => `${l}\n`).join('')}`);
      shown = [...lines];
    },
    writeAbove(target, text) {
      if (target === out) {
        out.write(`${erase()}${text}${shown.map((l) => `${l}\n`).join('')}`);
        return;
      }
      if (shown.length > 0) out.write(erase());
      target.write(text);
      if (shown.length > 0) out.write(shown.map((l) => `${l}\n`).join(''));
    },
    clear() {
      if (shown.length > 0) out.write(erase());
      shown = [];
    },
    width: () => Math.max(20, (out.columns ?? 80) - 1),
  };
}
