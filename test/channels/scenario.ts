import { expect } from 'vitest';
import { formatWhen } from '../../src/bots/core/conversation-core.ts';
import { textFor } from '../../src/bots/core/text.ts';
import { parseWallTime } from '../../src/core/zoned-time.ts';
import { organizationForm, programForm } from '../../src/forms/definitions.ts';
import type { FieldDefinition } from '../../src/forms/index.ts';
import { makeOrganizationAnswers, makeProgramAnswers } from '../forms/fixtures.ts';
import { linkIn, openForm } from '../helpers/app.ts';
import { GOOD_PASSWORD, waitForMail } from '../helpers/journey.ts';
import type { ChannelDriver } from './driver.ts';

/**
 * Step 1 end to end, in neutral terms: the same moves and the same expectations on every
 * channel. The administrator types every answer (one invalid postal code re-asked, the
 * optional field skipped with its button), reviews and submits; staff request changes with
 * a reason; the administrator reads it, edits one answer and resubmits; staff approve; the
 * administrator hears the news.
 */
const en = textFor('en');
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const fieldsOf = (form: typeof organizationForm | typeof programForm): readonly FieldDefinition[] => form.sections.flatMap((s): readonly FieldDefinition[] => s.fields);
const fields = fieldsOf(organizationForm);
const asked = (n: number, total = fields.length) => new RegExp(`question ${n} of ${total}\\b`);
const reviewShown = new RegExp(esc(en.reviewText));

/** What a person types for an answer: a list as “a, b”. */
const typed = (value: unknown) => (Array.isArray(value) ? value.join(', ') : String(value));

