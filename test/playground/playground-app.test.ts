import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textFor } from '../../src/bots/core/text.ts';
import { submittedOrganization } from '../helpers/journey.ts';
import { cardButtons, openConversation, plainText } from './direct-line-client.ts';
import { startPlaygroundApp, type PlaygroundTestApp } from './playground-server.ts';

/**
 * The playground through the real assistant (real core, database, outbox and dispatcher),
 * driven over Direct Line the way the page's two Web Chat panes drive it.
 */

let t: PlaygroundTestApp;

beforeAll(async () => {
  t = await startPlaygroundApp();
});

afterAll(async () => {
  await t?.close();
});

const en = textFor('en');
const fr = textFor('fr');
const fromBot = (a: { from: { role?: string | undefined } }) => a.from.role === 'bot';
const adminId = () => `dl_admin_${randomUUID().replace(/-/g, '').slice(0, 16)}`;

describe('Web Chat playground on the real assistant', () => {
  it('greets each pane when it joins, in its language, and answers help', async () => {
    const admin = await openConversation(t.playgroundUrl, adminId());
    await admin.post({ type: 'event', name: 'webchat/join', value: { timeZone: 'America/Toronto' } });
    const greeting = await admin.waitFor(fromBot, 'the greeting');
    expect(plainText(greeting)).toBe(en.greeting('Administrator (playground)'));
    // The greeting is followed by the four steps with the way to start.
    const steps = await admin.waitFor((a) => fromBot(a) && cardButtons(a).length > 0, 'the progress card');
    expect(cardButtons(steps)).toContain(en.startOrganization);

    // A second join event (Web Chat reconnecting) does not greet again.
    await admin.post({ type: 'event', name: 'webchat/join', value: {} });
    const help = await admin.post({ type: 'message', text: 'help' });
    const reply = await admin.waitFor(fromBot, 'the help reply');
    expect(reply).toMatchObject({ text: en.help, replyToId: help });

    const staff = await openConversation(t.playgroundUrl, 'staff', 'fr-CA');
    await staff.post({ type: 'event', name: 'webchat/join', value: {} });
    const staffGreeting = await staff.waitFor(fromBot, 'the staff greeting');
    expect(plainText(staffGreeting).startsWith(fr.greetingStaff)).toBe(true);
    // A new playground has no sessions: staff are offered sample ones.
    expect(cardButtons(staffGreeting)).toContain(fr.addSamples);
    await staff.post({ type: 'message', text: 'aide' });
    expect(plainText(await staff.waitFor(fromBot, 'the staff help'))).toBe(fr.helpStaff);
  });

  it('posts the approval card in the staff pane, replaces it when staff decide, and tells the administrator', async () => {
    const staff = await openConversation(t.playgroundUrl, 'staff');
    await staff.post({ type: 'event', name: 'webchat/join', value: {} });
    await staff.waitFor(fromBot, 'the staff greeting');
    // Staff is one person across tests; make sure they read English here.
    await staff.post({ type: 'message', text: 'english' });
    await staff.waitFor((a) => fromBot(a) && plainText(a) === en.languageSet, 'the language switch');

    const id = adminId();
    const admin = await openConversation(t.playgroundUrl, id);
    await admin.post({ type: 'event', name: 'webchat/join', value: {} });
    await admin.waitFor(fromBot, 'the greeting');

    // The administrator fills and submits the organization form (the same service calls the chat makes).
    const actor = await t.app.service.identify({ channel: 'webchat', externalId: id, displayName: 'Administrator (playground)' });
    const org = await submittedOrganization(t.app.service, actor);

    const card = await staff.waitFor((a) => fromBot(a) && plainText(a).includes(org.legalName), 'the approval card');
    expect(card.attachments?.[0]?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(cardButtons(card)).toEqual(expect.arrayContaining([en.approve, en.reject]));

    // Staff press Approve: Web Chat sends the Action.Submit data as the message's value.
    await staff.post({ type: 'message', value: { action: 'decide', submissionId: org.submissionId, outcome: 'approved' } });
    await staff.waitFor((a) => fromBot(a) && plainText(a) === en.decisionRecorded(en.outcome['approved'] ?? 'approved'), 'the decision reply');
    const updated = await staff.waitFor((a) => a.id === card.id, 'the card again, updated');
    expect(updated.timestamp).toBe(card.timestamp);
    expect(cardButtons(updated)).not.toContain(en.approve);
    expect(plainText(updated)).toContain(org.legalName);

    // The administrator hears about it in their own pane (their address is this conversation).
    const news = await admin.waitFor((a) => fromBot(a) && plainText(a) === en.news.organizationApproved(org.legalName), 'the approval news');
    expect(news.conversation.id).toBe(admin.conversationId);
  });

  it('shows a staff pane that opens later the cards still waiting for a decision', async () => {
    const first = await openConversation(t.playgroundUrl, 'staff');
    await first.post({ type: 'event', name: 'webchat/join', value: {} });
    await first.waitFor(fromBot, 'the staff greeting');
    const actor = await t.app.service.identify({ channel: 'webchat', externalId: adminId(), displayName: 'Administrator (playground)' });
    const org = await submittedOrganization(t.app.service, actor);
    await first.waitFor((a) => fromBot(a) && plainText(a).includes(org.legalName), 'the approval card');

    // The staff pane is reloaded: a new conversation gets the greeting, then the pending card.
    const reloaded = await openConversation(t.playgroundUrl, 'staff');
    await reloaded.post({ type: 'event', name: 'webchat/join', value: {} });
    const card = await reloaded.waitFor((a) => fromBot(a) && plainText(a).includes(org.legalName), 'the pending card again');
    expect(cardButtons(card).length).toBeGreaterThan(0);
  });

  it('keeps the same person across reloads (a new conversation with the same id)', async () => {
    const id = adminId();
    const first = await openConversation(t.playgroundUrl, id);
    await first.post({ type: 'event', name: 'webchat/join', value: {} });
    await first.waitFor(fromBot, 'the greeting');
    await first.post({ type: 'message', value: { action: 'newOrganization' } });
    const question = await first.waitFor((a) => fromBot(a) && plainText(a).includes('question 1 of'), 'the first question');

    const again = await openConversation(t.playgroundUrl, id);
    await again.post({ type: 'event', name: 'webchat/join', value: {} });
    // The same question (same progress line and wording) is asked again.
    const firstLines = (a: Parameters<typeof plainText>[0]) => plainText(a).split('\n').slice(0, 2).join('\n');
    const resumed = await again.waitFor((a) => fromBot(a) && firstLines(a) === firstLines(question), 'the same question after a reload');
    expect(resumed.conversation.id).not.toBe(first.conversationId);
  });
});
