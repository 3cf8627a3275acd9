import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFunnelScenario, type FunnelScenario } from './scenario.ts';
import { STAFF_TOKEN, startStaffServer, type StaffServer } from './staff-server.ts';

/** The staff dashboard in a real browser: signing in with the token, then the charts and tables. */

const SCREENSHOT = path.resolve('docs/screenshots/staff.png');

describe('the staff dashboard in a browser', () => {
  let browser: Browser;
  let s: FunnelScenario;
  let staff: StaffServer;

  beforeAll(async () => {
    [browser, s] = await Promise.all([
      chromium.launch({
        executablePath: '/usr/bin/chromium',
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      }),
      startFunnelScenario(),
    ]);
    staff = await startStaffServer(s.t, { clock: () => s.clock.now, staffToken: STAFF_TOKEN });
  });
  afterAll(async () => {
    await browser?.close();
    await staff?.close();
    await s?.t.close();
  });

  it('signs in with the staff token and shows the charts, the tables and the stalled list', async () => {
    const context = await browser.newContext({ locale: 'en-CA', viewport: { width: 1100, height: 900 } });
    try {
      const page = await context.newPage();
      const first = await page.goto(`${staff.url}/staff`);
      expect(first?.status()).toBe(401);
      // From here on the browser should report no problem (CSP violation, failed load).
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      await page.getByLabel('Staff token').fill(STAFF_TOKEN);
      await Promise.all([page.waitForURL(`${staff.url}/staff`), page.getByRole('button', { name: 'Sign in' }).click()]);

      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Onboarding funnel');
      // Each chart is one image named by its <title>, and it is really drawn.
      for (const name of ['In progress per step', 'Time spent in each step', 'Completed per week']) {
        const chart = page.getByRole('img', { name });
        expect(await chart.count(), name).toBe(1);
        const box = await chart.boundingBox();
        expect(box?.width ?? 0).toBeGreaterThan(300);
        expect(box?.height ?? 0).toBeGreaterThan(100);
      }
      expect(await page.locator('#chart-steps rect').count()).toBeGreaterThan(4);
      // The same figures as tables, with captions.
      expect(await page.getByRole('table', { name: 'In progress per step' }).count()).toBe(1);
      const durations = page.getByRole('table', { name: 'Time spent in each step' });
      expect(await durations.getByRole('row').nth(1).textContent()).toContain('19.2');
      // The stalled list, longest first; its first link opens the organization's history.
      const stalled = page.getByRole('table', { name: /Waiting the longest/ });
      expect(await stalled.getByRole('row').count()).toBe(4);
      expect(errors).toEqual([]);

      fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });

      await Promise.all([page.waitForURL(/\/staff\/org\//), stalled.getByRole('link').first().click()]);
      expect(await page.getByRole('heading', { level: 2, name: 'History' }).count()).toBe(1);
      expect(await page.getByRole('table', { name: 'Every event, newest first' }).getByRole('row').count()).toBeGreaterThan(1);
    } finally {
      await context.close();
    }
  });
});
