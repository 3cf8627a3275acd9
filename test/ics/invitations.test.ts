import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { icsComponents, icsProperty, icsText, parseIcs, type IcsComponent } from '../../src/core/ics.ts';
import type { Actor, OnboardingService } from '../../src/core/onboarding-service.ts';
import { fromWallTime } from '../../src/core/zoned-time.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { activeOrganization, approvedProgram, mailKind, mailsTo, staffMember } from '../helpers/journey.ts';
import { movingClock, newPerson } from '../reminders/harness.ts';

/**
 * Calendar invitations as mailed by the real app to a real SMTP server: a REQUEST with the
 * booking, the same UID with a higher SEQUENCE when the booking moves or staff change the
 * session, a CANCEL when it is cancelled. Staff cancelling a session tell everyone booked
 * and free their programs to book another.
 */

const halifax = (month: number, day: number, hour = 10) => fromWallTime({ year: 2026, month, day, hour }, 'America/Halifax');
const vancouver = (month: number, day: number, hour = 10) => fromWallTime({ year: 2026, month, day, hour }, 'America/Vancouver');

/** The calendar of a mail: its text/calendar part (the one clients act on), parsed. */
function calendarOf(mail: ParsedMail | undefined): { cal: IcsComponent; event: IcsComponent; method: string | undefined } {
  const part = mail?.attachments.find((a) => a.contentType === 'text/calendar');
  if (!part) throw new Error(`no calendar in ${mail ? mailKind(mail) : 'missing mail'}`);
  const attached = mail?.attachments.find((a) => a.contentType === 'application/ics');
  expect(attached?.content.toString('utf8')).toBe(part.content.toString('utf8'));
  const cal = parseIcs(part.content.toString('utf8'));
  const event = icsComponents(cal, 'VEVENT')[0]!;
  return { cal, event, method: icsText(cal, 'METHOD') };
}

