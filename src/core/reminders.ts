import { randomUUID } from 'node:crypto';
import type { Lang } from '../domain/lang.ts';
import type { EmailMessage } from '../mail/messages.ts';
import type { EntityKind, JsonObject, OnboardingStore, OutboxRecord, PersonRecord, StoreTx, WorkflowRecord } from '../store/store.ts';
import { OutboxDeferral, type OutboxHandler } from './outbox-worker.ts';
import { contextOf } from './workflow.ts';
import { addBusinessDays, fromWallTime, safeTimeZone, wallTime } from './zoned-time.ts';

/**
 * Reminders and nudges that survive restarts: every due time is a row in the outbox
 * (kind `reminder`, `nextAttemptAt` = when it is due), written in the transaction of the
 * change that makes it necessary, with a deterministic `dedupeKey` so scheduling twice is
 * harmless. The outbox worker claims due rows with `FOR UPDATE SKIP LOCKED`, so one
 * instance handles each.
 *
 * When a row comes due, `reminderHandler` looks at the state *now*: if the thing was done
 * (the form submitted, the link used, a session booked…) or the step was left and entered
 * again (the row's `anchor` no longer matches), it does nothing. Otherwise, unless the
 * person stopped reminders or it is quiet hours where they live (then the row is put back
 * until the quiet hours end), it queues the nudge (chat notification, email) and the next
 * nudge of the chain, at most `maxNudges` per step. The nudge rows and the completion of
 * the reminder row commit in one transaction (`StoreTx.finishOutbox`), so a nudge goes
 * out once even when a worker dies or its lease runs out mid-way.
 *
 * A nudge that comes due while the person has stopped reminders is not sent: its row is
 * finished as `stopped` and, for the nudges of a step (not the day-before reminder of a
 * session, which only makes sense on its day), a *paused* copy of it is queued, keyed by
 * the person (`reminder:paused:<personId>:…`) and parked far in the future. `resume
 * reminders` brings the person's paused rows back to one delay after the resume
 * (`REMINDER_DELAYS.afterResumeMs`): each step still waiting gets its next nudge then,
 * not a burst of everything missed, and the chain goes on from the number it stopped at.
 */

export type ReminderType =
  /**
   * A form untouched for 3 days, pushed back when it changes: the organization or program
   * registration, or the access request of step 3 (`formId: 'accessRequest'`).
   */
  | 'draftIdle'
  /** The activation link not used after 3 days: a fresh link is sent. */
  | 'activationUnused'
  /** A program approved 7 days ago with no onboarding session booked. */
  | 'noSessionBooked'
  /** Platform access granted 3 days ago, registration on the platform not completed. */
  | 'platformUnregistered'
  /** The day before a booked session, with the video link. */
  | 'sessionTomorrow'
  /** Staff: a submission waiting for a decision for 2 business days, raised again in the staff channel. */
  | 'decisionOverdue';

export const REMINDER_TYPES: readonly ReminderType[] = ['draftIdle', 'activationUnused', 'noSessionBooked', 'platformUnregistered', 'sessionTomorrow', 'decisionOverdue'];

const DAY = 86_400_000;

/** How long after the step began each nudge comes (and again after each nudge). */
export const REMINDER_DELAYS = {
  draftIdleMs: 3 * DAY,
  activationUnusedMs: 3 * DAY,
  noSessionBookedMs: 7 * DAY,
  platformUnregisteredMs: 3 * DAY,
  decisionOverdueBusinessDays: 2,
  sessionTomorrowMs: DAY,
  /**
   * After `resume reminders`, how long until the next nudge of each step still waiting: a
   * day, so that the person is not flooded with everything missed the moment they resume.
   */
  afterResumeMs: DAY,
} as const;

/** Defaults of the configuration variables. */
export const REMINDER_DEFAULTS = {
  /** `QUIET_HOURS`: no nudge from 21:00 to 08:00 in the person's time zone. */
  quietHours: '21-8',
  /** `MAX_NUDGES`: nudges per step and person. */
  maxNudges: 2,
  /** Zone of the staff channel: business days and quiet hours of staff nudges. */
  staffTimeZone: 'America/Toronto',
} as const;

