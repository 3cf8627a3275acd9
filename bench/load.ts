/**
 * The load generator of `npm run bench`, a separate process on loopback. It hosts the fake
 * Slack Web API and the fake Bot Connector the app under test posts its replies to, and
 * plays administrators through the app's real doors: signed `message.im` event callbacks
 * (a unique event_id each) and signed `block_actions` payloads (button clicks) to
 * /slack/events, or Bot Framework message activities to /api/messages (Teams).
 *
 * Driven by its parent over IPC:
 *   → { type: 'ready', apiUrl }                      once the fakes listen
 *   ← { type: 'run', id, target, kind, scenario }    run one scenario against `target`
 *   → { type: 'result', id, result }
 *   ← { type: 'exit' }
 *
 * Each conversation is one person with its own DM (Slack: `D` + user id; Teams: a personal
 * conversation): it first says "hi", then starts an organization and answers the questions,
 * then asks "status". Ack latency: until the HTTP response. Reply latency: until the first
 * message of the turn reaches the fake.
 * - Slack: a reply is matched to the oldest message of that channel still waiting for one (a
 *   turn may post several messages: `expectedPosts`).
 * - Teams: a turn's replies name the activity they answer (POST …/activities/:replyToId), so
 *   they are matched exactly; the turn runs inside the request (botbuilder answers the HTTP
 *   request when the turn is over), so the HTTP response also ends the turn.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import { startBenchFakeConnector } from './fake-connector.ts';
import { startBenchFakeSlack } from './fake-slack.ts';

import { BENCH_ANSWERS, BENCH_SECRET, type Percentiles, type Scenario, type ScenarioResult } from './protocol.ts';

/** The conversation: what user `i` types at turn `n`, and how many messages the turn posts. */
export function script(n: number): string {
  if (n === 0) return 'hi';
  if (n === 1) return 'new organization';
  return BENCH_ANSWERS[n - 2] ?? 'status';
}

/**
 * With clicks, the turns where a person has a button to press: "Register my organization"
 * from the reply to "hi", and Skip on question 2 (the operating name, the one optional
 * question among the first ones). `typed` is what the person would type instead.
 */
type Click = { matches(value: Record<string, unknown>): boolean; typed: string };
const CLICKS = new Map<number, Click>([
  [1, { matches: (v) => v['action'] === 'newOrganization', typed: 'new organization' }],
  [3, { matches: (v) => v['action'] === 'skip', typed: 'skip' }],
]);

/** Messages a turn posts: the assistant greets "hi" with the greeting and the progress card. */
export const expectedPosts = (n: number, kind: 'assistant' | 'floor') => (kind === 'assistant' && n === 0 ? 2 : 1);

function percentiles(values: number[]): Percentiles {
  if (values.length === 0) return { p50: NaN, p95: NaN, p99: NaN, max: NaN };
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: s[s.length - 1]! };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });

/** Slack's request signature (v0), over the exact body sent. */
function slackSignature(body: string): Record<string, string> {
  const ts = Math.floor(Date.now() / 1000);
  const signature = createHmac('sha256', BENCH_SECRET).update(`v0:${ts}:${body}`).digest('hex');
  return { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': `v0=${signature}` };
}

function post(url: URL, body: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) }, timeout: 15_000 },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

let eventSeq = 0;
const slackTs = () => `${Math.floor(Date.now() / 1000)}.${String(++eventSeq).padStart(6, '0')}`;

