import { mkdir } from 'node:fs/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textFor } from '../../src/bots/core/text.ts';
import { submittedOrganization } from '../helpers/journey.ts';
import { startPlaygroundApp, type PlaygroundTestApp } from './playground-server.ts';

/**
 * The playground page in headless Debian Chromium against the real assistant: Web Chat
 * (served from node_modules) polls our Direct Line endpoint, renders the core's Adaptive
 * Cards, and re-renders a staff card in place when the assistant updates it.
 */

let t: PlaygroundTestApp;
let browser: Browser;
const problems: string[] = [];

const en = textFor('en');
const fr = textFor('fr');
const ADMIN_KEY = 'onboarding-playground.admin-id';

beforeAll(async () => {
  t = await startPlaygroundApp();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function openPage(path: string, viewport = { width: 1400, height: 900 }): Promise<Page> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // CSP violations and script failures show up as console errors.
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  await page.goto(`${t.playgroundUrl}${path}`);
  return page;
}

describe('the playground page in Chromium', () => {
  it('greets the administrator, answers help, and updates a staff card in place', async () => {
    const page = await openPage('/');
    const admin = page.locator('#admin-chat');
    const staff = page.locator('#staff-chat');
    await page.getByRole('heading', { level: 2, name: 'Administrator' }).waitFor();
    await page.getByRole('region', { name: 'Chat as the administrator' }).waitFor();

    // The greeting: the progress card with the first step's button.
    await admin.getByText(en.progressTitle).first().waitFor({ timeout: 20_000 });
    await admin.locator('button.ac-pushButton', { hasText: en.startOrganization }).waitFor();
    await staff.getByText(en.greetingStaff).first().waitFor({ timeout: 20_000 });

    const sendBox = admin.getByRole('textbox').last();
    await sendBox.fill('help');
    await sendBox.press('Enter');
    await admin.getByText(en.help).first().waitFor({ timeout: 15_000 });

    // An organization submitted by this administrator reaches the staff pane as a card.
    const adminId = await page.evaluate((key) => localStorage.getItem(key), ADMIN_KEY);
    expect(adminId).toMatch(/^dl_admin_[A-Za-z0-9_-]{8,64}$/);
    const actor = await t.app.service.identify({ channel: 'webchat', externalId: adminId!, displayName: 'Administrator (playground)' });
    const org = await submittedOrganization(t.app.service, actor);
    const approve = staff.locator('button.ac-pushButton', { hasText: en.approve });
    await approve.first().waitFor({ timeout: 20_000 });

    await approve.first().click();
    await staff.getByText(en.decisionRecorded(en.outcome['approved'] ?? 'approved')).first().waitFor({ timeout: 15_000 });
    // The card is replaced in place: still one card for the organization, no buttons any more.
    await expect.poll(() => approve.count(), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => staff.locator('.ac-adaptiveCard', { hasText: org.legalName }).count()).toBe(1);
    await admin.getByText(en.news.organizationApproved(org.legalName)).first().waitFor({ timeout: 15_000 });

    await mkdir('docs/screenshots', { recursive: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: 'docs/screenshots/playground.png' });
    expect(problems.filter((p) => !/favicon/.test(p))).toEqual([]);
    await page.context().close();
  });

  it('speaks French with ?lang=fr and stacks the panes at 320 px', async () => {
    const page = await openPage('/?lang=fr', { width: 320, height: 800 });
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    const admin = page.locator('#admin-chat');
    await admin.getByText(fr.progressTitle).first().waitFor({ timeout: 20_000 });
    await admin.locator('button.ac-pushButton', { hasText: fr.startOrganization }).waitFor();
    await admin.getByPlaceholder('Tapez votre message').waitFor();
    await page.getByRole('heading', { level: 2, name: 'Canal du personnel' }).waitFor();

    const adminBox = await admin.boundingBox();
    const staffBox = await page.locator('#staff-chat').boundingBox();
    expect(staffBox!.y).toBeGreaterThan(adminBox!.y + adminBox!.height);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
    expect(problems.filter((p) => !/favicon/.test(p))).toEqual([]);
    await page.context().close();
  });
});
