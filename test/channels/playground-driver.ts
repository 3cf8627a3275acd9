import { randomUUID } from 'node:crypto';
import type { DirectLineActivity } from '../../src/bots/playground/direct-line.ts';
import { openConversation, plainText, type DirectLineClient } from '../playground/direct-line-client.ts';
import { startPlaygroundApp } from '../playground/playground-server.ts';
import { cardActions, Transcript, type ChannelDriver, type Entry } from './driver.ts';

/**
 * The Web Chat playground: two Direct Line v3 conversations on the real app, the
 * administrator's pane and the 'staff' pane (staff in the playground), each joined as
 * Web Chat joins. Buttons are `Action.Submit`: Web Chat posts their data as the value.
 */
/** The zone the administrator's browser reports when Web Chat joins. */
const ADMIN_ZONE = 'America/Halifax';

export async function playgroundDriver(): Promise<ChannelDriver> {
  const t = await startPlaygroundApp();
  const adminClient = await openConversation(t.playgroundUrl, `dl_admin_${randomUUID().replace(/-/g, '').slice(0, 16)}`);
  const staffClient = await openConversation(t.playgroundUrl, 'staff');

  /** Reads new activities of a pane after its watermark (the client's own reader consumes them). */
  function transcriptFor(client: DirectLineClient, who: string): Transcript {
    let watermark = '';
    const transcript: Transcript = new Transcript(who, async () => {
      const res = await fetch(`${t.playgroundUrl}/v3/directline/conversations/${client.conversationId}/activities?watermark=${watermark}`, {
        headers: { authorization: `Bearer ${client.token}` },
      });
      if (!res.ok) throw new Error(`get activities: ${res.status}`);
      const page = (await res.json()) as { activities: DirectLineActivity[]; watermark: string };
      watermark = page.watermark;
      for (const a of page.activities) if (a.from.role === 'bot') transcript.add(entryOf(client, a));
    });
    return transcript;
  }

  function entryOf(client: DirectLineClient, activity: DirectLineActivity): Entry {
    const buttons = cardActions(
      activity.attachments?.map((a) => a.content),
      'Action.Submit',
    ).map((a) => ({
      label: a.title,
      action: a.verb,
      // Web Chat sends the card's inputs along with the button's data.
      press: async (inputs?: Record<string, string>) => {
        await client.post({ type: 'message', value: { ...a.data, ...inputs } });
      },
    }));
    return { id: activity.id, text: plainText(activity), buttons };
  }

  const admin = transcriptFor(adminClient, 'Web Chat admin');
  const staff = transcriptFor(staffClient, 'Web Chat staff');
  await staffClient.post({ type: 'event', name: 'webchat/join', value: {} });
  await staff.sees(/staff side of the onboarding assistant/);
  await staff.mark();
  await adminClient.post({ type: 'event', name: 'webchat/join', value: { timeZone: ADMIN_ZONE } });
  await admin.sees(/four steps/);

  return {
    name: 'Web Chat playground',
    app: t,
    async adminSays(text) {
      await admin.mark();
      await adminClient.post({ type: 'message', text });
    },
    adminClicks: (wanted) => admin.click(wanted),
    adminSees: (pattern) => admin.sees(pattern),
    adminTimeZone: ADMIN_ZONE,
    async staffSays(text) {
      await staff.mark();
      await staffClient.post({ type: 'message', text });
    },
    staffClicks: (label, inputs) => staff.click(label, inputs),
    staffSees: (pattern) => staff.sees(pattern),
    close: () => t.close(),
  };
}
