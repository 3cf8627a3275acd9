import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { Prisma, type PrismaClient } from '../generated/prisma/client.ts';
import type { Lang } from '../domain/lang.ts';
import { searchKey } from './search-key.ts';
import type {
  AuditRecord,
  BookingRecord,
  DecisionOutcome,
  DecisionRecord,
  DraftRecord,
  EntityKind,
  IdentityRecord,
  JsonObject,
  JsonValue,
  LinkTokenRecord,
  OnboardingStore,
  OrganizationRecord,
  OutboxInput,
  OutboxRecord,
  PersonRecord,
  PlatformAccountRecord,
  ProgramRecord,
  SlotRecord,
  StepDurationStats,
  StoreTx,
  SubmissionRecord,
  WaitingWorkflowRecord,
  WorkflowRecord,
  WorkflowStateRef,
  WorkflowStateStep,
} from './store.ts';

/** The answers that name someone to contact: indexed in ContactEmail for support look-ups. */
const CONTACT_FIELDS = ['adminEmail', 'programAdminEmail', 'platformAdminEmail'] as const;

/** The inbound message whose turn is running (see `runInboundTurn`), through its async calls. */
type InboundTurn = { id: string; token: string; marked: boolean; superseded: boolean };
const inboundTurns = new AsyncLocalStorage<InboundTurn>();

/** Another run of the same inbound message (a replay) wrote first: this one must not. */
export class InboundSuperseded extends Error {
  override readonly name = 'InboundSuperseded';
  constructor(id: string) {
    super(`inbound message ${id} was processed by another run`);
  }
}

type Tx = Prisma.TransactionClient;

const personSelect = {
  id: true,
  displayName: true,
  email: true,
  lang: true,
  timeZone: true,
  passwordHash: true,
  activatedAt: true,
} as const;
const orgSelect = { id: true, displayName: true, adminPersonId: true, createdAt: true } as const;
const programSelect = { ...orgSelect, organizationId: true } as const;

function toPerson(p: { lang: string } & Omit<PersonRecord, 'lang'>): PersonRecord {
  return { ...p, lang: p.lang === 'fr' ? 'fr' : 'en' };
}
const json = (v: JsonValue | JsonObject): Prisma.InputJsonValue => v as Prisma.InputJsonValue;
const asObject = (v: unknown): JsonObject => (v && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : {});

/** The transactional part of the store, over a Prisma client or transaction client. */
class PrismaStoreTx implements StoreTx {
  constructor(protected readonly db: Tx) {}

  async getPerson(id: string) {
    const p = await this.db.person.findUnique({ where: { id }, select: personSelect });
    return p && toPerson(p);
  }
  async getPeople(ids: readonly string[]) {
    if (ids.length === 0) return [];
    return (await this.db.person.findMany({ where: { id: { in: [...ids] } }, select: personSelect })).map(toPerson);
  }
  async findPersonByEmail(email: string) {
    const p = await this.db.person.findUnique({ where: { email: email.toLowerCase() }, select: personSelect });
    return p && toPerson(p);
  }
  async createPerson(person: Omit<PersonRecord, 'passwordHash' | 'activatedAt'>) {
    await this.db.person.create({ data: { ...person, email: person.email?.toLowerCase() ?? null } });
  }
  async updatePerson(id: string, patch: Partial<Omit<PersonRecord, 'id'>> & { termsAcceptedAt?: Date }) {
    await this.db.person.update({ where: { id }, data: { ...patch, ...(patch.email ? { email: patch.email.toLowerCase() } : {}) } });
  }
  async findIdentity(channel: string, externalId: string) {
    const i = await this.db.channelIdentity.findUnique({
      where: { channel_externalId: { channel, externalId } },
      select: { personId: true, channel: true, externalId: true, address: true },
    });
    return i && { ...i, address: (i.address ?? null) as JsonValue | null };
  }
  async findIdentityWithPerson(channel: string, externalId: string) {
    // One join rather than Prisma's include (two queries): this runs for every message.
    const rows = await this.db.$queryRaw<
      Array<{ address: JsonValue | null; updatedAt: Date; id: string; displayName: string; email: string | null; lang: string; timeZone: string; passwordHash: string | null; activatedAt: Date | null }>
    >`SELECT i.address, i."updatedAt", p.id, p."displayName", p.email, p.lang, p."timeZone", p."passwordHash", p."activatedAt"
      FROM "ChannelIdentity" i JOIN "Person" p ON p.id = i."personId"
      WHERE i.channel = ${channel} AND i."externalId" = ${externalId}`;
    const row = rows[0];
    if (!row) return null;
    const { address, updatedAt, ...person } = row;
    return { identity: { personId: person.id, channel, externalId, address: address ?? null, updatedAt: new Date(updatedAt) }, person: toPerson(person) };
  }
  async identitiesOf(personId: string) {
    const rows = await this.db.channelIdentity.findMany({
      where: { personId },
      select: { personId: true, channel: true, externalId: true, address: true },
      orderBy: { updatedAt: 'desc' },
    });
    return rows.map((i) => ({ ...i, address: (i.address ?? null) as JsonValue | null }));
  }
  async upsertIdentity(identity: IdentityRecord) {
    const address = identity.address === null ? Prisma.JsonNull : json(identity.address);
    await this.db.channelIdentity.upsert({
      where: { channel_externalId: { channel: identity.channel, externalId: identity.externalId } },
      create: { id: `${identity.channel}:${identity.externalId}`, ...identity, address },
      update: { personId: identity.personId, ...(identity.address === null ? {} : { address }) },
    });
  }

