/**
 * The other public pages in real headless Chromium against the whole running system: a room page
 * draws its chart and switches ranges; the facility page, open data and the monthly report pass
 * axe; signage rotates through the rooms without anyone touching it. Screenshots (with
 * `KANKI_SCREENSHOTS=1`) go to docs/screenshots/.
 */
import { describe, expect, it } from 'vitest';
import { axeAudit, horizontalOverflow, screenshot, useE2E } from './helpers/browser.ts';

const MANUAL = { facility: 'tobe-elementary', room: 'class-3-2' } as const;
const e2e = useE2E({ manualRooms: [`${MANUAL.facility}/${MANUAL.room}`] });
const ROOM = `/rooms/${MANUAL.facility}/${MANUAL.room}`;

describe('the room page', () => {
  it('draws the history chart, switches range in place, and updates the value live', async () => {
    await e2e.system.pushReading(MANUAL.facility, MANUAL.room, 900);
    const page = await e2e.openPage(ROOM);
    await page.waitForSelector('#history-figure:not([hidden]) canvas#history-chart', { timeout: 15_000 });
    const size = await page.$eval('#history-chart', (c) => ({ w: (c as HTMLCanvasElement).width, h: (c as HTMLCanvasElement).height }));
    expect(size.w).toBeGreaterThan(200);
    expect(size.h).toBeGreaterThan(100);
    expect(await page.getAttribute('#history-chart', 'role')).toBe('img');
    expect(await page.getAttribute('#history-chart', 'aria-label')).toBeTruthy();
    // The table alternative is there for screen readers and without JavaScript.
    expect(await page.locator('#history-table caption').innerText()).not.toBe('');

    await page.click('#range-switch a.range-link[data-range="7d"]');
    await page.waitForSelector('#history[data-range="7d"]');
    expect(page.url()).toContain('range=7d');

    await e2e.system.pushReading(MANUAL.facility, MANUAL.room, 1700);
    await page.waitForSelector('#room-now[data-level="critical"]', { timeout: 15_000 });
    expect(await page.locator('#room-co2').innerText()).toContain('1,700');
  });

  it.each(['ja', 'en'])('passes axe and fits a phone (%s)', async (lang) => {
    await e2e.system.pushReading(MANUAL.facility, MANUAL.room, 1250);
    const page = await e2e.openPage(ROOM, { lang, bypassCSP: true });
    await page.waitForSelector('#history-figure:not([hidden])', { timeout: 15_000 });
    await screenshot(page, `room-${lang}`, { fullPage: true });
    const audit = await axeAudit(page);
    expect(audit.serious, audit.report).toEqual([]);
    const phone = await e2e.openPage(ROOM, { lang, viewport: { width: 360, height: 740 } });
    expect(await horizontalOverflow(phone)).toBe(0);
  });
});

describe('facility, open data and report pages', () => {
  it.each([`/facilities/${MANUAL.facility}`, '/open-data', `/facilities/${MANUAL.facility}/report`])('%s passes axe and fits a phone', async (path) => {
    const page = await e2e.openPage(path, { bypassCSP: true });
    const audit = await axeAudit(page);
    expect(audit.serious, audit.report).toEqual([]);
    const phone = await e2e.openPage(path, { viewport: { width: 360, height: 740 } });
    expect(await horizontalOverflow(phone)).toBe(0);
  });
});

describe('signage', () => {
  it('rotates through the rooms by itself, large enough to read across a lobby', async () => {
    await e2e.system.waitForLiveData();
    const page = await e2e.openPage(`/signage/${MANUAL.facility}?interval=5`, { viewport: { width: 1920, height: 1080 } });
    await page.waitForSelector('.signage--rotating');
    const shown = () => page.$eval('.signage-room[data-room]:not([hidden])', (el) => el.getAttribute('data-room'));
    const first = await shown();
    await page.waitForFunction((was) => document.querySelector('.signage-room[data-room]:not([hidden])')?.getAttribute('data-room') !== was, first, { timeout: 15_000 });
    expect(await shown()).not.toBe(first);
    // The value is at least a fifth of the screen's height: readable at 5 m on a 1080p panel.
    const height = await page.$eval('.signage-room:not([hidden]) .signage-value', (el) => el.getBoundingClientRect().height);
    expect(height).toBeGreaterThan(1080 * 0.15);
    expect(await page.evaluate(() => document.documentElement.scrollHeight <= window.innerHeight)).toBe(true);
    await screenshot(page, 'signage-dark');
    const audit = await axeAudit(await e2e.openPage(`/signage/${MANUAL.facility}`, { bypassCSP: true, viewport: { width: 1920, height: 1080 } }));
    expect(audit.serious, audit.report).toEqual([]);
  });
});
