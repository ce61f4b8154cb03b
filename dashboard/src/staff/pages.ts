/**
 * The console's pages (behind `auth.ts`), each one request to the ingest's staff API as the
 * signed-in person, and a few read-only JSON routes under `/staff/api/` for scripts:
 *
 *   GET  /staff/alerts                 open alerts with the acknowledgement buttons
 *   POST /staff/alerts/{id}/ack        action=windows_opened|occupancy_reduced|false_alarm → 303 back with a notice
 *   GET  /staff/alerts/{id}            one alert and its events
 *   GET  /staff/history?status=&before=
 *   GET  /staff/audit
 *   GET  /staff/notifications?status=
 *   GET  /staff/sensors?facility=
 *   GET  /staff/unknown-devices        (users of every facility)
 *   GET  /staff/api/alerts|sensors|unknown-devices
 *
 * What a person may see and do is decided by the ingest from their facilities, not here: another
 * facility's alert is "not found" whichever way it is asked for.
 */
import express, { type ErrorRequestHandler, type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { STAFF_ACK_ACTIONS, STAFF_DELIVERY_STATUSES } from '../../../common/staff-api.ts';
import { signedIn } from './auth.ts';
import { IngestError, type StaffIngestApi } from './ingest-client.ts';
import { alertDetailBody, auditBody, historyBody, openAlertsBody } from './views/alert-views.ts';
import { deliveriesBody, sensorsBody, unknownDevicesBody } from './views/device-views.ts';
import { renderStaffMessage, renderStaffPage, type StaffView } from './views/frame.ts';

export type PageDeps = {
  ingest: StaffIngestApi;
  logger: Logger;
  view(req: Request, res: Response): StaffView;
};

/** What the page says after an acknowledgement (`?notice=`; a fixed list, so the URL cannot inject text). */
const NOTICES = ['acknowledged', 'acknowledged_false_alarm', 'already_acknowledged', 'no_open_alert'] as const;
type Notice = (typeof NOTICES)[number];

const Id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const FacilityId = z.string().regex(/^[a-z0-9-]{1,64}$/);
const AlertsPageQuery = z.object({ notice: z.enum(NOTICES).optional() });
const HistoryQuery = z.object({ status: z.enum(['open', 'resolved', '']).optional(), before: Id.optional() });
const DeliveriesQuery = z.object({ status: z.enum(['', ...STAFF_DELIVERY_STATUSES]).optional() });
const SensorsQuery = z.object({ facility: FacilityId.optional() });
const AckBody = z.object({ action: z.enum(STAFF_ACK_ACTIONS), from: z.enum(['list', 'detail']).default('list') });

/** A bad query or form: 400 with the console's message page. */
class BadRequest extends Error {}

function parse<T>(schema: z.ZodType<T>, data: unknown): T {
  const r = schema.safeParse(data);
  if (!r.success) throw new BadRequest(r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return r.data;
}

/** The console's pages and JSON routes, and their error pages (mount behind the session guard). */
export function createPages(deps: PageDeps): Router {
  const router = express.Router();
  const send = (res: Response, status: number, page: string) => res.status(status).type('html').send(page);
  const me = (res: Response) => signedIn(res).user.id;

  router.get('/', (_req, res) => res.redirect(303, '/staff/alerts'));

  router.get('/alerts', async (req, res) => {
    const q = parse(AlertsPageQuery, req.query);
    const { alerts } = await deps.ingest.alerts(me(res), { status: 'open', limit: 200 });
    const v = deps.view(req, res);
    send(res, 200, renderStaffPage(v, { title: v.t.t('staff.alerts.title'), current: '/staff/alerts', notice: q.notice && v.t.t(`staff.notice.${q.notice}`), body: openAlertsBody(v, alerts) }));
  });

  router.get('/alerts/:id', async (req, res) => {
    const id = parse(Id, req.params.id);
    const q = parse(AlertsPageQuery, req.query);
    const { alert, events } = await deps.ingest.alert(me(res), id);
    const v = deps.view(req, res);
    send(res, 200, renderStaffPage(v, { title: v.t.t('staff.alert.title', { id }), notice: q.notice && v.t.t(`staff.notice.${q.notice}`), body: alertDetailBody(v, alert, events) }));
  });

  router.post('/alerts/:id/ack', async (req, res) => {
    const id = parse(Id, req.params.id);
    const body = parse(AckBody, req.body ?? {});
    let notice: Notice;
    try {
      await deps.ingest.acknowledge(me(res), id, body.action);
      notice = 'acknowledged';
      deps.logger.info({ user: me(res), alertId: id, action: body.action }, 'staff console: alert acknowledged');
    } catch (err) {
      // Refusals the person should read on the page they came from; the rest are error pages.
      if (!(err instanceof IngestError) || (err.apiCode !== 'already_acknowledged' && err.apiCode !== 'no_open_alert')) throw err;
      notice = err.apiCode;
    }
    if (notice === 'acknowledged' && body.action === 'false_alarm') notice = 'acknowledged_false_alarm';
    res.redirect(303, body.from === 'detail' ? `/staff/alerts/${id}?notice=${notice}` : `/staff/alerts?notice=${notice}`);
  });

  router.get('/history', async (req, res) => {
    const q = parse(HistoryQuery, req.query);
    const status = q.status || undefined;
    const page = await deps.ingest.alerts(me(res), { status, before: q.before, limit: 50 });
    const older = page.next === null ? null : `/staff/history?${new URLSearchParams({ ...(status ? { status } : {}), before: String(page.next) })}`;
    const v = deps.view(req, res);
    send(res, 200, renderStaffPage(v, { title: v.t.t('staff.history.title'), current: '/staff/history', body: historyBody(v, page.alerts, older, status) }));
  });

  router.get('/audit', async (req, res) => {
    const { audit } = await deps.ingest.audit(me(res), 200);
    const v = deps.view(req, res);
    send(res, 200, renderStaffPage(v, { title: v.t.t('staff.audit.title'), current: '/staff/audit', body: auditBody(v, audit) }));
  });

  router.get('/notifications', async (req, res) => {
    const q = parse(DeliveriesQuery, req.query);
    const { notifications } = await deps.ingest.notifications(me(res), { status: q.status || undefined, limit: 200 });
    const v = deps.view(req, res);
    send(res, 200, renderStaffPage(v, { title: v.t.t('staff.deliveries.title'), current: '/staff/notifications', body: deliveriesBody(v, { notifications, status: q.status || undefined }) }));
  });

  router.get('/sensors', async (req, res) => {
    const q = parse(SensorsQuery, req.query);
    const data = await deps.ingest.sensors(me(res), q.facility);
    const v = deps.view(req, res);
    send(res, 200, renderStaffPage(v, { title: v.t.t('staff.sensors.title'), current: '/staff/sensors', body: sensorsBody(v, data) }));
  });

  router.get('/unknown-devices', async (req, res) => {
    const data = await deps.ingest.unknownDevices(me(res));
    const v = deps.view(req, res);
    send(res, 200, renderStaffPage(v, { title: v.t.t('staff.unknown.title'), current: '/staff/unknown-devices', body: unknownDevicesBody(v, data) }));
  });

  // Read-only JSON for scripts (the same data as the pages, already scoped by the ingest).
  router.get('/api/alerts', async (_req, res) => void res.json(await deps.ingest.alerts(me(res), { status: 'open', limit: 200 })));
  router.get('/api/sensors', async (req, res) => void res.json(await deps.ingest.sensors(me(res), parse(SensorsQuery, req.query).facility)));
  router.get('/api/unknown-devices', async (_req, res) => void res.json(await deps.ingest.unknownDevices(me(res))));

  const errors: ErrorRequestHandler = (err: unknown, req, res, next) => {
    if (res.headersSent || !(err instanceof IngestError || err instanceof BadRequest)) return next(err);
    const status = err instanceof BadRequest ? 400 : err.status === 404 || err.status === 403 ? err.status : 503;
    if (status === 503) deps.logger.warn({ err, path: req.path }, 'staff console: the staff API failed');
    if (req.path.startsWith('/api/')) {
      return void res.status(status).json({ error: { code: status === 503 ? 'ingest_unavailable' : err instanceof IngestError ? err.apiCode : 'bad_request', message: status === 503 ? 'the alert service is not reachable; try again shortly' : err.message } });
    }
    const v = deps.view(req, res);
    const key = { 400: 'badRequest', 403: 'forbidden', 404: 'notFound', 503: 'unavailable' }[status] ?? 'unavailable';
    send(res, status, renderStaffMessage(v, { title: v.t.t(`staff.error.${key}.title`), message: v.t.t(`staff.error.${key}`) }));
  };
  router.use(errors);
  return router;
}
