import type { Lang, Localized } from '../../domain/lang.ts';
import type { Button, InputView, Reply, StepView, SummaryView } from '../core/types.ts';
import { plainText } from './escape.ts';

export { parseInbound, parseRefresh } from './inbound.ts';

/**
 * Renders the core's neutral replies as Adaptive Cards (schema 1.5). Pure: no I/O, no
 * channel SDK. Teams uses `Action.Execute` (Universal Actions, answered in the invoke's
 * HTTP body, cards refreshable in place); Web Chat ignores `Action.Execute`, so it asks for
 * `Action.Submit`. Every string is plain text: it is escaped wherever the card would read
 * Markdown, and `fallbackText` is always the reply's complete `text`.
 */

export type CardActionMode = 'execute' | 'submit';

export type RenderOptions = { readonly actions: CardActionMode; readonly lang: Lang };

/** One Adaptive Card element or action, as JSON. */
export type CardElement = Record<string, unknown>;

export type AdaptiveCard = Record<string, unknown> & { type: 'AdaptiveCard'; version: '1.5'; body: CardElement[]; actions: CardElement[]; fallbackText: string };

/** Structurally a Bot Framework `Attachment`, without depending on the SDK here. */
export type CardAttachment = { contentType: typeof ADAPTIVE_CARD_CONTENT_TYPE; content: AdaptiveCard };

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
export const ADAPTIVE_CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';

/** The `Action.Execute` verb of an approval card's `refresh`: asks the bot for the current card. */
export const REFRESH_VERB = 'refreshCard';

/** Id of the input on a one-question card: the core's `answer` action reads `data.value`. */
export const QUESTION_INPUT_ID = 'value';

/** Beyond this many one-tap answer buttons a card gets crowded: the choice input suffices. */
const MAX_ANSWER_BUTTONS = 5;
/** Choice lists up to this long show as radio buttons / checkboxes, longer ones as a dropdown. */
const MAX_EXPANDED_CHOICES = 6;

const WORDS = {
  submit: { en: 'Submit', fr: 'Envoyer' },
  required: { en: 'This field is required.', fr: 'Ce champ est obligatoire.' },
  checkFormat: { en: 'Check the format of this value.', fr: 'Vérifiez le format de cette valeur.' },
  history: { en: 'History', fr: 'Historique' },
  empty: { en: '—', fr: '—' },
  reason: { en: 'Reason', fr: 'Motif' },
  decidedBy: { en: 'by', fr: 'par' },
  approved: { en: 'Approved', fr: 'Approuvé' },
  rejected: { en: 'Rejected', fr: 'Refusé' },
  changesRequested: { en: 'Changes requested', fr: 'Modifications demandées' },
  waiting: { en: 'waiting', fr: 'en attente' },
} as const satisfies Record<string, Localized>;

const STEP_MARKS: Record<StepView['state'], string> = { done: '✓', current: '•', waiting: '•', todo: '○' };

/** Outcome codes the core may use, shown as words; anything else is shown as given. */
const OUTCOME_WORDS: Record<string, Localized> = {
  approve: WORDS.approved,
  approved: WORDS.approved,
  reject: WORDS.rejected,
  rejected: WORDS.rejected,
  requestChanges: WORDS.changesRequested,
  changesRequested: WORDS.changesRequested,
  changes_requested: WORDS.changesRequested,
};

const EMAIL_PATTERN = '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$';

/** Text replies without buttons stay plain messages; everything else becomes a card. */
export function needsCard(reply: Reply): boolean {
  return reply.type !== 'text' || (reply.buttons?.length ?? 0) > 0;
}

/**
 * The parts of an outgoing message: `text` is always the reply's complete plain-text
 * fallback; `attachments` holds the card when the reply needs one. (A channel that shows
 * `text` next to a card may prefer to put it where notifications read it, e.g. `summary`.)
 */