function messageEnvelope(user: string, channel: string, text: string): string {
  const ts = slackTs();
  return JSON.stringify({
    token: 'legacy-token',
    team_id: 'T0BENCH',
    api_app_id: 'A0BENCH',
    type: 'event_callback',
    event_id: `EvB${process.pid}x${eventSeq}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: 'T0BENCH', user_id: 'UBOT', is_bot: true, is_enterprise_install: false }],
    event: { type: 'message', channel_type: 'im', channel, user, text, ts, event_ts: ts },
  });
}

/** A button of a posted message: what a click on it sends back. */
type Button = { element: Record<string, unknown>; blockId: string; value: Record<string, unknown>; messageTs: string; blocks: unknown[] };

/** The buttons of a chat.postMessage's `blocks` (buttons in actions blocks and section accessories; their value is JSON). */
function buttonsIn(blocksJson: string | null, messageTs: string): Button[] {
  if (!blocksJson) return [];
  let blocks: unknown;
  try {
    blocks = JSON.parse(blocksJson);
  } catch {
    return [];
  }
  if (!Array.isArray(blocks)) return [];
  const found: Button[] = [];
  blocks.forEach((raw: unknown, i) => {
    if (typeof raw !== 'object' || raw === null) return;
    const block = raw as Record<string, unknown>;
    const elements = block['type'] === 'actions' && Array.isArray(block['elements']) ? (block['elements'] as unknown[]) : block['accessory'] ? [block['accessory']] : [];
    for (const el of elements) {
      if (typeof el !== 'object' || el === null) continue;
      const element = el as Record<string, unknown>;
      if (element['type'] !== 'button' || typeof element['value'] !== 'string') continue;
      let value: Record<string, unknown> = {};
      try {
        value = JSON.parse(element['value']) as Record<string, unknown>;
      } catch {
        // not one of ours
      }
      found.push({ element, blockId: typeof block['block_id'] === 'string' ? block['block_id'] : `auto-${i}`, value, messageTs, blocks: blocks as unknown[] });
    }
  });
  return found;
}

/**
 * The floor posts no buttons: its clicks press this one (the shape and value of the
 * assistant's "Register my organization"), on its latest message in the DM.
 */
function floorButton(messageTs: string): Button {
  const element = { type: 'button', action_id: 'newOrganization:0', text: { type: 'plain_text', text: 'Register my organization', emoji: true }, value: '{"action":"newOrganization"}' };
  const blocks = [
    { type: 'section', block_id: 'floor-text', text: { type: 'mrkdwn', text: 'Hello! This is the floor: a fixed reply.' } },
    { type: 'actions', block_id: 'floor-actions', elements: [element] },
  ];
  return { element, blockId: 'floor-actions', value: { action: 'newOrganization' }, messageTs, blocks };
}

/** A click on a button of a bot message in a DM, as Slack posts it: form-encoded, `payload=` JSON. */
function blockActionsBody(user: string, channel: string, button: Button): string {
  const payload = {
    type: 'block_actions',
    user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: 'T0BENCH' },
    api_app_id: 'A0BENCH',
    token: 'legacy-token',
    container: { type: 'message', message_ts: button.messageTs, channel_id: channel, is_ephemeral: false },
    trigger_id: `${process.pid}.${++eventSeq}.bench`,
    team: { id: 'T0BENCH', domain: 'bench' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: channel, name: 'directmessage' },
    message: { type: 'message', user: 'UBOT', bot_id: 'BBOT', app_id: 'A0BENCH', text: '', ts: button.messageTs, team: 'T0BENCH', blocks: button.blocks },
    state: { values: {} },
    response_url: 'https://hooks.slack.invalid/actions/T0BENCH/bench',
    actions: [
      {
        type: 'button',
        action_id: button.element['action_id'],
        block_id: button.blockId,
        text: button.element['text'],
        value: button.element['value'],
        action_ts: slackTs(),
      },
    ],
  };
  return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

/** A Teams personal-chat message as the Bot Connector posts it (no token: the app runs with auth off). */
function teamsActivity(id: string, user: string, conversationId: string, serviceUrl: string, text: string): string {
  return JSON.stringify({
    type: 'message',
    id,
    timestamp: new Date().toISOString(),
    localTimezone: 'America/Toronto',
    serviceUrl,
    channelId: 'msteams',
    from: { id: `29:${user}`, aadObjectId: `aad-${user}`, name: user },
    conversation: { id: conversationId, conversationType: 'personal', tenantId: 'tenant-bench' },
    recipient: { id: '28:bench-bot', name: 'Onboarding' },
    textFormat: 'plain',
    locale: 'en-US',
    text,
    entities: [{ type: 'clientInfo', locale: 'en-US', country: 'CA', platform: 'Web', timezone: 'America/Toronto' }],
    channelData: { tenant: { id: 'tenant-bench' } },
  });
}

/** One message waiting for its reply; `activityId` names it for Teams. */
type Pending = { sentAt: number; expected: number; posts: number; activityId?: string };
/** `channel`: the Slack DM channel, or the Teams conversation id. `buttons`: from the replies since the last message sent (Slack clicks). */
type Conversation = { user: string; channel: string; turn: number; pending: Pending[]; buttons: Button[]; lastTs: string };

const fake = await startBenchFakeSlack();
const connector = await startBenchFakeConnector();

async function runScenario(target: string, kind: 'assistant' | 'floor', sc: Scenario): Promise<ScenarioResult> {
  const teams = sc.channel === 'teams';
  const clicks = !teams && sc.clicks === true;
  const url = new URL(teams ? '/api/messages' : '/slack/events', target);
  const conversations: Conversation[] = Array.from({ length: sc.conversations }, (_, i) => {
    const user = `U${sc.prefix}${String(i).padStart(4, '0')}`;
    const channel = teams ? `a:bench-${sc.prefix}-${i}` : `D${sc.prefix}${String(i).padStart(4, '0')}`;
    return { user, channel, turn: 0, pending: [], buttons: [], lastTs: '' };
  });
  const byChannel = new Map(conversations.map((c) => [c.channel, c]));
  const ackMs: number[] = [];
  const replyMs: number[] = [];
  const errors = { http: 0, network: 0, noReply: 0 };
  const clickCount = { clicked: 0, typedInstead: 0 };
  let sent = 0;
  let acked = 0;
  let replied = 0;
  let extraPosts = 0;
  let outstanding = 0;
  let lastReplyAt = 0;
  let sending = true;
  let settle: (() => void) | undefined;
  const start = performance.now();

  /** A message of its turn reached the fake: the first one is the reply. */
  const postOf = (p: Pending, at: number) => {
    if (p.posts++ === 0) {
      replyMs.push(at - p.sentAt);
      replied++;
      outstanding--;
      lastReplyAt = at;
    }
  };
  /** The turn is over: in a closed loop, the conversation says its next thing. */
  const turnOver = (c: Conversation, p: Pending) => {
    const i = c.pending.indexOf(p);
    if (i >= 0) c.pending.splice(i, 1);
    if (sc.mode === 'closed' && sending && c.pending.length === 0) send(c);
  };
  const settled = () => {
    if (!sending && outstanding === 0) settle?.();
  };

  /** What turn `n` sends: a click when its button is there, else what a person would type. */
  const slackBody = (c: Conversation, n: number): { body: string; contentType: string } => {
    const click = clicks ? CLICKS.get(n) : undefined;
    if (click) {
      const button = kind === 'floor' ? (c.lastTs ? floorButton(c.lastTs) : undefined) : c.buttons.filter((b) => click.matches(b.value)).at(-1);
      if (button) {
        clickCount.clicked++;
        return { body: blockActionsBody(c.user, c.channel, button), contentType: 'application/x-www-form-urlencoded' };
      }
      // Its reply has not arrived yet (the open loop does not wait): the person types instead.
      clickCount.typedInstead++;
      return { body: messageEnvelope(c.user, c.channel, click.typed), contentType: 'application/json' };
    }
    return { body: messageEnvelope(c.user, c.channel, script(n)), contentType: 'application/json' };
  };

  const send = (c: Conversation) => {
    const n = c.turn++;
    const p: Pending = { sentAt: performance.now(), expected: expectedPosts(n, kind), posts: 0 };
    c.pending.push(p);
    sent++;
    outstanding++;
    let request: Promise<number>;
    if (teams) {
      p.activityId = `bench-${process.pid}-${++eventSeq}`;
      request = post(url, teamsActivity(p.activityId, c.user, c.channel, connector.url, script(n)), { 'content-type': 'application/json' });
    } else {
      const { body, contentType } = slackBody(c, n);
      c.buttons = [];
      request = post(url, body, { 'content-type': contentType, ...slackSignature(body) });
    }
    request.then(
      (status) => {
        if (status === 200) {
          acked++;
          ackMs.push(performance.now() - p.sentAt);
        } else errors.http++;
        if (teams) teamsAnswered(c, p);
      },
      () => {
        errors.network++;
        if (teams) teamsAnswered(c, p);
      },
    );
  };

  /** Teams: the HTTP response ends the turn (its replies were posted inside the request); none by then, none at all. */
  const teamsAnswered = (c: Conversation, p: Pending) => {
    // Out of `pending` from here on: nothing can count as its reply any more.
    if (p.posts === 0) outstanding--;
    turnOver(c, p);
    settled();
  };

  fake.onPost = (params, at, ts) => {
    if (process.env['BENCH_DEBUG']) console.error(`[post] ${params.get('channel')} +${Math.round(at - start)}ms ${(params.get('text') ?? '').slice(0, 110).replace(/\n/g, ' ')}`);
    const c = byChannel.get(params.get('channel') ?? '');
    if (c) {
      c.lastTs = ts;
      if (clicks && kind === 'assistant') c.buttons.push(...buttonsIn(params.get('blocks'), ts));
    }
    const p = c?.pending[0];
    if (!c || !p) {
      extraPosts++;
      return;
    }
    postOf(p, at);
    if (p.posts >= p.expected) turnOver(c, p);
    settled();
  };

  connector.onActivity = (conversationId, replyToId, at, body) => {
    if (process.env['BENCH_DEBUG']) {
      let what = body;
      try {
        const activity = JSON.parse(body) as { text?: string; attachments?: Array<{ contentType?: string }> };
        what = activity.text ?? activity.attachments?.map((x) => x.contentType).join(', ') ?? '';
      } catch {
        // not JSON: show it as it came
      }
      console.error(`[teams] ${conversationId} → ${replyToId ?? 'new'} +${Math.round(at - start)}ms ${what.slice(0, 110).replace(/\n/g, ' ')}`);
    }
    const p = replyToId ? byChannel.get(conversationId)?.pending.find((x) => x.activityId === replyToId) : undefined;
    if (!p) {
      extraPosts++;
      return;
    }
    postOf(p, at);
    settled();
  };

  if (sc.mode === 'open') {
    const rate = sc.rate ?? 50;
    const total = Math.round((rate * sc.durationMs) / 1000);
    let i = 0;
    await new Promise<void>((resolve) => {
      const tick = () => {
        // Catch up with the schedule (timers are coarse): message k is due at k/rate s.
        const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
        while (i < due) send(conversations[i++ % conversations.length]!);
        if (i >= total) resolve();
        else setTimeout(tick, 2);
      };
      tick();
    });
  } else {
    for (const c of conversations) send(c);
    await new Promise((r) => setTimeout(r, sc.durationMs));
  }
  sending = false;
  const sendEnd = performance.now();
  if (outstanding > 0) {
    await new Promise<void>((resolve) => {
      settle = resolve;
      setTimeout(resolve, sc.drainMs);
    });
  }
  // Let late acks land.
  const ackDeadline = performance.now() + 5000;
  while (acked + errors.http + errors.network < sent && performance.now() < ackDeadline) await new Promise((r) => setTimeout(r, 20));
  errors.noReply = sent - replied;
  // Before the next scenario: wait until the app has stopped posting (its backlog done), at most `drainMs` more.
  let lastPostAt = performance.now();
  fake.onPost = () => {
    lastPostAt = performance.now();
  };
  connector.onActivity = () => {
    lastPostAt = performance.now();
  };
  const quietDeadline = performance.now() + sc.drainMs;
  while (performance.now() - lastPostAt < 1500 && performance.now() < quietDeadline) await new Promise((r) => setTimeout(r, 100));
  fake.onPost = () => {};
  connector.onActivity = () => {};
  const end = lastReplyAt > 0 ? Math.max(lastReplyAt, sendEnd) : sendEnd;
  const elapsedMs = end - start;
  return {
    name: sc.name,
    sent,
    acked,
    replied,
    errors,
    extraPosts,
    elapsedMs,
    sendRate: sent / ((sendEnd - start) / 1000),
    replyThroughput: replied / (elapsedMs / 1000),
    ack: percentiles(ackMs),
    reply: percentiles(replyMs),
    ...(clicks ? { clicks: clickCount } : {}),
  };
}

process.on('message', (message: { type: string; id?: number; target?: string; kind?: 'assistant' | 'floor'; scenario?: Scenario }) => {
  if (message.type === 'exit') {
    agent.destroy();
    void Promise.all([fake.close(), connector.close()]).then(() => process.exit(0));
    return;
  }
  if (message.type === 'run' && message.target && message.scenario) {
    runScenario(message.target, message.kind ?? 'assistant', message.scenario).then(
      (result) => process.send?.({ type: 'result', id: message.id, result }),
      (error: unknown) => process.send?.({ type: 'result', id: message.id, error: String(error) }),
    );
  }
});
process.send?.({ type: 'ready', apiUrl: fake.apiUrl });
