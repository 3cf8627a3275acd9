/**
 * Payload parts shared by the organization and program machines.
 *
 * Every event carries who acted (`by`, a person id) and when (`at`, an ISO-8601
 * string chosen by the host): the machines never read a clock or make up ids, so
 * stepping a stored snapshot with the same event always gives the same result.
 */

export interface Acting {
  /** Person id of whoever caused the event (admin, staff member, support agent). */
  by: string;
  /** ISO-8601 timestamp of the event, supplied by the host. */
  at: string;
}

/** Staff decisions carry the id of the decision record the host created for them. */
export interface StaffDecision extends Acting {
  decisionId: string;
}

/** Negative decisions must say why; see `hasReason`. */
export interface StaffDecisionWithReason extends StaffDecision {
  reason: string;
}

export interface Withdrawal extends Acting {
  reason?: string;
}

/** The common shape of staff decisions on a submission (organization or program). */
export type SubmissionDecisionEvent =
  | ({ type: 'staff.approved' } & StaffDecision)
  | ({ type: 'staff.rejected' } & StaffDecisionWithReason)
  | ({ type: 'staff.changesRequested' } & StaffDecisionWithReason);

/** True when the event carries a `reason` with at least one non-blank character. */
export function eventHasReason(event: object): boolean {
  return 'reason' in event && typeof event.reason === 'string' && event.reason.trim() !== '';
}

/** `reason` of an event that may carry one, blank reasons counting as none. */
export function reasonOf(event: { reason?: string }): string | null {
  const reason = event.reason?.trim();
  return reason ? reason : null;
}
