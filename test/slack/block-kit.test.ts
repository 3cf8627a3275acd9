import type { types } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { LIMITS, errorsFromReply, homeView, reasonModal, renderBlocks, sectionModal, type Block } from '../../src/bots/slack/block-kit.ts';
import { parseAction, stateValues } from '../../src/bots/slack/inbound.ts';
import type { Button, Reply } from '../../src/bots/core/types.ts';
import {
  allReplies,
  makeApprovalReply,
  makeFormReply,
  makeProgressReply,
  makeQuestionReply,
  makeReviewReply,
  makeStatusReply,
  makeTextReply,
} from '../cards/fixtures.ts';
import { elementsIn, stateFor } from './helpers.ts';

/** The pure Block Kit renderer: shapes, Slack's limits, and escaping of everything people typed. */

const PING = '<!channel> & <@U123> <https://evil.example|click>';
const json = (value: unknown) => JSON.stringify(value);
const ofType = (blocks: Block[], type: string) => blocks.filter((b) => b.type === type);

function choices(n: number): Button[] {
  return Array.from({ length: n }, (_, i) => ({ label: `${i + 1}. Choice ${PING}`, action: 'answer' as const, data: { formId: 'organization', entityId: 'org-1', fieldId: 'f', value: `v${i}` } }));
}

