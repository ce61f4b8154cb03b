/**
 * Headless Chromium for the browser tests, through playwright-core (no browser download: the binary
 * is Debian's, found or installed by `setup/chromium.ts`), and the helpers every page test needs:
 * open a page in a language and a viewport, audit it with axe-core, save a screenshot.
 *
 * A test file calls `useE2E()` once: it starts the whole system and one browser for the file,
 * gives every `openPage` call a fresh browser context (own cookies, own viewport) and closes those
 * after each test, so tests do not see each other's language cookie.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AxeResults, Result as AxeViolation } from 'axe-core';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, inject } from 'vitest';
import { startSystem, type RunningSystem, type SystemOptions } from './system.ts';

/**
 * Flags of every launch. The networking ones matter here: without them Chromium keeps trying to
 * reach Google's services, which this machine's closed network refuses, and each attempt costs
 * time and log noise. No `--user-data-dir`: Playwright refuses it in `launch()` and makes a fresh,
 * empty profile in the temp dir for every browser itself (removed when the browser closes).
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic',
];

/** Where `screenshot()` writes: `docs/screenshots/<name>.png`, committed with the docs. */
export const SCREENSHOT_DIR = new URL('../../../docs/screenshots/', import.meta.url).pathname;

/** Screenshots are written only with `KANKI_SCREENSHOTS=1`, so a normal run never rewrites the committed images. */
export const WRITE_SCREENSHOTS = process.env.KANKI_SCREENSHOTS === '1';

const AXE_SCRIPT = new URL('../../../node_modules/axe-core/axe.min.js', import.meta.url).pathname;

/** Launches the Chromium found by the global setup. */
export async function launchBrowser(executablePath: string = inject('chromiumPath')): Promise<Browser> {
  return chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS], timeout: 30_000 });
}

/** How to open a page. */
export type OpenPageOptions = {
  /** Catalogue code (`ja`, `en`, `ja-easy`): set as the remembered-language cookie before the visit. */
  lang?: string;
  /** CSS pixels; default 1280×800. */
  viewport?: { width: number; height: number };
  /**
   * Browser zoom, e.g. 2 for 200 %: what zooming does — the CSS viewport shrinks by the factor and
   * each CSS pixel gets that many device pixels (WCAG 1.4.4 / 1.4.10 reflow).
   */
  zoom?: number;
  /** Device pixels per CSS pixel without zooming (a phone's 2× or 3× screen); default: `zoom`. */
  deviceScaleFactor?: number;
  /** Browser language (Accept-Language), default `ja-JP`: a resident's phone in Yokohama. */
  locale?: string;
  /** Disable the page's CSP; needed by `axeAudit`, which injects a script. */
  bypassCSP?: boolean;
  /** Reuse a context (same cookies), e.g. to check what is remembered on the next visit. */
  context?: BrowserContext;
};

/** Problems a page reported while a test ran: uncaught exceptions and CSP violations. */
export type PageProblems = string[];

/** The per-file harness from `useE2E`. */
export type E2E = {
  /** The running system (available inside tests and hooks). */
  readonly system: RunningSystem;
  readonly browser: Browser;
  /** Opens `path` of the dashboard in a new context (or `options.context`) and waits for the load. */
  openPage(path: string, options?: OpenPageOptions): Promise<Page>;
};

/**
 * Registers the hooks of one test file: system and browser in `beforeAll`, contexts closed in
 * `afterEach` (failing the test if a page threw or broke its CSP), everything stopped in `afterAll`.
 */
export function useE2E(options: SystemOptions = {}): E2E {
  let system: RunningSystem | undefined;
  let browser: Browser | undefined;
  const contexts = new Set<BrowserContext>();
  const problems: PageProblems = [];

  beforeAll(async () => {
    [system, browser] = await Promise.all([startSystem(options), launchBrowser()]);
    await system.waitForLiveData();
  }, 90_000);

  afterEach(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    contexts.clear();
    const seen = problems.splice(0);
    expect(seen, 'errors reported by the page').toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await system?.close();
  }, 30_000);

  const required = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`${what} is not started: use it inside a test or hook`);
    return v;
  };

  return {
    get system() {
      return required(system, 'the system');
    },
    get browser() {
      return required(browser, 'the browser');
    },
    async openPage(path, o = {}) {
      const sys = required(system, 'the system');
      let context = o.context;
      if (!context) {
        const zoom = o.zoom ?? 1;
        const base = o.viewport ?? { width: 1280, height: 800 };
        context = await required(browser, 'the browser').newContext({
          viewport: { width: Math.round(base.width / zoom), height: Math.round(base.height / zoom) },
          deviceScaleFactor: o.deviceScaleFactor ?? zoom,
          locale: o.locale ?? 'ja-JP',
          timezoneId: 'Asia/Tokyo',
          bypassCSP: o.bypassCSP ?? false,
          reducedMotion: 'reduce',
        });
        contexts.add(context);
        if (o.lang) await context.addCookies([{ name: 'kanki_lang', value: o.lang, url: sys.url }]);
      }
      const page = await context.newPage();
      page.on('pageerror', (err) => problems.push(`${path}: uncaught ${err.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) problems.push(`${path}: ${m.text()}`);
      });
      const response = await page.goto(new URL(path, sys.url).href, { waitUntil: 'load' });
      if (!response?.ok()) throw new Error(`GET ${path} answered ${response?.status()}`);
      return page;
    },
  };
}

/** An axe-core run and what matters of it. */
export type AxeAudit = {
  results: AxeResults;
  /** Violations of impact `serious` or `critical`: what a test must not accept. */
  serious: AxeViolation[];
  /** One line per violation (any impact) with its rule, impact, help and the first offending elements. */
  report: string;
};

/**
 * Runs axe-core (WCAG 2.0–2.2 A/AA and best practices) on the page as it is now. Injects
 * `axe.min.js` from node_modules, so the page's context must be opened with `bypassCSP: true`
 * (the pages allow scripts from 'self' only).
 */
export async function axeAudit(page: Page): Promise<AxeAudit> {
  await page.addScriptTag({ path: AXE_SCRIPT });
  const results = await page.evaluate(async () => {
    const axe = (window as unknown as { axe?: typeof import('axe-core') }).axe;
    if (!axe) throw new Error('axe-core did not load: open the page with { bypassCSP: true }');
    return axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] }, resultTypes: ['violations'] });
  });
  const report = results.violations
    .map((v) => `[${v.impact ?? '?'}] ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}${v.nodes.length > 3 ? ` (+${v.nodes.length - 3} more)` : ''}`)
    .join('\n');
  return { results, serious: results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'), report };
}

/**
 * Takes a PNG of the viewport (or the whole page). Written to `docs/screenshots/<name>.png` only
 * when `KANKI_SCREENSHOTS=1`; otherwise just returned, so the rendering is still exercised.
 */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<Buffer> {
  // Japanese glyphs come from a system font; wait until text is laid out with it.
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  const png = await page.screenshot({ fullPage: options.fullPage ?? false, animations: 'disabled' });
  if (WRITE_SCREENSHOTS) {
    const file = join(SCREENSHOT_DIR, `${name}.png`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, png);
  }
  return png;
}

/** Widths in CSS pixels: how far the page scrolls sideways (0 = it fits). */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}
