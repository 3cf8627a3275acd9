import type { ParsedMail } from 'mailparser';
import type { Actor } from '../../src/core/onboarding-service.ts';
import { makeAccessRequestAnswers, makeProgramAnswers } from '../forms/fixtures.ts';
import { linkIn, startTestApp, type TestApp } from '../helpers/app.ts';
import { approvedOrganization, fillForm, GOOD_PASSWORD, newAdmin, staffMember, submittedOrganization, waitForMail } from '../helpers/journey.ts';

/**
 * A small, fully timed onboarding history for the funnel, driven through the real
 * service with an injected clock (T0 is Monday 3 March 2025, 12:00 UTC = 07:00 in
 * Toronto). What the funnel must find is listed in `EXPECTED`.
 *
 * - H: approved T0−72 h, activated T0−60 h (Friday 28 February, 19:00 Toronto: ISO week 9).
 * - A…E: created and approved at T0, activated at T0 +2, +4, +6, +8 and +30 h.
 * - R: created at T0, rejected at T0+1 h. F: submitted at T0+1 h, never decided.
 * - G: a draft since T0−96 h, named like a spreadsheet formula.
 * - Program P1 (of A): created T0+3 h, approved T0+7 h, then waits for a session booking.
 * - Program P2 (of A): created T0+10 h, approved T0+12 h, session booked T0+13 h, access
 *   requested T0+14 h, granted T0+20 h, platform registration completed T0+23 h.
 * - The funnel is read at T0+50 h.
 */

export const T0 = Date.parse('2025-03-03T12:00:00Z');
export const hours = (h: number) => new Date(T0 + h * 3_600_000);

export const G_NAME = '=HYPERLINK("http://evil.example/","Click me")';
export const P1_NAME = '@Risk Youth, "Peer" Mentors';
export const P2_NAME = 'Peer Mentors Halifax';

export const EXPECTED = {
  now: hours(50),
  // Step 1 visits: R 1 h, A 2, B 4, C 6, D 8, H 12, E 30 → median 6; p90 = 12 + 0.4 × (30 − 12).
  durations: [
    { step: 1, samples: 7, medianHours: 6, p90Hours: 19.2 },
    // P2 2 h, P1 4 h → median 3; p90 = 2 + 0.9 × 2.
    { step: 2, samples: 2, medianHours: 3, p90Hours: 3.8 },
    { step: 3, samples: 1, medianHours: 8, p90Hours: 8 },
    { step: 4, samples: 1, medianHours: 3, p90Hours: 3 },
  ],
} as const;

export type Clock = { now: Date };

export type FunnelScenario = {
  t: TestApp;
  clock: Clock;
  ids: { A: string; F: string; G: string; H: string; R: string; P1: string; P2: string };
  /** A's administrator, and A's name as submitted. */
  adminA: Actor;
  nameA: string;
};

export async function startFunnelScenario(env: Record<string, string> = {}): Promise<FunnelScenario> {
  const clock: Clock = { now: hours(-96) };
  const t = await startTestApp(env, { clock: () => clock.now });
  try {
    const built = await build(t, clock);
    clock.now = EXPECTED.now;
    return { t, clock, ...built };
  } catch (error) {
    await t.close();
    throw error;
  }
}

