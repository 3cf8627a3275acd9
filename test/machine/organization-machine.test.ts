import { describe, expect, expectTypeOf, it } from 'vitest';
import { createActor, initialTransition, transition, type Snapshot, type SnapshotFrom } from 'xstate';
import {
  ORGANIZATION_MACHINE_VERSION,
  organizationMachine,
  type OrganizationEvent,
  type OrganizationStateValue,
} from '../../src/machine/index.ts';
import {
  ADMIN,
  STAFF,
  actionsOf,
  at,
  org,
  organizationInput,
  organizationPaths,
  runOrganization,
} from './fixtures.ts';

const allEvents: OrganizationEvent[] = [
  org.submitted(),
  org.approved(),
  org.rejected(),
  org.changesRequested(),
  org.activated(),
  org.activationResent(),
  org.withdrew(),
];

describe('organizationMachine', () => {
  it('has a version and a typed state value', () => {
    expect(ORGANIZATION_MACHINE_VERSION).toBe(1);
    expectTypeOf<SnapshotFrom<typeof organizationMachine>['value']>().toEqualTypeOf<OrganizationStateValue>();
  });

  it('starts in draft with the input in context and no actions', () => {
    const [snapshot, actions] = initialTransition(organizationMachine, organizationInput());
    expect(snapshot.value).toBe('draft');
    expect(snapshot.context).toEqual({
      organizationId: 'org-1',
      submissionId: null,
      reason: null,
      decisionId: null,
      decidedBy: null,
      decidedAt: null,
      enteredAt: at(0),
      submissions: 0,
    });
    expect(actions).toEqual([]);
  });

  it('admin.submitted: draft → submitted, notifies staff', () => {
    const [next, actions] = transition(organizationMachine, runOrganization(), org.submitted({ at: at(7) }));
    expect(next.value).toBe('submitted');
    expect(next.context).toMatchObject({ submissionId: 'org-sub-1', submissions: 1, enteredAt: at(7) });
    expect(actionsOf(actions)).toEqual([{ type: 'notifyStaff', params: { about: 'submitted' } }]);
  });

  it('staff.approved: submitted → awaitingActivation, queues the activation email', () => {
    const [next, actions] = transition(organizationMachine, runOrganization(org.submitted()), org.approved());
    expect(next.value).toBe('awaitingActivation');
    expect(next.context).toMatchObject({
      decisionId: 'dec-1', decidedBy: STAFF, decidedAt: at(2), reason: null, enteredAt: at(2),
    });
    expect(actionsOf(actions)).toEqual([
      { type: 'queueActivationEmail' },
      { type: 'notifyAdmin', params: { about: 'approved' } },
    ]);
  });

  it('staff.rejected with a reason: submitted → rejected (final)', () => {
    const [next, actions] = transition(
      organizationMachine,
      runOrganization(org.submitted()),
      org.rejected({ reason: '  Outside Canada ' }),
    );
    expect(next.value).toBe('rejected');
    expect(next.status).toBe('done');
    expect(next.context).toMatchObject({ reason: 'Outside Canada', decidedBy: STAFF, decisionId: 'dec-1' });
    expect(actionsOf(actions)).toEqual([
      { type: 'queueDecisionEmail', params: { decision: 'rejected' } },
      { type: 'notifyAdmin', params: { about: 'rejected' } },
    ]);
  });

  it('staff.changesRequested with a reason: submitted → changesRequested', () => {
    const [next, actions] = transition(organizationMachine, runOrganization(org.submitted()), org.changesRequested());
    expect(next.value).toBe('changesRequested');
    expect(next.context.reason).toBe('Add the website');
    expect(actionsOf(actions)).toEqual([
      { type: 'queueDecisionEmail', params: { decision: 'changesRequested' } },
      { type: 'notifyAdmin', params: { about: 'changesRequested' } },
    ]);
  });

  it.each(['', '   '])('ignores rejection and change request with reason %j (hasReason)', (reason) => {
    const submitted = runOrganization(org.submitted());
    for (const event of [org.rejected({ reason }), org.changesRequested({ reason })]) {
      const [next, actions] = transition(organizationMachine, submitted, event);
      expect(next).toBe(submitted);
      expect(actions).toEqual([]);
    }
  });

  it('resubmission after changes: changesRequested → submitted, counts and clears the old decision', () => {
    const [next, actions] = transition(
      organizationMachine,
      runOrganization(...organizationPaths.changesRequested),
      org.submitted({ submissionId: 'org-sub-2', at: at(30) }),
    );
    expect(next.value).toBe('submitted');
    expect(next.context).toMatchObject({
      submissionId: 'org-sub-2', submissions: 2, reason: null, decisionId: null, decidedBy: null,
      decidedAt: null, enteredAt: at(30),
    });
    expect(actionsOf(actions)).toEqual([{ type: 'notifyStaff', params: { about: 'submitted' } }]);
  });

  it('support.activationResent: stays in awaitingActivation, enteredAt unchanged, queues the email again', () => {
    const waiting = runOrganization(...organizationPaths.awaitingActivation);
    const [next, actions] = transition(organizationMachine, waiting, org.activationResent({ at: at(50) }));
    expect(next.value).toBe('awaitingActivation');
    expect(next.context).toEqual(waiting.context);
    expect(actionsOf(actions)).toEqual([{ type: 'queueActivationEmail' }]);
  });

  it('admin.activated: awaitingActivation → active, which is not final and takes no events', () => {
    const [active, actions] = transition(
      organizationMachine,
      runOrganization(...organizationPaths.awaitingActivation),
      org.activated({ by: ADMIN, at: at(40) }),
    );
    expect(active.value).toBe('active');
    expect(active.status).toBe('active');
    expect(active.context.enteredAt).toBe(at(40));
    expect(actions).toEqual([]);
    for (const event of allEvents) expect(transition(organizationMachine, active, event)).toEqual([active, []]);
  });

  it.each([
    ['draft', []],
    ['submitted', [{ type: 'notifyStaff', params: { about: 'withdrawn' } }]],
    ['changesRequested', []],
    ['awaitingActivation', []],
  ] as const)('admin.withdrew from %s → withdrawn', (from, extra) => {
    const [next, actions] = transition(
      organizationMachine,
      runOrganization(...organizationPaths[from]),
      org.withdrew({ reason: 'Merged with another organization', at: at(60) }),
    );
    expect(next.value).toBe('withdrawn');
    expect(next.status).toBe('done');
    expect(next.context).toMatchObject({ reason: 'Merged with another organization', enteredAt: at(60) });
    expect(actionsOf(actions)).toEqual([{ type: 'recordWithdrawal' }, ...extra]);
  });

  it('admin.withdrew without a reason records reason null', () => {
    const [next] = transition(organizationMachine, runOrganization(), org.withdrew());
    expect(next.context.reason).toBeNull();
  });

  it.each(['rejected', 'withdrawn'] as const)('final state %s ignores every event', (state) => {
    const done = runOrganization(...organizationPaths[state]);
    for (const event of allEvents) expect(transition(organizationMachine, done, event)).toEqual([done, []]);
  });

  it('runs the implementations the host provides, with params, in a restored actor', () => {
    const calls: string[] = [];
    const hosted = organizationMachine.provide({
      actions: {
        notifyStaff: ({ context }, params) => calls.push(`notifyStaff:${params.about}:${context.submissionId}`),
        queueActivationEmail: ({ context }) => calls.push(`queueActivationEmail:${context.organizationId}`),
        notifyAdmin: (_, params) => calls.push(`notifyAdmin:${params.about}`),
      },
    });
    const persisted: Snapshot<unknown> = JSON.parse(
      JSON.stringify(organizationMachine.getPersistedSnapshot(runOrganization(org.submitted()))),
    );
    // xstate's types want `input` even when restoring; it is ignored in favour of the snapshot.
    const actor = createActor(hosted, { snapshot: persisted, input: organizationInput() }).start();
    actor.send(org.approved());
    expect(actor.getSnapshot().value).toBe('awaitingActivation');
    expect(calls).toEqual(['queueActivationEmail:org-1', 'notifyAdmin:approved']);
    actor.stop();
  });
});
