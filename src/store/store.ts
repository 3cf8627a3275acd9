import type { Lang } from '../domain/lang.ts';

/**
 * The persistence interface the core uses. Plain data in, plain data out: no Prisma type
 * crosses this boundary, so the core can be read (and tested) without knowing the ORM.
 *
 * Every write that belongs to one state change happens inside `transaction()`, through
 * the `StoreTx` it hands out: the snapshot, its audit event and the outbox rows commit
 * together or not at all.
 */

export type EntityKind = 'organization' | 'program';
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export type PersonRecord = {
  id: string;
  displayName: string;
  email: string | null;
  lang: Lang;
  timeZone: string;
  passwordHash: string | null;
  activatedAt: Date | null;
};

export type IdentityRecord = {
  personId: string;
  channel: string;
  externalId: string;
  address: JsonValue | null;
};

export type OrganizationRecord = { id: string; displayName: string; adminPersonId: string; createdAt: Date };
export type ProgramRecord = OrganizationRecord & { organizationId: string };

export type WorkflowRecord = {
  entityId: string;
  kind: EntityKind;
  machineVersion: number;
  snapshot: JsonObject;
  stateKey: string;
  step: number;
  waitingOn: string;
  enteredAt: Date;
  /** Optimistic-concurrency counter, bumped by every update. */
  version: number;
};

export type DraftRecord = {
  id: string;
  formId: string;
  entityId: string;
  personId: string;
  answers: JsonObject;
  /** Field ids the person chose to skip (optional fields only). */
  skipped: string[];
  version: number;
  updatedAt: Date;
};

export type SubmissionRecord = {
  id: string;
  formId: string;
  entityId: string;
  personId: string;
  number: number;
  answers: JsonObject;
  createdAt: Date;
};

export type DecisionOutcome = 'approved' | 'rejected' | 'changesRequested' | 'accessGranted' | 'accessDeclined';

export type DecisionRecord = {
  id: string;
  submissionId: string;
  outcome: DecisionOutcome;
  decidedBy: string;
  reason: string | null;
  createdAt: Date;
};

export type AuditRecord = {
  entityType: string;
  entityId: string;
  organizationId: string | null;
  actorId: string | null;
  action: string;
  fromState: string | null;
  toState: string | null;
  reason: string | null;
  data: JsonObject | null;
  createdAt: Date;
};

export type OutboxInput = { id: string; kind: string; dedupeKey: string; payload: JsonObject; nextAttemptAt: Date };
export type OutboxRecord = OutboxInput & { status: string; attempts: number; lastError: string | null; sentAt: Date | null };

export type LinkTokenRecord = {
  id: string;
  purpose: 'activation' | 'platform';
  personId: string;
  entityId: string;
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
};

export type SlotRecord = {
  id: string;
  startsAt: Date;
  timeZone: string;
  durationMinutes: number;
  language: Lang;
  capacity: number;
  bookedCount: number;
  videoUrl: string;
  isSample: boolean;
  createdBy: string;
  cancelledAt: Date | null;
};

export type BookingRecord = {
  id: string;
  slotId: string;
  programId: string;
  personId: string;
  status: 'booked' | 'cancelled';
  createdAt: Date;
  cancelledAt: Date | null;
  /** Calendar invitation UID, kept across moves; null means `booking-<id>@onboarding-assistant`. */
  calendarUid: string | null;
  /** SEQUENCE of the latest invitation sent for the UID. */
  calendarSequence: number;
};

export type PlatformAccountRecord = {
  id: string;
  programId: string;
  username: string;
  email: string;
  passwordHash: string;
  mustChangePassword: boolean;
  registeredAt: Date | null;
};

export interface StoreTx {
  // People and the channels they are reached in.
  getPerson(id: string): Promise<PersonRecord | null>;
  /** Several people in one query (unknown ids are left out). */
  getPeople(ids: readonly string[]): Promise<PersonRecord[]>;
  findPersonByEmail(email: string): Promise<PersonRecord | null>;
  createPerson(person: Omit<PersonRecord, 'passwordHash' | 'activatedAt'>): Promise<void>;
  updatePerson(id: string, patch: Partial<Omit<PersonRecord, 'id'>> & { termsAcceptedAt?: Date }): Promise<void>;
  findIdentity(channel: string, externalId: string): Promise<IdentityRecord | null>;
  /** The identity with its person, in one query (every message starts with it); `updatedAt`: its last write. */
  findIdentityWithPerson(channel: string, externalId: string): Promise<{ identity: IdentityRecord & { updatedAt: Date }; person: PersonRecord } | null>;
  identitiesOf(personId: string): Promise<IdentityRecord[]>;
  upsertIdentity(identity: IdentityRecord): Promise<void>;

