/**
 * The onboarding machines and what the rest of the app needs to read their states.
 *
 * `stepOf` turns a stored state value into the guide's step number and a neutral
 * code for who the process waits on; channels and the support view word it in the
 * person's language.
 */
import type { StateValue } from 'xstate';

export * from './access-gate.ts';
export * from './event-parts.ts';
export * from './organization-machine.ts';
export * from './program-machine.ts';

export type MachineKind = 'organization' | 'program';

/** The guide's four steps. */
export type OnboardingStep = 1 | 2 | 3 | 4;

/**
 * Who has to act next. `admin` covers the organization's administrators (including
 * the designated administrator who completes activation or platform registration);
 * `nobody` means the process is finished (active, onboarded, rejected, withdrawn).
 */
export type WaitingOn = 'admin' | 'staff' | 'nobody';

export interface StepInfo {
  step: OnboardingStep;
  waitingOn: WaitingOn;
  /** A final state: the machine takes no more events. */
  final: boolean;
}

/** Flattened state values (see `stateKey`). */
export type OrganizationStateKey =
  | 'draft'
  | 'submitted'
  | 'changesRequested'
  | 'awaitingActivation'
  | 'active'
  | 'rejected'
  | 'withdrawn';

export type ProgramStateKey =
  | 'draft'
  | 'submitted'
  | 'changesRequested'
  | 'rejected'
  | 'approved.awaitingSession'
  | 'approved.sessionBooked'
  | 'accessRequested'
  | 'accessDeclined'
  | 'awaitingPlatformRegistration'
  | 'onboarded'
  | 'withdrawn';

const ORGANIZATION_STEPS: Readonly<Record<OrganizationStateKey, StepInfo>> = {
  draft: { step: 1, waitingOn: 'admin', final: false },
  submitted: { step: 1, waitingOn: 'staff', final: false },
  changesRequested: { step: 1, waitingOn: 'admin', final: false },
  awaitingActivation: { step: 1, waitingOn: 'admin', final: false },
  // Step 1 is done; programs (step 2) have machines of their own.
  active: { step: 1, waitingOn: 'nobody', final: false },
  rejected: { step: 1, waitingOn: 'nobody', final: true },
  withdrawn: { step: 1, waitingOn: 'nobody', final: true },
};

const PROGRAM_STEPS: Readonly<Record<ProgramStateKey, StepInfo>> = {
  draft: { step: 2, waitingOn: 'admin', final: false },
  submitted: { step: 2, waitingOn: 'staff', final: false },
  changesRequested: { step: 2, waitingOn: 'admin', final: false },
  rejected: { step: 2, waitingOn: 'nobody', final: true },
  'approved.awaitingSession': { step: 3, waitingOn: 'admin', final: false },
  'approved.sessionBooked': { step: 3, waitingOn: 'admin', final: false },
  accessRequested: { step: 3, waitingOn: 'staff', final: false },
  accessDeclined: { step: 3, waitingOn: 'admin', final: false },
  awaitingPlatformRegistration: { step: 4, waitingOn: 'admin', final: false },
  onboarded: { step: 4, waitingOn: 'nobody', final: true },
  // A program may be withdrawn in steps 2–4; the state alone cannot tell which, so it
  // is shown under program registration. The audit log has the exact point.
  withdrawn: { step: 2, waitingOn: 'nobody', final: true },
};

const STEPS: Readonly<Record<MachineKind, Readonly<Record<string, StepInfo>>>> = {
  organization: ORGANIZATION_STEPS,
  program: PROGRAM_STEPS,
};

/**
 * Flattens a state value to a dotted key: `{ approved: 'sessionBooked' }` →
 * `'approved.sessionBooked'`; a string value is returned as is. (Parallel regions,
 * which these machines do not have, would be joined with `,` in key order.)
 */
export function stateKey(value: StateValue): string {
  if (typeof value === 'string') return value;
  return Object.entries(value)
    .map(([key, child]) =>
      child === undefined || (typeof child === 'object' && Object.keys(child).length === 0)
        ? key
        : `${key}.${stateKey(child)}`,
    )
    .join(',');
}

/**
 * Step, who it waits on and finality of a state, given as a state value or as a key
 * from `stateKey`. Throws a `RangeError` for a state the machine does not have
 * (a programming error or a snapshot of another machine version).
 */
export function stepOf(kind: MachineKind, value: StateValue): StepInfo {
  const key = stateKey(value);
  const table = STEPS[kind];
  const info = Object.hasOwn(table, key) ? table[key] : undefined;
  if (!info) throw new RangeError(`Unknown ${kind} state "${key}"`);
  return info;
}

/**
 * Whether a program in this state counts as approved for the access gate of step 3: the
 * states of step 3 (awaiting or booked session, access requested or declined) are exactly
 * those whose gate guards and refusals the machine gives `programApproved: true`.
 */
export function programApprovedIn(value: StateValue): boolean {
  return stepOf('program', value).step === 3;
}

/** True when the state is final (the machine takes no more events). Throws like `stepOf`. */
export function isFinal(kind: MachineKind, value: StateValue): boolean {
  return stepOf(kind, value).final;
}
