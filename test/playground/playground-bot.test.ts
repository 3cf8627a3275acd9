import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conversation, Inbound, Reply, Speaker, Turn } from '../../src/bots/core/types.ts';
import { createPlayground, type Playground } from '../../src/bots/playground/playground-bot.ts';
import { cardButtons, openConversation, plainText } from './direct-line-client.ts';

/**
 * The playground adapter alone, with a fake core that records what it was given: who
 * speaks, in which conversation, and what they did; and answers in a scripted way.
 */

type Call = { speaker: Speaker; conversation: Conversation; inbound: Inbound };

const calls: Call[] = [];
let server: Server;
let base: string;
let playground: Playground;

const approval = (decided: boolean): Reply => ({
  type: 'approval',
  text: `New organization: Acme${decided ? '\nApproved by Sam' : ''}`,
  submissionId: 'sub-1',
  title: 'New organization: Acme',
  subtitle: 'Submitted by Alex',
  sections: [],
  decided: decided ? { outcome: 'approved', by: 'Sam', at: 'today' } : undefined,
  buttons: decided ? [] : [{ label: 'Approve', action: 'decide', data: { submissionId: 'sub-1', outcome: 'approved' } }],
});

const fakeCore = {
  async handle(speaker: Speaker, conversation: Conversation, inbound: Inbound): Promise<Turn> {
    calls.push({ speaker, conversation, inbound });
    const turn: Turn = { replies: [], outgoing: [], lang: speaker.locale?.startsWith('fr') ? 'fr' : 'en' };
    if (inbound.kind === 'text' && inbound.text === 'crash') throw new Error('core failed');
    if (inbound.kind === 'action' && inbound.action === 'start') turn.replies.push({ type: 'text', text: `hello ${speaker.displayName}` });
    else if (inbound.kind === 'text' && inbound.text === 'submit') turn.outgoing.push({ to: 'staff', replies: [approval(false)], cardFor: 'sub-1' });
    else if (inbound.kind === 'action' && inbound.action === 'decide') {
      turn.replies.push({ type: 'text', text: 'recorded' });
      turn.outgoing.push({ to: 'staff', replies: [approval(true)], cardFor: 'sub-1' });
    } else turn.replies.push({ type: 'text', text: `you said ${JSON.stringify(inbound)}` });
    return turn;
  },
};

beforeAll(async () => {
  playground = createPlayground({ core: fakeCore, onError: () => {} });
  const app = express();
  app.use(playground.router);
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const fromBot = (a: { from: { role?: string | undefined } }) => a.from.role === 'bot';

describe('the playground adapter', () => {
  it('only accepts the staff and administrator user ids', async () => {
    for (const id of ['dl_admin_short', 'someone', 'dl_admin_../../etc', 'Staff']) {
      const res = await fetch(`${base}/v3/directline/tokens/generate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: { id } }) });
      expect(res.status, id).toBe(400);
    }
  });

  it('greets once per conversation and tells the core who speaks and where', async () => {
    const admin = await openConversation(base, 'dl_admin_0123456789abcdef', 'fr-CA');
    await admin.post({ type: 'event', name: 'webchat/join', value: { timeZone: 'America/Halifax' } });
    expect(plainText(await admin.waitFor(fromBot))).toBe('hello Administrator (playground)');
    await admin.post({ type: 'event', name: 'webchat/join', value: {} });
    await admin.post({ type: 'event', name: 'something/else', value: {} });
    await admin.post({ type: 'message', text: 'bonjour' });
    await admin.waitFor(fromBot);

    const mine = calls.filter((c) => c.conversation.id === admin.conversationId);
    expect(mine.map((c) => c.inbound)).toEqual([
      { kind: 'action', action: 'start', data: {} },
      { kind: 'text', text: 'bonjour' },
    ]);
    expect(mine[0]).toEqual({
      speaker: { channel: 'webchat', externalId: 'dl_admin_0123456789abcdef', displayName: 'Administrator (playground)', locale: 'fr-CA', timeZone: 'America/Halifax' },
      conversation: { channel: 'webchat', id: admin.conversationId, personal: true, address: { conversationId: admin.conversationId } },
      inbound: { kind: 'action', action: 'start', data: {} },
    });

    const staff = await openConversation(base, 'staff');
    await staff.post({ type: 'message', text: 'hi' });
    await staff.waitFor(fromBot);
    const staffCall = calls.find((c) => c.conversation.id === staff.conversationId);
    expect(staffCall?.speaker).toMatchObject({ externalId: 'staff', displayName: 'Staff (playground)' });
    expect(staffCall?.conversation.personal).toBe(false);
  });

  it('posts staff cards to the staff pane and replaces them in place when decided', async () => {
    const staff = await openConversation(base, 'staff');
    await staff.post({ type: 'event', name: 'webchat/join', value: {} });
    await staff.waitFor(fromBot, 'greeting');
    const admin = await openConversation(base, 'dl_admin_aaaaaaaaaaaaaaaa');
    await admin.post({ type: 'message', text: 'submit' });

    const card = await staff.waitFor((a) => fromBot(a) && (a.attachments?.length ?? 0) > 0, 'the card');
    expect(card.summary).toBe('New organization: Acme');
    expect(card.text).toBeUndefined();
    expect(cardButtons(card)).toEqual(['Approve']);

    await staff.post({ type: 'message', value: { action: 'decide', submissionId: 'sub-1', outcome: 'approved' } });
    await staff.waitFor((a) => fromBot(a) && a.text === 'recorded', 'the decision reply');
    const updated = await staff.waitFor((a) => a.id === card.id, 'the updated card');
    expect(updated.summary).toBe('New organization: Acme\nApproved by Sam');
    expect(cardButtons(updated)).toEqual([]);
  });

  it('sends to a person by the conversation in their address, and fails for a closed one', async () => {
    const admin = await openConversation(base, 'dl_admin_bbbbbbbbbbbbbbbb');
    await playground.delivery.sendToPerson({ conversationId: admin.conversationId }, [{ type: 'text', text: 'news for you' }]);
    expect(plainText(await admin.waitFor(fromBot))).toBe('news for you');
    await expect(playground.delivery.sendToPerson({ conversationId: 'gone' }, [{ type: 'text', text: 'x' }])).rejects.toThrow(/closed/);
    await expect(playground.delivery.sendToPerson({}, [])).rejects.toThrow();
  });

  it('apologizes when the core fails, and keeps going', async () => {
    const admin = await openConversation(base, 'dl_admin_cccccccccccccccc');
    await admin.post({ type: 'message', text: 'crash' });
    expect(plainText(await admin.waitFor(fromBot))).toMatch(/^Sorry/);
    await admin.post({ type: 'message', text: 'again' });
    expect(plainText(await admin.waitFor(fromBot))).toContain('again');
  });
});