export async function organizationScenario(d: ChannelDriver): Promise<void> {
  const answers = makeOrganizationAnswers();
  const name = String(answers.legalName);
  const reason = 'Please give the website of the mentoring program itself.';
  const newWebsite = 'https://bigsisters.example.org/mentoring';

  // Hello, and the four steps with the way to start.
  await d.adminSays('hi');
  expect(await d.adminSees(/four steps/)).toContain('register your organization');
  await d.adminClicks(en.startOrganization);

  // Every question, typed.
  for (const [i, field] of fields.entries()) {
    const question = await d.adminSees(asked(i + 1));
    expect(question).toContain(field.label.en);
    if (!field.required) {
      expect(question).toContain(en.optional);
      await d.adminClicks(en.skipButton);
      continue;
    }
    if (field.id === 'postalCode') {
      await d.adminSays('12345');
      const again = await d.adminSees(new RegExp(`${asked(i + 1).source}[\\s\\S]*Please try again`));
      expect(again).toContain(field.label.en);
    }
    await d.adminSays(typed(answers[field.id as keyof typeof answers]));
  }

  // The review shows the answers (the postal code as corrected), then submit.
  const review = await d.adminSees(reviewShown);
  for (const value of [name, 'B3H 4R2', 'Halifax', String(answers.adminEmail)]) expect(review).toContain(value);
  await d.adminClicks(en.submitButton);
  expect(await d.adminSees(/sent to staff for review/)).toBe(en.submitted(en.orgWordLower));

  // Staff get the card, and ask for changes with a reason.
  const card = await d.staffSees(new RegExp(`New organization to review: “${esc(name)}”`));
  expect(card).toContain('bigsisters.example.org');
  await d.staffClicks(new RegExp(`^${esc(en.requestChanges)}$`), { reason });
  await d.staffSees(/changes requested/i);

  // The administrator reads the reason, edits the website and submits again.
  const news = await d.adminSees(/Staff asked for changes/);
  expect(news).toBe(en.news.changesRequested(en.orgWordLower, name, reason));
  await d.adminSays('edit website');
  const websiteIndex = fields.findIndex((f) => f.id === 'website');
  expect(await d.adminSees(asked(websiteIndex + 1))).toContain('Website');
  await d.adminSays(newWebsite);
  expect(await d.adminSees(reviewShown)).toContain(newWebsite);
  await d.adminSays('submit');
  await d.adminSees(/sent to staff for review/);

  // Staff see the second submission, with the new website, and approve.
  const second = await d.staffSees(/This is submission #2/);
  expect(second).toContain(newWebsite);
  await d.staffClicks(new RegExp(`^${esc(en.approve)}$`));
  await d.staffSees(/approved/i);

  // The administrator hears the news in their chat.
  expect(await d.adminSees(/Good news/)).toBe(en.news.organizationApproved(name));
}

/**
 * Step 1 completed and step 2: the designated administrator activates with the link from
 * the email the SMTP server received; the chat says the organization is active and offers
 * to register a program; every program question typed; staff approve; the news arrives.
 * Runs after `organizationScenario` on the same driver.
 */
export async function activationAndProgramScenario(d: ChannelDriver): Promise<void> {
  const org = makeOrganizationAnswers();
  const name = String(org.legalName);
  const email = String(org.adminEmail);

  // The activation email (links use the public URL: open them on the app's own address).
  const mail = await waitForMail(d.app.smtp, email, 'organizationApproved');
  const link = new URL(linkIn(mail.text, '/activate'));
  const page = await openForm(`${d.app.app.url}${link.pathname}${link.search}`);
  expect(page.status).toBe(200);
  const done = await page.post({ email, password: GOOD_PASSWORD, passwordConfirm: GOOD_PASSWORD, acceptTerms: 'yes' });
  expect(done.status).toBe(200);
  expect(await d.adminSees(/is now active/)).toBe(en.news.organizationActive(name));

  // The program, every question typed (the optional website answered this time).
  await d.adminClicks(en.newProgram);
  const program = makeProgramAnswers();
  const programFields = fieldsOf(programForm);
  for (const [i, field] of programFields.entries()) {
    expect(await d.adminSees(asked(i + 1, programFields.length))).toContain(field.label.en);
    await d.adminSays(typed(program[field.id as keyof typeof program]));
  }
  const review = await d.adminSees(reviewShown);
  for (const value of [String(program.name), String(program.programAdminEmail), '120']) expect(review).toContain(value);
  await d.adminSays('submit');
  expect(await d.adminSees(/sent to staff for review/)).toBe(en.submitted(en.programWordLower));

  // Staff approve the program; the administrator hears it.
  expect(await d.staffSees(new RegExp(`New program to review: “${esc(String(program.name))}”`))).toContain(name);
  await d.staffClicks(new RegExp(`^${esc(en.approve)}$`));
  await d.staffSees(/approved/i);
  expect(await d.adminSees(/Good news: your program/)).toBe(en.news.programApproved(String(program.name)));
}

/**
 * Steps 3 and 4: the administrator asks for access too early and is told what is missing;
 * staff publish an onboarding session from their channel; the administrator sees it in
 * their own time zone, books it (confirmation email with a calendar invitation), answers
 * the access request, staff grant access, the platform email arrives (sent in the
 * program's name) and the registration page completes the onboarding, which the chat
 * reports with all four steps done. Runs after `activationAndProgramScenario`.
 */
export async function sessionAccessAndPlatformScenario(d: ChannelDriver): Promise<void> {
  const org = makeOrganizationAnswers();
  const program = makeProgramAnswers();
  const programName = String(program.name);

  // Too early: the assistant names what is missing.
  await d.adminSays('request access');
  const refusal = await d.adminSees(/Still needed:/);
  expect(refusal).toMatch(/onboarding session/);
  expect(refusal).not.toMatch(/must be approved/);

  // Staff publish a session from where they work: 14:00 in Toronto, ten days from now.
  const day = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
  const startsAt = parseWallTime(`${day} 14:00`, 'America/Toronto');
  await d.staffSays('sessions');
  await d.staffSees(new RegExp(esc(en.publishTitle)));
  await d.staffClicks(new RegExp(`^${esc(en.publishButton)}$`), {
    startsAt: `${day} 14:00`,
    timeZone: 'America/Toronto',
    durationMinutes: '60',
    language: 'en',
    capacity: '20',
    videoUrl: 'https://meet.example.org/onboarding-scenario',
  });
  expect(await d.staffSees(/Session published/)).toBe(en.sessionPublished(formatWhen(startsAt, 'America/Toronto', 'en')));

  // The administrator sees it in their own zone, with seats left, and books it.
  const when = formatWhen(startsAt, d.adminTimeZone, 'en');
  await d.adminSays('sessions');
  expect(await d.adminSees(new RegExp(esc(en.sessionsTitle)))).toContain(when);
  await d.adminClicks(new RegExp(`^1\\. ${esc(when)}`));
  expect(await d.adminSees(/You are booked/)).toBe(en.booked(when));
  const confirmation = await waitForMail(d.app.smtp, String(org.adminEmail), 'sessionBooked');
  expect(confirmation.text).toContain('https://meet.example.org/onboarding-scenario');
  expect(JSON.stringify(confirmation.attachments.map((a) => a.contentType))).toContain('text/calendar');

  // The access request: the program is chosen for them; the platform administrator is
  // prefilled from the program form.
  await d.adminSays('request access');
  const launch = new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10);
  for (const [answer, next] of [
    ['25', /Expected mentees in the first year/],
    ['40', /Intended launch date/],
    [launch, /Platform language/],
    ['English', /Onboarding session booked/],
  ] as const) {
    await d.adminSees(/question \d of 8\b/);
    await d.adminSays(answer);
    await d.adminSees(next);
  }
  await d.adminSays('yes');
  const review = await d.adminSees(reviewShown);
  const launchShown = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' }).format(new Date(launch));
  for (const value of [String(program.programAdminEmail), `Intended launch date: ${launchShown}`]) expect(review).toContain(value);
  await d.adminSays('submit');
  expect(await d.adminSees(/sent to staff for review/)).toBe(en.submitted(en.accessWordLower));

  // Staff grant access; the administrator hears it.
  expect(await d.staffSees(new RegExp(esc(en.newSubmission(en.accessWordLower, programName, String(org.legalName)))))).toContain(launchShown);
  await d.staffClicks(/^Grant access$/);
  await d.staffSees(/access granted/i);
  expect(await d.adminSees(/Access granted/)).toBe(en.news.accessGranted(programName));

  // Step 4: the platform's email, in the program's name, to the program administrator.
  const platform = await waitForMail(d.app.smtp, String(program.programAdminEmail), 'accessGranted');
  expect(platform.from?.value[0]?.name).toBe(programName);
  const username = /Username: (\S+)/.exec(platform.text ?? '')?.[1];
  const temporaryPassword = /Temporary password: (\S+)/.exec(platform.text ?? '')?.[1];
  expect(username && temporaryPassword).toBeTruthy();
  const link = new URL(linkIn(platform.text, '/platform/register'));
  const page = await openForm(`${d.app.app.url}${link.pathname}${link.search}`);
  expect(page.status).toBe(200);
  const newPassword = 'a brand new passphrase';
  const done = await page.post({ username: username!, temporaryPassword: temporaryPassword!, newPassword, newPasswordConfirm: newPassword });
  expect(done.status).toBe(200);

  // The chat says so, and the overview that follows shows the program on the platform.
  expect(await d.adminSees(/onboarded/)).toBe(en.news.programOnboarded(programName));
  expect(await d.adminSees(new RegExp(`${esc(programName)}: Onboarded`))).toContain(String(org.legalName));
}
