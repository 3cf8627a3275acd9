import type { Server } from 'node:http';
import express from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { renderAdaptiveCard } from '../../src/bots/cards/adaptive.ts';
import type { Conversation, Inbound, Reply, Speaker, Turn } from '../../src/bots/core/types.ts';
import { createTeamsEndpoint, type TeamsEndpoint, type TeamsEndpointOptions } from '../../src/bots/teams/teams-bot.ts';
import { cardKey } from '../../src/bots/teams/teams-delivery.ts';
import { AppError } from '../../src/core/errors.ts';
import type { Config } from '../../src/config.ts';
import { makeApprovalReply, makeQuestionReply } from '../cards/fixtures.ts';
import { makeExecute, makeTeamsActivity, postActivity, startFakeConnector, type FakeConnector } from './fake-connector.ts';

/**
 * The Teams endpoint's mechanics with a scripted core: activities in over HTTP, replies out
 * to a fake Bot Connector on loopback, proactive posts and in-place card updates. The
 * journey through the real core and database is in `teams-app.test.ts`.
 */

type Call = { speaker: Speaker; conversation: Conversation; inbound: Inbound };

class ScriptedCore {
  readonly calls: Call[] = [];
  next: (call: Call) => Turn | Promise<Turn> = () => ({ replies: [{ type: 'text', text: 'Hello!' }], outgoing: [], lang: 'en' });
  async handle(speaker: Speaker, conversation: Conversation, inbound: Inbound): Promise<Turn> {
    const call = { speaker, conversation, inbound };
    this.calls.push(call);
    return this.next(call);
  }
}

class MemorySettings {
  staff: Record<string, unknown> | null = null;
  readonly cards = new Map<string, string>();
  readonly staffConversation = {
    get: async () => this.staff,
    set: async (ref: Record<string, unknown>) => {
      this.staff = ref;
    },
  };
  readonly cardRefs = {
    get: async (key: string) => this.cards.get(key) ?? null,
    set: async (key: string, id: string) => {
      this.cards.set(key, id);
    },
  };
}

const NO_TEAMS: Config['teams'] = { appId: undefined, appPassword: undefined, appType: 'MultiTenant', tenantId: undefined, staffConversationId: undefined };

type Bot = { url: string; endpoint: TeamsEndpoint; core: ScriptedCore; settings: MemorySettings; logs: string[]; close(): Promise<void> };

