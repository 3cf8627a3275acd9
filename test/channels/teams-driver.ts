import { makeExecute, makeTeamsActivity, postActivity, startFakeConnector, type ConnectorCall } from '../teams/fake-connector.ts';
import { startTeamsApp } from '../teams/teams-server.ts';
import { cardActions, Transcript, type ChannelDriver, type Entry, type Pressable } from './driver.ts';

/**
 * Teams: Bot Framework activities to `/api/messages` of the real app with `serviceUrl` at
 * a fake Bot Connector. The administrator sees the connector's posts to their personal chat
 * and the cards their clicks get back in the invoke's HTTP body; staff claim their channel
 * with “use this channel for approvals” and see what is posted or updated there.
 */
const STAFF_CHANNEL = '19:approvals@thread.tacv2';
/** Ada's Teams client reports her zone in its `clientInfo` entity. */
const ADMIN_ZONE = 'America/Edmonton';
const ADA = {
  from: { id: '29:user-ada', aadObjectId: 'aad-ada', name: 'Ada Admin' },
  conversation: { id: 'a:personal-ada', conversationType: 'personal', tenantId: 'tenant-1' },
  entities: [{ type: 'clientInfo', locale: 'en-CA', country: 'CA', platform: 'Web', timezone: ADMIN_ZONE }],
};
const SAM = { from: { id: '29:staff-sam', aadObjectId: 'aad-sam', name: 'Sam Staff' }, conversation: { id: `${STAFF_CHANNEL};messageid=1700`, conversationType: 'channel', isGroup: true, tenantId: 'tenant-1' } };

type Who = typeof ADA | typeof SAM;
type ExecuteBody = { statusCode: number; type: string; value: unknown };

const adaptive = (content: unknown) => content as { fallbackText?: string };

export async function teamsDriver(): Promise<ChannelDriver> {
  const connector = await startFakeConnector();
  const t = await startTeamsApp({ STAFF_IDS: 'test:staff-1,teams:aad-sam' });
  let read = 0;
  let invokes = 0;
  const admin = new Transcript('Teams admin', () => pull());
  const staff = new Transcript('Teams staff', () => pull());

  /** An entry for a card or text; `activityId` is where the card sits (for a staff click in its thread). */
  function entryOf(id: string, text: string, cards: unknown[], who: Who, activityId?: string): Entry {
    const buttons: Pressable[] = cards.flatMap((card) =>
      cardActions(card, 'Action.Execute').map((a) => ({
        label: a.title,
        action: a.verb,
        press: async (inputs?: Record<string, string>) => {
          // Teams merges the card's inputs (the reason, a form's fields) into the action's data.
          const data = { ...a.data, ...inputs };
          const where =
            activityId && who === SAM ? { ...SAM, conversation: { ...SAM.conversation, id: `${STAFF_CHANNEL};messageid=${activityId}` }, replyToId: activityId } : who;
          const res = await postActivity(t.messagesUrl, makeExecute(connector.url, a.verb, data, where));
          if (res.status !== 200) throw new Error(`Teams invoke ${a.verb}: ${res.status} ${JSON.stringify(res.body)}`);
          invokeBody(res.body as ExecuteBody, who);
        },
      })),
    );
    return { id, text, buttons };
  }

  /** What a click got back in the HTTP body: shown to the clicker at once. */
  function invokeBody(body: ExecuteBody, who: Who): void {
    const transcript = who === ADA ? admin : staff;
    const id = `invoke-${++invokes}`;
    if (body.type === 'application/vnd.microsoft.card.adaptive') transcript.add(entryOf(id, adaptive(body.value).fallbackText ?? '', [body.value], who));
    else if (typeof body.value === 'string') transcript.add({ id, text: body.value, buttons: [] });
  }

  function fromCall(call: ConnectorCall, who: Who): Entry {
    const attachments = (call.body['attachments'] as Array<{ contentType: string; content: unknown }> | undefined) ?? [];
    const cards = attachments.filter((a) => a.contentType === 'application/vnd.microsoft.card.adaptive').map((a) => a.content);
    const text = [call.body['text'], call.body['summary'], ...cards.map((c) => adaptive(c).fallbackText)].filter((x): x is string => typeof x === 'string' && x !== '');
    // An update (PUT) replaces the activity it names; a post is a new activity.
    const id = call.method === 'PUT' ? String(call.activityId) : call.responseId;
    return entryOf(id, [...new Set(text)].join('\n'), cards, who, id);
  }

  function pull(): void {
    for (; read < connector.calls.length; read++) {
      const call = connector.calls[read]!;
      if (call.conversationId === ADA.conversation.id) admin.add(fromCall(call, ADA));
      else if (call.conversationId.startsWith(STAFF_CHANNEL)) staff.add(fromCall(call, SAM));
    }
  }

  const say = async (who: Who, text: string) => {
    const res = await postActivity(t.messagesUrl, makeTeamsActivity(connector.url, { ...who, text }));
    if (res.status !== 200) throw new Error(`Teams message: ${res.status}`);
  };

  // Staff claim their channel for approvals.
  await say(SAM, '<at>Onboarding</at> use this channel for approvals');
  await staff.sees(/submissions for approval will be posted in this channel/);
  await staff.mark();

  return {
    name: 'Teams',
    app: t,
    async adminSays(text) {
      await admin.mark();
      await say(ADA, text);
    },
    adminClicks: (wanted) => admin.click(wanted),
    adminSees: (pattern) => admin.sees(pattern),
    adminTimeZone: ADMIN_ZONE,
    async staffSays(text) {
      await staff.mark();
      await say(SAM, `<at>Onboarding</at> ${text}`);
    },
    staffClicks: (label, inputs) => staff.click(label, inputs),
    staffSees: (pattern) => staff.sees(pattern),
    async close() {
      await t.close();
      await connector.close();
    },
  };
}
