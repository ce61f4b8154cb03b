/**
 * zod schemas for every HTTP parameter of the public API, and `parseParams`, which turns a failed
 * parse into a 400 whose message names the parameter and the reason (`from: must be …`).
 */
import { z } from 'zod';
import { describeIssues } from '../../../common/payloads.ts';
import { REGISTRY_ID_PATTERN } from '../../../common/registry.ts';
import { badRequest } from '../http-errors.ts';

/** A facility or room id as the registry allows it; anything else (`..`, `%`, upper case) is refused. */
export const IdParamSchema = z
  .string({ error: 'must be a single value' })
  .regex(REGISTRY_ID_PATTERN, 'must be 1–64 characters of a-z, 0-9 and "-", not starting or ending with "-"');

const EPOCH_MS = /^\d{1,16}$/;
const ISO_DATETIME = z.iso.datetime({ offset: true });
/** Largest epoch ms a JS Date can hold. */
const MAX_TIME_MS = 8.64e15;

/**
 * A time: ISO 8601 with a zone (`2026-11-23T01:02:03Z`, `…+09:00`) or epoch milliseconds. Times
 * without a zone are refused rather than guessed: server and visitor may be in different zones.
 */
export const TimeParamSchema = z.string({ error: 'must be a single value' }).transform((s, ctx) => {
  const t = EPOCH_MS.test(s) ? Number(s) : ISO_DATETIME.safeParse(s).success ? Date.parse(s) : Number.NaN;
  if (!Number.isFinite(t) || t > MAX_TIME_MS) {
    ctx.addIssue({ code: 'custom', message: `must be an ISO 8601 time with a zone (e.g. 2026-11-23T01:02:03Z) or epoch milliseconds, got "${s.slice(0, 40)}"` });
    return z.NEVER;
  }
  return t;
});

/** `auto` lets the server pick (see `chooseResolution`); the others force one. */
export const RESOLUTIONS = ['auto', 'raw', '1m', '1h'] as const;

/** Query of `GET /api/v1/rooms`. */
export const RoomsQuerySchema = z.object({ facility: IdParamSchema.optional() });

/** Path of `GET /api/v1/rooms/:facility/:room/readings`. */
export const RoomPathSchema = z.object({ facility: IdParamSchema, room: IdParamSchema });

/** Query of `GET /api/v1/rooms/:facility/:room/readings`. */
export const ReadingsQuerySchema = z.object({
  from: TimeParamSchema.optional(),
  to: TimeParamSchema.optional(),
  resolution: z.enum(RESOLUTIONS, { error: `must be one of ${RESOLUTIONS.join(', ')}` }).default('auto'),
});

/** Parses `input` or throws a 400 listing every problem with its parameter name. */
export function parseParams<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw badRequest(describeIssues(result.error));
  return result.data;
}