describe('renderBlocks', () => {
  it('escapes every string a person could have typed, everywhere, keeping the full text as fallback', () => {
    const replies: Reply[] = [
      makeTextReply({ text: `Hello ${PING}`, buttons: [{ label: PING, action: 'start' }] }),
      makeQuestionReply({ text: `Q\n${PING}`, label: PING }),
      makeFormReply({ title: PING, inputs: makeFormReply().inputs.map((i) => ({ ...i, label: PING, value: i.type === 'text' ? PING : i.value })) }),
      makeReviewReply({ sections: [{ title: PING, items: [{ fieldId: 'a', label: PING, value: PING }] }] }),
      makeProgressReply({ title: PING, text: PING }),
      makeApprovalReply({ title: PING, subtitle: PING }),
      makeApprovalReply({ decided: { outcome: 'approved', by: PING, at: 'today', reason: PING }, buttons: [] }),
      makeStatusReply({ title: PING, facts: [{ label: PING, value: PING }], history: [PING] }),
    ];
    for (const reply of replies) {
      const { text, blocks } = renderBlocks(reply, 'en');
      const all = json({ text, blocks });
      expect(all, reply.type).not.toMatch(/<[!@#h]/);
      expect(text).toBe(reply.text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    }
  });

  it('puts choices five to a row with unique action ids and JSON values, controls on their own row', () => {
    const reply = makeQuestionReply({ buttons: [...choices(13), { label: 'Skip', action: 'skip', data: { formId: 'organization', entityId: 'org-1', fieldId: 'f' } }] });
    const actions = ofType(renderBlocks(reply, 'en').blocks, 'actions');
    expect(actions.map((a) => (a.type === 'actions' ? a.elements.length : 0))).toEqual([5, 5, 3, 1]);
    const found = elementsIn(actions);
    expect(new Set(found.map((f) => f.element.action_id)).size).toBe(14);
    expect(found[0]!.element.action_id).toBe('answer:0');
    expect(found[0]!.value).toEqual({ action: 'answer', formId: 'organization', entityId: 'org-1', fieldId: 'f', value: 'v0' });
    expect(parseAction(found[2]!.element)).toEqual({ action: 'answer', data: { formId: 'organization', entityId: 'org-1', fieldId: 'f', value: 'v2' } });
    expect(found.at(-1)!.value['action']).toBe('skip');
  });

  it('turns more than 25 choices into one static select that reads back as the chosen answer', () => {
    const reply = makeQuestionReply({ buttons: [...choices(30), { label: 'Back', action: 'back', data: { formId: 'organization', entityId: 'org-1' } }] });
    const actions = ofType(renderBlocks(reply, 'en').blocks, 'actions');
    const select = actions[0]!;
    expect(select.type === 'actions' && select.elements[0]!.type).toBe('static_select');
    const element = select.type === 'actions' ? (select.elements[0] as unknown as Record<string, unknown>) : {};
    const options = element['options'] as Array<{ value: string; text: { text: string } }>;
    expect(options).toHaveLength(30);
    expect(options.every((o) => o.value.length <= LIMITS.optionValue && o.text.text.length <= LIMITS.optionText)).toBe(true);
    const picked = parseAction({ ...element, selected_option: options[17] }, select.block_id);
    expect(picked).toEqual({ action: 'answer', data: { formId: 'organization', entityId: 'org-1', fieldId: 'f', value: 'v17' } });
    expect(actions).toHaveLength(2);
  });

  it('leaves out a button whose value would exceed 2000 characters', () => {
    const { blocks } = renderBlocks(makeTextReply({ buttons: [{ label: 'Huge', action: 'start', data: { x: 'y'.repeat(2100) } }, { label: 'Ok', action: 'help' }] }), 'en');
    expect(elementsIn(blocks).map((f) => f.value['action'])).toEqual(['help']);
  });

  it('shows the four steps as ✓ • ○', () => {
    const { blocks } = renderBlocks(makeProgressReply(), 'en');
    const context = json(ofType(blocks, 'context'));
    expect(context).toContain('✓ 1. Register the organization');
    expect(context).toContain('• 2. Register a program');
    expect(context).toContain('• 3. Request access');
    expect(context).toContain('○ 4. Complete platform registration');
  });

  it('shows a review as fields with an Edit button per section', () => {
    const sections = makeReviewReply().sections;
    const buttons: Button[] = [
      { label: 'Submit', action: 'submit', style: 'primary' },
      ...sections.map((s, i) => ({ label: `Edit ${s.title}`, action: 'openSection' as const, data: { formId: 'organization', entityId: 'org-1', sectionId: `s${i}` } })),
    ];
    const { blocks } = renderBlocks(makeReviewReply({ buttons }), 'en');
    const withFields = blocks.filter((b) => b.type === 'section' && b.fields);
    expect(withFields).toHaveLength(2);
    expect(withFields.map((b) => (b.type === 'section' && b.accessory?.type === 'button' ? JSON.parse(b.accessory.value ?? '{}').sectionId : null))).toEqual(['s0', 's1']);
    expect(elementsIn(ofType(blocks, 'actions')).map((f) => f.value['action'])).toEqual(['submit']);
    expect(json(withFields)).toContain('—'); // an empty answer still shows
  });

  it('gives staff three buttons, then only “Approved by X at T” once decided', () => {
    const open = renderBlocks(makeApprovalReply(), 'en').blocks;
    const buttons = elementsIn(ofType(open, 'actions'));
    expect(buttons.map((b) => [b.value['outcome'], b.element['style']])).toEqual([['approved', 'primary'], ['rejected', 'danger'], ['changesRequested', undefined]]);
    const decided = renderBlocks(makeApprovalReply({ decided: { outcome: 'approved', by: 'Sam Staff', at: 'March 3, 2026 at 2:00 p.m.' }, buttons: [] }), 'en').blocks;
    expect(ofType(decided, 'actions')).toHaveLength(0);
    expect(json(ofType(decided, 'context'))).toContain('Approved by Sam Staff at March 3, 2026 at 2:00 p.m.');
    const fr = renderBlocks(makeApprovalReply({ decided: { outcome: 'refusé', by: 'Sam', at: '3 mars', reason: 'Incomplet' }, buttons: [] }), 'fr').blocks;
    expect(json(fr)).toContain('Refusé par Sam le 3 mars');
    expect(json(fr)).toContain('Raison: Incomplet');
  });

  it('shows a status as fields and its history as context', () => {
    const { blocks } = renderBlocks(makeStatusReply(), 'en');
    expect(json(blocks.filter((b) => b.type === 'section' && b.fields))).toContain('Waiting on');
    expect(json(ofType(blocks, 'context'))).toContain('2026-11-01 Organization approved');
  });

  it('keeps within Slack’s limits: text sections, headers, buttons, 50 blocks', () => {
    const long = Array.from({ length: 400 }, (_, i) => `Line ${i} ${'x'.repeat(40)}`).join('\n');
    for (const reply of [...allReplies(), makeTextReply({ text: long, buttons: choices(60) }), makeStatusReply({ title: 'T'.repeat(400), history: Array.from({ length: 300 }, (_, i) => `event ${i} ${'y'.repeat(80)}`) })]) {
      const { blocks } = renderBlocks(reply, 'en');
      expect(blocks.length).toBeLessThanOrEqual(LIMITS.messageBlocks);
      for (const block of blocks) {
        if (block.type === 'section' && block.text) expect(block.text.text.length).toBeLessThanOrEqual(LIMITS.text);
        if (block.type === 'header') expect(block.text.text.length).toBeLessThanOrEqual(LIMITS.header);
        if (block.type === 'context') expect(block.elements.length).toBeLessThanOrEqual(LIMITS.contextElements);
        if (block.type === 'actions') expect(block.elements.length).toBeLessThanOrEqual(LIMITS.buttonsPerActions);
      }
      for (const f of elementsIn(blocks)) {
        if (f.element.type === 'button') expect(String((f.element['text'] as { text: string }).text).length).toBeLessThanOrEqual(LIMITS.buttonText);
      }
    }
  });
});

describe('sectionModal', () => {
  const form = makeFormReply();
  const view = sectionModal(form, { channelId: 'D1', lang: 'en' });

  it('opens one input per field, with the section’s ids in private_metadata', () => {
    expect(view.callback_id).toBe('section');
    expect(JSON.parse(view.private_metadata ?? '')).toEqual({ formId: 'organization', entityId: 'org-1', sectionId: 'about', channelId: 'D1' });
    const inputs = view.blocks.filter((b) => b.type === 'input');
    const elements: Record<string, Record<string, unknown>> = Object.fromEntries(
      inputs.map((b) => [(b as types.InputBlock).block_id, (b as types.InputBlock).element as unknown as Record<string, unknown>]),
    );
    expect(Object.fromEntries(Object.entries(elements).map(([id, e]) => [id, e['type']]))).toEqual({
      legalName: 'plain_text_input',
      description: 'plain_text_input',
      email: 'plain_text_input',
      phone: 'plain_text_input',
      website: 'plain_text_input',
      mentees: 'number_input',
      launch: 'datepicker',
      orgType: 'static_select',
      languages: 'multi_static_select',
      sessionBooked: 'checkboxes',
    });
    expect(elements['description']).toMatchObject({ multiline: true, max_length: 2000 });
    expect(elements['launch']).toMatchObject({ initial_date: '2026-09-01' });
    expect(elements['orgType']).toMatchObject({ initial_option: { value: 'charity' } });
    expect((elements['languages']!['initial_options'] as Array<{ value: string }>).map((o) => o.value)).toEqual(['en', 'fr']);
    expect(elements['mentees']!['initial_value']).toBeUndefined(); // "1 200" is not a number Slack accepts
    expect(view.title.text.length).toBeLessThanOrEqual(LIMITS.viewTitle);
    expect(json(view)).not.toMatch(/<http/);
  });

  it('reads submitted values back by field id, unescaping typed text', () => {
    const state = stateFor(view.blocks, { legalName: 'A &amp; B', orgType: 'nonProfit', languages: ['fr'], sessionBooked: ['yes'], launch: '2026-10-01', mentees: '40' });
    expect(stateValues({ values: state })).toMatchObject({ legalName: 'A & B', orgType: 'nonProfit', languages: ['fr'], sessionBooked: 'yes', launch: '2026-10-01', mentees: '40' });
    const unticked = stateFor(view.blocks, { sessionBooked: [] });
    expect(stateValues({ values: unticked })['sessionBooked']).toBe('');
  });

  it('turns a form’s field errors into response_action errors by block id', () => {
    expect(errorsFromReply(form)).toEqual({ email: 'Enter an email address like name@example.org.' });
    const summaryOnly = makeFormReply({ inputs: form.inputs.map((i) => ({ ...i, error: undefined })), errorSummary: 'Check <this>' });
    expect(errorsFromReply(summaryOnly)).toEqual({ legalName: 'Check &lt;this&gt;' });
    expect(errorsFromReply(makeTextReply())).toEqual({});
  });

  it('is in French for a French speaker', () => {
    expect(sectionModal(form, { channelId: 'D1', lang: 'fr' }).close?.text).toBe('Annuler');
  });
});

describe('reasonModal and homeView', () => {
  it('asks for a required reason and remembers which card to update', () => {
    const view = reasonModal({ submissionId: 'sub-1', outcome: 'changesRequested', channel: 'CSTAFF', ts: '1.2' }, 'fr');
    expect(view.callback_id).toBe('reason');
    expect(JSON.parse(view.private_metadata ?? '')).toEqual({ submissionId: 'sub-1', outcome: 'changesRequested', channel: 'CSTAFF', ts: '1.2' });
    expect(view.title.text).toBe('Demande de modifications');
    const input = view.blocks[0]!;
    expect(input.type).toBe('input');
    expect((input as types.InputBlock).optional).toBeFalsy();
  });

  it('builds the App Home from the progress replies', () => {
    const view = homeView([makeTextReply({ text: 'Hi' }), makeProgressReply()], 'en');
    expect(view.type).toBe('home');
    expect(json(view.blocks)).toContain('✓ 1.');
    expect(json(view.blocks)).not.toContain('"Hi"');
  });
});