  async createOrganization(org: Omit<OrganizationRecord, 'createdAt'>) {
    await this.db.organization.create({ data: { ...org, searchName: searchKey(org.displayName) } });
  }
  getOrganization(id: string) {
    return this.db.organization.findUnique({ where: { id }, select: orgSelect });
  }
  async getOrganizations(ids: readonly string[]) {
    return ids.length ? this.db.organization.findMany({ where: { id: { in: [...ids] } }, select: orgSelect }) : [];
  }
  async renameOrganization(id: string, displayName: string) {
    await this.db.organization.update({ where: { id }, data: { displayName, searchName: searchKey(displayName) } });
  }
  organizationsOf(personId: string) {
    return this.db.organization.findMany({ where: { adminPersonId: personId }, select: orgSelect, orderBy: { createdAt: 'asc' } });
  }
  async createProgram(program: Omit<ProgramRecord, 'createdAt'>) {
    await this.db.program.create({ data: { ...program, searchName: searchKey(program.displayName) } });
  }
  getProgram(id: string) {
    return this.db.program.findUnique({ where: { id }, select: programSelect });
  }
  async renameProgram(id: string, displayName: string) {
    await this.db.program.update({ where: { id }, data: { displayName, searchName: searchKey(displayName) } });
  }
  programsOf(organizationId: string) {
    return this.db.program.findMany({ where: { organizationId }, select: programSelect, orderBy: { createdAt: 'asc' } });
  }
  searchOrganizations(text: string, limit: number) {
    return this.db.organization.findMany({
      where: { searchName: { contains: searchKey(text) } },
      select: orgSelect,
      orderBy: { searchName: 'asc' },
      take: limit,
    });
  }
  searchPrograms(text: string, limit: number) {
    return this.db.program.findMany({
      where: { searchName: { contains: searchKey(text) } },
      select: programSelect,
      orderBy: { searchName: 'asc' },
      take: limit,
    });
  }

  async entitiesByContactEmail(email: string, limit: number) {
    const rows = await this.db.contactEmail.findMany({ where: { email: email.trim().toLowerCase() }, select: { entityId: true }, take: limit });
    return rows.map((r) => r.entityId);
  }

  async getWorkflow(entityId: string) {
    const w = await this.db.workflowSnapshot.findUnique({ where: { entityId } });
    return w && toWorkflow(w);
  }
  async getWorkflows(entityIds: readonly string[]) {
    if (entityIds.length === 0) return [];
    const rows = await this.db.workflowSnapshot.findMany({ where: { entityId: { in: [...entityIds] } } });
    return rows.map(toWorkflow);
  }
  async insertWorkflow(record: Omit<WorkflowRecord, 'version'>) {
    await this.db.workflowSnapshot.create({ data: { ...record, snapshot: json(record.snapshot), version: 0 } });
  }
  async updateWorkflow(record: WorkflowRecord) {
    const { count } = await this.db.workflowSnapshot.updateMany({
      where: { entityId: record.entityId, version: record.version },
      data: {
        machineVersion: record.machineVersion,
        snapshot: json(record.snapshot),
        stateKey: record.stateKey,
        step: record.step,
        waitingOn: record.waitingOn,
        enteredAt: record.enteredAt,
        version: { increment: 1 },
      },
    });
    return count === 1;
  }

