/**
 * The simulator's command line: `node:util` parseArgs splits the flags, one zod schema converts and
 * checks them, and every problem is reported at once (exit code 2 in main). The flag table is the
 * single source of the schema, the `--help` text and the README's flag list.
 */
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { LogLevelSchema } from '../../common/config.ts';
import { ConfigError } from '../../common/errors.ts';
import { FaultListSchema, FaultPlanError, parseFaultList, type FaultPlan } from './fault-plan.ts';
import { AJAR_UNTIL, type AjarUntil } from './intervention.ts';
import { SENSOR_TYPES, type SensorType } from './sensor-model.ts';
import { schoolDayStartMs, TIMESTAMP_MODES, type TimestampMode } from './sim-clock.ts';

/** The simulator's configuration, parsed once from the command line (and a few env defaults). */
export type SimConfig = Readonly<{
  /** MQTT broker URL (`mqtt://`, `mqtts://`, `ws://`, `wss://`). */
  broker: string;
  /** Registry file whose sensors are simulated. */
  registry: string;
  /** Simulate only the first N sensors of the registry (any firmware, file order); undefined = all. */
  sensors: number | undefined;
  /** Simulated seconds between two readings of one device. */
  interval: number;
  /** Simulated seconds per real second. */
  speed: number;
  /** Seed of every random draw: the same seed, registry and start give the same readings. */
  seed: number;
  /** Simulated start instant (epoch ms); undefined = the real time at start. */
  start: number | undefined;
  /** Whether readings carry a device `ts` (see sim-clock.ts for why `auto`). */
  timestamps: TimestampMode;
  /** YAML file of device id → plain secret (MQTT password); undefined = connect without passwords. */
  secrets: string | undefined;
  /** Stop after this many simulated seconds; undefined = run until stopped. */
  duration: number | undefined;
  logLevel: z.output<typeof LogLevelSchema>;
  /** Readings each device keeps while offline, sent on reconnect (then newer ones are counted as dropped). */
  buffer: number;
  /** First reconnect delay, real seconds (doubles per failed attempt, with jitter). */
  reconnectMin: number;
  /** Longest reconnect delay, real seconds. */
  reconnectMax: number;
  /** Sensor model of every device, or `mixed` (each device draws one from the seed). */
  sensorType: SensorType | 'mixed';
  /** How progress is shown: a live panel on a terminal, JSON log lines, or nothing (see progress.ts). */
  progress: ProgressMode;
  /** Load mode: simulate this many synthetic sensors over a few shared connections; undefined = the registry's devices. */
  load: number | undefined;
  /** Load mode: MQTT connections the synthetic sensors share. */
  connections: number;
  /** Load mode: unacknowledged readings per connection at most (more due readings are counted as dropped). */
  inflight: number;
  /** Faults the devices show and how often (fault-plan.ts); empty = healthy devices. */
  faults: FaultPlan;
  /** A file of fault entries (one or more per line, `#` comments), merged under `--faults`. */
  faultsFile: string | undefined;
  /** Simulated staff react to alerts (closed-loop.ts), and every room gets a counterfactual twin. */
  staffLoop: boolean;
  /** Mean simulated minutes from an alert notice to open windows. */
  staffDelay: number;
  /** Chance that staff act on one notice, 0..1. */
  staffProbability: number;
  /** Bearer token of the staff user who acknowledges (env KANKI_SIM_STAFF_TOKEN keeps it out of shell history). */
  staffToken: string | undefined;
  /** Base URL of the ingest's HTTP port (staff API). */
  staffApi: string;
  /** Minutes staff keep windows wide open. */
  staffWideMinutes: number;
  /** Air changes per hour with windows left ajar afterwards. */
  staffAjarAch: number;
  /** What ends the ajar stretch: the lesson over and the alert resolved, the alert resolving, or the end of the lesson (intervention.ts). */
  staffAjarUntil: AjarUntil;
  /** Factor staff widen the gap by, for the rest of the day, after a relapse notice (1: never). */
  staffWiden: number;
  /** Staff follow a notice's advice (a room's second alert of the day on) to keep a gap open for the rest of the day. */
  staffAllDay: boolean;
  /** MQTT username the staff subscribe to alerts with (password from env KANKI_SIM_STAFF_MQTT_PASSWORD). */
  staffMqttUsername: string | undefined;
}>;

