import { knowsTimeZone } from './zoned-time.ts';
import { cleanDeep } from '../domain/clean-text.ts';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Lang, Localized } from '../domain/lang.ts';
import {
  allFields,
  defaultAnswers,
  fieldById,
  forms,
  nextField,
  normalizeAndValidateField,
  progressOf,
  sectionById,
  summarize,
  validateForm,
  validateSection,
  type Answers,
  type ChoiceOption,
  type FieldDefinition,
  type FieldError,
  type FormDefinition,
  type FormId,
  type SummarySection,
  type ValidationContext,
} from '../forms/index.ts';
import { checkAccessGate, programApprovedIn, type AccessGateRequirement } from '../machine/index.ts';
import type { CalendarInvitation, EmailMessage } from '../mail/messages.ts';
import {
  ConcurrencyConflict,
  type AuditRecord,
  type BookingRecord,
  type DecisionOutcome,
  type DecisionRecord,
  type DraftRecord,
  type EntityKind,
  type JsonObject,
  type OnboardingStore,
  type OrganizationRecord,
  type PersonRecord,
  type ProgramRecord,
  type SlotRecord,
  type StoreTx,
  type WorkflowRecord,
} from '../store/store.ts';
import { AppError, forbidden, notFound } from './errors.ts';
import { bookingCalendarUid } from './ics.ts';
import { newTokenId, type LinkSigner } from './link-tokens.ts';
import { checkPasswordStrength, hashPassword, verifyPassword } from './passwords.ts';
import { postponeDraftReminder, resumePausedReminders, scheduleAccessRequestReminder, scheduleSessionReminder, scheduleStateReminders } from './reminders.ts';
import { createStaffSignInLink } from './staff-sign-in.ts';
import { GATE_TEXT, STATE_TEXT } from './status-text.ts';
import { contextOf, initialWorkflow, stepWorkflow, type MachineAction, type MachineEvent, type StepResult } from './workflow.ts';

/**
 * The channel-neutral onboarding service: everything Slack, Teams, the playground and the
 * web pages can ask of the assistant. Each command runs in one transaction that writes the
 * new machine snapshot (conditional on the version it read), its audit event and the
 * outbox rows (emails, notifications) together; a lost race is retried from the start.
 */

export type Actor = {
  readonly personId: string;
  readonly lang: Lang;
  readonly isStaff: boolean;
  readonly isSupport: boolean;
};

export type ChannelProfile = {
  channel: string;
  externalId: string;
  displayName: string;
  email?: string | undefined;
  lang?: Lang | undefined;
  timeZone?: string | undefined;
  /** Where to reach the person proactively (conversation reference, DM channel id). */
  address?: JsonObject | undefined;
};

export type ServiceOptions = {
  store: OnboardingStore;
  clock?: () => Date;
  publicUrl: string;
  signer: LinkSigner;
  linkTtlMs: number;
  /** `channel:externalId` of staff and support people. */
  staffIds: readonly string[];
  supportIds: readonly string[];
};

export type FormRef = { formId: FormId; entityId: string };

export type FormView = FormRef & {
  form: FormDefinition;
  answers: Answers;
  skipped: string[];
  next: FieldDefinition | undefined;
  progress: { answered: number; total: number; requiredMissing: readonly string[] };
  /** 1-based position of `next` among all fields, for "question 5 of 14". */
  position: number;
  context: ValidationContext;
  entityName: string;
};

export type AnswerResult =
  | { ok: true; view: FormView }
  | { ok: false; errors: Record<string, FieldError>; view: FormView };

export type EntityStatus = {
  kind: EntityKind;
  id: string;
  name: string;
  state: string;
  step: number;
  waitingOn: string;
  waitingText: Localized;
  since: Date;
  submissionId: string | null;
  reason: string | null;
};

export type OrganizationStatus = EntityStatus & {
  adminPersonId: string;
  programs: EntityStatus[];
};

export type HistoryItem = AuditRecord & { actorName: string | null };

export type DecisionInput = { submissionId: string; outcome: 'approved' | 'rejected' | 'changesRequested'; reason?: string | undefined };

export type DecisionResult =
  | { ok: true; decision: DecisionRecord & { deciderName: string }; entity: EntityStatus; submissionId: string }
  | { ok: false; code: 'alreadyDecided'; decision: DecisionRecord & { deciderName: string } };

export type SubmissionView = {
  submissionId: string;
  formId: FormId;
  kind: EntityKind;
  entityId: string;
  organizationName: string;
  entityName: string;
  submittedBy: string;
  submittedAt: Date;
  number: number;
  summary: SummarySection[];
  decision: (DecisionRecord & { deciderName: string }) | null;
};

export type RefusalResult = { ok: false; code: 'accessGateClosed'; missing: AccessGateRequirement[]; message: Localized };

const MAX_RETRIES = 5;
const SUBMITTABLE: Record<EntityKind, ReadonlySet<string>> = {
  organization: new Set(['draft', 'changesRequested']),
  program: new Set(['draft', 'changesRequested']),
};
const ACCESS_EDITABLE = new Set(['approved.sessionBooked', 'approved.awaitingSession', 'accessDeclined']);

function localizedList(items: Localized[], lang: Lang): string {
  const parts = items.map((i) => i[lang]);
  if (parts.length <= 1) return parts.join('');
  const and = lang === 'fr' ? ' et ' : ' and ';
  return `${parts.slice(0, -1).join('; ')}${and}${parts.at(-1)}`;
}

export function gateRefusal(missing: AccessGateRequirement[]): RefusalResult {
  const items = missing.map((m) => GATE_TEXT[m]);
  return {
    ok: false,
    code: 'accessGateClosed',
    missing,
    message: {
      en: `Access can be requested only when the organization is active, the program approved and an onboarding session booked. Still needed: ${localizedList(items, 'en')}.`,
      fr: `L’accès ne peut être demandé que lorsque l’organisme est actif, le programme approuvé et une séance d’intégration réservée. Il manque encore : ${localizedList(items, 'fr')}.`,
    },
  };
}

/** How often a known identity is rewritten even when nothing changed (its `updatedAt` = last used, roughly). */
const IDENTITY_REFRESH_MS = 10 * 60_000;

export class OnboardingService {
  private readonly store: OnboardingStore;
  private readonly clock: () => Date;

  constructor(private readonly options: ServiceOptions) {
    this.store = options.store;
    this.clock = options.clock ?? (() => new Date());
  }

  now(): Date {
    return this.clock();
  }

  // ---------------------------------------------------------------- people

  /** Finds or creates the person behind a channel identity and says what they may do. */
  async identify(reported: ChannelProfile): Promise<Actor> {
    // Channels report names, locales and addresses as their users set them: made storable
    // first (a NUL in a display name would otherwise fail every message of that person).
    const profile = cleanDeep(reported);
    const key = `${profile.channel}:${profile.externalId}`;
    // A zone the channel reports is kept only when it is a real IANA zone.
    const reportedZone = profile.timeZone && isTimeZone(profile.timeZone) ? profile.timeZone : undefined;
    /**
     * What the channel knows better than the stored person: people move (and travel), and a
     * person first named by a bare id (a Slack profile that could not be read) gets their
     * real name. Empty when nothing changed, so an ordinary message writes nothing.
     */
    const patchFor = (p: PersonRecord): { timeZone?: string; displayName?: string } => {
      const reportedName = profile.displayName.slice(0, 200);
      return {
        ...(reportedZone && reportedZone !== p.timeZone ? { timeZone: reportedZone } : {}),
        ...(reportedName && reportedName !== profile.externalId && p.displayName === profile.externalId ? { displayName: reportedName } : {}),
      };
    };
    // Most messages come from someone known whose profile and address did not change: one
    // read, no transaction. The identity is still rewritten now and then (`updatedAt` tells
    // which channel a person used last, where news reaches them).
    const known = await this.store.findIdentityWithPerson(profile.channel, profile.externalId);
    if (known) {
      const { identity, person: p } = known;
      const addressSame = !profile.address || canonicalJson(profile.address) === canonicalJson(identity.address);
      const fresh = this.now().getTime() - identity.updatedAt.getTime() < IDENTITY_REFRESH_MS;
      if (Object.keys(patchFor(p)).length === 0 && addressSame && fresh) return this.actorFor(p, [key]);
    }
    const person = await this.retry(() =>
      this.store.transaction(async (tx) => {
        const identity = await tx.findIdentity(profile.channel, profile.externalId);
        let p = identity ? await tx.getPerson(identity.personId) : null;
        if (!p) {
          const byEmail = profile.email ? await tx.findPersonByEmail(profile.email) : null;
          p = byEmail;
          if (!p) {
            const created = {
              id: randomUUID(),
              displayName: profile.displayName.slice(0, 200) || profile.externalId,
              email: profile.email?.toLowerCase() ?? null,
              lang: profile.lang ?? 'en',
              timeZone: reportedZone ?? 'America/Toronto',
            } as const;
            await tx.createPerson(created);
            p = { ...created, passwordHash: null, activatedAt: null };
          }
        }
        const patch = patchFor(p);
        if (Object.keys(patch).length > 0) {
          await tx.updatePerson(p.id, patch);
          p = { ...p, ...patch };
        }
        if (!identity || profile.address) {
          await tx.upsertIdentity({ personId: p.id, channel: profile.channel, externalId: profile.externalId, address: profile.address ?? null });
        }
        return p;
      }),
    );
    return this.actorFor(person, [key]);
  }

  private actorFor(person: PersonRecord, keys: string[]): Actor {
    return {
      personId: person.id,
      lang: person.lang,
      isStaff: keys.some((k) => this.options.staffIds.includes(k)),
      isSupport: keys.some((k) => this.options.supportIds.includes(k) || this.options.staffIds.includes(k)),
    };
  }

  async setLanguage(actor: Actor, lang: Lang): Promise<Actor> {
    await this.store.updatePerson(actor.personId, { lang });
    return { ...actor, lang };
  }

  async person(personId: string): Promise<PersonRecord | null> {
    return this.store.getPerson(personId);
  }

  /** Identities of staff (for notifications), from the configured list. */
  staffIdentities(): readonly string[] {
    return this.options.staffIds;
  }

  // ---------------------------------------------------------------- overview and status

  /** The organizations an administrator registers, each with its programs. */
  async overview(actor: Actor): Promise<OrganizationStatus[]> {
    return this.organizationStatuses(await this.store.organizationsOf(actor.personId));
  }