  async getDraft(formId: string, entityId: string) {
    const d = await this.db.formDraft.findUnique({ where: { formId_entityId: { formId, entityId } } });
    return d && { ...d, answers: asObject(d.answers), skipped: Array.isArray(d.skipped) ? (d.skipped as string[]) : [] };
  }
  async saveDraft(draft: Omit<DraftRecord, 'updatedAt'>) {
    const data = { answers: json(draft.answers), skipped: json(draft.skipped) };
    if (draft.version === 0) {
      const existing = await this.db.formDraft.findUnique({ where: { formId_entityId: { formId: draft.formId, entityId: draft.entityId } }, select: { id: true } });
      if (!existing) {
        await this.db.formDraft.create({ data: { id: draft.id, formId: draft.formId, entityId: draft.entityId, personId: draft.personId, ...data, version: 1 } });
        return true;
      }
    }
    const { count } = await this.db.formDraft.updateMany({
      where: { formId: draft.formId, entityId: draft.entityId, version: draft.version },
      data: { ...data, personId: draft.personId, version: { increment: 1 } },
    });
    return count === 1;
  }
  async draftsOf(personId: string, limit: number) {
    const rows = await this.db.formDraft.findMany({ where: { personId }, orderBy: { updatedAt: 'desc' }, take: limit });
    return rows.map((d) => ({ ...d, answers: asObject(d.answers), skipped: Array.isArray(d.skipped) ? (d.skipped as string[]) : [] }));
  }
  async deleteDraft(formId: string, entityId: string) {
    await this.db.formDraft.deleteMany({ where: { formId, entityId } });
  }
  async insertSubmission(s: Omit<SubmissionRecord, 'createdAt'>) {
    await this.db.submission.create({ data: { ...s, answers: json(s.answers) } });
    const emails = CONTACT_FIELDS.map((f) => s.answers[f]).filter((v): v is string => typeof v === 'string' && v.includes('@'));
    if (emails.length > 0) {
      await this.db.contactEmail.createMany({ data: [...new Set(emails.map((e) => e.trim().toLowerCase()))].map((email) => ({ email, entityId: s.entityId })), skipDuplicates: true });
    }
  }
  async getSubmission(id: string) {
    const s = await this.db.submission.findUnique({ where: { id } });
    return s && { ...s, answers: asObject(s.answers) };
  }
  async latestSubmission(formId: string, entityId: string) {
    const s = await this.db.submission.findFirst({ where: { formId, entityId }, orderBy: { number: 'desc' } });
    return s && { ...s, answers: asObject(s.answers) };
  }

  async insertDecision(decision: Omit<DecisionRecord, 'createdAt'> & { createdAt: Date }) {
    // ON CONFLICT DO NOTHING (skipDuplicates): a second decision on the same submission waits
    // for the first to commit, then inserts nothing, without aborting this transaction.
    const { count } = await this.db.decision.createMany({ data: [decision], skipDuplicates: true });
    const stands = await this.getDecision(decision.submissionId);
    if (!stands) throw new Error(`decision for ${decision.submissionId} vanished`);
    return { inserted: count === 1 && stands.id === decision.id, decision: stands };
  }
  async getDecision(submissionId: string) {
    const d = await this.db.decision.findUnique({ where: { submissionId } });
    return d && { ...d, outcome: d.outcome as DecisionOutcome };
  }

  async appendAudit(event: AuditRecord) {
    await this.db.auditEvent.create({ data: { ...event, data: event.data === null ? Prisma.JsonNull : json(event.data) } });
  }
  async programsOfMany(organizationIds: readonly string[]) {
    if (organizationIds.length === 0) return [];
    return this.db.program.findMany({ where: { organizationId: { in: [...organizationIds] } }, select: programSelect, orderBy: { createdAt: 'asc' } });
  }
  async history(entityIds: readonly string[], limit: number) {
    if (entityIds.length === 0) return [];
    const rows = await this.db.auditEvent.findMany({
      where: { entityId: { in: [...entityIds] } },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit,
      select: {
        entityType: true,
        entityId: true,
        organizationId: true,
        actorId: true,
        action: true,
        fromState: true,
        toState: true,
        reason: true,
        data: true,
        createdAt: true,
      },
    });
    return rows.map((r) => ({ ...r, data: r.data === null ? null : asObject(r.data) }));
  }
  async enqueue(message: OutboxInput) {
    await this.db.outboxMessage.createMany({ data: [{ ...message, payload: json(message.payload) }], skipDuplicates: true });
  }

