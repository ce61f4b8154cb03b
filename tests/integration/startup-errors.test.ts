/**
 * Each deployable refuses to start on a bad registry or bad configuration, with every problem
 * named, and exits with code 2 — run as real processes, as an operator would start them.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/temp-dir.ts';

const dir = makeTempDir();
afterAll(() => dir.remove());

const badRegistry = join(dir.path, 'bad.yaml');
writeFileSync(badRegistry, `facilities:
  - id: Nishi Ward
    name: { ja: 西区役所 }
    kind: office
    rooms:
      - { id: "room,1", name: { ja: a, en: b }, sensors: [s1] }
      - { id: room-2, name: { ja: a, en: b }, sensors: [s1] }
`);

function run(script: string, env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, LOG_LEVEL: 'silent', DATA_DIR: dir.path, INGEST_HTTP_PORT: '0', HTTP_PORT: '0', MQTT_PORT: '0', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('startup errors', () => {
  it.each([['ingest/src/main.ts'], ['dashboard/src/main.ts']])('%s refuses a registry with errors and lists each with its path', (script) => {
    const r = run(script, { KANKI_REGISTRY: badRegistry, MQTT_URL: 'mqtt://127.0.0.1:1' });
    expect(r.status).toBe(2);
    const out = r.stderr + r.stdout;
    expect(out).toContain('facilities[0].id');
    expect(out).toContain('facilities[0].name.en');
    expect(out).toContain('facilities[0].rooms[0].id');
  });

  it('the ingest lists every bad variable at once', () => {
    const r = run('ingest/src/main.ts', { INGEST_BATCH_SIZE: 'lots', INGEST_HTTP_PORT: '70000', INFLUX_URL: 'not a url' });
    expect(r.status).toBe(2);
    const out = r.stderr + r.stdout;
    expect(out).toContain('INGEST_BATCH_SIZE');
    expect(out).toContain('INGEST_HTTP_PORT');
    expect(out).toContain('INFLUX_URL');
  });

  it('the ingest refuses to start in production without MQTT credentials', () => {
    const r = run('ingest/src/main.ts', { NODE_ENV: 'production' });
    expect(r.status).toBe(2);
    expect(r.stderr + r.stdout).toContain('MQTT_USERNAME and MQTT_PASSWORD are required in production');
  });

  it('the ingest refuses to start in production without a link secret, with the example staff tokens, or with a notification secret missing', () => {
    const prod = { NODE_ENV: 'production', MQTT_USERNAME: 'kanki-ingest', MQTT_PASSWORD: 'a-real-password-0123456789', MQTT_URL: 'mqtt://127.0.0.1:1' };
    const noSecret = run('ingest/src/main.ts', prod);
    expect(noSecret.status).toBe(2);
    expect(noSecret.stderr + noSecret.stdout).toContain('KANKI_LINK_SECRET is required in production');
    const example = run('ingest/src/main.ts', { ...prod, KANKI_LINK_SECRET: 'x'.repeat(48) });
    expect(example.status).toBe(2);
    expect(example.stderr + example.stdout).toContain('public example token');
    const notify = run('ingest/src/main.ts', { ...prod, KANKI_LINK_SECRET: 'x'.repeat(48), KANKI_STAFF: 'none', KANKI_NOTIFY: 'config/notify.example.yaml' });
    expect(notify.status).toBe(2);
    const out = notify.stderr + notify.stdout;
    expect(out).toContain('environment variable KANKI_SMTP_PASSWORD is not set');
    expect(out).toContain('environment variable KANKI_LINE_TOKEN is not set');
  });

  it('the dashboard refuses to start in production without a real service token for the staff console, or with the example staff file', () => {
    const noToken = run('dashboard/src/main.ts', { NODE_ENV: 'production' });
    expect(noToken.status).toBe(2);
    expect(noToken.stderr + noToken.stdout).toContain('KANKI_INGEST_TOKEN: required in production');
    const example = run('dashboard/src/main.ts', { NODE_ENV: 'production', KANKI_INGEST_TOKEN: 'kst_a-real-looking-token-0123456789' });
    expect(example.status).toBe(2);
    const out = example.stderr + example.stdout;
    expect(out).toContain('public example password');
    expect(out).toContain('public example token');
  });

  it('the broker refuses to start in production without device secrets', () => {
    const r = run('broker/src/main.ts', { NODE_ENV: 'production' });
    expect(r.status).toBe(2);
    expect(r.stderr + r.stdout).toMatch(/KANKI_DEVICE_SECRETS/);
  });
});
