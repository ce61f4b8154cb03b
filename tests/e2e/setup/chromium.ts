/**
 * Finds the Chromium the browser tests drive, installing it when missing — the same approach as
 * `tests/setup/influxd.ts`: Debian's `chromium` (never a browser downloaded by a test tool, which
 * this network refuses) and `fonts-noto-cjk`, without which Japanese text renders as empty boxes
 * in screenshots. If either is missing and we are root with apt-get, both are installed; otherwise
 * this fails with the instruction to install them — the browser tests never skip silently.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian packages the browser tests need. */
export const BROWSER_PACKAGES = ['chromium', 'fonts-noto-cjk'] as const;

const sh = (command: string) => spawnSync('sh', ['-c', command], { encoding: 'utf8' });

/** `KANKI_CHROMIUM` (any Chromium or Chrome binary) wins, then whatever `chromium` is on PATH. */
function findChromium(): string | null {
  const override = process.env.KANKI_CHROMIUM;
  if (override) return existsSync(override) ? override : null;
  const r = sh('command -v chromium || command -v chromium-browser');
  return r.status === 0 ? (r.stdout.trim().split('\n')[0] ?? null) : null;
}

/** True when fontconfig knows a font with Japanese coverage (fonts-noto-cjk, or any other). */
function hasJapaneseFont(): boolean {
  const r = sh('fc-list :lang=ja family');
  return r.status === 0 && r.stdout.trim().length > 0;
}

/**
 * The path of a usable Chromium, with a Japanese font present. Installs what is missing with
 * `apt-get install -y` when possible (idempotent: a no-op costing well under a second once both
 * are there, because nothing is run then at all).
 */
export function ensureChromium(): string {
  const found = findChromium();
  if (found && hasJapaneseFont()) return found;
  if (process.env.KANKI_CHROMIUM && !found) {
    throw new Error(`KANKI_CHROMIUM is set to "${process.env.KANKI_CHROMIUM}", which does not exist.`);
  }
  const missing = [...(found ? [] : ['chromium']), ...(hasJapaneseFont() ? [] : ['fonts-noto-cjk'])];
  const isRoot = process.getuid?.() === 0;
  const hasApt = sh('command -v apt-get').status === 0;
  if (!isRoot || !hasApt) {
    throw new Error(
      `The browser tests (tests/e2e) need ${missing.join(' and ')}, not installed here. Install them: ` +
        `\`sudo apt-get install -y ${BROWSER_PACKAGES.join(' ')}\` (Debian/Ubuntu), or point KANKI_CHROMIUM at a Chromium/Chrome binary and install a Japanese font (e.g. Noto Sans CJK JP).`,
    );
  }
  console.error(`[kanki tests] ${missing.join(' and ')} not found: installing Debian packages ${BROWSER_PACKAGES.join(', ')} with apt-get…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // `update` first: a fresh CI image often has empty package lists, and then `install` finds nothing.
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const install = spawnSync('apt-get', ['install', '-y', '-qq', ...BROWSER_PACKAGES], { stdio: 'inherit', env });
  const after = findChromium();
  if (update.status !== 0 || install.status !== 0 || !after || !hasJapaneseFont()) {
    throw new Error(`installing the browser with \`apt-get install -y ${BROWSER_PACKAGES.join(' ')}\` failed; install them by hand and rerun.`);
  }
  return after;
}
