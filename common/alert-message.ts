/**
 * The message the ingest publishes on `kanki/v1/alerts/{facility}/{room}` (QoS 1, not retained) for
 * every alert event, as a zod schema, so a subscriber outside the ingest (the simulator's staff, a
 * building-management bridge) parses exactly what the ingest sends without importing it. Not
 * strict: a newer ingest may add fields. Staff-side data: never shown on public pages.
 */
import { z } from 'zod';
import { LevelSchema } from './levels.ts';
import { STAFF_ACK_ACTIONS } from './staff-api.ts';

/** Event types of the alert engine (ingest/src/alerts/engine.ts `AlertEvent`). */
export const ALERT_EVENT_TYPES = ['raised', 'escalated', 'resolved', 'sensor_offline', 'sensor_online', 'acknowledged', 'improving'] as const;
export type AlertEventType = (typeof ALERT_EVENT_TYPES)[number];

export const AlertMessageSchema = z.object({
  facility: z.string().min(1),
  room: z.string().min(1),
  type: z.enum(ALERT_EVENT_TYPES),
  /** The room's confirmed level after the event. */
  level: LevelSchema,
  /** The room's robust value (ppm), or null without data. */
  co2: z.number().nullable(),
  /** When the engine decided, ISO 8601. */
  at: z.string(),
  /** The alert's id in the staff API (numeric), or the engine's own id when the alert database was down. */
  alertId: z.string().min(1),
  /** On escalated: `critical`, `confirmed` (an early warning came true), `duration`, `reminder`, `no_improvement` or `relapse`; on an early raised: `rising`; on sensor events: why data is missing. */
  reason: z.string().optional(),
  /** On raised with reason `rising`: minutes until CO₂ reaches the ventilate threshold at its current slope. */
  projectedMinutes: z.number().int().min(0).optional(),
  /** On raised: which of the room's CO₂ alerts of its local day this is (1 = the first); from 2 on the notice advises keeping the windows a little open all day. */
  alertsToday: z.number().int().min(1).optional(),
  ack: z.object({ action: z.enum(STAFF_ACK_ACTIONS), by: z.string(), at: z.string() }).optional(),
});
/** One alert event as published. */
export type AlertMessagePayload = z.infer<typeof AlertMessageSchema>;