/** What a reminder row holds. `anchor` ties it to one occurrence of a step. */
export type ReminderPayload = {
  readonly reminder: ReminderType;
  readonly kind: EntityKind;
  readonly entityId: string;
  readonly organizationId: string;
  /**
   * The occurrence of the step: when the state was entered (ISO), the submission waiting
   * for a decision, or `<bookingId>@<startsAt>` for a session. A row whose anchor no
   * longer matches the current state belongs to a step that is over: it does nothing.
   */
  readonly anchor: string;
  /** 1 for the first nudge of the step, 2 for the second… */
  readonly nudge: number;
  readonly formId?: string;
  readonly bookingId?: string;
  readonly startsAt?: string;
  readonly submissionId?: string;
};

/** What the handler did, written back into the row's payload (for support and tests). */
export type ReminderOutcome = 'sent' | 'done' | 'superseded' | 'stopped' | 'capped' | 'unreachable';

// ---------------------------------------------------------------- quiet hours

/** Quiet hours as minutes after local midnight; `start > end` spans midnight. */
export type QuietHours = { readonly start: number; readonly end: number };

/**
 * Parses `QUIET_HOURS`: `21-8`, `21:30-07:45`; `off`, `none` or empty for none.
 * Throws with a message naming the expected form.
 */
export function parseQuietHours(value: string | undefined): QuietHours | null {
  const text = (value ?? '').trim().toLowerCase();
  if (text === '' || text === 'off' || text === 'none') return null;
  const m = text.match(/^(\d{1,2})(?::(\d{2}))?\s*-\s*(\d{1,2})(?::(\d{2}))?$/);
  const minutes = (h: string | undefined, mm: string | undefined) => Number(h) * 60 + Number(mm ?? 0);
  if (m) {
    const start = minutes(m[1], m[2]);
    const end = minutes(m[3], m[4]);
    const ok = (x: number, mm: string | undefined) => x <= 24 * 60 && Number(mm ?? 0) < 60;
    if (ok(start, m[2]) && ok(end, m[4])) {
      const norm = (x: number) => x % (24 * 60);
      return norm(start) === norm(end) ? null : { start: norm(start), end: norm(end) };
    }
  }
  throw new Error(`"${value}" is not a range of hours (expected e.g. 21-8 or 21:30-07:00, or off)`);
}

/** When the quiet hours around `at` end in `timeZone`, or null when `at` is not in them. */
export function quietUntil(at: Date, quiet: QuietHours | null, timeZone: string): Date | null {
  if (!quiet) return null;
  const zone = safeTimeZone(timeZone);
  const w = wallTime(at, zone);
  const minute = w.hour * 60 + w.minute;
  const spansMidnight = quiet.start > quiet.end;
  const inQuiet = spansMidnight ? minute >= quiet.start || minute < quiet.end : minute >= quiet.start && minute < quiet.end;
  if (!inQuiet) return null;
  // In the evening part of a range that spans midnight, the end is tomorrow.
  const day = new Date(Date.UTC(w.year, w.month - 1, w.day + (spansMidnight && minute >= quiet.start ? 1 : 0)));
  const end = fromWallTime(
    { year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: day.getUTCDate(), hour: Math.floor(quiet.end / 60), minute: quiet.end % 60 },
    zone,
  );
  return end.getTime() > at.getTime() ? end : null;
}

// ---------------------------------------------------------------- scheduling (inside the service's transactions)

export function reminderKey(p: Pick<ReminderPayload, 'reminder' | 'entityId' | 'anchor' | 'nudge'>): string {
  return `reminder:${p.reminder}:${p.entityId}:${p.anchor}:${p.nudge}`;
}

/**
 * A nudge held back while its person stopped reminders. The key starts with the person,
 * so that `resume reminders` finds all of theirs with one prefix; one paused row per
 * step and nudge number, since only the row of that nudge (unique itself) parks it.
 */
export function pausedReminderKey(personId: string, p: Pick<ReminderPayload, 'reminder' | 'entityId' | 'anchor' | 'nudge'>): string {
  return `${pausedPrefix(personId)}${p.reminder}:${p.entityId}:${p.anchor}:${p.nudge}`;
}

