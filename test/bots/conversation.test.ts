import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conversation, Inbound, Reply, Speaker, Turn } from '../../src/bots/core/types.ts';
import type { ChannelDelivery } from '../../src/bots/core/delivery.ts';
import { makeOrganizationAnswers } from '../forms/fixtures.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

/**
 * The conversation core over the real service and database: what a person types or
 * clicks, and what the assistant answers, in English and French.
 */
describe('conversation core', () => {
  let t: TestApp;
  const staffPosts: Array<{ replies: Reply[]; cardFor?: string | undefined }> = [];
  const personPosts: Array<{ address: Record<string, unknown>; replies: Reply[] }> = [];

  beforeAll(async () => {
    t = await startTestApp();
    // A recording channel stands in for Teams/Slack/playground delivery.
    const recorder: ChannelDelivery = {
      channel: 'test',
      async sendToPerson(address, replies) {
        personPosts.push({ address, replies });
      },
      async postToStaff(replies, cardFor) {
        staffPosts.push({ replies, cardFor });
      },
    };
    t.app.dispatcher.register(recorder);
  });
  afterAll(async () => t?.close());

  const admin: Speaker = { channel: 'test', externalId: 'admin-a', displayName: 'Amélie', locale: 'en-CA' };
  const adminChat: Conversation = { channel: 'test', id: 'dm-a', personal: true, address: { dm: 'a' } };
  const staff: Speaker = { channel: 'test', externalId: 'staff-1', displayName: 'Sam Staff' };
  const staffRoom: Conversation = { channel: 'test', id: 'staff-room', personal: false };
  const say = (speaker: Speaker, conv: Conversation, text: string) => t.app.core.handle(speaker, conv, { kind: 'text', text });
  const click = (speaker: Speaker, conv: Conversation, action: Inbound & { kind: 'action' }) => t.app.core.handle(speaker, conv, action);
  const texts = (turn: Turn) => turn.replies.map((r) => r.text).join('\n---\n');
  const last = (turn: Turn) => turn.replies.at(-1)!;

  it('greets a new administrator with the four steps and a way to start', async () => {
    const turn = await say(admin, adminChat, 'hi');
    expect(texts(turn)).toMatch(/four steps/);
    const progress = turn.replies.find((r) => r.type === 'progress');
    expect(progress?.type === 'progress' && progress.steps.map((s) => s.state)).toEqual(['current', 'todo', 'todo', 'todo']);
    expect(progress?.type === 'progress' && progress.buttons[0]?.action).toBe('newOrganization');
  });

  it('asks one question at a time, with progress, re-asking on a bad answer', async () => {
    const first = await click(admin, adminChat, { kind: 'action', action: 'newOrganization', data: {} });
    const q = last(first);
    expect(q.type).toBe('question');
    expect(q.type === 'question' && q.progress).toBe('Step 1 of 4 · Organization · question 1 of 14');
    await say(admin, adminChat, 'Mentorat Atlantique');
    await say(admin, adminChat, 'skip'); // operating name is optional
    const website = await say(admin, adminChat, 'not a website');
    expect(last(website).type === 'question' && (last(website) as Reply & { type: 'question' }).error).toBeTruthy();
    expect(last(website).text).toMatch(/try again/);
    const next = await say(admin, adminChat, 'mentorat.example.org');
    expect(last(next).type === 'question' && (last(next) as Reply & { type: 'question' }).formRef.fieldId).toBe('streetAddress');
  });

  it('resumes exactly where the person left off, in French after a language switch', async () => {
    const switched = await say(admin, adminChat, 'français');
    expect(switched.replies[0]?.text).toMatch(/français/);
    expect(last(switched).type === 'question' && (last(switched) as Reply & { type: 'question' }).formRef.fieldId).toBe('streetAddress');
    expect(last(switched).text).toMatch(/Étape 1 sur 4/);
    const again = await say(admin, adminChat, 'bonjour');
    expect(last(again).type === 'question' && (last(again) as Reply & { type: 'question' }).formRef.fieldId).toBe('streetAddress');
  });

  it('understands a choice typed as its number or its label', async () => {
    const a = makeOrganizationAnswers();
    await say(admin, adminChat, String(a.streetAddress));
    await say(admin, adminChat, 'Halifax');
    const province = await say(admin, adminChat, 'Nouvelle-Écosse');
    expect(last(province).type === 'question' && (last(province) as Reply & { type: 'question' }).formRef.fieldId).toBe('postalCode');
    await say(admin, adminChat, 'b3h 4r2');
    await say(admin, adminChat, '902 555 0134');
    const type = await say(admin, adminChat, '2');
    expect(last(type).type === 'question' && (last(type) as Reply & { type: 'question' }).formRef.fieldId).toBe('languagesServed');
    await say(admin, adminChat, '1, 2');
    await say(admin, adminChat, String(a.description));
    await say(admin, adminChat, 'Amélie Cormier');
    await say(admin, adminChat, 'amelie@mentorat.example.org');
    const review = await say(admin, adminChat, '902-555-0177');
    expect(last(review).type).toBe('review');
    expect(last(review).text).toMatch(/Nouvelle-Écosse/);
  });

  it('submits, notifies staff with a card, and records one decision', async () => {
    const submitted = await say(admin, adminChat, 'soumettre');
    expect(texts(submitted)).toMatch(/envoyé au personnel/);
    await expect.poll(() => staffPosts.length, { timeout: 5000 }).toBeGreaterThan(0);
    const card = staffPosts[0]!.replies[0]!;
    expect(card.type).toBe('approval');
    if (card.type !== 'approval') return;
    expect(card.buttons.map((b) => b.data?.outcome)).toEqual(['approved', 'rejected', 'changesRequested']);

    // The administrator cannot decide; a reason is required to request changes.
    const refused = await click(admin, adminChat, { kind: 'action', action: 'decide', data: { submissionId: card.submissionId, outcome: 'approved' } });
    expect(texts(refused)).toMatch(/personnel/);
    const noReason = await click(staff, staffRoom, { kind: 'action', action: 'decide', data: { submissionId: card.submissionId, outcome: 'changesRequested', reason: '' } });
    expect(texts(noReason)).toMatch(/reason/);

    const decided = await click(staff, staffRoom, { kind: 'action', action: 'decide', data: { submissionId: card.submissionId, outcome: 'changesRequested', reason: 'Add the operating name' } });
    expect(texts(decided)).toMatch(/changes requested/);
    const update = decided.outgoing[0];
    expect(update?.to === 'staff' && update.cardFor).toBe(card.submissionId);
    const updatedCard = update?.to === 'staff' ? update.replies[0] : undefined;
    expect(updatedCard?.type === 'approval' && updatedCard.buttons).toEqual([]);
    expect(updatedCard?.text).toMatch(/Changes requested by Sam Staff/);

    // The administrator hears the news in their own chat, in French.
    await expect.poll(() => personPosts.length, { timeout: 5000 }).toBeGreaterThan(0);
    expect(personPosts[0]!.address).toEqual({ dm: 'a' });
    expect(personPosts[0]!.replies[0]!.text).toMatch(/Add the operating name/);
    expect(personPosts[0]!.replies[0]!.text).toMatch(/modifications/);

    const again = await click(staff, staffRoom, { kind: 'action', action: 'decide', data: { submissionId: card.submissionId, outcome: 'approved' } });
    expect(texts(again)).toMatch(/Already changes requested by Sam Staff/);
  });

  it('says precisely what is missing when access cannot be requested', async () => {
    const turn = await say(admin, adminChat, 'demander l’accès');
    expect(texts(turn)).not.toMatch(/undefined/);
    expect(turn.replies.length).toBeGreaterThan(0);
  });

  it('lets support look organizations up and refuses others', async () => {
    const support: Speaker = { channel: 'test', externalId: 'support-1', displayName: 'Sue' };
    const found = await say(support, staffRoom, 'status mentorat atlantique');
    expect(found.replies[0]?.type).toBe('status');
    expect(texts(found)).toMatch(/Mentorat Atlantique/);
    const stranger: Speaker = { channel: 'test', externalId: 'someone', displayName: 'X' };
    const refused = await say(stranger, { channel: 'test', id: 'dm-x', personal: true }, 'status mentorat');
    expect(texts(refused)).toMatch(/Only support agents and staff/);
  });
});

