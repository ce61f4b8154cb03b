import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/errors.ts';
import { formatSimHelp, loadSimSecrets, parseSimArgs, simHelpRequested, SimArgsError } from '../../firmware-sim/src/config.ts';
import { backoffDelayMs } from '../../firmware-sim/src/device.ts';
import { createSimClock, resolveTimestampMode } from '../../firmware-sim/src/sim-clock.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

/** Runs parseSimArgs expecting a usage error; returns its problems. */
function problemsOf(argv: string[], env: Record<string, string> = {}): readonly string[] {
  try {
    parseSimArgs(argv, env);
  } catch (err) {
    expect(err).toBeInstanceOf(SimArgsError);
    expect((err as SimArgsError).exitCode).toBe(2);
    expect((err as SimArgsError).code).toBe('KANKI_CONFIG_INVALID');
    return (err as SimArgsError).problems;
  }
  throw new Error(`expected ${argv.join(' ')} to be rejected`);
}

describe('simulator flags', () => {
  it('fills every default', () => {
    const c = parseSimArgs([], {});
    expect(c).toMatchObject({
      broker: 'mqtt://127.0.0.1:1883', registry: 'config/registry.demo.yaml', sensors: undefined, interval: 60, speed: 1,
      start: undefined, timestamps: 'auto', secrets: undefined, duration: undefined, logLevel: 'info', buffer: 1440,
      reconnectMin: 1, reconnectMax: 60, sensorType: 'mixed',
    });
    expect(Number.isInteger(c.seed)).toBe(true);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('takes defaults from MQTT_URL, KANKI_REGISTRY and LOG_LEVEL, and flags win over them', () => {
    const env = { MQTT_URL: 'mqtt://broker.local:1883', KANKI_REGISTRY: '/etc/kanki/registry.yaml', LOG_LEVEL: 'warn' };
    expect(parseSimArgs([], env)).toMatchObject({ broker: 'mqtt://broker.local:1883', registry: '/etc/kanki/registry.yaml', logLevel: 'warn' });
    expect(parseSimArgs(['--registry', 'mine.yaml', '--log-level=debug'], env)).toMatchObject({ registry: 'mine.yaml', logLevel: 'debug' });
  });

  it('parses every flag, in both --flag value and --flag=value form', () => {
    const c = parseSimArgs([
      '--broker', 'mqtt://127.0.0.1:1999', '--sensors', '3', '--interval=30', '--speed', '600', '--seed', '42',
      '--start', '2026-11-24T08:30:00+09:00', '--timestamps', 'device', '--secrets', 'sim-secrets.yaml', '--duration', '3600',
      '--buffer', '10', '--reconnect-min', '0.1', '--reconnect-max', '2', '--sensor-type', 's8',
    ], {});
    expect(c).toMatchObject({
      broker: 'mqtt://127.0.0.1:1999', sensors: 3, interval: 30, speed: 600, seed: 42, start: Date.parse('2026-11-23T23:30:00Z'),
      timestamps: 'device', secrets: 'sim-secrets.yaml', duration: 3600, buffer: 10, reconnectMin: 0.1, reconnectMax: 2, sensorType: 's8',
    });
  });

  it('lists every problem at once, naming the flag and the value given', () => {
    const problems = problemsOf(['--speed', 'fast', '--sensors', '0', '--interval', '1.5x', '--timestamps', 'sometimes', '--start', 'yesterday', '--broker', 'http://x', '--log-level', 'loud']);
    expect(problems).toEqual(expect.arrayContaining([
      '--speed "fast": must be a number',
      '--sensors "0": must be at least 1',
      '--interval "1.5x": must be a number',
      '--timestamps "sometimes": must be one of auto, device, none',
      expect.stringMatching(/^--start "yesterday": must be "school-day" or an ISO 8601 time/),
      expect.stringMatching(/^--broker "http:\/\/x": must be a broker URL/),
      expect.stringMatching(/^--log-level "loud": must be one of fatal, error/),
    ]));
    expect(problems).toHaveLength(7);
  });

  it('rejects unknown flags, stray arguments, missing values and out-of-range numbers', () => {
    expect(problemsOf(['--sped', '60', 'extra'])).toEqual(['unknown flag --sped', 'unexpected argument "60" (flags look like --name value)', 'unexpected argument "extra" (flags look like --name value)']);
    expect(problemsOf(['--seed'])).toEqual(['--seed needs a value']);
    expect(problemsOf(['--interval', '--speed', '2'])[0]).toMatch(/^--interval needs a value \(got "--speed"/);
    expect(problemsOf(['--speed', '0'])).toEqual(['--speed "0": must be more than 0']);
    expect(problemsOf(['--speed', '7200'])).toEqual(['--speed "7200": must be at most 3600']);
    expect(problemsOf(['--reconnect-min', '5', '--reconnect-max', '1'])).toEqual(['--reconnect-min must not be larger than --reconnect-max']);
    expect(problemsOf(['--speed', '3600', '--interval', '5'])[0]).toMatch(/720 readings per second per device/);
    expect(problemsOf([], { LOG_LEVEL: 'chatty' })[0]).toMatch(/^env LOG_LEVEL "chatty"/);
  });

  it('prints every flag with its description and default in --help', () => {
    expect(simHelpRequested(['--speed', '60', '--help'])).toBe(true);
    expect(simHelpRequested(['-h'])).toBe(true);
    expect(simHelpRequested(['--speed', '60'])).toBe(false);
    const help = formatSimHelp({ KANKI_REGISTRY: 'ward.yaml' });
    const flags = ['--broker', '--registry', '--sensors', '--interval', '--speed', '--seed', '--start', '--timestamps', '--secrets',
      '--duration', '--log-level', '--buffer', '--reconnect-min', '--reconnect-max', '--sensor-type', '--faults', '--help',
      '--progress', '--load', '--connections', '--inflight'];
    flags.push('--staff-loop', '--staff-delay', '--staff-probability', '--staff-token', '--staff-api', '--staff-wide-minutes', '--staff-ajar-ach', '--staff-ajar-until', '--staff-widen', '--staff-all-day', '--staff-mqtt-username', '--faults-file');
    for (const flag of flags) expect(help).toMatch(new RegExp(`^  ${flag}\\b`, 'm'));
    expect(help).toContain('[default: mqtt://127.0.0.1:1883 (env MQTT_URL)]');
    expect(help).toContain('[default: ward.yaml (env KANKI_REGISTRY)]');
    expect(help).toContain('simulated seconds between two readings of a device [default: 60]');
    // Every flag parseSimArgs accepts is documented.
    const keys = Object.keys(parseSimArgs([], {})).map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    for (const flag of keys) expect(flags).toContain(flag);
  });
});

describe('simulated time and device timestamps', () => {
  it('runs --speed times faster than real time from --start', () => {
    let real = 1_000_000;
    const clock = createSimClock({ startMs: Date.parse('2026-11-24T08:30:00+09:00'), speed: 60, realNow: () => real });
    real += 1000;
    expect(new Date(clock.now()).toISOString()).toBe('2026-11-23T23:31:00.000Z');
    expect(clock.realDelayUntil(Date.parse('2026-11-23T23:41:00Z'))).toBe(10_000);
  });

  it('sends device timestamps in auto mode only while simulated time tracks real time', () => {
    const now = Date.parse('2026-11-24T01:00:00Z');
    expect(resolveTimestampMode('auto', 1, now, now)).toBe('device');
    expect(resolveTimestampMode('auto', 60, now, now)).toBe('none'); // stamps would run ahead of real time
    expect(resolveTimestampMode('auto', 1, now - 86_400_000, now)).toBe('none'); // a day behind
    expect(resolveTimestampMode('device', 600, now, now)).toBe('device');
    expect(resolveTimestampMode('none', 1, now, now)).toBe('none');
  });
});

describe('--start school-day', () => {
  const at = (iso: string) => Date.parse(iso);
  const start = (now: string) => new Date(parseSimArgs(['--start', 'school-day'], {}, at(now)).start ?? 0).toISOString();

  it('starts at 08:00 Japan time of today on a school day, whatever the hour', () => {
    expect(start('2026-11-24T12:30:00+09:00')).toBe('2026-11-23T23:00:00.000Z');
    expect(start('2026-11-24T06:00:00+09:00')).toBe('2026-11-23T23:00:00.000Z');
  });

  it('skips weekends, public holidays and school breaks', () => {
    // Sunday 22nd → Monday 23rd is 勤労感謝の日 → Tuesday 24th.
    expect(start('2026-11-22T10:00:00+09:00')).toBe('2026-11-23T23:00:00.000Z');
    // The winter break runs to 7 January: Friday 8 January 2027.
    expect(start('2026-12-28T10:00:00+09:00')).toBe('2027-01-07T23:00:00.000Z');
  });

  it('names both accepted forms when the value is neither', () => {
    expect(() => parseSimArgs(['--start', 'tomorrow'], {})).toThrow(/--start "tomorrow": must be "school-day" or an ISO 8601 time/);
  });
});

describe('reconnect backoff', () => {
  it('doubles up to the maximum, with jitter in the upper half', () => {
    const low = () => 0;
    const high = () => 0.999999;
    expect([0, 1, 2, 3].map((a) => backoffDelayMs(a, 1000, 60_000, high))).toEqual([1000, 2000, 4000, 8000].map((v) => expect.closeTo(v, 0)));
    expect(backoffDelayMs(3, 1000, 60_000, low)).toBe(4000);
    expect(backoffDelayMs(20, 1000, 60_000, high)).toBeCloseTo(60_000, 0);
    expect(backoffDelayMs(1000, 1000, 60_000, low)).toBe(30_000);
  });
});

describe('device secrets file', () => {
  let dir: ReturnType<typeof makeTempDir> | undefined;
  afterEach(() => dir?.remove());

  it('reads a flat map or the broker-style devices section, and refuses hashes without echoing secrets', () => {
    dir = makeTempDir();
    const flat = join(dir.path, 'flat.yaml');
    writeFileSync(flat, 'nwo-1f-counter-01: s3cret-one\nmsn-age0-01: s3cret-two\n');
    expect([...loadSimSecrets(flat)]).toEqual([['nwo-1f-counter-01', 's3cret-one'], ['msn-age0-01', 's3cret-two']]);
    const sectioned = join(dir.path, 'broker.yaml');
    writeFileSync(sectioned, 'devices:\n  nwo-1f-counter-01: s3cret-one\nservices:\n  kanki-ingest: { secret: x, role: ingest }\n');
    expect(loadSimSecrets(sectioned).get('nwo-1f-counter-01')).toBe('s3cret-one');
    const hashed = join(dir.path, 'hashed.yaml');
    writeFileSync(hashed, 'devices:\n  nwo-1f-counter-01: "scrypt$16384$8$1$c2FsdA==$aGFzaA=="\n');
    expect(() => loadSimSecrets(hashed)).toThrow(/nwo-1f-counter-01 hold hashes/);
    const bad = join(dir.path, 'bad.yaml');
    writeFileSync(bad, 'nwo-1f-counter-01: [not, a, secret]\n');
    expect(() => loadSimSecrets(bad)).toThrow(ConfigError);
    expect(() => loadSimSecrets(bad)).not.toThrow(/not, a/);
  });
});

describe('faults file', () => {
  let dir: ReturnType<typeof makeTempDir> | undefined;
  afterEach(() => dir?.remove());

  it('reads entries one or more per line with # comments; --faults overrides it per kind', () => {
    dir = makeTempDir();
    const file = join(dir.path, 'faults.txt');
    writeFileSync(file, '# a long test plan\nspike=0.01   # single-sample spikes\n\nstuck=0.5/h:45m@tbe-c11-01|ncc-craft, dropout=1/h\n');
    const fromFile = parseSimArgs(['--faults-file', file]);
    expect(fromFile.faults).toEqual({ spike: { rate: 0.01, arg: expect.any(Number) }, stuck: { rate: 0.5, arg: 45 * 60_000, devices: ['tbe-c11-01', 'ncc-craft'] }, dropout: { rate: 1, arg: expect.any(Number) } });
    const both = parseSimArgs(['--faults-file', file, '--faults', 'spike=0.05,nan=0.001']);
    expect(both.faults.spike?.rate).toBe(0.05);
    expect(both.faults.stuck?.rate).toBe(0.5);
    expect(both.faults.nan?.rate).toBe(0.001);
  });

  it('names the file and line of every bad entry, and a file it cannot read', () => {
    dir = makeTempDir();
    const file = join(dir.path, 'bad.txt');
    writeFileSync(file, 'spike=0.01\nstuck=0.5\nwobble=1\n');
    let err: unknown;
    try {
      parseSimArgs(['--faults-file', file]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SimArgsError);
    const problems = (err as SimArgsError).problems.join('\n');
    expect(problems).toContain(`--faults-file ${file}:2: `);
    expect(problems).toContain('stuck=0.5/h');
    expect(problems).toMatch(new RegExp(`--faults-file ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3: unknown fault "wobble"`));
    expect(() => parseSimArgs(['--faults-file', join(dir?.path ?? '', 'missing.txt')])).toThrow(/--faults-file ".*missing\.txt": cannot read it \(ENOENT\)/);
    expect(() => parseSimArgs(['--faults-file', file, '--load', '100'])).toThrow(/--faults-file applies to registry devices/);
  });
});
