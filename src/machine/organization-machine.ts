/**
 * Step 1 of the guide: an organization is submitted, decided on by staff, and
 * activated by its designated administrator from the emailed link.
 *
 * Contract:
 * - Pure: imports only `xstate` and project types. Ids, timestamps and the acting
 *   person come in event payloads; nothing here reads a clock, random numbers or I/O.
 * - Every effect is a named action whose default implementation does nothing. The
 *   host either steps the machine with `transition()` and turns the returned action
 *   objects into outbox rows, or supplies real implementations with `.provide()`.
 *   Action `params` say why the effect happens, so an outbox row can be built from
 *   the action object alone.
 * - No timers (`after`, delayed sends). Snapshots are persisted between requests and
 *   stepped by pure `transition()`; a delayed transition lives in the running actor's
 *   scheduler, is lost when the actor is not running and cannot be restored
 *   faithfully from a JSON snapshot. Reminders and expiries are the host's job: a
 *   scheduler sends an ordinary event (e.g. `support.activationResent`) when due.
 * - Final states take no events. No transition is defined on the root (the final
 *   states' only ancestor), because pure `transition()` does not look at the
 *   snapshot's `status`: a root handler would still fire on a finished snapshot.
 * - Ignored events: an event the current state does not accept (or whose guard
 *   fails, e.g. a rejection without a reason) leaves the snapshot unchanged and
 *   returns no actions. The host can detect that and tell the person.
 */
import { rejectOrRequestChanges, withdrawUnderReview } from './review.ts';
import { assertEvent, assign, setup } from 'xstate';
import {
  eventHasReason,
  reasonOf,
  type Acting,
  type SubmissionDecisionEvent,
  type Withdrawal,
} from './event-parts.ts';

/** Bump when a stored snapshot of the previous version could no longer be restored as is. */
export const ORGANIZATION_MACHINE_VERSION = 1;

export type OrganizationEvent =
  | ({ type: 'admin.submitted'; submissionId: string } & Acting)
  | SubmissionDecisionEvent
  | ({ type: 'admin.activated' } & Acting)
  | ({ type: 'support.activationResent' } & Acting)
  | ({ type: 'admin.withdrew' } & Withdrawal);

export interface OrganizationInput {
  organizationId: string;
  /** ISO time the organization record was created: the draft's `enteredAt`. */
  createdAt: string;
}

export interface OrganizationContext {
  organizationId: string;
  /** Id of the latest submission (the form version staff decide on). */
  submissionId: string | null;
  /** Reason of the latest rejection / change request / withdrawal; null otherwise. */
  reason: string | null;
  /** Id, person and time of the latest staff decision on the current submission. */
  decisionId: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  /** ISO time the current state was entered ("waiting since"). */
  enteredAt: string;
  /** How many times the organization was submitted (1 after the first submission). */
  submissions: number;
}

export type OrganizationStateValue =
  | 'draft'
  | 'submitted'
  | 'changesRequested'
  | 'awaitingActivation'
  | 'active'
  | 'rejected'
  | 'withdrawn';

/** Why staff are notified. */
export interface OrganizationNotifyStaffParams {
  about: 'submitted' | 'withdrawn';
}
/** Which decision the admin is told about. */
export interface OrganizationNotifyAdminParams {
  about: 'approved' | 'rejected' | 'changesRequested';
}
export interface OrganizationDecisionEmailParams {
  decision: 'rejected' | 'changesRequested';
}

export const organizationMachine = setup({
  types: {
    context: {} as OrganizationContext,
    events: {} as OrganizationEvent,
    input: {} as OrganizationInput,
  },
  actions: {
    // Effects: no-ops by default, provided by the host.
    notifyStaff: (_args, _params: OrganizationNotifyStaffParams) => {},
    notifyAdmin: (_args, _params: OrganizationNotifyAdminParams) => {},
    /** Email the designated administrator the signed link that completes registration. */
    queueActivationEmail: () => {},
    queueDecisionEmail: (_args, _params: OrganizationDecisionEmailParams) => {},
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
      assertEvent(event, ['staff.approved', 'staff.rejected', 'staff.changesRequested']);
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
  },
  guards: {
    hasReason: ({ event }) => eventHasReason(event),
  },
}).createMachine({
  id: 'organization',
  initial: 'draft',
  context: ({ input }) => ({
    organizationId: input.organizationId,
    submissionId: null,
    reason: null,
    decisionId: null,
    decidedBy: null,
    decidedAt: null,
    enteredAt: input.createdAt,
    submissions: 0,
  }),
  states: {
    draft: {
      on: {
        'admin.submitted': {
          target: 'submitted',
          actions: ['recordSubmission', { type: 'notifyStaff', params: { about: 'submitted' } }],
        },
        'admin.withdrew': { target: 'withdrawn', actions: ['recordWithdrawalReason', 'recordWithdrawal'] },
      },
    },
    submitted: {
      entry: 'markEntered',
      on: {
        'staff.approved': {
          target: 'awaitingActivation',
          actions: [
            'recordDecision',
            'queueActivationEmail',
            { type: 'notifyAdmin', params: { about: 'approved' } },
          ],
        },
        ...rejectOrRequestChanges,
        ...withdrawUnderReview,
      },
    },
    changesRequested: {
      entry: 'markEntered',
      on: {
        'admin.submitted': {
          target: 'submitted',
          actions: ['recordSubmission', { type: 'notifyStaff', params: { about: 'submitted' } }],
        },
        'admin.withdrew': { target: 'withdrawn', actions: ['recordWithdrawalReason', 'recordWithdrawal'] },
      },
    },
    awaitingActivation: {
      entry: 'markEntered',
      on: {
        'admin.activated': { target: 'active' },
        // Targetless: stays in the state, `enteredAt` (waiting since) unchanged.
        'support.activationResent': { actions: 'queueActivationEmail' },
        'admin.withdrew': { target: 'withdrawn', actions: ['recordWithdrawalReason', 'recordWithdrawal'] },
      },
    },
    /** Not final: programs are registered under an active organization. Accepts no events. */
    active: { entry: 'markEntered' },
    rejected: { type: 'final', entry: 'markEntered' },
    withdrawn: { type: 'final', entry: 'markEntered' },
  },
});