  /** Organizations with their programs and states: three queries for all of them, not per organization. */
  private async organizationStatuses(orgs: readonly OrganizationRecord[]): Promise<OrganizationStatus[]> {
    const programs = await this.store.programsOfMany(orgs.map((o) => o.id));
    const workflows = new Map((await this.store.getWorkflows([...orgs.map((o) => o.id), ...programs.map((p) => p.id)])).map((w) => [w.entityId, w]));
    const statusOf = (kind: EntityKind, id: string, name: string): EntityStatus => {
      const w = workflows.get(id);
      if (!w) throw new Error(`no workflow for ${kind} ${id}`);
      return entityStatus(kind, id, name, w);
    };
    return orgs.map((o) => ({
      ...statusOf('organization', o.id, o.displayName),
      adminPersonId: o.adminPersonId,
      programs: programs.filter((p) => p.organizationId === o.id).map((p) => statusOf('program', p.id, p.displayName)),
    }));
  }


  /**
   * Support look-up: organization name (case and accents ignored, part of the name is
   * enough), a person's email, or a program name. Staff and support only; administrators
   * may look up their own organizations.
   */
  async status(actor: Actor, query: string): Promise<Array<OrganizationStatus & { history: HistoryItem[] }>> {
    const q = query.trim();
    if (!q) return [];
    const orgs = new Map<string, OrganizationRecord>();
    if (q.includes('@')) {
      const person = await this.store.findPersonByEmail(q);
      if (person) for (const o of await this.store.organizationsOf(person.id)) orgs.set(o.id, o);
      // An entity id is an organization's or a program's: both kinds of ids, in one query each.
      const ids = await this.store.entitiesByContactEmail(q, 20);
      const programs = await Promise.all(ids.map((id) => this.store.getProgram(id)));
      const orgIds = ids.map((id, i) => programs[i]?.organizationId ?? id);
      for (const o of await this.store.getOrganizations([...new Set(orgIds)])) orgs.set(o.id, o);
    } else {
      const [byName, programs] = await Promise.all([this.store.searchOrganizations(q, 10), this.store.searchPrograms(q, 10)]);
      for (const o of byName) orgs.set(o.id, o);
      const missing = [...new Set(programs.map((p) => p.organizationId))].filter((id) => !orgs.has(id));
      for (const o of await this.store.getOrganizations(missing)) orgs.set(o.id, o);
    }
    const visible = [...orgs.values()].filter((o) => actor.isSupport || actor.isStaff || o.adminPersonId === actor.personId);
    if (visible.length === 0 && orgs.size > 0) {
      throw new AppError('notSupport', 'status look-up by non-support', {
        en: 'Only support agents and staff can look up other organizations.',
        fr: 'Seuls les agents de soutien et le personnel peuvent consulter d’autres organismes.',
      });
    }
    // Ten organizations at most, each with its programs, states and last ten events: a few
    // queries for all of them rather than a few per organization.
    const shown = visible.slice(0, 10);
    const statuses = await this.organizationStatuses(shown);
    const events = await Promise.all(statuses.map((st) => this.store.history([st.id, ...st.programs.map((p) => p.id)], 10)));
    const names = await this.actorNames(events.flat());
    return statuses.map((s, i) => ({ ...s, history: (events[i] ?? []).map((r) => ({ ...r, actorName: r.actorId ? (names.get(r.actorId) ?? r.actorId) : null })) }));
  }

  private async actorNames(rows: readonly AuditRecord[]): Promise<Map<string, string>> {
    const actors = [...new Set(rows.map((r) => r.actorId).filter((x): x is string => Boolean(x)))];
    return new Map((await this.store.getPeople(actors)).map((p) => [p.id, p.displayName]));
  }

  async history(entityIds: string[], limit: number): Promise<HistoryItem[]> {
    const rows = await this.store.history(entityIds, limit);
    const names = await this.actorNames(rows);
    return rows.map((r) => ({ ...r, actorName: r.actorId ? (names.get(r.actorId) ?? r.actorId) : null }));
  }

  // ---------------------------------------------------------------- forms

  /** Starts registering a new organization (step 1): a draft owned by the actor. */
  async startOrganization(actor: Actor): Promise<FormView> {
    const id = randomUUID();
    const now = this.now();
    await this.store.transaction(async (tx) => {
      await tx.createOrganization({ id, displayName: '', adminPersonId: actor.personId });
      const wf = initialWorkflow('organization', { entityId: id, organizationId: id, createdAt: now });
      await tx.insertWorkflow(wf);
      await this.audit(tx, { entityType: 'organization', entityId: id, organizationId: id, actorId: actor.personId, action: 'created', toState: wf.stateKey, createdAt: now });
      await tx.saveDraft({ id: randomUUID(), formId: 'organization', entityId: id, personId: actor.personId, answers: {}, skipped: [], version: 0 });
      await scheduleStateReminders(tx, { record: wf, organizationId: id, context: contextOf(wf) });
    });
    return this.formView(actor, { formId: 'organization', entityId: id });
  }

  /** Starts registering a program (step 2) under an active organization. */
  async startProgram(actor: Actor, organizationId: string): Promise<FormView> {
    const id = randomUUID();
    const now = this.now();
    await this.store.transaction(async (tx) => {
      const org = await this.ownedOrganization(tx, actor, organizationId);
      const orgWf = await this.workflow(tx, org.id);
      if (orgWf.stateKey !== 'active') throw this.organizationNotActive();
      await tx.createProgram({ id, organizationId, displayName: '', adminPersonId: actor.personId });
      const wf = initialWorkflow('program', { entityId: id, organizationId, createdAt: now });
      await tx.insertWorkflow(wf);
      await this.audit(tx, { entityType: 'program', entityId: id, organizationId, actorId: actor.personId, action: 'created', toState: wf.stateKey, createdAt: now });
      await tx.saveDraft({ id: randomUUID(), formId: 'program', entityId: id, personId: actor.personId, answers: {}, skipped: [], version: 0 });
      await scheduleStateReminders(tx, { record: wf, organizationId, context: contextOf(wf) });
    });
    return this.formView(actor, { formId: 'program', entityId: id });
  }

  /**
   * Opens the access request form (step 3) for a program, or says precisely which of
   * the three conditions is missing.
   */
  async startAccessRequest(actor: Actor, programId: string): Promise<{ ok: true; view: FormView } | RefusalResult> {
    const gate = await this.accessGate(actor, programId);
    if (!gate.open) return gateRefusal(gate.missing);
    await this.retry(() =>
      this.store.transaction(async (tx) => {
        const existing = await tx.getDraft('accessRequest', programId);
        if (existing) return;
        const program = await this.ownedProgram(tx, actor, programId);
        const programAnswers = (await tx.latestSubmission('program', programId))?.answers ?? {};
        const defaults = defaultAnswers(forms.accessRequest, { program: programAnswers as Answers });
        const answers: JsonObject = { ...(defaults as JsonObject), programId: program.id };
        const saved = await tx.saveDraft({ id: randomUUID(), formId: 'accessRequest', entityId: programId, personId: actor.personId, answers, skipped: [], version: 0 });
        if (!saved) throw new ConcurrencyConflict('draft');
        // Like the other forms, an access request left untouched for 3 days is nudged.
        await scheduleAccessRequestReminder(tx, { record: await this.workflow(tx, programId), organizationId: program.organizationId, from: this.now() });
      }),
    );
    return { ok: true, view: await this.formView(actor, { formId: 'accessRequest', entityId: programId }) };
  }

  /** The three conditions of step 3, read from the database. */
  async accessGate(actor: Actor, programId: string) {
    const program = await this.ownedProgram(this.store, actor, programId);
    const [orgWf, progWf] = await Promise.all([this.workflow(this.store, program.organizationId), this.workflow(this.store, programId)]);
    return checkAccessGate({
      organizationActive: orgWf.stateKey === 'active',
      programApproved: programApprovedIn(progWf.stateKey),
      sessionBooked: Boolean((await this.store.activeBooking(programId)) ?? null),
    });
  }

  async formView(actor: Actor, ref: FormRef): Promise<FormView> {
    return (await this.loadForm(actor, ref)).view;
  }

  /** The view of a draft, and the draft itself (its version guards the next write). */
  private async loadForm(actor: Actor, ref: FormRef, preloaded?: DraftRecord): Promise<{ view: FormView; draft: DraftRecord }> {
    const draft = preloaded ?? (await this.store.getDraft(ref.formId, ref.entityId));
    if (!draft) throw notFound(`draft ${ref.formId}/${ref.entityId}`);
    // An organization's own form: the record read for its name is the one that says who owns it.
    const org = ref.formId === 'organization' ? await this.ownedOrganization(this.store, actor, ref.entityId) : undefined;
    const { entityName, organizationId } = org ? { entityName: org.displayName, organizationId: org.id } : await this.entityNames(this.store, ref);
    if (!org) await this.ownedOrganization(this.store, actor, organizationId);
    const context = await this.validationContext(ref, organizationId);
    return { view: viewOf(ref, draft.answers as Answers, draft.skipped, context, entityName), draft };
  }

  private async validationContext(ref: FormRef, organizationId: string): Promise<ValidationContext> {
    const today = this.now().toISOString().slice(0, 10);
    if (ref.formId !== 'accessRequest') return { today };
    const programs = await this.store.programsOf(organizationId);
    const workflows = await this.store.getWorkflows(programs.map((p) => p.id));
    const eligible = new Set(workflows.filter((w) => ACCESS_EDITABLE.has(w.stateKey) || w.entityId === ref.entityId).map((w) => w.entityId));
    const options: ChoiceOption[] = programs
      .filter((p) => eligible.has(p.id))
      .map((p) => ({ value: p.id, label: { en: p.displayName, fr: p.displayName } }));
    return { today, options: { programId: options } };
  }

  private async entityNames(tx: StoreTx, ref: FormRef): Promise<{ entityName: string; organizationId: string }> {
    if (ref.formId === 'organization') {
      const org = await tx.getOrganization(ref.entityId);
      if (!org) throw notFound('organization');
      return { entityName: org.displayName, organizationId: org.id };
    }
    const program = await tx.getProgram(ref.entityId);
    if (!program) throw notFound('program');
    return { entityName: program.displayName, organizationId: program.organizationId };
  }

  /**
   * Answers the question the form is waiting for (a typed message), in one read of the form;
   * null when no question is waiting (the form is complete).
   */
  async answerNext(actor: Actor, ref: FormRef, raw: unknown, preloaded?: DraftRecord): Promise<AnswerResult | null> {
    let asked: string | undefined;
    const result = await this.writeAnswers(actor, ref, preloaded, async (view) => {
      if (!view.next) return { errors: {} };
      asked = view.next.id;
      const checked = normalizeAndValidateField(view.next, raw, view.context);
      return checked.ok ? { set: { [view.next.id]: checked.value } } : { errors: { [view.next.id]: checked.error } };
    });
    return asked ? result : null;
  }