  async createLinkToken(token: LinkTokenRecord) {
    await this.db.linkToken.create({ data: token });
  }
  async getLinkToken(id: string) {
    const t = await this.db.linkToken.findUnique({ where: { id } });
    return t && { ...t, purpose: t.purpose as LinkTokenRecord['purpose'] };
  }
  async useLinkToken(id: string, at: Date) {
    const { count } = await this.db.linkToken.updateMany({ where: { id, usedAt: null, revokedAt: null }, data: { usedAt: at } });
    return count === 1;
  }
  async revokeLinkTokens(entityId: string, purpose: LinkTokenRecord['purpose'], at: Date) {
    await this.db.linkToken.updateMany({ where: { entityId, purpose, usedAt: null, revokedAt: null }, data: { revokedAt: at } });
  }

  async createSlot(slot: Omit<SlotRecord, 'bookedCount' | 'cancelledAt'>) {
    await this.db.sessionSlot.create({ data: slot });
  }
  async getSlot(id: string) {
    const s = await this.db.sessionSlot.findUnique({ where: { id } });
    return s && toSlot(s);
  }
  async listSlots(options: { from: Date; includeFull: boolean; limit: number }) {
    const rows = await this.db.sessionSlot.findMany({
      where: { startsAt: { gte: options.from }, cancelledAt: null },
      orderBy: { startsAt: 'asc' },
      take: options.limit,
    });
    return rows.map(toSlot).filter((s) => options.includeFull || s.bookedCount < s.capacity);
  }
  countSlots() {
    return this.db.sessionSlot.count();
  }
  async takeSeat(slotId: string) {
    const n = await this.db.$executeRaw`UPDATE "SessionSlot" SET "bookedCount" = "bookedCount" + 1
      WHERE id = ${slotId} AND "cancelledAt" IS NULL AND "bookedCount" < capacity`;
    return n === 1;
  }
  async releaseSeat(slotId: string) {
    await this.db.$executeRaw`UPDATE "SessionSlot" SET "bookedCount" = "bookedCount" - 1 WHERE id = ${slotId} AND "bookedCount" > 0`;
  }
  async createBooking(booking: Omit<BookingRecord, 'cancelledAt' | 'status' | 'calendarUid' | 'calendarSequence'> & Partial<Pick<BookingRecord, 'calendarUid' | 'calendarSequence'>>) {
    await this.db.sessionBooking.create({ data: { ...booking, status: 'booked' } });
  }
  async activeBooking(programId: string) {
    const b = await this.db.sessionBooking.findFirst({ where: { programId, status: 'booked' }, orderBy: { createdAt: 'desc' } });
    return b && { ...b, status: b.status as BookingRecord['status'] };
  }
  async cancelBooking(id: string, at: Date) {
    const { count } = await this.db.sessionBooking.updateMany({ where: { id, status: 'booked' }, data: { status: 'cancelled', cancelledAt: at } });
    return count === 1;
  }

  async createPlatformAccount(account: Omit<PlatformAccountRecord, 'registeredAt' | 'mustChangePassword'>) {
    await this.db.platformAccount.create({ data: account });
  }
  platformAccountOf(programId: string) {
    return this.db.platformAccount.findUnique({
      where: { programId },
      select: { id: true, programId: true, username: true, email: true, passwordHash: true, mustChangePassword: true, registeredAt: true },
    });
  }
  async completePlatformAccount(programId: string, passwordHash: string, at: Date) {
    await this.db.platformAccount.update({ where: { programId }, data: { passwordHash, mustChangePassword: false, registeredAt: at } });
  }
  async setPlatformPassword(programId: string, passwordHash: string) {
    await this.db.platformAccount.update({ where: { programId }, data: { passwordHash, mustChangePassword: true } });
  }

