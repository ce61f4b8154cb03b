// The staff console's alert views for an early warning: the alert says it was raised early, and its
// `raised` event says why, in every console language (never the bare reason code).
import { describe, expect, it } from 'vitest';
import { loadRegistryFile } from '../../common/registry.ts';
import type { StaffAlert, StaffAlertEvent } from '../../common/staff-api.ts';
import { loadI18n } from '../../dashboard/src/i18n/i18n.ts';
import { alertDetailBody } from '../../dashboard/src/staff/views/alert-views.ts';
import type { StaffView } from '../../dashboard/src/staff/views/frame.ts';

const i18n = loadI18n({ timeZone: 'Asia/Tokyo' });
const registry = loadRegistryFile('config/registry.demo.yaml');
const view = (lang: string): StaffView => ({ t: i18n.translator(lang), i18n, registry, path: '/staff/alerts/7', csrf: 'x' });

const alert: StaffAlert = {
  id: 7, facility: 'tobe-elementary', room: 'class-3-2', kind: 'co2', status: 'open', level: 'fair', reason: 'rising',
  openedAt: '2026-11-25T01:05:00.000Z', closedAt: null, co2AtOpen: 912, co2Max: 912, escalated: false, acknowledgement: null,
};
const events: StaffAlertEvent[] = [{ type: 'raised', level: 'fair', co2: 912, at: '2026-11-25T01:05:00.000Z', reason: 'rising', by: null, action: null }];

describe('staff console: early warnings', () => {
  it.each([
    ['ja', '早期警告: CO₂上昇中', '換気が必要な濃度へ上昇中'],
    ['en', 'Early warning: CO₂ rising', 'rising steadily towards the ventilate level'],
    ['ja-easy', 'はやめの おしらせ: CO₂ が あがっている', 'かんき が ひつような こさ へ あがっている'],
  ])('%s: the alert is flagged as an early warning and its event names the reason in words', (lang, flag, reason) => {
    const page = alertDetailBody(view(lang), alert, events).toString();
    expect(page).toContain(`data-reason="rising">${flag}</span>`);
    expect(page).toContain(reason);
    expect(page).not.toMatch(/>rising</);
  });

  it('a normal alert carries no early-warning flag', () => {
    const page = alertDetailBody(view('en'), { ...alert, level: 'ventilate', reason: null }, [{ ...events[0]!, level: 'ventilate', reason: null }]).toString();
    expect(page).not.toContain('data-reason="rising"');
  });
});