export function renderActivityParts(reply: Reply, options: RenderOptions): { text: string; attachments: CardAttachment[] } {
  if (!needsCard(reply)) return { text: reply.text, attachments: [] };
  return { text: reply.text, attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, content: renderAdaptiveCard(reply, options) }] };
}

export function renderAdaptiveCard(reply: Reply, options: RenderOptions): AdaptiveCard {
  const { body, actions, refresh } = renderParts(reply, options);
  return {
    type: 'AdaptiveCard',
    $schema: ADAPTIVE_CARD_SCHEMA,
    version: '1.5',
    ...(refresh ? { refresh } : {}),
    body,
    actions,
    fallbackText: reply.text,
    // Teams: use the conversation's full width (forms and approval cards are wide).
    msteams: { width: 'Full' },
  };
}

type Parts = { body: CardElement[]; actions: CardElement[]; refresh?: CardElement };

function renderParts(reply: Reply, options: RenderOptions): Parts {
  const { lang, actions: mode } = options;
  switch (reply.type) {
    case 'text':
      return { body: paragraphs(reply.text), actions: renderButtons(reply.buttons ?? [], mode) };

    case 'question': {
      const input: InputView = { ...reply.input, id: QUESTION_INPUT_ID, label: reply.label, help: reply.help ?? reply.input.help, error: reply.error ?? reply.input.error };
      const answerButtons = reply.buttons.filter((b) => b.action === 'answer');
      const otherButtons = reply.buttons.filter((b) => b.action !== 'answer');
      const submit: Button = { label: WORDS.submit[lang], action: 'answer', data: { ...reply.formRef }, style: 'primary' };
      return {
        body: [subtle(reply.progress), ...renderInput(input, lang)],
        actions: [
          renderAction(submit, mode, 'auto'),
          ...(answerButtons.length <= MAX_ANSWER_BUTTONS ? renderButtons(answerButtons, mode, 'none') : []),
          ...renderButtons(otherButtons, mode, 'none'),
        ],
      };
    }

    case 'form':
      return {
        body: [
          heading(reply.title),
          subtle(reply.progress),
          ...(reply.errorSummary ? [attention(reply.errorSummary, { weight: 'Bolder' })] : []),
          ...reply.inputs.flatMap((input) => renderInput(input, lang)),
        ],
        actions: [renderAction(reply.submit, mode, 'auto')],
      };

    case 'review':
      return {
        body: [heading(reply.title), subtle(reply.progress), ...reply.sections.flatMap((s) => renderSection(s, lang))],
        actions: renderButtons(reply.buttons, mode),
      };

    case 'progress':
      return { body: [heading(reply.title), ...reply.steps.map((step) => renderStep(step, lang))], actions: renderButtons(reply.buttons, mode) };

    case 'approval': {
      const header = [heading(reply.title), subtle(reply.subtitle), ...reply.sections.flatMap((s) => renderSection(s, lang))];
      if (reply.decided) return { body: [...header, ...renderDecision(reply.decided, lang)], actions: [] };
      return {
        body: [...header, ...(reply.reasonInput ? renderInput({ ...reply.reasonInput, type: 'longText' }, lang) : [])],
        // The decision buttons carry the reason input with them.
        actions: renderButtons(reply.buttons, mode, reply.reasonInput ? 'auto' : undefined),
        // Universal Actions: each viewer's client asks for the current card (decided or not).
        ...(mode === 'execute'
          ? { refresh: { action: { type: 'Action.Execute', verb: REFRESH_VERB, data: { submissionId: reply.submissionId } }, userIds: [] } }
          : {}),
      };
    }

    case 'status':
      return {
        body: [
          heading(reply.title),
          factSet(reply.facts.map((f) => ({ title: f.label, value: f.value })), lang),
          ...(reply.history.length > 0
            ? [textBlock(WORDS.history[lang], { weight: 'Bolder', spacing: 'Medium' }), ...reply.history.map((line) => textBlock(`• ${line}`, { spacing: 'Small' }))]
            : []),
        ],
        actions: renderButtons(reply.buttons ?? [], mode),
      };
  }
}

