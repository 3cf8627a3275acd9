import type { types } from '@slack/bolt';
import type { Lang } from '../../domain/lang.ts';
import type { Button, InputView, Reply, StepView, SummaryView } from '../core/types.ts';
import { clip, escapeClip } from './escape.ts';

/**
 * The core's neutral replies as Block Kit: messages, the section modal, the reason modal
 * and the App Home. Pure functions, no I/O. Every string is escaped (`escape.ts`): what a
 * person typed can never ping a channel or mention someone. The fallback `text` is always
 * the complete reply text (notifications, screen readers), never a summary.
 */

export type Block = types.KnownBlock;
/** Views whose blocks are known Block Kit blocks (easier to inspect than Slack's wider type). */
export type ModalView = types.ModalView & { blocks: Block[] };
export type HomeView = types.HomeView & { blocks: Block[] };
type PlainText = types.PlainTextElement;
type Mrkdwn = types.MrkdwnElement;
type ButtonElement = types.Button;
type Option = types.PlainTextOption;

/** Slack's published limits (Block Kit reference), in characters or items. */
export const LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  text: 3000,
  field: 2000,
  fieldsPerSection: 10,
  header: 150,
  buttonText: 75,
  buttonValue: 2000,
  optionText: 75,
  optionValue: 150,
  options: 100,
  buttonsPerActions: 5,
  buttonsBeforeSelect: 25,
  viewTitle: 24,
  label: 2000,
  placeholder: 150,
  contextElements: 10,
  blockId: 255,
  inputLength: 3000,
  privateMetadata: 3000,
  /** `chat.postMessage` truncates `text` beyond 40,000 characters. */
  fallback: 39_000,
} as const;

/** `private_metadata` of the section modal. */
export type SectionModalMeta = { formId: string; entityId: string; sectionId: string; channelId: string; action?: string | undefined };
/** `private_metadata` of the reason modal (reject / request changes). */
export type ReasonModalMeta = { submissionId: string; outcome: 'rejected' | 'changesRequested'; channel: string; ts: string };

export const SECTION_CALLBACK = 'section';
export const REASON_CALLBACK = 'reason';
/** The input's element id inside every input block (the block id is the field id). */
export const INPUT_ACTION_ID = 'value';
/** Block id of the reason modal's input. */
export const REASON_BLOCK_ID = 'reason';

const words = {
  en: { choose: 'Choose…', cancel: 'Cancel', send: 'Send', reject: 'Reject', requestChanges: 'Request changes', reasonLabel: 'Reason (sent to the administrator)', reasonHint: 'Required. The administrator reads it in their chat and in the email.', by: 'by', at: 'at', reason: 'Reason', homeHint: 'Write to me in the Messages tab: “help” lists what I understand.', continue: 'Continue in Messages' },
  fr: { choose: 'Choisir…', cancel: 'Annuler', send: 'Envoyer', reject: 'Refuser', requestChanges: 'Demande de modifications', reasonLabel: 'Raison (transmise à l’administrateur)', reasonHint: 'Obligatoire. L’administrateur la lit dans sa conversation et dans le courriel.', by: 'par', at: 'le', reason: 'Raison', homeHint: 'Écrivez-moi dans l’onglet Messages : « aide » liste ce que je comprends.', continue: 'Continuer dans Messages' },
} as const;

// ------------------------------------------------------------------ text objects

function plain(text: string, max: number): PlainText {
  // Slack refuses empty text objects.
  return { type: 'plain_text', text: escapeClip(text, max) || '…', emoji: true };
}

/** A mrkdwn object from text that is already escaped (`verbatim`: no automatic links or mentions). */
function mrkdwn(escaped: string): Mrkdwn {
  return { type: 'mrkdwn', text: escaped || ' ', verbatim: true };
}

function bold(text: string, max: number = LIMITS.text): string {
  const inner = escapeClip(text, max - 2);
  return inner ? `*${inner}*` : '';
}

/** Section blocks for a long text: split on line boundaries, each within Slack's limit. */
function textSections(text: string): Block[] {
  const chunks: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    const escaped = escapeClip(line, LIMITS.text - 100);
    if (current && current.length + escaped.length + 1 > LIMITS.text - 100) {
      chunks.push(current);
      current = escaped;
    } else {
      current = current ? `${current}\n${escaped}` : escaped;
    }
  }
  if (current.trim()) chunks.push(current);
  return chunks.map((chunk) => ({ type: 'section', text: mrkdwn(chunk) }));
}

function header(text: string): Block {
  return { type: 'header', text: plain(text, LIMITS.header) };
}

