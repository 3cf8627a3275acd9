import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textFor } from '../../src/bots/core/text.ts';
import { STAFF_COOKIE } from '../../src/web/staff-page.ts';
import { makeTeamsActivity, postActivity, startFakeConnector, type ConnectorCall, type FakeConnector } from '../teams/fake-connector.ts';
import { startTeamsApp, type TeamsTestApp } from '../teams/teams-server.ts';

/**
 * The staff dashboard's one-time sign-in link, asked for in Microsoft Teams (real
 * endpoint, core, database; a fake Bot Connector receives what the bot sends): in the
 * staff member's personal chat it is the answer; typed in a channel, it arrives in their
 * personal chat and the channel only hears that; others are refused. Each link opens
 * `/staff` once.
 */

const en = textFor('en');
const STAFF_CHANNEL = '19:approvals@thread.tacv2';
const textOf = (call: ConnectorCall) => String(call.body['text'] ?? call.body['summary'] ?? '');

describe('the staff page link, asked for in Teams', () => {
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

  const samPersonal = { from: { id: '29:staff-sam', aadObjectId: 'aad-sam', name: 'Sam Staff' }, conversation: { id: 'a:personal-sam', conversationType: 'personal', tenantId: 'tenant-1' } };
  const samInChannel = { from: samPersonal.from, conversation: { id: `${STAFF_CHANNEL};messageid=1800`, conversationType: 'channel', isGroup: true, tenantId: 'tenant-1' } };
  const ada = { from: { id: '29:user-ada', aadObjectId: 'aad-ada', name: 'Ada Admin' }, conversation: { id: 'a:personal-ada', conversationType: 'personal', tenantId: 'tenant-1' } };

  /** Sends what a person typed and waits for the bot's message in `conversationId` that matches. */
  async function say(who: Record<string, unknown>, text: string, conversationId: string, match: (text: string) => boolean): Promise<string> {
    const from = connector.calls.length;
    expect((await postActivity(t.messagesUrl, makeTeamsActivity(connector.url, { ...who, text }))).status).toBe(200);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const found = connector.calls.slice(from).find((c) => c.conversationId === conversationId && match(textOf(c)));
      if (found) return textOf(found);
      if (Date.now() > deadline) throw new Error(`no answer in ${conversationId}; received:\n${connector.calls.slice(from).map((c) => `${c.conversationId}: ${textOf(c).slice(0, 100)}`).join('\n')}`);
      await connector.waitFor(connector.calls.length + 1, Math.max(1, deadline - Date.now())).catch(() => undefined);
    }
  }

  const signInLink = (text: string) => {
    const m = text.match(/https?:\/\/\S+\/staff\/sign-in\?token=[A-Za-z0-9._%-]+/);
    if (!m) throw new Error(`no sign-in link in: ${text}`);
    const url = new URL(m[0]);
    // The configured public URL of the test app is a placeholder: the pages are at the app's own address.
    return `${t.app.url}${url.pathname}${url.search}`;
  };
  const cookieOf = (res: Response) => res.headers.getSetCookie().map((c) => c.split(';')[0] ?? '').find((c) => c.startsWith(`${STAFF_COOKIE}=`) && c.length > STAFF_COOKIE.length + 1);

  async function opensOnceOnly(link: string): Promise<void> {
    const first = await fetch(link, { redirect: 'manual' });
    expect(first.status).toBe(303);
    const cookie = cookieOf(first);
    expect(cookie).toBeTruthy();
    expect((await fetch(`${t.app.url}/staff`, { headers: { cookie: cookie! } })).status).toBe(200);
    const second = await fetch(link, { redirect: 'manual' });
    expect(second.status).toBe(410);
    expect(cookieOf(second)).toBeUndefined();
    expect(await second.text()).toContain('already used');
  }

  it('asks staff to write directly when they ask in a channel before any personal chat', async () => {
    const answer = await say(samInChannel, '<at>Onboarding</at> staff page', samInChannel.conversation.id, (x) => x.length > 0);
    expect(answer).toBe(en.staffLinkAskPrivately);
  });

  it('answers staff in their personal chat with a link that opens /staff once', async () => {
    const answer = await say(samPersonal, 'staff page', 'a:personal-sam', (x) => x.includes('/staff/sign-in?token='));
    expect(answer.startsWith('Your one-time sign-in link to the staff pages')).toBe(true);
    await opensOnceOnly(signInLink(answer));
  });

  it('sends the link to the personal chat when asked in a channel, and says only that in the channel', async () => {
    const from = connector.calls.length;
    const inChannel = await say(samInChannel, '<at>Onboarding</at> staff page', samInChannel.conversation.id, (x) => x.length > 0);
    expect(inChannel).toBe(en.staffLinkSentPrivately);
    const deadline = Date.now() + 10_000;
    let dm: ConnectorCall | undefined;
    while (!(dm = connector.calls.slice(from).find((c) => c.conversationId === 'a:personal-sam' && textOf(c).includes('/staff/sign-in?token=')))) {
      if (Date.now() > deadline) throw new Error('no link in the personal chat');
      await connector.waitFor(connector.calls.length + 1, Math.max(1, deadline - Date.now())).catch(() => undefined);
    }
    // Nothing with a token went to the channel.
    expect(connector.calls.slice(from).filter((c) => c.conversationId.startsWith(STAFF_CHANNEL) && JSON.stringify(c.body).includes('token='))).toEqual([]);
    await opensOnceOnly(signInLink(textOf(dm)));
  });

  it('refuses an administrator, and records the attempt', async () => {
    const answer = await say(ada, 'staff page', 'a:personal-ada', (x) => x.length > 0);
    expect(answer).toBe(en.staffOnlyRecorded);
    const refused = (await t.app.store.history(['staff'], 50)).filter((a) => a.action === 'staff.linkRefused');
    expect(refused).toHaveLength(1);
  });
});