  /** Stores one answer after validating it; an invalid answer changes nothing. */
  async answer(actor: Actor, ref: FormRef, fieldId: string, raw: unknown): Promise<AnswerResult> {
    const form = forms[ref.formId];
    const field = fieldById(form, fieldId);
    if (!field) throw new AppError('invalidInput', `unknown field ${fieldId}`, { en: 'That question does not exist.', fr: 'Cette question n’existe pas.' });
    return this.writeAnswers(actor, ref, undefined, async (view) => {
      const result = normalizeAndValidateField(field, raw, view.context);
      if (!result.ok) return { errors: { [fieldId]: result.error } };
      return { set: { [fieldId]: result.value } };
    });
  }

  /** Stores a whole section (a card or modal) — all of it, or none of it if anything is invalid. */
  async answerSection(actor: Actor, ref: FormRef, sectionId: string, values: Record<string, unknown>): Promise<AnswerResult> {
    const form = forms[ref.formId];
    const section = sectionById(form, sectionId);
    if (!section) throw new AppError('invalidInput', `unknown section ${sectionId}`, { en: 'That part of the form does not exist.', fr: 'Cette partie du formulaire n’existe pas.' });
    return this.writeAnswers(actor, ref, undefined, async (view) => {
      const result = validateSection(form, sectionId, values, view.context);
      if (!result.ok) return { errors: { ...result.errors } };
      const set: Record<string, unknown> = {};
      for (const f of section.fields) set[f.id] = result.values[f.id];
      return { set };
    });
  }

  /** Skips an optional question. */
  async skip(actor: Actor, ref: FormRef, fieldId: string): Promise<AnswerResult> {
    const field = fieldById(forms[ref.formId], fieldId);
    if (!field) throw notFound(`field ${fieldId}`);
    if (field.required) {
      return this.writeAnswers(actor, ref, undefined, async () => ({
        errors: {
          [fieldId]: {
            code: 'required',
            message: { en: `${field.label.en} is required: it cannot be skipped.`, fr: `${field.label.fr} : ce champ est obligatoire et ne peut pas être sauté.` },
          },
        },
      }));
    }
    return this.writeAnswers(actor, ref, undefined, async () => ({ set: { [fieldId]: undefined }, skip: fieldId }));
  }

  /** Clears an answer so that the question is asked again (`edit <field>`). */
  async reopen(actor: Actor, ref: FormRef, fieldId: string): Promise<AnswerResult> {
    if (!fieldById(forms[ref.formId], fieldId)) throw notFound(`field ${fieldId}`);
    return this.writeAnswers(actor, ref, undefined, async () => ({ set: { [fieldId]: undefined }, unskip: fieldId }));
  }

  /** `back`: reopens the question before the current one. */
  async back(actor: Actor, ref: FormRef): Promise<AnswerResult> {
    const view = await this.formView(actor, ref);
    const fields = allFields(view.form);
    const index = view.next ? fields.indexOf(view.next) : fields.length;
    const previous = fields.slice(0, index).reverse().find((f) => view.answers[f.id] !== undefined || view.skipped.includes(f.id));
    if (!previous) return { ok: true, view };
    return this.reopen(actor, ref, previous.id);
  }

  private async writeAnswers(
    actor: Actor,
    ref: FormRef,
    /** The draft as just read by `focus` (whose workflow showed it editable): spares reading both again. */
    preloaded: DraftRecord | undefined,
    decide: (view: FormView) => Promise<{ errors: Record<string, FieldError> } | { set: Record<string, unknown>; skip?: string; unskip?: string }>,
  ): Promise<AnswerResult> {
    let known = preloaded;
    return this.retry(async () => {
      // Only the first attempt trusts what was preloaded; a retry (a conflict) reads again.
      const { view, draft } = await this.loadForm(actor, ref, known);
      if (!known) await this.assertEditable(ref);
      known = undefined;
      const outcome = await decide(view);
      if ('errors' in outcome) return { ok: false, errors: outcome.errors, view };
      const answers: JsonObject = { ...draft.answers };
      for (const [k, v] of Object.entries(outcome.set)) {
        if (v === undefined) delete answers[k];
        else answers[k] = v as JsonObject[string];
      }
      const skipped = new Set(draft.skipped);
      if (outcome.skip) skipped.add(outcome.skip);
      if (outcome.unskip) skipped.delete(outcome.unskip);
      for (const k of Object.keys(outcome.set)) if (outcome.set[k] !== undefined) skipped.delete(k);
      let entityName = view.entityName;
      await this.store.transaction(async (tx) => {
        const saved = await tx.saveDraft({ ...draft, answers, skipped: [...skipped] });
        if (!saved) throw new ConcurrencyConflict('draft');
        await postponeDraftReminder(tx, ref.entityId, this.now(), draft.personId);
        // The name shown everywhere follows the form as it is typed.
        const nameField = ref.formId === 'organization' ? 'legalName' : ref.formId === 'program' ? 'name' : null;
        const name = nameField ? answers[nameField] : undefined;
        if (nameField && typeof name === 'string' && nameField in outcome.set) {
          if (ref.formId === 'organization') await tx.renameOrganization(ref.entityId, name);
          else await tx.renameProgram(ref.entityId, name);
          entityName = name;
        }
      });
      // What was just written, without reading it back.
      return { ok: true, view: viewOf(ref, answers as Answers, [...skipped], view.context, entityName) };
    });
  }

  private async assertEditable(ref: FormRef): Promise<void> {
    const wf = await this.workflow(this.store, ref.entityId);
    const editable = ref.formId === 'accessRequest' ? ACCESS_EDITABLE.has(wf.stateKey) : SUBMITTABLE[wf.kind].has(wf.stateKey);
    if (!editable) {
      throw new AppError('wrongState', `form ${ref.formId} not editable in ${wf.stateKey}`, {
        en: `This form can no longer be changed: ${STATE_TEXT[wf.kind]?.[wf.stateKey]?.en ?? wf.stateKey}`,
        fr: `Ce formulaire ne peut plus être modifié : ${STATE_TEXT[wf.kind]?.[wf.stateKey]?.fr ?? wf.stateKey}`,
      });
    }
  }

  /**
   * The form the person was last filling in that can still be edited: where "hi" after
   * days away picks up.
   */
  async focus(actor: Actor): Promise<FormRef | null> {
    return (await this.focusDraft(actor))?.ref ?? null;
  }

  /**
   * A typed message while a form waits: the answer to its next question, the form found and
   * read once. Null when no form waits for an answer.
   */
  async answerTyped(actor: Actor, raw: unknown): Promise<{ ref: FormRef; result: AnswerResult } | null> {
    const focus = await this.focusDraft(actor);
    if (!focus) return null;
    const result = await this.answerNext(actor, focus.ref, raw, focus.draft);
    return result && { ref: focus.ref, result };
  }

  private async focusDraft(actor: Actor): Promise<{ ref: FormRef; draft: DraftRecord } | null> {
    const drafts = await this.store.draftsOf(actor.personId, 20);
    const workflows = new Map((await this.store.getWorkflows(drafts.map((d) => d.entityId))).map((w) => [w.entityId, w]));
    for (const d of drafts) {
      const wf = workflows.get(d.entityId);
      if (!wf) continue;
      const editable = d.formId === 'accessRequest' ? ACCESS_EDITABLE.has(wf.stateKey) : SUBMITTABLE[wf.kind].has(wf.stateKey);
      if (editable) return { ref: { formId: d.formId as FormId, entityId: d.entityId }, draft: d };
    }
    return null;
  }

  /** The review summary of a draft. */
  async review(actor: Actor, ref: FormRef): Promise<{ view: FormView; summary: SummarySection[] }> {
    const view = await this.formView(actor, ref);
    return { view, summary: summarize(view.form, view.answers, actor.lang, view.context) };
  }

  /**
   * Submits a form for staff review. The whole form is validated again on the server;
   * any invalid or missing answer refuses the submission and changes nothing.
   */
  async submit(actor: Actor, ref: FormRef): Promise<{ ok: true; submissionId: string; status: EntityStatus } | { ok: false; errors: Record<string, FieldError> } | RefusalResult> {
    const view = await this.formView(actor, ref);
    const checked = validateForm(view.form, view.answers, view.context);
    if (!checked.ok) return { ok: false, errors: { ...checked.errors } };
    return this.retry(() =>
      this.store.transaction(async (tx) => {
        const { organizationId } = await this.entityNames(tx, ref);
        const wf = await this.workflow(tx, ref.entityId);
        const previous = await tx.latestSubmission(ref.formId, ref.entityId);
        const submissionId = randomUUID();
        const at = this.now();
        let event: MachineEvent;
        if (ref.formId === 'accessRequest') {
          const orgWf = await this.workflow(tx, organizationId);
          event = { type: 'admin.accessRequested', accessRequestId: submissionId, organizationActive: orgWf.stateKey === 'active', by: actor.personId, at: at.toISOString() };
        } else if (ref.formId === 'program') {
          const orgWf = await this.workflow(tx, organizationId);
          event = { type: 'admin.submitted', submissionId, organizationActive: orgWf.stateKey === 'active', by: actor.personId, at: at.toISOString() };
        } else {
          event = { type: 'admin.submitted', submissionId, by: actor.personId, at: at.toISOString() };
        }
        const step = stepWorkflow(wf, event);
        if (ref.formId === 'accessRequest' && !step.changed) {
          throw new AppError('wrongState', 'access request not accepted', { en: 'Access has already been requested for this program.', fr: 'L’accès a déjà été demandé pour ce programme.' });
        }
        const refusal = step.context.lastRefusal as { missing: AccessGateRequirement[]; at: string } | null | undefined;
        if (ref.formId === 'accessRequest' && step.to === step.from && refusal?.at === event.at) {
          await this.persistStep(tx, { kind: wf.kind, organizationId, actorId: actor.personId, event, step });
          return gateRefusal(refusal.missing);
        }
        if (step.to === step.from) {
          throw new AppError('wrongState', `cannot submit in ${wf.stateKey}`, {
            en: `This cannot be submitted now: ${STATE_TEXT[wf.kind]?.[wf.stateKey]?.en ?? wf.stateKey}`,
            fr: `Impossible de soumettre maintenant : ${STATE_TEXT[wf.kind]?.[wf.stateKey]?.fr ?? wf.stateKey}`,
          });
        }
        await tx.insertSubmission({ id: submissionId, formId: ref.formId, entityId: ref.entityId, personId: actor.personId, number: (previous?.number ?? 0) + 1, answers: checked.values as JsonObject });
        await this.persistStep(tx, { kind: wf.kind, organizationId, actorId: actor.personId, event, step, submissionId });
        return { ok: true as const, submissionId, status: entityStatus(wf.kind, ref.entityId, view.entityName, step.record) };
      }),
    );
  }

