import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import WebSocket from 'ws';
import { startApp } from '../../src/app.ts';
import { checkEnvelope } from '../../src/bots/slack/socket-mode.ts';
import { parseConfig } from '../../src/config.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { startFakeSlack, type FakeSlack } from './fake-slack.ts';
import { STAFF_1, STAFF_CHANNEL, blockAction, buttonIn, messageEvent, slashCommand, type SlackUser } from './helpers.ts';

/**
 * Socket Mode (SLACK_APP_TOKEN): the real app opens a WebSocket to a fake Slack on
 * 127.0.0.1 (`apps.connections.open` on the fake Web API hands out its URL), which says
 * hello, pings like Slack, and sends events, clicks and slash commands in envelopes. Each
 * envelope is acknowledged; replies go through the same fake Web API; retries count once;
 * malformed envelopes are acknowledged, logged and survive; stopping the app closes the socket.
 */

type FakeSocketServer = {
  readonly url: string;
  /** Envelope ids the app acknowledged, with the payload it sent back. */
  readonly acks: Map<string, unknown>;
  connections: number;
  /** Sends an envelope (or raw text) to the connected app; returns its envelope id. */
  send(type: string, payload: unknown, extra?: Record<string, unknown>): string;
  sendRaw(text: string): void;
  acked(id: string, timeoutMs?: number): Promise<unknown>;
  /** Resolves when the app closed its connection. */
  closed(): Promise<void>;
  close(): Promise<void>;
};