// ---- actions -----------------------------------------------------------------------

type AssociatedInputs = 'auto' | 'none' | undefined;

function renderButtons(buttons: readonly Button[], mode: CardActionMode, inputs?: AssociatedInputs): CardElement[] {
  return buttons.map((b) => renderAction(b, mode, inputs));
}

/**
 * `data` is `{ action, ...button.data }` (the button's `action` wins over a stray `data.action`);
 * the channel merges the card's input values into it. `associatedInputs: 'none'` keeps a
 * Back or Skip button from being blocked by (or sending) half-filled required inputs.
 */
export function renderAction(button: Button, mode: CardActionMode, inputs?: AssociatedInputs): CardElement {
  const data = { ...button.data, action: button.action };
  return {
    type: mode === 'execute' ? 'Action.Execute' : 'Action.Submit',
    title: button.label,
    ...(mode === 'execute' ? { verb: button.action } : {}),
    data,
    ...(button.style === 'primary' ? { style: 'positive' } : button.style === 'danger' ? { style: 'destructive' } : {}),
    ...(inputs === 'auto' ? { associatedInputs: 'auto' } : inputs === 'none' ? { associatedInputs: 'none' } : {}),
  };
}

// ---- inputs ------------------------------------------------------------------------

/** The input itself, then its help line and its error (if any) right under it. */
export function renderInput(input: InputView, lang: Lang): CardElement[] {
  const elements: CardElement[] = [renderInputElement(input, lang)];
  if (input.help) elements.push(textBlock(input.help, { isSubtle: true, size: 'Small', spacing: 'None' }));
  if (input.error) elements.push(attention(input.error, { spacing: 'None' }));
  return elements;
}

function renderInputElement(input: InputView, lang: Lang): CardElement {
  const common: CardElement = {
    id: input.id,
    label: input.label,
    isRequired: input.required,
    ...(input.required ? { errorMessage: WORDS.required[lang] } : {}),
  };
  const single = Array.isArray(input.value) ? input.value.join(', ') : input.value;
  switch (input.type) {
    case 'text':
    case 'longText':
    case 'email':
    case 'phone':
    case 'url':
      return {
        type: 'Input.Text',
        ...common,
        style: { text: 'text', longText: 'text', email: 'email', phone: 'tel', url: 'url' }[input.type],
        ...(input.type === 'longText' ? { isMultiline: true } : {}),
        ...(input.maxLength ? { maxLength: input.maxLength } : {}),
        ...(input.type === 'email' ? { regex: EMAIL_PATTERN, errorMessage: input.required ? WORDS.required[lang] : WORDS.checkFormat[lang] } : {}),
        ...(input.placeholder ? { placeholder: input.placeholder } : {}),
        ...(single !== undefined && single !== '' ? { value: single } : {}),
      };
    case 'number': {
      const n = single === undefined || single.trim() === '' ? NaN : Number(single.replace(/[\s,]/g, ''));
      return {
        type: 'Input.Number',
        ...common,
        ...(input.placeholder ? { placeholder: input.placeholder } : {}),
        ...(Number.isFinite(n) ? { value: n } : {}),
      };
    }
    case 'date':
      return { type: 'Input.Date', ...common, ...(single && /^\d{4}-\d{2}-\d{2}$/.test(single) ? { value: single } : {}) };
    case 'choice':
    case 'multiChoice': {
      const options = input.options ?? [];
      const multi = input.type === 'multiChoice';
      const values = Array.isArray(input.value) ? input.value : input.value ? (multi ? input.value.split(',').map((v) => v.trim()) : [input.value]) : [];
      return {
        type: 'Input.ChoiceSet',
        ...common,
        choices: options.map((o) => ({ title: o.label, value: o.value })),
        style: options.length <= MAX_EXPANDED_CHOICES ? 'expanded' : 'compact',
        ...(multi ? { isMultiSelect: true } : {}),
        ...(input.placeholder ? { placeholder: input.placeholder } : {}),
        // ChoiceSet values are comma-separated option values (the forms accept that form).
        ...(values.length > 0 ? { value: values.join(',') } : {}),
      };
    }
    case 'confirm': {
      const on = input.options?.[0]?.value ?? 'yes';
      return {
        type: 'Input.Toggle',
        ...common,
        title: input.options?.[0]?.label ?? input.label,
        valueOn: on,
        // Unchecked sends nothing the forms accept as a confirmation: blank means "not confirmed".
        valueOff: '',
        value: single === on ? on : '',
      };
    }
  }
}