  // Organizations and programs.
  createOrganization(org: Omit<OrganizationRecord, 'createdAt'>): Promise<void>;
  getOrganization(id: string): Promise<OrganizationRecord | null>;
  /** Several organizations in one query (unknown ids are left out). */
  getOrganizations(ids: readonly string[]): Promise<OrganizationRecord[]>;
  renameOrganization(id: string, displayName: string): Promise<void>;
  organizationsOf(personId: string): Promise<OrganizationRecord[]>;
  createProgram(program: Omit<ProgramRecord, 'createdAt'>): Promise<void>;
  getProgram(id: string): Promise<ProgramRecord | null>;
  renameProgram(id: string, displayName: string): Promise<void>;
  programsOf(organizationId: string): Promise<ProgramRecord[]>;
  /** Case- and accent-insensitive substring match on names. */
  searchOrganizations(text: string, limit: number): Promise<OrganizationRecord[]>;
  searchPrograms(text: string, limit: number): Promise<ProgramRecord[]>;
  /** Organizations and programs whose submitted forms name this contact email. */
  entitiesByContactEmail(email: string, limit: number): Promise<string[]>;

  // Workflow snapshots.
  getWorkflow(entityId: string): Promise<WorkflowRecord | null>;
  getWorkflows(entityIds: readonly string[]): Promise<WorkflowRecord[]>;
  insertWorkflow(record: Omit<WorkflowRecord, 'version'>): Promise<void>;
  /** Writes only if the stored version is still `record.version`; false means someone else wrote first. */
  updateWorkflow(record: WorkflowRecord): Promise<boolean>;

  // Forms.
  getDraft(formId: string, entityId: string): Promise<DraftRecord | null>;
  /** Inserts (version 0) or updates when the stored version matches; false on a lost race. */
  saveDraft(draft: Omit<DraftRecord, 'updatedAt'>): Promise<boolean>;
  deleteDraft(formId: string, entityId: string): Promise<void>;
  /** The person's drafts, most recently changed first. */
  draftsOf(personId: string, limit: number): Promise<DraftRecord[]>;
  insertSubmission(submission: Omit<SubmissionRecord, 'createdAt'>): Promise<void>;
  getSubmission(id: string): Promise<SubmissionRecord | null>;
  latestSubmission(formId: string, entityId: string): Promise<SubmissionRecord | null>;

  // Decisions: at most one per submission.
  /** Returns the decision that stands: the new one, or the one another person recorded first. */
  insertDecision(decision: Omit<DecisionRecord, 'createdAt'> & { createdAt: Date }): Promise<{ inserted: boolean; decision: DecisionRecord }>;
  getDecision(submissionId: string): Promise<DecisionRecord | null>;

  // Audit log and outbox.
  appendAudit(event: AuditRecord): Promise<void>;
  history(entityIds: readonly string[], limit: number): Promise<AuditRecord[]>;
  /** The programs of several organizations, in one query (each organization's in creation order). */
  programsOfMany(organizationIds: readonly string[]): Promise<ProgramRecord[]>;
  /** Ignores a message whose dedupeKey is already queued. */
  enqueue(message: OutboxInput): Promise<void>;

  // Emailed links.
  createLinkToken(token: LinkTokenRecord): Promise<void>;
  getLinkToken(id: string): Promise<LinkTokenRecord | null>;
  /** Marks the token used if it is still unused and unrevoked; false otherwise. */
  useLinkToken(id: string, at: Date): Promise<boolean>;
  revokeLinkTokens(entityId: string, purpose: LinkTokenRecord['purpose'], at: Date): Promise<void>;