  async getChannelMessage(channel: string, key: string) {
    const row = await this.db.channelMessage.findUnique({ where: { channel_key: { channel, key } }, select: { ref: true } });
    return (row?.ref ?? null) as JsonValue | null;
  }
  async setChannelMessage(channel: string, key: string, ref: JsonValue) {
    await this.db.channelMessage.upsert({ where: { channel_key: { channel, key } }, create: { channel, key, ref: json(ref) }, update: { ref: json(ref) } });
  }
  async setSetting(key: string, value: string) {
    await this.db.setting.upsert({ where: { key }, create: { key, value }, update: { value } });
  }

  async getSetting(key: string) {
    return (await this.db.setting.findUnique({ where: { key } }))?.value ?? null;
  }
  async ensureSetting(key: string, value: string) {
    await this.db.setting.createMany({ data: [{ key, value }], skipDuplicates: true });
    return (await this.getSetting(key)) ?? value;
  }

  // ---- Reminders, slot changes and calendar invitations.
  async getBooking(id: string) {
    const b = await this.db.sessionBooking.findUnique({ where: { id }, select: bookingSelect });
    return b && toBooking(b);
  }
  async listBookingsOnSlot(slotId: string) {
    const rows = await this.db.sessionBooking.findMany({ where: { slotId, status: 'booked' }, select: bookingSelect, orderBy: { createdAt: 'asc' } });
    return rows.map(toBooking);
  }
  async cancelSlot(id: string, at: Date) {
    const { count } = await this.db.sessionSlot.updateMany({ where: { id, cancelledAt: null }, data: { cancelledAt: at } });
    return count === 1;
  }
  async updateSlot(id: string, patch: Partial<Pick<SlotRecord, 'startsAt' | 'durationMinutes' | 'capacity' | 'videoUrl'>>) {
    const data = {
      ...(patch.startsAt ? { startsAt: patch.startsAt } : {}),
      ...(patch.durationMinutes !== undefined ? { durationMinutes: patch.durationMinutes } : {}),
      ...(patch.capacity !== undefined ? { capacity: patch.capacity } : {}),
      ...(patch.videoUrl !== undefined ? { videoUrl: patch.videoUrl } : {}),
    };
    const { count } = await this.db.sessionSlot.updateMany({
      where: { id, cancelledAt: null, ...(patch.capacity !== undefined ? { bookedCount: { lte: patch.capacity } } : {}) },
      data,
    });
    return count === 1;
  }
  async setCalendarSequence(bookingId: string, sequence: number) {
    await this.db.sessionBooking.update({ where: { id: bookingId }, data: { calendarSequence: sequence } });
  }
  async setRemindersStopped(personId: string, at: Date | null) {
    await this.db.person.update({ where: { id: personId }, data: { remindersStoppedAt: at } });
  }
  async getRemindersStoppedAt(personId: string) {
    const p = await this.db.person.findUnique({ where: { id: personId }, select: { remindersStoppedAt: true } });
    return p?.remindersStoppedAt ?? null;
  }
  async latestLinkToken(entityId: string, purpose: LinkTokenRecord['purpose']) {
    const t = await this.db.linkToken.findFirst({ where: { entityId, purpose }, orderBy: { createdAt: 'desc' } });
    return t && { ...t, purpose: t.purpose as LinkTokenRecord['purpose'] };
  }
  async rescheduleOutbox(prefixes: string | readonly string[], nextAttemptAt: Date) {
    // A prefix match on the key: served by the key's text_pattern_ops index, whatever the collation.
    const list = typeof prefixes === 'string' ? [prefixes] : prefixes;
    const { count } = await this.db.outboxMessage.updateMany({ where: { OR: list.map((prefix) => ({ dedupeKey: { startsWith: prefix } })), status: 'pending' }, data: { nextAttemptAt } });
    return count;
  }
  async finishOutbox(id: string, workerId: string, at: Date, payload: JsonObject) {
    const { count } = await this.db.outboxMessage.updateMany({
      where: { id, lockedBy: workerId, status: 'pending' },
      data: { status: 'sent', sentAt: at, lockedUntil: null, lastError: null, payload: json(payload) },
    });
    return count === 1;
  }
}

const bookingSelect = {
  id: true,
  slotId: true,
  programId: true,
  personId: true,
  status: true,
  createdAt: true,
  cancelledAt: true,
  calendarUid: true,
  calendarSequence: true,
} as const;