function pausedPrefix(personId: string): string {
  return `reminder:paused:${personId}:`;
}

/** Where paused rows wait: far enough that no worker claims them until a resume moves them. */
export const PAUSED_UNTIL = new Date('9999-01-01T00:00:00.000Z');

/** Reminders that form a chain of nudges about a step, paused (not dropped) by `stop reminders`. */
const PAUSABLE: ReadonlySet<ReminderType> = new Set(['draftIdle', 'activationUnused', 'noSessionBooked', 'platformUnregistered']);

/** Queues one reminder row; a second call with the same step and nudge is ignored. */
export async function scheduleReminder(tx: StoreTx, payload: ReminderPayload, due: Date): Promise<void> {
  await tx.enqueue({ id: randomUUID(), kind: 'reminder', dedupeKey: reminderKey(payload), nextAttemptAt: due, payload: payload as unknown as JsonObject });
}

/**
 * The reminders a state starts: called with the workflow record just written (a new
 * draft, or a transition that entered another state). States without a reminder do nothing.
 */
export async function scheduleStateReminders(
  tx: StoreTx,
  input: { record: WorkflowRecord; organizationId: string; context: Record<string, unknown> },
): Promise<void> {
  const { record, organizationId, context } = input;
  const base = { kind: record.kind, entityId: record.entityId, organizationId, anchor: record.enteredAt.toISOString(), nudge: 1 };
  const at = record.enteredAt.getTime();
  switch (record.stateKey) {
    case 'draft':
    case 'changesRequested':
      await scheduleReminder(tx, { ...base, reminder: 'draftIdle', formId: record.kind }, new Date(at + REMINDER_DELAYS.draftIdleMs));
      return;
    case 'awaitingActivation':
      await scheduleReminder(tx, { ...base, reminder: 'activationUnused' }, new Date(at + REMINDER_DELAYS.activationUnusedMs));
      return;
    case 'approved.awaitingSession':
      await scheduleReminder(tx, { ...base, reminder: 'noSessionBooked' }, new Date(at + REMINDER_DELAYS.noSessionBookedMs));
      return;
    case 'approved.sessionBooked':
    case 'accessDeclined':
      // An access request started earlier can be sent (again): the session booked anew,
      // or access declined with a way to change the request. Without a draft there is
      // nothing to finish yet; opening the form schedules it (startAccessRequest).
      if (await tx.getDraft('accessRequest', record.entityId)) await scheduleAccessRequestReminder(tx, { record, organizationId, from: record.enteredAt });
      return;
    case 'awaitingPlatformRegistration':
      await scheduleReminder(tx, { ...base, reminder: 'platformUnregistered' }, new Date(at + REMINDER_DELAYS.platformUnregisteredMs));
      return;
    case 'submitted':
    case 'accessRequested': {
      const submissionId = waitingSubmission(record.stateKey, context);
      if (!submissionId) return;
      const due = addBusinessDays(record.enteredAt, REMINDER_DELAYS.decisionOverdueBusinessDays, REMINDER_DEFAULTS.staffTimeZone);
      await scheduleReminder(tx, { ...base, reminder: 'decisionOverdue', anchor: submissionId, submissionId }, due);
      return;
    }
    default:
      return;
  }
}

/**
 * The form changed: its idle reminder counts from now, a paused one too (`personId`, the
 * draft's person, finds it). While reminders are still stopped, a paused row moved this
 * way is parked again when it comes due, so moving it is harmless.
 */
export async function postponeDraftReminder(tx: StoreTx, entityId: string, at: Date, personId?: string): Promise<void> {
  const due = new Date(at.getTime() + REMINDER_DELAYS.draftIdleMs);
  await tx.rescheduleOutbox([`reminder:draftIdle:${entityId}:`, ...(personId ? [`${pausedPrefix(personId)}draftIdle:${entityId}:`] : [])], due);
}

/** Program states in which an access request (step 3) can be filled in and sent. */
const ACCESS_DRAFT_STATES: readonly string[] = ['approved.sessionBooked', 'accessDeclined'];

/**
 * The idle reminder of an access request draft, from `from` (when the draft was opened,
 * or the program entered a state where it can be sent again). Tied to the program's
 * current state like the other drafts: a program that leaves it (access requested, the
 * session cancelled) makes the row find nothing to do.
 */