  // Onboarding sessions.
  createSlot(slot: Omit<SlotRecord, 'bookedCount' | 'cancelledAt'>): Promise<void>;
  getSlot(id: string): Promise<SlotRecord | null>;
  listSlots(options: { from: Date; includeFull: boolean; limit: number }): Promise<SlotRecord[]>;
  countSlots(): Promise<number>;
  /** Takes one seat if one is left: a conditional update, so capacity holds under concurrency. */
  takeSeat(slotId: string): Promise<boolean>;
  releaseSeat(slotId: string): Promise<void>;
  createBooking(booking: Omit<BookingRecord, 'cancelledAt' | 'status' | 'calendarUid' | 'calendarSequence'> & Partial<Pick<BookingRecord, 'calendarUid' | 'calendarSequence'>>): Promise<void>;
  activeBooking(programId: string): Promise<BookingRecord | null>;
  cancelBooking(id: string, at: Date): Promise<boolean>;

  // The virtual mentoring platform's accounts (the default provisioning port).
  createPlatformAccount(account: Omit<PlatformAccountRecord, 'registeredAt' | 'mustChangePassword'>): Promise<void>;
  platformAccountOf(programId: string): Promise<PlatformAccountRecord | null>;
  completePlatformAccount(programId: string, passwordHash: string, at: Date): Promise<void>;
  setPlatformPassword(programId: string, passwordHash: string): Promise<void>;

  // Channel messages to update later (staff cards).
  getChannelMessage(channel: string, key: string): Promise<JsonValue | null>;
  setChannelMessage(channel: string, key: string, ref: JsonValue): Promise<void>;

  // Settings generated at first start.
  getSetting(key: string): Promise<string | null>;
  /** Stores the value unless the key exists; returns whichever value is stored. */
  ensureSetting(key: string, value: string): Promise<string>;
  setSetting(key: string, value: string): Promise<void>;

  // ---- Reminders, slot changes and calendar invitations (added with src/core/reminders.ts).
  getBooking(id: string): Promise<BookingRecord | null>;
  /** Active (`booked`) bookings of a slot, oldest first. */
  listBookingsOnSlot(slotId: string): Promise<BookingRecord[]>;
  /** Marks the slot cancelled if it is not already; false otherwise. */
  cancelSlot(id: string, at: Date): Promise<boolean>;
  /**
   * Changes a slot that is not cancelled. A new capacity applies only if it is at least
   * the seats taken (checked in the same UPDATE, so it holds against concurrent bookings);
   * false when the slot is cancelled, missing, or the capacity is below the seats taken.
   */
  updateSlot(id: string, patch: Partial<Pick<SlotRecord, 'startsAt' | 'durationMinutes' | 'capacity' | 'videoUrl'>>): Promise<boolean>;
  /** Records the SEQUENCE of the latest invitation sent for a booking. */
  setCalendarSequence(bookingId: string, sequence: number): Promise<void>;
  /** `stop reminders` (a date) or resuming them (null). */
  setRemindersStopped(personId: string, at: Date | null): Promise<void>;
  getRemindersStoppedAt(personId: string): Promise<Date | null>;
  /** The latest link of this purpose created for the entity (used or not). */
  latestLinkToken(entityId: string, purpose: LinkTokenRecord['purpose']): Promise<LinkTokenRecord | null>;
  /**
   * Moves pending outbox rows whose dedupeKey starts with `prefix` to `nextAttemptAt`
   * (a reminder pushed back because the person was active). Returns how many moved.
   */
  /** Pending rows whose dedupe key starts with any of `prefixes` become due at `nextAttemptAt` (one statement). */
  rescheduleOutbox(prefixes: string | readonly string[], nextAttemptAt: Date): Promise<number>;
  /**
   * Marks a row sent from inside the transaction that did its work, if `workerId` still
   * holds it: the work and the completion commit together, so a reminder acts exactly
   * once even if its worker crashes or its lease expires. False when the lease was lost.
   */
  finishOutbox(id: string, workerId: string, at: Date, payload: JsonObject): Promise<boolean>;
}

export interface OnboardingStore extends StoreTx {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `fn` in one database transaction; everything it writes commits together. */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;