/** Context lines; long lists become several elements and blocks (10 elements per block). */
function contextBlocks(lines: string[]): Block[] {
  const elements: Mrkdwn[] = [];
  let current = '';
  for (const line of lines) {
    const escaped = escapeClip(line, LIMITS.text - 100);
    if (current && current.length + escaped.length + 1 > LIMITS.text - 100) {
      elements.push(mrkdwn(current));
      current = escaped;
    } else {
      current = current ? `${current}\n${escaped}` : escaped;
    }
  }
  if (current) elements.push(mrkdwn(current));
  const blocks: Block[] = [];
  for (let i = 0; i < elements.length; i += LIMITS.contextElements) blocks.push({ type: 'context', elements: elements.slice(i, i + LIMITS.contextElements) });
  return blocks;
}

/** Label/value pairs as section fields, ten per section block. */
function fieldSections(title: string | undefined, items: Array<{ label: string; value: string }>, accessory?: ButtonElement): Block[] {
  const fields = items.map((i) => mrkdwn(`${bold(i.label, 300)}\n${escapeClip(i.value || '—', LIMITS.field - 310)}`));
  const blocks: Block[] = [];
  if (fields.length === 0) {
    if (title || accessory) blocks.push({ type: 'section', text: mrkdwn(title ? bold(title) : ' '), ...(accessory ? { accessory } : {}) });
    return blocks;
  }
  for (let i = 0; i < fields.length; i += LIMITS.fieldsPerSection) {
    const first = i === 0;
    blocks.push({
      type: 'section',
      ...(first && title ? { text: mrkdwn(bold(title)) } : {}),
      fields: fields.slice(i, i + LIMITS.fieldsPerSection),
      ...(first && accessory ? { accessory } : {}),
    });
  }
  return blocks;
}

// ------------------------------------------------------------------ buttons

/** Numbers interactive elements so every `action_id` in a message is unique. */
type Counter = { n: number };

/** The JSON a button carries: `{ action, ...data }`, read back by `parseActionValue`. */
export function buttonValue(button: Button): string {
  return JSON.stringify({ ...button.data, action: button.action });
}

export function buttonElement(button: Button, counter: Counter): ButtonElement | null {
  const value = buttonValue(button);
  if (value.length > LIMITS.buttonValue) return null;
  const element: ButtonElement = {
    type: 'button',
    action_id: `${button.action}:${counter.n++}`,
    text: plain(button.label, LIMITS.buttonText),
    value,
  };
  if (button.style) element.style = button.style;
  return element;
}

function chunkedActions(buttons: Button[], counter: Counter): Block[] {
  const elements = buttons.map((b) => buttonElement(b, counter)).filter((e): e is ButtonElement => e !== null);
  const blocks: Block[] = [];
  for (let i = 0; i < elements.length; i += LIMITS.buttonsPerActions) blocks.push({ type: 'actions', elements: elements.slice(i, i + LIMITS.buttonsPerActions) });
  return blocks;
}

/**
 * More than 25 choices: one static select. What the choices share (the action and the
 * ids) rides in the block id; what differs (usually `value`) in each option's value, which
 * Slack limits to 150 characters. `parseSelection` puts them back together.
 */
function selectBlock(buttons: Button[], counter: Counter, lang: Lang): Block | null {
  const entries = buttons.map((b) => ({ ...b.data, action: b.action }) as Record<string, string>);
  const first = entries[0];
  if (!first) return null;
  const common: Record<string, string> = {};
  for (const [key, value] of Object.entries(first)) if (entries.every((e) => e[key] === value)) common[key] = value;
  const options: Option[] = [];
  for (const [i, entry] of entries.slice(0, LIMITS.options).entries()) {
    const rest = Object.fromEntries(Object.entries(entry).filter(([k]) => !(k in common)));
    const value = JSON.stringify(rest);
    if (value.length > LIMITS.optionValue) return null;
    options.push({ text: plain(buttons[i]!.label, LIMITS.optionText), value });
  }
  const blockId = JSON.stringify({ select: counter.n, ...common });
  if (blockId.length > LIMITS.blockId) return null;
  return {
    type: 'actions',
    block_id: blockId,
    elements: [{ type: 'static_select', action_id: `select:${counter.n++}`, placeholder: plain(words[lang].choose, LIMITS.placeholder), options }],
  };
}

/**
 * Buttons as actions blocks, five per row. A list of more than 25 (choices, slots) becomes
 * one static select; the other buttons stay buttons.
 */
