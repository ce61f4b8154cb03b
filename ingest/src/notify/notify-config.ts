/**
 * Who gets which notification, through which channel, and what happens outside opening hours: one
 * YAML file (`KANKI_NOTIFY`, see config/notify.example.yaml). Secrets are written as `env:NAME`
 * and read from the environment when the file is loaded, so the file can be committed to a
 * ward's configuration repository while the tokens stay in its secret store.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../../../common/errors.ts';
import { formatPath } from '../../../common/payloads.ts';
import { FACILITY_KINDS } from '../../../common/registry.ts';
import { ChannelConfigSchema } from './channels/index.ts';
import { NOTICE_EVENT_TYPES } from './notifier.ts';

/** How a notification is classed for the outside-hours policy. */
export const SEVERITIES = ['ventilate', 'critical', 'sensor', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * What happens to a notification while the facility is closed: `hold` — delivered when it opens,
 * if the alert is still open then; `send` — at once; `drop` — not sent (still recorded).
 */
export const OutsideHoursPolicySchema = z.enum(['hold', 'send', 'drop']);
export type OutsideHoursPolicy = z.infer<typeof OutsideHoursPolicySchema>;

const OutsideHoursSchema = z.strictObject({
  ventilate: OutsideHoursPolicySchema.optional(),
  critical: OutsideHoursPolicySchema.optional(),
  sensor: OutsideHoursPolicySchema.optional(),
  info: OutsideHoursPolicySchema.optional(),
});

/** Default policy: everything waits for the facility to open (nobody is there to open a window). */
export const DEFAULT_OUTSIDE_HOURS: Record<Severity, OutsideHoursPolicy> = Object.freeze({ ventilate: 'hold', critical: 'hold', sensor: 'hold', info: 'hold' });

const RecipientSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'recipient ids are 1–64 characters of a-z, 0-9, ".", "_" and "-"'),
  name: z.string().trim().min(1).max(200),
  lang: z.enum(['ja', 'en', 'ja+en']).default('ja'),
  /** Name of a channel under `channels`. */
  channel: z.string().min(1),
  /** E-mail address (email) or LINE user/group id (line). */
  address: z.string().min(1).max(320).optional(),
  /** Facility ids, or "*" for all. */
  facilities: z.array(z.string().min(1)).min(1).default(['*']),
  /** Only facilities of these kinds (in addition to `facilities`). */
  kinds: z.array(z.enum(FACILITY_KINDS)).optional(),
  /** Which events to send. Default: everything staff act on, and the all-clear. */
  events: z.array(z.enum(NOTICE_EVENT_TYPES)).min(1).default(['raised', 'escalated', 'resolved', 'sensor_offline', 'sensor_online']),
  /** Only CO₂ alerts at or above this level (e.g. a head office that wants only critical ones). */
  minLevel: z.enum(['ventilate', 'critical']).default('ventilate'),
  outsideHours: OutsideHoursSchema.optional(),
  /** Notifications per rolling hour at most; more are held back (counted, in the next message and the digest). Critical ones always go. */
  maxPerHour: z.number().int().min(1).max(10_000).default(12),
  /** Daily digest at this local time (HH:MM, Asia/Tokyo), e.g. "17:30". */
  digest: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a digest time looks like "17:30"').optional(),
  /** Only the digest, no immediate notifications. */
  digestOnly: z.boolean().default(false),
});
export type RecipientConfig = z.infer<typeof RecipientSchema>;

export const NotifyFileSchema = z.strictObject({
  channels: z.record(z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'channel names are a-z, 0-9, ".", "_" and "-"'), ChannelConfigSchema),
  recipients: z.array(RecipientSchema).default([]),
  /** Default outside-hours policy for every recipient (each may override). */
  outsideHours: OutsideHoursSchema.optional(),
});
export type NotifyConfig = z.infer<typeof NotifyFileSchema>;

/** Replaces every string `env:NAME` with the environment's value; a missing variable is an error. */
function resolveEnvRefs(value: unknown, env: Record<string, string | undefined>, path: string, problems: string[]): unknown {
  if (typeof value === 'string') {
    const m = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(value);
    if (!m) return value;
    const resolved = env[m[1] as string];
    if (resolved === undefined || resolved === '') problems.push(`${path}: environment variable ${m[1]} is not set`);
    return resolved ?? '';
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveEnvRefs(v, env, `${path}[${i}]`, problems));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveEnvRefs(v, env, path ? `${path}.${k}` : k, problems)]));
  }
  return value;
}

/**
 * Validates notification config data: secrets resolved from `env`, every recipient's channel
 * defined, facilities known (when `knownFacilities` is given), addresses present where the
 * channel needs one. Every problem is reported at once, with its path.
 */
export function parseNotifyConfig(data: unknown, file: string, env: Record<string, string | undefined>, knownFacilities?: ReadonlySet<string>): NotifyConfig {
  const problems: string[] = [];
  const resolved = resolveEnvRefs(data, env, '', problems);
  const parsed = NotifyFileSchema.safeParse(resolved);
  if (!parsed.success) {
    // A value whose variable is missing is reported once, as the missing variable.
    const missing = new Set(problems.map((p) => p.slice(0, p.indexOf(': '))));
    for (const i of parsed.error.issues) {
      const path = formatPath(i.path.filter((p) => typeof p !== 'symbol')) || '(top level)';
      if (!missing.has(path)) problems.push(`${path}: ${i.message}`);
    }
  } else {
    const ids = new Set<string>();
    parsed.data.recipients.forEach((r, i) => {
      const where = `recipients[${i}]`;
      if (ids.has(r.id)) problems.push(`${where}.id: duplicate recipient "${r.id}"`);
      ids.add(r.id);
      const channel = parsed.data.channels[r.channel];
      if (!channel) problems.push(`${where}.channel: no channel named "${r.channel}" under channels`);
      else if ((channel.type === 'email' || channel.type === 'line') && !r.address) problems.push(`${where}.address: a ${channel.type} recipient needs an address`);
      for (const f of r.facilities) if (f !== '*' && knownFacilities && !knownFacilities.has(f)) problems.push(`${where}.facilities: "${f}" is not in the registry`);
      if (r.digestOnly && !r.digest) problems.push(`${where}.digestOnly: needs a digest time`);
    });
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(`notification config ${file} has ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`);
  return parsed.data;
}

/** Reads and validates a notification config file (YAML or JSON). */
export function loadNotifyFile(file: string, env: Record<string, string | undefined>, knownFacilities?: ReadonlySet<string>): NotifyConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read the notification config ${file}: ${(err as Error).message}`, { cause: err });
  }
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) throw new ConfigError(`notification config ${file}: ${doc.errors[0]?.message.split('\n')[0] ?? 'not YAML'}`);
  return parseNotifyConfig(doc.toJS(), file, env, knownFacilities);
}