  /** Withdraws an organization or program registration at any point before the end. */
  async withdraw(actor: Actor, entityId: string, reason?: string): Promise<EntityStatus> {
    return this.retry(() =>
      this.store.transaction(async (tx) => {
        const wf = await this.workflow(tx, entityId);
        const { organizationId, name } = await this.ownedEntity(tx, actor, wf.kind, entityId);
        const at = this.now();
        const event: MachineEvent = { type: 'admin.withdrew', by: actor.personId, at: at.toISOString(), ...(reason ? { reason } : {}) };
        const step = stepWorkflow(wf, event);
        if (!step.changed) {
          throw new AppError('wrongState', `cannot withdraw in ${wf.stateKey}`, { en: 'This registration is finished and can no longer be withdrawn.', fr: 'Cette inscription est terminée et ne peut plus être retirée.' });
        }
        const booking = wf.kind === 'program' ? await tx.activeBooking(entityId) : null;
        if (booking && (await tx.cancelBooking(booking.id, at))) {
          await tx.releaseSeat(booking.slotId);
          await this.queueSessionCancelled(tx, booking, { cancelledBy: 'administrator', reason: '', at });
        }
        await this.persistStep(tx, { kind: wf.kind, organizationId, actorId: actor.personId, event, step, reason: reason ?? null });
        return entityStatus(wf.kind, entityId, name, step.record);
      }),
    );
  }

  // ---------------------------------------------------------------- staff

  /** The submission as staff see it on their card. */
  async submission(submissionId: string, lang: Lang): Promise<SubmissionView> {
    const s = await this.store.getSubmission(submissionId);
    if (!s) throw notFound('submission');
    const formId = s.formId as FormId;
    const kind: EntityKind = formId === 'organization' ? 'organization' : 'program';
    const { entityName, organizationId } = await this.entityNames(this.store, { formId, entityId: s.entityId });
    const org = await this.store.getOrganization(organizationId);
    const submitter = await this.store.getPerson(s.personId);
    const decision = await this.store.getDecision(submissionId);
    const context: ValidationContext =
      formId === 'accessRequest' ? { options: { programId: [{ value: s.entityId, label: { en: entityName, fr: entityName } }] } } : {};
    return {
      submissionId,
      formId,
      kind,
      entityId: s.entityId,
      organizationName: org?.displayName ?? '',
      entityName,
      submittedBy: submitter?.displayName ?? s.personId,
      submittedAt: s.createdAt,
      number: s.number,
      summary: summarize(forms[formId], s.answers as Answers, lang, context),
      decision: decision ? await this.withDecider(decision) : null,
    };
  }

  private async withDecider(decision: DecisionRecord): Promise<DecisionRecord & { deciderName: string }> {
    const p = await this.store.getPerson(decision.decidedBy);
    return { ...decision, deciderName: p?.displayName ?? decision.decidedBy };
  }

  /**
   * Records a staff decision exactly once. Two staff deciding at the same moment: one
   * decision stands and the other is told who decided and when. Non-staff are refused
   * and the attempt is audited.
   */
  async decide(actor: Actor, input: DecisionInput): Promise<DecisionResult> {
    if (!actor.isStaff) {
      await this.store.appendAudit({
        entityType: 'submission', entityId: input.submissionId, organizationId: null, actorId: actor.personId,
        action: 'decision.refused', fromState: null, toState: null, reason: 'not staff', data: { outcome: input.outcome }, createdAt: this.now(),
      });
      throw new AppError('notStaff', 'decision by non-staff', {
        en: 'Only Mentor Connector staff can approve or reject submissions. Your attempt was recorded.',
        fr: 'Seul le personnel peut approuver ou refuser les soumissions. Votre tentative a été consignée.',
      });
    }
    const reason = input.reason?.trim() ?? '';
    if (input.outcome !== 'approved' && !reason) {
      throw new AppError('invalidInput', 'reason required', {
        en: input.outcome === 'rejected' ? 'Please give the reason for rejecting: the administrator will see it.' : 'Please say what needs to change: the administrator will see it.',
        fr: input.outcome === 'rejected' ? 'Veuillez indiquer la raison du refus : la personne administratrice la verra.' : 'Veuillez préciser les modifications demandées : la personne administratrice les verra.',
      });
    }
    if (reason.length > 2000) {
      throw new AppError('invalidInput', 'reason too long', { en: 'Please keep the reason under 2,000 characters.', fr: 'Veuillez limiter la raison à 2 000 caractères.' });
    }
    const result = await this.retry(() =>
      this.store.transaction(async (tx) => {
        const submission = await tx.getSubmission(input.submissionId);
        if (!submission) throw notFound('submission');
        const formId = submission.formId as FormId;
        const wf = await this.workflow(tx, submission.entityId);
        const latest = await tx.latestSubmission(formId, submission.entityId);
        // Read after the workflow: a decision committed between the two reads has already
        // moved the workflow on, and must be reported as such, not as a wrong state.
        const existing = await tx.getDecision(submission.id);
        if (existing) return { ok: false as const, code: 'alreadyDecided' as const, decision: existing };
        const awaiting = formId === 'accessRequest' ? 'accessRequested' : 'submitted';
        if (latest?.id !== submission.id || wf.stateKey !== awaiting) {
          throw new AppError('wrongState', `submission ${submission.id} not awaiting a decision (${wf.stateKey})`, {
            en: 'This submission is no longer waiting for a decision (it was withdrawn or replaced).',
            fr: 'Cette soumission n’attend plus de décision (elle a été retirée ou remplacée).',
          });
        }
        if (formId === 'accessRequest' && input.outcome === 'changesRequested') {
          throw new AppError('invalidInput', 'changes on access request', { en: 'An access request can be granted or declined.', fr: 'Une demande d’accès peut être accordée ou refusée.' });
        }
        const outcome: DecisionOutcome =
          formId === 'accessRequest' ? (input.outcome === 'approved' ? 'accessGranted' : 'accessDeclined') : input.outcome;
        const at = this.now();
        const decisionId = randomUUID();
        const { inserted, decision } = await tx.insertDecision({ id: decisionId, submissionId: submission.id, outcome, decidedBy: actor.personId, reason: reason || null, createdAt: at });
        if (!inserted) return { ok: false as const, code: 'alreadyDecided' as const, decision };
        const common = { decisionId, by: actor.personId, at: at.toISOString() };
        const event: MachineEvent =
          outcome === 'approved' ? { type: 'staff.approved', ...common }
          : outcome === 'rejected' ? { type: 'staff.rejected', ...common, reason }
          : outcome === 'changesRequested' ? { type: 'staff.changesRequested', ...common, reason }
          : outcome === 'accessGranted' ? { type: 'staff.accessGranted', ...common }
          : { type: 'staff.accessDeclined', ...common, reason };
        const step = stepWorkflow(wf, event);
        if (!step.changed) throw new Error(`decision ${outcome} ignored in ${wf.stateKey}`);
        const { organizationId, name } = await this.entityOf(tx, wf.kind, submission.entityId);
        await this.persistStep(tx, { kind: wf.kind, organizationId, actorId: actor.personId, event, step, submissionId: submission.id, reason: reason || null });
        return { ok: true as const, decision, entity: entityStatus(wf.kind, submission.entityId, name, step.record), submissionId: submission.id };
      }),
    );
    return { ...result, decision: await this.withDecider(result.decision) };
  }

  // ---------------------------------------------------------------- onboarding sessions

  async publishSlot(actor: Actor, input: { startsAt: Date; timeZone: string; durationMinutes: number; language: Lang; capacity: number; videoUrl: string; isSample?: boolean }): Promise<SlotRecord> {
    if (!actor.isStaff) {
      throw new AppError('notStaff', 'publish slot by non-staff', { en: 'Only staff can publish onboarding sessions.', fr: 'Seul le personnel peut publier des séances d’intégration.' });
    }
    const problems: Localized[] = [];
    if (Number.isNaN(input.startsAt.getTime())) problems.push({ en: 'the start time is not a valid date', fr: 'l’heure de début n’est pas une date valide' });
    else if (input.startsAt.getTime() < this.now().getTime()) problems.push({ en: 'the start time is in the past', fr: 'l’heure de début est passée' });
    if (!isTimeZone(input.timeZone)) problems.push({ en: `"${input.timeZone}" is not a time zone (e.g. America/Halifax)`, fr: `« ${input.timeZone} » n’est pas un fuseau horaire (p. ex. America/Halifax)` });
    if (!Number.isInteger(input.durationMinutes) || input.durationMinutes < 15 || input.durationMinutes > 480) problems.push({ en: 'the duration must be 15 to 480 minutes', fr: 'la durée doit être de 15 à 480 minutes' });
    if (!Number.isInteger(input.capacity) || input.capacity < 1 || input.capacity > 1000) problems.push({ en: 'the capacity must be 1 to 1000 seats', fr: 'la capacité doit être de 1 à 1000 places' });
    if (!/^https:\/\/[^\s]+\.[^\s]+$/.test(input.videoUrl)) problems.push({ en: 'the video link must be an https:// address', fr: 'le lien vidéo doit être une adresse https://' });
    if (problems.length) {
      throw new AppError('invalidInput', 'bad slot', {
        en: `The session was not published: ${problems.map((p) => p.en).join('; ')}.`,
        fr: `La séance n’a pas été publiée : ${problems.map((p) => p.fr).join('; ')}.`,
      });
    }
    const slot = { id: randomUUID(), startsAt: input.startsAt, timeZone: input.timeZone, durationMinutes: input.durationMinutes, language: input.language, capacity: input.capacity, videoUrl: input.videoUrl, isSample: input.isSample ?? false, createdBy: actor.personId };
    await this.store.transaction(async (tx) => {
      await tx.createSlot(slot);
      await this.audit(tx, { entityType: 'session', entityId: slot.id, organizationId: null, actorId: actor.personId, action: 'session.published', toState: null, createdAt: this.now(), data: { startsAt: slot.startsAt.toISOString(), capacity: slot.capacity } });
    });
    return { ...slot, bookedCount: 0, cancelledAt: null };
  }

  /** Upcoming sessions with seats left. */
  listSlots(options: { includeFull?: boolean; limit?: number } = {}): Promise<SlotRecord[]> {
    return this.store.listSlots({ from: this.now(), includeFull: options.includeFull ?? false, limit: options.limit ?? 20 });
  }

  countSlots(): Promise<number> {
    return this.store.countSlots();
  }

