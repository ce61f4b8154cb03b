/**
 * `npm start` (start.ts) as a real process, the way a developer runs it: the whole system with
 * simulated sensors comes up, and Ctrl-C stops it cleanly — exit code 0, and the monitors' goodbye
 * (each publishes `offline` when the simulator closes) does not reach the ingest as a
 * sensor-offline alert for every room.
 */
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/temp-dir.ts';

const dir = makeTempDir('kanki-npm-start-');
afterAll(() => dir.remove());

describe('npm start', () => {
  it('runs the whole system and stops on SIGINT without raising sensor-offline alerts', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'start.ts', '--speed', '60', '--seed', '3'], {
      env: {
        ...process.env, LOG_LEVEL: 'info', DATA_DIR: dir.path, NODE_ENV: 'development',
        MQTT_PORT: '0', MQTT_HOST: '127.0.0.1', HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', INGEST_HTTP_PORT: '0', INGEST_HTTP_HOST: '127.0.0.1',
        INFLUX_URL: '', KANKI_DEVICE_SECRETS: '', KANKI_SIM_STAFF_TOKEN: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      // Running, and the ingest has decided something about the rooms (60× makes a classroom alert within seconds).
      while (!(out.includes('Kanki is running') && /alert (raised|escalated)/.test(out)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(out).toContain('Kanki is running');
      expect(out).toMatch(/alert (raised|escalated)/);
      expect(out).not.toContain('alert sensor_offline');
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    expect(out).toContain('shutting down');
    expect(out).toContain('simulator stopped');
    expect(out).not.toContain('alert sensor_offline');
    expect(out).not.toMatch(/"level":(50|60)/);
  }, 90_000);
});
