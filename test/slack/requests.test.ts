import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SUPPORT,
  messageEvent,
  postCommand,
  postEvent,
  send,
  slashCommand,
  startSlackTestApp,
  type SlackTestApp,
  type SlackUser,
} from './helpers.ts';

/** What `/slack/events` accepts and refuses, and the `/onboarding` slash command. */
describe('Slack: the endpoint', () => {
  let s: SlackTestApp;
  const stranger: SlackUser = { id: 'UMAL', name: 'mallory' };

  beforeAll(async () => {
    s = await startSlackTestApp();
  });
  afterAll(async () => s?.close());

  it('refuses a bad signature, a stale timestamp and missing headers with 401', async () => {
    const body = JSON.stringify(messageEvent({ user: stranger, channel: 'DMAL', text: 'hello' }));
    expect((await send(s.endpoint, body, 'application/json', { secret: 'wrong-secret' })).status).toBe(401);
    expect((await send(s.endpoint, body, 'application/json', { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 })).status).toBe(401);
    expect((await send(s.endpoint, body, 'application/json', { unsigned: true })).status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect(s.fake.calls.filter((c) => c.method !== 'auth.test')).toHaveLength(0);
    expect(await s.t.app.store.findIdentity('slack', stranger.id)).toBeNull();
  });

  it('answers 400 to a malformed body and stores nothing', async () => {
    const bad: Array<[string, string]> = [
      [JSON.stringify({ type: 'event_callback', event_id: 'EvMalformed1', event: { user: stranger.id, channel_type: 'im', text: 'hi' } }), 'application/json'],
      [JSON.stringify({ type: 'event_callback', event: { type: 'message', user: stranger.id, channel: 'DMAL', channel_type: 'im', text: 'hi' } }), 'application/json'],
      ['{"type":"event_callback",', 'application/json'],
      [`payload=${encodeURIComponent('{"type":"block_actions"')}`, 'application/x-www-form-urlencoded'],
      [`payload=${encodeURIComponent(JSON.stringify({ type: 'block_actions', user: { id: stranger.id }, actions: [] }))}`, 'application/x-www-form-urlencoded'],
      [`payload=${encodeURIComponent(JSON.stringify({ type: 'view_submission', user: { id: stranger.id }, view: { callback_id: 'section' } }))}`, 'application/x-www-form-urlencoded'],
      [`payload=${encodeURIComponent(JSON.stringify({ type: 'shortcut', user: { id: stranger.id } }))}`, 'application/x-www-form-urlencoded'],
      [new URLSearchParams({ command: '/onboarding', user_id: stranger.id }).toString(), 'application/x-www-form-urlencoded'],
      ['[]', 'application/json'],
    ];
    for (const [body, type] of bad) {
      const res = await send(s.endpoint, body, type);
      expect(res.status, body).toBe(400);
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(s.fake.calls.filter((c) => c.method !== 'auth.test')).toHaveLength(0);
    expect(await s.t.app.store.findIdentity('slack', stranger.id)).toBeNull();
    // The event id was never recorded: recording it now is a first time.
    expect(await s.t.app.store.recordInboundEvent('slack:event:EvMalformed1', new Date())).toBe(true);
  });

  it('answers Slack’s URL verification', async () => {
    const res = await postEvent(s, { token: 'x', challenge: 'c-123', type: 'url_verification' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ challenge: 'c-123' });
  });

  it('acknowledges events it does not use, at once', async () => {
    const t0 = Date.now();
    const res = await postEvent(s, { ...messageEvent({ user: stranger, channel: 'C1', text: 'x' }), event: { type: 'reaction_added', user: stranger.id, reaction: 'tada', event_ts: '1.0' } });
    expect(res.status).toBe(200);
    const limited = await postEvent(s, { token: 'x', type: 'app_rate_limited', team_id: 'T0TEST', minute_rate_limited: 1518467820, api_app_id: 'A0TEST' });
    expect(limited.status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('ignores its own messages and message subtypes', async () => {
    const own = messageEvent({ user: { id: 'UBOT', name: 'assistant' }, channel: 'DSELF', text: 'hello' });
    const edited = messageEvent({ user: stranger, channel: 'DSELF', text: 'hello' });
    expect((await postEvent(s, { ...own, event: { ...own.event, bot_id: 'BBOT' } })).status).toBe(200);
    expect((await postEvent(s, { ...edited, event: { ...edited.event, subtype: 'message_changed' } })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 400));
    expect(s.fake.ok('chat.postMessage', (p) => p['channel'] === 'DSELF')).toHaveLength(0);
  });

  it('/onboarding: acknowledges at once, then answers only the person who typed it', async () => {
    const user: SlackUser = { id: 'UCMD', name: 'cmd.user' };
    const t0 = Date.now();
    const res = await postCommand(s, slashCommand({ user, text: '', responseUrl: s.fake.responseUrl('own-status') }));
    expect(res.status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(3000);
    const [answer] = await s.fake.waitFor('response_url', (p) => p['id'] === 'own-status');
    expect(answer!.params['response_type']).toBe('ephemeral');
    expect(String(answer!.params['text'])).toMatch(/four steps/);

    await postCommand(s, slashCommand({ user, text: 'help', responseUrl: s.fake.responseUrl('help') }));
    const [help] = await s.fake.waitFor('response_url', (p) => p['id'] === 'help');
    expect(String(help!.params['text'])).toMatch(/You can type/);

    await postCommand(s, slashCommand({ user, text: 'status <!channel>', responseUrl: s.fake.responseUrl('refused') }));
    const [refused] = await s.fake.waitFor('response_url', (p) => p['id'] === 'refused');
    // Someone who is not support sees nothing of others (the core's wording may vary).
    expect(String(refused!.params['text'])).toMatch(/Only support agents and staff|found nothing/);

    await postCommand(s, slashCommand({ user: SUPPORT, text: 'nothing like this', responseUrl: s.fake.responseUrl('lookup') }));
    const [lookup] = await s.fake.waitFor('response_url', (p) => p['id'] === 'lookup');
    expect(String(lookup!.params['text'])).toMatch(/found nothing/);
    expect(JSON.stringify(s.fake.calls)).not.toContain('<!channel>');
  });
});
