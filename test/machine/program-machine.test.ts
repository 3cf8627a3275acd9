import { describe, expect, expectTypeOf, it } from 'vitest';
import { createActor, initialTransition, transition, type Snapshot, type SnapshotFrom } from 'xstate';
import {
  PROGRAM_MACHINE_VERSION,
  programMachine,
  type ProgramEvent,
  type ProgramStateValue,
} from '../../src/machine/index.ts';
import { STAFF, actionsOf, at, prog, programInput, programPaths, runProgram } from './fixtures.ts';

const allEvents: ProgramEvent[] = [
  prog.submitted(),
  prog.approved(),
  prog.rejected(),
  prog.changesRequested(),
  prog.sessionBooked(),
  prog.sessionMoved(),
  prog.sessionCancelled(),
  prog.accessRequested(),
  prog.accessGranted(),
  prog.accessDeclined(),
  prog.platformRegistered(),
  prog.platformEmailResent(),
  prog.withdrew(),
];

describe('programMachine', () => {
  it('has a version and a typed state value', () => {
    expect(PROGRAM_MACHINE_VERSION).toBe(1);
    expectTypeOf<SnapshotFrom<typeof programMachine>['value']>().toEqualTypeOf<ProgramStateValue>();
  });

  it('starts in draft with the input in context and no actions', () => {
    const [snapshot, actions] = initialTransition(programMachine, programInput());
    expect(snapshot.value).toBe('draft');
    expect(snapshot.context).toEqual({
      programId: 'prog-1',
      organizationId: 'org-1',
      submissionId: null,
      reason: null,
      decisionId: null,
      decidedBy: null,
      decidedAt: null,
      enteredAt: at(0),
      sessionBookingId: null,
      accessRequestId: null,
      lastRefusal: null,
      submissions: 0,
    });
    expect(actions).toEqual([]);
  });

  describe('step 2: registration', () => {
    it('admin.submitted is ignored while the organization is not active (isOrganizationActive)', () => {
      const draft = runProgram();
      expect(transition(programMachine, draft, prog.submitted({ organizationActive: false }))).toEqual([draft, []]);
    });

    it('admin.submitted: draft → submitted, notifies staff', () => {
      const [next, actions] = transition(programMachine, runProgram(), prog.submitted({ at: at(30) }));
      expect(next.value).toBe('submitted');
      expect(next.context).toMatchObject({ submissionId: 'prog-sub-1', submissions: 1, enteredAt: at(30) });
      expect(actionsOf(actions)).toEqual([{ type: 'notifyStaff', params: { about: 'submitted' } }]);
    });

    it('staff.approved: submitted → approved.awaitingSession, emails the administrator', () => {
      const [next, actions] = transition(programMachine, runProgram(...programPaths.submitted), prog.approved());
      expect(next.value).toEqual({ approved: 'awaitingSession' });
      expect(next.context).toMatchObject({ decisionId: 'dec-2', decidedBy: STAFF, decidedAt: at(11), enteredAt: at(11) });
      expect(actionsOf(actions)).toEqual([
        { type: 'queueProgramApprovedEmail' },
        { type: 'notifyAdmin', params: { about: 'approved' } },
      ]);
    });

    it('staff.rejected: submitted → rejected (final)', () => {
      const [next, actions] = transition(programMachine, runProgram(...programPaths.submitted), prog.rejected());
      expect(next.value).toBe('rejected');
      expect(next.status).toBe('done');
      expect(next.context.reason).toBe('Not a mentoring program');
      expect(actionsOf(actions)).toEqual([
        { type: 'queueDecisionEmail', params: { decision: 'rejected' } },
        { type: 'notifyAdmin', params: { about: 'rejected' } },
      ]);
    });

    it('staff.changesRequested, then admin.submitted again', () => {
      const [changes, actions] = transition(
        programMachine,
        runProgram(...programPaths.submitted),
        prog.changesRequested(),
      );
      expect(changes.value).toBe('changesRequested');
      expect(actionsOf(actions)).toEqual([
        { type: 'queueDecisionEmail', params: { decision: 'changesRequested' } },
        { type: 'notifyAdmin', params: { about: 'changesRequested' } },
      ]);
      const [again, againActions] = transition(programMachine, changes, prog.submitted({ submissionId: 'prog-sub-2' }));
      expect(again.value).toBe('submitted');
      expect(again.context).toMatchObject({ submissionId: 'prog-sub-2', submissions: 2, reason: null });
      expect(actionsOf(againActions)).toEqual([{ type: 'notifyStaff', params: { about: 'submitted' } }]);
    });

    it('ignores negative decisions without a reason (hasReason)', () => {
      const submitted = runProgram(...programPaths.submitted);
      for (const event of [prog.rejected({ reason: ' ' }), prog.changesRequested({ reason: '' })]) {
        expect(transition(programMachine, submitted, event)).toEqual([submitted, []]);
      }
    });
  });

  describe('step 3: onboarding session and access request', () => {
    it('admin.sessionBooked: awaitingSession → sessionBooked', () => {
      const [next, actions] = transition(
        programMachine,
        runProgram(...programPaths['approved.awaitingSession']),
        prog.sessionBooked({ at: at(40) }),
      );
      expect(next.value).toEqual({ approved: 'sessionBooked' });
      expect(next.context).toMatchObject({ sessionBookingId: 'booking-1', enteredAt: at(40) });
      expect(actions).toEqual([]);
    });

    it('admin.sessionMoved keeps sessionBooked and enteredAt, updates the booking id', () => {
      const booked = runProgram(...programPaths['approved.sessionBooked']);
      const [next] = transition(programMachine, booked, prog.sessionMoved({ bookingId: 'booking-9', at: at(41) }));
      expect(next.value).toEqual({ approved: 'sessionBooked' });
      expect(next.context).toEqual({ ...booked.context, sessionBookingId: 'booking-9' });
    });

    it('admin.sessionCancelled of the current booking → awaitingSession; of another booking is ignored', () => {
      const booked = runProgram(...programPaths['approved.sessionBooked']);
      expect(transition(programMachine, booked, prog.sessionCancelled({ bookingId: 'stale' }))).toEqual([booked, []]);
      const [next] = transition(programMachine, booked, prog.sessionCancelled({ at: at(42) }));
      expect(next.value).toEqual({ approved: 'awaitingSession' });
      expect(next.context).toMatchObject({ sessionBookingId: null, enteredAt: at(42) });
    });

    it('admin.accessRequested with the gate open: sessionBooked → accessRequested, notifies staff', () => {
      const refused = transition(
        programMachine,
        runProgram(...programPaths['approved.sessionBooked']),
        prog.accessRequested({ organizationActive: false }),
      )[0];
      expect(refused.context.lastRefusal).not.toBeNull();
      const [next, actions] = transition(programMachine, refused, prog.accessRequested({ at: at(43) }));
      expect(next.value).toBe('accessRequested');
      expect(next.context).toMatchObject({
        accessRequestId: 'access-1', lastRefusal: null, sessionBookingId: 'booking-1', enteredAt: at(43),
      });
      expect(actionsOf(actions)).toEqual([{ type: 'notifyStaff', params: { about: 'accessRequested' } }]);
    });

    it('a repeated admin.accessRequested while requested is ignored, not refused', () => {
      const requested = runProgram(...programPaths.accessRequested);
      expect(transition(programMachine, requested, prog.accessRequested())).toEqual([requested, []]);
    });

    it('staff.accessGranted: accessRequested → awaitingPlatformRegistration, provisions and emails', () => {
      const [next, actions] = transition(programMachine, runProgram(...programPaths.accessRequested), prog.accessGranted());
      expect(next.value).toBe('awaitingPlatformRegistration');
      expect(next.context).toMatchObject({ decisionId: 'dec-3', decidedBy: STAFF, enteredAt: at(16) });
      expect(actionsOf(actions)).toEqual([
        { type: 'provisionPlatformAccount' },
        { type: 'queuePlatformEmail' },
        { type: 'notifyAdmin', params: { about: 'accessGranted' } },
      ]);
    });

    it('staff.accessDeclined needs a reason: accessRequested → accessDeclined', () => {
      const requested = runProgram(...programPaths.accessRequested);
      expect(transition(programMachine, requested, prog.accessDeclined({ reason: '' }))).toEqual([requested, []]);
      const [next, actions] = transition(programMachine, requested, prog.accessDeclined());
      expect(next.value).toBe('accessDeclined');
      expect(next.context).toMatchObject({ reason: 'Launch date too far out', sessionBookingId: 'booking-1' });
      expect(actionsOf(actions)).toEqual([
        { type: 'queueDecisionEmail', params: { decision: 'accessDeclined' } },
        { type: 'notifyAdmin', params: { about: 'accessDeclined' } },
      ]);
    });

    it('from accessDeclined: booking changes stay put; a new request passes the gate again', () => {
      const declined = runProgram(...programPaths.accessDeclined);
      const [cancelled] = transition(programMachine, declined, prog.sessionCancelled({ at: at(50) }));
      expect(cancelled.value).toBe('accessDeclined');
      expect(cancelled.context).toEqual({ ...declined.context, sessionBookingId: null });

      const [rebooked] = transition(programMachine, cancelled, prog.sessionBooked({ bookingId: 'booking-3' }));
      expect(rebooked.value).toBe('accessDeclined');
      expect(rebooked.context.sessionBookingId).toBe('booking-3');

      const [moved] = transition(programMachine, rebooked, prog.sessionMoved({ bookingId: 'booking-4' }));
      expect(moved.context.sessionBookingId).toBe('booking-4');

      const [again, actions] = transition(
        programMachine,
        moved,
        prog.accessRequested({ accessRequestId: 'access-2', at: at(55) }),
      );
      expect(again.value).toBe('accessRequested');
      expect(again.context).toMatchObject({ accessRequestId: 'access-2', sessionBookingId: 'booking-4', enteredAt: at(55) });
      expect(actionsOf(actions)).toEqual([{ type: 'notifyStaff', params: { about: 'accessRequested' } }]);
    });
  });

  describe('step 4: platform registration', () => {
    it('support.platformEmailResent stays and re-queues the platform email', () => {
      const waiting = runProgram(...programPaths.awaitingPlatformRegistration);
      const [next, actions] = transition(programMachine, waiting, prog.platformEmailResent({ at: at(59) }));
      expect(next.value).toBe('awaitingPlatformRegistration');
      expect(next.context).toEqual(waiting.context);
      expect(actionsOf(actions)).toEqual([{ type: 'queuePlatformEmail' }]);
    });

    it('admin.platformRegistered: → onboarded (final)', () => {
      const [next, actions] = transition(
        programMachine,
        runProgram(...programPaths.awaitingPlatformRegistration),
        prog.platformRegistered({ at: at(58) }),
      );
      expect(next.value).toBe('onboarded');
      expect(next.status).toBe('done');
      expect(next.context.enteredAt).toBe(at(58));
      expect(actions).toEqual([]);
    });
  });

  describe('withdrawal and final states', () => {
    const withStaffNotice = new Set(['submitted', 'accessRequested']);
    const nonFinal = [
      'draft',
      'submitted',
      'changesRequested',
      'approved.awaitingSession',
      'approved.sessionBooked',
      'accessRequested',
      'accessDeclined',
      'awaitingPlatformRegistration',
    ] as const;

    it.each(nonFinal)('admin.withdrew from %s → withdrawn', (from) => {
      const [next, actions] = transition(
        programMachine,
        runProgram(...programPaths[from]),
        prog.withdrew({ reason: 'Program cancelled', at: at(59) }),
      );
      expect(next.value).toBe('withdrawn');
      expect(next.status).toBe('done');
      expect(next.context).toMatchObject({ reason: 'Program cancelled', enteredAt: at(59) });
      expect(actionsOf(actions)).toEqual([
        { type: 'recordWithdrawal' },
        ...(withStaffNotice.has(from) ? [{ type: 'notifyStaff', params: { about: 'withdrawn' } }] : []),
      ]);
    });

    it.each(['rejected', 'onboarded', 'withdrawn'] as const)('final state %s ignores every event', (state) => {
      const done = runProgram(...programPaths[state]);
      expect(done.status).toBe('done');
      for (const event of allEvents) expect(transition(programMachine, done, event)).toEqual([done, []]);
    });
  });

  it('runs the implementations the host provides, with params, in a restored actor', () => {
    const calls: string[] = [];
    const hosted = programMachine.provide({
      actions: {
        provisionPlatformAccount: ({ context }) => calls.push(`provision:${context.programId}`),
        queuePlatformEmail: ({ context }) => calls.push(`platformEmail:${context.accessRequestId}`),
        notifyAdmin: (_, params) => calls.push(`notifyAdmin:${params.about}`),
      },
    });
    const persisted: Snapshot<unknown> = JSON.parse(
      JSON.stringify(programMachine.getPersistedSnapshot(runProgram(...programPaths.accessRequested))),
    );
    // xstate's types want `input` even when restoring; it is ignored in favour of the snapshot.
    const actor = createActor(hosted, { snapshot: persisted, input: programInput() }).start();
    actor.send(prog.accessGranted());
    expect(actor.getSnapshot().value).toBe('awaitingPlatformRegistration');
    expect(calls).toEqual(['provision:prog-1', 'platformEmail:access-1', 'notifyAdmin:accessGranted']);
    actor.stop();
  });
});
