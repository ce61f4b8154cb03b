/**
 * The staff API (JSON, `Authorization: Bearer <token>`): open alerts and history with their
 * events, acknowledgement with an action, the audit log and notification deliveries. Each user
 * sees and acts on their own facilities only. The staff console (dashboard) is built on it.
 *
 *   GET  /api/v1/staff/me
 *   GET  /api/v1/staff/alerts?status=open|resolved&facility=&since=&before=&limit=
 *   GET  /api/v1/staff/alerts/{id}
 *   POST /api/v1/staff/alerts/{id}/ack     { "action": "windows_opened" | "occupancy_reduced" | "false_alarm" }
 *   GET  /api/v1/staff/audit?since=&limit=
 *   GET  /api/v1/staff/notifications?status=&limit=
 *   GET  /api/v1/staff/sensors?facility=          (sensor-routes.ts)
 *   GET  /api/v1/staff/unknown-devices            (users of every facility only)
 *
 * A service user (the dashboard's staff console) may send `X-Kanki-Acting-User: <user id>`: the
 * request is then answered with that user's facilities and an acknowledgement is audited as that
 * user, `via: console`. Only service users may do this, and only for users who are not services.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import { describeIssues } from '../../../common/payloads.ts';
import type { AlertLog } from '../alerts/alert-log.ts';
import type { AlertService } from '../alerts/alert-service.ts';
import { ACK_ACTIONS } from '../notify/notifier.ts';
import { OUTBOX_STATUSES, type Outbox } from '../notify/outbox.ts';
import type { StaffAlert } from '../../../common/staff-api.ts';
import { ACTING_USER_HEADER, canSeeFacility, facilitiesOf, StaffUserIdSchema, type StaffDirectory, type StaffUser } from '../../../common/staff-users.ts';
import type { AuditEntry } from '../alerts/alert-log.ts';
import { createSensorRoutes, type SensorRoutesDeps } from './sensor-routes.ts';

export type StaffApiDeps = {
  staff: StaffDirectory;
  log: AlertLog;
  outbox: Outbox;
  alerts: AlertService;
  /** Sensor health; without it `/sensors` and `/unknown-devices` answer 404. */
  sensors?: SensorRoutesDeps;
};

/** A request past authentication: the user it acts as, the way in, and the service acting for them. */
export type StaffRequest = Request & { staffUser?: StaffUser; staffVia?: AuditEntry['via']; staffService?: string };
type Authed = StaffRequest;

const bearerUser = (req: Request, staff: StaffDirectory): StaffUser | undefined => {
  const m = /^Bearer ([\x21-\x7e]{1,256})$/.exec(req.get('authorization') ?? '');
  return m ? staff.userForToken(m[1] as string) : undefined;
};

const Id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const Limit = z.coerce.number().int().min(1).max(1000).default(100);
const Time = z.union([z.coerce.number().int().min(0), z.iso.datetime({ offset: true }).transform((s) => Date.parse(s))]);

const AlertsQuery = z.strictObject({
  status: z.enum(['open', 'resolved']).optional(),
  facility: z.string().min(1).max(64).optional(),
  since: Time.optional(),
  before: Id.optional(),
  limit: Limit,
});
const AuditQuery = z.strictObject({ since: Time.optional(), limit: Limit });
const NotificationsQuery = z.strictObject({ status: z.enum(OUTBOX_STATUSES).optional(), limit: Limit });
const AckBody = z.strictObject({ action: z.enum(ACK_ACTIONS) });

