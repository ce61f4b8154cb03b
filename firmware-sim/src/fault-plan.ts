/**
 * Which faults the simulated devices show, and how often: the `--faults` flag
 * (`spike=0.01,stuck=0.5/h:45m,dropout=1/h,skew=0.1:+9h`, or aimed at some devices:
 * `stuck=1/h:45m@tbe-c11-01|ncc-craft`) parsed into a frozen `FaultPlan`.
 *
 * Each fault has one rate with a fixed unit — a probability per reading, a rate per device-hour
 * (episodes: drop-outs, stuck values, held-back deliveries), a share of devices (clock skew), a
 * count (warm-up readings) or a slope (ABC drift) — plus one optional argument (a duration, a size,
 * an offset). The unit is part of the syntax (`/h`), so `stuck=0.5` is refused instead of being
 * silently read as "half of all readings".
 */
import { z } from 'zod';

/** Every fault the simulator can inject (see README "Faults" for what Kanki does with each). */
export const FAULT_KINDS = [
  'warmup', 'dropout', 'storm', 'late', 'duplicate', 'stuck', 'spike', 'zero', 'max', 'nan', 'drift', 'skew', 'malformed', 'oversized',
] as const;
/** One fault kind. */
export type FaultKind = (typeof FAULT_KINDS)[number];

/** What a fault's rate means. */
export type RateUnit = 'per-reading' | 'per-hour' | 'share-of-devices' | 'readings' | 'ppm-per-hour';

/** What a fault's optional argument means. */
type ArgUnit = 'duration' | 'signed-duration' | 'bytes' | 'ppm' | 'none';

/**
 * One fault switched on: its rate (unit per kind), its argument (duration in ms, bytes, ppm or
 * offset in ms) and, when it is aimed at some devices only, their ids (`@id|id`: native ids,
 * Tasmota topics, ESPHome prefixes, AirGradient serials).
 */
export type FaultSpec = Readonly<{ rate: number; arg: number; devices?: readonly string[] }>;

/** The faults switched on; a kind that is absent is off. */
export type FaultPlan = Readonly<Partial<Record<FaultKind, FaultSpec>>>;

type KindInfo = { unit: RateUnit; arg: ArgUnit; defaultArg: number; demo: string; max?: number; what: string };

const MIN = 60_000;

/** Bad `--faults` entries; `problems` lists every one. */
export class FaultPlanError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid faults: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/**
 * Units, default arguments and the rates `--faults all` uses (a demo fleet that shows every fault
 * within a simulated day without drowning the real readings).
 */
export const FAULT_INFO: Readonly<Record<FaultKind, KindInfo>> = {
  warmup: { unit: 'readings', arg: 'none', defaultArg: 0, demo: '3', max: 1000, what: 'first N readings after a boot are 0 ppm (NDIR preheat)' },
  dropout: { unit: 'per-hour', arg: 'duration', defaultArg: 15 * MIN, demo: '0.1/h:15m', what: 'device loses its connection (no DISCONNECT: the broker sends its will), buffers, reconnects' },
  storm: { unit: 'per-hour', arg: 'duration', defaultArg: 2 * MIN, demo: '0.05/h:2m', what: 'every device drops at the same instant and all reconnect together (access point or broker restart)' },
  late: { unit: 'per-hour', arg: 'duration', defaultArg: 20 * MIN, demo: '0.1/h:20m', what: 'device holds its readings back, then sends them at once with their original ts' },
  duplicate: { unit: 'per-reading', arg: 'none', defaultArg: 0, demo: '0.01', what: 'the same message is published twice (QoS 1 redelivery)' },
  stuck: { unit: 'per-hour', arg: 'duration', defaultArg: 45 * MIN, demo: '0.02/h:45m', what: 'the reading freezes at one value' },
  spike: { unit: 'per-reading', arg: 'ppm', defaultArg: 2000, demo: '0.005:2000', what: 'one reading is too high by the argument (ppm)' },
  zero: { unit: 'per-reading', arg: 'none', defaultArg: 0, demo: '0.002', what: 'the reading is 0 ppm' },
  max: { unit: 'per-reading', arg: 'none', defaultArg: 0, demo: '0.002', what: 'the reading is 65535 (read-error marker)' },
  nan: { unit: 'per-reading', arg: 'none', defaultArg: 0, demo: '0.002', what: 'the reading is NaN, sent as the firmware does (null, "nan", no rco2, 0)' },
  drift: { unit: 'ppm-per-hour', arg: 'ppm', defaultArg: 150, demo: '5/h:150', what: 'ABC drift: readings sink by rate ppm per hour, down to the argument (ppm) below the truth' },
  skew: { unit: 'share-of-devices', arg: 'signed-duration', defaultArg: 9 * 60 * MIN, demo: '0.05:+9h', what: 'this share of devices stamps ts off by the argument (default +9h: JST set as UTC)' },
  malformed: { unit: 'per-reading', arg: 'none', defaultArg: 0, demo: '0.002', what: 'the payload is cut short (not valid JSON)' },
  oversized: { unit: 'per-reading', arg: 'bytes', defaultArg: 20_000, demo: '0.001:20000', what: 'the payload is padded to the argument (bytes)' },
};

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: MIN, h: 60 * MIN };