function buttonBlocks(buttons: readonly Button[], counter: Counter, lang: Lang, isListItem?: (b: Button) => boolean): Block[] {
  if (buttons.length === 0) return [];
  const list = isListItem ? buttons.filter(isListItem) : mostCommonAction(buttons);
  const others = buttons.filter((b) => !list.includes(b));
  if (list.length > LIMITS.buttonsBeforeSelect) {
    const select = selectBlock(list, counter, lang);
    if (select) return [select, ...chunkedActions(others, counter)];
  }
  if (isListItem) return [...chunkedActions(list, counter), ...chunkedActions(others, counter)];
  return chunkedActions([...buttons], counter);
}

function mostCommonAction(buttons: readonly Button[]): Button[] {
  const counts = new Map<string, number>();
  for (const b of buttons) counts.set(b.action, (counts.get(b.action) ?? 0) + 1);
  const [top] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0] ?? [];
  return buttons.filter((b) => b.action === top);
}

// ------------------------------------------------------------------ inputs

function optionOf(o: { value: string; label: string }): Option {
  return { text: plain(o.label, LIMITS.optionText), value: clip(o.value, LIMITS.optionValue) };
}

/** One input block per field: the block id is the field id, the element id `value`. */
export function inputBlock(input: InputView, lang: Lang): Block {
  const hint = [input.error ? `⚠️ ${input.error}` : '', input.help ?? ''].filter(Boolean).join(' · ');
  const base = {
    type: 'input' as const,
    block_id: clip(input.id, LIMITS.blockId),
    label: plain(input.label, LIMITS.label),
    optional: !input.required,
    ...(hint ? { hint: plain(hint, LIMITS.label) } : {}),
  };
  const value = input.value;
  const single = Array.isArray(value) ? value[0] : value;
  const placeholder = input.placeholder ? { placeholder: plain(input.placeholder, LIMITS.placeholder) } : {};
  const options = (input.options ?? []).slice(0, LIMITS.options).map(optionOf);
  switch (input.type) {
    case 'number':
      return {
        ...base,
        element: { type: 'number_input', action_id: INPUT_ACTION_ID, is_decimal_allowed: false, ...(single && /^-?\d+$/.test(single) ? { initial_value: single } : {}), ...placeholder },
      };
    case 'date':
      return {
        ...base,
        element: { type: 'datepicker', action_id: INPUT_ACTION_ID, ...(single && /^\d{4}-\d{2}-\d{2}$/.test(single) ? { initial_date: single } : {}), ...placeholder },
      };
    case 'choice': {
      if (options.length === 0) break;
      const initial = options.find((o) => o.value === single);
      return {
        ...base,
        element: { type: 'static_select', action_id: INPUT_ACTION_ID, options, placeholder: plain(input.placeholder ?? words[lang].choose, LIMITS.placeholder), ...(initial ? { initial_option: initial } : {}) },
      };
    }
    case 'multiChoice': {
      if (options.length === 0) break;
      const chosen = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',').map((v) => v.trim()) : [];
      const initial = options.filter((o) => o.value !== undefined && chosen.includes(o.value));
      return {
        ...base,
        element: { type: 'multi_static_select', action_id: INPUT_ACTION_ID, options, placeholder: plain(input.placeholder ?? words[lang].choose, LIMITS.placeholder), ...(initial.length ? { initial_options: initial } : {}) },
      };
    }
    case 'confirm': {
      const option = options[0] ?? optionOf({ value: 'yes', label: input.label });
      const checked = single !== undefined && single !== '' && single !== 'false';
      return { ...base, element: { type: 'checkboxes', action_id: INPUT_ACTION_ID, options: [option], ...(checked ? { initial_options: [option] } : {}) } };
    }
    default:
      break;
  }
  const max = Math.min(input.maxLength ?? LIMITS.inputLength, LIMITS.inputLength);
  const initial = typeof single === 'string' && single !== '' ? escapeClip(Array.isArray(value) ? value.join(', ') : single, max) : '';
  return {
    ...base,
    element: {
      type: 'plain_text_input',
      action_id: INPUT_ACTION_ID,
      multiline: input.type === 'longText',
      max_length: max,
      ...(initial ? { initial_value: initial } : {}),
      ...placeholder,
    },
  };
}

// ------------------------------------------------------------------ replies

