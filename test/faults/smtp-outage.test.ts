import { afterAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { startInstance } from '../helpers/instances.ts';
import { mailKind, mailsTo, newAdmin, staffMember, submittedOrganization, type SubmittedOrganization } from '../helpers/journey.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp.ts';
import { freePort } from './child-app.ts';

/**
 * The SMTP server is down (nothing listens: connection refused) while staff decide, for
 * what the app's clock counts as an hour; then it is back on the same port. Every email
 * is delivered late, none lost, none twice; the decisions themselves never waited for the
 * mail. The clock is injected: retries come due without sleeping.
 */
describe('SMTP server down for a while, then back', () => {
  let db: TestDatabase | undefined;
  let app: RunningApp | undefined;
  let smtp: TestSmtpServer | undefined;
  afterAll(async () => {
    await app?.stop();
    await smtp?.close();
    await db?.drop();
  });

  it('delivers every email once it is back, none lost, none twice', async () => {
    db = await createTestDatabase();
    const port = await freePort();
    let now = Date.now();
    app = await startInstance(db, { smtpUrl: `smtp://127.0.0.1:${port}`, overrides: { clock: () => new Date(now), outboxPollMs: 50 } });
    const emails = async () => app!.store.outboxMessages({ kind: 'email' });

    // Eight decisions while the server is down: each is recorded at once.
    const staff = await staffMember(app.service);
    const orgs: SubmittedOrganization[] = [];
    for (let i = 0; i < 8; i++) {
      const org = await submittedOrganization(app.service, await newAdmin(app.service));
      expect((await app.service.decide(staff, { submissionId: org.submissionId, outcome: i % 2 ? 'rejected' : 'approved', reason: 'Outside the network.' })).ok).toBe(true);
      orgs.push(org);
    }

    // Each mail is tried, fails, and is tried again later (backoff), for an hour of the clock.

    await expect.poll(async () => (await emails()).every((m) => m.attempts > 0 && m.status === 'pending'), { timeout: 10_000 }).toBe(true);
    for (let minute = 0; minute < 60; minute += 5) {
      now += 5 * 60_000;
      // Twice: a run the poller had started before the clock moved claims nothing new.
      await app.worker.runOnce();
      await app.worker.runOnce();
    }
    const failed = await emails();
    const attempts = failed.reduce((n, m) => n + m.attempts, 0);
    expect(failed.map((m) => [m.status, m.attempts >= 5, m.lastError])).toEqual(failed.map(() => ['pending', true, expect.stringMatching(/ECONNREFUSED|connect/i)]));

    // Back on the same port; the next attempts deliver everything.
    smtp = await startSmtpServer({ port });
    now += 30 * 60_000;
    app.worker.kick();
    await smtp.waitFor(orgs.length, 15_000);
    await expect.poll(async () => (await emails()).map((m) => m.status), { timeout: 10_000 }).toEqual(orgs.map(() => 'sent'));
    // And nothing more after a while.
    now += 24 * 3_600_000;
    expect(await app.worker.runOnce()).toBe(0);

    for (const [i, org] of orgs.entries()) {
      expect(mailsTo(smtp, org.adminEmail).map(mailKind)).toEqual([i % 2 ? 'organizationRejected' : 'organizationApproved']);
    }
    const ids = smtp.messages.map((m) => m.messageId);
    expect(new Set(ids).size).toBe(orgs.length);
    console.log(`SMTP outage: ${orgs.length} emails queued while down, ${attempts} failed attempts over an hour, ${smtp.messages.length} delivered after it came back, ${orgs.length - new Set(ids).size} lost, ${ids.length - new Set(ids).size} duplicated`);
  }, 60_000);
});
