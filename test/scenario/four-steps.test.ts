import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParsedMail } from 'mailparser';
import type { Actor, FormRef, OnboardingService } from '../../src/core/onboarding-service.ts';
import { AppError } from '../../src/core/errors.ts';
import { makeAccessRequestAnswers, makeOrganizationAnswers, makeProgramAnswers } from '../forms/fixtures.ts';
import { linkIn, openForm, startTestApp, type TestApp } from '../helpers/app.ts';

/**
 * The whole onboarding, through the channel-neutral service and the real web pages, with
 * a real database and a real SMTP server: two organizations, one with two programs,
 * including a rejection, a change request and a refused access request.
 */
describe('the four steps, end to end', () => {
  let t: TestApp;
  let service: OnboardingService;
  let adminA: Actor;
  let adminB: Actor;
  let staff: Actor;
  let staff2: Actor;
  let support: Actor;
  let mails = 0;

  beforeAll(async () => {
    t = await startTestApp();
    service = t.app.service;
    adminA = await service.identify({ channel: 'test', externalId: 'admin-a', displayName: 'Amélie Cormier', lang: 'en' });
    adminB = await service.identify({ channel: 'test', externalId: 'admin-b', displayName: 'Benoît Roy', lang: 'fr' });
    staff = await service.identify({ channel: 'test', externalId: 'staff-1', displayName: 'Sam Staff' });
    staff2 = await service.identify({ channel: 'test', externalId: 'staff-2', displayName: 'Pat Staff' });
    support = await service.identify({ channel: 'test', externalId: 'support-1', displayName: 'Sue Support' });
  });
  afterAll(async () => t?.close());

  /** Waits for the next mail from the SMTP server. */
  async function nextMail(): Promise<ParsedMail> {
    mails += 1;
    const all = await t.smtp.waitFor(mails, 10_000);
    return all[mails - 1]!;
  }
  const local = (link: string) => {
    const u = new URL(link);
    return `${t.app.url}${u.pathname}${u.search}`;
  };

  async function fillOneByOne(actor: Actor, ref: FormRef, answers: Record<string, unknown>) {
    let view = await service.formView(actor, ref);
    while (view.next) {
      const value = answers[view.next.id];
      const r = value === undefined ? await service.skip(actor, ref, view.next.id) : await service.answer(actor, ref, view.next.id, value);
      expect(r.ok, `answer to ${view.next.id}`).toBe(true);
      view = r.view;
    }
    return view;
  }

  it('walks organization A through step 1 with a change request', async () => {
    const start = await service.startOrganization(adminA);
    const ref = { formId: 'organization' as const, entityId: start.entityId };
    expect(start.next?.id).toBe('legalName');
    expect(start.position).toBe(1);

    // A bad answer is refused with the reason in the person's language and stores nothing.
    await service.answer(adminA, ref, 'legalName', 'Grands Frères Grandes Sœurs de l’Atlantique');
    const bad = await service.answer(adminA, ref, 'postalCode', 'ZZZ');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors.postalCode?.message.en).toMatch(/A1A 1A1/);
    expect(bad.view.answers.postalCode).toBeUndefined();

    // `back` reopens the previous question.
    const back = await service.back(adminA, ref);
    expect(back.view.next?.id).toBe('legalName');

    const answers = makeOrganizationAnswers({ legalName: 'Grands Frères Grandes Sœurs de l’Atlantique', postalCode: 'b3h4r2', phone: '(902) 555-0134' });
    const filled = await fillOneByOne(adminA, ref, answers);
    expect(filled.answers.postalCode).toBe('B3H 4R2');
    expect(filled.answers.phone).toBe('+19025550134');
    const review = await service.review(adminA, ref);
    expect(review.summary.flatMap((s) => s.items.map((i) => i.label))).toContain('Postal code');

    // Programs wait for an active organization.
    await expect(service.startProgram(adminA, ref.entityId)).rejects.toMatchObject({ code: 'organizationNotActive' });

    const submitted = await service.submit(adminA, ref);
    expect(submitted.ok).toBe(true);
    if (!submitted.ok || !('submissionId' in submitted)) throw new Error('not submitted');
    expect(submitted.status.state).toBe('submitted');
    expect(submitted.status.waitingOn).toBe('staff');

    // Editing while staff review is refused.
    await expect(service.answer(adminA, ref, 'city', 'Moncton')).rejects.toMatchObject({ code: 'wrongState' });

    // A non-staff person cannot decide; the attempt is audited.
    await expect(service.decide(adminA, { submissionId: submitted.submissionId, outcome: 'approved' })).rejects.toMatchObject({ code: 'notStaff' });
    // Request changes needs a reason.
    await expect(service.decide(staff, { submissionId: submitted.submissionId, outcome: 'changesRequested', reason: '  ' })).rejects.toMatchObject({ code: 'invalidInput' });
    const changes = await service.decide(staff, { submissionId: submitted.submissionId, outcome: 'changesRequested', reason: 'Please use the <b>legal</b> website.' });
    expect(changes.ok).toBe(true);

    const changeMail = await nextMail();
    expect(changeMail.to && 'text' in changeMail.to ? changeMail.to.text : '').toContain(answers.adminEmail as string);
    expect(changeMail.text).toContain('Please use the <b>legal</b> website.');
    expect(changeMail.html).toContain('&lt;b&gt;legal&lt;/b&gt;');

    // Edit and resubmit.
    const edited = await service.answer(adminA, ref, 'website', 'https://legal.example.org');
    expect(edited.ok).toBe(true);
    const again = await service.submit(adminA, ref);
    if (!again.ok || !('submissionId' in again)) throw new Error('not resubmitted');

    const approved = await service.decide(staff, { submissionId: again.submissionId, outcome: 'approved' });
    expect(approved.ok).toBe(true);
    // The other staff member clicking a moment later is told who decided and when.
    const late = await service.decide(staff2, { submissionId: again.submissionId, outcome: 'rejected', reason: 'no' });
    expect(late).toMatchObject({ ok: false, code: 'alreadyDecided', decision: { deciderName: 'Sam Staff', outcome: 'approved' } });

    const activation = await nextMail();
    expect(activation.subject).toBeTruthy();
    const link = local(linkIn(activation.text, '/activate'));

    // The activation page: weak password refused, nothing changes.
    const page = await openForm(link);
    expect(page.status).toBe(200);
    expect(page.html).toContain('Grands Frères Grandes Sœurs de l’Atlantique');
    const weak = await page.post({ email: answers.adminEmail as string, password: 'short', passwordConfirm: 'short', acceptTerms: 'yes' });
    expect(weak.status).toBe(422);
    expect((await service.overview(adminA))[0]?.state).toBe('awaitingActivation');

    const ok = await page.post({ email: answers.adminEmail as string, password: 'correct horse battery staple', passwordConfirm: 'correct horse battery staple', acceptTerms: 'yes' });
    expect(ok.status).toBe(200);
    const [org] = await service.overview(adminA);
    expect(org?.state).toBe('active');

    // The link is single use.
    const replay = await fetch(link);
    expect(replay.status).toBe(410);
    // A forged token changes nothing either.
    const forged = await fetch(`${t.app.url}/activate?token=${encodeURIComponent('AAAAAAAAAAAAAAAAAAAAAA.' + 'x'.repeat(43))}`);
    expect(forged.status).toBe(400);
  });

  it('walks program A1 through steps 2–4, with a refused and a declined access request', async () => {
    const [org] = await service.overview(adminA);
    const start = await service.startProgram(adminA, org!.id);
    const ref = { formId: 'program' as const, entityId: start.entityId };
    const answers = makeProgramAnswers({ name: 'Peer Mentors Halifax' });
    // Whole sections at a time, as a card or modal sends them.
    for (const section of start.form.sections) {
      const values = Object.fromEntries(section.fields.map((f) => [f.id, answers[f.id as keyof typeof answers]]));
      const r = await service.answerSection(adminA, ref, section.id, values);
      expect(r.ok, section.id).toBe(true);
    }
    const submitted = await service.submit(adminA, ref);
    if (!submitted.ok || !('submissionId' in submitted)) throw new Error('program not submitted');

    // Access cannot be requested yet: the program is not approved and no session is booked.
    const early = await service.startAccessRequest(adminA, ref.entityId);
    expect(early).toMatchObject({ ok: false, code: 'accessGateClosed', missing: ['programApproved', 'sessionBooked'] });
    if (!early.ok) expect(early.message.en).toMatch(/onboarding session/);

    const staffView = await service.submission(submitted.submissionId, 'en');
    expect(staffView.entityName).toBe('Peer Mentors Halifax');
    expect(staffView.summary.length).toBe(5);

    expect((await service.decide(staff, { submissionId: submitted.submissionId, outcome: 'approved' })).ok).toBe(true);
    const approvedMail = await nextMail();
    expect(approvedMail.text).toContain('Peer Mentors Halifax');

    const refused = await service.startAccessRequest(adminA, ref.entityId);
    expect(refused).toMatchObject({ ok: false, missing: ['sessionBooked'] });

    // Staff publish a session; the admin books it.
    const startsAt = new Date(service.now().getTime() + 3 * 86400_000);
    await expect(service.publishSlot(adminA, { startsAt, timeZone: 'America/Halifax', durationMinutes: 60, language: 'en', capacity: 5, videoUrl: 'https://meet.example.org/a' })).rejects.toMatchObject({ code: 'notStaff' });
    const slot = await service.publishSlot(staff, { startsAt, timeZone: 'America/Halifax', durationMinutes: 60, language: 'en', capacity: 5, videoUrl: 'https://meet.example.org/a' });
    const booked = await service.bookSession(adminA, ref.entityId, slot.id);
    expect(booked.status.state).toBe('approved.sessionBooked');
    const sessionMail = await nextMail();
    expect(sessionMail.text).toContain('https://meet.example.org/a');

    const opened = await service.startAccessRequest(adminA, ref.entityId);
    if (!opened.ok) throw new Error('gate should be open');
    // Defaults come from the program form.
    expect(opened.view.answers.platformAdminEmail).toBe(answers.programAdminEmail);
    const accessAnswers = makeAccessRequestAnswers({ programId: ref.entityId, launchDate: new Date(service.now().getTime() + 30 * 86400_000).toISOString().slice(0, 10) });
    const accessRef = { formId: 'accessRequest' as const, entityId: ref.entityId };
    await fillOneByOne(adminA, accessRef, accessAnswers);
    const request = await service.submit(adminA, accessRef);
    if (!request.ok || !('submissionId' in request)) throw new Error(`access not requested: ${JSON.stringify(request)}`);
    expect(request.status.state).toBe('accessRequested');

    // Declined with a reason, then asked again and granted.
    expect((await service.decide(staff, { submissionId: request.submissionId, outcome: 'rejected', reason: 'Launch date too early' })).ok).toBe(true);
    const declinedMail = await nextMail();
    expect(declinedMail.text).toContain('Launch date too early');
    const retry = await service.submit(adminA, accessRef);
    if (!retry.ok || !('submissionId' in retry)) throw new Error('access not requested again');
    expect((await service.decide(staff, { submissionId: retry.submissionId, outcome: 'approved' })).ok).toBe(true);

    // Step 4: the platform's email comes from the program's name.
    const platformMail = await nextMail();
    expect(platformMail.from?.value[0]?.name).toBe('Peer Mentors Halifax');
    const username = platformMail.text?.match(/\b(peer-mentors-halifax-[0-9a-f]{6})\b/)?.[1];
    const password = platformMail.text?.match(/\b([A-HJ-NP-Za-km-z2-9]{16})\b/)?.[1];
    expect(username).toBeTruthy();
    expect(password).toBeTruthy();
    // Once sent, the temporary password no longer sits in the database.
    await expect.poll(async () => JSON.stringify(await t.app.store.outboxMessages({ kind: 'email' })), { timeout: 5000 }).not.toContain(password!);

    const page = await openForm(local(linkIn(platformMail.text, '/platform/register')));
    expect(page.status).toBe(200);
    const wrong = await page.post({ username: username!, temporaryPassword: 'not-the-password', newPassword: 'a brand new passphrase', newPasswordConfirm: 'a brand new passphrase' });
    expect(wrong.status).toBe(422);
    const done = await page.post({ username: username!, temporaryPassword: password!, newPassword: 'a brand new passphrase', newPasswordConfirm: 'a brand new passphrase' });
    expect(done.status).toBe(200);
    const [after] = await service.overview(adminA);
    expect(after?.programs.find((p) => p.id === ref.entityId)?.state).toBe('onboarded');
  });

  it('rejects program A2 and organization B, and withdraws what is left', async () => {
    const [org] = await service.overview(adminA);
    const start = await service.startProgram(adminA, org!.id);
    const ref = { formId: 'program' as const, entityId: start.entityId };
    await fillOneByOne(adminA, ref, makeProgramAnswers({ name: 'Reading Buddies', website: undefined }));
    const s = await service.submit(adminA, ref);
    if (!s.ok || !('submissionId' in s)) throw new Error('not submitted');
    expect((await service.decide(staff, { submissionId: s.submissionId, outcome: 'rejected', reason: 'Out of scope' })).ok).toBe(true);
    await nextMail();
    const [orgAfter] = await service.overview(adminA);
    expect(orgAfter?.programs.map((p) => p.state).sort()).toEqual(['onboarded', 'rejected']);

    const b = await service.startOrganization(adminB);
    const refB = { formId: 'organization' as const, entityId: b.entityId };
    await fillOneByOne(adminB, refB, makeOrganizationAnswers({ legalName: 'Mentorat Québec', province: 'QC', postalCode: 'H2X 1Y4', adminEmail: 'benoit@mentorat.example.org' }));
    const sb = await service.submit(adminB, refB);
    if (!sb.ok || !('submissionId' in sb)) throw new Error('B not submitted');
    // Two staff at the same moment: one decision stands.
    const both = await Promise.all([
      service.decide(staff, { submissionId: sb.submissionId, outcome: 'rejected', reason: 'Duplicate of an existing organization' }),
      service.decide(staff2, { submissionId: sb.submissionId, outcome: 'approved' }),
    ]);
    expect(both.filter((r) => r.ok)).toHaveLength(1);
    expect(both.filter((r) => !r.ok)).toHaveLength(1);
    await nextMail(); // rejection or activation, whichever won
    // The administrator of B is French-speaking: the refusal comes in French.
    await expect(service.answer(adminB, refB, 'city', 'Laval')).rejects.toSatisfy((e: unknown) => e instanceof AppError && /modifié/.test(e.say('fr')));

    // A third organization, withdrawn while in draft.
    const c = await service.startOrganization(adminB);
    const withdrawn = await service.withdraw(adminB, c.entityId, 'Registered by mistake');
    expect(withdrawn.state).toBe('withdrawn');
    await expect(service.withdraw(adminB, c.entityId)).rejects.toMatchObject({ code: 'wrongState' });
  });

  it('lets support look up any organization, by name (accents ignored), email or program', async () => {
    const byName = await service.status(support, 'grands freres');
    expect(byName).toHaveLength(1);
    expect(byName[0]?.state).toBe('active');
    expect(byName[0]?.history.length).toBeGreaterThan(3);
    expect(byName[0]?.history.some((h) => h.action === 'admin.platformRegistered')).toBe(true);
    const full = await service.history([byName[0]!.id], 50);
    expect(full.some((h) => h.action === 'staff.changesRequested' && h.actorName === 'Sam Staff' && h.reason?.includes('legal'))).toBe(true);
    const byProgram = await service.status(support, 'Peer Mentors');
    expect(byProgram[0]?.id).toBe(byName[0]?.id);
    const byEmail = await service.status(support, 'amelie.cormier@bigsisters.example.org');
    expect(byEmail.map((o) => o.id)).toContain(byName[0]?.id);
    // Any address a submission names (here the program administrator's), case ignored.
    const byContact = await service.status(support, ' Jordan.Paul@BigSisters.example.org ');
    expect(byContact.map((o) => o.id)).toContain(byName[0]?.id);
    // Administrators see only their own.
    await expect(service.status(adminB, 'grands freres')).rejects.toMatchObject({ code: 'notSupport' });
  });

  it('sent every email exactly once', async () => {
    await expect.poll(async () => (await t.app.store.outboxMessages({ kind: 'email' })).every((m) => m.status === 'sent'), { timeout: 5000 }).toBe(true);
    const sent = await t.app.store.outboxMessages({ kind: 'email' });
    expect(t.smtp.messages).toHaveLength(sent.length);
    const ids = t.smtp.messages.map((m) => m.messageId);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