/** `auto` = a live panel when stderr is a terminal, else JSON log lines. */
export const PROGRESS_MODES = ['auto', 'tty', 'json', 'off'] as const;
/** `--progress` value. */
export type ProgressMode = (typeof PROGRESS_MODES)[number];

/** Bad flags: `problems` lists every one; main exits with code 2 (usage error). */
export class SimArgsError extends ConfigError {
  readonly problems: readonly string[];
  readonly exitCode = 2;
  constructor(problems: readonly string[]) {
    super(`invalid flags:\n  - ${problems.join('\n  - ')}\nRun with --help to see every flag.`);
    this.problems = problems;
  }
}

const numberFlag = (o: { int?: boolean; min: number; max: number; minExclusive?: boolean }) =>
  z
    .string()
    .trim()
    .regex(o.int ? /^\d+$/ : /^\d+(\.\d+)?$/, o.int ? 'must be a whole number' : 'must be a number')
    .transform(Number)
    .pipe(
      z
        .number()
        .refine((v) => (o.minExclusive ? v > o.min : v >= o.min), o.minExclusive ? `must be more than ${o.min}` : `must be at least ${o.min}`)
        .refine((v) => v <= o.max, `must be at most ${o.max}`),
    );

const LOG_LEVELS = LogLevelSchema.unwrap().options;

