import { describe, expect, it } from 'vitest';
import {
  ADAPTIVE_CARD_CONTENT_TYPE,
  QUESTION_INPUT_ID,
  REFRESH_VERB,
  renderActivityParts,
  renderAdaptiveCard,
  type CardActionMode,
  type CardElement,
} from '../../src/bots/cards/adaptive.ts';
import { plainText } from '../../src/bots/cards/escape.ts';
import { parseInbound, parseRefresh } from '../../src/bots/cards/inbound.ts';
import type { Reply } from '../../src/bots/core/types.ts';
import {
  allReplies,
  EVIL,
  makeApprovalReply,
  makeFormReply,
  makeProgressReply,
  makeQuestionReply,
  makeReviewReply,
  makeStatusReply,
  makeTextReply,
} from './fixtures.ts';

const MODES: CardActionMode[] = ['execute', 'submit'];

const ELEMENT_TYPES = new Set(['TextBlock', 'FactSet', 'Input.Text', 'Input.Number', 'Input.Date', 'Input.ChoiceSet', 'Input.Toggle']);
const INPUT_TYPES = new Set(['Input.Text', 'Input.Number', 'Input.Date', 'Input.ChoiceSet', 'Input.Toggle']);

/** Structural checks from the Adaptive Cards 1.5 schema, for what the renderer emits. */
function checkCard(card: Record<string, unknown>, mode: CardActionMode): string[] {
  const problems: string[] = [];
  if (card['type'] !== 'AdaptiveCard') problems.push('type');
  if (card['version'] !== '1.5') problems.push('version');
  if (card['$schema'] !== 'http://adaptivecards.io/schemas/adaptive-card.json') problems.push('$schema');
  if (typeof card['fallbackText'] !== 'string') problems.push('fallbackText');
  const body = card['body'];
  const actions = card['actions'];
  if (!Array.isArray(body) || body.length === 0) problems.push('body');
  if (!Array.isArray(actions)) problems.push('actions');
  const ids = new Set<string>();
  for (const el of (body ?? []) as CardElement[]) {
    const type = String(el['type']);
    if (!ELEMENT_TYPES.has(type)) problems.push(`unknown element ${type}`);
    if (type === 'TextBlock' && (el['wrap'] !== true || typeof el['text'] !== 'string' || el['text'] === '')) problems.push('TextBlock without wrap/text');
    if (type === 'FactSet') {
      for (const f of el['facts'] as Array<Record<string, unknown>>) if (typeof f['title'] !== 'string' || typeof f['value'] !== 'string' || f['value'] === '') problems.push('fact');
    }
    if (INPUT_TYPES.has(type)) {
      const id = el['id'];
      if (typeof id !== 'string' || !id || ids.has(id)) problems.push(`input id ${String(id)}`);
      else ids.add(id);
      if (typeof el['label'] !== 'string' || !el['label']) problems.push(`input ${String(id)} label`);
      if (typeof el['isRequired'] !== 'boolean') problems.push(`input ${String(id)} isRequired`);
      if (el['isRequired'] === true && typeof el['errorMessage'] !== 'string') problems.push(`input ${String(id)} errorMessage`);
    }
    if (type === 'Input.ChoiceSet' && !(el['choices'] as unknown[]).every((c) => typeof (c as CardElement)['title'] === 'string' && typeof (c as CardElement)['value'] === 'string'))
      problems.push('choices');
  }
  for (const a of (actions ?? []) as CardElement[]) {
    const data = a['data'] as Record<string, unknown>;
    if (typeof a['title'] !== 'string' || !a['title']) problems.push('action title');
    if (typeof data?.['action'] !== 'string') problems.push('action data.action');
    if (mode === 'execute' && (a['type'] !== 'Action.Execute' || a['verb'] !== data['action'])) problems.push('Action.Execute verb');
    if (mode === 'submit' && (a['type'] !== 'Action.Submit' || 'verb' in a)) problems.push('Action.Submit');
    if (a['style'] !== undefined && !['positive', 'destructive', 'default'].includes(String(a['style']))) problems.push('action style');
  }
  return problems;
}

