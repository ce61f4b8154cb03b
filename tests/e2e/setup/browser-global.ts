/**
 * Vitest global setup of the browser tests: makes sure Chromium and a Japanese font are installed
 * (see `chromium.ts`) once per run, before any test file starts a browser, and hands the binary's
 * path to the test files (`inject('chromiumPath')`).
 */
import type { TestProject } from 'vitest/node';
import { ensureChromium } from './chromium.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    chromiumPath: string;
  }
}

export function setup(project: TestProject): void {
  project.provide('chromiumPath', ensureChromium());
}