/** The flag schema; env vars only supply defaults shared with the other deployables. */
function simFlagsSchema(env: Record<string, string | undefined>, realNowMs = Date.now()) {
  const d = envDefaults(env);
  return z.object({
    broker: z.url({ protocol: /^(mqtts?|wss?|tcp)$/, error: 'must be a broker URL such as mqtt://127.0.0.1:1883' }).default(d.broker)
      .describe('MQTT broker to connect to (mqtt://, mqtts://, ws://, wss://)'),
    registry: z.string().trim().min(1, 'must not be empty').default(d.registry)
      .describe('registry (YAML or JSON) whose sensors are simulated'),
    sensors: numberFlag({ int: true, min: 1, max: 1_000_000 }).optional()
      .describe('simulate only the first N sensors of the registry (file order)'),
    interval: numberFlag({ min: 1, max: 86_400 }).default(60)
      .describe('simulated seconds between two readings of a device'),
    speed: numberFlag({ min: 0, max: 3600, minExclusive: true }).default(1)
      .describe('simulated time runs this many times faster than real time'),
    seed: numberFlag({ int: true, min: 0, max: 2 ** 32 - 1 }).default(() => randomInt(2 ** 32 - 1))
      .describe('seed of all random draws (same seed and --start = same readings)'),
    start: z.union([
      z.literal('school-day').transform(() => schoolDayStartMs(realNowMs)),
      z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
    ], { error: 'must be "school-day" or an ISO 8601 time with a zone, e.g. 2026-11-24T08:30:00+09:00' }).optional()
      .describe('simulated start instant, e.g. 2026-11-24T08:30:00+09:00; school-day = 08:00 JST of today or the next school day'),
    timestamps: z.enum(TIMESTAMP_MODES, { error: `must be one of ${TIMESTAMP_MODES.join(', ')}` }).default('auto')
      .describe('send device time in "ts": auto = only while simulated time tracks real time (speed 1, start now)'),
    secrets: z.string().trim().min(1, 'must not be empty').optional()
      .describe('YAML map of device id -> plain secret (MQTT password); a "devices:" section also works'),
    duration: numberFlag({ min: 0, max: 10 * 365 * 86_400, minExclusive: true }).optional()
      .describe('stop after this many simulated seconds'),
    logLevel: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default(d.logLevel)
      .describe(`log level: ${LOG_LEVELS.join(', ')}`),
    buffer: numberFlag({ int: true, min: 0, max: 1_000_000 }).default(1440)
      .describe('readings a device keeps while offline and sends on reconnect'),
    reconnectMin: numberFlag({ min: 0.01, max: 3600 }).default(1)
      .describe('first reconnect delay in real seconds; doubles per failed attempt, with jitter'),
    reconnectMax: numberFlag({ min: 0.01, max: 3600 }).default(60)
      .describe('longest reconnect delay in real seconds'),
    sensorType: z.enum([...SENSOR_TYPES, 'mixed'], { error: `must be one of ${[...SENSOR_TYPES, 'mixed'].join(', ')}` }).default('mixed')
      .describe('sensor model of every device (accuracy, noise); mixed = drawn per device'),
    progress: z.enum(PROGRESS_MODES, { error: `must be one of ${PROGRESS_MODES.join(', ')}` }).default('auto')
      .describe('live panel on a terminal (tty), JSON progress log lines (json), or none (off); auto = tty when stderr is a terminal'),
    load: numberFlag({ int: true, min: 1, max: 1_000_000 }).optional()
      .describe('load mode: N synthetic native sensors (no registry) multiplexed over --connections; needs a broker without device authentication'),
    connections: numberFlag({ int: true, min: 1, max: 1000 }).default(8)
      .describe('load mode: MQTT connections shared by the synthetic sensors'),
    inflight: numberFlag({ int: true, min: 1, max: 65_535 }).default(1000)
      .describe('load mode: unacknowledged QoS 1 readings per connection; readings due beyond it are counted as dropped'),
    faults: FaultListSchema.default({})
      .describe('faults to inject: kind=rate[/h][:arg][@id|id],... or all (demo rates); kinds and units in firmware-sim/README.md "Faults"'),
    faultsFile: z.string().trim().min(1, 'must not be empty').optional()
      .describe('a file of fault entries, one or more per line, # comments; --faults entries override it per kind'),
    staffLoop: z.stringbool({ error: 'must be true or false (or just --staff-loop)' }).default(false)
      .describe('simulated staff open windows on alerts and acknowledge them; report minutes above 1000/1500 ppm with and without'),
    staffDelay: numberFlag({ min: 0, max: 240 }).default(5)
      .describe('mean simulated minutes from an alert to open windows (drawn between 0.5x and 1.5x)'),
    staffProbability: numberFlag({ min: 0, max: 1 }).default(0.8)
      .describe('chance that staff act on one alert notice (raised or escalated)'),
    staffToken: z.string().trim().min(1, 'must not be empty').optional()
      .describe('staff API bearer token the staff acknowledge with'),
    staffApi: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://127.0.0.1:9464' }).default(d.staffApi)
      .describe('the ingest\'s HTTP base URL (staff API)'),
    staffWideMinutes: numberFlag({ min: 0, max: 120 }).default(10)
      .describe('minutes staff keep windows wide open (6-10 air changes per hour)'),
    staffAjarAch: numberFlag({ min: 0, max: 20 }).default(3)
      .describe('air changes per hour with windows left ajar after the wide opening'),
    staffAjarUntil: z.enum(AJAR_UNTIL, { error: `must be one of ${AJAR_UNTIL.join(', ')}` }).default('lesson-and-resolved')
      .describe('when the gap is closed: lesson-and-resolved (lesson over and alert resolved), resolved (at once), lesson (at the bell); at most 2 h'),
    staffWiden: numberFlag({ min: 1, max: 4 }).default(1.5)
      .describe('factor staff widen the gap by for the rest of the day when Kanki says it was not enough (relapse notice); 1 = never; at most 6 air changes per hour'),
    staffAllDay: z.stringbool({ error: 'must be true or false' }).default(true)
      .describe('staff follow the advice of a room\'s second and later alert notices of the day: a gap (widened as after a relapse) kept open until 17:00'),
    staffMqttUsername: z.string().trim().min(1, 'must not be empty').optional()
      .describe('MQTT username the staff subscribe to alerts with; password from env KANKI_SIM_STAFF_MQTT_PASSWORD'),
  });
}