/** The line a decided staff card shows instead of its buttons: "Approved by X at T". */
export function decisionLine(decided: { outcome: string; by: string; at: string; reason?: string | undefined }, lang: Lang): string {
  const w = words[lang];
  const outcome = `${decided.outcome.charAt(0).toUpperCase()}${decided.outcome.slice(1)}`;
  const line = decided.by ? `${outcome} ${w.by} ${decided.by}${decided.at ? ` ${w.at} ${decided.at}` : ''}` : outcome;
  return decided.reason ? `${line}\n${w.reason}: ${decided.reason}` : line;
}

const STEP_MARK: Record<StepView['state'], string> = { done: '✓', current: '•', waiting: '•', todo: '○' };

function stepsLine(steps: readonly StepView[]): string {
  return steps.map((s) => `${STEP_MARK[s.state]} ${s.number}. ${s.title}`).join('    ');
}

function summarySections(sections: readonly SummaryView[], edits: Array<ButtonElement | null> = []): Block[] {
  return sections.flatMap((s, i) => fieldSections(s.title, s.items, edits[i] ?? undefined));
}

/** Keeps a message within Slack's block limit, keeping its trailing buttons. */
function fit(blocks: Block[], max: number): Block[] {
  if (blocks.length <= max) return blocks;
  let tail = 0;
  while (tail < blocks.length && tail < 5 && blocks[blocks.length - 1 - tail]?.type === 'actions') tail++;
  return [...blocks.slice(0, max - tail), ...blocks.slice(blocks.length - tail)];
}

/** Paragraphs of a review's text between its progress line and its first section. */
function reviewIntro(reply: Reply & { type: 'review' }): string {
  const paragraphs = reply.text.split('\n\n');
  const first = reply.sections[0];
  const end = first ? paragraphs.findIndex((p, i) => i > 0 && (p === first.title || p.startsWith(`${first.title}\n`))) : -1;
  return paragraphs.slice(paragraphs[0] === reply.progress ? 1 : 0, end > 0 ? end : paragraphs.length).join('\n\n');
}

function blocksFor(reply: Reply, lang: Lang, counter: Counter): Block[] {
  switch (reply.type) {
    case 'text':
      return [...textSections(reply.text), ...buttonBlocks(reply.buttons ?? [], counter, lang)];
    case 'question': {
      const lines = reply.text.split('\n');
      if (lines[0] === reply.progress) lines.shift();
      const body = lines
        .map((line) => (line === reply.label || line.startsWith(`${reply.label} `) ? bold(line) : escapeClip(line, LIMITS.text - 100)))
        .join('\n');
      return [
        ...contextBlocks([reply.progress]),
        { type: 'section', text: mrkdwn(clip(body, LIMITS.text)) },
        ...buttonBlocks(reply.buttons, counter, lang, (b) => b.action === 'answer'),
      ];
    }
    case 'form': {
      const submit = buttonElement(reply.submit, counter);
      return [
        header(reply.title),
        ...(reply.progress ? contextBlocks([reply.progress]) : []),
        ...(reply.errorSummary ? textSections(`⚠️ ${reply.errorSummary}`) : []),
        ...reply.inputs.map((input) => inputBlock(input, lang)),
        ...(submit ? [{ type: 'actions' as const, elements: [submit] }] : []),
      ];
    }
    case 'review': {
      // One Edit button per section (the core lists them in section order); the rest below.
      const edits = reply.buttons.filter((b) => b.action === 'openSection');
      const paired = edits.length === reply.sections.length;
      const accessories = paired ? edits.map((b) => buttonElement(b, counter)) : [];
      const rest = reply.buttons.filter((b) => !paired || b.action !== 'openSection');
      const intro = reviewIntro(reply);
      return [
        header(reply.title),
        ...contextBlocks([reply.progress]),
        ...(intro ? textSections(intro) : []),
        ...summarySections(reply.sections, accessories),
        ...buttonBlocks(rest, counter, lang),
      ];
    }
    case 'progress':
      return [header(reply.title), ...textSections(reply.text), ...contextBlocks([stepsLine(reply.steps)]), ...buttonBlocks(reply.buttons, counter, lang)];
    case 'approval':
      return [
        header(reply.title),
        ...contextBlocks([reply.subtitle]),
        ...summarySections(reply.sections),
        ...(reply.decided ? contextBlocks(decisionLine(reply.decided, lang).split('\n')) : buttonBlocks(reply.buttons, counter, lang)),
      ];
    case 'status':
      return [
        header(reply.title),
        ...fieldSections(undefined, reply.facts),
        ...contextBlocks(reply.history),
        ...buttonBlocks(reply.buttons ?? [], counter, lang),
      ];
  }
}

