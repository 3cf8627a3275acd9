import { describe, expect, it } from 'vitest';
import { transition } from 'xstate';
import {
  checkAccessGate,
  programMachine,
  type AccessGateRequirement,
} from '../../src/machine/index.ts';
import { actionsOf, at, prog, programPaths, runProgram } from './fixtures.ts';

describe('checkAccessGate', () => {
  const cases: Array<[boolean, boolean, boolean, AccessGateRequirement[]]> = [
    [true, true, true, []],
    [true, true, false, ['sessionBooked']],
    [true, false, true, ['programApproved']],
    [true, false, false, ['programApproved', 'sessionBooked']],
    [false, true, true, ['organizationActive']],
    [false, true, false, ['organizationActive', 'sessionBooked']],
    [false, false, true, ['organizationActive', 'programApproved']],
    [false, false, false, ['organizationActive', 'programApproved', 'sessionBooked']],
  ];

  it.each(cases)(
    'organizationActive=%s programApproved=%s sessionBooked=%s → missing %j',
    (organizationActive, programApproved, sessionBooked, missing) => {
      expect(checkAccessGate({ organizationActive, programApproved, sessionBooked })).toEqual({
        open: missing.length === 0,
        missing,
      });
    },
  );
});

describe('the access gate in the program machine', () => {
  const accessDeclinedWithoutSession = [...programPaths.accessDeclined, prog.sessionCancelled()];

  const refusals: Array<[string, Parameters<typeof runProgram>, boolean, AccessGateRequirement[]]> = [
    ['draft', programPaths.draft, false, ['organizationActive', 'programApproved', 'sessionBooked']],
    ['draft', programPaths.draft, true, ['programApproved', 'sessionBooked']],
    ['submitted', programPaths.submitted, false, ['organizationActive', 'programApproved', 'sessionBooked']],
    ['submitted', programPaths.submitted, true, ['programApproved', 'sessionBooked']],
    ['changesRequested', programPaths.changesRequested, true, ['programApproved', 'sessionBooked']],
    ['approved.awaitingSession', programPaths['approved.awaitingSession'], false, ['organizationActive', 'sessionBooked']],
    ['approved.awaitingSession', programPaths['approved.awaitingSession'], true, ['sessionBooked']],
    ['approved.sessionBooked', programPaths['approved.sessionBooked'], false, ['organizationActive']],
    ['accessDeclined (booked)', programPaths.accessDeclined, false, ['organizationActive']],
    ['accessDeclined (cancelled)', accessDeclinedWithoutSession, true, ['sessionBooked']],
    ['accessDeclined (cancelled)', accessDeclinedWithoutSession, false, ['organizationActive', 'sessionBooked']],
  ];

  it.each(refusals)(
    'refused in %s (organizationActive=%s): state unchanged, lastRefusal.missing = %j',
    (_name, path, organizationActive, missing) => {
      const before = runProgram(...path);
      const [after, actions] = transition(
        programMachine,
        before,
        prog.accessRequested({ organizationActive, at: at(45) }),
      );
      expect(after.value).toEqual(before.value);
      expect(after.context).toEqual({ ...before.context, lastRefusal: { missing, at: at(45) } });
      expect(actionsOf(actions)).toEqual([{ type: 'recordAccessRefusal' }]);
      // The effect sees the refusal it records.
      expect(actions[0]?.info.context).toMatchObject({ lastRefusal: { missing } });
    },
  );

  it('a later refusal replaces the earlier one', () => {
    const [first] = transition(programMachine, runProgram(), prog.accessRequested({ at: at(1) }));
    const [second] = transition(
      programMachine,
      runProgram(...programPaths['approved.awaitingSession']),
      prog.accessRequested({ at: at(2) }),
    );
    expect(first.context.lastRefusal).toEqual({ missing: ['programApproved', 'sessionBooked'], at: at(1) });
    expect(second.context.lastRefusal).toEqual({ missing: ['sessionBooked'], at: at(2) });
  });

  it.each([
    ['approved.sessionBooked', programPaths['approved.sessionBooked']],
    ['accessDeclined', programPaths.accessDeclined],
  ] as const)('opens from %s when everything is there', (_name, path) => {
    const [after] = transition(programMachine, runProgram(...path), prog.accessRequested());
    expect(after.value).toBe('accessRequested');
    expect(after.context.lastRefusal).toBeNull();
  });

  it.each(['accessRequested', 'awaitingPlatformRegistration', 'rejected', 'onboarded', 'withdrawn'] as const)(
    'in %s a request is neither granted nor refused',
    (state) => {
      const before = runProgram(...programPaths[state]);
      for (const organizationActive of [true, false]) {
        expect(transition(programMachine, before, prog.accessRequested({ organizationActive }))).toEqual([before, []]);
      }
    },
  );
});
