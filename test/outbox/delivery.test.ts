import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.ts';
import { OutboxWorker, type OutboxHandler, type OutboxWorkerOptions } from '../../src/core/outbox-worker.ts';
import { emailHandler } from '../../src/mail/deliver.ts';
import type { OrganizationRejectedEmail } from '../../src/mail/messages.ts';
import { createSmtpTransport, parseMailFrom } from '../../src/mail/transport.ts';
import type { JsonObject, OnboardingStore, OutboxRecord } from '../../src/store/store.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { createTestDatabase, onPostgres } from '../helpers/db.ts';
import { startInstance } from '../helpers/instances.ts';
import { mailKind, mailsTo, newAdmin, staffMember, submittedOrganization } from '../helpers/journey.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp.ts';

/**
 * The outbox delivers every email exactly once to a real SMTP server on loopback: through
 * temporary failures, with two workers (and two instances) draining it together, after a
 * worker died holding a lease, and across a restart; a mail that never goes through ends
 * up `dead` instead of being retried forever.
 *
 * The app runs with its own worker off; each test drives its own `OutboxWorker`, most with
 * an injected clock so that backoff and lease expiry need no sleeping.
 */

const FROM = 'Mentor Connector <noreply@mentor.example.org>';

/** A worker delivering `email` rows to `smtpUrl`; `wrap` sees every delivery. */
function mailWorker(store: OnboardingStore, smtpUrl: string, options: Partial<OutboxWorkerOptions> & { wrap?: (deliver: OutboxHandler) => OutboxHandler } = {}) {
  const transport = createSmtpTransport(smtpUrl);
  const deliver = emailHandler({ transport, from: parseMailFrom(FROM) });
  const { wrap, ...rest } = options;
  const worker = new OutboxWorker({ store, handlers: { email: wrap ? wrap(deliver) : deliver }, backoffMs: () => 10, pollMs: 10, ...rest });
  return {
    worker,
    async close() {
      await worker.stop();
      await transport.close();
    },
  };
}

/** A clock that stands still until the test moves it. */
function manualClock(start = Date.now()) {
  let now = start;
  return { now: () => new Date(now), advance: (ms: number) => (now += ms), at: () => now };
}

/** Queues an email directly, as a command's transaction would. */
async function queueEmail(store: OnboardingStore, to: string, organizationName = 'Northern Lights Mentoring'): Promise<string> {
  const id = randomUUID();
  const message: OrganizationRejectedEmail = { kind: 'organizationRejected', to, lang: 'en', recipientName: 'Alex', organizationName, reason: 'Outside the network.' };
  await store.transaction((tx) => tx.enqueue({ id, kind: 'email', dedupeKey: `test:${id}`, nextAttemptAt: new Date(), payload: { message: message as unknown as JsonObject } }));
  return id;
}

async function row(store: OnboardingStore, id: string): Promise<OutboxRecord> {
  const found = (await store.outboxMessages({ kind: 'email' })).find((m) => m.id === id);
  if (!found) throw new Error(`no outbox row ${id}`);
  return found;
}

