import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.ts';
import { OutboxWorker, type OutboxHandler } from '../../src/core/outbox-worker.ts';
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
 * Reminders are rows, so two workers (on PostgreSQL: two instances with their own
 * connection pools) share them like any outbox row: each reminder acts exactly once. A
 * worker whose lease ran out and was taken over cannot act on the row any more.
 */

const T0 = new Date('2026-01-14T14:00:00Z');

describe('reminders with two workers', () => {
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

  function worker(store: OnboardingStore, service: RunningApp['service'], workerId: string, wrap: (h: OutboxHandler) => OutboxHandler) {
    const transport = createSmtpTransport(t.smtp.url);
    const w = new OutboxWorker({
      store,
      clock: clock.now,
      workerId,
      pollMs: 10,
      batchSize: 3,
      handlers: {
        reminder: wrap(reminderHandler({ store, actions: service, clock: clock.now })),
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

  it('nudges each of 12 idle drafts exactly once, the rows shared by two workers', async () => {
    const { service, store } = t.app;
    const people = await Promise.all(Array.from({ length: 12 }, () => newPerson(service)));
    const drafts = await Promise.all(people.map(async (p) => ({ person: p, entityId: (await service.startOrganization(p)).entityId })));
    clock.set(new Date(T0.getTime() + 3 * DAY + MINUTE));

    const sentBy = new Map<string, string[]>();
    let bFirst!: () => void;
    const bStarted = new Promise<void>((resolve) => (bFirst = resolve));
    let aHeld = false;
    const a = worker(store, service, 'worker-a', (h) => async (row, ctx) => {
      if (!aHeld) {
        aHeld = true;
        await bStarted; // A holds its first batch until B has handled a row
      }
      const out = await h(row, ctx);
      if ((out as { outcome?: string } | undefined)?.outcome === 'sent') sentBy.set(row.id, [...(sentBy.get(row.id) ?? []), 'a']);
      return out;
    });
    const b = worker(second?.store ?? store, second?.service ?? service, 'worker-b', (h) => async (row, ctx) => {
      const out = await h(row, ctx);
      if ((out as { outcome?: string } | undefined)?.outcome === 'sent') sentBy.set(row.id, [...(sentBy.get(row.id) ?? []), 'b']);
      bFirst();
      return out;
    });
    try {
      a.worker.start();
      b.worker.start();
      await expect
        .poll(async () => (await store.outboxMessages({ kind: 'reminder', status: 'sent' })).filter((r) => r.payload['nudge'] === 1).length, { timeout: 20_000 })
        .toBe(12);
      await t.smtp.waitFor(12, 20_000);
    } finally {
      bFirst();
      await a.close();
      await b.close();
    }

    expect([...sentBy.values()].filter((by) => by.length !== 1)).toEqual([]);
    expect(sentBy.size).toBe(12);
    const byWorker = [...sentBy.values()].flat();
    expect(byWorker).toContain('a');
    expect(byWorker).toContain('b');
    const nudges = (await store.outboxMessages({ kind: 'notification' })).filter((n) => n.payload['about'] === 'reminder');
    expect(nudges.map((n) => n.payload['entityId']).sort()).toEqual(drafts.map((d) => d.entityId).sort());
    for (const d of drafts) expect(mailsTo(t.smtp, d.person.email).map(mailKind)).toEqual(['draftReminder']);
    expect(t.smtp.messages).toHaveLength(12);
    // The second nudges are queued once each, 3 days on.
    const next = (await store.outboxMessages({ kind: 'reminder', status: 'pending' })).filter((r) => r.payload['nudge'] === 2);
    expect(next).toHaveLength(12);
  });

});

describe('a reminder whose worker stalled', () => {
  let t: TestApp;
  const clock = movingClock(T0);
  beforeAll(async () => {
    t = await startTestApp({ OUTBOX_WORKER: 'false' }, { clock: clock.now });
  });
  afterAll(async () => t?.close());

  it('does not let a worker whose lease was taken over act on the row', async () => {
    const { service, store } = t.app;
    const person = await newPerson(service);
    const { entityId } = await service.startOrganization(person);
    clock.set(new Date(clock.now().getTime() + 3 * DAY + MINUTE));
    const [row] = (await store.outboxMessages({ kind: 'reminder', status: 'pending' })).filter((r) => r.payload['entityId'] === entityId);
    const now = clock.now();

    // A worker takes the row for 60 s and stalls; once the lease is over, another one handles it.
    const [stalled] = await store.claimOutbox({ now, limit: 1, workerId: 'stalled', leaseUntil: new Date(now.getTime() + 60_000), kinds: ['reminder'] });
    expect(stalled?.id).toBe(row!.id);
    clock.advance(61_000);
    const handler = reminderHandler({ store, actions: service, clock: clock.now });
    const survivor = new OutboxWorker({ store, clock: clock.now, workerId: 'survivor', handlers: { reminder: handler } });
    expect(await survivor.runOnce()).toBe(1);

    // The stalled worker wakes up and runs its handler: nothing happens twice.
    await expect(handler(stalled!, { workerId: 'stalled' })).rejects.toThrow(/taken over/);
    const nudges = (await store.outboxMessages({ kind: 'notification' })).filter((n) => n.payload['about'] === 'reminder' && n.payload['entityId'] === entityId);
    expect(nudges).toHaveLength(1);
    const rows = (await store.outboxMessages({ kind: 'reminder' })).filter((r) => r.payload['entityId'] === entityId);
    expect(rows.map((r) => [r.payload['nudge'], r.status])).toEqual([
      [1, 'sent'],
      [2, 'pending'],
    ]);
  });
});
