import { mkdir } from 'node:fs/promises';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textFor } from '../../src/bots/core/text.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

/**
 * The whole onboarding, walked in the playground page as a person would: headless Debian
 * Chromium, Web Chat's real UI (typing in the send box, clicking card buttons, filling
 * Adaptive Card inputs), the local mailbox and the registration pages, against the real
 * app with no SMTP server. Each step asserts on what the person sees.
 */

const en = textFor('en');
const ADMIN_KEY = 'onboarding-playground.admin-id';
const SHOTS = 'docs/screenshots';
const VIEWPORT = { width: 1280, height: 900 };

/** One rendered activity of a Web Chat transcript. */
const ACTIVITY = '.webchat__basic-transcript__activity';

const ORG = {
  legalName: 'Harbour Youth Mentoring Society',
  website: 'https://harbouryouth.example.org',
  fixedWebsite: 'https://www.harbouryouth.ca',
  adminName: 'Jordan MacLeod',
  adminEmail: 'jordan.macleod@harbouryouth.example.org',
};
const PROGRAM = {
  name: 'Harbour Career Pathways',
  description: 'Weekly career mentoring for high-school students in Halifax, matched by interests.',
  website: 'https://harbouryouth.example.org/pathways',
  adminName: 'Priya Raman',
  adminEmail: 'priya.raman@harbouryouth.example.org',
};
const CHANGES_REASON = 'The website address does not open. Please give the organization’s main website.';
const GOOD_PASSWORD = 'correct horse battery staple';
const NEW_PLATFORM_PASSWORD = 'violet kayak morning tide 42';

let t: TestApp;
let browser: Browser;

