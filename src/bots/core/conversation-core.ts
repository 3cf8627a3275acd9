import { cleanDeep } from '../../domain/clean-text.ts';
import type { Lang, Localized } from '../../domain/lang.ts';
import { langFromLocale } from '../../domain/lang.ts';
import { AppError, toAppError } from '../../core/errors.ts';
import type {
  Actor,
  AnswerResult,
  EntityStatus,
  FormRef,
  FormView,
  OnboardingService,
  OrganizationStatus,
  RefusalResult,
  SubmissionView,
} from '../../core/onboarding-service.ts';
import { STEP_TITLES } from '../../core/status-text.ts';
import { parseWallTime } from '../../core/zoned-time.ts';
import { allFields, formatAnswer, foldKey, matchOption, optionsFor, type FieldDefinition, type FieldError, type FormId } from '../../forms/index.ts';
import type { JsonObject } from '../../store/store.ts';
import { textFor, type Text } from './text.ts';
import type { Button, Conversation, Inbound, InputView, Outgoing, Reply, Speaker, StepView, SummaryView, Turn } from './types.ts';

/**
 * The channel-neutral conversation: turns what a person types or clicks into service
 * calls, and service results into neutral replies that each channel renders. No channel
 * knows a business rule; this file knows no wire format.
 */

export type ConversationCoreOptions = {
  /** The playground may add sample session slots. */
  playground?: boolean;
  /** Language of cards posted to the staff channel. */
  staffLang?: Lang;
};

