import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textFor } from '../../src/bots/core/text.ts';
import { makeOrganizationAnswers } from '../forms/fixtures.ts';
import { makeExecute, makeTeamsActivity, postActivity, startFakeConnector, type ConnectorCall, type FakeConnector } from './fake-connector.ts';
import { startTeamsApp, type TeamsTestApp } from './teams-server.ts';

/**
 * Microsoft Teams through the real assistant (core, database, outbox, dispatcher, SMTP):
 * Bot Framework activities posted to `/api/messages`, a fake Bot Connector on loopback
 * receiving what the bot sends to Teams.
 */

type Card = { type: string; body: Array<Record<string, unknown>>; actions: Array<{ type: string; verb?: string; title: string; data: Record<string, unknown> }>; fallbackText: string };
type ExecuteBody = { statusCode: number; type: string; value: Card };

const en = textFor('en');
const STAFF_CHANNEL = '19:approvals@thread.tacv2';
const cardOf = (call: ConnectorCall | undefined): Card | undefined =>
  (call?.body['attachments'] as Array<{ contentType: string; content: Card }> | undefined)?.find((a) => a.contentType === 'application/vnd.microsoft.card.adaptive')?.content;
const textOf = (call: ConnectorCall) => String(call.body['text'] ?? call.body['summary'] ?? '');