beforeAll(async () => {
  t = await startTestApp({ SMTP_URL: '' });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** Mailed links carry the configured public URL (`http://127.0.0.1:0` in tests): send them to the app. */
async function routePublicUrlTo(context: BrowserContext, appUrl: string): Promise<void> {
  await context.route(/^http:\/\/127\.0\.0\.1:0\//, async (route) => {
    const u = new URL(route.request().url());
    const response = await route.fetch({ url: `${appUrl}${u.pathname}${u.search}` });
    await route.fulfill({ response });
  });
}

/** Types in a pane's send box and presses Enter. */
async function say(pane: Locator, text: string): Promise<void> {
  const box = pane.locator('.webchat__send-box-text-box__input');
  await box.fill(text);
  await box.press('Enter');
}

/**
 * Does `action`, then waits until one more activity of the pane shows `text` than before,
 * and returns the newest such activity.
 */
async function expectNew(pane: Locator, text: string | RegExp, action: () => Promise<void>, timeout = 20_000): Promise<Locator> {
  const matching = pane.locator(ACTIVITY).filter({ hasText: text });
  const before = await matching.count();
  await action();
  await expect.poll(() => matching.count(), { timeout, message: `a new message showing ${String(text)}` }).toBeGreaterThan(before);
  return matching.last();
}

/** Waits until `text` is visible in `scope` (Web Chat also keeps hidden copies for screen readers). */
async function seen(scope: Locator | Page, text: string | RegExp, timeout = 15_000): Promise<void> {
  await scope.getByText(text).filter({ visible: true }).first().waitFor({ timeout });
}

/** A card's button by its label (Web Chat also keeps hidden copies for screen readers); the newest one in `scope`. */
function button(scope: Locator, label: string | RegExp): Locator {
  const buttons = scope.locator('button.ac-pushButton');
  return (typeof label === 'string' ? buttons.and(scope.getByRole('button', { name: label, exact: true })) : buttons.filter({ hasText: label })).last();
}

/** A screenshot of what the window shows, scrolled to the top (clicks may have scrolled it). */
async function shot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${SHOTS}/${name}` });
}

/** "question 3 of 14", not "question 13 of 14". */
function questionLine(n: number, total: number): RegExp {
  return new RegExp(`question ${n} of ${total}(?!\\d)`);
}

function isoDateInDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

describe('a complete onboarding in the playground', () => {
  it('walks the four steps through Web Chat, the mailbox and the registration pages', { timeout: 150_000 }, async () => {
    const problems: string[] = [];
    const context = await browser.newContext({ viewport: VIEWPORT, locale: 'en-CA', timezoneId: 'America/Halifax' });
    await routePublicUrlTo(context, t.app.url);
    context.on('page', (p) => {
      p.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
      p.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console: ${message.text()}`);
      });
    });
    const page = await context.newPage();
    await mkdir(SHOTS, { recursive: true });
    const admin = page.locator('#admin-chat');
    const staff = page.locator('#staff-chat');

    try {
      await page.goto(`${t.app.url}/`);

      // ---------------------------------------------------------------- step 1: the organization
      await seen(admin, en.greeting('Administrator (playground)'), 30_000);
      await seen(staff, en.greetingStaff, 30_000);
      const orgQuestions = 14;
      let q = await expectNew(admin, questionLine(1, orgQuestions), () => button(admin, en.startOrganization).click());
      await seen(q, 'Legal name');

      /** Types an answer and waits for the next question (its number and its label). */
      const answer = async (typed: string, next: number, label: string, total: number): Promise<Locator> => {
        const card = await expectNew(admin, questionLine(next, total), () => say(admin, typed));
        await seen(card, label);
        return card;
      };

      q = await answer(ORG.legalName, 2, 'Operating name', orgQuestions);
      await button(q, en.skipButton).waitFor();
      await shot(page, 'playground-question.png');
      // The optional operating name is skipped.
      await answer('skip', 3, 'Website', orgQuestions);
      await answer(ORG.website, 4, 'Street address', orgQuestions);
      await answer('1234 Barrington Street, Suite 200', 5, 'City or town', orgQuestions);
      await answer('Halifax', 6, 'Province or territory', orgQuestions);
      await answer('Nova Scotia', 7, 'Postal code', orgQuestions);
      // Not a Canadian postal code: the same question comes back with why.
      const again = await expectNew(admin, questionLine(7, orgQuestions), () => say(admin, '90210'));
      await seen(again, 'Postal code must look like A1A 1A1.');
      await answer('B3J 1Z3', 8, 'Phone number', orgQuestions);
      await answer('902-555-0134', 9, 'Type of organization', orgQuestions);
      // A choice by its number: 1 is "Non-profit organization".
      await answer('1', 10, 'Languages served', orgQuestions);
      await answer('English, French', 11, 'Short description', orgQuestions);
      await answer('We match young people in Halifax with caring adult mentors who help them finish school and plan their careers.', 12, 'Administrator’s full name', orgQuestions);
      await answer(ORG.adminName, 13, 'Administrator’s email', orgQuestions);
      await answer(ORG.adminEmail, 14, 'Administrator’s phone number', orgQuestions);
      let review = await expectNew(admin, en.reviewTitle, () => say(admin, '(902) 555-0187'));
      for (const shown of [ORG.legalName, ORG.website, 'Halifax', 'Nova Scotia', 'B3J 1Z3', 'Non-profit organization', ORG.adminEmail]) {
        await seen(review, shown);
      }
      await expectNew(admin, en.submitted(en.orgWordLower), () => say(admin, 'submit'));

      // ---------------------------------------------------------------- staff request changes
      const orgCards = staff.locator(ACTIVITY).filter({ hasText: en.newSubmission(en.orgWordLower, ORG.legalName, ORG.legalName) });
      const firstCard = orgCards.last();
      await firstCard.waitFor({ timeout: 20_000 });
      await seen(firstCard, ORG.website);
      await shot(page, 'playground-staff-card.png');
      await firstCard.locator('textarea').fill(CHANGES_REASON);
      await expectNew(staff, en.decisionRecorded(en.outcome['changesRequested']!), () => button(firstCard, en.requestChanges).click());
      // The card is updated in place: no buttons any more, the decision and its reason shown.
      await expect.poll(() => firstCard.getByRole('button').count(), { timeout: 15_000 }).toBe(0);
      await seen(firstCard, `Reason: ${CHANGES_REASON}`);
      expect(await orgCards.count()).toBe(1);
      await seen(admin, `Staff asked for changes to your organization “${ORG.legalName}”: ${CHANGES_REASON}`, 20_000);

      // The administrator changes the website and submits again.
      await answer('edit website', 3, 'Website', orgQuestions);
      review = await expectNew(admin, en.reviewTitle, () => say(admin, ORG.fixedWebsite));
      await seen(review, ORG.fixedWebsite);
      await expectNew(admin, en.submitted(en.orgWordLower), () => say(admin, 'submit'));

      const secondCard = staff.locator(ACTIVITY).filter({ hasText: en.resubmission(2).trim() }).last();
      await secondCard.waitFor({ timeout: 20_000 });
      await seen(secondCard, ORG.fixedWebsite);
      await expectNew(staff, en.decisionRecorded(en.outcome['approved']!), () => button(secondCard, en.approve).click());
      await expect.poll(() => secondCard.getByRole('button').count(), { timeout: 15_000 }).toBe(0);
      await seen(admin, en.news.organizationApproved(ORG.legalName), 20_000);
      await shot(page, 'playground-decided.png');

      // ---------------------------------------------------------------- the activation email
      const approvalMail = page.locator('#mailbox-list a', { hasText: `complete the registration of ${ORG.legalName}` });
      await approvalMail.waitFor({ timeout: 20_000 });
      const [mail] = await Promise.all([context.waitForEvent('page'), approvalMail.click()]);
      await mail.waitForLoadState();
      await mail.getByRole('heading', { level: 1, name: `Organization approved: complete the registration of ${ORG.legalName}` }).waitFor();
      await seen(mail, ORG.adminEmail);
      await mail.locator('ul a[href*="/activate?token="]').click();
      await mail.waitForURL(/\/activate\?token=/);
      await mail.getByRole('heading', { level: 1, name: 'Complete your organization’s registration' }).waitFor();
      await seen(mail, ORG.legalName);
      expect(await mail.getByLabel('Email address').inputValue()).toBe(ORG.adminEmail);
      await mail.getByLabel('Create a password').fill(GOOD_PASSWORD);
      await mail.getByLabel('Confirm your password').fill(GOOD_PASSWORD);
      await mail.getByLabel('I have read and agree to the Terms of Use').check();
      await mail.getByRole('button', { name: 'Continue' }).click();
      await mail.getByRole('heading', { level: 1, name: 'Your organization is active' }).waitFor({ timeout: 15_000 });
      await mail.close();
      await seen(admin, en.news.organizationActive(ORG.legalName), 20_000);

      // ---------------------------------------------------------------- step 2: a program
      const programQuestions = 13;
      const news = admin.locator(ACTIVITY).filter({ hasText: en.news.organizationActive(ORG.legalName) }).last();
      q = await expectNew(admin, questionLine(1, programQuestions), () => button(news, en.newProgram).click());
      await seen(q, 'Program name');
      // The whole "About the program" section in one card.
      const section = await expectNew(admin, /\d+ of 13 answered/, () => button(q, en.fillSection).click());
      await section.getByLabel('Program name').fill(PROGRAM.name);
      await section.getByLabel('Program description').fill(PROGRAM.description);
      await section.getByLabel('Program website').fill(PROGRAM.website);
      q = await expectNew(admin, questionLine(4, programQuestions), () => button(section, en.submitButton).click());
      await seen(q, 'Mentoring models');
      await answer('One-to-one, E-mentoring', 5, 'Focus areas', programQuestions);
      await answer('1, 2', 6, 'Age groups', programQuestions);
      await answer('12 to 17', 7, 'Populations served', programQuestions);
      await answer('Newcomers and refugees, Rural and remote communities', 8, 'Expected mentees per year', programQuestions);
      await answer('120', 9, 'Delivery mode', programQuestions);
      await answer('Hybrid', 10, 'Provinces and territories served', programQuestions);
      await answer('Nova Scotia, New Brunswick, Prince Edward Island', 11, 'Program administrator’s full name', programQuestions);
      await answer(PROGRAM.adminName, 12, 'Program administrator’s email', programQuestions);
      await answer(PROGRAM.adminEmail, 13, 'Program administrator’s phone number', programQuestions);
      review = await expectNew(admin, en.reviewTitle, () => say(admin, '506 555 0199'));
      for (const shown of [PROGRAM.name, PROGRAM.website, 'E-mentoring', 'Prince Edward Island', PROGRAM.adminEmail]) await seen(review, shown);
      await expectNew(admin, en.submitted(en.programWordLower), () => say(admin, 'submit'));

      const programCard = staff.locator(ACTIVITY).filter({ hasText: en.newSubmission(en.programWordLower, PROGRAM.name, ORG.legalName) }).last();
      await programCard.waitFor({ timeout: 20_000 });
      await expectNew(staff, en.decisionRecorded(en.outcome['approved']!), () => button(programCard, en.approve).click());
      await seen(admin, en.news.programApproved(PROGRAM.name), 20_000);

      // ---------------------------------------------------------------- step 3: session and access
      // Before booking, the assistant says what is missing.
      const refusal = await expectNew(admin, /Still needed:/, () => say(admin, 'request access'));
      await seen(refusal, /you must sign up for an onboarding session/);
      expect(await refusal.innerText()).not.toMatch(/must be approved/);

      // Staff publish sample sessions from their greeting.
      await expectNew(staff, en.samplesAdded(3), () => button(staff.locator(ACTIVITY).filter({ hasText: en.noSlotsYet }).first(), en.addSamples).click());
      const sessions = await expectNew(admin, en.sessionsTitle, () => say(admin, 'sessions'));
      await expectNew(admin, /You are booked for the onboarding session on/, () => button(sessions, /^1\. /).click());

      q = await expectNew(admin, questionLine(2, 8), () => say(admin, 'request access'));
      await seen(q, 'Expected mentors in the first year');
      await answer('25', 3, 'Expected mentees in the first year', 8);
      await answer('40', 4, 'Intended launch date', 8);
      await answer(isoDateInDays(60), 5, 'Platform language', 8);
      // “English” answers the question (it is one of its choices) rather than switching the chat's language.
      await answer('English', 8, 'Onboarding session booked', 8);
      review = await expectNew(admin, en.reviewTitle, () => say(admin, 'yes'));
      await seen(review, PROGRAM.adminEmail);
      await expectNew(admin, en.submitted(en.accessWordLower), () => say(admin, 'submit'));

      const accessCard = staff.locator(ACTIVITY).filter({ hasText: en.newSubmission(en.accessWordLower, PROGRAM.name, ORG.legalName) }).last();
      await accessCard.waitFor({ timeout: 20_000 });
      await button(accessCard, 'Grant access').click();
      await expect.poll(() => accessCard.getByRole('button').count(), { timeout: 15_000 }).toBe(0);
      await seen(admin, en.news.accessGranted(PROGRAM.name), 20_000);

      // ---------------------------------------------------------------- step 4: the platform email
      const [mailbox] = await Promise.all([context.waitForEvent('page'), page.getByRole('link', { name: 'Open the mailbox' }).click()]);
      await mailbox.waitForLoadState();
      const platformRow = mailbox.getByRole('row').filter({ hasText: 'Welcome to the virtual mentoring platform' });
      await platformRow.waitFor();
      // The platform's email comes from the program, by name.
      await platformRow.getByRole('cell').nth(1).getByText(PROGRAM.name).waitFor();
      await seen(platformRow, PROGRAM.adminEmail);
      await shot(mailbox, 'mailbox.png');
      await platformRow.getByRole('link').click();
      await mailbox.waitForURL(/\/mailbox\/.+/);
      const text = (await mailbox.locator('pre').textContent()) ?? '';
      const username = /Username: (\S+)/.exec(text)?.[1];
      const temporaryPassword = /Temporary password: (\S+)/.exec(text)?.[1];
      expect(username).toBeTruthy();
      expect(temporaryPassword).toBeTruthy();
      await mailbox.locator('ul a[href*="/platform/register?token="]').click();
      await mailbox.waitForURL(/\/platform\/register\?token=/);
      await seen(mailbox, PROGRAM.name);
      await mailbox.getByLabel('Username').fill(username!);
      await mailbox.getByLabel('Temporary password').fill(temporaryPassword!);
      await mailbox.getByLabel('New password', { exact: true }).fill(NEW_PLATFORM_PASSWORD);
      await mailbox.getByLabel('Confirm the new password').fill(NEW_PLATFORM_PASSWORD);
      await mailbox.getByRole('button', { name: 'Save changes' }).click();
      await mailbox.getByRole('heading', { level: 1, name: 'Your program is onboarded' }).waitFor({ timeout: 15_000 });
      await mailbox.close();

      await seen(admin, en.news.programOnboarded(PROGRAM.name), 20_000);
      // The four steps, all done.
      const done = admin.locator(ACTIVITY).filter({ hasText: '✓ 4. Complete the platform registration' }).last();
      await done.waitFor({ timeout: 15_000 });
      for (const step of ['✓ 1. Register the organization', '✓ 2. Register a program', '✓ 3. Request access to the platform']) await seen(done, step);
      await done.evaluate((el) => el.scrollIntoView({ block: 'end' }));
      await shot(page, 'playground-onboarded.png');

      // ---------------------------------------------------------------- what the assistant recorded
      const adminId = await page.evaluate((key) => localStorage.getItem(key), ADMIN_KEY);
      expect(adminId).toMatch(/^dl_admin_/);
      const actor = await t.app.service.identify({ channel: 'webchat', externalId: adminId!, displayName: 'Administrator (playground)' });
      const [org] = await t.app.service.overview(actor);
      expect(org?.name).toBe(ORG.legalName);
      expect(org?.state).toBe('active');
      expect(org?.programs.map((p) => [p.name, p.state])).toEqual([[PROGRAM.name, 'onboarded']]);
      expect(problems.filter((p) => !/favicon/.test(p))).toEqual([]);
    } catch (error) {
      const dump = async (pane: Locator) => (await pane.locator(ACTIVITY).allInnerTexts().catch(() => [])).slice(-8).join('\n----\n');
      for (const other of context.pages().filter((p) => p !== page)) {
        console.error(`page ${other.url()}:\n${await other.locator('body').innerText().catch(() => '')}`);
      }
      console.error(`admin pane (last messages):\n${await dump(admin)}\n\nstaff pane (last messages):\n${await dump(staff)}\n\nproblems: ${problems.join('\n')}`);
      throw error;
    } finally {
      await context.close();
    }
  });
});


