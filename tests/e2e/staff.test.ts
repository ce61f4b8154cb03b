/**
 * The staff console in real headless Chromium against the whole running system: a classroom's air
 * turns bad, the alert engine raises an alert, a teacher signs in, presses "windows opened", and the
 * acknowledgement is in the ingest's audit log as that teacher through the console. Alert timings
 * are shortened (sustain 1 s).
 */
import { describe, expect, it } from 'vitest';
import { axeAudit, screenshot, useE2E } from './helpers/browser.ts';

const MANUAL = { facility: 'tobe-elementary', room: 'class-3-2' } as const;
const e2e = useE2E({
  manualRooms: [`${MANUAL.facility}/${MANUAL.room}`],
  env: { ALERT_SUSTAIN_SECONDS: '1', ALERT_WINDOW_SECONDS: '1', ALERT_TICK_MS: '200' },
});

describe('the staff console', () => {
  it('sign-in → open alert → "windows opened" → audited as the teacher via the console', async () => {
    // Keep the room high until the alert is raised (sustain 1 s on the ingest's clock).
    const feed = setInterval(() => void e2e.system.pushReading(MANUAL.facility, MANUAL.room, 1300), 300);
    try {
      const page = await e2e.openPage('/staff/alerts', { bypassCSP: true });
      // Without a session: the sign-in page.
      await page.waitForSelector('form#staff-sign-in');
      expect(page.url()).toContain('/staff/sign-in');
      await page.fill('#staff-user-id', 'tobe-elementary');
      await page.fill('#staff-password', 'a wrong password');
      await page.click('#staff-sign-in-submit');
      await page.waitForSelector('#staff-sign-in-error');
      await page.fill('#staff-user-id', 'tobe-elementary');
      await page.fill('#staff-password', 'kanki-example-password-tobe-elementary');
      await page.click('#staff-sign-in-submit');
      await page.waitForURL(/\/staff\/alerts/);

      // The alert appears once the ingest has raised it (reload: the console has no live updates).
      let alertId: string | null = null;
      for (let i = 0; i < 40 && !alertId; i++) {
        alertId = await page.locator('li.staff-alert[data-alert-id]').first().getAttribute('data-alert-id', { timeout: 250 }).catch(() => null);
        if (!alertId) await page.reload();
      }
      expect(alertId).toBeTruthy();
      await screenshot(page, 'staff-console');
      const audit = await axeAudit(page);
      expect(audit.serious, audit.report).toEqual([]);

      await page.click(`form.ack-form[data-alert-id="${alertId}"] button[data-ack-action="windows_opened"]`);
      await page.waitForSelector('#staff-notice');

      const res = await fetch(`http://127.0.0.1:${e2e.system.ingestHttpPort}/api/v1/staff/audit`, { headers: { authorization: 'Bearer kanki-example-staff-ward-ops' } });
      const body = (await res.json()) as { audit: { actor: string; via: string; action: string; outcome: string; alertId: number }[] };
      expect(body.audit).toContainEqual(expect.objectContaining({ actor: 'tobe-elementary', via: 'console', action: 'windows_opened', outcome: 'ok', alertId: Number(alertId) }));
    } finally {
      clearInterval(feed);
    }
  });
});
