import { parseWallTime } from '../core/zoned-time.ts';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import type { Lang } from '../domain/lang.ts';
import { AppError } from '../core/errors.ts';
import { computeFunnel, DEFAULT_TIME_ZONE, type Funnel } from '../core/funnel.ts';
import { createLinkSigner } from '../core/link-tokens.ts';
import { entityStatus, OnboardingService, type Actor, type EntityStatus, type HistoryItem, type OrganizationStatus } from '../core/onboarding-service.ts';
import { STEP_TITLES } from '../core/status-text.ts';
import { DatabaseLockedError, openDatabase } from '../store/database.ts';
import { PrismaOnboardingStore } from '../store/prisma-store.ts';
import type { OnboardingStore } from '../store/store.ts';
import { actionText, createStaffSignInLink, formatWait } from '../web/staff-page.ts';
import { CLI_TEXT as T, fill } from './cli-text.ts';
import { definitionList, textTable } from './text-table.ts';

/**
 * The support operator's command line: `npm run onboarding -- <command>`. It opens the
 * assistant's database, acts as the support identity `cli:operator` (added to the
 * support list of its own copy of the configuration) and goes through the same
 * onboarding service as the channels, so look-ups and resends are checked and audited
 * the same way. Returns the exit code: 0 done, 1 refused or failed, 2 bad usage.
 */

export type Writer = { write(chunk: string): unknown };

export type CliOptions = {
  config: Config;
  out: Writer;
  err: Writer;
  /** An open store to use (and leave open) instead of opening the configured database. */
  store?: OnboardingStore | undefined;
  clock?: (() => Date) | undefined;
  /** Dates are printed in this zone (default America/Toronto). */
  timeZone?: string | undefined;
};

export const OPERATOR_IDENTITY = { channel: 'cli', externalId: 'operator' } as const;
const HISTORY_LIMIT = 1000;
const ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;

class UsageError extends Error {}

type Parsed = { lang: Lang; command: string; args: string[] };

function parseArgs(argv: readonly string[]): Parsed {
  let lang: Lang = 'en';
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--lang' || a.startsWith('--lang=')) {
      const value = a === '--lang' ? argv[++i] : a.slice('--lang='.length);
      if (value !== 'en' && value !== 'fr') throw new UsageError(T.badLang.en);
      lang = value;
    } else if (a === '--help' || a === '-h') {
      rest.unshift('help');
    } else if (a !== '--') {
      rest.push(a);
    }
  }
  const [command = 'help', ...args] = rest;
  return { lang, command, args };
}