  /** Remembers an inbound event id; false when it was seen before (a retry). */
  recordInboundEvent(id: string, at: Date): Promise<boolean>;
  /**
   * Records an inbound message to be acknowledged before its turn runs, with what is needed
   * to run the turn again (`payload`); true the first time. Until the turn has written
   * something (`runInboundTurn`), the message can be replayed (`claimStaleInbound`).
   */
  recordPendingInbound(id: string, at: Date, payload: JsonObject): Promise<boolean>;
  /**
   * Runs the turn of a pending inbound message. Its first committed transaction also marks
   * the message processed (so a replay never applies it twice); a turn that wrote nothing
   * marks it when it ends. `superseded()` says whether another run (a replay) got there
   * first: then this run's writes were rolled back and it should not answer.
   */
  runInboundTurn<T>(id: string, turn: (superseded: () => boolean) => Promise<T>): Promise<T>;
  /** Pending messages received before `receivedBefore`, not claimed since `claimedBefore`: claimed now, oldest first. */
  claimStaleInbound(options: { receivedBefore: Date; claimedBefore: Date; now: Date; limit: number }): Promise<Array<{ id: string; payload: JsonObject }>>;

  // Outbox delivery.
  /**
   * Leases up to `limit` due messages to `workerId` until `leaseUntil`, skipping rows
   * another worker holds (`FOR UPDATE SKIP LOCKED`), so two instances never deliver the
   * same row at once. A lease that expires (crashed worker) makes the row due again.
   */
  claimOutbox(options: { now: Date; limit: number; workerId: string; leaseUntil: Date; kinds?: readonly string[] }): Promise<OutboxRecord[]>;
  completeOutbox(id: string, workerId: string, at: Date, payload?: JsonObject): Promise<void>;
  failOutbox(id: string, workerId: string, error: string, nextAttemptAt: Date | null): Promise<void>;
  /** Puts a leased row back to pending, due at `nextAttemptAt`, without counting the attempt. */
  deferOutbox(id: string, workerId: string, nextAttemptAt: Date, payload?: JsonObject): Promise<void>;
  outboxMessages(filter?: { kind?: string; status?: string }): Promise<OutboxRecord[]>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;

  // Reporting (the onboarding funnel). Read-only aggregates computed by the database; the
  // caller passes the state → step mapping, so the store needs no knowledge of the machines.
  /** How many workflows are in each (kind, state): one GROUP BY over the (kind, stateKey) index. */
  countWorkflowStates(): Promise<WorkflowStateCount[]>;
  /** Workflows in these states, the longest in their state first (oldest `enteredAt`), with their names. */
  oldestWorkflows(options: { states: readonly WorkflowStateRef[]; limit: number }): Promise<WaitingWorkflowRecord[]>;
  /**
   * How many workflows entered these states per week (weeks start on Monday in `timeZone`),
   * from the Monday `fromWeek` (`YYYY-MM-DD`, inclusive) to the Monday `toWeek` (exclusive).
   * Counts the workflows still in those states: meant for states that take no more events.
   */
  workflowsEnteredByWeek(options: { states: readonly WorkflowStateRef[]; fromWeek: string; toWeek: string; timeZone: string }): Promise<WeeklyStateCount[]>;
  /**
   * Time spent in each step, from the audit log: a visit starts at the transition into a
   * state of the step (from a state outside it) and ends at the entity's next transition
   * that changes step. States not listed belong to no step (finished, rejected, withdrawn).
   * Counts the visits that ended in [leftFrom, leftBefore); percentiles interpolate linearly.
   */
  stepDurations(options: { states: readonly WorkflowStateStep[]; leftFrom: Date; leftBefore: Date }): Promise<StepDurationStats[]>;
}

/** A write lost an optimistic-concurrency race; the caller reloads and tries again. */
export class ConcurrencyConflict extends Error {
  override readonly name = 'ConcurrencyConflict';
}

/** A state of one machine, as stored in `WorkflowSnapshot.stateKey`. */
export type WorkflowStateRef = { kind: EntityKind; stateKey: string };
export type WorkflowStateStep = WorkflowStateRef & { step: number };
export type WorkflowStateCount = WorkflowStateRef & { count: number };
export type WeeklyStateCount = WorkflowStateRef & { weekStart: string; count: number };

export type WaitingWorkflowRecord = {
  entityId: string;
  kind: EntityKind;
  name: string;
  /** The organization itself, or the program's organization. */
  organizationId: string;
  organizationName: string;
  stateKey: string;
  step: number;
  waitingOn: string;
  enteredAt: Date;
};

export type StepDurationStats = { step: number; samples: number; medianHours: number; p90Hours: number };
