import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.ts';
import { OutboxWorker } from '../../src/core/outbox-worker.ts';
import { reminderHandler } from '../../src/core/reminders.ts';
import { emailHandler } from '../../src/mail/deliver.ts';
import { createSmtpTransport, parseMailFrom } from '../../src/mail/transport.ts';
import type { OnboardingStore } from '../../src/store/store.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { onPostgres } from '../helpers/db.ts';
import { startInstance } from '../helpers/instances.ts';
import { mailKind, mailsTo } from '../helpers/journey.ts';
import { DAY, MINUTE, movingClock, newPerson } from './harness.ts';

/**
 * Paused and resumed nudges are outbox rows like any other: with two workers (on
 * PostgreSQL: two instances, each with its own connection pool) and `resume reminders`
 * arriving at both instances at once, each person still gets exactly one nudge.
 */

const T0 = new Date('2026-01-14T14:00:00Z');

describe('resumed reminders with two workers', () => {
  let t: TestApp;
  let second: RunningApp | undefined;
  const clock = movingClock(T0);

  beforeAll(async () => {
    t = await startTestApp({ OUTBOX_WORKER: 'false' }, { clock: clock.now });
    if (onPostgres) second = await startInstance(t.db, { env: { OUTBOX_WORKER: 'false' }, overrides: { clock: clock.now } });
  });
  afterAll(async () => {
    await second?.stop();
    await t?.close();
  });

  function worker(store: OnboardingStore, service: RunningApp['service'], workerId: string) {
    const transport = createSmtpTransport(t.smtp.url);
    const w = new OutboxWorker({
      store,
      clock: clock.now,
      workerId,
      pollMs: 10,
      batchSize: 2,
      handlers: {
        reminder: reminderHandler({ store, actions: service, clock: clock.now }),
        email: emailHandler({ transport, from: parseMailFrom('Mentor Connector <noreply@mentor.example.org>') }),
        notification: async () => {},
      },
    });
    return {
      worker: w,
      async close() {
        await w.stop();
        await transport.close();
      },
    };
  }

  /** Both workers run until no reminder row is due. */
  async function runBoth(untilDone: () => Promise<boolean>): Promise<void> {
    const a = worker(t.app.store, t.app.service, 'worker-a');
    const b = worker(second?.store ?? t.app.store, second?.service ?? t.app.service, 'worker-b');
    try {
      a.worker.start();
      b.worker.start();
      await expect.poll(untilDone, { timeout: 20_000, interval: 50 }).toBe(true);
    } finally {
      await a.close();
      await b.close();
    }
  }

  it('sends each person exactly one nudge a day after resuming, however many workers and resumes', async () => {
    const { service, store } = t.app;
    const other = second?.service ?? service;
    const people = await Promise.all(Array.from({ length: 8 }, () => newPerson(service)));
    const drafts = await Promise.all(people.map(async (p) => (await service.startOrganization(p)).entityId));
    clock.set(new Date(T0.getTime() + DAY));
    await Promise.all(people.map((p, i) => (i % 2 ? other : service).stopReminders(p)));

    // Due while stopped: skipped by whichever worker takes it, and paused.
    clock.set(new Date(T0.getTime() + 3 * DAY + MINUTE));
    const reminders = () => store.outboxMessages({ kind: 'reminder' });
    await runBoth(async () => (await reminders()).filter((r) => r.payload['outcome'] === 'stopped').length === 8);
    expect((await reminders()).filter((r) => r.dedupeKey.startsWith('reminder:paused:') && r.status === 'pending')).toHaveLength(8);
    expect((await store.outboxMessages({ kind: 'notification' })).filter((n) => n.payload['about'] === 'reminder')).toEqual([]);

    // Everyone resumes on day 5, each twice at once (one request per instance).
    clock.set(new Date(T0.getTime() + 5 * DAY));
    await Promise.all(people.flatMap((p) => [service.resumeReminders(p), other.resumeReminders(p)]));
    for (const p of people) expect(await service.remindersStopped(p)).toBe(false);

    clock.set(new Date(T0.getTime() + 6 * DAY + MINUTE));
    // Until the nudges are handled and their emails delivered (the workers send those too).
    await runBoth(
      async () =>
        (await reminders()).filter((r) => r.dedupeKey.startsWith('reminder:paused:') && r.status === 'sent').length === 8 &&
        (await store.outboxMessages({ kind: 'email', status: 'pending' })).length === 0,
    );
    await t.smtp.waitFor(8, 20_000);

    const nudges = (await store.outboxMessages({ kind: 'notification' })).filter((n) => n.payload['about'] === 'reminder');
    expect(nudges.map((n) => n.payload['entityId']).sort()).toEqual([...drafts].sort());
    expect(nudges.every((n) => n.payload['nudge'] === 1)).toBe(true);
    for (const p of people) expect(mailsTo(t.smtp, p.email).map(mailKind)).toEqual(['draftReminder']);
    expect(t.smtp.messages).toHaveLength(8);
    // The chains go on once each: one second nudge queued per person.
    expect((await store.outboxMessages({ kind: 'reminder', status: 'pending' })).filter((r) => r.payload['nudge'] === 2)).toHaveLength(8);
  });
});