export async function runCli(argv: readonly string[], options: CliOptions): Promise<number> {
  const { out, err } = options;
  let parsed: Parsed;
  try {
    parsed = parseArgs(argv);
  } catch (error) {
    err.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const { lang, command, args } = parsed;
  const query = args.join(' ').trim();
  if (command === 'help') {
    out.write(T.usage[lang]);
    return 0;
  }
  const commands = ['status', 'history', 'resend', 'report', 'staff-link', 'sessions', 'publish-session', 'cancel-session'];
  if (!commands.includes(command)) {
    err.write(`${fill(T.unknownCommand[lang], command)}\n`);
    return 2;
  }
  if ((command === 'status' || command === 'history') && !query) {
    err.write(`${T.missingQuery[lang]}\n`);
    return 2;
  }
  if (command === 'resend' && (args[0] !== 'activation' && args[0] !== 'platform')) {
    err.write(`${T.badResendKind[lang]}\n`);
    return 2;
  }
  if (command === 'resend' && !args.slice(1).join(' ').trim()) {
    err.write(`${T.missingQuery[lang]}\n`);
    return 2;
  }

  const opened = options.store ? { store: options.store, close: async () => {} } : await openStore(options.config, lang, err);
  if (!opened) return 1;
  try {
    const cli = await Operator.create(opened.store, options, lang);
    switch (command) {
      case 'status':
        return await cli.status(query);
      case 'history':
        return await cli.history(query);
      case 'resend':
        return await cli.resend(args[0] === 'platform' ? 'platform' : 'activation', args.slice(1).join(' ').trim());
      case 'report':
        return await cli.report();
      case 'sessions':
        return await cli.sessions();
      case 'publish-session':
        return await cli.publishSession(args);
      case 'cancel-session':
        return await cli.cancelSession(args[0] ?? '', args.slice(1).join(' '));
      default:
        return await cli.staffLink();
    }
  } catch (error) {
    err.write(`${fill(T.failed[lang], error instanceof AppError ? error.say(lang) : error instanceof Error ? error.message : String(error))}\n`);
    return 1;
  } finally {
    await opened.close();
  }
}

async function openStore(config: Config, lang: Lang, err: Writer): Promise<{ store: OnboardingStore; close(): Promise<void> } | undefined> {
  if (!config.databaseUrl && !fs.existsSync(path.join(config.dataDir, 'pglite', 'PG_VERSION'))) {
    err.write(`${fill(T.noDatabase[lang], config.dataDir)}\n`);
    return undefined;
  }
  try {
    const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
    const store = new PrismaOnboardingStore(db.prisma, db.kind, () => db.close());
    return { store, close: () => store.close() };
  } catch (error) {
    if (error instanceof DatabaseLockedError) {
      err.write(`${fill(T.locked[lang], config.dataDir)}\n(${error.message})\n`);
    } else {
      const where = config.databaseUrl ? 'DATABASE_URL' : config.dataDir;
      err.write(`${fill(T.cannotOpen[lang], where, error instanceof Error ? error.message : String(error))}\n`);
    }
    return undefined;
  }
}

type Found = OrganizationStatus & { history: HistoryItem[] };

/** The commands, over one open store, as the support identity `cli:operator`. */
class Operator {
  private constructor(
    private readonly store: OnboardingStore,
    private readonly service: OnboardingService,
    private readonly actor: Actor,
    private readonly options: CliOptions,
    private readonly lang: Lang,
    private readonly publicUrl: string,
    private readonly signer: ReturnType<typeof createLinkSigner>,
  ) {}

  static async create(store: OnboardingStore, options: CliOptions, lang: Lang): Promise<Operator> {
    // The service decides roles from the configuration: this copy makes the operator support.
    // Whoever runs the CLI on a machine holding the database configuration is trusted as
    // support and as staff (publishing sessions).
    const operatorId = `${OPERATOR_IDENTITY.channel}:${OPERATOR_IDENTITY.externalId}`;
    const config: Config = { ...options.config, supportIds: [...options.config.supportIds, operatorId], staffIds: [...options.config.staffIds, operatorId] };
    // The same secret as the assistant's (configured, or generated once and kept in the database).
    const secret = config.linkSecret ?? (await store.ensureSetting('linkSecret', randomBytes(32).toString('base64url')));
    const signer = createLinkSigner(secret);
    const service = new OnboardingService({
      store,
      clock: options.clock,
      publicUrl: config.publicUrl,
      signer,
      linkTtlMs: config.linkTtlMs,
      staffIds: config.staffIds,
      supportIds: config.supportIds,
    });
    const actor = await service.identify({ ...OPERATOR_IDENTITY, displayName: 'Support (command line)', lang });
    return new Operator(store, service, { ...actor, lang }, options, lang, config.publicUrl, signer);
  }

  private get t() {
    const lang = this.lang;
    return <K extends keyof typeof T>(key: K, ...values: (string | number)[]) => fill(T[key][lang], ...values);
  }

  private print(text: string): void {
    this.options.out.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  private now(): Date {
    return this.options.clock?.() ?? new Date();
  }

  private get timeZone(): string {
    return this.options.timeZone ?? DEFAULT_TIME_ZONE;
  }

  /** `2025-03-04 14:05` in the operator's zone. */
  private date(d: Date): string {
    return new Intl.DateTimeFormat('sv-SE', { timeZone: this.timeZone, dateStyle: 'short', timeStyle: 'short' }).format(d);
  }

  private ago(d: Date): string {
    const hours = (this.now().getTime() - d.getTime()) / 3_600_000;
    const rtf = new Intl.RelativeTimeFormat(this.lang === 'fr' ? 'fr-CA' : 'en-CA', { numeric: 'auto' });
    if (Math.abs(hours) < 1) return rtf.format(-Math.round(hours * 60), 'minute');
    if (Math.abs(hours) < 48) return rtf.format(-Math.round(hours), 'hour');
    return rtf.format(-Math.round(hours / 24), 'day');
  }

  private waiting(code: string): string {
    return code === 'admin' ? this.t('admin') : code === 'staff' ? this.t('staff') : code === 'nobody' ? this.t('nobody') : code;
  }

  private name(n: string): string {
    return n || this.t('unnamed');
  }

  /**
   * The organizations a query names: an organization or program identifier first, then
   * the support look-up (name, email, program name).
   */
  private async find(query: string): Promise<Found[]> {
    if (ID_PATTERN.test(query)) {
      const org = (await this.store.getOrganization(query)) ?? (await this.organizationOfProgram(query));
      if (org) return [await this.byId(org.id)];
    }
    return this.service.status(this.actor, query);
  }

  private async organizationOfProgram(programId: string) {
    const program = await this.store.getProgram(programId);
    return program ? this.store.getOrganization(program.organizationId) : null;
  }

  private async byId(organizationId: string): Promise<Found> {
    const org = await this.store.getOrganization(organizationId);
    if (!org) throw new Error(`organization ${organizationId} vanished`);
    const programs = await this.store.programsOf(org.id);
    const workflows = new Map((await this.store.getWorkflows([org.id, ...programs.map((p) => p.id)])).map((w) => [w.entityId, w]));
    const statusOf = (kind: 'organization' | 'program', id: string, name: string): EntityStatus => {
      const w = workflows.get(id);
      if (!w) throw new Error(`no workflow for ${kind} ${id}`);
      return entityStatus(kind, id, name, w);
    };
    const history = await this.service.history([org.id, ...programs.map((p) => p.id)], 10);
    return { ...statusOf('organization', org.id, org.displayName), adminPersonId: org.adminPersonId, programs: programs.map((p) => statusOf('program', p.id, p.displayName)), history };
  }

  private noMatch(query: string): number {
    this.options.err.write(`${this.t('noMatch', query)}\n`);
    return 1;
  }

  private listMatches(query: string, found: readonly Found[]): void {
    this.print(this.t('severalMatch', found.length, query));
    this.print(
      textTable(
        [this.t('name'), this.t('id'), this.t('step'), this.t('waitingOn'), this.t('since')],
        found.map((o) => [this.name(o.name), o.id, String(o.step), this.waiting(o.waitingOn), this.date(o.since)]),
      ),
    );
    this.print(this.t('refine'));
  }

  private historyTable(items: readonly HistoryItem[], names: ReadonlyMap<string, string>): string {
    return textTable(
      [this.t('when'), this.t('what'), this.t('about'), this.t('who'), this.t('change'), this.t('reason')],
      items.map((h) => [
        this.date(h.createdAt),
        actionText(h.action, this.lang),
        this.name(names.get(h.entityId) ?? h.entityId),
        h.actorName ?? this.t('system'),
        h.fromState && h.toState && h.fromState !== h.toState ? `${h.fromState} → ${h.toState}` : (h.toState ?? ''),
        h.reason ?? '',
      ]),
    );
  }

  async status(query: string): Promise<number> {
    const found = await this.find(query);
    if (found.length === 0) return this.noMatch(query);
    if (found.length > 1) {
      this.listMatches(query, found);
      return 0;
    }
    const [o] = found as [Found];
    const lang = this.lang;
    this.print(`${this.name(o.name)}  (${this.t('organization').toLowerCase()} ${o.id})`);
    this.print(
      definitionList([
        [this.t('step'), this.t('stepOf', o.step, STEP_TITLES[o.step]?.[lang] ?? '')],
        [this.t('state'), `${o.waitingText[lang]} (${o.state})`],
        [this.t('waitingOn'), this.waiting(o.waitingOn)],
        [this.t('since'), `${this.date(o.since)} (${this.ago(o.since)})`],
        ...(o.reason ? [[this.t('reason'), o.reason] as const] : []),
      ]),
    );
    this.print(`\n${this.t('programs')}`);
    this.print(
      o.programs.length === 0
        ? this.t('noPrograms')
        : textTable(
            [this.t('name'), this.t('step'), this.t('state'), this.t('waitingOn'), this.t('since'), this.t('id')],
            o.programs.map((p) => [this.name(p.name), String(p.step), p.state, this.waiting(p.waitingOn), `${this.date(p.since)} (${this.ago(p.since)})`, p.id]),
          ),
    );
    const names = new Map([[o.id, o.name], ...o.programs.map((p): [string, string] => [p.id, p.name])]);
    this.print(`\n${this.t('lastEvents', o.history.length)}`);
    this.print(this.historyTable(o.history, names));
    return 0;
  }

  /** The one organization a query names, or the exit code after saying there is none or several. */
  private async findOne(query: string): Promise<Found | number> {
    const found = await this.find(query);
    if (found.length === 0) return this.noMatch(query);
    if (found.length > 1) {
      this.listMatches(query, found);
      this.print(this.t('oneRequired'));
      return 1;
    }
    return found[0]!;
  }

  async history(query: string): Promise<number> {
    const o = await this.findOne(query);
    if (typeof o === 'number') return o;
    const items = await this.service.history([o.id, ...o.programs.map((p) => p.id)], HISTORY_LIMIT);
    const names = new Map([[o.id, o.name], ...o.programs.map((p): [string, string] => [p.id, p.name])]);
    this.print(this.t('history', this.name(o.name), items.length));
    if (items.length >= HISTORY_LIMIT) this.print(this.t('historyTruncated', HISTORY_LIMIT));
    this.print(this.historyTable([...items].reverse(), names));
    return 0;
  }

  async resend(purpose: 'activation' | 'platform', query: string): Promise<number> {
    const o = await this.findOne(query);
    if (typeof o === 'number') return o;
    let target: { id: string; name: string } = o;
    if (purpose === 'platform') {
      // The program the query names (by identifier or name), else any of the organization's.
      const byName = await this.store.searchPrograms(query, 50);
      const named = o.programs.filter((p) => p.id === query || byName.some((b) => b.id === p.id));
      const candidates = named.length > 0 ? named : o.programs;
      if (candidates.length === 0) {
        this.options.err.write(`${this.t('noProgram', query)}\n`);
        return 1;
      }
      if (candidates.length > 1) {
        this.print(this.t('severalPrograms', candidates.length, query));
        this.print(
          textTable(
            [this.t('name'), this.t('id'), this.t('state'), this.t('waitingOn')],
            candidates.map((p) => [this.name(p.name), p.id, p.state, this.waiting(p.waitingOn)]),
          ),
        );
        this.print(`${this.t('refine')}\n${this.t('oneRequired')}`);
        return 1;
      }
      target = candidates[0] as EntityStatus;
    }
    await this.service.resendLink(this.actor, target.id, purpose);
    this.print(this.t(purpose === 'activation' ? 'resentActivation' : 'resentPlatform', this.name(target.name)));
    this.print(this.t(this.store.kind === 'pglite' ? 'deliveryEmbedded' : 'deliveryServer'));
    return 0;
  }

  /** Upcoming sessions, numbered for `cancel-session`. */
  async sessions(): Promise<number> {
    const slots = await this.service.listSlots({ includeFull: true, limit: 100 });
    if (slots.length === 0) {
      this.print(this.lang === 'fr' ? 'Aucune séance à venir.' : 'No upcoming session.');
      return 0;
    }
    slots.forEach((s, i) =>
      // Each session in its own time zone, as published.
      this.print(`${i + 1}. ${new Intl.DateTimeFormat('sv-SE', { timeZone: s.timeZone, dateStyle: 'short', timeStyle: 'short' }).format(s.startsAt)} (${s.timeZone}) · ${s.durationMinutes} min · ${s.language} · ${s.bookedCount}/${s.capacity}${s.isSample ? ' · sample' : ''} · ${s.videoUrl} · ${s.id}`),
    );
    return 0;
  }

  /** `publish-session 2026-12-15 14:00 America/Halifax 60 en 20 https://…` */
  async publishSession(args: readonly string[]): Promise<number> {
    const [day, time, timeZone, minutes, language, seats, url] = args;
    if (!day || !time || !timeZone || !minutes || !language || !seats || !url) {
      this.options.err.write(
        this.lang === 'fr'
          ? 'Utilisation : publish-session <AAAA-MM-JJ> <HH:MM> <fuseau, p. ex. America/Halifax> <minutes> <en|fr> <places> <lien vidéo https://…>\n'
          : 'Usage: publish-session <YYYY-MM-DD> <HH:MM> <time zone, e.g. America/Halifax> <minutes> <en|fr> <seats> <video link https://…>\n',
      );
      return 2;
    }
    const slot = await this.service.publishSlot(this.actor, {
      startsAt: parseWallTime(`${day} ${time}`, timeZone),
      timeZone,
      durationMinutes: Number(minutes),
      language: language === 'fr' ? 'fr' : 'en',
      capacity: Number(seats),
      videoUrl: url,
    });
    this.print(`${this.lang === 'fr' ? 'Séance publiée' : 'Session published'}: ${this.date(slot.startsAt)} · ${slot.id}`);
    return 0;
  }

  /** `cancel-session <number from "sessions" | id> [reason]` */
  async cancelSession(which: string, reason: string): Promise<number> {
    const slots = await this.service.listSlots({ includeFull: true, limit: 100 });
    const slot = /^\d+$/.test(which) ? slots[Number(which) - 1] : slots.find((s) => s.id === which);
    if (!slot) {
      this.options.err.write(this.lang === 'fr' ? 'Séance introuvable : tapez « sessions » pour la liste.\n' : 'No such session: run “sessions” for the list.\n');
      return 1;
    }
    const { cancelledBookings } = await this.service.cancelSlot(this.actor, slot.id, reason || undefined);
    this.print(`${this.lang === 'fr' ? 'Séance annulée; personnes avisées' : 'Session cancelled; administrators told'}: ${cancelledBookings}`);
    return 0;
  }

  async report(): Promise<number> {
    const f: Funnel = await computeFunnel(this.store, this.now(), { timeZone: this.timeZone });
    const lang = this.lang;
    const n = (x: number) => String(x);
    const h = (x: number | null) => (x === null ? '–' : x.toFixed(1));
    const out: string[] = [];
    out.push(this.t('reportTitle', this.date(f.generatedAt), f.timeZone));
    out.push(this.t('totals', f.organizations.total, f.organizations.active, f.programs.total, f.programs.onboarded));
    out.push('', this.t('inProgress'));
    out.push(
      textTable(
        [this.t('step'), this.t('organizations'), this.t('programs'), this.t('waitingAdmin'), this.t('waitingStaff')],
        f.steps.map((s) => [`${s.step} ${STEP_TITLES[s.step]?.[lang] ?? ''}`, n(s.organizations), n(s.programs), n(s.waitingOnAdmin), n(s.waitingOnStaff)]),
        ['left', 'right', 'right', 'right', 'right'],
      ),
    );
    out.push(this.t('byState'));
    out.push(
      textTable(
        [this.t('kind'), this.t('step'), this.t('state'), this.t('count')],
        [...f.organizations.byState, ...f.programs.byState].map((s) => [s.kind === 'organization' ? this.t('organization') : this.t('program'), s.step === null ? '–' : n(s.step), s.state, n(s.count)]),
        ['left', 'right', 'left', 'right'],
      ),
    );
    out.push(this.t('durations', this.date(f.durationsSince)));
    out.push(
      textTable(
        [this.t('step'), this.t('median'), this.t('p90'), this.t('samples')],
        f.durations.map((d) => [`${d.step} ${STEP_TITLES[d.step]?.[lang] ?? ''}`, h(d.medianHours), h(d.p90Hours), n(d.samples)]),
        ['left', 'right', 'right', 'right'],
      ),
    );
    out.push(this.t('stalled', f.stalled.items.length, f.stalled.total));
    out.push(
      f.stalled.items.length === 0
        ? `${this.t('stalledNone')}\n`
        : textTable(
            [this.t('since'), this.t('waited'), this.t('name'), this.t('kind'), this.t('step'), this.t('state'), this.t('waitingOn'), this.t('id')],
            f.stalled.items.map((s) => [
              this.date(s.since),
              formatWait(s.waitingHours, lang),
              s.kind === 'program' ? `${this.name(s.name)} (${this.name(s.organizationName)})` : this.name(s.name),
              s.kind === 'organization' ? this.t('organization') : this.t('program'),
              n(s.step),
              s.state,
              this.waiting(s.waitingOn),
              s.organizationId,
            ]),
            ['left', 'right', 'left', 'left', 'right', 'left', 'left', 'left'],
          ),
    );
    out.push(this.t('weekly'));
    out.push(
      textTable(
        [this.t('week'), this.t('weekStart'), this.t('activated'), this.t('onboarded')],
        f.weekly.map((w) => [w.week, w.weekStart, n(w.organizationsActivated), n(w.programsOnboarded)]),
        ['left', 'left', 'right', 'right'],
      ),
    );
    this.print(out.join('\n'));
    return 0;
  }

  async staffLink(): Promise<number> {
    const link = await createStaffSignInLink(this.store, this.signer, { personId: this.actor.personId, now: this.now(), baseUrl: this.publicUrl });
    this.print(this.t('staffLink', this.date(link.expiresAt)));
    this.print(link.url);
    return 0;
  }
}
