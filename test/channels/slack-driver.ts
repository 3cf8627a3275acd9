import {
  appMentionEvent,
  blockAction,
  elementsIn,
  messageEvent,
  postEvent,
  postPayload,
  startSlackTestApp,
  STAFF_1,
  STAFF_CHANNEL,
  stateFor,
  viewSubmission,
  type SlackUser,
} from '../slack/helpers.ts';
import type { SlackCall } from '../slack/fake-slack.ts';
import { Transcript, waitUntil, type ChannelDriver, type Entry } from './driver.ts';

/**
 * Slack: signed events and interactive payloads to `/slack/events` of the real app, its
 * Web API pointed at the fake Slack, which records chat.postMessage / chat.update /
 * chat.postEphemeral. Staff decide in `SLACK_STAFF_CHANNEL`; a reason goes through the modal.
 */
const ADMIN: SlackUser = { id: 'UADMIN', name: 'amelie' };
const DM = 'DADMIN';
/** What Slack's users.info reports for the administrator (until it is read, the default zone). */
const ADMIN_ZONE = 'America/Toronto';

const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

export async function slackDriver(): Promise<ChannelDriver> {
  const s = await startSlackTestApp();
  let read = 0;
  const admin = new Transcript('Slack admin', () => pull());
  const staff = new Transcript('Slack staff', () => pull());

  function entryOf(call: SlackCall, id: string, user: SlackUser, channel: string): Entry {
    const buttons = elementsIn(call.params['blocks'])
      .filter((f) => f.element.type === 'button')
      .map((found) => ({
        label: String((found.element['text'] as { text?: unknown } | undefined)?.text ?? ''),
        action: String(found.value['action'] ?? ''),
        press: async (inputs?: Record<string, string>) => {
          const { reason, ...fields } = inputs ?? {};
          const opened = s.fake.ok('views.open').length;
          // A form posted as a message: Slack sends its inputs' values (typed over initial ones) with the click.
          const state = Object.keys(fields).length > 0 ? stateFor(call.params['blocks'], fields) : undefined;
          const res = await postPayload(s, blockAction({ user, found, channel, messageTs: id, ...(state ? { state } : {}) }));
          if (res.status !== 200) throw new Error(`Slack click: ${res.status}`);
          if (reason === undefined) return;
          // Reject / request changes: Slack opens the reason modal; staff type and send it.
          const view = await waitUntil(
            () => s.fake.ok('views.open').slice(opened).find((c) => (c.params['view'] as Record<string, unknown> | undefined)?.['callback_id'] === 'reason')?.params['view'] as Record<string, unknown> | undefined,
            () => 'Slack: no reason modal was opened',
          );
          const sent = await postPayload(s, viewSubmission({ user, view, values: { reason } }));
          if (sent.status !== 200) throw new Error(`Slack reason modal: ${sent.status}`);
        },
      }));
    return { id, text: unescape(String(call.params['text'] ?? '')), buttons };
  }

  function pull(): void {
    for (; read < s.fake.calls.length; read++) {
      const call = s.fake.calls[read]!;
      if (call.status !== 200 || call.response?.['ok'] !== true) continue;
      const channel = String(call.params['channel'] ?? '');
      const id =
        call.method === 'chat.postMessage' ? String(call.response['ts']) : call.method === 'chat.update' ? String(call.params['ts']) : call.method === 'chat.postEphemeral' ? String(call.response['message_ts']) : undefined;
      if (!id) continue;
      if (channel === DM || channel === ADMIN.id) admin.add(entryOf(call, id, ADMIN, DM));
      else if (channel === STAFF_CHANNEL) staff.add(entryOf(call, id, STAFF_1, STAFF_CHANNEL));
    }
  }

  return {
    name: 'Slack',
    app: s.t,
    async adminSays(text) {
      await admin.mark();
      const res = await postEvent(s, messageEvent({ user: ADMIN, channel: DM, text }));
      if (res.status !== 200) throw new Error(`Slack event: ${res.status}`);
    },
    adminClicks: (wanted) => admin.click(wanted),
    adminSees: (pattern) => admin.sees(pattern),
    adminTimeZone: ADMIN_ZONE,
    async staffSays(text) {
      await staff.mark();
      const res = await postEvent(s, appMentionEvent({ user: STAFF_1, channel: STAFF_CHANNEL, text }));
      if (res.status !== 200) throw new Error(`Slack mention: ${res.status}`);
    },
    staffClicks: (label, inputs) => staff.click(label, inputs),
    staffSees: (pattern) => staff.sees(pattern),
    close: () => s.close(),
  };
}