  /**
   * Books (or moves) the program's onboarding session. Capacity holds however many book
   * at once: a seat is taken by a conditional UPDATE, and a full slot refuses.
   */
  async bookSession(actor: Actor, programId: string, slotId: string): Promise<{ slot: SlotRecord; moved: boolean; status: EntityStatus }> {
    return this.retry(() =>
      this.store.transaction(async (tx) => {
        const program = await this.ownedProgram(tx, actor, programId);
        const wf = await this.workflow(tx, programId);
        const slot = await tx.getSlot(slotId);
        const at = this.now();
        if (!slot || slot.cancelledAt || slot.startsAt.getTime() <= at.getTime()) {
          throw new AppError('slotUnavailable', 'slot unavailable', { en: 'That session is no longer available. Type “sessions” to see the others.', fr: 'Cette séance n’est plus offerte. Tapez « séances » pour voir les autres.' });
        }
        const current = await tx.activeBooking(programId);
        if (current?.slotId === slotId) {
          return { slot, moved: false, status: entityStatus('program', programId, program.displayName, wf) };
        }
        const bookingId = randomUUID();
        const event: MachineEvent = current
          ? { type: 'admin.sessionMoved', bookingId, by: actor.personId, at: at.toISOString() }
          : { type: 'admin.sessionBooked', bookingId, by: actor.personId, at: at.toISOString() };
        const step = stepWorkflow(wf, event);
        if (!step.changed) {
          throw new AppError('wrongState', `cannot book in ${wf.stateKey}`, {
            en: 'A session can be booked once the program is approved and before access is requested.',
            fr: 'Une séance peut être réservée une fois le programme approuvé et avant la demande d’accès.',
          });
        }
        if (!(await tx.takeSeat(slotId))) {
          throw new AppError('slotFull', 'slot full', { en: 'That session is full. Type “sessions” to pick another.', fr: 'Cette séance est complète. Tapez « séances » pour en choisir une autre.' });
        }
        if (current && (await tx.cancelBooking(current.id, at))) await tx.releaseSeat(current.slotId);
        // A moved booking keeps its calendar UID, so the invitation updates the event (SEQUENCE + 1).
        const calendarUid = current ? (current.calendarUid ?? bookingCalendarUid(current.id)) : bookingCalendarUid(bookingId);
        const calendarSequence = current ? current.calendarSequence + 1 : 0;
        await tx.createBooking({ id: bookingId, slotId, programId, personId: actor.personId, createdAt: at, calendarUid, calendarSequence });
        await scheduleSessionReminder(tx, { bookingId, programId, organizationId: program.organizationId, startsAt: slot.startsAt, now: at });
        await this.persistStep(tx, { kind: 'program', organizationId: program.organizationId, actorId: actor.personId, event, step, data: { slotId } });
        const person = await tx.getPerson(actor.personId);
        const email = person?.email ?? (await this.designatedOrgAdmin(tx, program.organizationId))?.email;
        if (email) {
          await this.email(tx, `session:${bookingId}`, {
            kind: 'sessionBooked', to: email, lang: person?.lang ?? actor.lang, recipientName: person?.displayName ?? '',
            programName: program.displayName, startsAt: slot.startsAt.toISOString(), timeZone: person?.timeZone ?? slot.timeZone,
            durationMinutes: slot.durationMinutes, videoUrl: slot.videoUrl,
            invitation: calendarInvitation('REQUEST', { id: bookingId, calendarUid, calendarSequence }, slot, at),
          });
        }
        return { slot: { ...slot, bookedCount: slot.bookedCount + 1 }, moved: Boolean(current), status: entityStatus('program', programId, program.displayName, step.record) };
      }),
    );
  }

  async cancelSession(actor: Actor, programId: string): Promise<EntityStatus> {
    return this.retry(() =>
      this.store.transaction(async (tx) => {
        const program = await this.ownedProgram(tx, actor, programId);
        const wf = await this.workflow(tx, programId);
        const booking = await tx.activeBooking(programId);
        if (!booking) throw new AppError('notFound', 'no booking', { en: 'There is no session booked for this program.', fr: 'Aucune séance n’est réservée pour ce programme.' });
        const at = this.now();
        const event: MachineEvent = { type: 'admin.sessionCancelled', bookingId: booking.id, by: actor.personId, at: at.toISOString() };
        const step = stepWorkflow(wf, event);
        if (!step.changed) {
          throw new AppError('wrongState', `cannot cancel booking in ${wf.stateKey}`, { en: 'The session can no longer be cancelled: access has been requested.', fr: 'La séance ne peut plus être annulée : l’accès a été demandé.' });
        }
        if (await tx.cancelBooking(booking.id, at)) {
          await tx.releaseSeat(booking.slotId);
          await this.queueSessionCancelled(tx, booking, { cancelledBy: 'administrator', reason: '', at });
        }
        await this.persistStep(tx, { kind: 'program', organizationId: program.organizationId, actorId: actor.personId, event, step });
        return entityStatus('program', programId, program.displayName, step.record);
      }),
    );
  }

  async bookingOf(programId: string): Promise<{ slot: SlotRecord } | null> {
    const booking = await this.store.activeBooking(programId);
    const slot = booking ? await this.store.getSlot(booking.slotId) : null;
    return slot ? { slot } : null;
  }

  // ---------------------------------------------------------------- emailed links

  private checkToken = async (token: string, purpose: 'activation' | 'platform') => {
    const id = this.options.signer.verify(token);
    if (!id) return { ok: false as const, reason: 'invalid' as const };
    const row = await this.store.getLinkToken(id);
    if (!row || row.purpose !== purpose) return { ok: false as const, reason: 'invalid' as const };
    const person = await this.store.getPerson(row.personId);
    const lang = person?.lang;
    if (row.usedAt || row.revokedAt) return { ok: false as const, reason: 'used' as const, lang };
    if (row.expiresAt.getTime() <= this.now().getTime()) return { ok: false as const, reason: 'expired' as const, lang };
    if (!person) return { ok: false as const, reason: 'invalid' as const };
    return { ok: true as const, row, person };
  };

  async lookupActivation(token: string) {
    const t = await this.checkToken(token, 'activation');
    if (!t.ok) return t;
    const org = await this.store.getOrganization(t.row.entityId);
    return { ok: true as const, lang: t.person.lang, email: t.person.email ?? '', name: t.person.displayName, organizationName: org?.displayName ?? '' };
  }

  /** Step 1's last part: the designated administrator confirms email, sets a password, accepts the Terms. */
  async completeActivation(token: string, input: { email: string; password: string; acceptTerms: boolean }) {
    const t = await this.checkToken(token, 'activation');
    if (!t.ok) return { ok: false as const, reason: t.reason };
    const errors: Record<'email' | 'password' | 'acceptTerms', Localized | undefined> = { email: undefined, password: undefined, acceptTerms: undefined };
    if (input.email.trim().toLowerCase() !== (t.person.email ?? '').toLowerCase()) {
      errors.email = { en: 'Enter the email address this invitation was sent to.', fr: 'Entrez l’adresse courriel à laquelle cette invitation a été envoyée.' };
    }
    const weak = checkPasswordStrength(input.password, { email: t.person.email ?? undefined, name: t.person.displayName });
    if (weak) errors.password = weak.message;
    if (!input.acceptTerms) errors.acceptTerms = { en: 'You must read and agree to the Terms of Use to continue.', fr: 'Vous devez lire et accepter les conditions d’utilisation pour continuer.' };
    if (errors.email || errors.password || errors.acceptTerms) return { ok: false as const, reason: 'validation' as const, errors };
    const passwordHash = await hashPassword(input.password);
    return this.retry(() =>
      this.store.transaction(async (tx) => {
        const at = this.now();
        if (!(await tx.useLinkToken(t.row.id, at))) return { ok: false as const, reason: 'used' as const };
        const wf = await this.workflow(tx, t.row.entityId);
        const event: MachineEvent = { type: 'admin.activated', by: t.person.id, at: at.toISOString() };
        const step = stepWorkflow(wf, event);
        if (!step.changed) return { ok: false as const, reason: 'used' as const };
        await tx.updatePerson(t.person.id, { passwordHash, activatedAt: at, termsAcceptedAt: at });
        await this.persistStep(tx, { kind: 'organization', organizationId: wf.entityId, actorId: t.person.id, event, step });
        const org = await tx.getOrganization(wf.entityId);
        if (org) await this.notifyPerson(tx, org.adminPersonId, 'organizationActive', { kind: 'organization', entityId: org.id, organizationId: org.id }, `activated:${org.id}`);
        return { ok: true as const, lang: t.person.lang, organizationName: org?.displayName ?? '' };
      }),
    );
  }

  async lookupPlatformRegistration(token: string) {
    const t = await this.checkToken(token, 'platform');
    if (!t.ok) return t;
    const account = await this.store.platformAccountOf(t.row.entityId);
    const program = await this.store.getProgram(t.row.entityId);
    if (!account || !program) return { ok: false as const, reason: 'invalid' as const };
    return { ok: true as const, lang: t.person.lang, programName: program.displayName, username: account.username };
  }

  /** Step 4: the program administrator signs in with the provided credentials and sets a new password. */
  async completePlatformRegistration(token: string, input: { username: string; temporaryPassword: string; newPassword: string }) {
    const t = await this.checkToken(token, 'platform');
    if (!t.ok) return { ok: false as const, reason: t.reason };
    const account = await this.store.platformAccountOf(t.row.entityId);
    if (!account) return { ok: false as const, reason: 'invalid' as const };
    const errors: Record<'username' | 'temporaryPassword' | 'newPassword', Localized | undefined> = { username: undefined, temporaryPassword: undefined, newPassword: undefined };
    const credentialsOk = input.username.trim().toLowerCase() === account.username.toLowerCase() && (await verifyPassword(input.temporaryPassword, account.passwordHash));
    if (!credentialsOk) {
      errors.temporaryPassword = { en: 'The username or temporary password is not right. Copy them from the email.', fr: 'Le nom d’utilisateur ou le mot de passe temporaire est incorrect. Copiez-les à partir du courriel.' };
    }
    const weak = checkPasswordStrength(input.newPassword, { email: account.email, name: account.username });
    if (weak) errors.newPassword = weak.message;
    else if (input.newPassword === input.temporaryPassword) errors.newPassword = { en: 'Choose a new password, different from the temporary one.', fr: 'Choisissez un nouveau mot de passe, différent du mot de passe temporaire.' };
    if (errors.temporaryPassword || errors.newPassword) return { ok: false as const, reason: 'validation' as const, errors };
    const passwordHash = await hashPassword(input.newPassword);
    return this.retry(() =>
      this.store.transaction(async (tx) => {
        const at = this.now();
        if (!(await tx.useLinkToken(t.row.id, at))) return { ok: false as const, reason: 'used' as const };
        const wf = await this.workflow(tx, t.row.entityId);
        const event: MachineEvent = { type: 'admin.platformRegistered', by: t.person.id, at: at.toISOString() };
        const step = stepWorkflow(wf, event);
        if (!step.changed) return { ok: false as const, reason: 'used' as const };
        await tx.completePlatformAccount(account.programId, passwordHash, at);
        const program = await tx.getProgram(account.programId);
        await this.persistStep(tx, { kind: 'program', organizationId: program?.organizationId ?? null, actorId: t.person.id, event, step });
        if (program) await this.notifyPerson(tx, program.adminPersonId, 'programOnboarded', { kind: 'program', entityId: program.id, organizationId: program.organizationId }, `onboarded:${program.id}`);
        return { ok: true as const, lang: t.person.lang, programName: program?.displayName ?? '' };
      }),
    );
  }