async function startBot(overrides: Partial<TeamsEndpointOptions> = {}): Promise<Bot> {
  const core = new ScriptedCore();
  const settings = new MemorySettings();
  const logs: string[] = [];
  const endpoint = createTeamsEndpoint({
    core,
    teams: NO_TEAMS,
    staffConversation: settings.staffConversation,
    cardRefs: settings.cardRefs,
    refreshCard: async () => null,
    log: (level, message) => logs.push(`${level}: ${message}`),
    ...overrides,
  });
  const app = express();
  app.use(endpoint.router);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/api/messages`,
    endpoint,
    core,
    settings,
    logs,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('the Teams endpoint', () => {
  let connector: FakeConnector;
  const bots: Bot[] = [];
  const bot = async (overrides: Partial<TeamsEndpointOptions> = {}) => {
    const b = await startBot(overrides);
    bots.push(b);
    return b;
  };

  beforeAll(async () => {
    connector = await startFakeConnector();
  });
  afterEach(async () => {
    for (const b of bots.splice(0)) await b.close();
    connector.calls.length = 0;
  });
  afterAll(async () => connector?.close());

  it('hands a personal message to the core and replies through the connector', async () => {
    const b = await bot();
    b.core.next = () => ({ replies: [{ type: 'text', text: 'Bonjour [x](http://evil)' }, makeQuestionReply()], outgoing: [], lang: 'fr' });
    const activity = makeTeamsActivity(connector.url, { text: 'hello', locale: 'fr-CA', localTimezone: 'America/Montreal' });
    const res = await postActivity(b.url, activity);
    expect(res.status).toBe(200);

    expect(b.core.calls).toHaveLength(1);
    const call = b.core.calls[0]!;
    expect(call.inbound).toEqual({ kind: 'text', text: 'hello' });
    expect(call.speaker).toEqual({ channel: 'teams', externalId: 'aad-ada', displayName: 'Ada Admin', locale: 'fr-CA', timeZone: 'America/Montreal' });
    expect(call.conversation).toMatchObject({ channel: 'teams', id: 'a:personal-ada', personal: true });
    expect(call.conversation.address).toMatchObject({ serviceUrl: connector.url, channelId: 'msteams', conversation: { id: 'a:personal-ada' }, user: { id: '29:user-ada' } });

    const [text, card] = await connector.waitFor(2);
    expect(text).toMatchObject({ method: 'POST', conversationId: 'a:personal-ada', activityId: activity['id'], body: { type: 'message', text: 'Bonjour [x](http://evil)', textFormat: 'plain' } });
    expect(card!.body).toMatchObject({ type: 'message', summary: makeQuestionReply().text });
    expect(card!.body['text']).toBeUndefined();
    expect((card!.body['attachments'] as unknown[])[0]).toEqual({
      contentType: 'application/vnd.microsoft.card.adaptive',
      content: renderAdaptiveCard(makeQuestionReply(), { actions: 'execute', lang: 'fr' }),
    });
  });

  it('marks channel conversations as not personal and strips the @mention', async () => {
    const b = await bot();
    const activity = makeTeamsActivity(connector.url, {
      text: '<at>Onboarding</at> status',
      conversation: { id: '19:staff@thread.tacv2;messageid=111', conversationType: 'channel', isGroup: true },
    });
    expect((await postActivity(b.url, activity)).status).toBe(200);
    expect(b.core.calls[0]).toMatchObject({ inbound: { kind: 'text', text: 'status' }, conversation: { personal: false, id: '19:staff@thread.tacv2;messageid=111' } });
    await connector.waitFor(1);
  });

  it('reads Action.Submit values as actions', async () => {
    const b = await bot();
    await postActivity(b.url, makeTeamsActivity(connector.url, { value: { action: 'answer', formId: 'organization', entityId: 'o1', fieldId: 'province', value: 'AB' } }));
    expect(b.core.calls[0]!.inbound).toEqual({ kind: 'action', action: 'answer', data: { formId: 'organization', entityId: 'o1', fieldId: 'province', value: 'AB' } });
  });

  it('answers an Action.Execute in the HTTP body with the first card, posting the other replies', async () => {
    const b = await bot();
    b.core.next = () => ({ replies: [{ type: 'text', text: 'Saved.' }, makeQuestionReply()], outgoing: [], lang: 'en' });
    const res = await postActivity(b.url, makeExecute(connector.url, 'answer', { formId: 'organization', entityId: 'o1', fieldId: 'legalName', value: 'Acme' }));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: renderAdaptiveCard(makeQuestionReply(), { actions: 'execute', lang: 'en' }) });
    expect(b.core.calls[0]!.inbound).toEqual({ kind: 'action', action: 'answer', data: { formId: 'organization', entityId: 'o1', fieldId: 'legalName', value: 'Acme' } });
    const [saved] = await connector.waitFor(1);
    expect(saved!.body).toMatchObject({ text: 'Saved.' });
  });

  it('replaces a decided staff card in place and updates it for everyone', async () => {
    const b = await bot();
    const decided = makeApprovalReply({ decided: { outcome: 'approved', by: 'Sam Staff', at: '2026-11-30 10:00' }, buttons: [], reasonInput: undefined });
    b.core.next = () => ({ replies: [{ type: 'text', text: 'Decision recorded.' }], outgoing: [{ to: 'staff', cardFor: 'sub-1', replies: [decided] }], lang: 'en' });
    const channel = { id: '19:staff@thread.tacv2;messageid=500', conversationType: 'channel', isGroup: true };
    b.settings.staff = { channelId: 'msteams', serviceUrl: connector.url, conversation: { id: '19:staff@thread.tacv2', conversationType: 'channel', isGroup: true } };
    b.settings.cards.set(cardKey('19:staff@thread.tacv2', 'sub-1'), 'card-500');

    const res = await postActivity(b.url, makeExecute(connector.url, 'decide', { submissionId: 'sub-1', outcome: 'approved', reason: '' }, { conversation: channel }));
    expect(res.body).toEqual({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: renderAdaptiveCard(decided, { actions: 'execute', lang: 'en' }) });
    const calls = await connector.waitFor(2);
    expect(calls.map((c) => [c.method, c.conversationId, c.activityId])).toEqual([
      ['POST', '19:staff@thread.tacv2;messageid=500', expect.any(String)],
      ['PUT', '19:staff@thread.tacv2', 'card-500'],
    ]);
    expect(calls[0]!.body).toMatchObject({ text: 'Decision recorded.' });
    expect((calls[1]!.body['attachments'] as Array<{ content: { actions: unknown[] } }>)[0]!.content.actions).toEqual([]);
  });

  it('answers an approval card refresh with the current card from the hook', async () => {
    const seen: unknown[] = [];
    const b = await bot({
      refreshCard: async (submissionId, lang, viewer) => {
        seen.push([submissionId, lang, viewer.externalId]);
        return submissionId === 'sub-1' ? makeApprovalReply() : null;
      },
    });
    const ok = await postActivity(b.url, makeExecute(connector.url, 'refreshCard', { submissionId: 'sub-1' }, { locale: 'fr-CA' }));
    expect(ok.body).toEqual({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: renderAdaptiveCard(makeApprovalReply(), { actions: 'execute', lang: 'fr' }) });
    const missing = await postActivity(b.url, makeExecute(connector.url, 'refreshCard', { submissionId: 'nope' }));
    expect(missing.body).toMatchObject({ statusCode: 404, type: 'application/vnd.microsoft.error' });
    expect(seen).toEqual([
      ['sub-1', 'fr', 'aad-ada'],
      ['nope', 'en', 'aad-ada'],
    ]);
    expect(b.core.calls).toHaveLength(0);
  });

  it('refuses malformed activities with 400 and keeps serving', async () => {
    const b = await bot();
    expect((await postActivity(b.url, '{"type": "message", ')).status).toBe(400);
    expect((await postActivity(b.url, {})).status).toBe(400);
    expect((await postActivity(b.url, { type: '' })).status).toBe(400);
    expect((await postActivity(b.url, [{ type: 'message' }])).status).toBe(400);
    expect((await postActivity(b.url, 'null')).status).toBe(400);
    // A typed but hollow activity is not a crash either.
    const hollow = await postActivity(b.url, { type: 'message' });
    expect(hollow.status).toBeGreaterThanOrEqual(200);
    expect(b.core.calls).toHaveLength(0);

    expect((await postActivity(b.url, makeTeamsActivity(connector.url, { text: 'still here' }))).status).toBe(200);
    expect(b.core.calls.map((c) => c.inbound)).toEqual([{ kind: 'text', text: 'still here' }]);
  });

  it('requires a Bot Framework token when an app id is configured', async () => {
    const b = await bot({ teams: { ...NO_TEAMS, appId: '00000000-0000-0000-0000-000000000001', appPassword: 'secret' } });
    const res = await postActivity(b.url, makeTeamsActivity(connector.url, { text: 'hello' }));
    expect(res.status).toBe(401);
    const forged = await postActivity(b.url, makeTeamsActivity(connector.url, { text: 'hello' }), { authorization: 'Bearer not-a-token' });
    expect(forged.status).toBe(401);
    expect(b.core.calls).toHaveLength(0);
    expect(connector.calls).toHaveLength(0);
  });

  it('tells the person when the core fails, without failing the request', async () => {
    const b = await bot();
    b.core.next = () => {
      throw new AppError('busy', 'locked', { en: 'One moment, please.', fr: 'Un instant, s’il vous plaît.' });
    };
    expect((await postActivity(b.url, makeTeamsActivity(connector.url, { text: 'hi', locale: 'fr-FR' }))).status).toBe(200);
    const [sorry] = await connector.waitFor(1);
    expect(sorry!.body).toMatchObject({ text: 'Un instant, s’il vous plaît.' });
    b.core.next = () => {
      throw new Error('boom');
    };
    const res = await postActivity(b.url, makeExecute(connector.url, 'status', {}));
    expect(res.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: expect.stringMatching(/went wrong/) });
    expect(b.logs.some((l) => l.startsWith('error:') && l.includes('boom'))).toBe(true);
  });

  it('greets a person who adds the bot to a personal chat', async () => {
    const b = await bot();
    await postActivity(b.url, makeTeamsActivity(connector.url, { type: 'conversationUpdate', membersAdded: [{ id: '28:bot' }] }));
    await postActivity(b.url, makeTeamsActivity(connector.url, { type: 'conversationUpdate', membersAdded: [{ id: '29:someone-else' }] }));
    expect(b.core.calls.map((c) => c.inbound)).toEqual([{ kind: 'action', action: 'start', data: {} }]);
  });
});

describe('Teams delivery', () => {
  let connector: FakeConnector;
  const bots: Bot[] = [];
  beforeAll(async () => {
    connector = await startFakeConnector();
  });
  afterEach(async () => {
    for (const b of bots.splice(0)) await b.close();
    connector.calls.length = 0;
  });
  afterAll(async () => connector?.close());

  const bot = async (overrides: Partial<TeamsEndpointOptions> = {}) => {
    const b = await startBot(overrides);
    bots.push(b);
    return b;
  };

  it('claims a channel for approvals, posts cards there as new posts and updates them in place', async () => {
    const b = await bot();
    b.core.next = () => ({ replies: [{ type: 'text', text: 'This channel now receives approvals.' }], outgoing: [], lang: 'en', claimStaffChannel: true });
    const claim = makeTeamsActivity(connector.url, {
      text: '<at>Onboarding</at> use this channel for approvals',
      from: { id: '29:staff-sam', aadObjectId: 'aad-sam', name: 'Sam Staff' },
      conversation: { id: '19:approvals@thread.tacv2;messageid=1700', conversationType: 'channel', isGroup: true, tenantId: 'tenant-1' },
    });
    await postActivity(b.url, claim);
    await connector.waitFor(1);
    expect(b.settings.staff).toMatchObject({ serviceUrl: connector.url, conversation: { id: '19:approvals@thread.tacv2' } });
    expect(b.settings.staff).not.toHaveProperty('activityId');
    expect(b.settings.staff).not.toHaveProperty('user');

    const card = makeApprovalReply();
    await b.endpoint.delivery.postToStaff([card]);
    const [, posted] = await connector.waitFor(2);
    expect(posted).toMatchObject({ method: 'POST', conversationId: '19:approvals@thread.tacv2', activityId: undefined });
    const postedId = b.settings.cards.get(cardKey('19:approvals@thread.tacv2', 'sub-1'));
    expect(postedId).toMatch(/^posted-/);

    const decided = makeApprovalReply({ decided: { outcome: 'rejected', by: 'Sam Staff', at: 'now', reason: 'Incomplete' }, buttons: [] });
    await b.endpoint.delivery.postToStaff([decided], 'sub-1');
    const [, , updated] = await connector.waitFor(3);
    expect(updated).toMatchObject({ method: 'PUT', conversationId: '19:approvals@thread.tacv2', activityId: postedId });
    expect((updated!.body['attachments'] as Array<{ content: Record<string, unknown> }>)[0]!.content['fallbackText']).toBe(decided.text);
  });

  it('posts a new card when the earlier one cannot be updated any more', async () => {
    const b = await bot();
    b.settings.staff = { channelId: 'msteams', serviceUrl: connector.url, conversation: { id: '19:approvals@thread.tacv2' } };
    b.settings.cards.set(cardKey('19:approvals@thread.tacv2', 'sub-1'), 'gone');
    connector.failNextUpdate(404);
    await b.endpoint.delivery.postToStaff([makeApprovalReply()], 'sub-1');
    const calls = await connector.waitFor(2);
    expect(calls.map((c) => [c.method, c.activityId])).toEqual([
      ['PUT', 'gone'],
      ['POST', undefined],
    ]);
    expect(b.settings.cards.get(cardKey('19:approvals@thread.tacv2', 'sub-1'))).toMatch(/^posted-/);

    // A server error is not "gone": the outbox retries (501: the connector client does not retry it itself).
    connector.failNextUpdate(501);
    await expect(b.endpoint.delivery.postToStaff([makeApprovalReply()], 'sub-1')).rejects.toThrow();
  });

  it('posts to TEAMS_STAFF_CONVERSATION_ID, and remembers its connector once Teams writes from it', async () => {
    const b = await bot({ teams: { ...NO_TEAMS, staffConversationId: '19:configured@thread.tacv2' }, defaultServiceUrl: connector.url });
    await b.endpoint.delivery.postToStaff([makeApprovalReply({ submissionId: 'sub-2' })]);
    const [first] = await connector.waitFor(1);
    expect(first).toMatchObject({ method: 'POST', conversationId: '19:configured@thread.tacv2' });
    expect(b.settings.staff).toBeNull();

    await postActivity(b.url, makeTeamsActivity(connector.url, { text: 'help', conversation: { id: '19:configured@thread.tacv2;messageid=42', conversationType: 'channel' } }));
    expect(b.settings.staff).toMatchObject({ serviceUrl: connector.url, conversation: { id: '19:configured@thread.tacv2' } });
  });

  it('does nothing for staff when no staff conversation is known', async () => {
    const b = await bot();
    await b.endpoint.delivery.postToStaff([makeApprovalReply()]);
    expect(connector.calls).toHaveLength(0);
  });

  it('sends proactive messages to a person at their stored address, as new messages', async () => {
    const b = await bot();
    await postActivity(b.url, makeTeamsActivity(connector.url, { text: 'hi', locale: 'fr-CA' }));
    await connector.waitFor(1);
    const address = b.core.calls[0]!.conversation.address!;
    const news: Reply[] = [{ type: 'text', text: 'Your organization was approved.' }, makeQuestionReply()];
    await b.endpoint.delivery.sendToPerson(JSON.parse(JSON.stringify(address)) as Record<string, unknown>, news);
    const [, text, card] = await connector.waitFor(3);
    expect(text).toMatchObject({ method: 'POST', conversationId: 'a:personal-ada', activityId: undefined, body: { text: 'Your organization was approved.' } });
    expect(card!.body).toMatchObject({ summary: makeQuestionReply().text });
    expect(JSON.stringify(card!.body)).toContain('"Envoyer"');
    await expect(b.endpoint.delivery.sendToPerson({ nothing: true }, news)).rejects.toThrow(/conversation reference/);
  });
});
