import { afterAll, beforeAll, describe, expect, it, test } from 'vitest';
import { createLinkSigner } from '../../src/core/link-tokens.ts';
import { OnboardingService, type Actor, type DecisionInput, type DecisionResult } from '../../src/core/onboarding-service.ts';
import type { RunningApp } from '../../src/app.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { onPostgres } from '../helpers/db.ts';
import { startInstance } from '../helpers/instances.ts';
import { mailKind, mailsTo, newAdmin, submittedOrganization } from '../helpers/journey.ts';
import { pausingStore } from '../helpers/pausing-store.ts';

/**
 * Staff decisions are recorded exactly once, however many staff click at the same moment
 * and however many instances of the assistant serve them: one decision stands, everyone
 * else is told who decided what, and only that decision's effects (one audit event, one
 * email, one notification) happen.
 */

const STAFF = ['staff-1', 'staff-2', 'staff-3', 'staff-4'] as const;
const ENV = { STAFF_IDS: STAFF.map((s) => `test:${s}`).join(',') };
const OUTCOMES = ['approved', 'rejected', 'changesRequested'] as const;
const EMAIL_OF: Record<(typeof OUTCOMES)[number], string> = {
  approved: 'organizationApproved',
  rejected: 'organizationRejected',
  changesRequested: 'organizationChangesRequested',
};
const CALLS = 20;