describe('conversation core: commands versus answers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.close());

  it('takes an answer that starts like a command as the answer, and gives support history and resend', async () => {
    const admin: Speaker = { channel: 'test', externalId: 'admin-z', displayName: 'Zoé', locale: 'fr-CA' };
    const dm: Conversation = { channel: 'test', id: 'dm-z', personal: true };
    await t.app.core.handle(admin, dm, { kind: 'action', action: 'newOrganization', data: {} });
    const turn = await t.app.core.handle(admin, dm, { kind: 'text', text: 'Start Up Mentors' });
    const q = turn.replies.at(-1);
    // The legal name was stored and the next question (operating name) is asked.
    expect(q?.type === 'question' && q.formRef.fieldId).toBe('operatingName');
    const bare = await t.app.core.handle(admin, dm, { kind: 'text', text: 'aide' });
    expect(bare.replies[0]?.text).toMatch(/Vous pouvez taper/);

    const support: Speaker = { channel: 'test', externalId: 'support-1', displayName: 'Sue' };
    const room: Conversation = { channel: 'test', id: 'room', personal: false };
    const history = await t.app.core.handle(support, room, { kind: 'text', text: 'history start up' });
    expect(history.replies[0]?.text).toMatch(/History of “Start Up Mentors”/);
    expect(history.replies[0]?.text).toMatch(/created/);
    const resend = await t.app.core.handle(support, room, { kind: 'text', text: 'resend activation start up' });
    expect(resend.replies[0]?.text).toMatch(/no pending link/);
    const stranger = await t.app.core.handle(admin, dm, { kind: 'text', text: 'history start up' });
    expect(stranger.replies.at(-1)?.type).toBe('question');
  });
});