function toBooking(b: Omit<BookingRecord, 'status'> & { status: string }): BookingRecord {
  return { ...b, status: b.status === 'cancelled' ? 'cancelled' : 'booked' };
}

function toWorkflow(w: {
  entityId: string;
  kind: string;
  machineVersion: number;
  snapshot: unknown;
  stateKey: string;
  step: number;
  waitingOn: string;
  enteredAt: Date;
  version: number;
}): WorkflowRecord {
  return { ...w, kind: w.kind as EntityKind, snapshot: asObject(w.snapshot) };
}

function toSlot(s: Omit<SlotRecord, 'language'> & { language: string }): SlotRecord {
  return {
    id: s.id,
    startsAt: s.startsAt,
    timeZone: s.timeZone,
    durationMinutes: s.durationMinutes,
    language: (s.language === 'fr' ? 'fr' : 'en') as Lang,
    capacity: s.capacity,
    bookedCount: s.bookedCount,
    videoUrl: s.videoUrl,
    isSample: s.isSample,
    createdBy: s.createdBy,
    cancelledAt: s.cancelledAt,
  };
}

function toOutbox(m: {
  id: string;
  kind: string;
  dedupeKey: string;
  payload: unknown;
  nextAttemptAt: Date;
  status: string;
  attempts: number;
  lastError: string | null;
  sentAt: Date | null;
}): OutboxRecord {
  return {
    id: m.id,
    kind: m.kind,
    dedupeKey: m.dedupeKey,
    payload: asObject(m.payload),
    nextAttemptAt: m.nextAttemptAt,
    status: m.status,
    attempts: m.attempts,
    lastError: m.lastError,
    sentAt: m.sentAt,
  };
}

/** The Prisma implementation of `OnboardingStore`. It takes its client; it owns nothing global. */
export class PrismaOnboardingStore extends PrismaStoreTx implements OnboardingStore {
  constructor(
    private readonly client: PrismaClient,
    readonly kind: 'pglite' | 'postgres',
    private readonly onClose: () => Promise<void> = async () => {},
  ) {
    super(client);
  }

