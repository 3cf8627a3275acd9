import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor, OnboardingService } from '../../src/core/onboarding-service.ts';
import { AppError } from '../../src/core/errors.ts';
import type { SlotRecord } from '../../src/store/store.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { activeOrganization, approvedProgram, newAdmin, staffMember } from '../helpers/journey.ts';

/**
 * Onboarding session capacity holds when many programs book at once: a slot never takes
 * more bookings than seats, everyone else is told it is full, and moving or cancelling a
 * booking gives the seat back.
 */

type Booker = { admin: Actor; programId: string };

describe('booking onboarding sessions at the same time', () => {
  let t: TestApp;
  let service: OnboardingService;
  let staff: Actor;
  let programs: Booker[];

  beforeAll(async () => {
    t = await startTestApp();
    service = t.app.service;
    staff = await staffMember(service);
    // Ten approved programs under three organizations, each with its own administrator.
    const perAdmin = [4, 3, 3];
    const groups = await Promise.all(
      perAdmin.map(async (count) => {
        const admin = await newAdmin(service);
        const org = await activeOrganization(t, admin);
        return Promise.all(
          Array.from({ length: count }, async () => ({ admin, programId: (await approvedProgram(t, admin, org.organizationId)).programId })),
        );
      }),
    );
    programs = groups.flat();
  });
  afterAll(async () => t?.close());

  let slotA: SlotRecord;
  let booked: Booker[] = [];
  let waiting: Booker[] = [];

  const publish = (capacity: number, days: number) =>
    service.publishSlot(staff, {
      startsAt: new Date(service.now().getTime() + days * 86_400_000),
      timeZone: 'America/Toronto',
      durationMinutes: 60,
      language: 'en',
      capacity,
      videoUrl: `https://meet.example.org/session-${days}`,
    });
  const bookedCount = async (slotId: string) => (await t.app.store.getSlot(slotId))?.bookedCount;
  /** Programs whose active booking is on this slot, counted from the bookings themselves. */
  const seatedOn = async (slotId: string) => {
    const bookings = await Promise.all(programs.map((p) => t.app.store.activeBooking(p.programId)));
    return bookings.filter((b) => b?.slotId === slotId).length;
  };

  /** All of `who` book `slotId` at once; splits them into who got a seat and who did not. */
  async function rush(who: Booker[], slotId: string) {
    const settled = await Promise.allSettled(who.map((p) => service.bookSession(p.admin, p.programId, slotId)));
    const won: Booker[] = [];
    const lost: Booker[] = [];
    const codes: string[] = [];
    settled.forEach((s, i) => {
      if (s.status === 'fulfilled') {
        expect(s.value.status.state).toBe('approved.sessionBooked');
        won.push(who[i]!);
      } else {
        codes.push(s.reason instanceof AppError ? s.reason.code : String(s.reason));
        lost.push(who[i]!);
      }
    });
    return { won, lost, codes };
  }

  it('gives a three-seat session to exactly three of ten programs booking at once', async () => {
    expect(programs).toHaveLength(10);
    slotA = await publish(3, 3);
    const { won, lost, codes } = await rush(programs, slotA.id);
    expect(won).toHaveLength(3);
    expect(codes).toEqual(Array(7).fill('slotFull'));
    expect(await bookedCount(slotA.id)).toBe(3);
    expect(await seatedOn(slotA.id)).toBe(3);
    // Only the three booked programs got the confirmation email.
    const confirmations = (await t.app.store.outboxMessages({ kind: 'email' })).filter((m) => (m.payload.message as { kind?: string }).kind === 'sessionBooked');
    expect(confirmations).toHaveLength(3);
    for (const p of lost) expect((await service.accessGate(p.admin, p.programId)).missing).toContain('sessionBooked');
    // A full session is no longer offered.
    expect((await service.listSlots()).map((s) => s.id)).not.toContain(slotA.id);
    booked = won;
    waiting = lost;
  });

  it('frees the seat when a booking moves to another session, for exactly one of those waiting', async () => {
    const slotB = await publish(3, 4);
    const mover = booked[0]!;
    const moved = await service.bookSession(mover.admin, mover.programId, slotB.id);
    expect(moved.moved).toBe(true);
    expect(await bookedCount(slotA.id)).toBe(2);
    expect(await bookedCount(slotB.id)).toBe(1);
    expect((await t.app.store.activeBooking(mover.programId))?.slotId).toBe(slotB.id);

    const { won, lost, codes } = await rush(waiting, slotA.id);
    expect(won).toHaveLength(1);
    expect(codes).toEqual(Array(6).fill('slotFull'));
    expect(await bookedCount(slotA.id)).toBe(3);
    expect(await seatedOn(slotA.id)).toBe(3);
    expect(await seatedOn(slotB.id)).toBe(1);
    booked = [...booked.slice(1), ...won];
    waiting = lost;
  });

  it('frees the seat when a booking is cancelled, for exactly one of those waiting', async () => {
    const leaver = booked[0]!;
    const status = await service.cancelSession(leaver.admin, leaver.programId);
    expect(status.state).toBe('approved.awaitingSession');
    expect(await t.app.store.activeBooking(leaver.programId)).toBeNull();
    expect(await bookedCount(slotA.id)).toBe(2);

    const { won, codes } = await rush([...waiting, leaver], slotA.id);
    expect(won).toHaveLength(1);
    expect(codes).toEqual(Array(6).fill('slotFull'));
    expect(await bookedCount(slotA.id)).toBe(3);
    expect(await seatedOn(slotA.id)).toBe(3);
  });
});