function parseDuration(text: string, signed: boolean): number | string {
  const sign = signed && (text.startsWith('+') || text.startsWith('-')) ? text[0] : '';
  const m = DURATION.exec(sign ? text.slice(1) : text);
  if (!m) return `"${text}" is not a duration${signed ? ' such as +9h or -30m' : ' such as 15m, 30s or 2h'}`;
  const ms = Number(m[1]) * (DURATION_MS[m[2] ?? 'ms'] ?? 1);
  return sign === '-' ? -ms : ms;
}

function parseArg(kind: FaultKind, text: string | undefined): number | string {
  const info = FAULT_INFO[kind];
  if (text === undefined) return info.defaultArg;
  switch (info.arg) {
    case 'none':
      return `${kind} takes no ":" argument`;
    case 'duration': {
      const ms = parseDuration(text, false);
      return typeof ms === 'number' && ms <= 0 ? `${kind} duration must be more than 0` : ms;
    }
    case 'signed-duration':
      return parseDuration(text, true);
    case 'bytes':
    case 'ppm':
      return /^\d+$/.test(text) && Number(text) > 0 && Number(text) <= 10_000_000 ? Number(text) : `${kind} argument "${text}" must be a whole number of ${info.arg} above 0`;
  }
}

function parseRate(kind: FaultKind, text: string): number | string {
  const info = FAULT_INFO[kind];
  const perHour = text.endsWith('/h');
  const body = perHour ? text.slice(0, -2) : text;
  const wantsPerHour = info.unit === 'per-hour' || info.unit === 'ppm-per-hour';
  if (wantsPerHour && !perHour) return `${kind} is a rate per ${info.unit === 'per-hour' ? 'device-hour' : 'hour in ppm'}: write it as ${kind}=${body}/h`;
  if (!wantsPerHour && perHour) return `${kind} is ${describeUnit(info.unit)}, not per hour`;
  if (!/^\d+(\.\d+)?$/.test(body)) return `${kind} rate "${text}" is not a number`;
  const rate = Number(body);
  if (info.unit === 'readings' && !Number.isInteger(rate)) return `${kind} is a whole number of readings`;
  if ((info.unit === 'per-reading' || info.unit === 'share-of-devices') && rate > 1) return `${kind} is ${describeUnit(info.unit)}: at most 1`;
  if (info.max !== undefined && rate > info.max) return `${kind} must be at most ${info.max}`;
  return rate;
}