describe('conversation core: staff manage sessions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.close());

  it('publishes, edits and cancels a session from chat, staff only', async () => {
    const staff: Speaker = { channel: 'test', externalId: 'staff-1', displayName: 'Sam' };
    const room: Conversation = { channel: 'test', id: 'room', personal: false };
    const when = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);
    const published = await t.app.core.handle(staff, room, {
      kind: 'action',
      action: 'publishSlot',
      data: { startsAt: `${when} 14:00`, timeZone: 'America/Halifax', durationMinutes: '60', language: 'en', capacity: '10', videoUrl: 'https://meet.example.org/x' },
    });
    expect(published.replies[0]?.text).toMatch(/Session published/);
    const list = await t.app.core.handle(staff, room, { kind: 'text', text: 'sessions' });
    const buttons = list.replies[0]?.type === 'text' ? (list.replies[0].buttons ?? []) : [];
    const edit = buttons.find((b) => b.action === 'editSlot');
    const cancel = buttons.find((b) => b.action === 'cancelSlot');
    expect(edit && cancel).toBeTruthy();
    const form = await t.app.core.handle(staff, room, { kind: 'action', action: 'editSlot', data: { ...edit!.data } });
    expect(form.replies[0]?.type).toBe('form');
    expect(form.replies[0]?.text).toMatch(new RegExp(`${when} 14:00`));
    const edited = await t.app.core.handle(staff, room, {
      kind: 'action',
      action: 'editSlot',
      data: { ...edit!.data, startsAt: `${when} 15:30`, durationMinutes: '90', capacity: '12', videoUrl: 'https://meet.example.org/y' },
    });
    expect(edited.replies[0]?.text).toMatch(/Session changed/);
    const [slot] = await t.app.service.listSlots({ includeFull: true });
    expect(slot?.capacity).toBe(12);
    expect(slot?.durationMinutes).toBe(90);

    const admin: Speaker = { channel: 'test', externalId: 'nobody', displayName: 'N' };
    const refused = await t.app.core.handle(admin, room, { kind: 'action', action: 'cancelSlot', data: { ...cancel!.data } });
    expect(refused.replies[0]?.text).toMatch(/staff/i);
    const cancelled = await t.app.core.handle(staff, room, { kind: 'action', action: 'cancelSlot', data: { ...cancel!.data, reason: 'Presenter ill' } });
    expect(cancelled.replies[0]?.text).toMatch(/cancelled/);
    expect(await t.app.service.listSlots({ includeFull: true })).toHaveLength(0);
  });
});
