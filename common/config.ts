/**
 * Config parsing shared by every deployable: one zod schema per deployable, parsed once from the
 * environment, every problem reported in one message, the result frozen and passed down explicitly.
 */
import { z } from 'zod';
import { ConfigError } from './errors.ts';
import { describeIssues } from './payloads.ts';

export function parseConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>, what = 'configuration'): Readonly<z.output<S>> {
  // Empty strings count as unset, as in most .env tooling.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) throw new ConfigError(`invalid ${what}: ${describeIssues(result.error)}`);
  return Object.freeze(result.data);
}

/** A TCP port from an env var: 0 asks the OS for a free one. */
export const PortSchema = z.coerce.number().int().min(0).max(65535);

/** `true/false/1/0/yes/no` from an env var. */
export const BooleanFlagSchema = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const NodeEnvSchema = z.enum(['development', 'production', 'test']).default('development');
export const LogLevelSchema = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');
