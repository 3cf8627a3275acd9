/**
 * Steps 2–4 of the guide for one program: registration and staff decision (2),
 * onboarding session and the gated access request (3), and registration on the
 * mentoring platform (4). An organization may have several programs, each with its
 * own instance of this machine.
 *
 * Contract:
 * - Pure: imports only `xstate` and project types. Ids, timestamps, the acting
 *   person and facts owned by other aggregates (is the organization active?) come in
 *   event payloads; nothing here reads a clock, random numbers or I/O.
 * - Every effect is a named action whose default implementation does nothing. The
 *   host either steps the machine with `transition()` and turns the returned action
 *   objects into outbox rows, or supplies real implementations with `.provide()`.
 *   Action `params` say why the effect happens, so an outbox row can be built from
 *   the action object alone.
 * - No timers (`after`, delayed sends). Snapshots are persisted between requests and
 *   stepped by pure `transition()`; a delayed transition lives in the running actor's
 *   scheduler, is lost when the actor is not running and cannot be restored
 *   faithfully from a JSON snapshot. Reminders and expiries are the host's job: a
 *   scheduler sends an ordinary event (e.g. `support.platformEmailResent`) when due.
 * - Final states take no events. No transition is defined on the root (the final
 *   states' only ancestor), because pure `transition()` does not look at the
 *   snapshot's `status`: a root handler would still fire on a finished snapshot.
 * - Ignored events: an event the current state does not accept (or whose guard
 *   fails) leaves the snapshot unchanged and returns no actions. The one exception
 *   is `admin.accessRequested`, which is never silently ignored before access is
 *   requested: a closed gate records `lastRefusal` and runs `recordAccessRefusal`,
 *   so the assistant can say what is missing.
 */
import { rejectOrRequestChanges, withdrawUnderReview } from './review.ts';
import { assertEvent, assign, setup } from 'xstate';
import { checkAccessGate, type AccessGateRequirement, type AccessGateResult } from './access-gate.ts';
import {
  eventHasReason,
  reasonOf,
  type Acting,
  type StaffDecision,
  type StaffDecisionWithReason,
  type SubmissionDecisionEvent,
  type Withdrawal,
} from './event-parts.ts';

/** Bump when a stored snapshot of the previous version could no longer be restored as is. */
export const PROGRAM_MACHINE_VERSION = 1;

interface SessionBooking extends Acting {
  bookingId: string;
}

export type ProgramEvent =
  | ({
      type: 'admin.submitted';
      submissionId: string;
      /** Whether the program's organization is active, as the host read it. */
      organizationActive: boolean;
    } & Acting)
  | SubmissionDecisionEvent
  | ({ type: 'admin.sessionBooked' } & SessionBooking)
  | ({ type: 'admin.sessionCancelled' } & SessionBooking)
  /** `bookingId` is the new booking (the moved-to session). */
  | ({ type: 'admin.sessionMoved' } & SessionBooking)
  | ({
      type: 'admin.accessRequested';
      accessRequestId: string;
      /** Whether the program's organization is active, as the host read it. */
      organizationActive: boolean;
    } & Acting)
  | ({ type: 'staff.accessGranted' } & StaffDecision)
  | ({ type: 'staff.accessDeclined' } & StaffDecisionWithReason)
  | ({ type: 'admin.platformRegistered' } & Acting)
  | ({ type: 'support.platformEmailResent' } & Acting)
  | ({ type: 'admin.withdrew' } & Withdrawal);

export interface ProgramInput {
  programId: string;
  organizationId: string;
  /** ISO time the program record was created: the draft's `enteredAt`. */
  createdAt: string;
}

export interface AccessRefusal {
  missing: AccessGateRequirement[];
  /** `at` of the refused `admin.accessRequested` event. */
  at: string;
}

export interface ProgramContext {
  programId: string;
  organizationId: string;
  /** Id of the latest submission (the form version staff decide on). */
  submissionId: string | null;
  /** Reason of the latest rejection / change request / access decline / withdrawal. */
  reason: string | null;
  /** Id, person and time of the latest staff decision (on the program or on access). */
  decisionId: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  /** ISO time the current state was entered ("waiting since"). */
  enteredAt: string;
  /** The admin's onboarding-session booking; required by the access gate. */
  sessionBookingId: string | null;
  /** Id of the latest access request that passed the gate. */
  accessRequestId: string | null;
  /** The latest refused access request; cleared when a request passes the gate. */
  lastRefusal: AccessRefusal | null;
  /** How many times the program was submitted (1 after the first submission). */
  submissions: number;
}

export type ProgramStateValue =
  | 'draft'
  | 'submitted'
  | 'changesRequested'
  | 'rejected'
  | { approved: 'awaitingSession' | 'sessionBooked' }
  | 'accessRequested'
  | 'accessDeclined'
  | 'awaitingPlatformRegistration'
  | 'onboarded'
  | 'withdrawn';