async function startFakeSocketServer(): Promise<FakeSocketServer> {
  const server = new WebSocket.Server({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const acks = new Map<string, unknown>();
  let current: WebSocket | undefined;
  let pinger: NodeJS.Timeout | undefined;
  let onClose: () => void = () => {};
  const closed = new Promise<void>((resolve) => (onClose = resolve));
  const fake: FakeSocketServer = {
    url: `ws://127.0.0.1:${port}/link/?ticket=test-ticket&app_id=A0TEST`,
    acks,
    connections: 0,
    send(type, payload, extra = {}) {
      const envelopeId = randomUUID();
      fake.sendRaw(JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: type !== 'events_api', ...extra }));
      return envelopeId;
    },
    sendRaw(text) {
      if (!current) throw new Error('the app is not connected');
      current.send(text);
    },
    async acked(id, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (!acks.has(id)) {
        if (Date.now() > deadline) throw new Error(`envelope ${id} was not acknowledged`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return acks.get(id);
    },
    closed: () => closed,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(pinger);
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
  server.on('connection', (socket) => {
    current = socket;
    fake.connections += 1;
    // What Slack says first; the client counts as connected only after it.
    socket.send(
      JSON.stringify({
        type: 'hello',
        num_connections: fake.connections,
        debug_info: { host: 'applink-fake', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: 'A0TEST' },
      }),
    );
    // Slack pings every few seconds; the client drops a connection that stops pinging.
    pinger = setInterval(() => socket.ping('ping from the fake'), 2000);
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { envelope_id?: unknown; payload?: unknown };
      if (typeof message.envelope_id === 'string') acks.set(message.envelope_id, message.payload);
    });
    socket.on('close', () => {
      clearInterval(pinger);
      onClose();
    });
  });
  return fake;
}

const APP_TOKEN = 'xapp-1-A0TEST-1-socketsecret';
const BOT_TOKEN = 'xoxb-socket-test';

describe('Slack over Socket Mode', () => {
  let fake: FakeSlack;
  let ws: FakeSocketServer;
  let t: TestApp | undefined;
  let logs: Array<MockInstance<(...args: unknown[]) => void>>;
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  const logged = () => logs.flatMap((spy) => spy.mock.calls.map((args) => args.map(String).join(' ')));

  const amy: SlackUser = { id: 'UAMY', name: 'amy' };
  const dm = 'DAMY';
  const toDm = (p: Record<string, unknown>) => p['channel'] === dm;

  beforeAll(async () => {
    // The app logs at info here (the connected line); keep the output quiet but readable by the tests.
    logs = (['info', 'warn', 'error', 'debug', 'log'] as const).map((level) => vi.spyOn(console, level).mockImplementation(() => {}));
    process.on('unhandledRejection', onRejection);
    fake = await startFakeSlack();
    ws = await startFakeSocketServer();
    fake.socketUrl = ws.url;
    t = await startTestApp({
      LOG_LEVEL: 'info',
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_APP_TOKEN: APP_TOKEN,
      SLACK_API_URL: fake.apiUrl,
      SLACK_STAFF_CHANNEL: STAFF_CHANNEL,
      SLACK_STAFF_USERS: STAFF_1.id,
    });
  });
  afterAll(async () => {
    await t?.close();
    await ws?.close();
    await fake?.close();
    process.off('unhandledRejection', onRejection);
    for (const spy of logs ?? []) spy.mockRestore();
  });

  it('connects on start with the app-level token, says so once, and serves no HTTP endpoint', async () => {
    const [open] = fake.ok('apps.connections.open');
    expect(open!.token).toBe(APP_TOKEN);
    expect(ws.connections).toBe(1);
    expect(logged().filter((line) => /Socket Mode connected/.test(line))).toHaveLength(1);
    const res = await fetch(`${t!.app.url}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(404);
  });

  it('acknowledges a DM event and answers through the Web API with the bot token', async () => {
    const id = ws.send('events_api', messageEvent({ user: amy, channel: dm, text: 'hi' }), { retry_attempt: 0, retry_reason: '' });
    await ws.acked(id);
    const [greeting] = await fake.waitFor('chat.postMessage', (p) => toDm(p) && /four steps/.test(String(p['text'])));
    expect(greeting!.token).toBe(BOT_TOKEN);
    // The progress card follows the greeting.
    await fake.waitFor('chat.postMessage', (p) => toDm(p) && JSON.stringify(p['blocks'] ?? null).includes('newOrganization'));
  });

  it('processes an event Slack redelivers (retry_attempt 1) once', async () => {
    const event = messageEvent({ user: { id: 'URETRY', name: 'retry' }, channel: 'DRETRY', text: 'help' });
    const first = ws.send('events_api', event, { retry_attempt: 0, retry_reason: '' });
    const again = ws.send('events_api', event, { retry_attempt: 1, retry_reason: 'timeout' });
    await ws.acked(first);
    await ws.acked(again);
    await fake.waitFor('chat.postMessage', (p) => p['channel'] === 'DRETRY');
    await new Promise((r) => setTimeout(r, 800));
    expect(fake.ok('chat.postMessage', (p) => p['channel'] === 'DRETRY')).toHaveLength(1);
  });

  it('acknowledges a button click (interactive envelope) and answers it', async () => {
    const card = fake.ok('chat.postMessage', (p) => toDm(p) && JSON.stringify(p['blocks'] ?? null).includes('newOrganization')).at(-1)!;
    const found = buttonIn(card.params['blocks'], (v) => v['action'] === 'newOrganization');
    const id = ws.send('interactive', blockAction({ user: amy, found, channel: dm, messageTs: String(card.response?.['ts']) }));
    await ws.acked(id);
    await fake.waitFor('chat.postMessage', (p) => toDm(p) && /question 1 of 14/.test(String(p['text'])));
  });

  it('acknowledges /onboarding (slash_commands envelope) and answers on its response_url', async () => {
    const id = ws.send('slash_commands', slashCommand({ user: amy, text: 'help', responseUrl: fake.responseUrl('socket-help') }));
    await ws.acked(id);
    const [answer] = await fake.waitFor('response_url', (p) => p['id'] === 'socket-help');
    expect(answer!.params['response_type']).toBe('ephemeral');
    expect(String(answer!.params['text'])).toMatch(/You can type/);
  });

  it('acknowledges and ignores malformed envelopes, and keeps working', async () => {
    ws.sendRaw('not json at all');
    ws.sendRaw('null');
    ws.sendRaw(JSON.stringify({ type: 'events_api' }));
    const bad = [
      ws.send('events_api', undefined),
      ws.send('events_api', { type: 'event_callback', event_id: 'EvBroken1' }),
      ws.send('interactive', { type: 'block_actions', user: { id: amy.id } }),
      ws.send('slash_commands', { command: '/onboarding' }),
      ws.send('something_new', { type: 'whatever' }),
    ];
    for (const id of bad) await ws.acked(id);
    const ok = ws.send('events_api', messageEvent({ user: { id: 'UAFTER', name: 'after' }, channel: 'DAFTER', text: 'hi' }));
    await ws.acked(ok);
    await fake.waitFor('chat.postMessage', (p) => p['channel'] === 'DAFTER');
    expect(logged().filter((line) => /ignored a Socket Mode message/.test(line)).length).toBeGreaterThanOrEqual(bad.length + 3);
    expect(rejections).toEqual([]);
    expect(await t!.app.store.recordInboundEvent('slack:event:EvBroken1', new Date())).toBe(true);
  });

  it('never logs a token', () => {
    const all = logged().join('\n');
    expect(all).not.toContain(APP_TOKEN);
    expect(all).not.toContain(BOT_TOKEN);
    expect(all).not.toContain('test-ticket');
  });

  it('closes the WebSocket when the app stops', async () => {
    const app = t!;
    t = undefined;
    await app.close();
    await ws.closed();
  });
});

describe('Socket Mode start-up', () => {
  it('fails start-up when Slack refuses the app-level token', async () => {
    const fake = await startFakeSlack();
    const db = await createTestDatabase();
    try {
      // No socketUrl: apps.connections.open answers invalid_auth, which the client does not retry.
      const config = parseConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        DATA_DIR: db.dataDir,
        ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
        LOG_LEVEL: 'silent',
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_APP_TOKEN: APP_TOKEN,
        SLACK_API_URL: fake.apiUrl,
      });
      await expect(startApp(config)).rejects.toThrow(/invalid_auth/);
      expect(fake.calls.filter((c) => c.method === 'apps.connections.open')).toHaveLength(1);
    } finally {
      await db.drop();
      await fake.close();
    }
  });
});

describe('Socket Mode envelopes', () => {
  it('passes hello and well-formed requests, refuses the rest', () => {
    expect(checkEnvelope(JSON.stringify({ type: 'hello', num_connections: 1 }))).toEqual({ ok: true });
    expect(checkEnvelope(JSON.stringify({ type: 'disconnect', reason: 'refresh_requested' }))).toEqual({ ok: true });
    expect(checkEnvelope(JSON.stringify({ type: 'events_api', envelope_id: 'e1', payload: messageEvent({ user: { id: 'U1', name: 'u' }, channel: 'D1', text: 'x' }) }))).toEqual({ ok: true });
    expect(checkEnvelope('[')).toMatchObject({ ok: false });
    expect(checkEnvelope(JSON.stringify({ type: 'events_api', payload: {} }))).toEqual({ ok: false, problem: 'events_api envelope without an envelope_id' });
    expect(checkEnvelope(JSON.stringify({ type: 'interactive', envelope_id: 'e2', payload: { type: 'shortcut' } }))).toMatchObject({ ok: false, envelopeId: 'e2' });
  });
});
