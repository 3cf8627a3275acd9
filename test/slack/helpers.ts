import { createHmac, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { mountSlack } from '../../src/bots/slack/mount.ts';
import { parseConfig } from '../../src/config.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { startFakeSlack, type FakeSlack } from './fake-slack.ts';

/**
 * The real assistant with Slack credentials, its Web API pointed at a fake Slack on
 * loopback, and helpers that send what Slack sends: signed events, interactive payloads
 * and slash commands, built by fixture factories with overrides.
 */

export const SIGNING_SECRET = 'test-secret';
export const STAFF_CHANNEL = 'CSTAFF';
export type SlackUser = { id: string; name: string };
export const STAFF_1: SlackUser = { id: 'USTAFF1', name: 'sam.staff' };
export const STAFF_2: SlackUser = { id: 'USTAFF2', name: 'sky.staff' };
export const SUPPORT: SlackUser = { id: 'USUPPORT', name: 'sue.support' };

export type SlackTestApp = {
  t: TestApp;
  fake: FakeSlack;
  /** POST URL of `/slack/events`. */
  endpoint: string;
  close(): Promise<void>;
};

/** WebClient retries that keep a 429 retried (after Retry-After) without slow back-off. */
const FAST_RETRIES = { retries: 2, factor: 1, minTimeout: 10, maxTimeout: 10 };

export async function startSlackTestApp(): Promise<SlackTestApp> {
  const fake = await startFakeSlack();
  // Staff and support chose their handle as display name (“Approved by sam.staff”); support works from Halifax.
  fake.users.set(STAFF_1.id, { name: STAFF_1.name, realName: 'Sam Stafford', displayName: STAFF_1.name });
  fake.users.set(STAFF_2.id, { name: STAFF_2.name, realName: 'Sky Stewart', displayName: STAFF_2.name });
  fake.users.set(SUPPORT.id, { name: SUPPORT.name, realName: 'Sue Porter', displayName: SUPPORT.name, tz: 'America/Halifax', locale: 'en-CA' });
  const env = {
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.apiUrl,
    SLACK_STAFF_CHANNEL: STAFF_CHANNEL,
    SLACK_STAFF_USERS: `${STAFF_1.id},${STAFF_2.id}`,
    SLACK_SUPPORT_USERS: SUPPORT.id,
  };
  const t = await startTestApp(env);
  let extra: Server | undefined;
  let endpoint = `${t.app.url}/slack/events`;
  // Once src/app.ts mounts Slack, requests go to the app's own server; until then the
  // adapter is mounted the same way (mountSlack) on a server of its own over the same app.
  const probe = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  if (probe.status === 404) {
    const config = parseConfig({ ...env, LOG_LEVEL: 'silent' });
    const server = express();
    const mounted = mountSlack(server, { slack: config.slack, logLevel: 'silent', core: t.app.core, store: t.app.store, dispatcher: t.app.dispatcher, worker: t.app.worker, retryConfig: FAST_RETRIES });
    if (!mounted) throw new Error('Slack was not mounted');
    extra = await new Promise<Server>((resolve) => {
      const s = server.listen(0, '127.0.0.1', () => resolve(s));
    });
    endpoint = `http://127.0.0.1:${(extra.address() as AddressInfo).port}/slack/events`;
  }
  return {
    t,
    fake,
    endpoint,
    async close() {
      if (extra) {
        const s = extra;
        await new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeAllConnections();
        });
      }
      await t.close();
      await fake.close();
    },
  };
}

// ------------------------------------------------------------------ signed requests

export function signedHeaders(body: string, options: { secret?: string; timestamp?: number } = {}): Record<string, string> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = createHmac('sha256', options.secret ?? SIGNING_SECRET).update(`v0:${timestamp}:${body}`).digest('hex');
  return { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': `v0=${signature}` };
}

export type SendOptions = { headers?: Record<string, string>; secret?: string; timestamp?: number; unsigned?: boolean };

export function send(endpoint: string, body: string, contentType: string, options: SendOptions = {}): Promise<Response> {
  return fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': contentType, ...(options.unsigned ? {} : signedHeaders(body, options)), ...options.headers },
    body,
  });
}