  async transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    // Inside, only the `tx` client may be used: on PGlite the outer client would wait
    // for this very transaction to end (a deadlock).
    const inbound = inboundTurns.getStore();
    const marking = inbound && !inbound.marked && !inbound.superseded ? inbound : undefined;
    const result = await this.client.$transaction(
      async (tx) => {
        // The turn of a pending inbound message: its first write also marks the message
        // processed, atomically, so a replay can never apply it a second time.
        if (marking && !(await this.markInbound(tx, marking))) throw new InboundSuperseded(marking.id);
        return fn(new PrismaStoreTx(tx));
      },
      { timeout: 15_000, maxWait: 10_000 },
    );
    if (marking) marking.marked = true;
    return result;
  }

  async recordInboundEvent(id: string, at: Date) {
    // Processed on arrival: only its id matters (retries are dropped), nothing to replay.
    const { count } = await this.client.inboundEvent.createMany({ data: [{ id, receivedAt: at, processedAt: at }], skipDuplicates: true });
    return count === 1;
  }

  async recordPendingInbound(id: string, at: Date, payload: JsonObject) {
    // Before Slack's ack, on every DM: one plain statement.
    const n = await this.client.$executeRaw`INSERT INTO "InboundEvent" (id, "receivedAt", payload) VALUES (${id}, ${at}, ${JSON.stringify(payload)}::jsonb) ON CONFLICT (id) DO NOTHING`;
    return n === 1;
  }

  async runInboundTurn<T>(id: string, turn: (superseded: () => boolean) => Promise<T>): Promise<T> {
    const context: InboundTurn = { id, token: randomUUID(), marked: false, superseded: false };
    const result = await inboundTurns.run(context, () => turn(() => context.superseded));
    if (!context.marked && !context.superseded) await this.markInbound(this.client, context);
    return result;
  }

  /** Marks the turn's message processed by this run; false when another run had. Drops the payload. */
  private async markInbound(db: Tx, context: InboundTurn): Promise<boolean> {
    const n = await db.$executeRaw`UPDATE "InboundEvent" SET "processedAt" = now(), "processedBy" = ${context.token}, payload = NULL
      WHERE id = ${context.id} AND ("processedAt" IS NULL OR "processedBy" = ${context.token})`;
    if (n === 0) context.superseded = true;
    return n > 0;
  }

  async claimStaleInbound(options: { receivedBefore: Date; claimedBefore: Date; now: Date; limit: number }) {
    const rows = await this.client.$queryRaw<Array<{ id: string; payload: unknown }>>`
      UPDATE "InboundEvent" SET "claimedAt" = ${options.now}
      WHERE id IN (
        SELECT id FROM "InboundEvent"
        WHERE "processedAt" IS NULL AND payload IS NOT NULL AND "receivedAt" < ${options.receivedBefore}
          AND ("claimedAt" IS NULL OR "claimedAt" < ${options.claimedBefore})
        ORDER BY "receivedAt" LIMIT ${options.limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING id, payload`;
    return rows.map((r) => ({ id: r.id, payload: asObject(r.payload) }));
  }

  async claimOutbox(options: { now: Date; limit: number; workerId: string; leaseUntil: Date; kinds?: readonly string[] }) {
    const kinds = options.kinds ?? null;
    const kindFilter = kinds ? Prisma.sql`AND kind IN (${Prisma.join(kinds)})` : Prisma.empty;
    const claimed = await this.client.$queryRaw<Array<{ id: string }>>`
      UPDATE "OutboxMessage" SET "lockedBy" = ${options.workerId}, "lockedUntil" = ${options.leaseUntil}, attempts = attempts + 1
      WHERE id IN (
        SELECT id FROM "OutboxMessage"
        WHERE status = 'pending' AND "nextAttemptAt" <= ${options.now}
          AND ("lockedUntil" IS NULL OR "lockedUntil" < ${options.now}) ${kindFilter}
        ORDER BY "nextAttemptAt", "createdAt"
        LIMIT ${options.limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING id`;
    if (claimed.length === 0) return [];
    const rows = await this.client.outboxMessage.findMany({
      where: { id: { in: claimed.map((c) => c.id) } },
      orderBy: [{ nextAttemptAt: 'asc' }, { createdAt: 'asc' }],
    });
    return rows.map(toOutbox);
  }
  async completeOutbox(id: string, workerId: string, at: Date, payload?: JsonObject) {
    await this.client.outboxMessage.updateMany({
      where: { id, lockedBy: workerId },
      data: { status: 'sent', sentAt: at, lockedUntil: null, lastError: null, ...(payload ? { payload: json(payload) } : {}) },
    });
  }
  async failOutbox(id: string, workerId: string, error: string, nextAttemptAt: Date | null) {
    await this.client.outboxMessage.updateMany({
      where: { id, lockedBy: workerId },
      data: nextAttemptAt
        ? { lastError: error.slice(0, 2000), nextAttemptAt, lockedUntil: null }
        : { lastError: error.slice(0, 2000), status: 'dead', lockedUntil: null },
    });
  }
  async deferOutbox(id: string, workerId: string, nextAttemptAt: Date, payload?: JsonObject) {
    await this.client.outboxMessage.updateMany({
      where: { id, lockedBy: workerId, status: 'pending' },
      data: { nextAttemptAt, lockedUntil: null, attempts: { decrement: 1 }, ...(payload ? { payload: json(payload) } : {}) },
    });
  }
  async outboxMessages(filter: { kind?: string; status?: string } = {}) {
    const rows = await this.client.outboxMessage.findMany({ where: filter, orderBy: { createdAt: 'asc' } });
    return rows.map(toOutbox);
  }
  async ping() {
    await this.client.$queryRaw`SELECT 1`;
  }
  close() {
    return this.onClose();
  }

  async countWorkflowStates() {
    const rows = await this.client.workflowSnapshot.groupBy({ by: ['kind', 'stateKey'], _count: { _all: true } });
    return rows.map((r) => ({ kind: r.kind as EntityKind, stateKey: r.stateKey, count: r._count._all }));
  }
  async oldestWorkflows(options: { states: readonly WorkflowStateRef[]; limit: number }) {
    if (options.states.length === 0 || options.limit <= 0) return [];
    const rows = await this.client.$queryRaw<Array<Omit<WaitingWorkflowRecord, 'kind'> & { kind: string }>>`
      SELECT w."entityId", w.kind, w."stateKey", w.step, w."waitingOn", w."enteredAt",
        COALESCE(o."displayName", p."displayName", '') AS name,
        COALESCE(p."organizationId", w."entityId") AS "organizationId",
        COALESCE(po."displayName", o."displayName", '') AS "organizationName"
      FROM "WorkflowSnapshot" w
      LEFT JOIN "Organization" o ON w.kind = 'organization' AND o.id = w."entityId"
      LEFT JOIN "Program" p ON w.kind = 'program' AND p.id = w."entityId"
      LEFT JOIN "Organization" po ON po.id = p."organizationId"
      WHERE (w.kind, w."stateKey") IN (${statePairs(options.states)})
      ORDER BY w."enteredAt", w."entityId"
      LIMIT ${options.limit}`;
    return rows.map((r) => ({ ...r, kind: r.kind as EntityKind }));
  }
  async workflowsEnteredByWeek(options: { states: readonly WorkflowStateRef[]; fromWeek: string; toWeek: string; timeZone: string }) {
    if (options.states.length === 0) return [];
    const tz = options.timeZone;
    const rows = await this.client.$queryRaw<Array<{ kind: string; stateKey: string; weekStart: string; count: number }>>`
      SELECT kind, "stateKey", to_char(date_trunc('week', "enteredAt" AT TIME ZONE ${tz}::text), 'YYYY-MM-DD') AS "weekStart", count(*)::int AS count
      FROM "WorkflowSnapshot"
      WHERE (kind, "stateKey") IN (${statePairs(options.states)})
        AND "enteredAt" >= (${options.fromWeek}::timestamp AT TIME ZONE ${tz}::text)
        AND "enteredAt" < (${options.toWeek}::timestamp AT TIME ZONE ${tz}::text)
      GROUP BY 1, 2, 3`;
    return rows.map((r) => ({ ...r, kind: r.kind as EntityKind }));
  }
  async stepDurations(options: { states: readonly WorkflowStateStep[]; leftFrom: Date; leftBefore: Date }) {
    if (options.states.length === 0) return [];
    const steps = Prisma.join(options.states.map((s) => Prisma.sql`(${s.kind}::text, ${s.stateKey}::text, ${s.step}::int)`));
    // Edges are the transitions that change step (creation included: its fromState is null);
    // each edge into a step starts a visit that the entity's next edge ends. Only entities
    // with an event in the window can have a visit that ended in it: their whole history is
    // read through the (entityId, createdAt) index; the id breaks ties within an instant.
    return this.client.$queryRaw<StepDurationStats[]>`
      WITH steps(kind, state, step) AS (VALUES ${steps}),
      recent AS (
        SELECT DISTINCT "entityId" FROM "AuditEvent"
        WHERE "createdAt" >= ${options.leftFrom} AND "createdAt" < ${options.leftBefore}
          AND "entityType" IN ('organization', 'program') AND "toState" IS NOT NULL
      ),
      edges AS (
        SELECT a."entityId", a."createdAt", a.id, t.step AS "toStep"
        FROM recent r
        JOIN "AuditEvent" a ON a."entityId" = r."entityId"
        LEFT JOIN steps f ON f.kind = a."entityType" AND f.state = a."fromState"
        LEFT JOIN steps t ON t.kind = a."entityType" AND t.state = a."toState"
        WHERE a."entityType" IN ('organization', 'program') AND a."toState" IS NOT NULL
          AND f.step IS DISTINCT FROM t.step
      ),
      visits AS (
        SELECT "toStep" AS step, "createdAt" AS "enteredAt",
          LEAD("createdAt") OVER (PARTITION BY "entityId" ORDER BY "createdAt", id) AS "leftAt"
        FROM edges
      )
      SELECT step, count(*)::int AS samples,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM "leftAt" - "enteredAt")::float8) / 3600 AS "medianHours",
        percentile_cont(0.9) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM "leftAt" - "enteredAt")::float8) / 3600 AS "p90Hours"
      FROM visits
      WHERE step IS NOT NULL AND "leftAt" >= ${options.leftFrom} AND "leftAt" < ${options.leftBefore}
      GROUP BY step
      ORDER BY step`;
  }
}

/** `(kind, stateKey)` pairs for a row-valued IN, which the (kind, stateKey) index serves. */
function statePairs(states: readonly WorkflowStateRef[]): Prisma.Sql {
  return Prisma.join(states.map((s) => Prisma.sql`(${s.kind}::text, ${s.stateKey}::text)`));
}