describe('outbox email delivery', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    t = await startTestApp({ OUTBOX_WORKER: 'false' });
  });
  afterAll(async () => t?.close());

  // Each test gets its own SMTP server, so counts start at zero.
  async function withSmtp(fn: () => Promise<void>) {
    smtp = await startSmtpServer();
    try {
      await fn();
    } finally {
      await smtp.close();
    }
  }

  it('delivers once after temporary SMTP failures, recording the attempts', () =>
    withSmtp(async () => {
      const service = t.app.service;
      const org = await submittedOrganization(service, await newAdmin(service));
      const decided = await service.decide(await staffMember(service), { submissionId: org.submissionId, outcome: 'rejected', reason: 'Outside the network.' });
      expect(decided.ok).toBe(true);
      const [queued] = (await t.app.store.outboxMessages({ kind: 'email', status: 'pending' })).filter((m) => (m.payload.message as { to?: string }).to === org.adminEmail);
      expect(queued).toBeDefined();
      const id = queued!.id;

      const clock = manualClock();
      const { worker, close } = mailWorker(t.app.store, smtp.url, { clock: clock.now });
      try {
        smtp.failNext(2);
        expect(await worker.runOnce()).toBe(1);
        expect(await row(t.app.store, id)).toMatchObject({ status: 'pending', attempts: 1, lastError: expect.stringMatching(/451|Temporary/) });
        // Not due again until the backoff has passed.
        expect(await worker.runOnce()).toBe(0);
        clock.advance(1000);
        expect(await worker.runOnce()).toBe(1);
        expect(await row(t.app.store, id)).toMatchObject({ status: 'pending', attempts: 2, lastError: expect.stringMatching(/451|Temporary/) });
        clock.advance(1000);
        expect(await worker.runOnce()).toBe(1);
        expect(await row(t.app.store, id)).toMatchObject({ status: 'sent', attempts: 3, lastError: null, sentAt: new Date(clock.at()) });
        clock.advance(3_600_000);
        expect(await worker.runOnce()).toBe(0);
      } finally {
        await close();
      }
      expect(smtp.messages).toHaveLength(1);
      expect(mailsTo(smtp, org.adminEmail).map(mailKind)).toEqual(['organizationRejected']);
      expect(smtp.messages[0]?.messageId).toBe(`<${id}@onboarding-assistant>`);
    }));

  it('lets two workers drain 30 emails together, each delivered exactly once', () =>
    withSmtp(async () => {
      // On PostgreSQL the second worker is in another instance, with its own connection pool.
      let second: RunningApp | undefined;
      if (onPostgres) second = await startInstance(t.db, { env: { OUTBOX_WORKER: 'false' } });
      const ids = await Promise.all(Array.from({ length: 30 }, (_, i) => queueEmail(t.app.store, `drain-${i}@example.org`, `Organization ${i}`)));

      const handled = new Map<string, string[]>();
      const record = (worker: string, id: string) => handled.set(id, [...(handled.get(id) ?? []), worker]);
      // Worker A holds its first batch until B has delivered a mail, so both certainly work
      // at the same time: B must find rows A has not leased.
      let bDelivered!: () => void;
      const bFirst = new Promise<void>((resolve) => (bDelivered = resolve));
      let aHeld = false;
      const a = mailWorker(t.app.store, smtp.url, {
        workerId: 'worker-a',
        batchSize: 4,
        wrap: (deliver) => async (m) => {
          if (!aHeld) {
            aHeld = true;
            await bFirst;
          }
          const out = await deliver(m);
          record('a', m.id);
          return out;
        },
      });
      const b = mailWorker(second?.store ?? t.app.store, smtp.url, {
        workerId: 'worker-b',
        batchSize: 4,
        wrap: (deliver) => async (m) => {
          const out = await deliver(m);
          record('b', m.id);
          bDelivered();
          return out;
        },
      });
      try {
        a.worker.start();
        b.worker.start();
        await smtp.waitFor(30, 15_000);
        await expect.poll(async () => (await t.app.store.outboxMessages({ kind: 'email', status: 'sent' })).filter((m) => ids.includes(m.id)).length, { timeout: 10_000 }).toBe(30);
      } finally {
        bDelivered();
        await a.close();
        await b.close();
        await second?.stop();
      }
      expect(await a.worker.runOnce()).toBe(0);
      expect(smtp.messages).toHaveLength(30);
      const messageIds = smtp.messages.map((m) => m.messageId);
      expect(new Set(messageIds).size).toBe(30);
      expect([...messageIds].sort()).toEqual(ids.map((id) => `<${id}@onboarding-assistant>`).sort());
      expect([...handled.values()].filter((by) => by.length !== 1)).toEqual([]);
      const byWorker = [...handled.values()].flat();
      expect(byWorker).toContain('a');
      expect(byWorker).toContain('b');
      for (let i = 0; i < 30; i++) expect(mailsTo(smtp, `drain-${i}@example.org`), `mail ${i}`).toHaveLength(1);
    }));

  it('delivers a mail whose worker died holding the lease, once the lease has expired', () =>
    withSmtp(async () => {
      const id = await queueEmail(t.app.store, 'orphan@example.org');
      const clock = manualClock();
      const start = clock.at();
      // A worker takes the mail for 60 s and dies before sending it.
      const claimed = await t.app.store.claimOutbox({ now: new Date(start), limit: 10, workerId: 'crashed-worker', leaseUntil: new Date(start + 60_000), kinds: ['email'] });
      expect(claimed.map((m) => m.id)).toEqual([id]);

      const { worker, close } = mailWorker(t.app.store, smtp.url, { clock: clock.now, workerId: 'survivor' });
      try {
        clock.advance(30_000);
        expect(await worker.runOnce()).toBe(0); // still leased
        expect(smtp.messages).toHaveLength(0);
        clock.advance(31_000);
        expect(await worker.runOnce()).toBe(1);
        expect(await row(t.app.store, id)).toMatchObject({ status: 'sent', attempts: 2, lastError: null });

        // The dead worker coming back cannot touch the row any more.
        await t.app.store.failOutbox(id, 'crashed-worker', 'woke up late', new Date(clock.at()));
        await t.app.store.completeOutbox(id, 'crashed-worker', new Date(clock.at() + 1), { message: 'overwritten' });
        expect(await row(t.app.store, id)).toMatchObject({ status: 'sent', attempts: 2, lastError: null, sentAt: new Date(start + 61_000) });
        clock.advance(3_600_000);
        expect(await worker.runOnce()).toBe(0);
      } finally {
        await close();
      }
      expect(mailsTo(smtp, 'orphan@example.org')).toHaveLength(1);
      expect(smtp.messages).toHaveLength(1);
    }));

  it('gives up on a mail that keeps failing: it becomes dead after maxAttempts and is never sent', () =>
    withSmtp(async () => {
      const id = await queueEmail(t.app.store, 'unlucky@example.org');
      const clock = manualClock();
      const { worker, close } = mailWorker(t.app.store, smtp.url, { clock: clock.now, maxAttempts: 3 });
      try {
        smtp.failNext(1000);
        for (let attempt = 1; attempt <= 3; attempt++) {
          expect(await worker.runOnce()).toBe(1);
          expect(await row(t.app.store, id)).toMatchObject({ attempts: attempt, status: attempt < 3 ? 'pending' : 'dead', lastError: expect.stringMatching(/451|Temporary/) });
          clock.advance(60_000);
        }
        // The SMTP server recovers; the dead mail stays dead.
        smtp.failNext(0);
        clock.advance(24 * 3_600_000);
        expect(await worker.runOnce()).toBe(0);
        expect(await row(t.app.store, id)).toMatchObject({ status: 'dead', attempts: 3, sentAt: null });
      } finally {
        await close();
      }
      expect(smtp.messages).toHaveLength(0);
    }));
});