  /** Support: a fresh activation or platform link, the old ones revoked. Audited. */
  async resendLink(actor: Actor, entityId: string, purpose: 'activation' | 'platform'): Promise<void> {
    if (!actor.isSupport) {
      throw new AppError('notSupport', 'resend by non-support', { en: 'Only support agents can resend emails.', fr: 'Seuls les agents de soutien peuvent renvoyer des courriels.' });
    }
    await this.retry(() =>
      this.store.transaction(async (tx) => {
        const wf = await this.workflow(tx, entityId);
        const at = this.now();
        const event: MachineEvent =
          purpose === 'activation' ? { type: 'support.activationResent', by: actor.personId, at: at.toISOString() } : { type: 'support.platformEmailResent', by: actor.personId, at: at.toISOString() };
        const step = stepWorkflow(wf, event);
        if (step.actions.length === 0) {
          throw new AppError('wrongState', `nothing to resend in ${wf.stateKey}`, { en: 'There is no pending link of that kind to resend.', fr: 'Il n’y a aucun lien de ce type en attente à renvoyer.' });
        }
        const { organizationId } = await this.entityOf(tx, wf.kind, entityId);
        await this.persistStep(tx, { kind: wf.kind, organizationId, actorId: actor.personId, event, step, resend: true });
      }),
    );
  }

  // ---------------------------------------------------------------- internals

  private async persistStep(
    tx: StoreTx,
    input: {
      kind: EntityKind;
      organizationId: string | null;
      actorId: string;
      event: MachineEvent;
      step: StepResult;
      submissionId?: string;
      reason?: string | null;
      data?: JsonObject;
      resend?: boolean;
    },
  ): Promise<void> {
    const { step, event } = input;
    if (!(await tx.updateWorkflow(step.record))) throw new ConcurrencyConflict(step.record.entityId);
    await this.audit(tx, {
      entityType: input.kind,
      entityId: step.record.entityId,
      organizationId: input.organizationId,
      actorId: input.actorId,
      action: event.type,
      fromState: step.from,
      toState: step.to,
      reason: input.reason ?? null,
      data: { ...(input.submissionId ? { submissionId: input.submissionId } : {}), ...(input.data ?? {}) },
      createdAt: new Date(event.at),
    });
    for (const action of step.actions) await this.runEffect(tx, input, action);
    // Entering a state may start its reminders (rows due later; see reminders.ts).
    if (step.from !== step.to) await scheduleStateReminders(tx, { record: step.record, organizationId: input.organizationId ?? step.record.entityId, context: step.context });
  }

  /** Turns one machine action into outbox rows (and the rows they need), inside the transaction. */
  private async runEffect(
    tx: StoreTx,
    input: { kind: EntityKind; organizationId: string | null; event: MachineEvent; step: StepResult; submissionId?: string; reason?: string | null; resend?: boolean },
    action: MachineAction,
  ): Promise<void> {
    const entityId = input.step.record.entityId;
    const at = new Date(input.event.at);
    const ctx = input.step.context;
    const eventKey = `${entityId}:${input.event.type}:${input.event.at}`;
    const ref = { kind: input.kind, entityId, organizationId: input.organizationId ?? entityId };
    switch (action.type) {
      case 'notifyStaff': {
        const about = String(action.params?.about ?? input.event.type);
        const submissionId = (ctx.accessRequestId as string | null | undefined) && about === 'accessRequested' ? String(ctx.accessRequestId) : (ctx.submissionId as string | null) ?? null;
        await tx.enqueue({ id: randomUUID(), kind: 'notification', dedupeKey: `staff:${eventKey}`, nextAttemptAt: at, payload: { audience: 'staff', about, ...ref, submissionId } });
        return;
      }
      case 'notifyAdmin': {
        const { adminPersonId } = await this.entityOf(tx, input.kind, entityId);
        await this.notifyPerson(tx, adminPersonId, String(action.params?.about ?? input.event.type), ref, eventKey, input.reason ?? null);
        return;
      }
      case 'queueActivationEmail': {
        const designated = await this.designatedOrgAdmin(tx, entityId);
        if (!designated) return;
        const org = await tx.getOrganization(entityId);
        const link = await this.newLink(tx, 'activation', designated.id, entityId, at);
        await this.email(tx, `activation:${eventKey}`, {
          kind: 'organizationApproved', to: designated.email ?? '', lang: designated.lang, recipientName: designated.displayName,
          organizationName: org?.displayName ?? '', activationUrl: `${this.options.publicUrl}/activate?token=${encodeURIComponent(link.token)}`, expiresAt: link.expiresAt.toISOString(),
        });
        return;
      }
      case 'queueDecisionEmail': {
        const decision = String(action.params?.decision ?? '');
        const reason = input.reason ?? '';
        if (input.kind === 'organization') {
          const designated = await this.designatedOrgAdmin(tx, entityId);
          const org = await tx.getOrganization(entityId);
          if (!designated?.email || !org) return;
          const base = { to: designated.email, lang: designated.lang, recipientName: designated.displayName, organizationName: org.displayName, reason };
          await this.email(tx, `decision:${eventKey}`, decision === 'rejected' ? { kind: 'organizationRejected', ...base } : { kind: 'organizationChangesRequested', ...base });
        } else {
          const recipient = await this.programRecipient(tx, entityId);
          if (!recipient) return;
          const base = { to: recipient.email, lang: recipient.lang, recipientName: recipient.name, programName: recipient.programName, reason };
          const kind = decision === 'rejected' ? 'programRejected' : decision === 'changesRequested' ? 'programChangesRequested' : 'accessDeclined';
          await this.email(tx, `decision:${eventKey}`, { kind, ...base } as EmailMessage);
        }
        return;
      }
      case 'queueProgramApprovedEmail': {
        const recipient = await this.programRecipient(tx, entityId);
        if (!recipient) return;
        await this.email(tx, `programApproved:${eventKey}`, {
          kind: 'programApproved', to: recipient.email, lang: recipient.lang, recipientName: recipient.name, programName: recipient.programName, organizationName: recipient.organizationName,
        });
        return;
      }
      case 'provisionPlatformAccount': {
        const access = await tx.getSubmission(String(ctx.accessRequestId ?? ''));
        const email = String(access?.answers.platformAdminEmail ?? '');
        const program = await tx.getProgram(entityId);
        if (!program || !email) throw new Error(`cannot provision ${entityId}: no access request`);
        if (await tx.platformAccountOf(entityId)) return;
        const username = `${slug(program.displayName)}-${randomBytes(3).toString('hex')}`;
        // The real hash is set when the platform email is queued (with the password it carries).
        await tx.createPlatformAccount({ id: randomUUID(), programId: entityId, username, email, passwordHash: '' });
        return;
      }
      case 'queuePlatformEmail': {
        const access = await tx.getSubmission(String(ctx.accessRequestId ?? ''));
        const account = await tx.platformAccountOf(entityId);
        const program = await tx.getProgram(entityId);
        if (!access || !account || !program) throw new Error(`cannot email platform credentials for ${entityId}`);
        const org = await tx.getOrganization(program.organizationId);
        const name = String(access.answers.platformAdminName ?? '');
        const lang: Lang = access.answers.platformLanguage === 'fr' ? 'fr' : 'en';
        const person = await this.personForEmail(tx, account.email, name, lang);
        const temporaryPassword = newTemporaryPassword();
        await tx.setPlatformPassword(entityId, await hashPassword(temporaryPassword));
        const link = await this.newLink(tx, 'platform', person.id, entityId, at);
        await this.email(tx, `platform:${eventKey}`, {
          kind: 'accessGranted', to: account.email, lang, recipientName: name, programName: program.displayName, organizationName: org?.displayName ?? '',
          username: account.username, temporaryPassword, registrationUrl: `${this.options.publicUrl}/platform/register?token=${encodeURIComponent(link.token)}`, expiresAt: link.expiresAt.toISOString(),
        });
        return;
      }
      case 'recordAccessRefusal':
      case 'recordWithdrawal':
        // The audit event written for the transition already records these.
        return;
      default:
        throw new Error(`no host implementation for action ${action.type}`);
    }
  }

  private async notifyPerson(tx: StoreTx, personId: string, about: string, ref: { kind: EntityKind; entityId: string; organizationId: string }, key: string, reason: string | null = null) {
    await tx.enqueue({ id: randomUUID(), kind: 'notification', dedupeKey: `person:${personId}:${about}:${key}`, nextAttemptAt: this.now(), payload: { audience: 'person', personId, about, ...ref, reason } });
  }

  private async newLink(tx: StoreTx, purpose: 'activation' | 'platform', personId: string, entityId: string, at: Date) {
    await tx.revokeLinkTokens(entityId, purpose, at);
    const id = newTokenId();
    const expiresAt = new Date(at.getTime() + this.options.linkTtlMs);
    await tx.createLinkToken({ id, purpose, personId, entityId, expiresAt, usedAt: null, revokedAt: null, createdAt: at });
    return { token: this.options.signer.sign(id), expiresAt };
  }

  private async email(tx: StoreTx, dedupeKey: string, message: EmailMessage) {
    if (!message.to) return;
    await tx.enqueue({ id: randomUUID(), kind: 'email', dedupeKey, nextAttemptAt: this.now(), payload: { message: message as unknown as JsonObject } });
  }

  /** The organization's designated administrator (from the submitted form), as a person. */
  private async designatedOrgAdmin(tx: StoreTx, organizationId: string): Promise<PersonRecord | null> {
    const s = await tx.latestSubmission('organization', organizationId);
    const email = s?.answers.adminEmail;
    if (typeof email !== 'string' || !email) return null;
    const org = await tx.getOrganization(organizationId);
    const chatting = org ? await tx.getPerson(org.adminPersonId) : null;
    return this.personForEmail(tx, email, String(s?.answers.adminName ?? email), chatting?.lang ?? 'en');
  }

  private async personForEmail(tx: StoreTx, email: string, name: string, lang: Lang): Promise<PersonRecord> {
    const existing = await tx.findPersonByEmail(email);
    if (existing) return existing;
    const p = { id: randomUUID(), displayName: name || email, email: email.toLowerCase(), lang, timeZone: 'America/Toronto' };
    await tx.createPerson(p);
    return { ...p, passwordHash: null, activatedAt: null };
  }

  private async programRecipient(tx: StoreTx, programId: string) {
    const program = await tx.getProgram(programId);
    const s = await tx.latestSubmission('program', programId);
    if (!program || !s) return null;
    const org = await tx.getOrganization(program.organizationId);
    const chatting = await tx.getPerson(program.adminPersonId);
    const email = typeof s.answers.programAdminEmail === 'string' ? s.answers.programAdminEmail : chatting?.email;
    if (!email) return null;
    return { email, name: String(s.answers.programAdminName ?? chatting?.displayName ?? ''), lang: chatting?.lang ?? 'en', programName: program.displayName, organizationName: org?.displayName ?? '' };
  }