describe('calendar invitations and session changes', () => {
  let t: TestApp;
  let service: OnboardingService;
  let staff: Actor;
  // Sunday 15 February 2026, before both DST changes used below.
  const clock = movingClock('2026-02-15T15:00:00Z');

  beforeAll(async () => {
    t = await startTestApp({}, { clock: clock.now });
    service = t.app.service;
    staff = await staffMember(service);
  });
  afterAll(async () => t?.close());

  async function mailsOf(address: string, kind: string, count: number): Promise<ParsedMail[]> {
    await expect.poll(() => mailsTo(t.smtp, address).filter((m) => mailKind(m) === kind).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(count);
    return mailsTo(t.smtp, address).filter((m) => mailKind(m) === kind);
  }

  const publish = (startsAt: Date, timeZone: string, extra: { capacity?: number; videoUrl?: string } = {}) =>
    service.publishSlot(staff, { startsAt, timeZone, durationMinutes: 60, language: 'en', capacity: extra.capacity ?? 5, videoUrl: extra.videoUrl ?? 'https://meet.example.org/session' });

  it('invites with the booking, updates the same event when the booking or the session moves, and cancels it', async () => {
    const admin = await newPerson(service);
    const org = await activeOrganization(t, admin);
    const program = await approvedProgram(t, admin, org.organizationId);
    // 10:00 in Halifax before (AST, UTC−4) and after (ADT, UTC−3) the change of 8 March.
    const before = await publish(halifax(3, 6), 'America/Halifax', { videoUrl: 'https://meet.example.org/before' });
    const after = await publish(halifax(3, 9), 'America/Halifax', { videoUrl: 'https://meet.example.org/after' });

    await service.bookSession(admin, program.programId, before.id);
    const [booked] = await mailsOf(admin.email, 'sessionBooked', 1);
    const first = calendarOf(booked);
    expect(first.method).toBe('REQUEST');
    expect(booked?.attachments.find((a) => a.contentType === 'text/calendar')?.headers.get('content-type')).toMatchObject({ params: { method: 'REQUEST' } });
    const booking = await t.app.store.activeBooking(program.programId);
    const uid = `booking-${booking!.id}@onboarding-assistant`;
    expect(icsText(first.event, 'UID')).toBe(uid);
    expect(icsText(first.event, 'SEQUENCE')).toBe('0');
    expect(icsProperty(first.event, 'DTSTART')?.value).toBe('20260306T140000Z');
    expect(icsProperty(first.event, 'DTEND')?.value).toBe('20260306T150000Z');
    expect(icsText(first.cal, 'X-WR-TIMEZONE')).toBe('America/Halifax');
    expect(icsText(first.event, 'LOCATION')).toBe('https://meet.example.org/before');
    expect(icsProperty(first.event, 'ORGANIZER')).toMatchObject({ params: { CN: 'Mentor Connector' }, value: 'mailto:noreply@mentor.example.org' });
    expect(icsProperty(first.event, 'ATTENDEE')?.value).toBe(`mailto:${admin.email}`);

    // The booking moves: same UID, SEQUENCE 1, the new time.
    await service.bookSession(admin, program.programId, after.id);
    const moved = calendarOf((await mailsOf(admin.email, 'sessionBooked', 2))[1]);
    expect(moved.method).toBe('REQUEST');
    expect(icsText(moved.event, 'UID')).toBe(uid);
    expect(icsText(moved.event, 'SEQUENCE')).toBe('1');
    expect(icsProperty(moved.event, 'DTSTART')?.value).toBe('20260309T130000Z');

    // Staff move the session an hour later: an updated invitation, SEQUENCE 2.
    await service.editSlot(staff, after.id, { startsAt: halifax(3, 9, 11) });
    const [updatedMail] = await mailsOf(admin.email, 'sessionUpdated', 1);
    const updated = calendarOf(updatedMail);
    expect(icsText(updated.event, 'UID')).toBe(uid);
    expect(icsText(updated.event, 'SEQUENCE')).toBe('2');
    expect(icsProperty(updated.event, 'DTSTART')?.value).toBe('20260309T140000Z');
    // Shown in the recipient's zone (Toronto): 11:00 in Halifax.
    expect(updatedMail?.text).toContain('When: Monday, March 9, 2026 at 10:00 a.m. EDT');
    expect(updatedMail?.text).toContain('Previously: Monday, March 9, 2026 at 9:00 a.m. EDT');
    const notices = (await t.app.store.outboxMessages({ kind: 'notification' })).map((n) => n.payload).filter((p) => p['about'] === 'sessionUpdated');
    expect(notices).toEqual([expect.objectContaining({ personId: admin.personId, entityId: program.programId, startsAt: halifax(3, 9, 11).toISOString(), previousStartsAt: halifax(3, 9).toISOString() })]);
    // The day-before reminder follows the new time; the old one will find it no longer matches.
    const reminders = (await t.app.store.outboxMessages({ kind: 'reminder' })).filter((r) => r.payload['reminder'] === 'sessionTomorrow' && r.payload['entityId'] === program.programId);
    expect(reminders.map((r) => r.payload['startsAt'])).toContain(halifax(3, 9, 11).toISOString());

    // The administrator cancels: METHOD:CANCEL, same UID, SEQUENCE 3.
    await service.cancelSession(admin, program.programId);
    const [cancelMail] = await mailsOf(admin.email, 'sessionCancelled', 1);
    const cancelled = calendarOf(cancelMail);
    expect(cancelled.method).toBe('CANCEL');
    expect(icsText(cancelled.event, 'UID')).toBe(uid);
    expect(icsText(cancelled.event, 'SEQUENCE')).toBe('3');
    expect(icsText(cancelled.event, 'STATUS')).toBe('CANCELLED');
    expect(cancelMail?.text).toContain('as you asked');
  });

  it('lets staff cancel a session: everyone booked is told, gets a CANCEL, and can book another', async () => {
    const alice = await newPerson(service, { timeZone: 'America/Vancouver' });
    const bob = await newPerson(service, { lang: 'fr' });
    const aliceOrg = await activeOrganization(t, alice);
    const bobOrg = await activeOrganization(t, bob);
    const programs = [
      { admin: alice, ...(await approvedProgram(t, alice, aliceOrg.organizationId)) },
      { admin: alice, ...(await approvedProgram(t, alice, aliceOrg.organizationId)) },
      { admin: bob, ...(await approvedProgram(t, bob, bobOrg.organizationId)) },
    ];
    const bystander = { admin: bob, ...(await approvedProgram(t, bob, bobOrg.organizationId)) };
    // 10:00 in Vancouver after the change of 8 March (PDT, UTC−7); another session three days later.
    const doomed = await publish(vancouver(3, 9), 'America/Vancouver', { capacity: 3 });
    const other = await publish(vancouver(3, 12), 'America/Vancouver', { capacity: 5 });
    for (const p of programs) await service.bookSession(p.admin, p.programId, doomed.id);
    await service.bookSession(bystander.admin, bystander.programId, other.id);
    const bookingIds = await Promise.all(programs.map(async (p) => (await t.app.store.activeBooking(p.programId))!.id));

    await expect(service.cancelSlot(alice, doomed.id)).rejects.toMatchObject({ code: 'notStaff' });
    const result = await service.cancelSlot(staff, doomed.id, 'The facilitator is ill.');
    expect(result).toMatchObject({ cancelledBookings: 3, slot: { bookedCount: 0 } });
    expect(await t.app.store.getSlot(doomed.id)).toMatchObject({ bookedCount: 0, cancelledAt: expect.any(Date) });
    await expect(service.cancelSlot(staff, doomed.id)).rejects.toMatchObject({ code: 'slotUnavailable' });
    await expect(service.bookSession(bob, bystander.programId, doomed.id)).rejects.toMatchObject({ code: 'slotUnavailable' });

    // Every program is back to waiting for a session; the bystander keeps its booking.
    for (const p of programs) {
      expect(await t.app.store.activeBooking(p.programId)).toBeNull();
      expect((await service.overview(p.admin)).flatMap((o) => o.programs).find((x) => x.id === p.programId)?.state).toBe('approved.awaitingSession');
      const history = await service.history([p.programId], 5);
      expect(history.find((h) => h.action === 'admin.sessionCancelled')).toMatchObject({ actorId: staff.personId, reason: 'The facilitator is ill.' });
    }
    expect((await t.app.store.activeBooking(bystander.programId))?.slotId).toBe(other.id);

    // Each booking is told in chat…
    const notices = (await t.app.store.outboxMessages({ kind: 'notification' })).map((n) => n.payload).filter((p) => p['about'] === 'sessionCancelled');
    expect(notices.map((n) => n['entityId']).sort()).toEqual(programs.map((p) => p.programId).sort());
    expect(notices.find((n) => n['entityId'] === programs[2]!.programId)).toMatchObject({ personId: bob.personId, reason: 'The facilitator is ill.', slotId: doomed.id });

    // …and by email, with a CANCEL of the invitation they received and the other session offered.
    const aliceMails = await mailsOf(alice.email, 'sessionCancelled', 2);
    const bobMails = await mailsOf(bob.email, 'sessionCancelled', 1);
    for (const mail of [...aliceMails, ...bobMails]) {
      const { method, event } = calendarOf(mail);
      expect(method).toBe('CANCEL');
      expect(bookingIds.map((id) => `booking-${id}@onboarding-assistant`)).toContain(icsText(event, 'UID'));
      expect(icsText(event, 'SEQUENCE')).toBe('1');
      expect(icsProperty(event, 'DTSTART')?.value).toBe('20260309T170000Z');
    }
    expect(aliceMails[0]?.text).toContain('The facilitator is ill.');
    expect(aliceMails[0]?.text).toContain('Thursday, March 12, 2026 at 10:00 a.m. PDT');
    expect(bobMails[0]?.subject).toMatch(/^Séance d’intégration annulée/);
    expect(bobMails[0]?.text).toContain('jeudi 12 mars 2026 à 13 h 00 HAE');

    // Free to book another.
    for (const p of programs) expect((await service.bookSession(p.admin, p.programId, other.id)).status.state).toBe('approved.sessionBooked');
    expect((await t.app.store.getSlot(other.id))?.bookedCount).toBe(4);
  });

  it('lets staff change capacity, never below the seats taken, without sending invitations', async () => {
    const admin = await newPerson(service);
    const org = await activeOrganization(t, admin);
    const a = await approvedProgram(t, admin, org.organizationId);
    const b = await approvedProgram(t, admin, org.organizationId);
    const slot = await publish(halifax(4, 2), 'America/Halifax', { capacity: 3 });
    await service.bookSession(admin, a.programId, slot.id);
    await service.bookSession(admin, b.programId, slot.id);

    await expect(service.editSlot(admin, slot.id, { capacity: 10 })).rejects.toMatchObject({ code: 'notStaff' });
    await expect(service.editSlot(staff, slot.id, { capacity: 1 })).rejects.toMatchObject({ code: 'invalidInput', userMessage: { en: expect.stringMatching(/2 seat/) } });
    await expect(service.editSlot(staff, slot.id, { startsAt: new Date(service.now().getTime() - 60_000) })).rejects.toMatchObject({ code: 'invalidInput' });
    await expect(service.editSlot(staff, slot.id, { videoUrl: 'http://insecure.example.org' })).rejects.toMatchObject({ code: 'invalidInput' });
    expect(await service.editSlot(staff, slot.id, { capacity: 2 })).toMatchObject({ capacity: 2, bookedCount: 2 });
    await expect(service.bookSession(admin, (await approvedProgram(t, admin, org.organizationId)).programId, slot.id)).rejects.toMatchObject({ code: 'slotFull' });
    const updates = (await t.app.store.outboxMessages({ kind: 'email' })).filter((m) => (m.payload['message'] as { kind?: string; to?: string }).kind === 'sessionUpdated' && (m.payload['message'] as { to?: string }).to === admin.email);
    expect(updates).toEqual([]);
  });
});
