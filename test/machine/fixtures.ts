/**
 * Event factories with overrides, and helpers that step machines with the pure
 * `transition()` only (no actors, no patching).
 */
import {
  initialTransition,
  transition,
  type AnyStateMachine,
  type EventFromLogic,
  type InputFrom,
  type SnapshotFrom,
} from 'xstate';
import {
  organizationMachine,
  programMachine,
  type OrganizationEvent,
  type OrganizationInput,
  type ProgramEvent,
  type ProgramInput,
} from '../../src/machine/index.ts';

export const ADMIN = 'person-admin';
export const STAFF = 'person-staff';
export const SUPPORT = 'person-support';

/** ISO timestamp `minute` minutes after a fixed origin: readable, ordered, deterministic. */
export function at(minute: number): string {
  return new Date(Date.UTC(2025, 2, 1, 9, minute)).toISOString();
}

type Of<E extends { type: string }, T extends E['type']> = Extract<E, { type: T }>;
type Overrides<E> = Partial<Omit<E, 'type'>>;

export const organizationInput = (overrides: Partial<OrganizationInput> = {}): OrganizationInput => ({
  organizationId: 'org-1',
  createdAt: at(0),
  ...overrides,
});

export const programInput = (overrides: Partial<ProgramInput> = {}): ProgramInput => ({
  programId: 'prog-1',
  organizationId: 'org-1',
  createdAt: at(0),
  ...overrides,
});

type OrgEv<T extends OrganizationEvent['type']> = Of<OrganizationEvent, T>;

export const org = {
  submitted: (o: Overrides<OrgEv<'admin.submitted'>> = {}): OrgEv<'admin.submitted'> => ({
    type: 'admin.submitted', submissionId: 'org-sub-1', by: ADMIN, at: at(1), ...o,
  }),
  approved: (o: Overrides<OrgEv<'staff.approved'>> = {}): OrgEv<'staff.approved'> => ({
    type: 'staff.approved', decisionId: 'dec-1', by: STAFF, at: at(2), ...o,
  }),
  rejected: (o: Overrides<OrgEv<'staff.rejected'>> = {}): OrgEv<'staff.rejected'> => ({
    type: 'staff.rejected', decisionId: 'dec-1', by: STAFF, at: at(2), reason: 'Not a mentoring organization', ...o,
  }),
  changesRequested: (o: Overrides<OrgEv<'staff.changesRequested'>> = {}): OrgEv<'staff.changesRequested'> => ({
    type: 'staff.changesRequested', decisionId: 'dec-1', by: STAFF, at: at(2), reason: 'Add the website', ...o,
  }),
  activated: (o: Overrides<OrgEv<'admin.activated'>> = {}): OrgEv<'admin.activated'> => ({
    type: 'admin.activated', by: ADMIN, at: at(3), ...o,
  }),
  activationResent: (o: Overrides<OrgEv<'support.activationResent'>> = {}): OrgEv<'support.activationResent'> => ({
    type: 'support.activationResent', by: SUPPORT, at: at(4), ...o,
  }),
  withdrew: (o: Overrides<OrgEv<'admin.withdrew'>> = {}): OrgEv<'admin.withdrew'> => ({
    type: 'admin.withdrew', by: ADMIN, at: at(5), ...o,
  }),
};

type ProgEv<T extends ProgramEvent['type']> = Of<ProgramEvent, T>;

