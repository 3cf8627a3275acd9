import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { approvedOrganization, GOOD_PASSWORD, newAdmin, staffMember, submittedOrganization } from '../helpers/journey.ts';

/**
 * Step 1's last part in a real browser, against the real app: the administrator opens the
 * activation link from the email, is refused a weak password (nothing changes), succeeds
 * with a good one and the Terms accepted, and cannot use the link twice. Without SMTP, the
 * same link is found and followed from the local mailbox pages.
 */

const SCREENSHOT = path.resolve('docs/screenshots/activation.png');

/** Mailed links carry the configured public URL; the browser is sent to this app instead. */
function toApp(link: string, appUrl: string): string {
  const u = new URL(link);
  return `${appUrl}${u.pathname}${u.search}`;
}

/** Requests for the configured public URL (port 0 in tests) go to the app's real address. */
async function routePublicUrlTo(context: BrowserContext, appUrl: string): Promise<void> {
  await context.route(/^http:\/\/127\.0\.0\.1:0\//, async (route) => {
    const response = await route.fetch({ url: toApp(route.request().url(), appUrl) });
    await route.fulfill({ response });
  });
}

describe('the activation page in a browser', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  afterAll(async () => browser?.close());

  it('refuses a weak password, activates with a good one, then says the link was used', async () => {
    const t: TestApp = await startTestApp();
    const context = await browser.newContext({ locale: 'en-CA' });
    try {
      const service = t.app.service;
      const admin = await newAdmin(service);
      const org = await approvedOrganization(t, admin, {
        legalName: 'Northern Lights Youth Mentoring',
        adminName: 'Alex Tremblay',
        adminEmail: 'alex.tremblay@northernlights.example.org',
      });
      const link = toApp(org.activationLink, t.app.url);
      const page = await context.newPage();

      const opened = await page.goto(link);
      expect(opened?.status()).toBe(200);
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBeTruthy();
      expect(await page.getByText(org.legalName).count()).toBeGreaterThan(0);
      // The email is filled in from the invitation.
      expect(await page.getByLabel('Email', { exact: false }).first().inputValue()).toBe(org.adminEmail);
      fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });

      // A weak password: the form comes back with the error inline, nothing changes.
      await page.locator('#password').fill('short');
      await page.locator('#passwordConfirm').fill('short');
      await page.locator('#acceptTerms').check();
      const [weak] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Continue' }).click()]);
      expect(weak.status()).toBe(422);
      await page.waitForLoadState();
      const passwordError = page.locator('#password-error');
      expect(await passwordError.isVisible()).toBe(true);
      expect(await passwordError.textContent()).toBeTruthy();
      expect(await page.locator('#password').getAttribute('aria-invalid')).toBe('true');
      expect(await page.locator('.error-summary').isVisible()).toBe(true);
      expect((await service.overview(admin))[0]?.state).toBe('awaitingActivation');

      // A good password with the Terms accepted.
      await page.locator('#password').fill(GOOD_PASSWORD);
      await page.locator('#passwordConfirm').fill(GOOD_PASSWORD);
      await page.locator('#acceptTerms').check();
      const [done] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Continue' }).click()]);
      expect(done.status()).toBe(200);
      await page.waitForLoadState();
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Your organization is active');
      expect(await page.getByText(org.legalName).count()).toBeGreaterThan(0);
      expect((await service.overview(admin))[0]?.state).toBe('active');
      expect((await service.person((await t.app.store.findPersonByEmail(org.adminEmail))!.id))?.activatedAt).toBeInstanceOf(Date);

      // The same link again.
      const again = await page.goto(link);
      expect(again?.status()).toBe(410);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('This link has already been used');
      expect(await page.locator('#password').count()).toBe(0);
    } finally {
      await context.close();
      await t.close();
    }
  });

  it('without SMTP, lists the activation mail in /mailbox and follows its link to the activation page', async () => {
    const t: TestApp = await startTestApp({ SMTP_URL: '' });
    const context = await browser.newContext({ locale: 'en-CA' });
    try {
      const service = t.app.service;
      const admin = await newAdmin(service);
      const org = await submittedOrganization(service, admin);
      expect((await service.decide(await staffMember(service), { submissionId: org.submissionId, outcome: 'approved' })).ok).toBe(true);
      // Nothing reaches the SMTP server: the mail lands in the local mailbox.
      await expect.poll(async () => (await t.app.store.outboxMessages({ kind: 'email' })).map((m) => m.status), { timeout: 10_000 }).toEqual(['sent']);
      expect(t.smtp.messages).toHaveLength(0);

      await routePublicUrlTo(context, t.app.url);
      const page = await context.newPage();
      expect((await page.goto(`${t.app.url}/mailbox`))?.status()).toBe(200);
      const row = page.getByRole('row').filter({ hasText: org.adminEmail });
      expect(await row.count()).toBe(1);
      await row.getByRole('link').click();
      await page.waitForURL(/\/mailbox\/.+/);

      const activation = page.locator('ul a[href*="/activate?token="]');
      expect(await activation.count()).toBe(1);
      await activation.click();
      await page.waitForURL(/\/activate\?token=/);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBeTruthy();
      expect(await page.getByText(org.legalName).count()).toBeGreaterThan(0);
      expect(await page.locator('#email').inputValue()).toBe(org.adminEmail);
      expect(await page.locator('#acceptTerms').count()).toBe(1);
    } finally {
      await context.close();
      await t.close();
    }
  });
});