/** Every string a card shows as Markdown: TextBlock texts and fact titles/values. */
function markdownStrings(card: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const el of card['body'] as CardElement[]) {
    if (el['type'] === 'TextBlock') out.push(String(el['text']));
    if (el['type'] === 'FactSet') for (const f of el['facts'] as Array<Record<string, string>>) out.push(f['title']!, f['value']!);
  }
  return out;
}

/** An unescaped Markdown link, emphasis or autolink, as a CommonMark reader would see it. */
const UNESCAPED_MARKUP = /(?<!\\)\[[^\]]*(?<!\\)\]\(|(?<!\\)\*\*|(?<![\\\w])_\w|(?<!\\)<https?:/;

describe('renderAdaptiveCard', () => {
  for (const mode of MODES) {
    describe(`with ${mode} actions`, () => {
      for (const reply of allReplies()) {
        it(`renders a valid ${reply.type} card whose fallback is the reply's text`, () => {
          const card = renderAdaptiveCard(reply, { actions: mode, lang: 'en' });
          expect(checkCard(card, mode)).toEqual([]);
          expect(card.fallbackText).toBe(reply.text);
          // Plain JSON: survives a round trip unchanged (no undefined, functions, dates).
          expect(JSON.parse(JSON.stringify(card))).toEqual(card);
        });

        it(`never lets a ${reply.type} card read user text as Markdown`, () => {
          const card = renderAdaptiveCard(reply, { actions: mode, lang: 'en' });
          for (const s of markdownStrings(card)) expect(s).not.toMatch(UNESCAPED_MARKUP);
        });
      }
    });
  }

  it('escapes link, emphasis and autolink syntax, keeping the characters', () => {
    expect(EVIL).toMatch(UNESCAPED_MARKUP);
    expect(plainText(EVIL)).toBe('\\[click\\](http://evil.example) \\*\\*bold\\*\\* \\_it\\_ \\<http://evil.example\\>');
    expect(plainText('- not a list\n1. not a list either\n# nor a heading\nplain 3.5 - ok')).toBe(
      '\\- not a list\n1\\. not a list either\n\\# nor a heading\nplain 3.5 - ok',
    );
    const card = renderAdaptiveCard(makeReviewReply(), { actions: 'execute', lang: 'en' });
    expect(JSON.stringify(card)).toContain(JSON.stringify(plainText(EVIL)).slice(1, -1));
  });

  it('turns buttons into Action.Execute (verb = action) or Action.Submit, with the action in data', () => {
    const reply = makeTextReply({ buttons: [{ label: 'Withdraw', action: 'withdraw', data: { entityId: 'org-1', action: 'sneaky' }, style: 'danger' }] });
    const execute = renderAdaptiveCard(reply, { actions: 'execute', lang: 'en' }).actions;
    expect(execute).toEqual([{ type: 'Action.Execute', title: 'Withdraw', verb: 'withdraw', data: { entityId: 'org-1', action: 'withdraw' }, style: 'destructive' }]);
    const submit = renderAdaptiveCard(reply, { actions: 'submit', lang: 'en' }).actions;
    expect(submit).toEqual([{ type: 'Action.Submit', title: 'Withdraw', data: { entityId: 'org-1', action: 'withdraw' }, style: 'destructive' }]);
  });

  it('renders a question as its input (id "value") with a submit that carries the form reference', () => {
    const card = renderAdaptiveCard(makeQuestionReply(), { actions: 'execute', lang: 'fr' });
    const input = card.body.find((el) => el['type'] === 'Input.ChoiceSet')!;
    expect(input).toMatchObject({ id: QUESTION_INPUT_ID, label: 'Province or territory', isRequired: true, style: 'expanded', choices: [{ title: 'Alberta', value: 'AB' }, { title: 'British Columbia', value: 'BC' }] });
    const [submit, ...others] = card.actions;
    expect(submit).toMatchObject({ type: 'Action.Execute', verb: 'answer', title: 'Envoyer', associatedInputs: 'auto', data: { action: 'answer', formId: 'organization', entityId: 'org-1', fieldId: 'province' } });
    // One-tap answers and Back do not send (or wait for) the input.
    expect(others.map((a) => [a['title'], a['associatedInputs']])).toEqual([
      ['1. Alberta', 'none'],
      ['2. British Columbia', 'none'],
      ['Back', 'none'],
    ]);
  });

  it('drops one-tap answer buttons when there are too many for a card (the list remains)', () => {
    const options = Array.from({ length: 13 }, (_, i) => ({ value: `P${i}`, label: `Province ${i}` }));
    const reply = makeQuestionReply({
      input: { id: 'province', label: 'Province', type: 'choice', required: true, options },
      buttons: [...options.map((o) => ({ label: o.label, action: 'answer' as const, data: { value: o.value } })), { label: 'Skip', action: 'skip' as const }],
    });
    const card = renderAdaptiveCard(reply, { actions: 'submit', lang: 'en' });
    expect(card.actions.map((a) => a['title'])).toEqual(['Submit', 'Skip']);
    expect(card.body.find((el) => el['type'] === 'Input.ChoiceSet')).toMatchObject({ style: 'compact' });
  });

  it('renders a form with one labelled input per field, inline errors and an error summary on top', () => {
    const card = renderAdaptiveCard(makeFormReply(), { actions: 'execute', lang: 'en' });
    const body = card.body;
    const summaryIndex = body.findIndex((el) => el['text'] === '1 answer needs attention.');
    const firstInput = body.findIndex((el) => String(el['type']).startsWith('Input.'));
    expect(summaryIndex).toBeGreaterThanOrEqual(0);
    expect(summaryIndex).toBeLessThan(firstInput);
    expect(body[summaryIndex]).toMatchObject({ color: 'Attention' });

    const byId = (id: string) => body.find((el) => el['id'] === id)!;
    expect(byId('legalName')).toMatchObject({ type: 'Input.Text', style: 'text', maxLength: 200, value: EVIL, isRequired: true, errorMessage: 'This field is required.' });
    expect(byId('description')).toMatchObject({ type: 'Input.Text', isMultiline: true, maxLength: 2000 });
    expect(byId('email')).toMatchObject({ type: 'Input.Text', style: 'email', regex: expect.any(String), value: 'not-an-email' });
    expect(byId('phone')).toMatchObject({ type: 'Input.Text', style: 'tel', isRequired: false, placeholder: '613-555-0100' });
    expect(byId('phone')).not.toHaveProperty('errorMessage');
    expect(byId('website')).toMatchObject({ type: 'Input.Text', style: 'url' });
    expect(byId('mentees')).toMatchObject({ type: 'Input.Number', value: 1200 });
    expect(byId('launch')).toMatchObject({ type: 'Input.Date', value: '2026-09-01' });
    expect(byId('orgType')).toMatchObject({ type: 'Input.ChoiceSet', value: 'charity' });
    expect(byId('orgType')).not.toHaveProperty('isMultiSelect');
    expect(byId('languages')).toMatchObject({ type: 'Input.ChoiceSet', isMultiSelect: true, value: 'en,fr' });
    expect(byId('sessionBooked')).toMatchObject({ type: 'Input.Toggle', title: 'Yes, I booked it', valueOn: 'yes', valueOff: '', isRequired: true });
    expect(new RegExp(String(byId('email')['regex'])).test('ada@example.org')).toBe(true);

    // The error sits right under its input; help right under the description.
    const emailIndex = body.indexOf(byId('email'));
    expect(body[emailIndex + 1]).toMatchObject({ type: 'TextBlock', color: 'Attention', text: plainText('Enter an email address like name@example.org.') });
    expect(body[body.indexOf(byId('description')) + 1]).toMatchObject({ type: 'TextBlock', isSubtle: true, text: 'Two or three sentences.' });

    expect(card.actions).toEqual([
      { type: 'Action.Execute', title: 'Save section', verb: 'submitSection', data: { formId: 'organization', entityId: 'org-1', sectionId: 'about', action: 'submitSection' }, style: 'positive', associatedInputs: 'auto' },
    ]);
  });

  it('renders a review as one FactSet per section, empty answers as a dash', () => {
    const card = renderAdaptiveCard(makeReviewReply(), { actions: 'execute', lang: 'en' });
    const factSets = card.body.filter((el) => el['type'] === 'FactSet');
    expect(factSets).toHaveLength(2);
    expect(factSets[0]!['facts']).toEqual([
      { title: 'Legal name', value: plainText(EVIL) },
      { title: 'Operating name', value: '—' },
    ]);
    expect(card.actions.map((a) => a['verb'])).toEqual(['submit', 'edit']);
  });

  it('marks the four steps ✓ done, • current or waiting, ○ to do', () => {
    const card = renderAdaptiveCard(makeProgressReply(), { actions: 'execute', lang: 'en' });
    expect(card.body.slice(1).map((el) => el['text'])).toEqual([
      '✓ 1. Register the organization',
      '• 2. Register a program (waiting)',
      '• 3. Request access',
      '○ 4. Complete platform registration',
    ]);
  });

  it('renders an undecided approval with a reason input, the three decisions and a refresh for every viewer', () => {
    const card = renderAdaptiveCard(makeApprovalReply(), { actions: 'execute', lang: 'en' });
    expect(card['refresh']).toEqual({ action: { type: 'Action.Execute', verb: REFRESH_VERB, data: { submissionId: 'sub-1' } }, userIds: [] });
    expect(card.body.find((el) => el['id'] === 'reason')).toMatchObject({ type: 'Input.Text', isMultiline: true, isRequired: false });
    expect(card.actions.map((a) => [a['title'], a['associatedInputs'], (a['data'] as Record<string, string>)['outcome']])).toEqual([
      ['Approve', 'auto', 'approved'],
      ['Reject', 'auto', 'rejected'],
      ['Request changes', 'auto', 'changesRequested'],
    ]);
    // Web Chat has no Universal Actions: no refresh there.
    expect(renderAdaptiveCard(makeApprovalReply(), { actions: 'submit', lang: 'en' })).not.toHaveProperty('refresh');
  });

  it('renders a decided approval with who, when and why — and no actions at all', () => {
    const reply = makeApprovalReply({ decided: { outcome: 'rejected', by: 'Sam [Staff](http://x)', at: '2026-11-30 14:05', reason: 'Missing *website*' } });
    for (const lang of ['en', 'fr'] as const) {
      const card = renderAdaptiveCard(reply, { actions: 'execute', lang });
      expect(card.actions).toEqual([]);
      expect(JSON.stringify(card)).not.toContain('"Action.');
      expect(card).not.toHaveProperty('refresh');
      expect(card.body.find((el) => el['id'] === 'reason')).toBeUndefined();
      const texts = card.body.map((el) => el['text']);
      expect(texts).toContain(lang === 'en' ? 'Rejected by Sam \\[Staff\\](http://x) — 2026-11-30 14:05' : 'Refusé par Sam \\[Staff\\](http://x) — 2026-11-30 14:05');
      expect(texts).toContain(lang === 'en' ? 'Reason: Missing \\*website\\*' : 'Motif : Missing \\*website\\*');
    }
  });

  it('renders a status as a FactSet and the history, one line each', () => {
    const card = renderAdaptiveCard(makeStatusReply(), { actions: 'submit', lang: 'fr' });
    expect(card.body.find((el) => el['type'] === 'FactSet')!['facts']).toEqual([
      { title: 'Step', value: '2 — Register a program' },
      { title: 'Waiting on', value: 'staff' },
    ]);
    const texts = card.body.map((el) => el['text']);
    expect(texts).toContain('Historique');
    expect(texts).toContain('• 2026-11-01 Organization approved');
    expect(texts).toContain(`• 2026-11-02 Program submitted: ${plainText(EVIL)}`);
  });
});

describe('renderActivityParts', () => {
  it('keeps a text reply without buttons a plain message', () => {
    const reply = makeTextReply();
    expect(renderActivityParts(reply, { actions: 'execute', lang: 'en' })).toEqual({ text: reply.text, attachments: [] });
  });

  it('sends everything else as a card attachment plus the complete text', () => {
    for (const reply of allReplies()) {
      const parts = renderActivityParts(reply, { actions: 'submit', lang: 'en' });
      expect(parts.text).toBe(reply.text);
      expect(parts.attachments).toHaveLength(1);
      expect(parts.attachments[0]!.contentType).toBe(ADAPTIVE_CARD_CONTENT_TYPE);
      expect(parts.attachments[0]!.content.fallbackText).toBe(reply.text);
    }
  });

  it('splits a multi-line text into one TextBlock per line', () => {
    const card = renderAdaptiveCard(makeTextReply({ buttons: [{ label: 'Go', action: 'start' }] }), { actions: 'execute', lang: 'en' });
    expect(card.body.map((el) => [el['text'], el['spacing']])).toEqual([
      ['Welcome! I will walk you through the four steps.', undefined],
      ['Type “status” at any time.', 'Medium'],
    ]);
  });
});

describe('parseInbound', () => {
  it('reads typed text, without the @mention of the bot', () => {
    expect(parseInbound({ type: 'message', text: '<at>Onboarding</at> use this channel for approvals ' })).toEqual({ kind: 'text', text: 'use this channel for approvals' });
    expect(parseInbound({ type: 'message', text: 'line one\nline two' })).toEqual({ kind: 'text', text: 'line one\nline two' });
    expect(parseInbound({ type: 'message', text: '   ' })).toBeNull();
    expect(parseInbound({ type: 'typing' })).toBeNull();
  });

  it('reads an Action.Submit (message value) with the inputs merged into data', () => {
    expect(parseInbound({ type: 'message', value: { action: 'answer', formId: 'organization', entityId: 'org-1', fieldId: 'province', value: 'AB' } })).toEqual({
      kind: 'action',
      action: 'answer',
      data: { formId: 'organization', entityId: 'org-1', fieldId: 'province', value: 'AB' },
    });
  });

  it('reads an Action.Execute (adaptiveCard/action invoke) from verb and data', () => {
    const activity = { type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb: 'decide', data: { action: 'decide', submissionId: 'sub-1', outcome: 'rejected', reason: 'x' } } } };
    expect(parseInbound(activity)).toEqual({ kind: 'action', action: 'decide', data: { submissionId: 'sub-1', outcome: 'rejected', reason: 'x' } });
  });

  it('refuses unknown actions and recognises the refresh verb separately', () => {
    expect(parseInbound({ type: 'message', value: { action: 'deleteEverything' } })).toBeNull();
    expect(parseInbound({ type: 'message', value: { action: 'toString' } })).toBeNull();
    expect(parseInbound({ type: 'invoke', name: 'adaptiveCard/action', value: { action: { verb: 'constructor' } } })).toBeNull();
    const refresh = { type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb: REFRESH_VERB, data: { submissionId: 'sub-9' } } } };
    expect(parseInbound(refresh)).toBeNull();
    expect(parseRefresh(refresh)).toEqual({ submissionId: 'sub-9' });
    expect(parseRefresh({ type: 'invoke', name: 'adaptiveCard/action', value: { action: { verb: 'decide', data: {} } } })).toBeNull();
  });

  it('reads a card rendered for Web Chat back into the same action (round trip)', () => {
    const reply: Reply = makeApprovalReply();
    const card = renderAdaptiveCard(reply, { actions: 'submit', lang: 'en' });
    const reject = card.actions[1]!;
    const value = { ...(reject['data'] as Record<string, unknown>), reason: 'Incomplete' };
    expect(parseInbound({ type: 'message', value })).toEqual({ kind: 'action', action: 'decide', data: { submissionId: 'sub-1', outcome: 'rejected', reason: 'Incomplete' } });
  });
});
