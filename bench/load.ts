/**
 * The load generator of `npm run bench`, a separate process on loopback. It hosts the fake
 * Slack Web API the app under test posts its replies to, and sends signed `message.im`
 * event callbacks (a unique event_id each) to the app's /slack/events.
 *
 * Driven by its parent over IPC:
 *   → { type: 'ready', apiUrl }                      once the fake Slack listens
 *   ← { type: 'run', id, target, scenario }          run one scenario against `target`
 *   → { type: 'result', id, result }
 *   ← { type: 'exit' }
 *
 * Each conversation is one Slack user with its own DM channel (`D` + user id): it first
 * says "hi", then starts an organization and answers the questions, then asks "status".
 * A reply is matched to the oldest message of that channel still waiting for one (a turn
 * may post several messages: `expectedPosts`). Ack latency: until the HTTP response.
 * Reply latency: until the first chat.postMessage of the turn reaches the fake.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import { startBenchFakeSlack } from './fake-slack.ts';

import { BENCH_SECRET, type Percentiles, type Scenario, type ScenarioResult } from './protocol.ts';

/** The conversation: what user `i` types at turn `n`, and how many messages the turn posts. */
const ANSWERS = [
  'Mentoring Association of Bench Town',
  'Bench Mentors',
  'https://bench.example.org/',
  '1234 Barrington Street',
  'Halifax',
  'NS',
  'B3H 4R2',
  '902 555 0134',
  'charity',
  'English, French',
  'We match young people with caring adult mentors.',
  'Amelie Cormier',
  'amelie.cormier@bench.example.org',
  '902 555 0177',
];
export function script(n: number): string {
  if (n === 0) return 'hi';
  if (n === 1) return 'new organization';
  return ANSWERS[n - 2] ?? 'status';
}
/** Messages a turn posts: the assistant greets "hi" with the greeting and the progress card. */
export const expectedPosts = (n: number, kind: 'assistant' | 'floor') => (kind === 'assistant' && n === 0 ? 2 : 1);

function percentiles(values: number[]): Percentiles {
  if (values.length === 0) return { p50: NaN, p95: NaN, p99: NaN, max: NaN };
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: s[s.length - 1]! };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });

function post(url: URL, body: string): Promise<number> {
  const ts = Math.floor(Date.now() / 1000);
  const signature = createHmac('sha256', BENCH_SECRET).update(`v0:${ts}:${body}`).digest('hex');
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-slack-request-timestamp': String(ts),
          'x-slack-signature': `v0=${signature}`,
        },
        timeout: 15_000,
      },
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
function messageEnvelope(user: string, channel: string, text: string): string {
  const ts = `${Math.floor(Date.now() / 1000)}.${String(++eventSeq).padStart(6, '0')}`;
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

type Pending = { sentAt: number; expected: number; posts: number };
type Conversation = { user: string; channel: string; turn: number; pending: Pending[] };

const fake = await startBenchFakeSlack();

async function runScenario(target: string, kind: 'assistant' | 'floor', sc: Scenario): Promise<ScenarioResult> {
  const url = new URL('/slack/events', target);
  const conversations: Conversation[] = Array.from({ length: sc.conversations }, (_, i) => {
    const user = `U${sc.prefix}${String(i).padStart(4, '0')}`;
    return { user, channel: `D${sc.prefix}${String(i).padStart(4, '0')}`, turn: 0, pending: [] };
  });
  const byChannel = new Map(conversations.map((c) => [c.channel, c]));
  const ackMs: number[] = [];
  const replyMs: number[] = [];
  const errors = { http: 0, network: 0, noReply: 0 };
  let sent = 0;
  let acked = 0;
  let replied = 0;
  let extraPosts = 0;
  let outstanding = 0;
  let lastReplyAt = 0;
  let sending = true;
  let settle: (() => void) | undefined;
  const start = performance.now();

  const send = (c: Conversation) => {
    const n = c.turn++;
    const p: Pending = { sentAt: performance.now(), expected: expectedPosts(n, kind), posts: 0 };
    c.pending.push(p);
    sent++;
    outstanding++;
    post(url, messageEnvelope(c.user, c.channel, script(n))).then(
      (status) => {
        if (status === 200) {
          acked++;
          ackMs.push(performance.now() - p.sentAt);
        } else errors.http++;
      },
      () => errors.network++,
    );
  };

  fake.onPost = (params, at) => {
    if (process.env['BENCH_DEBUG']) console.error(`[post] ${params.get('channel')} +${Math.round(at - start)}ms ${(params.get('text') ?? '').slice(0, 70).replace(/\n/g, ' ')}`);
    const c = byChannel.get(params.get('channel') ?? '');
    const p = c?.pending[0];
    if (!c || !p) {
      extraPosts++;
      return;
    }
    if (p.posts++ === 0) {
      replyMs.push(at - p.sentAt);
      replied++;
      outstanding--;
      lastReplyAt = at;
    }
    if (p.posts >= p.expected) {
      c.pending.shift();
      if (sc.mode === 'closed' && sending && c.pending.length === 0) send(c);
    }
    if (!sending && outstanding === 0) settle?.();
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
  const quietDeadline = performance.now() + sc.drainMs;
  while (performance.now() - lastPostAt < 1500 && performance.now() < quietDeadline) await new Promise((r) => setTimeout(r, 100));
  fake.onPost = () => {};
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
  };
}

process.on('message', (message: { type: string; id?: number; target?: string; kind?: 'assistant' | 'floor'; scenario?: Scenario }) => {
  if (message.type === 'exit') {
    agent.destroy();
    void fake.close().then(() => process.exit(0));
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
