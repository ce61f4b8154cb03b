/**
 * The registry: the one file a ward edits to say which facilities and rooms exist and which device
 * measures which room. YAML or JSON, path from `KANKI_REGISTRY`. Every error names its path in the
 * file, and a registry with any error is refused as a whole (a half-loaded registry would silently
 * drop readings of the rooms it skipped).
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ClosureSchema, validateHours } from './calendar.ts';
import { RegistryError } from './errors.ts';
import { DEFAULT_THRESHOLDS, ThresholdsSchema, type Thresholds } from './levels.ts';
import { formatPath } from './payloads.ts';
import { SENSOR_ID_PATTERN } from './topics.ts';

/** Facility and room ids: lower-case letters, digits and hyphens (they appear in topics, URLs and tags). */
export const REGISTRY_ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

const IdSchema = z.string().regex(REGISTRY_ID_PATTERN, 'must be 1–64 characters of a-z, 0-9 and "-", not starting or ending with "-"');

/** Names in Japanese and English are required; other languages (e.g. `ja-easy`, `zh`, `ko`) may be added. */
export const LocalizedNameSchema = z
  .object({ ja: z.string().trim().min(1).max(200), en: z.string().trim().min(1).max(200) })
  .catchall(z.string().trim().min(1).max(200));
export type LocalizedName = z.infer<typeof LocalizedNameSchema>;

export const FACILITY_KINDS = ['office', 'school', 'nursery', 'community', 'hall', 'shelter', 'other'] as const;
export type FacilityKind = (typeof FACILITY_KINDS)[number];

const DAY_KEY = /^(mon|tue|wed|thu|fri|sat|sun|holiday)(-(mon|tue|wed|thu|fri|sat|sun))?$/;
const HOURS_VALUE = /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/;
export const HoursSchema = z.record(
  z.string().regex(DAY_KEY, 'day keys are mon…sun, a range like mon-fri, or holiday'),
  z.union([z.string().regex(HOURS_VALUE, 'hours look like "08:45-17:15"'), z.literal('closed')]),
);

const SensorIdSchema = z.string().regex(SENSOR_ID_PATTERN, 'sensor ids are 1–64 characters of A-Z, a-z, 0-9, "_", "." and "-"');