/** A reply as a Slack message: `text` is the complete escaped fallback. */
export function renderBlocks(reply: Reply, lang: Lang): { text: string; blocks: Block[] } {
  return { text: fallbackText(reply.text), blocks: fit(blocksFor(reply, lang, { n: 0 }), LIMITS.messageBlocks) };
}

export function fallbackText(text: string): string {
  return escapeClip(text, LIMITS.fallback) || '…';
}

/** Several replies in one message (a slash command's ephemeral answer). */
export function renderMany(replies: readonly Reply[], lang: Lang): { text: string; blocks: Block[] } {
  const counter = { n: 0 };
  const blocks = replies.flatMap((reply, i) => [...(i > 0 ? [{ type: 'divider' as const }] : []), ...blocksFor(reply, lang, counter)]);
  return { text: fallbackText(replies.map((r) => r.text).join('\n\n')), blocks: fit(blocks, LIMITS.messageBlocks) };
}

// ------------------------------------------------------------------ views

/** A section of a form as a modal (`views.open`), one input per field. */
export function sectionModal(reply: Reply & { type: 'form' }, meta: { channelId: string; lang: Lang }): ModalView {
  const data = reply.submit.data ?? {};
  const metadata: SectionModalMeta = {
    formId: data['formId'] ?? '',
    entityId: data['entityId'] ?? '',
    sectionId: data['sectionId'] ?? '',
    channelId: meta.channelId,
    ...(reply.submit.action !== 'submitSection' ? { action: reply.submit.action } : {}),
  };
  const w = words[meta.lang];
  return {
    type: 'modal',
    callback_id: SECTION_CALLBACK,
    title: plain(reply.title, LIMITS.viewTitle),
    submit: plain(reply.submit.label, LIMITS.viewTitle),
    close: plain(w.cancel, LIMITS.viewTitle),
    private_metadata: JSON.stringify(metadata),
    blocks: fit(
      [
        ...(reply.progress ? contextBlocks([reply.progress]) : []),
        ...(reply.errorSummary ? textSections(`⚠️ ${reply.errorSummary}`) : []),
        ...reply.inputs.map((input) => inputBlock(input, meta.lang)),
      ],
      LIMITS.viewBlocks,
    ),
  };
}

/**
 * Inline errors for `ack({ response_action: 'errors', errors })`, keyed by block id (the
 * field id). A form whose summary names no single field puts it under its first input.
 */
export function errorsFromReply(reply: Reply): Record<string, string> {
  if (reply.type !== 'form') return {};
  const errors: Record<string, string> = {};
  for (const input of reply.inputs) if (input.error) errors[clip(input.id, LIMITS.blockId)] = escapeClip(input.error, LIMITS.field);
  const first = reply.inputs[0];
  if (Object.keys(errors).length === 0 && reply.errorSummary && first) errors[first.id] = escapeClip(reply.errorSummary, LIMITS.field);
  return errors;
}

/** The modal asking staff for the reason of a rejection or a change request. */
export function reasonModal(meta: ReasonModalMeta, lang: Lang): ModalView {
  const w = words[lang];
  return {
    type: 'modal',
    callback_id: REASON_CALLBACK,
    title: plain(meta.outcome === 'rejected' ? w.reject : w.requestChanges, LIMITS.viewTitle),
    submit: plain(w.send, LIMITS.viewTitle),
    close: plain(w.cancel, LIMITS.viewTitle),
    private_metadata: JSON.stringify(meta),
    blocks: [
      {
        type: 'input',
        block_id: REASON_BLOCK_ID,
        label: plain(w.reasonLabel, LIMITS.label),
        hint: plain(w.reasonHint, LIMITS.label),
        element: { type: 'plain_text_input', action_id: INPUT_ACTION_ID, multiline: true, max_length: 2000 },
      },
    ],
  };
}

/** The App Home: where the person stands (the core's progress replies) and how to continue. */
export function homeView(replies: readonly Reply[], lang: Lang): HomeView {
  const shown = replies.some((r) => r.type === 'progress') ? replies.filter((r) => r.type === 'progress') : replies;
  const counter = { n: 0 };
  const blocks = shown.flatMap((reply, i) => [...(i > 0 ? [{ type: 'divider' as const }] : []), ...blocksFor(reply, lang, counter)]);
  // “Continue” posts where the person stands and the next question in their DM.
  const resume = chunkedActions([{ label: words[lang].continue, action: 'start', style: 'primary' }], counter);
  return { type: 'home', blocks: fit([...blocks, ...resume, ...contextBlocks([words[lang].homeHint])], LIMITS.viewBlocks) };
}