export const postEvent = (s: SlackTestApp, envelope: object, options?: SendOptions) => send(s.endpoint, JSON.stringify(envelope), 'application/json', options);
export const postPayload = (s: SlackTestApp, payload: object, options?: SendOptions) =>
  send(s.endpoint, `payload=${encodeURIComponent(JSON.stringify(payload))}`, 'application/x-www-form-urlencoded', options);
export const postCommand = (s: SlackTestApp, fields: Record<string, string>, options?: SendOptions) =>
  send(s.endpoint, new URLSearchParams(fields).toString(), 'application/x-www-form-urlencoded', options);

// ------------------------------------------------------------------ what Slack sends

let seq = 0;
const nextTs = () => `${Math.floor(Date.now() / 1000)}.${String(++seq).padStart(6, '0')}`;

/** Slack escapes `&`, `<`, `>` in what people type. */
export const slackEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function envelope(event: Record<string, unknown>, eventId?: string) {
  return {
    token: 'legacy-token',
    team_id: 'T0TEST',
    api_app_id: 'A0TEST',
    type: 'event_callback',
    event_id: eventId ?? `Ev${randomUUID().replace(/-/g, '').slice(0, 12)}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: 'T0TEST', user_id: 'UBOT', is_bot: true, is_enterprise_install: false }],
    event,
  };
}

/** A DM to the bot (`message.im`): `text` as the person typed it. */
export function messageEvent(o: { user: SlackUser; channel: string; text: string; eventId?: string }) {
  const ts = nextTs();
  return envelope({ type: 'message', channel_type: 'im', channel: o.channel, user: o.user.id, text: slackEscape(o.text), ts, event_ts: ts }, o.eventId);
}

/** “@assistant …” in a channel (`app_mention`). */
export function appMentionEvent(o: { user: SlackUser; channel: string; text: string }) {
  const ts = nextTs();
  return envelope({ type: 'app_mention', user: o.user.id, channel: o.channel, text: `<@UBOT> ${slackEscape(o.text)}`, ts, event_ts: ts });
}

export function homeOpenedEvent(o: { user: SlackUser; channel: string }) {
  return envelope({ type: 'app_home_opened', user: o.user.id, channel: o.channel, tab: 'home', event_ts: nextTs() });
}

export type BlockElement = Record<string, unknown> & { type: string; action_id: string };
export type Found = { element: BlockElement; blockId: string; value: Record<string, unknown> };

function parseValue(value: unknown): Record<string, unknown> {
  try {
    return typeof value === 'string' ? (JSON.parse(value) as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Buttons and selects of recorded blocks, with their JSON values parsed. */
export function elementsIn(blocks: unknown): Found[] {
  const found: Found[] = [];
  if (!Array.isArray(blocks)) return found;
  for (const [i, block] of (blocks as Array<Record<string, unknown>>).entries()) {
    const blockId = typeof block['block_id'] === 'string' ? block['block_id'] : `auto-${i}`;
    const elements = block['type'] === 'actions' ? (block['elements'] as BlockElement[]) : block['accessory'] ? [block['accessory'] as BlockElement] : [];
    for (const element of elements) {
      found.push({ element, blockId, value: parseValue(element['value']) });
    }
  }
  return found;
}

export function buttonIn(blocks: unknown, where: (value: Record<string, unknown>) => boolean): Found {
  const found = elementsIn(blocks).find((f) => f.element.type === 'button' && where(f.value));
  if (!found) throw new Error(`no such button in ${JSON.stringify(blocks).slice(0, 2000)}`);
  return found;
}

/** A click on a button (or a choice in a select) of a message, or of the App Home when `channel` is omitted. */
export function blockAction(o: {
  user: SlackUser;
  found: Found;
  channel?: string;
  messageTs?: string;
  selected?: { value: string; text?: string };
  state?: Record<string, Record<string, unknown>>;
  triggerId?: string;
}) {
  const action: Record<string, unknown> = {
    type: o.found.element.type,
    action_id: o.found.element.action_id,
    block_id: o.found.blockId,
    action_ts: nextTs(),
    ...(o.found.element.type === 'button' ? { value: o.found.element['value'], text: o.found.element['text'] } : {}),
    ...(o.selected ? { selected_option: { text: { type: 'plain_text', text: o.selected.text ?? o.selected.value }, value: o.selected.value } } : {}),
  };
  return {
    type: 'block_actions',
    user: { id: o.user.id, username: o.user.name, name: o.user.name, team_id: 'T0TEST' },
    api_app_id: 'A0TEST',
    token: 'legacy-token',
    team: { id: 'T0TEST', domain: 'test' },
    trigger_id: o.triggerId ?? `trigger-${randomUUID()}`,
    container: o.channel ? { type: 'message', message_ts: o.messageTs, channel_id: o.channel, is_ephemeral: false } : { type: 'view', view_id: 'VHOME' },
    ...(o.channel ? { channel: { id: o.channel, name: o.channel.startsWith('D') ? 'directmessage' : 'staff' } } : {}),
    ...(o.channel ? { message: { type: 'message', ts: o.messageTs, text: '' } } : {}),
    ...(o.state ? { state: { values: o.state } } : {}),
    response_url: 'https://hooks.slack.invalid/actions/x',
    actions: [action],
  };
}

/** What Slack reports for each input block: typed values over the view's initial ones. */
export function stateFor(blocks: unknown, values: Record<string, unknown>): Record<string, Record<string, unknown>> {
  const state: Record<string, Record<string, unknown>> = {};
  for (const block of (Array.isArray(blocks) ? blocks : []) as Array<Record<string, unknown>>) {
    if (block['type'] !== 'input') continue;
    const id = String(block['block_id']);
    const element = block['element'] as Record<string, unknown>;
    const given = values[id];
    const type = String(element['type']);
    const entry: Record<string, unknown> = { type };
    switch (type) {
      case 'static_select': {
        const initial = element['initial_option'] as Record<string, unknown> | undefined;
        entry['selected_option'] = given !== undefined ? { value: given } : (initial ?? null);
        break;
      }
      case 'multi_static_select':
      case 'checkboxes':
        entry['selected_options'] = given !== undefined ? (given as string[]).map((value) => ({ value })) : (element['initial_options'] ?? []);
        break;
      case 'datepicker':
        entry['selected_date'] = given ?? element['initial_date'] ?? null;
        break;
      default:
        entry['value'] = given ?? element['initial_value'] ?? null;
    }
    state[id] = { [String(element['action_id'])]: entry };
  }
  return state;
}

/** A modal submitted: `view` as the app opened it, `values` as the person left them. */
export function viewSubmission(o: { user: SlackUser; view: Record<string, unknown>; values: Record<string, unknown>; triggerId?: string }) {
  return {
    type: 'view_submission',
    team: { id: 'T0TEST', domain: 'test' },
    user: { id: o.user.id, username: o.user.name, name: o.user.name, team_id: 'T0TEST' },
    api_app_id: 'A0TEST',
    token: 'legacy-token',
    trigger_id: o.triggerId ?? `trigger-${randomUUID()}`,
    view: { ...o.view, id: 'VMODAL', team_id: 'T0TEST', hash: 'h', state: { values: stateFor(o.view['blocks'], o.values) } },
    response_urls: [],
  };
}

export function slashCommand(o: { user: SlackUser; text: string; channel?: string; responseUrl: string }): Record<string, string> {
  return {
    token: 'legacy-token',
    team_id: 'T0TEST',
    team_domain: 'test',
    channel_id: o.channel ?? 'CGENERAL',
    channel_name: 'general',
    user_id: o.user.id,
    user_name: o.user.name,
    command: '/onboarding',
    text: slackEscape(o.text),
    api_app_id: 'A0TEST',
    response_url: o.responseUrl,
    trigger_id: `trigger-${randomUUID()}`,
  };
}

/** Everything the fake recorded, as one string: for checks over every call. */
export function everything(fake: FakeSlack): string {
  return fake.calls.map((c) => JSON.stringify(c.params)).join('\n');
}