/** `@id|id` after a fault: the devices it is aimed at (undefined = every device). */
function parseDevices(kind: FaultKind, text: string | undefined): readonly string[] | undefined | string {
  if (text === undefined) return undefined;
  if (kind === 'storm') return 'storm hits every device at the same instant; it takes no @devices';
  const ids = text.split('|').map((id) => id.trim());
  if (ids.some((id) => id.length === 0)) return `${kind}: "@${text}" must list device ids separated by "|"`;
  return Object.freeze(ids);
}

/**
 * The part of a plan that applies to one device, known by any of `ids` (its simulator key, e.g.
 * `tasmota:ncc-craft`, and its own id): faults aimed at other devices are left out.
 */
export function planForDevice(plan: FaultPlan, ids: readonly string[]): FaultPlan {
  const out: Partial<Record<FaultKind, FaultSpec>> = {};
  for (const kind of FAULT_KINDS) {
    const spec = plan[kind];
    if (spec && (!spec.devices || spec.devices.some((d) => ids.includes(d)))) out[kind] = spec;
  }
  return Object.freeze(out);
}

/** Device ids named by `@` in a plan (to warn about ids the simulation does not have). */
export function targetedDevices(plan: FaultPlan): string[] {
  return [...new Set(FAULT_KINDS.flatMap((k) => plan[k]?.devices ?? []))];
}

/** The unit of a rate in words, for errors, `--help` and the README. */
export function describeUnit(unit: RateUnit): string {
  switch (unit) {
    case 'per-reading': return 'a probability per reading (0-1)';
    case 'per-hour': return 'episodes per device-hour (simulated), e.g. 0.5/h';
    case 'share-of-devices': return 'a share of the devices (0-1)';
    case 'readings': return 'a number of readings';
    case 'ppm-per-hour': return 'ppm per simulated hour, e.g. 5/h';
  }
}

/** The demo rates of every fault (`--faults all`). */
export function demoFaultPlan(): FaultPlan {
  return parseFaultList(FAULT_KINDS.map((k) => `${k}=${FAULT_INFO[k].demo}`).join(','));
}

/**
 * Parses `kind=rate[/h][:arg],…` (`all` = every fault at its demo rate, later entries override;
 * `none` = no faults). Throws a `FaultPlanError` listing every problem.
 */
export function parseFaultList(text: string): FaultPlan {
  const problems: string[] = [];
  const plan: Partial<Record<FaultKind, FaultSpec>> = {};
  for (const raw of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (raw === 'none') continue;
    if (raw === 'all') {
      Object.assign(plan, demoFaultPlan());
      continue;
    }
    const m = /^([a-z]+)=([^:@]+)(?::([^@]+))?(?:@(.*))?$/.exec(raw);
    const kind = m?.[1] as FaultKind | undefined;
    if (!m || !kind || !FAULT_KINDS.includes(kind)) {
      problems.push(m && kind ? `unknown fault "${kind}" (known: ${FAULT_KINDS.join(', ')})` : `"${raw}" is not kind=rate[:argument]`);
      continue;
    }
    const rate = parseRate(kind, m[2] ?? '');
    const arg = parseArg(kind, m[3]);
    const devices = parseDevices(kind, m[4]);
    if (typeof rate === 'string') problems.push(rate);
    if (typeof arg === 'string') problems.push(arg);
    if (typeof devices === 'string') problems.push(devices);
    if (typeof rate === 'number' && typeof arg === 'number' && typeof devices !== 'string') {
      if (rate > 0) plan[kind] = Object.freeze(devices ? { rate, arg, devices } : { rate, arg });
      else delete plan[kind];
    }
  }
  if (problems.length > 0) throw new FaultPlanError(problems);
  return Object.freeze(plan);
}

/** The `--faults` flag: a zod schema, so bad entries are reported with the other flag problems. */
export const FaultListSchema = z.string().trim().transform((text, ctx): FaultPlan => {
  try {
    return parseFaultList(text);
  } catch (err) {
    for (const message of err instanceof FaultPlanError ? err.problems : [(err as Error).message]) ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  }
});