// ---- text --------------------------------------------------------------------------

type TextOptions = { weight?: 'Bolder'; size?: 'Small' | 'Medium' | 'Large'; isSubtle?: boolean; color?: 'Attention' | 'Good' | 'Warning'; spacing?: 'None' | 'Small' | 'Medium' };

/** Every TextBlock: wrapped, and its text escaped so nothing in it is read as Markdown. */
export function textBlock(text: string, options: TextOptions = {}): CardElement {
  return { type: 'TextBlock', text: plainText(text), wrap: true, ...options };
}

function heading(text: string): CardElement {
  return textBlock(text, { weight: 'Bolder', size: 'Medium' });
}

function subtle(text: string): CardElement {
  return textBlock(text, { isSubtle: true, size: 'Small', spacing: 'None' });
}

function attention(text: string, options: TextOptions = {}): CardElement {
  return textBlock(text, { color: 'Attention', ...options });
}

/** One TextBlock per line (renderers differ on single newlines); a blank line adds space. */
function paragraphs(text: string): CardElement[] {
  const blocks: CardElement[] = [];
  let gap = false;
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') {
      gap = blocks.length > 0;
      continue;
    }
    blocks.push(textBlock(line, blocks.length === 0 ? {} : { spacing: gap ? 'Medium' : 'None' }));
    gap = false;
  }
  return blocks.length > 0 ? blocks : [textBlock(text)];
}

function factSet(facts: Array<{ title: string; value: string }>, lang: Lang): CardElement {
  return {
    type: 'FactSet',
    facts: facts.map((f) => ({ title: plainText(f.title), value: f.value.trim() === '' ? WORDS.empty[lang] : plainText(f.value) })),
  };
}

function renderSection(section: SummaryView, lang: Lang): CardElement[] {
  return [
    textBlock(section.title, { weight: 'Bolder', spacing: 'Medium' }),
    factSet(section.items.map((i) => ({ title: i.label, value: i.value })), lang),
  ];
}

function renderStep(step: StepView, lang: Lang): CardElement {
  const line = `${STEP_MARKS[step.state]} ${step.number}. ${step.title}${step.state === 'waiting' ? ` (${WORDS.waiting[lang]})` : ''}`;
  switch (step.state) {
    case 'done':
      return textBlock(line, { color: 'Good', spacing: 'Small' });
    case 'current':
      return textBlock(line, { weight: 'Bolder', spacing: 'Small' });
    case 'waiting':
      return textBlock(line, { color: 'Warning', spacing: 'Small' });
    case 'todo':
      return textBlock(line, { isSubtle: true, spacing: 'Small' });
  }
}

function renderDecision(decided: NonNullable<Extract<Reply, { type: 'approval' }>['decided']>, lang: Lang): CardElement[] {
  const outcome = OUTCOME_WORDS[decided.outcome]?.[lang] ?? decided.outcome;
  const blocks = [textBlock(`${outcome} ${WORDS.decidedBy[lang]} ${decided.by} — ${decided.at}`, { weight: 'Bolder', spacing: 'Medium' })];
  if (decided.reason) blocks.push(textBlock(`${WORDS.reason[lang]}${lang === 'fr' ? ' :' : ':'} ${decided.reason}`, { spacing: 'Small' }));
  return blocks;
}