  private async workflow(tx: StoreTx, entityId: string): Promise<WorkflowRecord> {
    const wf = await tx.getWorkflow(entityId);
    if (!wf) throw notFound(`workflow ${entityId}`);
    return wf;
  }

  private async entityOf(tx: StoreTx, kind: EntityKind, entityId: string) {
    if (kind === 'organization') {
      const org = await tx.getOrganization(entityId);
      if (!org) throw notFound('organization');
      return { organizationId: org.id, name: org.displayName, adminPersonId: org.adminPersonId };
    }
    const p = await tx.getProgram(entityId);
    if (!p) throw notFound('program');
    return { organizationId: p.organizationId, name: p.displayName, adminPersonId: p.adminPersonId };
  }

  private async ownedEntity(tx: StoreTx, actor: Actor, kind: EntityKind, entityId: string) {
    const e = await this.entityOf(tx, kind, entityId);
    await this.ownedOrganization(tx, actor, e.organizationId);
    return e;
  }

  private async ownedOrganization(tx: StoreTx, actor: Actor, organizationId: string): Promise<OrganizationRecord> {
    const org = await tx.getOrganization(organizationId);
    if (!org) throw notFound('organization');
    if (org.adminPersonId !== actor.personId) throw forbidden(`organization ${organizationId}`);
    return org;
  }

  private async ownedProgram(tx: StoreTx, actor: Actor, programId: string): Promise<ProgramRecord> {
    const program = await tx.getProgram(programId);
    if (!program) throw notFound('program');
    await this.ownedOrganization(tx, actor, program.organizationId);
    return program;
  }

  private organizationNotActive(): AppError {
    return new AppError('organizationNotActive', 'organization not active', {
      en: 'Programs can be registered once the organization is approved and its registration completed from the emailed link.',
      fr: 'Les programmes peuvent être inscrits une fois l’organisme approuvé et son inscription terminée à partir du lien reçu par courriel.',
    });
  }

  private async audit(tx: StoreTx, e: Omit<AuditRecord, 'reason' | 'data' | 'fromState'> & { reason?: string | null; data?: JsonObject | null; fromState?: string | null }) {
    await tx.appendAudit({ reason: null, data: null, fromState: null, ...e });
  }

  /** Re-runs a command that lost an optimistic-concurrency race (or a unique-key race). */
  private async retry<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        const retriable = error instanceof ConcurrencyConflict || isUniqueViolation(error) || isTransactionConflict(error);
        if (!retriable || attempt >= MAX_RETRIES) {
          if (retriable) throw new AppError('busy', `gave up after ${attempt} attempts`, { en: 'Many people are doing the same thing right now. Please try again in a moment.', fr: 'Beaucoup de personnes font la même chose en ce moment. Veuillez réessayer dans un instant.' });
          throw error;
        }
        await new Promise((r) => setTimeout(r, 5 * attempt + Math.floor(Math.random() * 10)));
      }
    }
  }

  // ------------------------------------------- session changes and reminders (with reminders.ts and ics.ts)

  /**
   * Staff cancel a session: the slot closes, every booking on it is cancelled (each program
   * goes back to waiting for a session, free to book another), and each booked
   * administrator is told in chat (`sessionCancelled`) and by email, with a CANCEL
   * invitation and other sessions to choose from. All in one transaction.
   */
  async cancelSlot(actor: Actor, slotId: string, reason?: string): Promise<{ slot: SlotRecord; cancelledBookings: number }> {
    if (!actor.isStaff) throw notStaffForSessions();
    const why = reason?.trim() ?? '';
    if (why.length > 2000) throw new AppError('invalidInput', 'reason too long', { en: 'Please keep the reason under 2,000 characters.', fr: 'Veuillez limiter la raison à 2 000 caractères.' });
    return this.retry(() =>
      this.store.transaction(async (tx) => {
        const at = this.now();
        const slot = await tx.getSlot(slotId);
        if (!slot) throw notFound(`slot ${slotId}`);
        // The slot row is updated first: a booking racing this one waits for it, then finds the slot closed.
        if (!(await tx.cancelSlot(slotId, at))) throw slotGone();
        let cancelledBookings = 0;
        for (const booking of await tx.listBookingsOnSlot(slotId)) {
          if (!(await tx.cancelBooking(booking.id, at))) continue;
          cancelledBookings++;
          await tx.releaseSeat(slotId);
          const program = await tx.getProgram(booking.programId);
          const wf = await tx.getWorkflow(booking.programId);
          if (!program || !wf) continue;
          const event: MachineEvent = { type: 'admin.sessionCancelled', bookingId: booking.id, by: actor.personId, at: at.toISOString() };
          const step = stepWorkflow(wf, event);
          if (step.changed) {
            await this.persistStep(tx, { kind: 'program', organizationId: program.organizationId, actorId: actor.personId, event, step, reason: why || null, data: { slotId, cancelledBy: 'staff' } });
          }
          await tx.enqueue({
            id: randomUUID(), kind: 'notification', dedupeKey: `person:${booking.personId}:sessionCancelled:${booking.id}`, nextAttemptAt: at,
            payload: {
              audience: 'person', personId: booking.personId, about: 'sessionCancelled', kind: 'program', entityId: program.id, organizationId: program.organizationId,
              reason: why || null, slotId, startsAt: slot.startsAt.toISOString(), slotTimeZone: slot.timeZone,
            },
          });
          await this.queueSessionCancelled(tx, booking, { cancelledBy: 'staff', reason: why, at });
        }
        await this.audit(tx, { entityType: 'session', entityId: slotId, organizationId: null, actorId: actor.personId, action: 'session.cancelled', toState: null, reason: why || null, createdAt: at, data: { cancelledBookings } });
        return { slot: { ...slot, cancelledAt: at, bookedCount: Math.max(0, slot.bookedCount - cancelledBookings) }, cancelledBookings };
      }),
    );
  }

  /**
   * Staff change a session's time, length, video link or capacity. Capacity cannot go
   * below the seats taken (checked in the UPDATE itself, so it holds against concurrent
   * bookings). A new time, length or link sends every booked administrator an updated
   * invitation (same UID, SEQUENCE + 1) and a chat message (`sessionUpdated`).
   */
  async editSlot(actor: Actor, slotId: string, patch: { startsAt?: Date; durationMinutes?: number; capacity?: number; videoUrl?: string }): Promise<SlotRecord> {
    if (!actor.isStaff) throw notStaffForSessions();
    const problems = slotProblems(patch, this.now());
    if (problems.length) {
      throw new AppError('invalidInput', 'bad slot change', {
        en: `The session was not changed: ${problems.map((p) => p.en).join('; ')}.`,
        fr: `La séance n’a pas été modifiée : ${problems.map((p) => p.fr).join('; ')}.`,
      });
    }
    return this.retry(() =>
      this.store.transaction(async (tx) => {
        const at = this.now();
        const slot = await tx.getSlot(slotId);
        if (!slot) throw notFound(`slot ${slotId}`);
        if (slot.cancelledAt) throw slotGone();
        if (patch.capacity !== undefined && patch.capacity < slot.bookedCount) throw capacityBelowBookings(slot.bookedCount);
        if (!(await tx.updateSlot(slotId, patch))) {
          const now = await tx.getSlot(slotId);
          if (now && !now.cancelledAt && patch.capacity !== undefined) throw capacityBelowBookings(now.bookedCount);
          throw slotGone();
        }
        const updated = (await tx.getSlot(slotId)) ?? slot;
        const timeMoved = updated.startsAt.getTime() !== slot.startsAt.getTime();
        if (timeMoved || updated.durationMinutes !== slot.durationMinutes || updated.videoUrl !== slot.videoUrl) {
          for (const booking of await tx.listBookingsOnSlot(slotId)) await this.queueSessionUpdated(tx, booking, updated, timeMoved ? slot.startsAt : null, at);
        }
        await this.audit(tx, {
          entityType: 'session', entityId: slotId, organizationId: null, actorId: actor.personId, action: 'session.updated', toState: null, createdAt: at,
          data: { startsAt: updated.startsAt.toISOString(), durationMinutes: updated.durationMinutes, capacity: updated.capacity, videoUrl: updated.videoUrl },
        });
        return updated;
      }),
    );
  }

  /** `stop reminders` / `arrêter les rappels`: no more nudges or session reminders for this person. */
  async stopReminders(actor: Actor): Promise<void> {
    await this.store.transaction(async (tx) => {
      const at = this.now();
      await tx.setRemindersStopped(actor.personId, at);
      await this.audit(tx, { entityType: 'person', entityId: actor.personId, organizationId: null, actorId: actor.personId, action: 'reminders.stopped', toState: null, createdAt: at });
    });
  }

  /**
   * `resume reminders`: reminders come again. Each step whose nudge was held back while
   * they were stopped gets its next nudge one delay from now (`resumedAfter`), not all the
   * missed ones at once; `paused` says how many were held back. Nothing changes (and
   * nothing is recorded) for someone whose reminders were not stopped.
   */
  async resumeReminders(actor: Actor): Promise<{ wasStopped: false } | { wasStopped: true; paused: number; resumedAfter: Date }> {
    return this.store.transaction(async (tx) => {
      if (!(await tx.getRemindersStoppedAt(actor.personId))) return { wasStopped: false as const };
      const at = this.now();
      await tx.setRemindersStopped(actor.personId, null);
      const resumed = await resumePausedReminders(tx, actor.personId, at);
      await this.audit(tx, { entityType: 'person', entityId: actor.personId, organizationId: null, actorId: actor.personId, action: 'reminders.resumed', toState: null, createdAt: at, data: { paused: resumed.count } });
      return { wasStopped: true as const, paused: resumed.count, resumedAfter: resumed.dueAt };
    });
  }

  async remindersStopped(actor: Actor): Promise<boolean> {
    return (await this.store.getRemindersStoppedAt(actor.personId)) !== null;
  }

  // ------------------------------------------- staff pages

  /**
   * A one-time sign-in link to the staff pages (`/staff`), for staff only: anyone else is
   * refused and the attempt recorded, as a refused decision is. The link is issued by the
   * same code as the operator CLI's `staff-link` and recorded (who, when) in the audit log.
   * The caller decides where it may be shown: only where no one else can read it.
   */
  async staffSignInLink(actor: Actor, where: 'direct' | 'directFromRoom'): Promise<{ ok: true; url: string; expiresAt: Date } | { ok: false; reason: 'notStaff' }> {
    const at = this.now();
    const event = (action: string, data: JsonObject): AuditRecord => ({ entityType: 'staff', entityId: 'staff', organizationId: null, actorId: actor.personId, action, fromState: null, toState: null, reason: null, data, createdAt: at });
    if (!actor.isStaff) {
      await this.store.appendAudit(event('staff.linkRefused', { reason: 'not staff', where }));
      return { ok: false, reason: 'notStaff' };
    }
    return this.store.transaction(async (tx) => {
      const link = await createStaffSignInLink(tx, this.options.signer, { personId: actor.personId, now: at, baseUrl: this.options.publicUrl });
      await tx.appendAudit(event('staff.linkSent', { expiresAt: link.expiresAt.toISOString(), where }));
      return { ok: true as const, url: link.url, expiresAt: link.expiresAt };
    });
  }

  /**
   * Whether the assistant can write to this person privately: they have written to it
   * in a 1:1 chat, which is where their address is kept (see the conversation core).
   */
  async canReachPrivately(personId: string): Promise<boolean> {
    return (await this.store.identitiesOf(personId)).some((i) => i.address !== null && typeof i.address === 'object' && !Array.isArray(i.address));
  }

  /**
   * `resendLink` triggered by the system (a reminder), inside the caller's transaction:
   * a fresh link, the old ones revoked, audited with actor `system:reminders`. False when
   * the entity is no longer waiting for such a link.
   */
  async resendLinkAsSystem(tx: StoreTx, entityId: string, purpose: 'activation' | 'platform', at: Date): Promise<boolean> {
    const wf = await this.workflow(tx, entityId);
    const event: MachineEvent =
      purpose === 'activation' ? { type: 'support.activationResent', by: SYSTEM_ACTOR, at: at.toISOString() } : { type: 'support.platformEmailResent', by: SYSTEM_ACTOR, at: at.toISOString() };
    const step = stepWorkflow(wf, event);
    if (step.actions.length === 0) return false;
    const { organizationId } = await this.entityOf(tx, wf.kind, entityId);
    await this.persistStep(tx, { kind: wf.kind, organizationId, actorId: SYSTEM_ACTOR, event, step, resend: true });
    return true;
  }

  /** The cancellation email of a booking, with a CANCEL invitation (SEQUENCE + 1) and other sessions. */
  private async queueSessionCancelled(tx: StoreTx, booking: BookingRecord, input: { cancelledBy: 'staff' | 'administrator'; reason: string; at: Date }): Promise<void> {
    const slot = await tx.getSlot(booking.slotId);
    const program = await tx.getProgram(booking.programId);
    if (!slot || !program) return;
    const sequence = booking.calendarSequence + 1;
    await tx.setCalendarSequence(booking.id, sequence);
    const recipient = await this.bookingRecipient(tx, booking.personId, program.organizationId);
    if (!recipient) return;
    const others = (await tx.listSlots({ from: input.at, includeFull: false, limit: 6 })).filter((s) => s.id !== slot.id).slice(0, 3);
    await this.email(tx, `sessionCancelled:${booking.id}`, {
      kind: 'sessionCancelled', to: recipient.email, lang: recipient.lang, recipientName: recipient.name, programName: program.displayName,
      startsAt: slot.startsAt.toISOString(), timeZone: recipient.timeZone ?? slot.timeZone, cancelledBy: input.cancelledBy, reason: input.reason,
      otherSessions: others.map((s) => s.startsAt.toISOString()),
      invitation: calendarInvitation('CANCEL', { ...booking, calendarSequence: sequence }, slot, input.at),
    });
  }

  /** A booked session changed: updated invitation (SEQUENCE + 1), chat message, day-before reminder at the new time. */
  private async queueSessionUpdated(tx: StoreTx, booking: BookingRecord, slot: SlotRecord, previousStartsAt: Date | null, at: Date): Promise<void> {
    const program = await tx.getProgram(booking.programId);
    if (!program) return;
    const sequence = booking.calendarSequence + 1;
    await tx.setCalendarSequence(booking.id, sequence);
    if (previousStartsAt) await scheduleSessionReminder(tx, { bookingId: booking.id, programId: program.id, organizationId: program.organizationId, startsAt: slot.startsAt, now: at });
    const startsAt = slot.startsAt.toISOString();
    await tx.enqueue({
      id: randomUUID(), kind: 'notification', dedupeKey: `person:${booking.personId}:sessionUpdated:${booking.id}:${sequence}`, nextAttemptAt: at,
      payload: {
        audience: 'person', personId: booking.personId, about: 'sessionUpdated', kind: 'program', entityId: program.id, organizationId: program.organizationId,
        slotId: slot.id, startsAt, previousStartsAt: previousStartsAt?.toISOString() ?? null, slotTimeZone: slot.timeZone, durationMinutes: slot.durationMinutes, videoUrl: slot.videoUrl,
      },
    });
    const recipient = await this.bookingRecipient(tx, booking.personId, program.organizationId);
    if (!recipient) return;
    await this.email(tx, `sessionUpdated:${booking.id}:${sequence}`, {
      kind: 'sessionUpdated', to: recipient.email, lang: recipient.lang, recipientName: recipient.name, programName: program.displayName,
      startsAt, ...(previousStartsAt ? { previousStartsAt: previousStartsAt.toISOString() } : {}), timeZone: recipient.timeZone ?? slot.timeZone,
      durationMinutes: slot.durationMinutes, videoUrl: slot.videoUrl,
      invitation: calendarInvitation('REQUEST', { ...booking, calendarSequence: sequence }, slot, at),
    });
  }

  /** Who receives a booking's emails: the person who booked, else the organization's designated administrator (as in `bookSession`). */
  private async bookingRecipient(tx: StoreTx, personId: string, organizationId: string): Promise<{ email: string; lang: Lang; name: string; timeZone: string | null } | null> {
    const person = await tx.getPerson(personId);
    const email = person?.email ?? (await this.designatedOrgAdmin(tx, organizationId))?.email;
    if (!email) return null;
    return { email, lang: person?.lang ?? 'en', name: person?.displayName ?? '', timeZone: person?.timeZone ?? null };
  }
}

