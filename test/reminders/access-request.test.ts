import { afterEach, describe, expect, it } from 'vitest';
import { textFor } from '../../src/bots/core/text.ts';
import type { Actor } from '../../src/core/onboarding-service.ts';
import type { JsonObject } from '../../src/store/store.ts';
import { makeAccessRequestAnswers } from '../forms/fixtures.ts';
import { activeOrganization, approvedProgram, fillForm, staffMember, waitForMail } from '../helpers/journey.ts';
import { DAY, MINUTE, newPerson, startReminderApp, type ReminderApp } from './harness.ts';

/**
 * Step 3 ends with the access request form. Left untouched for 3 days it is nudged like
 * the organization and program forms (`draftIdle`, `formId: 'accessRequest'`): a chat
 * notification and an email in the person's language, after quiet hours, at most
 * MAX_NUDGES (2), not for someone who stopped reminders, and not once it is sent.
 */

// Wednesday 14 January 2026, 09:00 in Toronto, 06:00 in Vancouver.
const T0 = new Date('2026-01-14T14:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

describe('reminders about an unfinished access request', () => {
  let app: ReminderApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  /** An approved program with a session booked far ahead and its access request form opened (untouched). */
  async function openedAccessRequest(a: ReminderApp, admin: Actor, organizationId: string): Promise<{ programId: string; name: string }> {
    const { service, t } = a;
    const program = await approvedProgram(t, admin, organizationId);
    const staff = await staffMember(service);
    const slot = await service.publishSlot(staff, { startsAt: at(40 * DAY), timeZone: 'America/Toronto', durationMinutes: 60, language: 'en', capacity: 10, videoUrl: 'https://meet.example.org/access' });
    await service.bookSession(admin, program.programId, slot.id);
    const opened = await service.startAccessRequest(admin, program.programId);
    if (!opened.ok) throw new Error(`access gate closed: ${JSON.stringify(opened.missing)}`);
    return program;
  }

  const accessAnswers = (programId: string) => makeAccessRequestAnswers({ programId, launchDate: '2026-04-01', platformAdminEmail: `platform-${programId.slice(0, 8)}@example.org` });

  /** What the person reads in chat for a nudge. */
  async function chatText(a: ReminderApp, nudge: JsonObject): Promise<string> {
    const [out] = await a.t.app.core.notification(nudge);
    return out?.replies.map((r) => r.text).join('\n') ?? '';
  }

  it('nudges an access request untouched for 3 days, counting from its last change, twice at most, and not once it is sent', async () => {
    app = await startReminderApp(T0);
    const { service } = app;
    const admin = await newPerson(service);
    const org = await activeOrganization(app.t, admin);
    const untouched = await openedAccessRequest(app, admin, org.organizationId);
    const edited = await openedAccessRequest(app, admin, org.organizationId);
    const sent = await openedAccessRequest(app, admin, org.organizationId);

    app.clock.set(at(DAY));
    await fillForm(service, admin, { formId: 'accessRequest', entityId: edited.programId }, accessAnswers(edited.programId));
    await fillForm(service, admin, { formId: 'accessRequest', entityId: sent.programId }, accessAnswers(sent.programId));
    expect(await service.submit(admin, { formId: 'accessRequest', entityId: sent.programId })).toMatchObject({ ok: true });

    app.clock.set(at(3 * DAY - MINUTE));
    await app.drain();
    expect(await app.nudges(untouched.programId, 'draftIdle')).toEqual([]);

    app.clock.set(at(3 * DAY + MINUTE));
    await app.drain();
    const [first] = await app.nudges(untouched.programId, 'draftIdle');
    expect(first).toMatchObject({ personId: admin.personId, reminder: 'draftIdle', formId: 'accessRequest', kind: 'program', nudge: 1, organizationId: org.organizationId });
    expect(await chatText(app, first!)).toContain(textFor('en').reminders.accessRequestIdle(untouched.name));
    expect(await app.emails(admin.email, 'draftReminder')).toEqual([expect.objectContaining({ lang: 'en', entityKind: 'program', entityName: untouched.name })]);
    const mail = await waitForMail(app.t.smtp, admin.email, 'draftReminder');
    expect(mail.subject).toBe(`Finish registering ${untouched.name}`);
    expect(mail.text).toContain('stop reminders');
    // Changed a day later: 3 days from then.
    expect(await app.nudges(edited.programId)).toEqual([]);
    expect(await app.nudges(sent.programId)).toEqual([]);

    app.clock.set(at(4 * DAY - MINUTE));
    await app.drain();
    expect(await app.nudges(edited.programId)).toEqual([]);
    app.clock.set(at(4 * DAY + MINUTE));
    await app.drain();
    expect(await app.nudges(edited.programId, 'draftIdle')).toEqual([expect.objectContaining({ formId: 'accessRequest', nudge: 1 })]);
    // Sent (access requested): its reminder found nothing to do.
    expect(await app.nudges(sent.programId)).toEqual([]);
    expect((await app.reminders(sent.programId, 'draftIdle')).filter((r) => r.payload['formId'] === 'accessRequest').map((r) => r.payload['outcome'])).toEqual(['done']);

    app.clock.set(at(6 * DAY + 2 * MINUTE));
    await app.drain();
    expect((await app.nudges(untouched.programId, 'draftIdle')).map((n) => n['nudge'])).toEqual([1, 2]);
    app.clock.set(at(60 * DAY));
    await app.drain();
    expect((await app.nudges(untouched.programId, 'draftIdle')).map((n) => n['nudge'])).toEqual([1, 2]);
    expect((await app.reminders(untouched.programId, 'draftIdle')).filter((r) => r.payload['formId'] === 'accessRequest').map((r) => [r.payload['nudge'], r.payload['outcome']])).toEqual([
      [1, 'sent'],
      [2, 'sent'],
    ]);
    expect(await app.emails(admin.email, 'draftReminder')).toHaveLength(2 + 2);
    expect(await app.nudges(sent.programId)).toEqual([]);
  });

  it('speaks the person’s language after their quiet hours, and says nothing to someone who stopped reminders', async () => {
    app = await startReminderApp(T0);
    const { service } = app;
    const vancouver = await newPerson(service, { timeZone: 'America/Vancouver', lang: 'fr' });
    const quiet = await openedAccessRequest(app, vancouver, (await activeOrganization(app.t, vancouver)).organizationId);
    const stopping = await newPerson(service);
    const stopped = await openedAccessRequest(app, stopping, (await activeOrganization(app.t, stopping)).organizationId);
    app.clock.set(at(DAY));
    await service.stopReminders(stopping);

    // Saturday 06:01 in Vancouver: quiet until 08:00 there.
    app.clock.set(at(3 * DAY + MINUTE));
    await app.drain();
    expect(await app.nudges(quiet.programId)).toEqual([]);
    const [postponed] = (await app.reminders(quiet.programId, 'draftIdle')).filter((r) => r.payload['formId'] === 'accessRequest');
    expect(postponed).toMatchObject({ status: 'pending', nextAttemptAt: new Date('2026-01-17T16:00:00Z') });
    app.clock.set(new Date('2026-01-17T16:00:30Z'));
    await app.drain();
    const [nudge] = await app.nudges(quiet.programId, 'draftIdle');
    expect(nudge).toMatchObject({ personId: vancouver.personId, formId: 'accessRequest' });
    expect(await chatText(app, nudge!)).toContain(textFor('fr').reminders.accessRequestIdle(quiet.name));
    const mail = await waitForMail(app.t.smtp, vancouver.email, 'draftReminder');
    expect(mail.subject).toBe(`Terminez l’inscription de ${quiet.name}`);
    expect(mail.text).toContain('arrêter les rappels');

    expect(await app.nudges(stopped.programId)).toEqual([]);
    expect(await app.emails(stopping.email, 'draftReminder')).toEqual([]);
    expect((await app.reminders(stopped.programId, 'draftIdle')).filter((r) => r.payload['formId'] === 'accessRequest').map((r) => r.payload['outcome'] ?? r.status)).toEqual(['stopped', 'pending']);
  });
});