function envDefaults(env: Record<string, string | undefined>) {
  const level = LogLevelSchema.safeParse(env.LOG_LEVEL || undefined);
  return {
    broker: env.MQTT_URL || 'mqtt://127.0.0.1:1883',
    registry: env.KANKI_REGISTRY || 'config/registry.demo.yaml',
    logLevel: level.success ? level.data : 'info',
    staffToken: env.KANKI_SIM_STAFF_TOKEN || undefined,
    staffApi: env.KANKI_INGEST_URL || 'http://127.0.0.1:9464',
  };
}

/** The value placeholder and default shown by `--help`, per flag. */
function flagHelp(env: Record<string, string | undefined>): Record<keyof SimConfig, { value: string; defaultText: string }> {
  const d = envDefaults(env);
  return {
    broker: { value: '<url>', defaultText: `${d.broker} (env MQTT_URL)` },
    registry: { value: '<file>', defaultText: `${d.registry} (env KANKI_REGISTRY)` },
    sensors: { value: '<n>', defaultText: 'all' },
    interval: { value: '<seconds>', defaultText: '60' },
    speed: { value: '<factor>', defaultText: '1, at most 3600' },
    seed: { value: '<n>', defaultText: 'random, logged at start' },
    start: { value: '<iso-time>|school-day', defaultText: 'now' },
    timestamps: { value: 'auto|device|none', defaultText: 'auto' },
    secrets: { value: '<file>', defaultText: 'none: connect without passwords' },
    duration: { value: '<seconds>', defaultText: 'run until stopped' },
    logLevel: { value: '<level>', defaultText: `${d.logLevel} (env LOG_LEVEL)` },
    buffer: { value: '<n>', defaultText: '1440, a day at one a minute' },
    reconnectMin: { value: '<seconds>', defaultText: '1' },
    reconnectMax: { value: '<seconds>', defaultText: '60' },
    sensorType: { value: 'scd30|scd4x|s8|mixed', defaultText: 'mixed' },
    progress: { value: 'auto|tty|json|off', defaultText: 'auto' },
    load: { value: '<n>', defaultText: 'off: simulate the registry' },
    connections: { value: '<k>', defaultText: '8' },
    inflight: { value: '<n>', defaultText: '1000' },
    faults: { value: '<list>', defaultText: 'none, e.g. spike=0.01,stuck=0.5/h:45m,dropout=1/h' },
    faultsFile: { value: '<path>', defaultText: 'none' },
    staffLoop: { value: '', defaultText: 'off' },
    staffDelay: { value: '<minutes>', defaultText: '5' },
    staffProbability: { value: '<0..1>', defaultText: '0.8' },
    staffToken: { value: '<token>', defaultText: 'env KANKI_SIM_STAFF_TOKEN; required with --staff-loop' },
    staffApi: { value: '<url>', defaultText: `${d.staffApi} (env KANKI_INGEST_URL)` },
    staffWideMinutes: { value: '<minutes>', defaultText: '10' },
    staffAjarAch: { value: '<ach>', defaultText: '3' },
    staffAjarUntil: { value: '<when>', defaultText: 'lesson-and-resolved' },
    staffWiden: { value: '<factor>', defaultText: '1.5' },
    staffAllDay: { value: '<true|false>', defaultText: 'true' },
    staffMqttUsername: { value: '<name>', defaultText: 'none' },
  };
}

/** Flags that take no value (`--staff-loop`; `--staff-loop=false` also works). */
const BOOLEAN_FLAGS: ReadonlySet<keyof SimConfig> = new Set(['staffLoop']);

const toFlag = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** True when argv asks for help (`--help` or `-h`), whatever else it contains. */
export function simHelpRequested(argv: readonly string[]): boolean {
  return argv.some((a) => a === '--help' || a === '-h');
}