function fail(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

function parse<T>(schema: z.ZodType<T>, data: unknown, res: Response): T | undefined {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  fail(res, 400, 'invalid_request', describeIssues(r.error));
  return undefined;
}

function iso(t: number): string;
function iso(t: number | null): string | null;
function iso(t: number | null): string | null {
  return t === null ? null : new Date(t).toISOString();
}

export function createStaffApi(deps: StaffApiDeps): Router {
  const router = express.Router();
  router.use(express.json({ limit: '4kb' }));
  router.use((_req, res, next) => {
    res.set('cache-control', 'no-store');
    next();
  });
  // Failed authentications per address: a guessed token is 256 bits, but a flood is still refused early.
  router.use(rateLimit({ windowMs: 10 * 60_000, limit: 30, skipSuccessfulRequests: true, standardHeaders: 'draft-8', legacyHeaders: false,
    requestWasSuccessful: (_req, res) => res.statusCode !== 401,
    handler: (_req, res) => fail(res, 429, 'too_many_failures', 'too many failed sign-ins from this address; try again later') }));
  // The staff console's requests all come from the dashboard's address on behalf of many people;
  // it limits its own visitors, so a service user's requests are not counted here.
  router.use(rateLimit({ windowMs: 60_000, limit: 600, standardHeaders: 'draft-8', legacyHeaders: false,
    skip: (req) => bearerUser(req, deps.staff)?.service === true,
    handler: (_req, res) => fail(res, 429, 'rate_limited', 'too many requests; slow down') }));
  router.use((req: Authed, res: Response, next: NextFunction) => {
    const user = bearerUser(req, deps.staff);
    if (!user) {
      res.set('www-authenticate', 'Bearer realm="kanki-staff"');
      fail(res, 401, 'unauthorized', 'a staff token is required: Authorization: Bearer <token>');
      return;
    }
    const acting = req.get(ACTING_USER_HEADER);
    if (acting === undefined) {
      req.staffUser = user;
      req.staffVia = 'api';
      return next();
    }
    // A personal token can never borrow another person's facilities; a service acts for people only.
    if (!user.service) return fail(res, 403, 'acting_user_refused', `only a service user may send ${ACTING_USER_HEADER}`);
    const target = StaffUserIdSchema.safeParse(acting).success ? deps.staff.user(acting) : undefined;
    if (!target || target.service) return fail(res, 403, 'acting_user_refused', 'no such user to act for');
    req.staffUser = target;
    req.staffVia = 'console';
    req.staffService = user.id;
    next();
  });

  const present = (a: NonNullable<ReturnType<AlertLog['alert']>>): StaffAlert => ({
    id: a.id, facility: a.facility, room: a.room, kind: a.kind, status: a.status, level: a.level, reason: a.reason,
    openedAt: iso(a.openedAt), closedAt: iso(a.closedAt), co2AtOpen: a.co2AtOpen, co2Max: a.co2Max, escalated: a.escalated,
    acknowledgement: a.ack ? { action: a.ack.action, by: a.ack.by, at: iso(a.ack.at) } : null,
  });

  router.get('/me', (req: Authed, res) => {
    const u = req.staffUser as StaffUser;
    res.json({ id: u.id, name: u.name, facilities: u.facilities });
  });

  router.get('/alerts', (req: Authed, res) => {
    const q = parse(AlertsQuery, req.query, res);
    if (!q) return;
    const user = req.staffUser as StaffUser;
    if (q.facility && !canSeeFacility(user, q.facility)) return fail(res, 403, 'forbidden', `not a facility of ${user.id}`);
    const facilities = q.facility ? [q.facility] : facilitiesOf(user);
    const rows = deps.log.alerts({ status: q.status, facilities, since: q.since, beforeId: q.before, limit: q.limit });
    res.json({ alerts: rows.map(present), next: rows.length === q.limit ? rows[rows.length - 1]?.id : null });
  });

  router.get('/alerts/:id', (req: Authed, res) => {
    const id = parse(Id, req.params.id, res);
    if (id === undefined) return;
    const a = deps.log.alert(id);
    if (!a || !canSeeFacility(req.staffUser as StaffUser, a.facility)) return fail(res, 404, 'not_found', `no alert ${id}`);
    const events = deps.log.events(id).map((e) => ({ type: e.type, level: e.level, co2: e.co2, at: iso(e.at), reason: e.reason, by: e.actor, action: e.action }));
    res.json({ alert: present(a), events });
  });

  router.post('/alerts/:id/ack', (req: Authed, res) => {
    const id = parse(Id, req.params.id, res);
    if (id === undefined) return;
    const body = parse(AckBody, req.body ?? {}, res);
    if (!body) return;
    const user = req.staffUser as StaffUser;
    const a = deps.log.alert(id);
    if (!a || !canSeeFacility(user, a.facility)) return fail(res, 404, 'not_found', `no alert ${id}`);
    const result = deps.alerts.acknowledge(id, body.action, {
      id: user.id, via: req.staffVia ?? 'api', ...(req.staffService ? { detail: `service:${req.staffService}` } : {}),
    });
    if (result.ok) return void res.json({ alert: present(result.alert) });
    if (result.refused === 'unavailable') return fail(res, 503, 'unavailable', 'the alert database is unavailable; try again');
    if (result.refused === 'not_found') return fail(res, 404, 'not_found', `no alert ${id}`);
    const why = { no_open_alert: 'the alert is no longer open', other_alert: 'the alert is no longer open', already_acknowledged: 'the alert was already acknowledged; its outcome is still being checked' }[result.refused];
    fail(res, 409, result.refused === 'other_alert' ? 'no_open_alert' : result.refused, why);
  });

  router.get('/audit', (req: Authed, res) => {
    const q = parse(AuditQuery, req.query, res);
    if (!q) return;
    const rows = deps.log.auditLog({ since: q.since, facilities: facilitiesOf(req.staffUser as StaffUser), limit: q.limit });
    res.json({ audit: rows.map((r) => ({ ...r, at: iso(r.at) })) });
  });

  router.get('/notifications', (req: Authed, res) => {
    const q = parse(NotificationsQuery, req.query, res);
    if (!q) return;
    const rows = deps.outbox.list({ status: q.status, facilities: facilitiesOf(req.staffUser as StaffUser), limit: q.limit });
    res.json({
      notifications: rows.map((r) => ({
        id: r.id, recipient: r.recipient, channel: r.channel, kind: r.kind, alertId: r.alertId, facility: r.facility, room: r.room,
        severity: r.severity, status: r.status, attempts: r.attempts, createdAt: iso(r.createdAt), doneAt: iso(r.doneAt), lastError: r.lastError,
        event: r.notice.kind === 'alert' ? r.notice.event.type : 'digest',
      })),
    });
  });

  if (deps.sensors) router.use(createSensorRoutes(deps.sensors));
  router.use((_req, res) => fail(res, 404, 'not_found', 'no such staff API route'));
  return router;
}
