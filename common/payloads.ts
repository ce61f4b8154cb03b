/**
 * The native message contract: what devices (and the simulator) publish and what the ingest
 * publishes back. The simulator builds its messages with these schemas; the ingest parses with them.
 */
import { z } from 'zod';
import { LevelSchema } from './levels.ts';

/**
 * 65535 is what several NDIR sensors (and their drivers) emit on a read error; 0 and negatives are
 * warm-up or wiring faults. Neither is ever a real concentration, so both are rejected outright.
 */
export const CO2_FAULT_MARKER = 65535;
/** Upper bound of the common NDIR sensors' range (SCD30: 40,000 ppm). Above this is not a reading. */
export const CO2_MAX_PPM = 40_000;

const finite = (what: string) =>
  z.number({ error: (iss) => (iss.input === undefined ? `${what} is required` : `${what} must be a number`) })
    .refine(Number.isFinite, `${what} must be a finite number`);

/** Device time: ISO 8601 with a zone, or epoch milliseconds. */
export const DeviceTimeSchema = z.union([
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
  z.number().int().min(0).max(8.64e15),
]);

/** `kanki/v1/sensors/{id}/reading` */
export const ReadingPayloadSchema = z.object({
  co2: finite('co2')
    .refine((v) => v > 0, 'co2 must be above 0 ppm (0 and negatives are sensor faults)')
    .refine((v) => v !== CO2_FAULT_MARKER, 'co2 of 65535 is a sensor read-error marker')
    .refine((v) => v <= CO2_MAX_PPM, `co2 must be at most ${CO2_MAX_PPM} ppm`),
  temperature: finite('temperature').min(-40).max(85).optional().describe('°C'),
  humidity: finite('humidity').min(0).max(100).optional().describe('%RH'),
  ts: DeviceTimeSchema.optional().describe('device time; receive time is used when absent or implausible'),
  seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional().describe('per-device counter'),
  // Device health for the staff console, optional. A value out of range or of the wrong type is
  // dropped rather than failing the reading: these fields were ignored before they were read, and a
  // firmware's odd battery report must never cost a CO₂ reading.
  battery: z.number().min(0).max(100).optional().catch(undefined).describe('battery charge, % (0–100)'),
  rssi: z.number().min(-150).max(0).optional().catch(undefined).describe('Wi-Fi/radio signal strength, dBm (−150…0)'),
});
export type ReadingPayload = z.input<typeof ReadingPayloadSchema>;
export type ParsedReadingPayload = z.output<typeof ReadingPayloadSchema>;

/** `kanki/v1/sensors/{id}/status`: plain `online` / `offline` (also accepted as JSON `{"status": …}`). */
export const StatusPayloadSchema = z.union([
  z.enum(['online', 'offline']),
  z.object({ status: z.enum(['online', 'offline']) }).transform((o) => o.status),
]);
export type DeviceStatus = z.output<typeof StatusPayloadSchema>;

/** `kanki/v1/rooms/{facility}/{room}/state`, retained, published by the ingest. No device ids. */
export const RoomStateSchema = z.object({
  facility: z.string(),
  room: z.string(),
  co2: z.number().nullable(),
  temperature: z.number().nullable(),
  humidity: z.number().nullable(),
  level: LevelSchema,
  /** When the room entered its current level (ISO 8601). */
  since: z.string().nullable(),
  /** Time of the newest reading (ISO 8601). */
  updatedAt: z.string().nullable(),
  /** True when no sensor of the room has reported within the expected interval. */
  stale: z.boolean(),
});
export type RoomState = z.infer<typeof RoomStateSchema>;

/** What the ingest publishes on the dead-letter topic for every message it sets aside. */
export const DeadLetterSchema = z.object({
  reason: z.string(),
  detail: z.string(),
  topic: z.string(),
  receivedAt: z.string(),
  /** The start of the payload (at most 512 bytes), as UTF-8 text with invalid bytes replaced. */
  payload: z.string(),
  payloadBytes: z.number().int(),
});
export type DeadLetter = z.infer<typeof DeadLetterSchema>;

/** Joins zod issues into one readable line: `co2: must be above 0 ppm; humidity: …`. */
export function describeIssues(error: z.ZodError, prefix = ''): string {
  return error.issues
    .map((i) => {
      const path = formatPath([...(prefix ? [prefix] : []), ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))]);
      return path ? `${path}: ${i.message}` : i.message;
    })
    .join('; ');
}

/** `facilities[2].rooms[0].id` */
export function formatPath(path: readonly (string | number)[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}
