/**
 * `firmware-sim/src/main.ts` as CI, docker or a pipe runs it (no terminal): JSON log lines only, no
 * ANSI escape codes, and the summary as one JSON line at the end; with `--progress tty` the panel
 * goes to stderr while stdout stays clean NDJSON. Real processes against a real aedes broker.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/mqtt.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[/;

/** Runs the simulator to completion with pipes for stdout and stderr (so neither is a TTY). */
function runSim(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'firmware-sim/src/main.ts', ...args], {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'info', NO_COLOR: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The JSON lines of stdout; fails on any line that is not JSON. */
const jsonLines = (text: string) => text.trim().split('\n').map((l) => JSON.parse(l) as { msg: string; summary?: Record<string, unknown> });

let broker: TestBroker;
beforeAll(async () => {
  broker = await startTestBroker();
});
afterAll(async () => {
  await broker.close();
});

describe('simulator command line without a terminal', () => {
  it('load mode: JSON lines only, no ANSI codes, and a JSON summary', async () => {
    // 600 sensors, one reading per 10 simulated seconds, 20 simulated seconds (2 real ones): 1200 readings.
    const run = await runSim(['--broker', broker.url, '--load', '600', '--connections', '3', '--interval', '10', '--speed', '10', '--duration', '20', '--seed', '5']);
    expect(run.code).toBe(0);
    expect(run.stdout + run.stderr).not.toMatch(ANSI);
    const lines = jsonLines(run.stdout);
    const summary = lines.find((l) => l.summary)?.summary;
    expect(summary).toMatchObject({ devices: 600, simulatedSeconds: 20, dropped: 0, errors: 0 });
    // Each sensor read twice in 20 simulated seconds at a 10 s interval (its phase decides whether a third fits: no).
    expect(summary?.published).toBe(1200);
    expect(summary?.byFormat).toEqual({ native: 1200 });
  });

  it('registry mode: the same, with per-format counts', async () => {
    const run = await runSim(['--broker', broker.url, '--sensors', '3', '--interval', '10', '--speed', '10', '--duration', '30', '--seed', '5']);
    expect(run.code).toBe(0);
    expect(run.stdout + run.stderr).not.toMatch(ANSI);
    const summary = jsonLines(run.stdout).find((l) => l.summary)?.summary;
    expect(summary).toMatchObject({ devices: 3, simulatedSeconds: 30, dropped: 0 });
    expect(summary?.published).toBeGreaterThanOrEqual(6);
    const byFormat = summary?.byFormat as Record<string, number>;
    expect(Object.values(byFormat).reduce((a, b) => a + b, 0)).toBe(summary?.published);
  });

  it('--progress tty draws the panel on stderr and keeps stdout clean NDJSON', async () => {
    const run = await runSim(['--broker', broker.url, '--load', '100', '--connections', '2', '--interval', '10', '--speed', '10', '--duration', '15', '--progress', 'tty']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('kanki-sim  sim ');
    expect(run.stderr).toContain('\x1b[3F\x1b[0J'); // redrawn in place, three lines up
    // eslint-disable-next-line no-control-regex
    expect(run.stderr).not.toMatch(/\x1b\[3[0-9]m/); // no colour: stderr is not a terminal
    expect(run.stdout).not.toMatch(ANSI);
    expect(jsonLines(run.stdout).find((l) => l.summary)?.summary).toMatchObject({ devices: 100 });
  });
});