export async function scheduleAccessRequestReminder(tx: StoreTx, input: { record: WorkflowRecord; organizationId: string; from: Date }): Promise<void> {
  const { record } = input;
  if (record.kind !== 'program' || !ACCESS_DRAFT_STATES.includes(record.stateKey)) return;
  await scheduleReminder(
    tx,
    { reminder: 'draftIdle', formId: 'accessRequest', kind: 'program', entityId: record.entityId, organizationId: input.organizationId, anchor: record.enteredAt.toISOString(), nudge: 1 },
    new Date(input.from.getTime() + REMINDER_DELAYS.draftIdleMs),
  );
}

/**
 * `resume reminders`: the person's paused nudges come due one delay after `at` (each step
 * still waiting gets one; a step finished meanwhile finds nothing to do). Returns how
 * many were brought back, and when.
 */
export async function resumePausedReminders(tx: StoreTx, personId: string, at: Date): Promise<{ count: number; dueAt: Date }> {
  const dueAt = new Date(at.getTime() + REMINDER_DELAYS.afterResumeMs);
  return { count: await tx.rescheduleOutbox(pausedPrefix(personId), dueAt), dueAt };
}

/**
 * The day-before reminder of a booking. The anchor holds the start time, so a slot that
 * moves gets a new reminder and the old one finds it no longer matches. No reminder when
 * the session is less than a day away (the booking confirmation has just gone out).
 */
export async function scheduleSessionReminder(
  tx: StoreTx,
  input: { bookingId: string; programId: string; organizationId: string; startsAt: Date; now: Date },
): Promise<void> {
  const due = new Date(input.startsAt.getTime() - REMINDER_DELAYS.sessionTomorrowMs);
  if (due.getTime() <= input.now.getTime()) return;
  const startsAt = input.startsAt.toISOString();
  await scheduleReminder(
    tx,
    { reminder: 'sessionTomorrow', kind: 'program', entityId: input.programId, organizationId: input.organizationId, anchor: `${input.bookingId}@${startsAt}`, nudge: 1, bookingId: input.bookingId, startsAt },
    due,
  );
}

function waitingSubmission(stateKey: string, context: Record<string, unknown>): string | null {
  const id = stateKey === 'accessRequested' ? context['accessRequestId'] : context['submissionId'];
  return typeof id === 'string' && id ? id : null;
}

// ---------------------------------------------------------------- handling due rows

/** What the reminders need from the onboarding service (system-triggered commands). */
export interface ReminderActions {
  /**
   * Sends a fresh activation link as support's `resendLink` would (old links revoked),
   * inside `tx`; false when there is nothing to resend any more.
   */
  resendLinkAsSystem(tx: StoreTx, entityId: string, purpose: 'activation' | 'platform', at: Date): Promise<boolean>;
}

export type ReminderHandlerOptions = {
  store: OnboardingStore;
  actions: ReminderActions;
  clock?: () => Date;
  /** Parsed `QUIET_HOURS`; null for none. Default 21:00–08:00. */
  quietHours?: QuietHours | null;
  /** `MAX_NUDGES`: nudges per step. Default 2. */
  maxNudges?: number;
  /** Zone of the staff channel. Default America/Toronto. */
  staffTimeZone?: string;
};

/** The lease was lost while the handler worked: another worker owns the row now. */
class LeaseLost extends Error {
  override readonly name = 'LeaseLost';
}

type Plan =
  | { readonly skip: ReminderOutcome }
  | { readonly defer: Date }
  | {
      /** Whose zone and `stop reminders` apply; null for the staff channel. */
      readonly person: PersonRecord | null;
      readonly zone: string;
      /** Latest moment worth sending; quiet hours are ignored rather than pass it. */
      readonly sendBefore?: Date;
      readonly send: (tx: StoreTx, key: string) => Promise<void>;
      /** When the next nudge of the chain is due (none for one-off reminders). */
      readonly repeatAt?: Date;
    };