export interface ProgramNotifyStaffParams {
  about: 'submitted' | 'accessRequested' | 'withdrawn';
}
export interface ProgramNotifyAdminParams {
  about: 'approved' | 'rejected' | 'changesRequested' | 'accessGranted' | 'accessDeclined';
}
export interface ProgramDecisionEmailParams {
  decision: 'rejected' | 'changesRequested' | 'accessDeclined';
}
/**
 * Guards and actions cannot see the state value, so the states where the program is
 * approved say so in the params of the gate guard and of the refusal.
 */
export interface AccessGateParams {
  programApproved: boolean;
}

function gateFor(
  context: ProgramContext,
  event: { organizationActive: boolean },
  params: AccessGateParams,
): AccessGateResult {
  return checkAccessGate({
    organizationActive: event.organizationActive,
    programApproved: params.programApproved,
    sessionBooked: context.sessionBookingId !== null,
  });
}

export const programMachine = setup({
  types: {
    context: {} as ProgramContext,
    events: {} as ProgramEvent,
    input: {} as ProgramInput,
  },
  actions: {
    // Effects: no-ops by default, provided by the host.
    notifyStaff: (_args, _params: ProgramNotifyStaffParams) => {},
    notifyAdmin: (_args, _params: ProgramNotifyAdminParams) => {},
    queueDecisionEmail: (_args, _params: ProgramDecisionEmailParams) => {},
    /** Email the program administrator that the program is approved (end of step 2). */
    queueProgramApprovedEmail: () => {},
    /** Create the platform account for the program's designated administrator. */
    provisionPlatformAccount: () => {},
    /** The platform's email, sender display name = program name, with the sign-in link. */
    queuePlatformEmail: () => {},
    /** Audit a refused access request; the details are in `context.lastRefusal`. */
    recordAccessRefusal: () => {},
    recordWithdrawal: () => {},
    // Pure context updates.
    /** Entry action of every state but `draft`: every event carries `at`. */
    markEntered: assign({ enteredAt: ({ event }) => event.at }),
    recordSubmission: assign(({ context, event }) => {
      assertEvent(event, 'admin.submitted');
      // A new submission has no decision yet; the previous one stays in the audit log.
      return {
        submissionId: event.submissionId,
        submissions: context.submissions + 1,
        reason: null,
        decisionId: null,
        decidedBy: null,
        decidedAt: null,
      };
    }),
    recordDecision: assign(({ event }) => {
      assertEvent(event, [
        'staff.approved',
        'staff.rejected',
        'staff.changesRequested',
        'staff.accessGranted',
        'staff.accessDeclined',
      ]);
      return {
        decisionId: event.decisionId,
        decidedBy: event.by,
        decidedAt: event.at,
        reason: 'reason' in event ? reasonOf(event) : null,
      };
    }),
    recordWithdrawalReason: assign(({ event }) => {
      assertEvent(event, 'admin.withdrew');
      return { reason: reasonOf(event) };
    }),
    recordBooking: assign(({ event }) => {
      assertEvent(event, ['admin.sessionBooked', 'admin.sessionMoved']);
      return { sessionBookingId: event.bookingId };
    }),
    clearBooking: assign({ sessionBookingId: null }),
    recordAccessRequest: assign(({ event }) => {
      assertEvent(event, 'admin.accessRequested');
      return { accessRequestId: event.accessRequestId, lastRefusal: null };
    }),
    recordRefusal: assign(({ context, event }, params: AccessGateParams) => {
      assertEvent(event, 'admin.accessRequested');
      return { lastRefusal: { missing: gateFor(context, event, params).missing, at: event.at } };
    }),
  },
  guards: {
    hasReason: ({ event }) => eventHasReason(event),
    isOrganizationActive: ({ event }) => 'organizationActive' in event && event.organizationActive,
    isAccessGateOpen: ({ context, event }, params: AccessGateParams) =>
      event.type === 'admin.accessRequested' && gateFor(context, event, params).open,
    /** A cancellation of another (stale) booking must not clear the current one. */
    isCurrentBooking: ({ context, event }) =>
      'bookingId' in event && event.bookingId === context.sessionBookingId,
  },
}).createMachine({
  id: 'program',
  initial: 'draft',
  context: ({ input }) => ({
    programId: input.programId,
    organizationId: input.organizationId,
    submissionId: null,
    reason: null,
    decisionId: null,
    decidedBy: null,
    decidedAt: null,
    enteredAt: input.createdAt,
    sessionBookingId: null,
    accessRequestId: null,
    lastRefusal: null,
    submissions: 0,
  }),
  states: {
    draft: {
      on: {
        'admin.submitted': {
          guard: 'isOrganizationActive',
          target: 'submitted',
          actions: ['recordSubmission', { type: 'notifyStaff', params: { about: 'submitted' } }],
        },
        // Not approved yet: say what is missing.
        'admin.accessRequested': {
          actions: [{ type: 'recordRefusal', params: { programApproved: false } }, 'recordAccessRefusal'],
        },
        'admin.withdrew': { target: 'withdrawn', actions: ['recordWithdrawalReason', 'recordWithdrawal'] },
      },
    },
    submitted: {
      entry: 'markEntered',
      on: {
        'staff.approved': {
          target: 'approved',
          actions: [
            'recordDecision',
            'queueProgramApprovedEmail',
            { type: 'notifyAdmin', params: { about: 'approved' } },
          ],
        },
        ...rejectOrRequestChanges,
        // Not approved yet: say what is missing.
        'admin.accessRequested': {
          actions: [{ type: 'recordRefusal', params: { programApproved: false } }, 'recordAccessRefusal'],
        },
        ...withdrawUnderReview,
      },
    },
    changesRequested: {
      entry: 'markEntered',
      on: {
        'admin.submitted': {
          guard: 'isOrganizationActive',
          target: 'submitted',
          actions: ['recordSubmission', { type: 'notifyStaff', params: { about: 'submitted' } }],
        },
        // Not approved yet: say what is missing.
        'admin.accessRequested': {
          actions: [{ type: 'recordRefusal', params: { programApproved: false } }, 'recordAccessRefusal'],
        },
        'admin.withdrew': { target: 'withdrawn', actions: ['recordWithdrawalReason', 'recordWithdrawal'] },
      },
    },
    approved: {
      initial: 'awaitingSession',
      on: {
        // The program is approved, so only the organization or the session can be missing.
        'admin.accessRequested': {
          actions: [{ type: 'recordRefusal', params: { programApproved: true } }, 'recordAccessRefusal'],
        },
        'admin.withdrew': { target: '#program.withdrawn', actions: ['recordWithdrawalReason', 'recordWithdrawal'] },
      },
      states: {
        awaitingSession: {
          entry: 'markEntered',
          on: {
            'admin.sessionBooked': { target: 'sessionBooked', actions: 'recordBooking' },
          },
        },
        sessionBooked: {
          entry: 'markEntered',
          on: {
            'admin.sessionCancelled': {
              guard: 'isCurrentBooking',
              target: 'awaitingSession',
              actions: 'clearBooking',
            },
            // Targetless: still booked, `enteredAt` unchanged.
            'admin.sessionMoved': { actions: 'recordBooking' },
            'admin.accessRequested': {
              guard: { type: 'isAccessGateOpen', params: { programApproved: true } },
              target: '#program.accessRequested',
              actions: ['recordAccessRequest', { type: 'notifyStaff', params: { about: 'accessRequested' } }],
            },
          },
        },
      },
    },
    accessRequested: {
      entry: 'markEntered',
      on: {
        'staff.accessGranted': {
          target: 'awaitingPlatformRegistration',
          actions: [
            'recordDecision',
            'provisionPlatformAccount',
            'queuePlatformEmail',
            { type: 'notifyAdmin', params: { about: 'accessGranted' } },
          ],
        },
        'staff.accessDeclined': {
          guard: 'hasReason',
          target: 'accessDeclined',
          actions: [
            'recordDecision',
            { type: 'queueDecisionEmail', params: { decision: 'accessDeclined' } },
            { type: 'notifyAdmin', params: { about: 'accessDeclined' } },
          ],
        },
        // Already requested: nothing is missing, so this is not a refusal. Ignored.
        'admin.accessRequested': {},
        ...withdrawUnderReview,
      },
    },
    /** The program stays approved; the admin may fix what staff said and ask again. */
    accessDeclined: {
      entry: 'markEntered',
      on: {
        'admin.accessRequested': [
          {
            guard: { type: 'isAccessGateOpen', params: { programApproved: true } },
            target: 'accessRequested',
            actions: ['recordAccessRequest', { type: 'notifyStaff', params: { about: 'accessRequested' } }],
          },
          {
            actions: [{ type: 'recordRefusal', params: { programApproved: true } }, 'recordAccessRefusal'],
          },
        ],
        // Booking changes keep the state (and `enteredAt`); they only feed the gate.
        'admin.sessionBooked': { actions: 'recordBooking' },
        'admin.sessionMoved': { actions: 'recordBooking' },
        'admin.sessionCancelled': { guard: 'isCurrentBooking', actions: 'clearBooking' },
        'admin.withdrew': { target: 'withdrawn', actions: ['recordWithdrawalReason', 'recordWithdrawal'] },
      },
    },
    awaitingPlatformRegistration: {
      entry: 'markEntered',
      on: {
        'admin.platformRegistered': { target: 'onboarded' },
        // Targetless: `enteredAt` (waiting since) unchanged.
        'support.platformEmailResent': { actions: 'queuePlatformEmail' },
        // Access already granted: not a refusal. Ignored.
        'admin.accessRequested': {},
        'admin.withdrew': { target: 'withdrawn', actions: ['recordWithdrawalReason', 'recordWithdrawal'] },
      },
    },
    onboarded: { type: 'final', entry: 'markEntered' },
    rejected: { type: 'final', entry: 'markEntered' },
    withdrawn: { type: 'final', entry: 'markEntered' },
  },
});
