/**
 * Parameters of the open-data exports (`/api/v1/export/…`) and their bounds. The bounds keep one
 * request's answer to tens of thousands of rows per room: enough for a year of hourly means or a
 * month of per-minute means, which is what reusers ask for.
 */
import { z } from 'zod';
import type { Resolution } from '../../../common/store/reading-store.ts';
import { IdParamSchema, RESOLUTIONS, TimeParamSchema } from './params.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Export file formats. */
export const EXPORT_FORMATS = ['csv', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

const FormatSchema = z.enum(EXPORT_FORMATS, { error: 'must be csv or json (…/<id>.csv or …/<id>.json)' });

/** Path of `GET /api/v1/export/rooms/:facility/:room.:format`. */
export const ExportRoomPathSchema = z.object({ facility: IdParamSchema, room: IdParamSchema, format: FormatSchema });
/** Path of `GET /api/v1/export/facilities/:facility.:format`. */
export const ExportFacilityPathSchema = z.object({ facility: IdParamSchema, format: FormatSchema });

/** Resolution of an export when none is asked for: hourly means suit most reuse (and the longest range). */
export const DEFAULT_EXPORT_RESOLUTION: Resolution = '1h';
/** Range when `from` is not given: the week before `to`. */
export const DEFAULT_EXPORT_RANGE_MS = 7 * DAY;

/**
 * Longest range per resolution: raw points for a week (~10k per sensor), per-minute means for a
 * month (~45k per room), hourly means for a leap year (8784 per room).
 */
export const EXPORT_MAX_RANGE_MS: Readonly<Record<Resolution, number>> = Object.freeze({ raw: 7 * DAY, '1m': 31 * DAY, '1h': 366 * DAY });

/**
 * Query of both exports. Strict: a misspelt parameter (`resolutoin=1m`) is an error, not a silent
 * default that hands someone a different file than they think. `lang` is the site's language switch,
 * allowed because links may carry it; exports are language-neutral.
 */
export const ExportQuerySchema = z.strictObject({
  from: TimeParamSchema.optional(),
  to: TimeParamSchema.optional(),
  resolution: z.enum(RESOLUTIONS, { error: `must be one of ${RESOLUTIONS.join(', ')}` }).default(DEFAULT_EXPORT_RESOLUTION),
  lang: z.string().max(16).optional(),
});
export type ExportQuery = z.output<typeof ExportQuerySchema>;

/** Default end of an export: now, cut to the resolution's step, so repeated downloads name the same window. */
export function defaultExportTo(now: number, resolution: Resolution | 'auto'): number {
  const step = resolution === '1h' ? HOUR : MINUTE;
  return Math.floor(now / step) * step;
}
