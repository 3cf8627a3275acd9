import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  blockAction,
  buttonIn,
  elementsIn,
  everything,
  homeOpenedEvent,
  messageEvent,
  postEvent,
  postPayload,
  startSlackTestApp,
  viewSubmission,
  type SlackTestApp,
  type SlackUser,
} from './helpers.ts';

/**
 * An administrator in a Slack DM, through `/slack/events` on the real app: questions one
 * at a time, a whole section in a modal with inline errors, the App Home, French, retried
 * events and rate limits.
 */
describe('Slack: the administrator’s DM', () => {
  let s: SlackTestApp;
  const admin: SlackUser = { id: 'UADMIN', name: 'amelie' };
  const dm = 'DADMIN';
  const toDm = (p: Record<string, unknown>) => p['channel'] === dm;

  beforeAll(async () => {
    s = await startSlackTestApp();
  });
  afterAll(async () => s?.close());

  /**
   * Sends a DM and waits for the assistant's answer that matches `until` (a turn's replies
   * are posted one after another); returns everything it posted since, in order.
   */
  async function say(text: string, until: RegExp, user = admin, channel = dm) {
    const posts = () => s.fake.ok('chat.postMessage', (p) => p['channel'] === channel);
    const earlier = new Set(posts().map((c) => c.params));
    const res = await postEvent(s, messageEvent({ user, channel, text }));
    expect(res.status).toBe(200);
    await s.fake.waitFor('chat.postMessage', (p) => p['channel'] === channel && !earlier.has(p) && until.test(String(p['text'])));
    return posts().filter((c) => !earlier.has(c.params));
  }

  /** The latest message to `channel` whose text matches. */
  const latest = (channel: string, match: RegExp) => s.fake.ok('chat.postMessage', (p) => p['channel'] === channel && match.test(String(p['text']))).at(-1)!;

  it('greets with the four steps and a button, the text fallback complete', async () => {
    await say('hello', /four steps/);
    // The progress card follows the greeting.
    const [progress] = await s.fake.waitFor('chat.postMessage', (p) => toDm(p) && JSON.stringify(p['blocks'] ?? null).includes('newOrganization'));
    const blocks = JSON.stringify(progress!.params['blocks']);
    expect(blocks).toContain('○ 2.');
    expect(blocks).toContain('"action_id":"newOrganization:0"');
  });

  it('asks one question at a time; a click and typed text both answer', async () => {
    const greeting = s.fake.ok('chat.postMessage', (p) => toDm(p) && JSON.stringify(p['blocks'] ?? null).includes('newOrganization')).at(-1)!;
    const start = buttonIn(greeting.params['blocks'], (v) => v['action'] === 'newOrganization');
    const t0 = Date.now();
    const res = await postPayload(s, blockAction({ user: admin, found: start, channel: dm, messageTs: '1.1' }));
    expect(res.status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(3000);
    const [question] = await s.fake.waitFor('chat.postMessage', (p) => toDm(p) && String(p['text']).includes('question 1 of 14'));
    expect(question).toBeDefined();
    // An organization name trying to ping everyone, typed as Slack sends it (escaped).
    const next = await say('<!channel> Mentorat & Co <@U999>', /question 2 of 14/);
    expect(String(next.at(-1)!.params['text'])).toContain('&lt;!channel&gt; Mentorat &amp; Co &lt;@U999&gt;');
  });

  it('opens the whole section in a modal, shows inline errors, then moves on', async () => {
    const question = latest(dm, /question 2 of 14/);
    const open = buttonIn(question.params['blocks'], (v) => v['action'] === 'openSection');
    const res = await postPayload(s, blockAction({ user: admin, found: open, channel: dm, messageTs: '1.2' }));
    expect(res.status).toBe(200);
    const [opened] = await s.fake.waitFor('views.open');
    const view = opened!.params['view'] as Record<string, unknown>;
    expect(view['callback_id']).toBe('section');
    const meta = JSON.parse(String(view['private_metadata'])) as Record<string, unknown>;
    expect(meta).toMatchObject({ formId: 'organization', sectionId: 'identity', channelId: dm });
    expect(typeof meta['entityId']).toBe('string');
    const blocks = view['blocks'] as Array<Record<string, unknown>>;
    expect(blocks.filter((b) => b['type'] === 'input').map((b) => b['block_id'])).toEqual(['legalName', 'operatingName', 'website']);
    // The stored name comes back pre-filled, escaped.
    expect(JSON.stringify(blocks)).toContain('&lt;!channel&gt; Mentorat &amp; Co');

    const invalid = await postPayload(s, viewSubmission({ user: admin, view, values: { website: 'not a website' } }));
    expect(invalid.status).toBe(200);
    const body = (await invalid.json()) as { response_action: string; errors: Record<string, string> };
    expect(body.response_action).toBe('errors');
    expect(Object.keys(body.errors)).toEqual(['website']);

    const valid = await postPayload(s, viewSubmission({ user: admin, view, values: { operatingName: 'Mentorat', website: 'mentorat.example.org' } }));
    expect(valid.status).toBe(200);
    expect(await valid.text()).toBe('');
    await s.fake.waitFor('chat.postMessage', (p) => toDm(p) && /question 4 of 14/.test(String(p['text'])));
    // The name typed first survived the round trip through the modal unchanged.
    const org = (await s.t.app.service.overview(await s.t.app.service.identify({ channel: 'slack', externalId: admin.id, displayName: admin.name })))[0];
    expect(org?.name).toBe('<!channel> Mentorat & Co <@U999>');
  });

  it('publishes the App Home with where the person stands', async () => {
    const res = await postEvent(s, homeOpenedEvent({ user: admin, channel: dm }));
    expect(res.status).toBe(200);
    const [published] = await s.fake.waitFor('views.publish', (p) => p['user_id'] === admin.id);
    const view = published!.params['view'] as Record<string, unknown>;
    expect(view['type']).toBe('home');
    const json = JSON.stringify(view['blocks']);
    expect(json).toContain('• 1.');
    expect(json).toContain('○ 4.');
  });

  it('answers a click on the App Home in the person’s DM', async () => {
    const [published] = s.fake.ok('views.publish', (p) => p['user_id'] === admin.id).slice(-1);
    const view = published!.params['view'] as Record<string, unknown>;
    const found = elementsIn(view['blocks']).find((f) => f.value['action'] === 'start');
    expect(found).toBeDefined();
    expect((await postPayload(s, blockAction({ user: admin, found: found! }))).status).toBe(200);
    // Addressed by user id: Slack posts it in the app's Messages tab.
    await s.fake.waitFor('chat.postMessage', (p) => p['channel'] === admin.id && /question 4 of 14/.test(String(p['text'])));
  });

  it('processes an event Slack retries (same event_id) once', async () => {
    const user: SlackUser = { id: 'URETRY', name: 'retry' };
    const event = messageEvent({ user, channel: 'DRETRY', text: 'help' });
    expect((await postEvent(s, event)).status).toBe(200);
    expect((await postEvent(s, event, { headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } })).status).toBe(200);
    await s.fake.waitFor('chat.postMessage', (p) => p['channel'] === 'DRETRY');
    // Give a second processing every chance to show up.
    await new Promise((r) => setTimeout(r, 1000));
    expect(s.fake.ok('chat.postMessage', (p) => p['channel'] === 'DRETRY')).toHaveLength(1);
  });

  it('waits out a 429 (Retry-After) and still delivers the message', async () => {
    const user: SlackUser = { id: 'URATE', name: 'rate' };
    s.fake.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    const t0 = Date.now();
    expect((await postEvent(s, messageEvent({ user, channel: 'DRATE', text: 'help' }))).status).toBe(200);
    const [delivered] = await s.fake.waitFor('chat.postMessage', (p) => p['channel'] === 'DRATE');
    expect(delivered!.at - t0).toBeGreaterThanOrEqual(900);
    expect(s.fake.calls.filter((c) => c.method === 'chat.postMessage' && c.status === 429)).toHaveLength(1);
  });

  it('retries a Slack 500 with backoff and still delivers the message, once', async () => {
    const user: SlackUser = { id: 'U500', name: 'flaky' };
    s.fake.failNext('chat.postMessage', { status: 500 }, 2);
    expect((await postEvent(s, messageEvent({ user, channel: 'D500', text: 'help' }))).status).toBe(200);
    const [delivered] = await s.fake.waitFor('chat.postMessage', (p) => p['channel'] === 'D500', 1, 15_000);
    expect(String(delivered!.params['text'])).toMatch(/help|commands|type/i);
    expect(s.fake.calls.filter((c) => c.method === 'chat.postMessage' && c.status === 500)).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 500));
    expect(s.fake.ok('chat.postMessage', (p) => p['channel'] === 'D500')).toHaveLength(1);
  });

  it('speaks French after “français”, in messages and modals', async () => {
    const user: SlackUser = { id: 'UFR', name: 'josee' };
    const channel = 'DFR';
    // The greeting, then the steps card: wait for the card, the turn's last reply.
    await say('bonjour', /1\. Register the organization/, user, channel);
    const switched = await say('français', /français/, user, channel);
    expect(switched.map((c) => String(c.params['text'])).join('\n')).toMatch(/français/);
    await say('inscrire mon organisme', /Étape 1 sur 4/, user, channel);
    await say('Mentorat Québec', /Étape 1 sur 4.*2 sur 14/, user, channel);
    const question = latest(channel, /2 sur 14/);
    const open = buttonIn(question.params['blocks'], (v) => v['action'] === 'openSection');
    const opens = s.fake.ok('views.open').length;
    await postPayload(s, blockAction({ user, found: open, channel, messageTs: '2.1' }));
    const opened = await s.fake.waitFor('views.open', undefined, opens + 1);
    const view = opened.at(-1)!.params['view'] as Record<string, unknown>;
    expect((view['close'] as Record<string, unknown>)['text']).toBe('Annuler');
    expect(JSON.stringify(view['blocks'])).toMatch(/Dénomination sociale|Nom légal|Nom/);
  });

  it('never lets typed text ping anyone', () => {
    const all = everything(s.fake);
    expect(all).not.toContain('<!channel>');
    expect(all).not.toContain('<@U999>');
  });
});
