import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDirectLineEndpoint, type DirectLineActivity, type DirectLineEndpoint } from '../../src/bots/playground/direct-line.ts';

/**
 * The Direct Line v3 endpoint over real HTTP: a bot handler that answers "echo: <text>",
 * driven with fetch the way Web Chat's polling client drives it.
 */

type Conv = { conversationId: string; token: string; expires_in: number };
type ActivitySet = { activities: DirectLineActivity[]; watermark: string };

let server: Server;
let base: string;
let endpoint: DirectLineEndpoint;
let clock = Date.parse('2026-03-01T12:00:00.000Z');
const received: Array<{ conversationId: string; activity: DirectLineActivity }> = [];

beforeAll(async () => {
  endpoint = createDirectLineEndpoint({
    clock: () => new Date(clock),
    pageSize: 3,
    maxActivities: 8,
    bot: { id: 'assistant', name: 'Assistant' },
    onActivity: async (conversationId, activity) => {
      received.push({ conversationId, activity });
      if (activity.type === 'message' && activity.text === 'boom') throw new Error('handler failed');
      if (activity.type === 'message') endpoint.postActivity(conversationId, { text: `echo: ${activity.text ?? ''}`, replyToId: activity.id });
    },
    onError: () => {},
  });
  const app = express();
  app.use('/v3/directline', endpoint.router);
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3/directline`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function generate(user?: { id: string }): Promise<Conv> {
  const res = await fetch(`${base}/tokens/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(user ? { user } : {}),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Conv;
}

function auth(token: string, json = false): Record<string, string> {
  return { authorization: `Bearer ${token}`, ...(json ? { 'content-type': 'application/json' } : {}) };
}

async function post(conv: Conv, activity: unknown): Promise<Response> {
  return fetch(`${base}/conversations/${conv.conversationId}/activities`, { method: 'POST', headers: auth(conv.token, true), body: JSON.stringify(activity) });
}

async function poll(conv: Conv, watermark = ''): Promise<ActivitySet> {
  const res = await fetch(`${base}/conversations/${conv.conversationId}/activities?watermark=${watermark}`, { headers: auth(conv.token) });
  expect(res.status).toBe(200);
  return (await res.json()) as ActivitySet;
}

/** Polls until `predicate` holds for everything received so far (the handler runs after the POST answers). */
async function pollUntil(conv: Conv, predicate: (all: DirectLineActivity[]) => boolean): Promise<DirectLineActivity[]> {
  const all: DirectLineActivity[] = [];
  let watermark = '';
  for (let i = 0; i < 100; i++) {
    const page = await poll(conv, watermark);
    all.push(...page.activities);
    watermark = page.watermark;
    if (predicate(all)) return all;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`condition not met; got ${JSON.stringify(all.map((a) => a.text))}`);
}

describe('Direct Line v3 endpoint', () => {
  it('opens a conversation with a token bound to it, and starts it with that token', async () => {
    const conv = await generate({ id: 'dl_admin_abc12345' });
    expect(conv.conversationId).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(conv.token.length).toBeGreaterThanOrEqual(32);
    expect(conv.expires_in).toBe(1800);

    const started = await fetch(`${base}/conversations`, { method: 'POST', headers: auth(conv.token, true), body: JSON.stringify({ user: {}, locale: 'fr-CA' }) });
    expect(started.status).toBe(201);
    const body = (await started.json()) as Record<string, unknown>;
    expect(body).toEqual({ conversationId: conv.conversationId, token: conv.token, expires_in: 1800 });
    expect(body).not.toHaveProperty('streamUrl'); // so Web Chat polls

    const reconnect = await fetch(`${base}/conversations/${conv.conversationId}?watermark=`, { headers: auth(conv.token) });
    expect(reconnect.status).toBe(200);

    expect(endpoint.userOf(conv.conversationId)).toEqual({ id: 'dl_admin_abc12345', role: 'user' });
  });

  it('requires a valid Bearer token bound to the conversation (403 otherwise)', async () => {
    const a = await generate();
    const b = await generate();
    const url = `${base}/conversations/${a.conversationId}/activities`;
    expect((await fetch(url)).status).toBe(403);
    expect((await fetch(url, { headers: { authorization: 'Basic abc' } })).status).toBe(403);
    expect((await fetch(url, { headers: auth('x'.repeat(43)) })).status).toBe(403);
    expect((await fetch(url, { headers: auth(b.token) })).status).toBe(403);
    expect((await fetch(`${base}/conversations`, { method: 'POST' })).status).toBe(403);
    const posted = await fetch(url, { method: 'POST', headers: auth(b.token, true), body: JSON.stringify({ type: 'message', text: 'hi' }) });
    expect(posted.status).toBe(403);
    expect(await posted.json()).toEqual({ error: { code: 'Forbidden', message: expect.any(String) } });
    expect((await fetch(url, { headers: auth(a.token) })).status).toBe(200);
  });

  it('answers 404 for an unknown conversation', async () => {
    const a = await generate();
    expect((await fetch(`${base}/conversations/nope123/activities`, { headers: auth(a.token) })).status).toBe(404);
    expect((await fetch(`${base}/conversations/${'../'.repeat(3)}x/activities`, { headers: auth(a.token) })).status).toBe(404);
    expect((await fetch(`${base}/conversations/abc/upload?userId=x`, { method: 'POST', headers: auth(a.token) })).status).toBe(404);
    expect(endpoint.postActivity('nope123', { text: 'x' })).toBeUndefined();
  });

  it('stores the user activity under the bound user, acknowledges it, then runs the handler', async () => {
    const conv = await generate({ id: 'staff' });
    const res = await post(conv, {
      type: 'message',
      text: 'hello',
      locale: 'fr-CA',
      from: { id: 'someone-else', role: 'bot' },
      channelData: { clientActivityID: 'c-1', injected: true },
      attachments: [{ contentType: 'text/html', content: '<script>' }],
    });
    expect(res.status).toBe(200);
    const { id } = (await res.json()) as { id: string };
    expect(id).toMatch(new RegExp(`^${conv.conversationId}\\|\\d+$`));

    const all = await pollUntil(conv, (xs) => xs.some((a) => a.text === 'echo: hello'));
    const [echo, reply] = all;
    expect(echo).toMatchObject({ id, type: 'message', text: 'hello', locale: 'fr-CA', from: { id: 'staff', role: 'user' }, channelData: { clientActivityID: 'c-1' } });
    expect(echo?.channelData).toEqual({ clientActivityID: 'c-1' });
    expect(echo).not.toHaveProperty('attachments');
    expect(reply).toMatchObject({ type: 'message', from: { id: 'assistant', name: 'Assistant', role: 'bot' }, replyToId: id, conversation: { id: conv.conversationId } });
    expect(Date.parse(reply!.timestamp)).toBeGreaterThan(Date.parse(echo!.timestamp));
    expect(received.find((r) => r.activity.id === id)?.activity.from.id).toBe('staff');
  });

  it('pages by watermark and never returns an activity twice', async () => {
    const conv = await generate();
    for (let i = 1; i <= 4; i++) endpoint.postActivity(conv.conversationId, { text: `m${i}` });
    const first = await poll(conv);
    expect(first.activities.map((a) => a.text)).toEqual(['m1', 'm2', 'm3']);
    const second = await poll(conv, first.watermark);
    expect(second.activities.map((a) => a.text)).toEqual(['m4']);
    const third = await poll(conv, second.watermark);
    expect(third).toEqual({ activities: [], watermark: second.watermark });
    // From the start again (a reload that keeps the conversation).
    expect((await poll(conv, '0')).activities.map((a) => a.text)).toEqual(['m1', 'm2', 'm3']);
    const bad = await fetch(`${base}/conversations/${conv.conversationId}/activities?watermark=abc`, { headers: auth(conv.token) });
    expect(bad.status).toBe(400);
  });

  it('keeps only the newest activities of a conversation', async () => {
    const conv = await generate();
    for (let i = 1; i <= 12; i++) endpoint.postActivity(conv.conversationId, { text: `n${i}` });
    const all = await pollUntil(conv, (xs) => xs.some((a) => a.text === 'n12'));
    expect(all.map((a) => a.text)).toEqual(['n5', 'n6', 'n7', 'n8', 'n9', 'n10', 'n11', 'n12']);
  });

  it('replaces an activity in place: same id and timestamp, delivered again after the watermark', async () => {
    const conv = await generate();
    const cardId = endpoint.postActivity(conv.conversationId, { text: 'Approve?', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { v: 1 } }] })!;
    endpoint.postActivity(conv.conversationId, { text: 'after' });
    const before = await poll(conv);
    expect(before.activities.map((a) => a.text)).toEqual(['Approve?', 'after']);

    expect(endpoint.updateActivity(conv.conversationId, cardId, { text: 'Approved by Sam' })).toBe(true);
    const next = await poll(conv, before.watermark);
    expect(next.activities).toHaveLength(1);
    expect(next.activities[0]).toMatchObject({ id: cardId, timestamp: before.activities[0]!.timestamp, text: 'Approved by Sam' });
    expect(next.activities[0]).not.toHaveProperty('attachments', expect.anything());
    // A fresh client sees each activity once, the card in its updated form.
    expect((await poll(conv)).activities.map((a) => a.text)).toEqual(['after', 'Approved by Sam']);

    expect(endpoint.updateActivity(conv.conversationId, 'nope', { text: 'x' })).toBe(false);
    expect(endpoint.updateActivity('nope', cardId, { text: 'x' })).toBe(false);
  });

  it('rejects bad bodies with 4xx and keeps serving', async () => {
    const conv = await generate();
    const url = `${base}/conversations/${conv.conversationId}/activities`;
    const send = (body: string, type = 'application/json') => fetch(url, { method: 'POST', headers: { ...auth(conv.token), 'content-type': type }, body });

    expect((await send('{not json')).status).toBe(400);
    expect((await send('"a string"')).status).toBe(400);
    expect((await send('[1,2]')).status).toBe(400);
    expect((await send(JSON.stringify({ type: 'conversationUpdate' }))).status).toBe(400);
    expect((await send(JSON.stringify({ type: 'message', text: 42 }))).status).toBe(400);
    expect((await send(JSON.stringify({ type: 'message', text: 'x'.repeat(20_000) }))).status).toBe(400);
    expect((await send('type=message', 'application/x-www-form-urlencoded')).status).toBe(415);
    const big = await send(JSON.stringify({ type: 'message', value: 'x'.repeat(70 * 1024) }));
    expect(big.status).toBe(413);
    expect(await big.json()).toEqual({ error: { code: 'TooLarge', message: expect.any(String) } });

    expect((await fetch(`${base}/tokens/generate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: { id: '<script>' } }) })).status).toBe(400);
    expect((await fetch(`${base}/tokens/generate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[' })).status).toBe(400);

    // Nothing above reached the handler; a valid activity still works, and a handler that throws does not stop the next one.
    expect((await send(JSON.stringify({ type: 'message', text: 'boom' }))).status).toBe(200);
    expect((await send(JSON.stringify({ type: 'event', name: 'webchat/join', value: { lang: 'en' } }))).status).toBe(200);
    expect((await send(JSON.stringify({ type: 'message', text: 'still here' }))).status).toBe(200);
    const all = await pollUntil(conv, (xs) => xs.some((a) => a.text === 'echo: still here'));
    expect(all.map((a) => a.text ?? a.name)).toEqual(['boom', 'webchat/join', 'still here', 'echo: still here']);
  });

  it('refreshes tokens, and expires them', async () => {
    const conv = await generate();
    const refreshed = await fetch(`${base}/tokens/refresh`, { method: 'POST', headers: auth(conv.token) });
    expect(refreshed.status).toBe(200);
    const fresh = (await refreshed.json()) as Conv;
    expect(fresh.conversationId).toBe(conv.conversationId);
    expect(fresh.token).not.toBe(conv.token);
    expect((await poll({ ...conv, token: fresh.token })).activities).toEqual([]);

    clock += 31 * 60 * 1000; // past the 30-minute token lifetime, within the 1-hour idle limit
    const res = await fetch(`${base}/conversations/${conv.conversationId}/activities`, { headers: auth(fresh.token) });
    expect(res.status).toBe(403);
    expect((await fetch(`${base}/tokens/refresh`, { method: 'POST', headers: auth(fresh.token) })).status).toBe(403);
  });

  it('drops conversations idle for more than an hour', async () => {
    const conv = await generate();
    endpoint.postActivity(conv.conversationId, { text: 'hi' });
    clock += 61 * 60 * 1000;
    expect(endpoint.userOf(conv.conversationId)).toBeUndefined();
    expect(endpoint.postActivity(conv.conversationId, { text: 'late' })).toBeUndefined();
    const res = await fetch(`${base}/conversations/${conv.conversationId}/activities`, { headers: auth(conv.token) });
    expect(res.status).toBe(404);
  });
});

describe('Direct Line endpoint bounds', () => {
  it('keeps at most maxConversations, dropping the least recently used', async () => {
    const small = createDirectLineEndpoint({ maxConversations: 2, onActivity: () => {} });
    const app = express();
    app.use('/v3/directline', small.router);
    const s = await new Promise<Server>((resolve) => {
      const x = app.listen(0, '127.0.0.1', () => resolve(x));
    });
    try {
      const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}/v3/directline/tokens/generate`;
      const open = async () => (await (await fetch(url, { method: 'POST' })).json()) as Conv;
      const a = await open();
      const b = await open();
      // A client request (not a bot post) counts as use.
      await fetch(url.replace('tokens/generate', `conversations/${a.conversationId}/activities`), { headers: auth(a.token) });
      const c = await open();
      expect(small.userOf(a.conversationId)).toBeDefined();
      expect(small.userOf(b.conversationId)).toBeUndefined();
      expect(small.userOf(c.conversationId)).toBeDefined();
    } finally {
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  });
});