export function entityStatus(kind: EntityKind, id: string, name: string, wf: WorkflowRecord): EntityStatus {
  const ctx = contextOf(wf);
  return {
    kind,
    id,
    name,
    state: wf.stateKey,
    step: wf.step,
    waitingOn: wf.waitingOn,
    waitingText: STATE_TEXT[kind]?.[wf.stateKey] ?? { en: wf.stateKey, fr: wf.stateKey },
    since: wf.enteredAt,
    submissionId: (wf.stateKey === 'accessRequested' ? (ctx.accessRequestId as string | null) : (ctx.submissionId as string | null)) ?? null,
    reason: (ctx.reason as string | null) ?? null,
  };
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'P2002';
}

function isTransactionConflict(error: unknown): boolean {
  // P2034: write conflict or deadlock reported by the database; safe to run again.
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'P2034';
}

/** A form's view from its answers: what is asked next, the progress, "question n of m". */
function viewOf(ref: FormRef, answers: Answers, skipped: string[], context: ValidationContext, entityName: string): FormView {
  const form = forms[ref.formId];
  const next = nextField(form, answers, new Set(skipped));
  const fields = allFields(form);
  return { ...ref, form, answers, skipped, next, progress: progressOf(form, answers), position: next ? fields.indexOf(next) + 1 : fields.length, context, entityName };
}

/** JSON with object keys sorted: PostgreSQL's jsonb does not keep the order they were written in. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** An IANA zone name (`Area/City`) the runtime knows: not a bare offset or abbreviation. */
function isTimeZone(tz: string): boolean {
  return tz.includes('/') && knowsTimeZone(tz);
}

function slug(name: string): string {
  return (
    name
      .normalize('NFD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 24) || 'program'
  );
}

/** 16 characters from an alphabet without look-alikes (0/O, 1/l/I). */
function newTemporaryPassword(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789';
  const bytes = randomBytes(16);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}


// ---------------------------------------------------------------- session changes (with reminders.ts and ics.ts)

/** Who system-triggered commands (reminders) are audited as. */
const SYSTEM_ACTOR = 'system:reminders';

function notStaffForSessions(): AppError {
  return new AppError('notStaff', 'session change by non-staff', { en: 'Only staff can change or cancel onboarding sessions.', fr: 'Seul le personnel peut modifier ou annuler des séances d’intégration.' });
}

function slotGone(): AppError {
  return new AppError('slotUnavailable', 'slot cancelled or missing', { en: 'That session is already cancelled.', fr: 'Cette séance est déjà annulée.' });
}

function capacityBelowBookings(booked: number): AppError {
  return new AppError('invalidInput', `capacity below ${booked} bookings`, {
    en: `The capacity cannot be lower than the ${booked} seat(s) already booked.`,
    fr: `La capacité ne peut pas être inférieure aux ${booked} place(s) déjà réservée(s).`,
  });
}

/** What is wrong with a slot change (the rules of `publishSlot`, for the fields given). */
function slotProblems(patch: { startsAt?: Date; durationMinutes?: number; capacity?: number; videoUrl?: string }, now: Date): Localized[] {
  const problems: Localized[] = [];
  if (patch.startsAt !== undefined) {
    if (Number.isNaN(patch.startsAt.getTime())) problems.push({ en: 'the start time is not a valid date', fr: 'l’heure de début n’est pas une date valide' });
    else if (patch.startsAt.getTime() < now.getTime()) problems.push({ en: 'the start time is in the past', fr: 'l’heure de début est passée' });
  }
  if (patch.durationMinutes !== undefined && (!Number.isInteger(patch.durationMinutes) || patch.durationMinutes < 15 || patch.durationMinutes > 480)) {
    problems.push({ en: 'the duration must be 15 to 480 minutes', fr: 'la durée doit être de 15 à 480 minutes' });
  }
  if (patch.capacity !== undefined && (!Number.isInteger(patch.capacity) || patch.capacity < 1 || patch.capacity > 1000)) {
    problems.push({ en: 'the capacity must be 1 to 1000 seats', fr: 'la capacité doit être de 1 à 1000 places' });
  }
  if (patch.videoUrl !== undefined && !/^https:\/\/[^\s]+\.[^\s]+$/.test(patch.videoUrl)) problems.push({ en: 'the video link must be an https:// address', fr: 'le lien vidéo doit être une adresse https://' });
  return problems;
}

/** The invitation data a session email carries; the .ics is built when the mail is sent. */
function calendarInvitation(method: CalendarInvitation['method'], booking: Pick<BookingRecord, 'id' | 'calendarUid' | 'calendarSequence'>, slot: SlotRecord, at: Date): CalendarInvitation {
  return {
    method,
    uid: booking.calendarUid ?? bookingCalendarUid(booking.id),
    sequence: booking.calendarSequence,
    stamp: at.toISOString(),
    startsAt: slot.startsAt.toISOString(),
    durationMinutes: slot.durationMinutes,
    timeZone: slot.timeZone,
    videoUrl: slot.videoUrl,
  };
}