/** The outbox handler for `reminder` rows. */
export function reminderHandler(options: ReminderHandlerOptions): OutboxHandler {
  const clock = options.clock ?? (() => new Date());
  const quiet = options.quietHours === undefined ? parseQuietHours(REMINDER_DEFAULTS.quietHours) : options.quietHours;
  const maxNudges = options.maxNudges ?? REMINDER_DEFAULTS.maxNudges;
  const staffZone = safeTimeZone(options.staffTimeZone ?? REMINDER_DEFAULTS.staffTimeZone);

  return async (row: OutboxRecord, context) => {
    if (!context) throw new Error('reminder rows are handled by an OutboxWorker (the lease id is needed)');
    const payload = parsePayload(row.payload);
    const now = clock();
    if (!payload) return { ...row.payload, outcome: 'unreachable' };
    const result = await options.store.transaction(async (tx) => {
      const finish = async (outcome: ReminderOutcome): Promise<JsonObject> => {
        const done: JsonObject = { ...row.payload, outcome, handledAt: now.toISOString() };
        if (!(await tx.finishOutbox(row.id, context.workerId, now, done))) throw new LeaseLost(`reminder ${row.id} taken over`);
        return done;
      };
      if (payload.nudge > maxNudges) return finish('capped');
      const plan = await planFor(tx, payload, now, { actions: options.actions, staffZone });
      if ('skip' in plan) return finish(plan.skip);
      if ('defer' in plan) return plan.defer;
      if (plan.person && (await tx.getRemindersStoppedAt(plan.person.id))) {
        // Already a paused row (moved by a change to its draft): parked again as it is.
        if (row.dedupeKey.startsWith(pausedPrefix(plan.person.id))) return PAUSED_UNTIL;
        if (PAUSABLE.has(payload.reminder)) {
          await tx.enqueue({ id: randomUUID(), kind: 'reminder', dedupeKey: pausedReminderKey(plan.person.id, payload), nextAttemptAt: PAUSED_UNTIL, payload: payload as unknown as JsonObject });
        }
        return finish('stopped');
      }
      const until = quietUntil(now, quiet, plan.zone);
      if (until && (!plan.sendBefore || until.getTime() < plan.sendBefore.getTime())) return until;
      await plan.send(tx, row.dedupeKey);
      if (plan.repeatAt && payload.nudge < maxNudges) await scheduleReminder(tx, { ...payload, nudge: payload.nudge + 1 }, plan.repeatAt);
      return finish('sent');
    });
    return result instanceof Date ? new OutboxDeferral(result) : result;
  };
}

function parsePayload(p: JsonObject): ReminderPayload | null {
  const str = (k: string) => (typeof p[k] === 'string' ? (p[k] as string) : undefined);
  const reminder = str('reminder');
  const kind = str('kind');
  const entityId = str('entityId');
  const organizationId = str('organizationId');
  const anchor = str('anchor');
  const nudge = typeof p['nudge'] === 'number' ? p['nudge'] : NaN;
  if (!reminder || !REMINDER_TYPES.includes(reminder as ReminderType)) return null;
  if ((kind !== 'organization' && kind !== 'program') || !entityId || !organizationId || !anchor || !Number.isInteger(nudge)) return null;
  return {
    reminder: reminder as ReminderType,
    kind,
    entityId,
    organizationId,
    anchor,
    nudge,
    ...(str('formId') ? { formId: str('formId') } : {}),
    ...(str('bookingId') ? { bookingId: str('bookingId') } : {}),
    ...(str('startsAt') ? { startsAt: str('startsAt') } : {}),
    ...(str('submissionId') ? { submissionId: str('submissionId') } : {}),
  };
}

type PlanContext = { actions: ReminderActions; staffZone: string };