const COMMANDS: Array<[RegExp, string]> = [
  // Before `start`, whose “resume” / “reprendre” would otherwise take these for a greeting.
  [/^(resume reminders|reprendre les rappels)$/, 'resumeReminders'],
  [/^(hi|hello|hey|bonjour|salut|allo|start|commencer|menu|resume|reprendre)\b/, 'start'],
  [/^(help|aide|\?)$/, 'help'],
  [/^(francais|french|fr)$/, 'fr'],
  [/^(english|anglais|en)$/, 'en'],
  [/^(status|statut|etat)(\s+.+)?$/, 'status'],
  [/^(review|reviser|revoir|revision)$/, 'review'],
  [/^(submit|soumettre|envoyer)$/, 'submit'],
  [/^(back|retour|precedent)$/, 'back'],
  [/^(skip|passer)$/, 'skip'],
  [/^(edit|modifier|changer)\s+.+$/, 'edit'],
  [/^(cancel|withdraw|annuler|retirer)$/, 'withdraw'],
  [/^(sessions?|seances?)$/, 'sessions'],
  [/^(book|reserver)\s+\d+$/, 'book'],
  [/^(request access|demander l'acces|demander lacces|acces|access)$/, 'requestAccess'],
  [/^(new program|register a program|nouveau programme|inscrire un programme)$/, 'newProgram'],
  [/^(new organization|register my organization|nouvel organisme|inscrire mon organisme)$/, 'newOrganization'],
  [/^(use this channel for approvals|utiliser ce canal pour les approbations)$/, 'claim'],
  [/^(stop reminders|arreter les rappels)$/, 'stopReminders'],
  [/^(history|historique)\s+.+$/, 'history'],
  [/^(resend|renvoyer)\s+(activation|platform|plateforme)\s+.+$/, 'resend'],
  [/^(staff page|staff link|staff dashboard|funnel|page du personnel|lien du personnel|entonnoir)$/, 'staffLink'],
];

/** Commands that are a whole message on their own (no argument). */
const BARE_COMMAND =
  /^(hi|hello|hey|bonjour|salut|allo|start|commencer|menu|help|aide|\?|francais|french|fr|english|anglais|en|status|statut|review|reviser|revoir|submit|soumettre|back|retour|skip|passer|cancel|withdraw|annuler|retirer|sessions?|seances?|request access|demander l'acces|new program|nouveau programme|stop reminders|arreter les rappels|resume reminders|reprendre les rappels|staff page|page du personnel)$/;

function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[’`]/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}

export class ConversationCore {
  constructor(
    private readonly service: OnboardingService,
    private readonly options: ConversationCoreOptions = {},
  ) {}

  /** One turn: what the person said or clicked, and everything the assistant answers. */
  async handle(speaker: Speaker, conversation: Conversation, rawInbound: Inbound): Promise<Turn> {
    // What a person sent, made storable: no NUL or lone surrogate reaches the database
    // (where it would turn an ordinary search or answer into an apology).
    const inbound = cleanDeep(rawInbound);
    let actor: Actor;
    try {
      actor = await this.identify(speaker, conversation);
    } catch (error) {
      // Even when the database cannot be reached, the person is told to try again
      // rather than left without an answer.
      const e = toAppError(error);
      console.error('[conversation] identify failed:', e.message);
      const lang = speaker.locale ? langFromLocale(speaker.locale) : 'en';
      return { replies: [{ type: 'text', text: e.say(lang) }], outgoing: [], lang };
    }
    const turn: Turn = { replies: [], outgoing: [], lang: actor.lang };
    try {
      await this.dispatch(actor, speaker, conversation, inbound, turn);
    } catch (error) {
      const e = toAppError(error);
      if (e.code === 'internal') console.error('[conversation]', error);
      turn.replies.push({ type: 'text', text: e.say(turn.lang) });
    }
    return turn;
  }

  private identify(speaker: Speaker, conversation: Conversation): Promise<Actor> {
    return this.service.identify({
      channel: speaker.channel,
      externalId: speaker.externalId,
      displayName: speaker.displayName,
      email: speaker.email,
      lang: speaker.locale ? langFromLocale(speaker.locale) : undefined,
      timeZone: speaker.timeZone,
      // Remember where to reach the person proactively, only from their 1:1 chat.
      address: conversation.personal && conversation.address ? (conversation.address as JsonObject) : undefined,
    });
  }

  private async dispatch(actor: Actor, speaker: Speaker, conversation: Conversation, inbound: Inbound, turn: Turn): Promise<void> {
    if (inbound.kind === 'text') {
      const raw = inbound.text.trim().slice(0, 5000);
      const folded = fold(raw);
      let command = COMMANDS.find(([re]) => re.test(folded))?.[1];
      // While a question is waiting, an answer that merely starts like a command
      // (“Start Up Mentors”, “History Club”) is an answer: only a bare command word counts.
      if (command && conversation.personal && !BARE_COMMAND.test(folded) && !/^(edit|modifier|changer)\s/.test(folded) && (await this.pendingQuestion(actor))) {
        command = undefined;
      }
      // “English” / “French” may be the answer to the pending question rather than a language switch.
      if ((command === 'en' || command === 'fr') && conversation.personal && (await this.answersPendingChoice(actor, raw, turn))) return;
      if (command) return this.command(actor, conversation, command, raw, folded, turn);
      if (!conversation.personal) {
        if (actor.isStaff || actor.isSupport) return this.reply(turn, { type: 'text', text: textFor(turn.lang).helpStaff });
        return this.reply(turn, { type: 'text', text: textFor(turn.lang).notUnderstood });
      }
      // The answer to the question the form is waiting for, the form read once.
      const typed = await this.service.answerTyped(actor, raw);
      if (typed) return this.afterAnswer(actor, typed.ref, typed.result, turn);
      return this.overview(actor, turn, textFor(turn.lang).notUnderstood);
    }
    return this.action(actor, speaker, conversation, inbound.action, inbound.data, turn);
  }

  private async pendingQuestion(actor: Actor): Promise<boolean> {
    const focus = await this.service.focus(actor);
    return focus ? Boolean((await this.service.formView(actor, focus)).next) : false;
  }

  /**
   * “English” or “French” typed while the pending question offers that language (platform
   * language, languages served) answers the question instead of switching the conversation's
   * language. Returns whether it did.
   */
  private async answersPendingChoice(actor: Actor, raw: string, turn: Turn): Promise<boolean> {
    const focus = await this.service.focus(actor);
    if (!focus) return false;
    const view = await this.service.formView(actor, focus);
    const field = view.next;
    if (!field || (field.type !== 'singleChoice' && field.type !== 'multiChoice')) return false;
    if (!matchOption(optionsFor(field, view.context), raw)) return false;
    await this.answer(actor, focus, field.id, raw, turn);
    return true;
  }

  private async command(actor: Actor, conversation: Conversation, command: string, raw: string, folded: string, turn: Turn): Promise<void> {
    const t = textFor(turn.lang);
    switch (command) {
      case 'start':
        return conversation.personal ? this.overview(actor, turn) : this.reply(turn, { type: 'text', text: t.greetingStaff });
      case 'help':
        return this.reply(turn, { type: 'text', text: conversation.personal ? t.help : t.helpStaff });
      case 'fr':
      case 'en': {
        const updated = await this.service.setLanguage(actor, command);
        turn.lang = updated.lang;
        this.reply(turn, { type: 'text', text: textFor(updated.lang).languageSet });
        return conversation.personal ? this.resume(updated, turn) : undefined;
      }
      case 'status': {
        const query = raw.replace(/^\S+\s*/, '');
        return query ? this.lookup(actor, query, turn) : this.overview(actor, turn);
      }
      case 'review':
        return this.withFocus(actor, turn, (ref) => this.review(actor, ref, turn));
      case 'submit':
        return this.withFocus(actor, turn, (ref) => this.submit(actor, ref, turn));
      case 'back':
        return this.withFocus(actor, turn, async (ref) => this.afterAnswer(actor, ref, await this.service.back(actor, ref), turn));
      case 'skip':
        return this.withFocus(actor, turn, async (ref) => {
          const view = await this.service.formView(actor, ref);
          if (!view.next) return this.review(actor, ref, turn);
          return this.afterAnswer(actor, ref, await this.service.skip(actor, ref, view.next.id), turn);
        });
      case 'edit':
        return this.withFocus(actor, turn, async (ref) => {
          const wanted = folded.replace(/^\S+\s+/, '');
          const field = findField(allFields((await this.service.formView(actor, ref)).form), wanted);
          if (!field) return this.review(actor, ref, turn);
          return this.afterAnswer(actor, ref, await this.service.reopen(actor, ref, field.id), turn);
        });
      case 'withdraw':
        return this.withFocus(actor, turn, async (ref) => {
          const view = await this.service.formView(actor, ref);
          this.reply(turn, {
            type: 'text',
            text: turn.lang === 'fr' ? `Voulez-vous vraiment retirer « ${view.entityName || '…'} »? Cette action est définitive.` : `Do you really want to withdraw “${view.entityName || '…'}”? This cannot be undone.`,
            buttons: [
              { label: t.withdrawButton, action: 'withdraw', data: { entityId: ref.entityId }, style: 'danger' },
              { label: t.reviewButton, action: 'review' },
            ],
          });
        });
      case 'sessions':
        return actor.isStaff && !conversation.personal ? this.staffSessions(actor, turn) : this.sessions(actor, undefined, turn);
      case 'book': {
        const n = Number(folded.replace(/\D+/g, ''));
        const slots = await this.service.listSlots();
        const slot = slots[n - 1];
        const program = await this.pickProgram(actor, undefined, turn, 'book');
        if (!program) return;
        if (!slot) return this.sessions(actor, program, turn);
        return this.book(actor, program, slot.id, turn);
      }
      case 'requestAccess':
        return this.requestAccess(actor, undefined, turn);
      case 'newProgram':
        return this.newProgram(actor, undefined, turn);
      case 'newOrganization':
        return this.showQuestion(actor, await this.service.startOrganization(actor), turn);
      case 'history':
        return this.fullHistory(actor, raw.replace(/^\S+\s*/, ''), turn);
      case 'resend':
        return this.resend(actor, raw, folded, turn);
      case 'stopReminders':
        await this.service.stopReminders(actor);
        return this.reply(turn, { type: 'text', text: t.remindersStopped });
      case 'resumeReminders': {
        const resumed = await this.service.resumeReminders(actor);
        if (!resumed.wasStopped) return this.reply(turn, { type: 'text', text: t.remindersAlreadyOn });
        if (resumed.paused === 0) return this.reply(turn, { type: 'text', text: t.remindersResumed });
        const zone = (await this.service.person(actor.personId))?.timeZone ?? 'America/Toronto';
        return this.reply(turn, { type: 'text', text: t.remindersResumedPaused(formatWhen(resumed.resumedAfter, zone, turn.lang)) });
      }
      case 'staffLink':
        return this.staffLink(actor, conversation, turn);
      case 'claim':
        if (!actor.isStaff) return this.reply(turn, { type: 'text', text: t.staffOnly });
        turn.claimStaffChannel = true;
        return this.reply(turn, { type: 'text', text: t.staffChannelClaimed });
      default:
        return this.reply(turn, { type: 'text', text: t.notUnderstood });
    }
  }

  private async action(actor: Actor, _speaker: Speaker, conversation: Conversation, action: string, data: Record<string, unknown>, turn: Turn): Promise<void> {
    const t = textFor(turn.lang);
    const str = (key: string): string => (typeof data[key] === 'string' ? (data[key] as string) : '');
    const ref = (): FormRef => {
      const formId = str('formId');
      if (formId !== 'organization' && formId !== 'program' && formId !== 'accessRequest') {
        throw new AppError('invalidInput', `bad formId ${formId}`, { en: 'That form does not exist.', fr: 'Ce formulaire n’existe pas.' });
      }
      return { formId, entityId: str('entityId') };
    };
    switch (action) {
      case 'start':
        return conversation.personal ? this.overview(actor, turn) : this.staffGreeting(actor, turn);
      case 'help':
        return this.reply(turn, { type: 'text', text: conversation.personal ? t.help : t.helpStaff });
      case 'language': {
        const lang = str('lang') === 'fr' ? 'fr' : 'en';
        const updated = await this.service.setLanguage(actor, lang);
        turn.lang = lang;
        this.reply(turn, { type: 'text', text: textFor(lang).languageSet });
        return this.resume(updated, turn);
      }
      case 'answer':
        return this.answer(actor, ref(), str('fieldId'), data['value'] ?? '', turn);
      case 'openSection':
        return this.sectionCard(actor, ref(), str('sectionId'), turn);
      case 'submitSection': {
        const r = ref();
        const values: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(data)) if (!['action', 'formId', 'entityId', 'sectionId'].includes(k)) values[k] = v;
        const result = await this.service.answerSection(actor, r, str('sectionId'), normaliseCardValues(values));
        if (!result.ok) return this.sectionCard(actor, r, str('sectionId'), turn, result.errors, values);
        return this.afterAnswer(actor, r, result, turn);
      }
      case 'skip':
      case 'back':
      case 'review':
      case 'submit': {
        const r = data['formId'] ? ref() : await this.service.focus(actor);
        if (!r) return this.overview(actor, turn);
        if (action === 'review') return this.review(actor, r, turn);
        if (action === 'submit') return this.submit(actor, r, turn);
        if (action === 'back') return this.afterAnswer(actor, r, await this.service.back(actor, r), turn);
        const view = await this.service.formView(actor, r);
        if (!view.next) return this.review(actor, r, turn);
        return this.afterAnswer(actor, r, await this.service.skip(actor, r, str('fieldId') || view.next.id), turn);
      }
      case 'edit':
        return this.afterAnswer(actor, ref(), await this.service.reopen(actor, ref(), str('fieldId')), turn);
      case 'withdraw': {
        const status = await this.service.withdraw(actor, str('entityId'));
        this.reply(turn, { type: 'text', text: t.withdrawn(status.name) });
        return this.overview(actor, turn);
      }
      case 'newOrganization':
        return this.showQuestion(actor, await this.service.startOrganization(actor), turn);
      case 'newProgram':
        return this.newProgram(actor, str('organizationId') || undefined, turn);
      case 'sessions':
        return this.sessions(actor, str('programId') || undefined, turn);
      case 'book': {
        const program = await this.pickProgram(actor, str('programId') || undefined, turn, 'book', { slotId: str('slotId') });
        if (!program) return;
        return this.book(actor, program, str('slotId'), turn);
      }
      case 'cancelBooking': {
        await this.service.cancelSession(actor, str('programId'));
        this.reply(turn, { type: 'text', text: t.bookingCancelled });
        return this.overview(actor, turn);
      }
      case 'requestAccess':
        return this.requestAccess(actor, str('programId') || undefined, turn);
      case 'status':
        return str('query') ? this.lookup(actor, str('query'), turn) : this.overview(actor, turn);
      case 'decide':
        return this.decide(actor, data, turn);
      case 'publishSlot':
        return this.publishSlot(actor, data, turn);
      case 'editSlot':
        return this.editSlot(actor, data, turn);
      case 'cancelSlot': {
        const { slot, cancelledBookings } = await this.service.cancelSlot(actor, str('slotId'), str('reason') || undefined);
        return this.reply(turn, { type: 'text', text: t.slotCancelled(formatWhen(slot.startsAt, slot.timeZone, turn.lang), cancelledBookings) });
      }
      case 'addSampleSlots':
        return this.addSampleSlots(actor, turn);
      default:
        return this.reply(turn, { type: 'text', text: t.notUnderstood });
    }
  }

  // ------------------------------------------------------------ the administrator's journey

  private reply(turn: Turn, reply: Reply): void {
    turn.replies.push(reply);
  }

  private async withFocus(actor: Actor, turn: Turn, fn: (ref: FormRef) => Promise<void>): Promise<void> {
    const focus = await this.service.focus(actor);
    if (!focus) return this.overview(actor, turn, textFor(turn.lang).nothingToDo);
    return fn(focus);
  }

  /** Where the person stands, and the next thing to do. */
  private async overview(actor: Actor, turn: Turn, lead?: string): Promise<void> {
    const t = textFor(turn.lang);
    const person = await this.service.person(actor.personId);
    if (lead) this.reply(turn, { type: 'text', text: lead });
    const orgs = (await this.service.overview(actor)).filter((o) => o.state !== 'withdrawn' && o.state !== 'rejected');
    if (orgs.length === 0) {
      // The greeting is its own message: cards show titles and steps, not long prose.
      this.reply(turn, { type: 'text', text: t.greeting(person?.displayName ?? '') });
      this.reply(turn, {
        type: 'progress',
        title: t.progressTitle,
        text: [1, 2, 3, 4].map((n) => `${n}. ${STEP_TITLES[n]![turn.lang]}`).join('\n'),
        steps: [1, 2, 3, 4].map((n) => ({ number: n, title: STEP_TITLES[n]![turn.lang], state: n === 1 ? 'current' : 'todo' })),
        buttons: [{ label: t.startOrganization, action: 'newOrganization', style: 'primary' }],
      });
      return;
    }
    for (const org of orgs) this.reply(turn, this.progressReply(org, turn.lang, person?.displayName ?? ''));
    const focus = await this.service.focus(actor);
    if (focus) {
      const view = await this.service.formView(actor, focus);
      if (view.next) this.reply(turn, this.questionReply(view, turn.lang));
    }
  }

  /** After a language switch: repeat the current question in the new language. */
  private async resume(actor: Actor, turn: Turn): Promise<void> {
    const focus = await this.service.focus(actor);
    if (!focus) return this.overview(actor, turn);
    const view = await this.service.formView(actor, focus);
    if (view.next) this.reply(turn, this.questionReply(view, turn.lang));
    else await this.review(actor, focus, turn);
  }

  private progressReply(org: OrganizationStatus, lang: Lang, name: string): Reply {
    const t = textFor(lang);
    const live = org.programs.filter((p) => p.state !== 'withdrawn' && p.state !== 'rejected');
    const furthest = live.reduce<EntityStatus | null>((best, p) => (!best || p.step > best.step ? p : best), null);
    const current = org.state !== 'active' ? org : (furthest ?? { ...org, step: 2, waitingOn: 'admin', state: 'active' });
    const steps: StepView[] = [1, 2, 3, 4].map((n) => ({
      number: n,
      title: STEP_TITLES[n]![lang],
      state:
        n < current.step || (current.state === 'onboarded' && n === 4)
          ? 'done'
          : n === current.step
            ? current.waitingOn === 'staff'
              ? 'waiting'
              : 'current'
            : 'todo',
    }));
    const buttons: Button[] = [];
    if (org.state === 'active') {
      for (const p of live) {
        if (p.state === 'approved.awaitingSession' || p.state === 'accessDeclined') buttons.push({ label: `${t.sessionsButton} · ${p.name}`, action: 'sessions', data: { programId: p.id } });
        if (p.state === 'approved.sessionBooked' || p.state === 'accessDeclined') buttons.push({ label: `${t.requestAccessButton} · ${p.name}`, action: 'requestAccess', data: { programId: p.id }, style: 'primary' });
      }
      buttons.push({ label: t.newProgram, action: 'newProgram', data: { organizationId: org.id } });
    }
    const lines = [
      `${org.name || '…'}: ${org.waitingText[lang]}`,
      ...live.map((p) => `• ${p.name || '…'}: ${p.waitingText[lang]}`),
    ];
    return {
      type: 'progress',
      title: `${t.progressTitle} · ${org.name || '…'}`,
      text: `${name ? `${t.greeting(name).split('!')[0]}! ` : ''}${lines.join('\n')}`,
      steps,
      buttons,
    };
  }

  private async showQuestion(actor: Actor, view: FormView, turn: Turn): Promise<void> {
    if (!view.next) return this.review(actor, view, turn);
    this.reply(turn, this.questionReply(view, turn.lang));
  }

  private questionReply(view: FormView, lang: Lang, error?: FieldError): Reply & { type: 'question' } {
    const t = textFor(lang);
    const field = view.next!;
    const total = allFields(view.form).length;
    const progress = t.questionProgress(view.formId === 'organization' ? 1 : view.formId === 'program' ? 2 : 3, this.formWord(view.formId, lang), view.entityName, view.position, total);
    const options = optionsFor(field, view.context);
    const choice = field.type === 'singleChoice' || field.type === 'province' || field.type === 'multiChoice';
    const ref = { formId: view.formId, entityId: view.entityId, fieldId: field.id };
    const buttons: Button[] = [];
    if (choice && field.type !== 'multiChoice' && options.length <= 13) {
      options.forEach((o, i) => buttons.push({ label: `${i + 1}. ${o.label[lang]}`, action: 'answer', data: { ...ref, value: o.value } }));
    }
    if (!field.required) buttons.push({ label: t.skipButton, action: 'skip', data: { formId: view.formId, entityId: view.entityId, fieldId: field.id } });
    if (view.position > 1) buttons.push({ label: t.backButton, action: 'back', data: { formId: view.formId, entityId: view.entityId } });
    const section = view.form.sections.find((s) => s.fields.some((f) => f.id === field.id));
    if (section && section.fields.length > 1) buttons.push({ label: t.fillSection, action: 'openSection', data: { formId: view.formId, entityId: view.entityId, sectionId: section.id } });
    const lines = [
      progress,
      error ? t.invalid(error.message[lang]) : '',
      field.label[lang] + (field.required ? '' : ` ${t.optional}`),
      field.help?.[lang] ?? '',
      choice ? options.map((o, i) => `${i + 1}. ${o.label[lang]}`).join('\n') : '',
      choice ? (field.type === 'multiChoice' ? t.multiHint : t.choicesHint) : '',
    ].filter(Boolean);
    return {
      type: 'question',
      text: lines.join('\n'),
      progress,
      label: field.label[lang],
      help: field.help?.[lang],
      error: error?.message[lang],
      input: inputView(field, view, lang, 'value'),
      buttons,
      formRef: ref,
    };
  }

  private formWord(formId: FormId, lang: Lang): string {
    const t = textFor(lang);
    return formId === 'organization' ? t.organizationWord : formId === 'program' ? t.programWord : t.accessWord;
  }

  private async answer(actor: Actor, ref: FormRef, fieldId: string, value: unknown, turn: Turn): Promise<void> {
    const result = await this.service.answer(actor, ref, fieldId, value);
    return this.afterAnswer(actor, ref, result, turn);
  }

  private async afterAnswer(actor: Actor, ref: FormRef, result: AnswerResult, turn: Turn): Promise<void> {
    if (!result.ok) {
      const [fieldId, error] = Object.entries(result.errors)[0] ?? [];
      const view = result.view;
      const field = allFields(view.form).find((f) => f.id === fieldId);
      if (field && error) {
        this.reply(turn, this.questionReply({ ...view, next: field, position: allFields(view.form).indexOf(field) + 1 }, turn.lang, error));
        return;
      }
    }
    if (result.view.next) {
      this.reply(turn, this.questionReply(result.view, turn.lang));
      return;
    }
    return this.review(actor, ref, turn);
  }

  private async sectionCard(actor: Actor, ref: FormRef, sectionId: string, turn: Turn, errors: Record<string, FieldError> = {}, entered: Record<string, unknown> = {}): Promise<void> {
    const t = textFor(turn.lang);
    const view = await this.service.formView(actor, ref);
    const section = view.form.sections.find((s) => s.id === sectionId);
    if (!section) return this.showQuestion(actor, view, turn);
    const lang = turn.lang;
    const inputs = section.fields.map((f) => ({ ...inputView(f, view, lang, f.id, entered[f.id]), error: errors[f.id]?.message[lang] }));
    const errorLines = Object.entries(errors).map(([id, e]) => `• ${e.message[lang]}`.replace(/^• /, `• ${section.fields.find((f) => f.id === id)?.label[lang] ?? id}: `));
    const progress = t.sectionProgress(ref.formId === 'organization' ? 1 : ref.formId === 'program' ? 2 : 3, this.formWord(ref.formId, lang), view.entityName, view.progress.answered, view.progress.total);
    this.reply(turn, {
      type: 'form',
      title: section.title[lang],
      progress,
      text: [progress, section.title[lang], errorLines.length ? `${t.missingBeforeSubmit}\n${errorLines.join('\n')}` : '', ...inputs.map((i) => `${i.label}${i.value ? `: ${Array.isArray(i.value) ? i.value.join(', ') : i.value}` : ''}`)].filter(Boolean).join('\n'),
      inputs,
      submit: { label: textFor(lang).submitButton, action: 'submitSection', data: { formId: ref.formId, entityId: ref.entityId, sectionId }, style: 'primary' },
      errorSummary: errorLines.length ? `${t.missingBeforeSubmit}\n${errorLines.join('\n')}` : undefined,
    });
  }

  private async review(actor: Actor, ref: FormRef, turn: Turn, errors?: Record<string, FieldError>): Promise<void> {
    const t = textFor(turn.lang);
    const { view, summary } = await this.service.review(actor, ref);
    const sections: SummaryView[] = summary.map((s) => ({ title: s.title, items: s.items.map((i) => ({ fieldId: i.fieldId, label: i.label, value: i.value })) }));
    const errorText = errors ? `${t.missingBeforeSubmit}\n${Object.entries(errors).map(([id, e]) => `• ${allFields(view.form).find((f) => f.id === id)?.label[turn.lang] ?? id}: ${e.message[turn.lang]}`).join('\n')}` : '';
    const progress = t.sectionProgress(ref.formId === 'organization' ? 1 : ref.formId === 'program' ? 2 : 3, this.formWord(ref.formId, turn.lang), view.entityName, view.progress.answered, view.progress.total);
    const buttons: Button[] = [
      { label: t.submitButton, action: 'submit', data: { formId: ref.formId, entityId: ref.entityId }, style: 'primary' },
      ...view.form.sections.map((s) => ({ label: `${t.editButton(s.title[turn.lang])}`, action: 'openSection' as const, data: { formId: ref.formId, entityId: ref.entityId, sectionId: s.id } })),
    ];
    this.reply(turn, {
      type: 'review',
      title: t.reviewTitle,
      progress,
      text: [progress, errorText, t.reviewText, ...sections.map((s) => `${s.title}\n${s.items.map((i) => `• ${i.label}: ${i.value}`).join('\n')}`)].filter(Boolean).join('\n\n'),
      sections,
      buttons,
    });
  }

  private async submit(actor: Actor, ref: FormRef, turn: Turn): Promise<void> {
    const t = textFor(turn.lang);
    const result = await this.service.submit(actor, ref);
    if (!result.ok) {
      if ('missing' in result) return this.refusal(result, turn);
      return this.review(actor, ref, turn, result.errors);
    }
    const what = ref.formId === 'organization' ? t.orgWordLower : ref.formId === 'program' ? t.programWordLower : t.accessWordLower;
    this.reply(turn, { type: 'text', text: t.submitted(what) });
  }

  private refusal(result: RefusalResult, turn: Turn): void {
    const t = textFor(turn.lang);
    const buttons: Button[] = result.missing.includes('sessionBooked') && !result.missing.includes('programApproved') ? [{ label: t.sessionsButton, action: 'sessions' }] : [];
    this.reply(turn, { type: 'text', text: result.message[turn.lang], buttons });
  }

  private async newProgram(actor: Actor, organizationId: string | undefined, turn: Turn): Promise<void> {
    const orgs = (await this.service.overview(actor)).filter((o) => o.state === 'active');
    const org = organizationId ? orgs.find((o) => o.id === organizationId) : orgs.length === 1 ? orgs[0] : undefined;
    if (!org && orgs.length > 1) {
      this.reply(turn, { type: 'text', text: textFor(turn.lang).pickProgram, buttons: orgs.map((o) => ({ label: o.name, action: 'newProgram', data: { organizationId: o.id } })) });
      return;
    }
    const target = org?.id ?? organizationId ?? (await this.service.overview(actor))[0]?.id;
    if (!target) return this.overview(actor, turn);
    return this.showQuestion(actor, await this.service.startProgram(actor, target), turn);
  }

  /** Chooses the program a step-3 action is about; asks when there are several. */
  private async pickProgram(actor: Actor, programId: string | undefined, turn: Turn, action: 'book' | 'requestAccess' | 'sessions', extra: Record<string, string> = {}): Promise<string | undefined> {
    if (programId) return programId;
    const candidates = (await this.service.overview(actor))
      .flatMap((o) => o.programs)
      .filter((p) => p.state.startsWith('approved') || p.state === 'accessDeclined' || (action !== 'book' && p.state === 'submitted'));
    if (candidates.length === 1) return candidates[0]!.id;
    if (candidates.length === 0) {
      const all = (await this.service.overview(actor)).flatMap((o) => o.programs).filter((p) => p.state === 'draft' || p.state === 'submitted' || p.state === 'changesRequested');
      if (all[0] && action === 'requestAccess') return all[0].id;
      await this.overview(actor, turn);
      return undefined;
    }
    this.reply(turn, { type: 'text', text: textFor(turn.lang).pickProgram, buttons: candidates.map((p) => ({ label: p.name, action, data: { programId: p.id, ...extra } })) });
    return undefined;
  }

  private async sessions(actor: Actor, programId: string | undefined, turn: Turn): Promise<void> {
    const t = textFor(turn.lang);
    const program = await this.pickProgram(actor, programId, turn, 'sessions');
    if (!program) return;
    const person = await this.service.person(actor.personId);
    const tz = person?.timeZone ?? 'America/Toronto';
    const current = await this.service.bookingOf(program);
    const slots = await this.service.listSlots();
    if (slots.length === 0) {
      this.reply(turn, { type: 'text', text: t.noSessions });
      return;
    }
    const line = (s: (typeof slots)[number]) =>
      `${t.sessionLine(formatWhen(s.startsAt, tz, turn.lang), s.language === 'fr' ? t.french : t.english, s.capacity - s.bookedCount)}${s.isSample ? ` (${t.sample})` : ''}`;
    const buttons: Button[] = slots.map((s, i) => ({ label: `${i + 1}. ${line(s)}`, action: 'book', data: { programId: program, slotId: s.id } }));
    if (current) buttons.push({ label: t.cancelBookingButton, action: 'cancelBooking', data: { programId: program }, style: 'danger' });
    this.reply(turn, {
      type: 'text',
      text: [
        t.sessionsTitle,
        current ? (turn.lang === 'fr' ? `Séance réservée : ${formatWhen(current.slot.startsAt, tz, turn.lang)}` : `Booked: ${formatWhen(current.slot.startsAt, tz, turn.lang)}`) : '',
        ...slots.map((s, i) => `${i + 1}. ${line(s)}`),
        turn.lang === 'fr' ? 'Tapez « réserver N » ou utilisez les boutons.' : 'Type “book N” or use the buttons.',
      ].filter(Boolean).join('\n'),
      buttons,
    });
  }

  private async book(actor: Actor, programId: string, slotId: string, turn: Turn): Promise<void> {
    const t = textFor(turn.lang);
    const person = await this.service.person(actor.personId);
    const result = await this.service.bookSession(actor, programId, slotId);
    this.reply(turn, {
      type: 'text',
      text: t.booked(formatWhen(result.slot.startsAt, person?.timeZone ?? result.slot.timeZone, turn.lang)),
      buttons: [{ label: t.requestAccessButton, action: 'requestAccess', data: { programId }, style: 'primary' }],
    });
  }

  private async requestAccess(actor: Actor, programId: string | undefined, turn: Turn): Promise<void> {
    const program = await this.pickProgram(actor, programId, turn, 'requestAccess');
    if (!program) return;
    const result = await this.service.startAccessRequest(actor, program);
    if (!result.ok) return this.refusal(result, turn);
    return this.showQuestion(actor, result.view, turn);
  }

  // ------------------------------------------------------------ staff and support

  private async lookup(actor: Actor, query: string, turn: Turn): Promise<void> {
    const t = textFor(turn.lang);
    const results = await this.service.status(actor, query);
    if (results.length === 0) return this.reply(turn, { type: 'text', text: t.statusNone });
    const person = await this.service.person(actor.personId);
    const tz = person?.timeZone ?? 'America/Toronto';
    for (const org of results) {
      const facts = [
        { label: t.factStep, value: `${org.step} · ${org.waitingText[turn.lang]}` },
        { label: t.factWaiting, value: t.waitingOn[org.waitingOn] ?? org.waitingOn },
        { label: t.factSince, value: formatWhen(org.since, tz, turn.lang) },
        ...org.programs.map((p) => ({ label: `${t.programWord} ${p.name}`, value: `${p.step} · ${p.waitingText[turn.lang]} (${formatWhen(p.since, tz, turn.lang)})` })),
      ];
      const history = org.history.map((h) => `${formatWhen(h.createdAt, tz, turn.lang)} · ${h.actorName ?? '—'} · ${h.action}${h.fromState ? ` (${h.fromState} → ${h.toState})` : ''}${h.reason ? ` · ${h.reason}` : ''}`);
      this.reply(turn, {
        type: 'status',
        title: t.statusTitle(org.name),
        text: [t.statusTitle(org.name), ...facts.map((f) => `${f.label}: ${f.value}`), ...history].join('\n'),
        facts,
        history,
      });
    }
  }

  /** Support: the whole audit trail of one organization and its programs. */
  private async fullHistory(actor: Actor, query: string, turn: Turn): Promise<void> {
    const t = textFor(turn.lang);
    if (!actor.isSupport) return this.reply(turn, { type: 'text', text: t.supportOnly });
    const results = await this.service.status(actor, query);
    if (results.length !== 1) return this.ambiguous(results.map((o) => o.name), turn);
    const org = results[0]!;
    const person = await this.service.person(actor.personId);
    const tz = person?.timeZone ?? 'America/Toronto';
    const events = await this.service.history([org.id, ...org.programs.map((p) => p.id)], 500);
    const lines = events.reverse().map((h) => `${formatWhen(h.createdAt, tz, turn.lang)} · ${h.actorName ?? '—'} · ${h.action}${h.fromState ? ` (${h.fromState} → ${h.toState})` : ''}${h.reason ? ` · ${h.reason}` : ''}`);
    this.reply(turn, { type: 'status', title: t.historyTitle(org.name), text: [t.historyTitle(org.name), ...lines].join('\n'), facts: [], history: lines });
  }

  /** Support: a fresh activation or platform link for one organization/program, the old one revoked. */
  private async resend(actor: Actor, raw: string, folded: string, turn: Turn): Promise<void> {
    const t = textFor(turn.lang);
    if (!actor.isSupport) return this.reply(turn, { type: 'text', text: t.supportOnly });
    const purpose = /^\S+\s+activation/.test(folded) ? 'activation' : 'platform';
    const query = raw.replace(/^\S+\s+\S+\s*/, '');
    const results = await this.service.status(actor, query);
    if (results.length !== 1) return this.ambiguous(results.map((o) => o.name), turn);
    const org = results[0]!;
    const target = purpose === 'activation' ? org : org.programs.find((p) => p.state === 'awaitingPlatformRegistration');
    if (!target) return this.reply(turn, { type: 'text', text: t.nothingToResend });
    await this.service.resendLink(actor, target.id, purpose);
    this.reply(turn, { type: 'text', text: t.resent(target.name) });
  }

  private ambiguous(names: string[], turn: Turn): void {
    const t = textFor(turn.lang);
    this.reply(turn, { type: 'text', text: names.length === 0 ? t.statusNone : `${t.severalMatches}\n${names.map((n) => `• ${n}`).join('\n')}` });
  }

  private async decide(actor: Actor, data: Record<string, unknown>, turn: Turn): Promise<void> {
    const t = textFor(turn.lang);
    const submissionId = typeof data['submissionId'] === 'string' ? data['submissionId'] : '';
    const outcome = data['outcome'];
    if (outcome !== 'approved' && outcome !== 'rejected' && outcome !== 'changesRequested') {
      return this.reply(turn, { type: 'text', text: t.notUnderstood });
    }
    const reason = typeof data['reason'] === 'string' ? data['reason'] : '';
    if (outcome !== 'approved' && !reason.trim()) return this.reply(turn, { type: 'text', text: t.reasonRequired });
    const result = await this.service.decide(actor, { submissionId, outcome, reason });
    const person = await this.service.person(actor.personId);
    const tz = person?.timeZone ?? 'America/Toronto';
    if (result.ok) {
      turn.decisionRecorded = true;
      this.reply(turn, { type: 'text', text: t.decisionRecorded(t.outcome[result.decision.outcome] ?? result.decision.outcome) });
    } else {
      this.reply(turn, { type: 'text', text: t.alreadyDecided(t.outcome[result.decision.outcome] ?? '', result.decision.deciderName, formatWhen(result.decision.createdAt, tz, turn.lang)) });
    }
    const card = await this.approvalCard(submissionId, this.options.staffLang ?? 'en');
    if (card) turn.outgoing.push({ to: 'staff', cardFor: submissionId, replies: [card] });
  }

  /** The staff card for a submission in its current state (decided cards have no buttons). */
  async approvalCard(submissionId: string, lang: Lang): Promise<(Reply & { type: 'approval' }) | null> {
    let view: SubmissionView;
    try {
      view = await this.service.submission(submissionId, lang);
    } catch {
      return null;
    }
    const t = textFor(lang);
    const tz = 'America/Toronto';
    const what = view.formId === 'organization' ? t.orgWordLower : view.formId === 'program' ? t.programWordLower : t.accessWordLower;
    const title = t.newSubmission(what, view.entityName, view.organizationName);
    const subtitle = `${t.submittedBy(view.submittedBy, formatWhen(view.submittedAt, tz, lang))}${view.number > 1 ? t.resubmission(view.number) : ''}`;
    const sections: SummaryView[] = view.summary.map((s) => ({ title: s.title, items: s.items.map((i) => ({ fieldId: i.fieldId, label: i.label, value: i.value })) }));
    const decided = view.decision
      ? { outcome: t.outcome[view.decision.outcome] ?? view.decision.outcome, by: view.decision.deciderName, at: formatWhen(view.decision.createdAt, tz, lang), reason: view.decision.reason ?? undefined }
      : undefined;
    const access = view.formId === 'accessRequest';
    const buttons: Button[] = decided
      ? []
      : [
          { label: access ? (lang === 'fr' ? 'Accorder l’accès' : 'Grant access') : t.approve, action: 'decide', data: { submissionId, outcome: 'approved' }, style: 'primary' },
          { label: access ? (lang === 'fr' ? 'Refuser l’accès' : 'Decline access') : t.reject, action: 'decide', data: { submissionId, outcome: 'rejected' }, style: 'danger' },
          ...(access ? [] : [{ label: t.requestChanges, action: 'decide' as const, data: { submissionId, outcome: 'changesRequested' } }]),
        ];
    const text = [
      title,
      subtitle,
      ...sections.map((s) => `${s.title}\n${s.items.map((i) => `• ${i.label}: ${i.value}`).join('\n')}`),
      decided ? `${t.decidedLine(decided.outcome, decided.by, decided.at)}${decided.reason ? `\n${t.reasonLine(decided.reason)}` : ''}` : '',
    ].filter(Boolean).join('\n\n');
    return {
      type: 'approval',
      text,
      submissionId,
      title,
      subtitle,
      sections,
      decided,
      buttons,
      reasonInput: decided ? undefined : { id: 'reason', label: t.reasonLabel, type: 'longText', required: false, maxLength: 2000 },
    };
  }

  /**
   * Staff: a one-time sign-in link to the staff pages, only where no one else can read it.
   * In a 1:1 chat it is the reply. Asked in a room, where a typed request is answered for
   * everyone to see (Slack threads, Teams channels), it goes to the person's 1:1 chat as an
   * outgoing message and the room is only told so; with no 1:1 chat known yet, no link is
   * made and the person is asked to write directly. Others get the staff-only refusal,
   * recorded by the service.
   */
  private async staffLink(actor: Actor, conversation: Conversation, turn: Turn): Promise<void> {
    const t = textFor(turn.lang);
    if (!conversation.personal && actor.isStaff && !(await this.service.canReachPrivately(actor.personId))) {
      return this.reply(turn, { type: 'text', text: t.staffLinkAskPrivately });
    }
    const link = await this.service.staffSignInLink(actor, conversation.personal ? 'direct' : 'directFromRoom');
    if (!link.ok) return this.reply(turn, { type: 'text', text: t.staffOnlyRecorded });
    const zone = (await this.service.person(actor.personId))?.timeZone ?? 'America/Toronto';
    const message: Reply = { type: 'text', text: t.staffLink(link.url, formatWhen(link.expiresAt, zone, turn.lang)) };
    if (conversation.personal) return this.reply(turn, message);
    turn.outgoing.push({ to: 'person', personId: actor.personId, replies: [message] });
    return this.reply(turn, { type: 'text', text: t.staffLinkSentPrivately });
  }

  /** The staff side's greeting; on a new playground it offers sample sessions. */
  private async staffGreeting(actor: Actor, turn: Turn): Promise<void> {
    const t = textFor(turn.lang);
    const offerSamples = this.options.playground && actor.isStaff && (await this.service.countSlots()) === 0;
    this.reply(turn, {
      type: 'text',
      text: offerSamples ? `${t.greetingStaff}\n${t.noSlotsYet}` : t.greetingStaff,
      buttons: offerSamples ? [{ label: t.addSamples, action: 'addSampleSlots' }] : undefined,
    });
  }

  /** Staff: the upcoming sessions (each with Edit / Cancel) and the form to publish one. */
  private async staffSessions(actor: Actor, turn: Turn): Promise<void> {
    const t = textFor(turn.lang);
    const slots = await this.service.listSlots({ includeFull: true, limit: 25 });
    if (slots.length) {
      const line = (s: (typeof slots)[number]) => `${formatWhen(s.startsAt, s.timeZone, turn.lang)} · ${s.language === 'fr' ? t.french : t.english} · ${s.bookedCount}/${s.capacity}${s.isSample ? ` (${t.sample})` : ''}`;
      this.reply(turn, {
        type: 'text',
        text: [t.sessionsTitle, ...slots.map((s, i) => `${i + 1}. ${line(s)}`)].join('\n'),
        buttons: slots.flatMap((s, i) => [
          { label: `${t.editSlotButton} ${i + 1}`, action: 'editSlot' as const, data: { slotId: s.id } },
          { label: `${t.cancelSlotButton} ${i + 1}`, action: 'cancelSlot' as const, data: { slotId: s.id }, style: 'danger' as const },
        ]),
      });
    }
    this.publishForm(turn);
  }

  private slotInputs(turn: Turn, values: { startsAt?: string; timeZone?: string; durationMinutes?: string; language?: string; capacity?: string; videoUrl?: string } = {}): InputView[] {
    const t = textFor(turn.lang);
    return [
      { id: 'startsAt', label: t.fieldStartsAt, type: 'text', required: true, placeholder: '2026-12-15 14:00', value: values.startsAt },
      { id: 'timeZone', label: t.fieldTimeZone, type: 'text', required: true, value: values.timeZone ?? 'America/Toronto' },
      { id: 'durationMinutes', label: t.fieldDuration, type: 'number', required: true, value: values.durationMinutes ?? '60' },
      { id: 'language', label: t.fieldLanguage, type: 'choice', required: true, value: values.language ?? turn.lang, options: [{ value: 'en', label: t.english }, { value: 'fr', label: t.french }] },
      { id: 'capacity', label: t.fieldCapacity, type: 'number', required: true, value: values.capacity ?? '20' },
      { id: 'videoUrl', label: t.fieldVideo, type: 'url', required: true, value: values.videoUrl },
    ];
  }

  private publishForm(turn: Turn): void {
    const t = textFor(turn.lang);
    const inputs = this.slotInputs(turn);
    this.reply(turn, {
      type: 'form',
      title: t.publishTitle,
      progress: '',
      text: `${t.publishTitle}\n${inputs.map((i) => i.label).join('\n')}`,
      inputs,
      submit: { label: t.publishButton, action: 'publishSlot', style: 'primary' },
    });
    if (this.options.playground) this.reply(turn, { type: 'text', text: t.addSamples, buttons: [{ label: t.addSamples, action: 'addSampleSlots' }] });
  }

  /** Staff: with only a slot id, the form prefilled; with the form's fields, the change. */
  private async editSlot(actor: Actor, data: Record<string, unknown>, turn: Turn): Promise<void> {
    const t = textFor(turn.lang);
    const slotId = typeof data['slotId'] === 'string' ? data['slotId'] : '';
    const slot = (await this.service.listSlots({ includeFull: true, limit: 200 })).find((s) => s.id === slotId);
    if (!slot) return this.reply(turn, { type: 'text', text: t.notUnderstood });
    if (data['startsAt'] === undefined) {
      const local = new Intl.DateTimeFormat('sv-SE', { timeZone: slot.timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).format(slot.startsAt);
      const inputs = this.slotInputs(turn, { startsAt: local, timeZone: slot.timeZone, durationMinutes: String(slot.durationMinutes), language: slot.language, capacity: String(slot.capacity), videoUrl: slot.videoUrl });
      this.reply(turn, {
        type: 'form',
        title: t.editSlotTitle,
        progress: '',
        text: `${t.editSlotTitle}\n${inputs.map((i) => `${i.label}: ${i.value ?? ''}`).join('\n')}`,
        inputs: inputs.filter((i) => i.id !== 'timeZone' && i.id !== 'language'),
        submit: { label: t.saveButton, action: 'editSlot', data: { slotId }, style: 'primary' },
      });
      return;
    }
    const updated = await this.service.editSlot(actor, slotId, {
      startsAt: parseWallTime(String(data['startsAt']), slot.timeZone),
      durationMinutes: Number(data['durationMinutes']),
      capacity: Number(data['capacity']),
      videoUrl: String(data['videoUrl'] ?? '').trim(),
    });
    this.reply(turn, { type: 'text', text: t.slotEdited(formatWhen(updated.startsAt, updated.timeZone, turn.lang)) });
  }

  private async publishSlot(actor: Actor, data: Record<string, unknown>, turn: Turn): Promise<void> {
    const t = textFor(turn.lang);
    const timeZone = String(data['timeZone'] ?? '').trim();
    const startsAt = parseWallTime(String(data['startsAt'] ?? ''), timeZone);
    const slot = await this.service.publishSlot(actor, {
      startsAt,
      timeZone,
      durationMinutes: Number(data['durationMinutes']),
      language: data['language'] === 'fr' ? 'fr' : 'en',
      capacity: Number(data['capacity']),
      videoUrl: String(data['videoUrl'] ?? '').trim(),
    });
    this.reply(turn, { type: 'text', text: t.sessionPublished(formatWhen(slot.startsAt, slot.timeZone, turn.lang)) });
  }

  private async addSampleSlots(actor: Actor, turn: Turn): Promise<void> {
    if (!this.options.playground) return this.reply(turn, { type: 'text', text: textFor(turn.lang).notUnderstood });
    const n = await addSampleSlots(this.service, actor);
    this.reply(turn, { type: 'text', text: textFor(turn.lang).samplesAdded(n) });
  }

  // ------------------------------------------------------------ proactive notifications

  /** Turns an outbox notification (written by the engine) into messages for channels. */
  async notification(payload: JsonObject): Promise<Outgoing[]> {
    const about = String(payload['about'] ?? '');
    if (payload['audience'] === 'staff') {
      const submissionId = typeof payload['submissionId'] === 'string' ? payload['submissionId'] : null;
      if (!submissionId) return [];
      const card = await this.approvalCard(submissionId, this.options.staffLang ?? 'en');
      if (!card) return [];
      if (about === 'reminder') {
        // Re-raised as a new message (not an in-place update) so that it is noticed.
        const st = textFor(this.options.staffLang ?? 'en');
        return [{ to: 'staff', replies: [{ type: 'text', text: st.decisionOverdue(card.title) }, card] }];
      }
      if (about === 'withdrawn') {
        const lang = this.options.staffLang ?? 'en';
        card.decided = { outcome: lang === 'fr' ? 'retiré par l’administrateur' : 'withdrawn by the administrator', by: '', at: '' };
        card.buttons = [];
        card.reasonInput = undefined;
      }
      return [{ to: 'staff', cardFor: submissionId, replies: [card] }];
    }
    const personId = typeof payload['personId'] === 'string' ? payload['personId'] : null;
    if (!personId) return [];
    const person = await this.service.person(personId);
    if (!person) return [];
    const lang = person.lang;
    const t = textFor(lang);
    const entityId = String(payload['entityId'] ?? '');
    const kind = payload['kind'];
    const reason = typeof payload['reason'] === 'string' ? payload['reason'] : '';
    const actor: Actor = { personId, lang, isStaff: false, isSupport: false };
    const overview = await this.service.overview(actor);
    const org = overview.find((o) => o.id === entityId || o.programs.some((p) => p.id === entityId));
    const name = (kind === 'program' ? org?.programs.find((p) => p.id === entityId)?.name : org?.name) ?? '';
    const what = kind === 'program' ? t.programWordLower : t.orgWordLower;
    const news: Record<string, string> = {
      approved: kind === 'program' ? t.news.programApproved(name) : t.news.organizationApproved(name),
      rejected: t.news.rejected(what, name, reason),
      changesRequested: t.news.changesRequested(what, name, reason),
      accessGranted: t.news.accessGranted(name),
      accessDeclined: t.news.accessDeclined(name, reason),
      organizationActive: t.news.organizationActive(name),
      programOnboarded: t.news.programOnboarded(name),
    };
    const tz = person.timeZone;
    const when = (key: string) => (typeof payload[key] === 'string' ? formatWhen(new Date(payload[key] as string), tz, lang) : '');
    if (about === 'reminder') {
      const reminder = String(payload['reminder'] ?? '');
      const reminderText: Record<string, string> = {
        draftIdle: payload['formId'] === 'accessRequest' ? t.reminders.accessRequestIdle(name) : t.reminders.draftIdle(name),
        activationUnused: t.reminders.activationUnused(name),
        noSessionBooked: t.reminders.noSessionBooked(name),
        platformUnregistered: t.reminders.platformUnregistered(name),
        sessionTomorrow: t.reminders.sessionTomorrow(name, when('startsAt'), typeof payload['videoUrl'] === 'string' ? payload['videoUrl'] : ''),
      };
      const body = reminderText[reminder];
      if (!body) return [];
      const buttons: Button[] = reminder === 'noSessionBooked' ? [{ label: t.sessionsButton, action: 'sessions', data: { programId: entityId } }] : reminder === 'draftIdle' ? [{ label: t.reviewButton, action: 'start' }] : [];
      return [{ to: 'person', personId, replies: [{ type: 'text', text: `${body}\n${t.reminders.stopHint}`, buttons }] }];
    }
    news['sessionCancelled'] = t.news.sessionCancelled(name, when('startsAt'), reason);
    news['sessionUpdated'] = t.news.sessionUpdated(name, when('startsAt'));
    const text = news[about];
    if (!text) return [];
    const replies: Reply[] = [{ type: 'text', text, buttons: nextButtons(about, kind, entityId, org?.id, t) }];
    if (org) replies.push(this.progressReply(org, lang, ''));
    return [{ to: 'person', personId, replies }];
  }
}

function nextButtons(about: string, kind: unknown, entityId: string, organizationId: string | undefined, t: Text): Button[] {
  if (about === 'organizationActive' && organizationId) return [{ label: t.newProgram, action: 'newProgram', data: { organizationId }, style: 'primary' }];
  if (about === 'approved' && kind === 'program') return [{ label: t.sessionsButton, action: 'sessions', data: { programId: entityId }, style: 'primary' }];
  if (about === 'changesRequested') return [{ label: t.reviewButton, action: 'review' }];
  if (about === 'sessionCancelled') return [{ label: t.sessionsButton, action: 'sessions', data: { programId: entityId }, style: 'primary' }];
  if (about === 'accessDeclined') return [{ label: t.requestAccessButton, action: 'requestAccess', data: { programId: entityId } }];
  return [];
}

function inputView(field: FieldDefinition, view: FormView, lang: Lang, id: string, entered?: unknown): InputView {
  const options = optionsFor(field, view.context).map((o) => ({ value: o.value, label: o.label[lang] }));
  const stored = view.answers[field.id];
  const value = entered !== undefined && entered !== '' ? entered : stored;
  const type: InputView['type'] =
    field.confirmation ? 'confirm'
    : field.type === 'singleChoice' || field.type === 'province' ? 'choice'
    : field.type === 'multiChoice' ? 'multiChoice'
    : field.type === 'integer' ? 'number'
    : field.type === 'postalCode' ? 'text'
    : field.type;
  return {
    id,
    label: field.label[lang],
    help: field.help?.[lang],
    type,
    required: field.required,
    value: value === undefined ? undefined : Array.isArray(value) ? value.map(String) : field.type === 'phone' && typeof value === 'string' ? formatAnswer(field, value, lang) : String(value),
    options: options.length ? options : undefined,
    maxLength: field.maxLength,
    placeholder: field.placeholder?.[lang],
  };
}

/** Formatters of `formatWhen`, by language and zone (building one costs more than using it many times). */
const whenFormats = new Map<string, Intl.DateTimeFormat>();

/** Card inputs arrive as strings; a multi-select arrives as "a,b". */
function normaliseCardValues(values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) out[k] = typeof v === 'string' && v.trim() === '' ? undefined : v;
  return out;
}

function findField(fields: readonly FieldDefinition[], wanted: string): FieldDefinition | undefined {
  const w = foldKey(wanted);
  return (
    fields.find((f) => foldKey(f.id) === w) ??
    fields.find((f) => foldKey(f.label.en) === w || foldKey(f.label.fr) === w) ??
    fields.find((f) => foldKey(f.label.en).includes(w) || foldKey(f.label.fr).includes(w))
  );
}

export function formatWhen(date: Date, timeZone: string, lang: Lang): string {
  try {
    // dateStyle/timeStyle cannot be combined with timeZoneName, hence the explicit fields.
    const key = `${lang}|${timeZone}`;
    let f = whenFormats.get(key);
    if (!f) {
      f = new Intl.DateTimeFormat(lang === 'fr' ? 'fr-CA' : 'en-CA', { year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZone, timeZoneName: 'short' });
      // Zones are checked before they are stored, so there are at most two per known zone.
      whenFormats.set(key, f);
    }
    return f.format(date);
  } catch {
    return date.toISOString();
  }
}

/** Three sample sessions, clearly marked, so the playground journey can be walked at once. */
export async function addSampleSlots(service: OnboardingService, actor: Actor): Promise<number> {
  const now = service.now().getTime();
  const day = 86_400_000;
  const samples = [
    { days: 2, tz: 'America/Halifax', lang: 'en' as const },
    { days: 3, tz: 'America/Toronto', lang: 'fr' as const },
    { days: 7, tz: 'America/Vancouver', lang: 'en' as const },
  ];
  for (const s of samples) {
    const startsAt = new Date(Math.ceil((now + s.days * day) / 3_600_000) * 3_600_000);
    await service.publishSlot(actor, { startsAt, timeZone: s.tz, durationMinutes: 60, language: s.lang, capacity: 25, videoUrl: 'https://meet.example.org/sample-onboarding', isSample: true });
  }
  return samples.length;
}

export type { Localized };