async function build(t: TestApp, clock: Clock): Promise<Pick<FunnelScenario, 'ids' | 'adminA' | 'nameA'>> {
  const service = t.app.service;
  const staff = await staffMember(service);
  const at = (h: number) => {
    clock.now = hours(h);
  };
  const activate = async (org: { activationLink: string; adminEmail: string }) => {
    const token = new URL(org.activationLink).searchParams.get('token') ?? '';
    const done = await service.completeActivation(token, { email: org.adminEmail, password: GOOD_PASSWORD, acceptTerms: true });
    if (!done.ok) throw new Error(`activation refused: ${JSON.stringify(done)}`);
  };

  // G: a draft, named like a formula.
  at(-96);
  const adminG = await newAdmin(service);
  const g = await service.startOrganization(adminG);
  const named = await service.answer(adminG, { formId: 'organization', entityId: g.entityId }, 'legalName', G_NAME);
  if (!named.ok) throw new Error('G not named');

  // H: activated in the previous week.
  at(-72);
  const adminH = await newAdmin(service);
  const h = await approvedOrganization(t, adminH);
  at(-60);
  await activate(h);

  // A…E approved at T0; R and F submitted.
  at(0);
  const adminA = await newAdmin(service);
  const a = await approvedOrganization(t, adminA);
  const b = await approvedOrganization(t, await newAdmin(service));
  const c = await approvedOrganization(t, await newAdmin(service));
  const d = await approvedOrganization(t, await newAdmin(service));
  const e = await approvedOrganization(t, await newAdmin(service));
  const r = await submittedOrganization(service, await newAdmin(service));

  at(1);
  const rejected = await service.decide(staff, { submissionId: r.submissionId, outcome: 'rejected', reason: 'Not a mentoring organization' });
  if (!rejected.ok) throw new Error('R not rejected');
  const f = await submittedOrganization(service, await newAdmin(service));

  at(2);
  await activate(a);

  // P1: approved at T0+7 h, then waits for a session booking.
  at(3);
  const p1 = await service.startProgram(adminA, a.organizationId);
  const p1Ref = { formId: 'program' as const, entityId: p1.entityId };
  await fillForm(service, adminA, p1Ref, makeProgramAnswers({ name: P1_NAME }));
  const p1Submitted = await service.submit(adminA, p1Ref);
  if (!p1Submitted.ok || !('submissionId' in p1Submitted)) throw new Error('P1 not submitted');

  at(4);
  await activate(b);
  at(6);
  await activate(c);
  at(7);
  if (!(await service.decide(staff, { submissionId: p1Submitted.submissionId, outcome: 'approved' })).ok) throw new Error('P1 not approved');
  at(8);
  await activate(d);

  // P2: the whole of steps 2–4.
  const stageHours = { created: 10, approved: 12, booked: 13, requested: 14, granted: 20 } as const;
  const p2 = await grantedProgram(t, adminA, a.organizationId, P2_NAME, (stage) => at(stageHours[stage]));
  const username = p2.platformMail.text?.match(/\b(peer-mentors-halifax-[0-9a-f]{6})\b/)?.[1];
  const password = p2.platformMail.text?.match(/\b([A-HJ-NP-Za-km-z2-9]{16})\b/)?.[1];
  if (!username || !password) throw new Error('no credentials in the platform email');
  at(23);
  const token = new URL(linkIn(p2.platformMail.text, '/platform/register')).searchParams.get('token') ?? '';
  const registered = await service.completePlatformRegistration(token, { username, temporaryPassword: password, newPassword: 'a brand new passphrase' });
  if (!registered.ok) throw new Error(`platform registration refused: ${JSON.stringify(registered)}`);

  at(30);
  await activate(e);

  return {
    ids: { A: a.organizationId, F: f.organizationId, G: g.entityId, H: h.organizationId, R: r.organizationId, P1: p1.entityId, P2: p2.programId },
    adminA,
    nameA: a.legalName,
  };
}

export type Stage = 'created' | 'approved' | 'booked' | 'requested' | 'granted';

/**
 * Steps 2–4 up to the platform email: a program registered under an active organization,
 * approved, a session booked, access requested and granted. `tick` runs before each stage
 * (to move the clock).
 */
export async function grantedProgram(
  t: TestApp,
  admin: Actor,
  organizationId: string,
  name: string,
  tick: (stage: Stage) => void = () => {},
): Promise<{ programId: string; platformEmail: string; platformMail: ParsedMail }> {
  const service = t.app.service;
  const staff = await staffMember(service);
  tick('created');
  const start = await service.startProgram(admin, organizationId);
  const ref = { formId: 'program' as const, entityId: start.entityId };
  await fillForm(service, admin, ref, makeProgramAnswers({ name }));
  const submitted = await service.submit(admin, ref);
  if (!submitted.ok || !('submissionId' in submitted)) throw new Error(`${name} not submitted`);
  tick('approved');
  if (!(await service.decide(staff, { submissionId: submitted.submissionId, outcome: 'approved' })).ok) throw new Error(`${name} not approved`);
  tick('booked');
  const startsAt = new Date(service.now().getTime() + 72 * 3_600_000);
  const slot = await service.publishSlot(staff, { startsAt, timeZone: 'America/Toronto', durationMinutes: 60, language: 'en', capacity: 10, videoUrl: 'https://meet.example.org/onboarding' });
  await service.bookSession(admin, start.entityId, slot.id);
  tick('requested');
  const opened = await service.startAccessRequest(admin, start.entityId);
  if (!opened.ok) throw new Error(`access gate closed: ${JSON.stringify(opened)}`);
  const platformEmail = `platform-${start.entityId.slice(0, 8)}@example.org`;
  const accessRef = { formId: 'accessRequest' as const, entityId: start.entityId };
  const launchDate = new Date(service.now().getTime() + 40 * 86_400_000).toISOString().slice(0, 10);
  await fillForm(service, admin, accessRef, makeAccessRequestAnswers({ programId: start.entityId, launchDate, platformAdminEmail: platformEmail, platformLanguage: 'en' }));
  const requested = await service.submit(admin, accessRef);
  if (!requested.ok || !('submissionId' in requested)) throw new Error(`access not requested: ${JSON.stringify(requested)}`);
  tick('granted');
  if (!(await service.decide(staff, { submissionId: requested.submissionId, outcome: 'approved' })).ok) throw new Error('access not granted');
  const platformMail = await waitForMail(t.smtp, platformEmail, 'accessGranted');
  return { programId: start.entityId, platformEmail, platformMail };
}
