import { afterEach, describe, expect, it } from 'vitest';
import { linkIn } from '../helpers/app.ts';
import { activeOrganization, approvedOrganization, approvedProgram, fillForm, GOOD_PASSWORD, staffMember, submittedOrganization, waitForMail } from '../helpers/journey.ts';
import { makeOrganizationAnswers } from '../forms/fixtures.ts';
import { DAY, grantedProgram, HOUR, MINUTE, newPerson, startReminderApp, type ReminderApp } from './harness.ts';

/**
 * Nudges come from rows in the database, on an injected clock: each fires once when due
 * and not before, does nothing once the thing was done, waits for the end of quiet hours
 * where the person lives, stops at MAX_NUDGES (2) and for people who asked to stop.
 */

// Wednesday 14 January 2026, 09:00 in Toronto, 06:00 in Vancouver.
const T0 = new Date('2026-01-14T14:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

describe('reminders and nudges', () => {
  let app: ReminderApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('nudges about an untouched draft after 3 days, once more 3 days later, and never a third time', async () => {
    app = await startReminderApp(T0);
    const admin = await newPerson(app.service);
    const { entityId } = await app.service.startOrganization(admin);
    const [row] = await app.reminders(entityId, 'draftIdle');
    const enteredAt = (await app.t.app.store.getWorkflow(entityId))!.enteredAt;
    expect(row).toMatchObject({ status: 'pending', nextAttemptAt: new Date(enteredAt.getTime() + 3 * DAY) });

    app.clock.set(at(3 * DAY - MINUTE));
    await app.drain();
    expect(await app.nudges(entityId)).toEqual([]);

    app.clock.set(at(3 * DAY + MINUTE));
    await app.drain();
    await app.drain();
    expect(await app.nudges(entityId)).toEqual([expect.objectContaining({ personId: admin.personId, reminder: 'draftIdle', nudge: 1, kind: 'organization', organizationId: entityId })]);
    expect((await app.emails(admin.email, 'draftReminder')).map((m) => m.kind)).toEqual(['draftReminder']);
    const mail = await waitForMail(app.t.smtp, admin.email, 'draftReminder');
    expect(mail.text).toContain('say “hi” to the assistant');
    expect(mail.text).toContain('stop reminders');

    app.clock.set(at(6 * DAY));
    await app.drain();
    expect(await app.nudges(entityId)).toHaveLength(1);
    app.clock.set(at(6 * DAY + 2 * MINUTE));
    await app.drain();
    expect((await app.nudges(entityId)).map((n) => n['nudge'])).toEqual([1, 2]);

    app.clock.set(at(60 * DAY));
    await app.drain();
    expect((await app.nudges(entityId)).map((n) => n['nudge'])).toEqual([1, 2]);
    expect((await app.reminders(entityId, 'draftIdle')).map((r) => [r.payload['nudge'], r.status, r.payload['outcome']])).toEqual([
      [1, 'sent', 'sent'],
      [2, 'sent', 'sent'],
    ]);
    expect(await app.emails(admin.email, 'draftReminder')).toHaveLength(2);
  });

  it('counts 3 days from the last change to the draft, and says nothing once the form is submitted', async () => {
    app = await startReminderApp(T0);
    const { service } = app;
    const admin = await newPerson(service);
    const { entityId: editing } = await service.startOrganization(admin);
    const other = await newPerson(service);
    const { entityId: submittedId } = await service.startOrganization(other);

    app.clock.set(at(DAY));
    const answers = makeOrganizationAnswers({ legalName: 'Finished Before Due', adminEmail: other.email });
    await fillForm(service, other, { formId: 'organization', entityId: submittedId }, answers);
    const submitted = await service.submit(other, { formId: 'organization', entityId: submittedId });
    expect(submitted.ok).toBe(true);
    app.clock.set(at(2 * DAY));
    await service.answer(admin, { formId: 'organization', entityId: editing }, 'legalName', 'Prairie Mentoring Collective');

    app.clock.set(at(4 * DAY + 2 * HOUR));
    await app.drain();
    expect(await app.nudges(editing)).toEqual([]);
    expect(await app.nudges(submittedId)).toEqual([]);
    expect((await app.reminders(submittedId, 'draftIdle')).map((r) => r.payload['outcome'])).toEqual(['done']);

    app.clock.set(at(5 * DAY - MINUTE));
    await app.drain();
    expect(await app.nudges(editing)).toEqual([]);
    app.clock.set(at(5 * DAY + MINUTE));
    await app.drain();
    expect(await app.nudges(editing, 'draftIdle')).toHaveLength(1);
    const [mail] = await app.emails(admin.email, 'draftReminder');
    expect(mail).toMatchObject({ entityKind: 'organization', entityName: 'Prairie Mentoring Collective' });
  });

  it('waits for the end of quiet hours in the person’s own time zone', async () => {
    app = await startReminderApp(T0);
    const { service } = app;
    const toronto = await newPerson(service, { timeZone: 'America/Toronto' });
    const vancouver = await newPerson(service, { timeZone: 'America/Vancouver', lang: 'fr' });
    const { entityId: east } = await service.startOrganization(toronto);
    const { entityId: west } = await service.startOrganization(vancouver);

    // Saturday 09:01 in Toronto, 06:01 in Vancouver.
    app.clock.set(at(3 * DAY + MINUTE));
    await app.drain();
    expect(await app.nudges(east)).toHaveLength(1);
    expect(await app.nudges(west)).toEqual([]);
    const [postponed] = await app.reminders(west, 'draftIdle');
    expect(postponed).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: new Date('2026-01-17T16:00:00Z') });

    app.clock.set(new Date('2026-01-17T15:59:00Z'));
    await app.drain();
    expect(await app.nudges(west)).toEqual([]);
    app.clock.set(new Date('2026-01-17T16:00:30Z'));
    await app.drain();
    expect(await app.nudges(west)).toHaveLength(1);
    const mail = await waitForMail(app.t.smtp, vancouver.email, 'draftReminder');
    expect(mail.subject).toMatch(/^Terminez l’inscription/);
  });

  it('stops nudging someone who asked to stop reminders', async () => {
    app = await startReminderApp(T0);
    const { service } = app;
    const admin = await newPerson(service);
    const { entityId } = await service.startOrganization(admin);
    app.clock.set(at(DAY));
    expect(await service.remindersStopped(admin)).toBe(false);
    await service.stopReminders(admin);
    expect(await service.remindersStopped(admin)).toBe(true);

    app.clock.set(at(3 * DAY + MINUTE));
    await app.drain();
    app.clock.set(at(20 * DAY));
    await app.drain();
    expect(await app.nudges(entityId)).toEqual([]);
    expect(await app.emails(admin.email)).toEqual([]);
    // The skipped nudge is kept, paused, for `resume reminders` (see resume.test.ts).
    expect((await app.reminders(entityId)).map((r) => [r.payload['nudge'], r.payload['outcome'] ?? r.status, r.dedupeKey.startsWith(`reminder:paused:${admin.personId}:`)])).toEqual([
      [1, 'stopped', false],
      [1, 'pending', true],
    ]);
    expect((await service.history([admin.personId], 5)).map((h) => h.action)).toContain('reminders.stopped');
  });

  it('emails a fresh activation link when the first one is unused after 3 days, and nothing once the organization is active', async () => {
    app = await startReminderApp(T0);
    const { service, t } = app;
    const admin = await newPerson(service);
    const org = await approvedOrganization(t, admin);
    const otherAdmin = await newPerson(service);
    const activated = await activeOrganization(t, otherAdmin);

    app.clock.set(at(3 * DAY - MINUTE));
    await app.drain();
    expect(await app.nudges(org.organizationId, 'activationUnused')).toEqual([]);

    app.clock.set(at(3 * DAY + MINUTE));
    await app.drain();
    expect(await app.nudges(org.organizationId, 'activationUnused')).toEqual([expect.objectContaining({ personId: admin.personId, nudge: 1 })]);
    expect(await app.nudges(activated.organizationId)).toEqual([]);
    expect((await app.reminders(activated.organizationId, 'activationUnused')).map((r) => r.payload['outcome'])).toEqual(['done']);

    // The fresh link works; the first one no longer does.
    await expect.poll(() => t.smtp.messages.filter((m) => m.headers.get('x-onboarding-kind') === 'organizationApproved' && m.to && JSON.stringify(m.to).includes(org.adminEmail)).length, { timeout: 10_000 }).toBe(2);
    const mails = t.smtp.messages.filter((m) => JSON.stringify(m.to).includes(org.adminEmail));
    const fresh = linkIn(mails.at(-1)?.text, '/activate');
    expect(fresh).not.toBe(org.activationLink);
    const token = (link: string) => new URL(link).searchParams.get('token') ?? '';
    expect(await service.lookupActivation(token(org.activationLink))).toMatchObject({ ok: false, reason: 'used' });
    expect(await service.completeActivation(token(fresh), { email: org.adminEmail, password: GOOD_PASSWORD, acceptTerms: true })).toMatchObject({ ok: true });
    const history = await service.history([org.organizationId], 20);
    expect(history.find((h) => h.action === 'support.activationResent')).toMatchObject({ actorId: 'system:reminders' });

    // Activated now: the second nudge finds nothing to do.
    app.clock.set(at(6 * DAY + 2 * MINUTE));
    await app.drain();
    expect(await app.nudges(org.organizationId, 'activationUnused')).toHaveLength(1);
    expect((await app.reminders(org.organizationId, 'activationUnused')).map((r) => r.payload['outcome'])).toEqual(['sent', 'done']);
  });

  it('reminds an approved program with no session after 7 days, not one that booked', async () => {
    app = await startReminderApp(T0);
    const { service, t } = app;
    const admin = await newPerson(service);
    const org = await activeOrganization(t, admin);
    const waiting = await approvedProgram(t, admin, org.organizationId, { programAdminEmail: `waiting-${admin.email}` });
    const booking = await approvedProgram(t, admin, org.organizationId);
    const staff = await staffMember(service);
    const slot = await service.publishSlot(staff, { startsAt: at(10 * DAY), timeZone: 'America/Toronto', durationMinutes: 60, language: 'en', capacity: 4, videoUrl: 'https://meet.example.org/s' });
    app.clock.set(at(DAY));
    await service.bookSession(admin, booking.programId, slot.id);

    app.clock.set(at(7 * DAY - MINUTE));
    await app.drain();
    expect(await app.nudges(waiting.programId, 'noSessionBooked')).toEqual([]);
    app.clock.set(at(7 * DAY + MINUTE));
    await app.drain();
    expect(await app.nudges(waiting.programId, 'noSessionBooked')).toEqual([expect.objectContaining({ personId: admin.personId, kind: 'program', nudge: 1 })]);
    expect(await app.emails(`waiting-${admin.email}`, 'sessionBookingReminder')).toEqual([expect.objectContaining({ programName: waiting.name })]);
    expect(await app.nudges(booking.programId)).toEqual([]);
    expect((await app.reminders(booking.programId, 'noSessionBooked')).map((r) => r.payload['outcome'])).toEqual(['done']);
  });

  it('reminds about an unfinished platform registration after 3 days', async () => {
    app = await startReminderApp(T0);
    const { service, t } = app;
    const admin = await newPerson(service);
    const org = await activeOrganization(t, admin);
    const unfinished = await grantedProgram(app, admin, org.organizationId);
    const finished = await grantedProgram(app, admin, org.organizationId);

    const platformMail = await waitForMail(t.smtp, finished.platformEmail, 'accessGranted');
    const username = platformMail.text?.match(/\b([a-z0-9-]+-[0-9a-f]{6})\b/)?.[1] ?? '';
    const password = platformMail.text?.match(/\b([A-HJ-NP-Za-km-z2-9]{16})\b/)?.[1] ?? '';
    const token = new URL(linkIn(platformMail.text, '/platform/register')).searchParams.get('token') ?? '';
    app.clock.set(at(DAY));
    expect(await service.completePlatformRegistration(token, { username, temporaryPassword: password, newPassword: 'a brand new passphrase' })).toMatchObject({ ok: true });

    app.clock.set(at(3 * DAY - MINUTE));
    await app.drain();
    expect(await app.nudges(unfinished.programId, 'platformUnregistered')).toEqual([]);
    app.clock.set(at(3 * DAY + 10 * MINUTE));
    await app.drain();
    expect(await app.nudges(unfinished.programId, 'platformUnregistered')).toEqual([expect.objectContaining({ personId: admin.personId, nudge: 1 })]);
    // The access request asked for a French platform: the reminder follows.
    expect(await app.emails(unfinished.platformEmail, 'platformRegistrationReminder')).toEqual([expect.objectContaining({ lang: 'fr', programName: unfinished.name })]);
    expect(await app.nudges(finished.programId, 'platformUnregistered')).toEqual([]);
    expect((await app.reminders(finished.programId, 'platformUnregistered')).map((r) => r.payload['outcome'])).toEqual(['done']);
  });

  it('sends the day-before reminder with the video link, following the booking when it moves', async () => {
    app = await startReminderApp(T0);
    const { service, t } = app;
    const admin = await newPerson(service);
    const org = await activeOrganization(t, admin);
    const program = await approvedProgram(t, admin, org.organizationId);
    const staff = await staffMember(service);
    // Tuesday 20 and Wednesday 21 January, 10:00 in Toronto.
    const first = await service.publishSlot(staff, { startsAt: new Date('2026-01-20T15:00:00Z'), timeZone: 'America/Toronto', durationMinutes: 60, language: 'en', capacity: 4, videoUrl: 'https://meet.example.org/first' });
    const second = await service.publishSlot(staff, { startsAt: new Date('2026-01-21T15:00:00Z'), timeZone: 'America/Toronto', durationMinutes: 45, language: 'en', capacity: 4, videoUrl: 'https://meet.example.org/second' });
    await service.bookSession(admin, program.programId, first.id);
    app.clock.set(at(DAY));
    await service.bookSession(admin, program.programId, second.id);

    app.clock.set(new Date('2026-01-19T15:01:00Z'));
    await app.drain();
    expect(await app.nudges(program.programId, 'sessionTomorrow')).toEqual([]);
    expect((await app.reminders(program.programId, 'sessionTomorrow')).map((r) => r.payload['outcome'] ?? r.status)).toEqual(['done', 'pending']);

    app.clock.set(new Date('2026-01-20T14:59:00Z'));
    await app.drain();
    expect(await app.nudges(program.programId, 'sessionTomorrow')).toEqual([]);
    app.clock.set(new Date('2026-01-20T15:01:00Z'));
    await app.drain();
    expect(await app.nudges(program.programId, 'sessionTomorrow')).toEqual([
      expect.objectContaining({ personId: admin.personId, startsAt: '2026-01-21T15:00:00.000Z', videoUrl: 'https://meet.example.org/second' }),
    ]);
    const mail = await waitForMail(t.smtp, admin.email, 'sessionReminder');
    expect(mail.text).toContain('https://meet.example.org/second');
    expect(mail.text).toContain('Wednesday, January 21, 2026 at 10:00 a.m. EST');
  });

  it('raises a submission waiting 2 business days in the staff channel, skipping the weekend', async () => {
    // Friday 16 January, 10:00 in Toronto.
    app = await startReminderApp('2026-01-16T15:00:00Z');
    const { service } = app;
    const admin = await newPerson(service);
    const org = await submittedOrganization(service, admin);

    app.clock.set('2026-01-19T15:01:00Z'); // Monday: 3 calendar days, 1 business day
    await app.drain();
    expect(await app.staffNudges(org.organizationId)).toEqual([]);
    app.clock.set('2026-01-20T14:59:00Z');
    await app.drain();
    expect(await app.staffNudges(org.organizationId)).toEqual([]);
    app.clock.set('2026-01-20T15:01:00Z'); // Tuesday
    await app.drain();
    expect(await app.staffNudges(org.organizationId)).toEqual([
      expect.objectContaining({ audience: 'staff', about: 'reminder', reminder: 'decisionOverdue', submissionId: org.submissionId, kind: 'organization', nudge: 1 }),
    ]);
    const [, next] = await app.reminders(org.organizationId, 'decisionOverdue');
    expect(next?.nextAttemptAt).toEqual(new Date('2026-01-22T15:01:00Z'));

    // Decided: the next one finds nothing to raise.
    app.clock.set('2026-01-21T15:00:00Z');
    expect((await service.decide(await staffMember(service), { submissionId: org.submissionId, outcome: 'approved' })).ok).toBe(true);
    app.clock.set('2026-01-23T15:00:00Z');
    await app.drain();
    expect(await app.staffNudges(org.organizationId)).toHaveLength(1);
    expect((await app.reminders(org.organizationId, 'decisionOverdue')).map((r) => r.payload['outcome'])).toEqual(['sent', 'done']);
  });
});