/** A device reference: a native Kanki id, or the identity a third-party firmware publishes under. */
export const SensorRefSchema = z.union([
  SensorIdSchema,
  z.strictObject({ native: SensorIdSchema }),
  z.strictObject({ tasmota: z.string().min(1).max(128).regex(/^[^+#/]+$/, 'a Tasmota topic is one topic level') }),
  z.strictObject({
    esphome: z.string().min(1).max(128).regex(/^[^+#]+$/, 'an ESPHome prefix has no wildcards'),
    // partialRecord: zod 4's record over an enum demands every key, but one mapped object is the usual case.
    objects: z.partialRecord(z.enum(['co2', 'temperature', 'humidity']), z.string().min(1)).optional(),
  }),
  z.strictObject({ airgradient: z.string().regex(/^[0-9a-f]{12}$/i, 'an AirGradient serial is 12 hex digits') }),
]);
export type SensorRef = z.infer<typeof SensorRefSchema>;

const PartialThresholdsSchema = z.strictObject({
  fair: z.number().int().positive().optional(),
  ventilate: z.number().int().positive().optional(),
  critical: z.number().int().positive().optional(),
});

export const RoomSchema = z.strictObject({
  id: IdSchema,
  name: LocalizedNameSchema,
  sensors: z.array(SensorRefSchema).default([]),
  levels: PartialThresholdsSchema.optional(),
  /** Room volume in m³ (used by the simulator and, later, by occupancy estimates). */
  volume: z.number().positive().max(100_000).optional(),
  /** Usual number of people in the room when in use. */
  capacity: z.number().int().min(0).max(10_000).optional(),
});

export const FacilitySchema = z.strictObject({
  id: IdSchema,
  name: LocalizedNameSchema,
  kind: z.enum(FACILITY_KINDS),
  /** A designated evacuation shelter (地域防災拠点), whatever its everyday kind. */
  shelter: z.boolean().default(false),
  area: z.string().trim().min(1).max(100).optional(),
  /** Opening hours; without them the facility counts as always open (e.g. a shelter in use). */
  hours: HoursSchema.optional(),
  /** On a public holiday without a `holiday` key in `hours`: closed (default) or like that weekday. */
  holidays: z.enum(['closed', 'as-weekday']).default('closed'),
  /** Days closed besides holidays: "2026-12-29..2027-01-03" (inclusive) or one date. */
  closures: z.array(ClosureSchema).default([]),
  levels: PartialThresholdsSchema.optional(),
  rooms: z.array(RoomSchema).min(1, 'a facility needs at least one room'),
});

export const RegistryFileSchema = z.strictObject({
  /** Thresholds per facility kind (e.g. nurseries at 900), between the defaults and a facility's own. */
  kinds: z.partialRecord(z.enum(FACILITY_KINDS), z.strictObject({ levels: PartialThresholdsSchema })).optional(),
  facilities: z.array(FacilitySchema).min(1, 'the registry needs at least one facility'),
});
export type RegistryFile = z.infer<typeof RegistryFileSchema>;
export type FacilityEntry = z.infer<typeof FacilitySchema>;

/** A room with everything resolved that the rest of the system needs. */
export type RoomEntry = {
  facilityId: string;
  roomId: string;
  name: LocalizedName;
  facilityName: LocalizedName;
  facilityKind: FacilityKind;
  thresholds: Thresholds;
  sensors: readonly SensorRef[];
  volume?: number;
  capacity?: number;
};

export type DeviceKind = 'native' | 'tasmota' | 'esphome' | 'airgradient';

export type Registry = {
  readonly facilities: readonly FacilityEntry[];
  readonly rooms: readonly RoomEntry[];
  /** The room a device measures, or undefined for a device the registry does not know. */
  roomForDevice(kind: DeviceKind, id: string): RoomEntry | undefined;
  room(facilityId: string, roomId: string): RoomEntry | undefined;
  facility(facilityId: string): FacilityEntry | undefined;
};

/** The kind and id of a sensor reference. */
export function deviceKey(ref: SensorRef): { kind: DeviceKind; id: string } {
  if (typeof ref === 'string') return { kind: 'native', id: ref };
  if ('native' in ref) return { kind: 'native', id: ref.native };
  if ('tasmota' in ref) return { kind: 'tasmota', id: ref.tasmota };
  if ('esphome' in ref) return { kind: 'esphome', id: ref.esphome };
  return { kind: 'airgradient', id: ref.airgradient.toLowerCase() };
}

/** Validates parsed registry data. `file` names the source in error messages. */
export function parseRegistry(data: unknown, file = 'registry'): Registry {
  const result = RegistryFileSchema.safeParse(data);
  if (!result.success) {
    throw new RegistryError(file, result.error.issues.map((i) => `${formatPath(i.path.filter((p) => typeof p !== 'symbol')) || '(top level)'}: ${i.message}`));
  }
  const problems: string[] = [];
  const rooms: RoomEntry[] = [];
  // One map per device kind: the lookup runs once per message, so no key strings are built for it.
  const byDevice: Record<DeviceKind, Map<string, RoomEntry>> = { native: new Map(), tasmota: new Map(), esphome: new Map(), airgradient: new Map() };
  const deviceWhere = new Map<string, string>();
  const facilityIds = new Map<string, number>();

  result.data.facilities.forEach((f, fi) => {
    const fPath = `facilities[${fi}]`;
    if (facilityIds.has(f.id)) problems.push(`${fPath}.id: duplicate facility id "${f.id}" (also facilities[${facilityIds.get(f.id)}])`);
    else facilityIds.set(f.id, fi);
    if (f.hours) for (const problem of validateHours(f.hours)) problems.push(`${fPath}.hours.${problem}`);
    const roomIds = new Map<string, number>();
    f.rooms.forEach((r, ri) => {
      const rPath = `${fPath}.rooms[${ri}]`;
      if (roomIds.has(r.id)) problems.push(`${rPath}.id: duplicate room id "${r.id}" in facility "${f.id}" (also rooms[${roomIds.get(r.id)}])`);
      else roomIds.set(r.id, ri);
      const merged = { ...DEFAULT_THRESHOLDS, ...result.data.kinds?.[f.kind]?.levels, ...f.levels, ...r.levels };
      const thresholds = ThresholdsSchema.safeParse(merged);
      if (!thresholds.success) problems.push(`${rPath}.levels: ${thresholds.error.issues[0]?.message ?? 'invalid'} (effective: ${JSON.stringify(merged)})`);
      const entry: RoomEntry = {
        facilityId: f.id, roomId: r.id, name: r.name, facilityName: f.name, facilityKind: f.kind,
        thresholds: Object.freeze(thresholds.success ? thresholds.data : { ...DEFAULT_THRESHOLDS }),
        sensors: r.sensors, volume: r.volume, capacity: r.capacity,
      };
      r.sensors.forEach((s, si) => {
        const { kind, id } = deviceKey(s);
        const key = `${kind}:${id}`;
        const where = `${rPath}.sensors[${si}]`;
        const previous = deviceWhere.get(key);
        if (previous) problems.push(`${where}: ${kind} device "${id}" is already assigned at ${previous}`);
        else {
          deviceWhere.set(key, where);
          byDevice[kind].set(id, entry);
        }
      });
      rooms.push(Object.freeze(entry));
    });
  });
  if (problems.length > 0) throw new RegistryError(file, problems);

  const byRoom = new Map(rooms.map((r) => [`${r.facilityId}/${r.roomId}`, r]));
  const byFacility = new Map(result.data.facilities.map((f) => [f.id, f]));
  return Object.freeze({
    facilities: result.data.facilities,
    rooms,
    roomForDevice: (kind: DeviceKind, id: string) => byDevice[kind].get(kind === 'airgradient' ? id.toLowerCase() : id),
    room: (facilityId: string, roomId: string) => byRoom.get(`${facilityId}/${roomId}`),
    facility: (facilityId: string) => byFacility.get(facilityId),
  });
}

/** Reads and validates a registry file (YAML or JSON). Throws `RegistryError` listing every problem. */
export function loadRegistryFile(file: string): Registry {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new RegistryError(file, [`cannot read the file: ${(err as Error).message}`], { cause: err });
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new RegistryError(file, doc.errors.map((e) => `line ${e.linePos?.[0]?.line ?? '?'}, column ${e.linePos?.[0]?.col ?? '?'}: ${e.message.split('\n')[0]}`));
  }
  return parseRegistry(doc.toJS(), file);
}