/** Re-reads the state the reminder is about and decides what to do now. */
async function planFor(tx: StoreTx, r: ReminderPayload, now: Date, ctx: PlanContext): Promise<Plan> {
  const ref = { kind: r.kind, entityId: r.entityId, organizationId: r.organizationId };
  const notice = (personId: string, extra: JsonObject = {}) => ({ audience: 'person', personId, about: 'reminder', reminder: r.reminder, nudge: r.nudge, ...ref, ...extra });
  const wf = await tx.getWorkflow(r.entityId);
  const sameStep = (...states: string[]) => Boolean(wf && states.includes(wf.stateKey) && wf.enteredAt.toISOString() === r.anchor);

  switch (r.reminder) {
    case 'draftIdle': {
      // The access request (step 3) is a draft of the program too, editable in other states.
      const states = r.formId === 'accessRequest' ? ACCESS_DRAFT_STATES : ['draft', 'changesRequested'];
      if (!wf || !states.includes(wf.stateKey)) return { skip: 'done' };
      if (!sameStep(...states)) return { skip: 'superseded' };
      const draft = await tx.getDraft(r.formId ?? r.kind, r.entityId);
      const person = draft ? await tx.getPerson(draft.personId) : null;
      if (!person) return { skip: 'unreachable' };
      const name = (await entityName(tx, r.kind, r.entityId)) ?? '';
      return {
        person,
        zone: person.timeZone,
        repeatAt: new Date(now.getTime() + REMINDER_DELAYS.draftIdleMs),
        send: async (t, key) => {
          await notify(t, key, notice(person.id, { formId: r.formId ?? r.kind }), now);
          if (person.email) await email(t, key, { kind: 'draftReminder', to: person.email, lang: person.lang, recipientName: person.displayName, entityKind: r.kind, entityName: name }, now);
        },
      };
    }
    case 'activationUnused': {
      if (!wf || wf.stateKey !== 'awaitingActivation') return { skip: 'done' };
      if (!sameStep('awaitingActivation')) return { skip: 'superseded' };
      // A link sent since (support resent it) starts the wait again.
      const link = await tx.latestLinkToken(r.entityId, 'activation');
      if (link && link.createdAt.getTime() + REMINDER_DELAYS.activationUnusedMs > now.getTime()) {
        return { defer: new Date(link.createdAt.getTime() + REMINDER_DELAYS.activationUnusedMs) };
      }
      const org = await tx.getOrganization(r.entityId);
      const person = org ? await tx.getPerson(org.adminPersonId) : null;
      if (!org || !person) return { skip: 'unreachable' };
      return {
        person,
        zone: person.timeZone,
        repeatAt: new Date(now.getTime() + REMINDER_DELAYS.activationUnusedMs),
        send: async (t, key) => {
          await ctx.actions.resendLinkAsSystem(t, r.entityId, 'activation', now);
          await notify(t, key, notice(person.id), now);
        },
      };
    }
    case 'noSessionBooked': {
      if (!wf || wf.stateKey !== 'approved.awaitingSession' || (await tx.activeBooking(r.entityId))) return { skip: 'done' };
      if (!sameStep('approved.awaitingSession')) return { skip: 'superseded' };
      const program = await tx.getProgram(r.entityId);
      const person = program ? await tx.getPerson(program.adminPersonId) : null;
      if (!program || !person) return { skip: 'unreachable' };
      const submitted = (await tx.latestSubmission('program', r.entityId))?.answers;
      const to = typeof submitted?.['programAdminEmail'] === 'string' ? submitted['programAdminEmail'] : person.email;
      const name = typeof submitted?.['programAdminName'] === 'string' ? submitted['programAdminName'] : person.displayName;
      return {
        person,
        zone: person.timeZone,
        repeatAt: new Date(now.getTime() + REMINDER_DELAYS.noSessionBookedMs),
        send: async (t, key) => {
          await notify(t, key, notice(person.id), now);
          if (to) await email(t, key, { kind: 'sessionBookingReminder', to, lang: person.lang, recipientName: name, programName: program.displayName }, now);
        },
      };
    }
    case 'platformUnregistered': {
      const account = await tx.platformAccountOf(r.entityId);
      if (!wf || wf.stateKey !== 'awaitingPlatformRegistration' || account?.registeredAt) return { skip: 'done' };
      if (!sameStep('awaitingPlatformRegistration')) return { skip: 'superseded' };
      const program = await tx.getProgram(r.entityId);
      const person = program ? await tx.getPerson(program.adminPersonId) : null;
      if (!program || !person || !account) return { skip: 'unreachable' };
      const recipient = await tx.findPersonByEmail(account.email);
      const lang: Lang = recipient?.lang ?? person.lang;
      return {
        person,
        zone: person.timeZone,
        repeatAt: new Date(now.getTime() + REMINDER_DELAYS.platformUnregisteredMs),
        send: async (t, key) => {
          await notify(t, key, notice(person.id), now);
          await email(t, key, { kind: 'platformRegistrationReminder', to: account.email, lang, recipientName: recipient?.displayName ?? '', programName: program.displayName }, now);
        },
      };
    }
    case 'sessionTomorrow': {
      const booking = r.bookingId ? await tx.getBooking(r.bookingId) : null;
      const slot = booking ? await tx.getSlot(booking.slotId) : null;
      if (!booking || booking.status !== 'booked' || !slot || slot.cancelledAt) return { skip: 'done' };
      if (slot.startsAt.toISOString() !== r.startsAt) return { skip: 'superseded' };
      if (slot.startsAt.getTime() <= now.getTime()) return { skip: 'done' };
      const person = await tx.getPerson(booking.personId);
      const program = await tx.getProgram(booking.programId);
      if (!person || !program) return { skip: 'unreachable' };
      const to = person.email ?? (await designatedAdminEmail(tx, program.organizationId));
      const startsAt = slot.startsAt.toISOString();
      return {
        person,
        zone: person.timeZone,
        // Better a reminder in quiet hours than one after the session has begun.
        sendBefore: new Date(slot.startsAt.getTime() - 60 * 60_000),
        send: async (t, key) => {
          await notify(t, key, notice(person.id, { bookingId: booking.id, slotId: slot.id, startsAt, slotTimeZone: slot.timeZone, durationMinutes: slot.durationMinutes, videoUrl: slot.videoUrl }), now);
          if (to) {
            await email(
              t,
              key,
              { kind: 'sessionReminder', to, lang: person.lang, recipientName: person.displayName, programName: program.displayName, startsAt, timeZone: person.timeZone, durationMinutes: slot.durationMinutes, videoUrl: slot.videoUrl },
              now,
            );
          }
        },
      };
    }
    case 'decisionOverdue': {
      if (!wf || !['submitted', 'accessRequested'].includes(wf.stateKey)) return { skip: 'done' };
      const waiting = waitingSubmission(wf.stateKey, contextOf(wf));
      if (waiting !== r.submissionId || !r.submissionId) return { skip: 'superseded' };
      if (await tx.getDecision(r.submissionId)) return { skip: 'done' };
      // The first nudge counts business days in the staff zone as configured now.
      const due = addBusinessDays(wf.enteredAt, REMINDER_DELAYS.decisionOverdueBusinessDays, ctx.staffZone);
      if (r.nudge === 1 && due.getTime() > now.getTime()) return { defer: due };
      const submissionId = r.submissionId;
      return {
        person: null,
        zone: ctx.staffZone,
        repeatAt: addBusinessDays(now, REMINDER_DELAYS.decisionOverdueBusinessDays, ctx.staffZone),
        send: (t, key) =>
          notify(t, key, { audience: 'staff', about: 'reminder', reminder: r.reminder, nudge: r.nudge, ...ref, submissionId, waitingSince: wf.enteredAt.toISOString() }, now),
      };
    }
  }
}

async function entityName(tx: StoreTx, kind: EntityKind, id: string): Promise<string | null> {
  const e = kind === 'organization' ? await tx.getOrganization(id) : await tx.getProgram(id);
  return e?.displayName ?? null;
}

async function designatedAdminEmail(tx: StoreTx, organizationId: string): Promise<string | null> {
  const email = (await tx.latestSubmission('organization', organizationId))?.answers['adminEmail'];
  return typeof email === 'string' && email ? email : null;
}

async function notify(tx: StoreTx, key: string, payload: JsonObject, now: Date): Promise<void> {
  await tx.enqueue({ id: randomUUID(), kind: 'notification', dedupeKey: `${key}:chat`, nextAttemptAt: now, payload });
}

async function email(tx: StoreTx, key: string, message: EmailMessage, now: Date): Promise<void> {
  await tx.enqueue({ id: randomUUID(), kind: 'email', dedupeKey: `${key}:email`, nextAttemptAt: now, payload: { message: message as unknown as JsonObject } });
}