describe('outbox across a restart', () => {
  it('delivers, once, mail queued by an instance that stopped before sending it', async () => {
    const db = await createTestDatabase();
    const smtp = await startSmtpServer();
    let first: RunningApp | undefined;
    let second: RunningApp | undefined;
    try {
      first = await startInstance(db, { smtpUrl: smtp.url, env: { OUTBOX_WORKER: 'false' } });
      const org = await submittedOrganization(first.service, await newAdmin(first.service));
      const decided = await first.service.decide(await staffMember(first.service), { submissionId: org.submissionId, outcome: 'rejected', reason: 'Outside the network.' });
      expect(decided.ok).toBe(true);
      const [queued] = await first.store.outboxMessages({ kind: 'email' });
      expect(queued).toMatchObject({ status: 'pending', attempts: 0 });
      await first.stop();
      first = undefined;
      expect(smtp.messages).toHaveLength(0);

      // Same database (on PGlite: the same data folder), worker on.
      second = await startInstance(db, { smtpUrl: smtp.url });
      await smtp.waitFor(1, 10_000);
      await expect.poll(async () => (await second!.store.outboxMessages({ kind: 'email' })).map((m) => m.status), { timeout: 10_000 }).toEqual(['sent']);
      await second.worker.stop();
      expect(await second.worker.runOnce()).toBe(0);
      expect(smtp.messages).toHaveLength(1);
      expect(mailsTo(smtp, org.adminEmail).map(mailKind)).toEqual(['organizationRejected']);
      expect(smtp.messages[0]?.messageId).toBe(`<${queued!.id}@onboarding-assistant>`);
    } finally {
      await first?.stop();
      await second?.stop();
      await smtp.close();
      await db.drop();
    }
  });
});