describe('concurrent staff decisions', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(ENV);
  });
  afterAll(async () => t?.close());

  /** The staff of every instance, identified through that instance (same people in one database). */
  async function staffOf(service: OnboardingService): Promise<Actor[]> {
    const actors: Actor[] = [];
    for (const id of STAFF) actors.push(await service.identify({ channel: 'test', externalId: id, displayName: `Staff ${id}` }));
    return actors;
  }

  /**
   * Submits an organization through the first instance, then fires CALLS decisions at it,
   * spread over the instances, staff and outcomes, and checks that exactly one stands.
   */
  async function race(apps: RunningApp[]) {
    const first = apps[0]!;
    const admin = await newAdmin(first.service);
    const org = await submittedOrganization(first.service, admin);
    const staffByApp = await Promise.all(apps.map((a) => staffOf(a.service)));

    const calls = Array.from({ length: CALLS }, (_, i) => {
      const outcome = OUTCOMES[i % OUTCOMES.length]!;
      const input: DecisionInput = { submissionId: org.submissionId, outcome, ...(outcome === 'approved' ? {} : { reason: `Reason number ${i}` }) };
      const app = apps[i % apps.length]!;
      const actor = staffByApp[i % apps.length]![Math.floor(i / apps.length) % STAFF.length]!;
      return { app, actor, input };
    });
    const settled = await Promise.allSettled(calls.map((c) => c.app.service.decide(c.actor, c.input)));

    // Nobody is told anything but "done" or "already decided" (no wrongState, no busy, no crash).
    const failures = settled.flatMap((s) => (s.status === 'rejected' ? [String(s.reason)] : []));
    expect(failures).toEqual([]);
    const results = settled.map((s) => (s as PromiseFulfilledResult<DecisionResult>).value);

    const winners = results.flatMap((r, i) => (r.ok ? [{ r, call: calls[i]! }] : []));
    expect(winners).toHaveLength(1);
    const { r: won, call } = winners[0]!;
    const decision = won.decision;
    expect(decision.decidedBy).toBe(call.actor.personId);
    expect(decision.outcome).toBe(call.input.outcome);
    expect(decision.reason).toBe(call.input.reason ?? null);
    for (const r of results.filter((x) => !x.ok)) {
      expect(r).toMatchObject({
        ok: false,
        code: 'alreadyDecided',
        decision: { id: decision.id, decidedBy: decision.decidedBy, deciderName: decision.deciderName, outcome: decision.outcome },
      });
    }
    expect(results.filter((x) => !x.ok)).toHaveLength(CALLS - 1);

    // One Decision row (the store keeps at most one per submission; it is the winner's).
    expect(await first.store.getDecision(org.submissionId)).toMatchObject({ id: decision.id, outcome: decision.outcome, decidedBy: decision.decidedBy });

    // One audit event for the decision, by the winner; nothing refused.
    const history = await first.store.history([org.organizationId, org.submissionId], 100);
    const decided = history.filter((h) => h.action.startsWith('staff.'));
    expect(decided).toHaveLength(1);
    expect(decided[0]).toMatchObject({ action: `staff.${decision.outcome}`, actorId: decision.decidedBy, fromState: 'submitted' });
    expect(history.filter((h) => h.action === 'decision.refused')).toEqual([]);
    const status = won.ok ? won.entity.state : '';
    expect((await first.service.status(call.actor, org.legalName))[0]?.state).toBe(status);

    // Exactly the outbox rows one decision causes: one email of the outcome's kind, one
    // notification to the administrator (besides the staff notification of the submission).
    const emails = (await first.store.outboxMessages({ kind: 'email' })).filter((m) => (m.payload.message as { to?: string }).to === org.adminEmail);
    expect(emails.map((m) => (m.payload.message as { kind?: string }).kind)).toEqual([EMAIL_OF[call.input.outcome]]);
    const notes = (await first.store.outboxMessages({ kind: 'notification' })).filter((m) => m.payload.entityId === org.organizationId);
    expect(notes.map((m) => `${String(m.payload.audience)}:${String(m.payload.about)}`).sort()).toEqual(['person:' + call.input.outcome, 'staff:submitted'].sort());

    // And the SMTP server receives that one email, once.
    await expect.poll(async () => (await first.store.outboxMessages({ kind: 'email' })).find((m) => m.id === emails[0]!.id)?.status, { timeout: 10_000 }).toBe('sent');
    expect(mailsTo(t.smtp, org.adminEmail).map(mailKind)).toEqual([EMAIL_OF[call.input.outcome]]);
  }

  it('records one decision out of 20 simultaneous ones, three times over', async () => {
    for (let round = 0; round < 3; round++) await race([t.app]);
  });

  test.runIf(onPostgres)('records one decision when the clicks reach two instances on one database', async () => {
    const second = await startInstance(t.db, { smtpUrl: t.smtp.url, env: ENV });
    try {
      for (let round = 0; round < 3; round++) await race([t.app, second]);
    } finally {
      await second.stop();
    }
  });

  /**
   * The same race, made exact: one decision is stopped after each of its reads in turn
   * (the submission, the decision, the workflow…), another staff member's decision commits
   * right there, then the first goes on. Whatever it had read, it must answer
   * "already decided" with the other's decision — never a wrong-state error or a second
   * decision. PostgreSQL only: PGlite runs one transaction at a time, so the second
   * decision could not commit while the first is open.
   */
  test.runIf(onPostgres)('answers "already decided" when another decision commits at any point of a decision', async () => {
    const service = t.app.service;
    const [sam, pat] = await staffOf(service);
    const admin = await newAdmin(service);
    let points = 0;
    for (let n = 1; n <= 20; n++) {
      const org = await submittedOrganization(service, admin);
      const gated = pausingStore(t.app.store, n);
      const slow = new OnboardingService({
        store: gated.store,
        publicUrl: 'http://127.0.0.1:0',
        signer: createLinkSigner('a-test-secret-that-is-long-enough-0123456789'),
        linkTtlMs: 86_400_000,
        staffIds: STAFF.map((s) => `test:${s}`),
        supportIds: [],
      });
      const first = slow.decide(sam!, { submissionId: org.submissionId, outcome: 'approved' });
      const reached = await Promise.race([gated.paused.then(() => true), first.then(() => false, () => false)]);
      if (!reached) {
        // Fewer than n reads before the first write: every point has been tried.
        await expect(first).resolves.toMatchObject({ ok: true });
        break;
      }
      points += 1;
      const second = await service.decide(pat!, { submissionId: org.submissionId, outcome: 'rejected', reason: `Rejected while paused at read ${n}` });
      expect(second.ok).toBe(true);
      gated.release();
      await expect(first, `paused after read ${n}`).resolves.toMatchObject({
        ok: false,
        code: 'alreadyDecided',
        decision: { decidedBy: pat!.personId, deciderName: 'Staff staff-2', outcome: 'rejected' },
      });
      const history = await t.app.store.history([org.organizationId], 50);
      expect(history.filter((h) => h.action.startsWith('staff.')).map((h) => h.action)).toEqual(['staff.rejected']);
    }
    expect(points).toBeGreaterThanOrEqual(3);
  });
});
