/**
 * The staff review of a submitted form, the same in the organization and the program
 * machine: a rejection or a request for changes needs a reason, records the decision,
 * queues the email and tells the administrator; a withdrawal while staff hold the card
 * tells staff it is gone. (Approval differs per machine: each declares its own.)
 *
 * Plain transition configs: each machine spreads them into its `submitted` state, where
 * `setup()` checks the action and guard names against its own implementations.
 */
export const rejectOrRequestChanges = {
  'staff.rejected': {
    guard: 'hasReason',
    target: 'rejected',
    actions: [
      'recordDecision',
      { type: 'queueDecisionEmail', params: { decision: 'rejected' } },
      { type: 'notifyAdmin', params: { about: 'rejected' } },
    ],
  },
  'staff.changesRequested': {
    guard: 'hasReason',
    target: 'changesRequested',
    actions: [
      'recordDecision',
      { type: 'queueDecisionEmail', params: { decision: 'changesRequested' } },
      { type: 'notifyAdmin', params: { about: 'changesRequested' } },
    ],
  },
} as const;

/** Withdrawn while staff hold its decision card: the card is taken back. */
export const withdrawUnderReview = {
  'admin.withdrew': {
    target: 'withdrawn',
    actions: ['recordWithdrawalReason', 'recordWithdrawal', { type: 'notifyStaff', params: { about: 'withdrawn' } }],
  },
} as const;