describe('Teams on the real assistant', () => {
  let t: TeamsTestApp;
  let connector: FakeConnector;

  beforeAll(async () => {
    connector = await startFakeConnector();
    t = await startTeamsApp({ STAFF_IDS: 'test:staff-1,teams:aad-sam' });
  });
  afterAll(async () => {
    await t?.close();
    await connector?.close();
  });

  /** Waits for a connector call matching `predicate` among those after `from`. */
  async function nextCall(predicate: (c: ConnectorCall) => boolean, what: string, timeoutMs = 10_000): Promise<ConnectorCall> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = connector.calls.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no ${what}; the connector received:\n${connector.calls.map((c) => `${c.method} ${c.conversationId} ${textOf(c).slice(0, 80)}`).join('\n')}`);
      await connector.waitFor(connector.calls.length + 1, Math.max(1, deadline - Date.now())).catch(() => undefined);
    }
  }

  const ada = { from: { id: '29:user-ada', aadObjectId: 'aad-ada', name: 'Ada Admin' }, conversation: { id: 'a:personal-ada', conversationType: 'personal', tenantId: 'tenant-1' } };
  const sam = { from: { id: '29:staff-sam', aadObjectId: 'aad-sam', name: 'Sam Staff' }, conversation: { id: `${STAFF_CHANNEL};messageid=1700`, conversationType: 'channel', isGroup: true, tenantId: 'tenant-1' } };

  it('walks an administrator through step 1 in Teams while staff approve in their channel', async () => {
    // Staff claim their channel for approvals.
    const claim = await postActivity(t.messagesUrl, makeTeamsActivity(connector.url, { ...sam, text: '<at>Onboarding</at> use this channel for approvals' }));
    expect(claim.status).toBe(200);
    const claimed = await nextCall((c) => textOf(c) === en.staffChannelClaimed, 'the claim confirmation');
    expect(claimed).toMatchObject({ method: 'POST', conversationId: `${STAFF_CHANNEL};messageid=1700` });

    // The administrator says hello in their personal chat and gets the overview card.
    await postActivity(t.messagesUrl, makeTeamsActivity(connector.url, { ...ada, text: 'hello' }));
    const overview = await nextCall((c) => c.conversationId === 'a:personal-ada' && (cardOf(c)?.actions ?? []).some((a) => a.verb === 'newOrganization'), 'the overview card');
    expect(cardOf(overview)!.actions.find((a) => a.verb === 'newOrganization')).toMatchObject({ type: 'Action.Execute', title: en.startOrganization });

    // Every click is an Action.Execute; each answer's card comes back in the HTTP body.
    const click = async (verb: string, data: Record<string, unknown>) => {
      const res = await postActivity(t.messagesUrl, makeExecute(connector.url, verb, data, ada));
      expect(res.status).toBe(200);
      return res.body as ExecuteBody;
    };
    const answers = makeOrganizationAnswers({ legalName: 'Acme [click](http://evil.example) Mentoring', adminEmail: 'acme-admin@example.org' });
    let card = (await click('newOrganization', {})).value;
    for (let i = 0; i < 40; i++) {
      const submit = card.actions.find((a) => a.verb === 'answer' && typeof a.data['fieldId'] === 'string' && a.data['value'] === undefined);
      if (!submit) break;
      const fieldId = String(submit.data['fieldId']);
      const answer = answers[fieldId as keyof typeof answers];
      // What the card's input sends: a multi-select ChoiceSet sends comma-separated values.
      const value = Array.isArray(answer) ? answer.join(',') : String(answer ?? '');
      const body = await click('answer', { ...submit.data, value });
      expect(body.type, `answer to ${fieldId}`).toBe('application/vnd.microsoft.card.adaptive');
      card = body.value;
    }
    // The review: the person's text shown as text, never as a link.
    expect(JSON.stringify(card.body)).toContain('Acme \\\\[click\\\\](http://evil.example) Mentoring');
    const submitButton = card.actions.find((a) => a.verb === 'submit');
    expect(submitButton, `a submit button on ${card.fallbackText}`).toBeDefined();
    await click('submit', submitButton!.data);

    // The approval card reaches the claimed channel as a new post, through the outbox.
    const posted = await nextCall((c) => c.method === 'POST' && c.conversationId === STAFF_CHANNEL && cardOf(c)?.fallbackText.includes('Acme [click](http://evil.example) Mentoring') === true, 'the approval card');
    expect(posted.activityId).toBeUndefined();
    const approval = cardOf(posted)!;
    expect(approval['refresh' as keyof Card]).toMatchObject({ action: { type: 'Action.Execute', verb: 'refreshCard' } });
    const approve = approval.actions.find((a) => a.verb === 'decide' && a.data['outcome'] === 'approved')!;
    expect(approve.title).toBe(en.approve);

    // Staff approve on the card: the clicked card turns into the decided card at once...
    const inThread = { ...sam, conversation: { ...sam.conversation, id: `${STAFF_CHANNEL};messageid=${posted.responseId}` }, replyToId: posted.responseId };
    const decided = await postActivity(t.messagesUrl, makeExecute(connector.url, 'decide', { ...approve.data, reason: '' }, inThread));
    const decidedCard = (decided.body as ExecuteBody).value;
    expect((decided.body as ExecuteBody).type).toBe('application/vnd.microsoft.card.adaptive');
    expect(decidedCard.actions).toEqual([]);
    expect(decidedCard.fallbackText).toContain('Sam Staff');

    // ...and the posted card is updated in place for everyone.
    const update = await nextCall((c) => c.method === 'PUT' && c.conversationId === STAFF_CHANNEL && c.activityId === posted.responseId, 'the card update');
    expect(cardOf(update)!.actions).toEqual([]);

    // A viewer whose client refreshes the card gets the decided one.
    const refreshed = await postActivity(t.messagesUrl, makeExecute(connector.url, 'refreshCard', { submissionId: approve.data['submissionId'] }, sam));
    expect((refreshed.body as ExecuteBody).value.actions).toEqual([]);
    // Anyone else asking for that card gets nothing: it holds the submission's details.
    const snooped = await postActivity(t.messagesUrl, makeExecute(connector.url, 'refreshCard', { submissionId: approve.data['submissionId'] }, ada));
    expect(snooped.body).toMatchObject({ statusCode: 404, type: 'application/vnd.microsoft.error' });

    // The administrator hears about it in their personal chat, proactively.
    const news = await nextCall((c) => c.method === 'POST' && c.conversationId === 'a:personal-ada' && c.activityId === undefined, 'the approval news');
    expect(textOf(news)).toBe(en.news.organizationApproved('Acme [click](http://evil.example) Mentoring'));
    expect(news.body['textFormat']).toBe('plain');

    // And the designated administrator got the email with the link.
    const mails = await t.smtp.waitFor(1, 10_000);
    expect(mails.some((m) => JSON.stringify(m.to).includes('acme-admin@example.org'))).toBe(true);
  });

  it('refuses malformed activities with 400 and keeps serving', async () => {
    expect((await postActivity(t.messagesUrl, '{"type":')).status).toBe(400);
    expect((await postActivity(t.messagesUrl, { text: 'no type' })).status).toBe(400);
    const before = connector.calls.length;
    expect((await postActivity(t.messagesUrl, makeTeamsActivity(connector.url, { ...ada, text: 'help' }))).status).toBe(200);
    await connector.waitFor(before + 1);
    expect((await fetch(`${t.app.url}/healthz`)).status).toBe(200);
  });
});

describe('Teams on the real assistant, with an app id', () => {
  it('refuses a request without a Bot Framework token', async () => {
    const t = await startTeamsApp({ MicrosoftAppId: '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b', MicrosoftAppPassword: 'not-used' });
    try {
      const res = await postActivity(t.messagesUrl, makeTeamsActivity('http://127.0.0.1:9/', { text: 'hello' }));
      expect(res.status).toBe(401);
    } finally {
      await t.close();
    }
  });
});