/** The `--help` text: every flag with its description and default. */
export function formatSimHelp(env: Record<string, string | undefined> = {}): string {
  const shape = simFlagsSchema(env).shape;
  const help = flagHelp(env);
  const rows = (Object.keys(help) as (keyof SimConfig)[]).map((key) => ({
    left: `${toFlag(key)}${help[key].value ? ` ${help[key].value}` : ''}`,
    right: `${shape[key].description ?? ''} [default: ${help[key].defaultText}]`,
  }));
  const width = Math.max(...rows.map((r) => r.left.length)) + 2;
  return [
    'Usage: npm run sim -- [flags]        (or: npx tsx firmware-sim/src/main.ts [flags])',
    '',
    'Simulates Kanki CO2 monitors: one MQTT connection per sensor of the registry, each',
    'in its firmware\'s format (Kanki, Tasmota, ESPHome, AirGradient), publishing readings of a modelled room (occupancy, ventilation, sensor lag and noise).',
    'With --load N it is a load generator instead: N synthetic sensors over --connections shared connections.',
    '',
    'Flags:',
    ...rows.map((r) => `  ${r.left.padEnd(width)}${r.right}`),
    `  ${'--help, -h'.padEnd(width)}print this text and exit`,
    '',
  ].join('\n');
}

/**
 * Parses the simulator's flags (without `node` and the script path). Env vars only supply defaults:
 * MQTT_URL, KANKI_REGISTRY, LOG_LEVEL. Throws `SimArgsError` listing every problem. `--help` is
 * accepted and ignored here: check `simHelpRequested` first.
 */
export function parseSimArgs(argv: readonly string[], env: Record<string, string | undefined> = {}, realNowMs = Date.now()): SimConfig {
  const schema = simFlagsSchema(env, realNowMs);
  const keys = Object.keys(schema.shape) as (keyof SimConfig)[];
  const byFlag = new Map(keys.map((key) => [toFlag(key).slice(2), key]));
  const options = Object.fromEntries([...byFlag].map(([name, key]) => [name, { type: BOOLEAN_FLAGS.has(key) ? 'boolean' as const : 'string' as const }]));
  // Not strict: node would stop at the first problem, and we want to list them all.
  const { tokens } = parseArgs({ args: [...argv], options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: false, allowPositionals: true, tokens: true });
  const problems: string[] = [];
  const input: Partial<Record<keyof SimConfig, string>> = {};
  for (const token of tokens) {
    if (token.kind === 'positional') problems.push(`unexpected argument "${token.value}" (flags look like --name value)`);
    if (token.kind !== 'option' || token.name === 'help' || token.name === 'h') continue;
    const key = byFlag.get(token.name);
    if (!key) problems.push(`unknown flag ${token.rawName}`);
    else if (BOOLEAN_FLAGS.has(key)) input[key] = token.value ?? 'true';
    else if (token.value === undefined || (!token.inlineValue && token.value.startsWith('--'))) problems.push(`${token.rawName} needs a value${token.value === undefined ? '' : ` (got "${token.value}", another flag)`}`);
    else input[key] = token.value;
  }
  if (env.LOG_LEVEL && !LogLevelSchema.safeParse(env.LOG_LEVEL).success) problems.push(`env LOG_LEVEL "${env.LOG_LEVEL}": must be one of ${LOG_LEVELS.join(', ')}`);
  const result = schema.safeParse(input);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = String(issue.path[0] ?? '') as keyof SimConfig;
      problems.push(`${toFlag(key)}${input[key] !== undefined ? ` "${input[key]}"` : ''}: ${issue.message}`);
    }
  }
  // Optional flags become explicit `undefined`, so that the config object always has every key.
  const config: SimConfig | undefined = result.success
    ? { sensors: undefined, start: undefined, secrets: undefined, duration: undefined, load: undefined, staffMqttUsername: undefined, faultsFile: undefined, ...result.data, staffToken: result.data.staffToken ?? envDefaults(env).staffToken }
    : undefined;
  if (config?.staffLoop && !config.staffToken) problems.push('--staff-loop needs a staff API token: --staff-token or env KANKI_SIM_STAFF_TOKEN');
  if (config && config.reconnectMin > config.reconnectMax) problems.push('--reconnect-min must not be larger than --reconnect-max');
  if (config && config.speed / config.interval > 100) {
    problems.push(`--speed ${config.speed} with --interval ${config.interval} makes ${Math.round(config.speed / config.interval)} readings per second per device; keep it at most 100 (raise --interval or lower --speed)`);
  }
  if (config?.load !== undefined) problems.push(...loadModeConflicts(config, input));
  const faults = config?.faultsFile !== undefined && config.load === undefined ? readFaultsFile(config.faultsFile, problems) : undefined;
  if (problems.length > 0 || !config) throw new SimArgsError(problems);
  // Entries given on the command line override the file's, kind by kind.
  return Object.freeze(faults ? { ...config, faults: Object.freeze({ ...faults, ...config.faults }) } : config);
}

