/**
 * The page behind a notification's signed one-time link (`/staff/ack/{token}`): it shows the
 * alert and three buttons — windows opened, occupancy reduced, false alarm. Opening the link
 * (GET) changes nothing, because mail scanners and chat unfurlers open links too; pressing a
 * button (POST) acknowledges, audits it as `link:<recipient>` and spends the link. Server-rendered
 * HTML without scripts, in the recipient's language, readable on a phone.
 */
import express, { type Request, type Response, type Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import type { Registry } from '../../../common/registry.ts';
import type { AlertLog, AlertRecord } from '../alerts/alert-log.ts';
import type { AlertService } from '../alerts/alert-service.ts';
import type { LinkSigner } from '../notify/links.ts';
import type { RecipientConfig } from '../notify/notify-config.ts';
import { ACK_ACTIONS, type AckAction } from '../notify/notifier.ts';

export type AckPageDeps = {
  signer: LinkSigner;
  log: AlertLog;
  alerts: AlertService;
  registry: Registry;
  recipients: ReadonlyMap<string, RecipientConfig>;
  now: () => number;
  timeZone?: string;
  /** The closed loop's time (ALERT_VERIFY_SECONDS), said on the confirmation page. */
  verifySeconds?: number;
};

type Lang = 'ja' | 'en';

const TEXT = {
  ja: {
    title: '換気アラートへの対応', question: '何をしましたか? 押すと記録され、Kanki が CO₂ の下がり方を確かめます。',
    windows_opened: '窓を開けた', occupancy_reduced: '人数を減らした', false_alarm: '誤報だった',
    level: { ventilate: '換気してください', critical: 'すぐに換気', good: '良好', fair: 'やや注意', nodata: 'データなし' },
    opened: '発生', max: '最大', invalid: 'このリンクは無効です。', expired: 'このリンクの有効期限が切れています。スタッフ画面から対応を記録してください。',
    used: 'このリンクはすでに使われています', closed: 'このアラートはすでに解消しています。対応の記録は不要です。',
    recorded: '記録しました', check: '{time}以内に CO₂ が下がるか確かめます。下がらない場合はもう一度お知らせします。',
    refused: 'このアラートには、すでに対応が記録されています。', unavailable: '記録できませんでした。少し待ってからもう一度お試しください。',
  },
  en: {
    title: 'Ventilation alert', question: 'What did you do? Pressing a button records it, and Kanki checks that CO₂ falls.',
    windows_opened: 'Opened windows', occupancy_reduced: 'Reduced the number of people', false_alarm: 'False alarm',
    level: { ventilate: 'Ventilate', critical: 'Ventilate now', good: 'Good', fair: 'Fair', nodata: 'No data' },
    opened: 'Raised', max: 'Highest', invalid: 'This link is not valid.', expired: 'This link has expired. Please record what you did in the staff console.',
    used: 'This link has already been used', closed: 'This alert is already resolved. There is nothing to record.',
    recorded: 'Recorded', check: 'Kanki will check that CO₂ falls within {time}, and tell you again if it does not.',
    refused: 'What was done about this alert has already been recorded.', unavailable: 'It could not be recorded. Please try again in a moment.',
  },
} as const;

const Token = z.string().min(10).max(1024).regex(/^[A-Za-z0-9_.-]+$/);
const Body = z.strictObject({ action: z.enum(ACK_ACTIONS) });

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

export function createAckPages(deps: AckPageDeps): Router {
  const router = express.Router();
  const timeZone = deps.timeZone ?? 'Asia/Tokyo';
  router.use(rateLimit({ windowMs: 60_000, limit: 60, standardHeaders: 'draft-8', legacyHeaders: false }));
  router.use(express.urlencoded({ extended: false, limit: '1kb' }));

  const verify = deps.verifySeconds ?? 600;
  const within = (lang: Lang) => (verify % 60 === 0
    ? (lang === 'ja' ? `${verify / 60}分` : `${verify / 60} minute${verify === 60 ? '' : 's'}`)
    : (lang === 'ja' ? `${verify}秒` : `${verify} seconds`));
  const langOf = (recipient: string | undefined): Lang => (recipient && deps.recipients.get(recipient)?.lang === 'en' ? 'en' : 'ja');

  const page = (res: Response, status: number, lang: Lang, body: string) => {
    const t = TEXT[lang];
    res.status(status).set({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).send(
      `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
        `<meta name="robots" content="noindex"><title>${t.title} – Kanki</title>` +
        `<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:1.5rem auto;padding:0 1rem;line-height:1.6;color:#1a1a1a}` +
        `button{display:block;width:100%;margin:.6rem 0;padding:.9rem;font-size:1.1rem;border:2px solid #1f4e79;border-radius:.4rem;background:#fff;color:#1f4e79;cursor:pointer}` +
        `button:focus-visible{outline:3px solid #c60;outline-offset:2px}.level{font-weight:700}</style></head><body><h1>${t.title}</h1>${body}</body></html>`,
    );
  };

  const describe = (alert: AlertRecord, lang: Lang) => {
    const t = TEXT[lang];
    const room = deps.registry.room(alert.facility, alert.room);
    const name = room ? `${room.facilityName[lang]} ${room.name[lang]}` : `${alert.facility} ${alert.room}`;
    const when = new Intl.DateTimeFormat(lang === 'ja' ? 'ja-JP' : 'en-GB', { timeZone, month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }).format(alert.openedAt);
    return `<p><strong>${escapeHtml(name)}</strong></p><p class="level">${t.level[alert.level]}</p>` +
      `<p>${t.opened}: ${escapeHtml(when)}${alert.co2Max !== null ? ` · ${t.max}: ${alert.co2Max} ppm` : ''}</p>`;
  };

  /** Verifies the token and loads its alert; answers the request itself when it cannot go on. */
  const open = (req: Request, res: Response) => {
    const token = Token.safeParse(req.params.token);
    const verified = token.success ? deps.signer.verify(token.data, deps.now()) : ({ ok: false, problem: 'malformed' } as const);
    if (!verified.ok) {
      page(res, verified.problem === 'expired' ? 410 : 404, 'ja', `<p>${TEXT.ja[verified.problem === 'expired' ? 'expired' : 'invalid']}</p><p lang="en">${TEXT.en[verified.problem === 'expired' ? 'expired' : 'invalid']}</p>`);
      return undefined;
    }
    const lang = langOf(verified.claims.recipient);
    const usedAt = deps.log.linkUsedAt(verified.claims.nonce);
    const alert = deps.log.alert(verified.claims.alertId);
    if (usedAt !== undefined) {
      page(res, 410, lang, `<p>${TEXT[lang].used} (${new Date(usedAt).toISOString()}).</p>${alert ? describe(alert, lang) : ''}`);
      return undefined;
    }
    if (!alert) {
      page(res, 404, lang, `<p>${TEXT[lang].invalid}</p>`);
      return undefined;
    }
    return { claims: verified.claims, alert, lang };
  };

  router.get('/ack/:token', (req, res) => {
    const ctx = open(req, res);
    if (!ctx) return;
    const t = TEXT[ctx.lang];
    if (ctx.alert.status !== 'open') return page(res, 200, ctx.lang, `${describe(ctx.alert, ctx.lang)}<p>${t.closed}</p>`);
    const buttons = ACK_ACTIONS.map((a) => `<button type="submit" name="action" value="${a}">${t[a]}</button>`).join('');
    page(res, 200, ctx.lang, `${describe(ctx.alert, ctx.lang)}<p>${t.question}</p><form method="post">${buttons}</form>`);
  });

  router.post('/ack/:token', (req, res) => {
    const ctx = open(req, res);
    if (!ctx) return;
    const t = TEXT[ctx.lang];
    const body = Body.safeParse(req.body ?? {});
    if (!body.success) return page(res, 400, ctx.lang, `<p>${t.question}</p>`);
    const action: AckAction = body.data.action;
    const result = deps.alerts.acknowledge(ctx.alert.id, action, { id: `link:${ctx.claims.recipient}`, via: 'link' });
    if (result.ok) {
      deps.log.useLink(ctx.claims.nonce, deps.now(), ctx.alert.id, ctx.claims.recipient);
      return page(res, 200, ctx.lang, `${describe(result.alert, ctx.lang)}<p><strong>${t.recorded}: ${t[action]}</strong></p>${action === 'false_alarm' ? '' : `<p>${t.check.replace('{time}', within(ctx.lang))}</p>`}`);
    }
    if (result.refused === 'unavailable') return page(res, 503, ctx.lang, `<p>${t.unavailable}</p>`);
    if (result.refused === 'already_acknowledged') return page(res, 409, ctx.lang, `${describe(ctx.alert, ctx.lang)}<p>${t.refused}</p>`);
    page(res, 409, ctx.lang, `${describe(deps.log.alert(ctx.alert.id) ?? ctx.alert, ctx.lang)}<p>${t.closed}</p>`);
  });

  return router;
}
