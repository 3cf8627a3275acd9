import { randomUUID } from 'node:crypto';
import type { ParsedMail } from 'mailparser';
import type { Actor, FormRef, OnboardingService } from '../../src/core/onboarding-service.ts';
import { makeOrganizationAnswers, makeProgramAnswers } from '../forms/fixtures.ts';
import { linkIn } from './app.ts';
import type { TestSmtpServer } from './smtp.ts';

/**
 * Fixture factories that move an organization or program along the real service: the
 * same calls a channel makes, the activation completed with the token from the email
 * the SMTP server received. Each call makes its own people and addresses, so several can
 * run side by side in one database.
 */

/** What the journeys need: the service, and the SMTP server the app sends to. */
export type JourneyDeps = { readonly app: { readonly service: OnboardingService }; readonly smtp: TestSmtpServer };

export const GOOD_PASSWORD = 'correct horse battery staple';

const unique = () => randomUUID().slice(0, 8);

/** A new organization administrator, known by a `test:` channel identity. */
export function newAdmin(service: OnboardingService, name = `Admin ${unique()}`): Promise<Actor> {
  return service.identify({ channel: 'test', externalId: `admin-${unique()}`, displayName: name, lang: 'en' });
}

/** A staff member (`test:staff-1` is staff in the test configuration). */
export function staffMember(service: OnboardingService, externalId = 'staff-1', displayName = 'Sam Staff'): Promise<Actor> {
  return service.identify({ channel: 'test', externalId, displayName });
}

/** Answers every section of a draft at once, as a card or modal sends it. */
export async function fillForm(service: OnboardingService, actor: Actor, ref: FormRef, answers: Record<string, unknown>): Promise<void> {
  const view = await service.formView(actor, ref);
  for (const section of view.form.sections) {
    const values = Object.fromEntries(section.fields.map((f) => [f.id, answers[f.id]]));
    const r = await service.answerSection(actor, ref, section.id, values);
    if (!r.ok) throw new Error(`section ${section.id} refused: ${JSON.stringify(r.errors)}`);
  }
}

export type SubmittedOrganization = { organizationId: string; submissionId: string; adminEmail: string; legalName: string };

/** Step 1 up to staff review: an organization form filled and submitted. */
export async function submittedOrganization(
  service: OnboardingService,
  admin: Actor,
  overrides: Parameters<typeof makeOrganizationAnswers>[0] = {},
): Promise<SubmittedOrganization> {
  const id = unique();
  const answers = makeOrganizationAnswers({ legalName: `Mentoring Association ${id}`, adminEmail: `org-admin-${id}@example.org`, ...overrides });
  const start = await service.startOrganization(admin);
  const ref = { formId: 'organization' as const, entityId: start.entityId };
  await fillForm(service, admin, ref, answers);
  const submitted = await service.submit(admin, ref);
  if (!submitted.ok || !('submissionId' in submitted)) throw new Error(`organization not submitted: ${JSON.stringify(submitted)}`);
  return { organizationId: start.entityId, submissionId: submitted.submissionId, adminEmail: String(answers.adminEmail), legalName: String(answers.legalName) };
}

/** Step 1 up to the emailed link: approved by staff; returns the activation link as mailed. */
export async function approvedOrganization(
  d: JourneyDeps,
  admin: Actor,
  overrides: Parameters<typeof makeOrganizationAnswers>[0] = {},
): Promise<SubmittedOrganization & { activationLink: string }> {
  const org = await submittedOrganization(d.app.service, admin, overrides);
  const staff = await staffMember(d.app.service);
  const decided = await d.app.service.decide(staff, { submissionId: org.submissionId, outcome: 'approved' });
  if (!decided.ok) throw new Error('organization not approved');
  const mail = await waitForMail(d.smtp, org.adminEmail, 'organizationApproved');
  return { ...org, activationLink: linkIn(mail.text, '/activate') };
}

/** Step 1 done: approved, and activated with the token from the activation email. */
export async function activeOrganization(
  d: JourneyDeps,
  admin: Actor,
  overrides: Parameters<typeof makeOrganizationAnswers>[0] = {},
): Promise<SubmittedOrganization> {
  const org = await approvedOrganization(d, admin, overrides);
  const token = new URL(org.activationLink).searchParams.get('token') ?? '';
  const done = await d.app.service.completeActivation(token, { email: org.adminEmail, password: GOOD_PASSWORD, acceptTerms: true });
  if (!done.ok) throw new Error(`activation refused: ${JSON.stringify(done)}`);
  return org;
}

/** Step 2 done: a program registered under an active organization and approved by staff. */
export async function approvedProgram(
  d: JourneyDeps,
  admin: Actor,
  organizationId: string,
  overrides: Parameters<typeof makeProgramAnswers>[0] = {},
): Promise<{ programId: string; name: string }> {
  const answers = makeProgramAnswers({ name: `Program ${unique()}`, ...overrides });
  const start = await d.app.service.startProgram(admin, organizationId);
  const ref = { formId: 'program' as const, entityId: start.entityId };
  await fillForm(d.app.service, admin, ref, answers);
  const submitted = await d.app.service.submit(admin, ref);
  if (!submitted.ok || !('submissionId' in submitted)) throw new Error(`program not submitted: ${JSON.stringify(submitted)}`);
  const staff = await staffMember(d.app.service);
  const decided = await d.app.service.decide(staff, { submissionId: submitted.submissionId, outcome: 'approved' });
  if (!decided.ok) throw new Error('program not approved');
  return { programId: start.entityId, name: String(answers.name) };
}

/** The mails the SMTP server received for one recipient, in order. */
export function mailsTo(smtp: TestSmtpServer, address: string): ParsedMail[] {
  const wanted = address.toLowerCase();
  return smtp.messages.filter((_m, i) => smtp.envelopes[i]?.to.some((to) => to.toLowerCase() === wanted));
}

/** The `X-Onboarding-Kind` header: which email of the assistant this is. */
export function mailKind(mail: ParsedMail): string {
  return String(mail.headers.get('x-onboarding-kind') ?? '');
}

/** Resolves with the first mail of this kind to this address; rejects after `timeoutMs`. */
export async function waitForMail(smtp: TestSmtpServer, address: string, kind: string, timeoutMs = 10_000): Promise<ParsedMail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = mailsTo(smtp, address).find((m) => mailKind(m) === kind);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no ${kind} mail to ${address} within ${timeoutMs} ms (received ${smtp.messages.length} in all)`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