/**
 * A `--faults-file`: the `--faults` syntax, one or more entries per line, `#` starting a comment.
 * Problems are reported with the file and line; a file that cannot be read is one problem.
 */
export function readFaultsFile(file: string, problems: string[]): FaultPlan | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    problems.push(`--faults-file "${file}": cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    return undefined;
  }
  const lines = text.split(/\r?\n/).map((l) => l.replace(/#.*$/, '').trim());
  const before = problems.length;
  lines.forEach((line, i) => {
    try {
      parseFaultList(line);
    } catch (err) {
      for (const message of err instanceof FaultPlanError ? err.problems : [(err as Error).message]) problems.push(`--faults-file ${file}:${i + 1}: ${message}`);
    }
  });
  return problems.length > before ? undefined : parseFaultList(lines.filter(Boolean).join(','));
}

/**
 * Flags that mean nothing in load mode are refused rather than ignored: a run that silently
 * simulated something else than asked would give misleading figures.
 */
function loadModeConflicts(config: SimConfig, input: Partial<Record<keyof SimConfig, string>>): string[] {
  const problems: string[] = [];
  if (input.sensors !== undefined) problems.push('--sensors selects registry sensors; with --load the sensors are synthetic (drop one of them)');
  if (input.registry !== undefined) problems.push('--registry is not read with --load (synthetic rooms)');
  if (config.secrets !== undefined) problems.push('--secrets cannot be used with --load: the shared connections publish for many sensor ids, so the broker must run without device authentication');
  if (input.faults !== undefined) problems.push('--faults applies to registry devices; the load mode has no faults yet (drop one of them)');
  if (input.faultsFile !== undefined) problems.push('--faults-file applies to registry devices; the load mode has no faults yet (drop one of them)');
  if (config.staffLoop) problems.push('--staff-loop needs the registry\'s rooms; the load mode has no closed loop');
  if (config.load !== undefined && config.connections > config.load) problems.push(`--connections ${config.connections} is more than --load ${config.load} sensors`);
  return problems;
}

/**
 * Reads the device secrets a simulated device connects with: either a flat map `id: secret` or the
 * broker's file shape `devices: { id: secret }` when it holds plain secrets. Secret values never
 * appear in errors.
 */
export function loadSimSecrets(file: string): ReadonlyMap<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read the secrets file ${file}: ${(err as Error).message}`, { cause: err });
  }
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) throw new ConfigError(`secrets file ${file} is not valid YAML (line ${doc.errors[0]?.linePos?.[0]?.line ?? '?'})`);
  const data: unknown = doc.toJS();
  const map = data && typeof data === 'object' && 'devices' in data ? (data as { devices: unknown }).devices : data;
  const parsed = z.record(z.string(), z.string().min(1)).safeParse(map ?? {});
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => i.path.join('.') || '(top level)').join(', ');
    throw new ConfigError(`secrets file ${file}: expected "device-id: secret" entries; bad entries at ${where}`);
  }
  const hashed = Object.entries(parsed.data).filter(([, v]) => v.startsWith('scrypt$')).map(([k]) => k);
  if (hashed.length > 0) {
    throw new ConfigError(`secrets file ${file}: ${hashed.join(', ')} hold hashes; a device needs its plain secret (keep a separate file for the simulator)`);
  }
  return new Map(Object.entries(parsed.data));
}
