/**
 * The answers of the ingest's staff API (`/api/v1/staff/*`) as zod schemas: the ingest shapes its
 * answers to these types, and the dashboard's staff console parses what it receives with them, so
 * the two deployables agree on one definition without importing each other. Objects are not strict:
 * a newer ingest may add fields an older console does not know. Times are ISO 8601 strings.
 */
import { z } from 'zod';
import { LevelSchema } from './levels.ts';

/** What staff can say they did about an alert. */
export const STAFF_ACK_ACTIONS = ['windows_opened', 'occupancy_reduced', 'false_alarm'] as const;
export type StaffAckAction = (typeof STAFF_ACK_ACTIONS)[number];

/** Delivery states of a notification (the ingest's outbox). */
export const STAFF_DELIVERY_STATUSES = ['pending', 'held', 'sent', 'failed', 'dropped', 'suppressed'] as const;

const Iso = z.string();

export const StaffMeSchema = z.object({ id: z.string(), name: z.string(), facilities: z.array(z.string()) });

export const StaffAlertSchema = z.object({
  id: z.number().int(),
  facility: z.string(),
  room: z.string(),
  kind: z.enum(['co2', 'sensor']),
  status: z.enum(['open', 'resolved']),
  level: LevelSchema,
  reason: z.string().nullable(),
  openedAt: Iso,
  closedAt: Iso.nullable(),
  co2AtOpen: z.number().nullable(),
  co2Max: z.number().nullable(),
  escalated: z.boolean(),
  acknowledgement: z.object({ action: z.string(), by: z.string(), at: Iso }).nullable(),
});
export type StaffAlert = z.infer<typeof StaffAlertSchema>;

export const StaffAlertListSchema = z.object({ alerts: z.array(StaffAlertSchema), next: z.number().int().nullable() });

export const StaffAlertEventSchema = z.object({
  type: z.string(),
  level: LevelSchema,
  co2: z.number().nullable(),
  at: Iso,
  reason: z.string().nullable(),
  by: z.string().nullable(),
  action: z.string().nullable(),
});
export type StaffAlertEvent = z.infer<typeof StaffAlertEventSchema>;
export const StaffAlertDetailSchema = z.object({ alert: StaffAlertSchema, events: z.array(StaffAlertEventSchema) });

export const StaffAuditEntrySchema = z.object({
  id: z.number().int(),
  at: Iso,
  actor: z.string(),
  via: z.string(),
  action: z.string(),
  alertId: z.number().int().nullable(),
  facility: z.string().nullable(),
  room: z.string().nullable(),
  outcome: z.string(),
  detail: z.string().nullable().optional(),
});
export type StaffAuditEntry = z.infer<typeof StaffAuditEntrySchema>;
export const StaffAuditSchema = z.object({ audit: z.array(StaffAuditEntrySchema) });

export const StaffDeliverySchema = z.object({
  id: z.number().int(),
  recipient: z.string(),
  channel: z.string(),
  kind: z.string(),
  alertId: z.number().int().nullable().optional(),
  facility: z.string().nullable().optional(),
  room: z.string().nullable().optional(),
  severity: z.string().nullable().optional(),
  status: z.string(),
  attempts: z.number().int(),
  createdAt: Iso,
  doneAt: Iso.nullable(),
  lastError: z.string().nullable(),
  event: z.string(),
});
export type StaffDelivery = z.infer<typeof StaffDeliverySchema>;
export const StaffDeliveriesSchema = z.object({ notifications: z.array(StaffDeliverySchema) });

/** `GET /api/v1/staff/sensors`: one registered device. */
export const StaffSensorSchema = z.object({
  sensor: z.string(),
  kind: z.string(),
  facility: z.string(),
  room: z.string(),
  /** `online`, `offline` (its status topic or Last Will said so), `silent` (nothing for STALE_AFTER_SECONDS) or `never_seen`. */
  state: z.enum(['online', 'offline', 'silent', 'never_seen']),
  lastSeenAt: Iso.nullable(),
  lastReadingAt: Iso.nullable(),
  co2: z.number().nullable(),
  quality: z.string().nullable(),
  statusAt: Iso.nullable(),
  battery: z.number().nullable(),
  rssi: z.number().nullable(),
  readings: z.number().int(),
  flagged: z.record(z.string(), z.number().int()),
  rejected: z.number().int(),
});
export type StaffSensor = z.infer<typeof StaffSensorSchema>;
export const StaffSensorsSchema = z.object({
  sensors: z.array(StaffSensorSchema),
  /** Since when the counts run (the ingest's start). */
  countingSince: Iso,
  staleAfterSeconds: z.number().int(),
});

/** `GET /api/v1/staff/unknown-devices`. */
export const StaffUnknownDeviceSchema = z.object({ kind: z.string(), id: z.string(), firstSeenAt: Iso, lastSeenAt: Iso, messages: z.number().int() });
export type StaffUnknownDevice = z.infer<typeof StaffUnknownDeviceSchema>;
export const StaffUnknownDevicesSchema = z.object({ devices: z.array(StaffUnknownDeviceSchema), capacity: z.number().int(), countingSince: Iso });

/** Every error answer: `{"error":{"code","message"}}`. */
export const StaffErrorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
