/**
 * Sensor health in the staff API (mounted by `staff-api.ts` after authentication):
 *
 *   GET /api/v1/staff/sensors?facility=     registered devices of the user's facilities
 *   GET /api/v1/staff/unknown-devices       devices not in the registry (users of every facility only:
 *                                           an unknown device belongs to no facility yet)
 */
import express, { type Response, type Router } from 'express';
import { z } from 'zod';
import { describeIssues } from '../../../common/payloads.ts';
import type { StaffSensor, StaffUnknownDevice } from '../../../common/staff-api.ts';
import { canSeeFacility, facilitiesOf, type StaffUser } from '../../../common/staff-users.ts';
import type { DeviceHealth, SensorHealth } from './sensor-health.ts';
import type { StaffRequest } from './staff-api.ts';

export type SensorRoutesDeps = {
  health: SensorHealth;
  /** A device silent this long is `silent` (STALE_AFTER_SECONDS). */
  staleAfterMs: number;
  now: () => number;
  /** When counting began (the ingest's start). */
  since: number;
};

const Query = z.strictObject({ facility: z.string().min(1).max(64).optional() });

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

function fail(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

/** The derived state staff read first: offline wins (the device said so), then silence. */
function stateOf(d: DeviceHealth, now: number, staleAfterMs: number): StaffSensor['state'] {
  if (d.online === false) return 'offline';
  if (d.lastSeenAt === null) return 'never_seen';
  return now - d.lastSeenAt > staleAfterMs ? 'silent' : 'online';
}

/** `/sensors` and `/unknown-devices`, for requests already authenticated by the staff API. */
export function createSensorRoutes(deps: SensorRoutesDeps): Router {
  const router = express.Router();

  router.get('/sensors', (req: StaffRequest, res) => {
    const q = Query.safeParse(req.query);
    if (!q.success) return fail(res, 400, 'invalid_request', describeIssues(q.error));
    const user = req.staffUser as StaffUser;
    if (q.data.facility && !canSeeFacility(user, q.data.facility)) return fail(res, 403, 'forbidden', `not a facility of ${user.id}`);
    const now = deps.now();
    const sensors = deps.health.list(q.data.facility ? [q.data.facility] : facilitiesOf(user)).map((d): StaffSensor => ({
      sensor: d.sensor, kind: d.kind, facility: d.facility, room: d.room, state: stateOf(d, now, deps.staleAfterMs),
      lastSeenAt: iso(d.lastSeenAt), lastReadingAt: iso(d.lastReadingAt), co2: d.co2, quality: d.quality, statusAt: iso(d.statusAt),
      battery: d.battery, rssi: d.rssi, readings: d.readings, flagged: { ...d.flagged }, rejected: d.rejected,
    }));
    res.json({ sensors, countingSince: new Date(deps.since).toISOString(), staleAfterSeconds: Math.round(deps.staleAfterMs / 1000) });
  });

  router.get('/unknown-devices', (req: StaffRequest, res) => {
    if (facilitiesOf(req.staffUser as StaffUser) !== undefined) return fail(res, 403, 'forbidden', 'unknown devices are shown to users of every facility only');
    const devices = deps.health.unknownDevices().map((u): StaffUnknownDevice => ({
      kind: u.kind, id: u.id, firstSeenAt: new Date(u.firstSeenAt).toISOString(), lastSeenAt: new Date(u.lastSeenAt).toISOString(), messages: u.messages,
    }));
    res.json({ devices, capacity: deps.health.unknownCapacity, countingSince: new Date(deps.since).toISOString() });
  });

  return router;
}
