import { randomUUID } from 'node:crypto';
import type { Actor, OnboardingService } from '../../src/core/onboarding-service.ts';
import { OutboxWorker } from '../../src/core/outbox-worker.ts';
import { reminderHandler, type ReminderHandlerOptions } from '../../src/core/reminders.ts';
import type { Lang } from '../../src/domain/lang.ts';
import type { EmailMessage } from '../../src/mail/messages.ts';
import type { JsonObject, OutboxRecord } from '../../src/store/store.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { approvedProgram, staffMember } from '../helpers/journey.ts';
import { makeAccessRequestAnswers } from '../forms/fixtures.ts';
import { fillForm } from '../helpers/journey.ts';

/**
 * The real app on a clock the test moves (it keeps ticking in between, so events stay
 * ordered), with the app's own worker delivering emails and notifications, and a
 * reminder worker the test runs by hand (`drain`) after moving the clock. Nothing
 * sleeps: "three days later" is `clock.set(...)`.
 */

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const MINUTE = 60_000;

export type TestClock = { now: () => Date; set: (at: Date | string | number) => void; advance: (ms: number) => void };

export function movingClock(start: Date | string | number): TestClock {
  let offset = new Date(start).getTime() - Date.now();
  return {
    now: () => new Date(Date.now() + offset),
    set: (at) => {
      const target = new Date(at).getTime();
      if (target < Date.now() + offset) throw new Error('the test clock only moves forward');
      offset = target - Date.now();
    },
    advance: (ms) => {
      offset += ms;
    },
  };
}

export type ReminderApp = {
  t: TestApp;
  service: OnboardingService;
  clock: TestClock;
  /** Handles every reminder row due now (and the ones they make due now). */
  drain(): Promise<void>;
  /** Person nudges (notification rows `about: 'reminder'`) about an entity, oldest first. */
  nudges(entityId: string, reminder?: string): Promise<JsonObject[]>;
  staffNudges(entityId: string): Promise<JsonObject[]>;
  /** Reminder rows about an entity. */
  reminders(entityId: string, reminder?: string): Promise<OutboxRecord[]>;
  /** Emails queued to an address, as messages. */
  emails(to: string, kind?: EmailMessage['kind']): Promise<EmailMessage[]>;
  close(): Promise<void>;
};

export async function startReminderApp(start: Date | string, options: Partial<Omit<ReminderHandlerOptions, 'store' | 'actions' | 'clock'>> = {}): Promise<ReminderApp> {
  const clock = movingClock(start);
  const t = await startTestApp({}, { clock: clock.now });
  const store = t.app.store;
  const worker = new OutboxWorker({
    store,
    clock: clock.now,
    workerId: 'test-reminders',
    handlers: { reminder: reminderHandler({ store, actions: t.app.service, clock: clock.now, ...options }) },
    backoffMs: () => 1000,
    onError: (m, e) => console.warn(`[reminders test] ${m.dedupeKey}: ${e instanceof Error ? e.message : String(e)}`),
  });
  const rows = (kind: string) => store.outboxMessages({ kind });
  return {
    t,
    service: t.app.service,
    clock,
    async drain() {
      // The app's own worker also handles reminder rows (same clock): wait for both to be
      // idle, including a batch the app's worker is in the middle of.
      for (;;) {
        const mine = await worker.runOnce();
        const apps = await t.app.worker.runOnce();
        if (mine === 0 && apps === 0) break;
      }
    },
    async nudges(entityId, reminder) {
      return (await rows('notification'))
        .map((r) => r.payload)
        .filter((p) => p['audience'] === 'person' && p['about'] === 'reminder' && p['entityId'] === entityId && (!reminder || p['reminder'] === reminder));
    },
    async staffNudges(entityId) {
      return (await rows('notification')).map((r) => r.payload).filter((p) => p['audience'] === 'staff' && p['about'] === 'reminder' && p['entityId'] === entityId);
    },
    async reminders(entityId, reminder) {
      return (await rows('reminder')).filter((r) => r.payload['entityId'] === entityId && (!reminder || r.payload['reminder'] === reminder));
    },
    async emails(to, kind) {
      return (await rows('email'))
        .map((r) => r.payload['message'] as unknown as EmailMessage)
        .filter((m) => m.to.toLowerCase() === to.toLowerCase() && (!kind || m.kind === kind));
    },
    async close() {
      await worker.stop();
      await t.close();
    },
  };
}

/** An administrator known by a test identity, with an email address and a time zone. */
export function newPerson(service: OnboardingService, options: { timeZone?: string; lang?: Lang } = {}): Promise<Actor & { email: string }> {
  const id = randomUUID().slice(0, 8);
  const email = `person-${id}@example.org`;
  return service
    .identify({ channel: 'test', externalId: `admin-${id}`, displayName: `Admin ${id}`, email, lang: options.lang ?? 'en', timeZone: options.timeZone ?? 'America/Toronto' })
    .then((actor) => ({ ...actor, email }));
}

/** A program through step 3: approved, a session booked, access requested and granted by staff. */
export async function grantedProgram(app: ReminderApp, admin: Actor, organizationId: string): Promise<{ programId: string; name: string; platformEmail: string }> {
  const { service, t } = app;
  const platformEmail = `platform-${randomUUID().slice(0, 8)}@example.org`;
  const program = await approvedProgram(t, admin, organizationId, { programAdminEmail: platformEmail });
  const staff = await staffMember(service);
  const slot = await service.publishSlot(staff, {
    startsAt: new Date(service.now().getTime() + 2 * DAY), timeZone: 'America/Toronto', durationMinutes: 60, language: 'en', capacity: 10, videoUrl: 'https://meet.example.org/granted',
  });
  await service.bookSession(admin, program.programId, slot.id);
  const opened = await service.startAccessRequest(admin, program.programId);
  if (!opened.ok) throw new Error(`access gate closed: ${JSON.stringify(opened.missing)}`);
  const ref = { formId: 'accessRequest' as const, entityId: program.programId };
  const launchDate = new Date(service.now().getTime() + 30 * DAY).toISOString().slice(0, 10);
  await fillForm(service, admin, ref, makeAccessRequestAnswers({ programId: program.programId, launchDate, platformAdminEmail: platformEmail }));
  const request = await service.submit(admin, ref);
  if (!request.ok || !('submissionId' in request)) throw new Error(`access not requested: ${JSON.stringify(request)}`);
  const decided = await service.decide(staff, { submissionId: request.submissionId, outcome: 'approved' });
  if (!decided.ok) throw new Error('access not granted');
  return { ...program, platformEmail };
}