export const prog = {
  submitted: (o: Overrides<ProgEv<'admin.submitted'>> = {}): ProgEv<'admin.submitted'> => ({
    type: 'admin.submitted', submissionId: 'prog-sub-1', by: ADMIN, at: at(10), organizationActive: true, ...o,
  }),
  approved: (o: Overrides<ProgEv<'staff.approved'>> = {}): ProgEv<'staff.approved'> => ({
    type: 'staff.approved', decisionId: 'dec-2', by: STAFF, at: at(11), ...o,
  }),
  rejected: (o: Overrides<ProgEv<'staff.rejected'>> = {}): ProgEv<'staff.rejected'> => ({
    type: 'staff.rejected', decisionId: 'dec-2', by: STAFF, at: at(11), reason: 'Not a mentoring program', ...o,
  }),
  changesRequested: (o: Overrides<ProgEv<'staff.changesRequested'>> = {}): ProgEv<'staff.changesRequested'> => ({
    type: 'staff.changesRequested', decisionId: 'dec-2', by: STAFF, at: at(11), reason: 'Describe the mentees', ...o,
  }),
  sessionBooked: (o: Overrides<ProgEv<'admin.sessionBooked'>> = {}): ProgEv<'admin.sessionBooked'> => ({
    type: 'admin.sessionBooked', bookingId: 'booking-1', by: ADMIN, at: at(12), ...o,
  }),
  sessionMoved: (o: Overrides<ProgEv<'admin.sessionMoved'>> = {}): ProgEv<'admin.sessionMoved'> => ({
    type: 'admin.sessionMoved', bookingId: 'booking-2', by: ADMIN, at: at(13), ...o,
  }),
  sessionCancelled: (o: Overrides<ProgEv<'admin.sessionCancelled'>> = {}): ProgEv<'admin.sessionCancelled'> => ({
    type: 'admin.sessionCancelled', bookingId: 'booking-1', by: ADMIN, at: at(14), ...o,
  }),
  accessRequested: (o: Overrides<ProgEv<'admin.accessRequested'>> = {}): ProgEv<'admin.accessRequested'> => ({
    type: 'admin.accessRequested', accessRequestId: 'access-1', by: ADMIN, at: at(15), organizationActive: true, ...o,
  }),
  accessGranted: (o: Overrides<ProgEv<'staff.accessGranted'>> = {}): ProgEv<'staff.accessGranted'> => ({
    type: 'staff.accessGranted', decisionId: 'dec-3', by: STAFF, at: at(16), ...o,
  }),
  accessDeclined: (o: Overrides<ProgEv<'staff.accessDeclined'>> = {}): ProgEv<'staff.accessDeclined'> => ({
    type: 'staff.accessDeclined', decisionId: 'dec-3', by: STAFF, at: at(16), reason: 'Launch date too far out', ...o,
  }),
  platformRegistered: (o: Overrides<ProgEv<'admin.platformRegistered'>> = {}): ProgEv<'admin.platformRegistered'> => ({
    type: 'admin.platformRegistered', by: ADMIN, at: at(17), ...o,
  }),
  platformEmailResent: (o: Overrides<ProgEv<'support.platformEmailResent'>> = {}): ProgEv<'support.platformEmailResent'> => ({
    type: 'support.platformEmailResent', by: SUPPORT, at: at(18), ...o,
  }),
  withdrew: (o: Overrides<ProgEv<'admin.withdrew'>> = {}): ProgEv<'admin.withdrew'> => ({
    type: 'admin.withdrew', by: ADMIN, at: at(19), ...o,
  }),
};

/** Folds `transition()` over `events` from the initial snapshot. */
export function run<M extends AnyStateMachine>(
  machine: M,
  input: InputFrom<M>,
  events: readonly EventFromLogic<M>[],
): SnapshotFrom<M> {
  let [snapshot] = initialTransition(machine, input);
  for (const event of events) [snapshot] = transition(machine, snapshot, event);
  return snapshot;
}

export const runOrganization = (...events: OrganizationEvent[]) =>
  run(organizationMachine, organizationInput(), events);
export const runProgram = (...events: ProgramEvent[]) => run(programMachine, programInput(), events);

/** Event sequences that lead a fresh organization to each state. */
export const organizationPaths = {
  draft: [],
  submitted: [org.submitted()],
  changesRequested: [org.submitted(), org.changesRequested()],
  awaitingActivation: [org.submitted(), org.approved()],
  active: [org.submitted(), org.approved(), org.activated()],
  rejected: [org.submitted(), org.rejected()],
  withdrawn: [org.withdrew()],
} satisfies Record<string, OrganizationEvent[]>;

/** Event sequences that lead a fresh program to each state. */
export const programPaths = {
  draft: [],
  submitted: [prog.submitted()],
  changesRequested: [prog.submitted(), prog.changesRequested()],
  rejected: [prog.submitted(), prog.rejected()],
  'approved.awaitingSession': [prog.submitted(), prog.approved()],
  'approved.sessionBooked': [prog.submitted(), prog.approved(), prog.sessionBooked()],
  accessRequested: [prog.submitted(), prog.approved(), prog.sessionBooked(), prog.accessRequested()],
  accessDeclined: [
    prog.submitted(), prog.approved(), prog.sessionBooked(), prog.accessRequested(), prog.accessDeclined(),
  ],
  awaitingPlatformRegistration: [
    prog.submitted(), prog.approved(), prog.sessionBooked(), prog.accessRequested(), prog.accessGranted(),
  ],
  onboarded: [
    prog.submitted(), prog.approved(), prog.sessionBooked(), prog.accessRequested(), prog.accessGranted(),
    prog.platformRegistered(),
  ],
  withdrawn: [prog.withdrew()],
} satisfies Record<string, ProgramEvent[]>;

/** The parts of returned action objects a host persists: type and params. */
export function actionsOf(actions: readonly { type: string; params: unknown }[]) {
  return actions.map(({ type, params }) => (params === undefined ? { type } : { type, params }));
}
