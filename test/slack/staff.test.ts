import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/core/onboarding-service.ts';
import { submittedOrganization } from '../helpers/journey.ts';
import type { SlackCall } from './fake-slack.ts';
import {
  STAFF_1,
  STAFF_2,
  STAFF_CHANNEL,
  appMentionEvent,
  blockAction,
  buttonIn,
  everything,
  postEvent,
  postPayload,
  startSlackTestApp,
  stateFor,
  viewSubmission,
  type SlackTestApp,
  type SlackUser,
} from './helpers.ts';

/**
 * Staff decide in the Slack staff channel, through `/slack/events` on the real app: the
 * card posted by the outbox, Approve, Reject with a reason modal, refusals and races.
 */
describe('Slack: staff decisions', () => {
  let s: SlackTestApp;
  let admin: Actor;
  const adminUser: SlackUser = { id: 'UORG', name: 'org.admin' };
  const INJECTED = '<!channel> Mentors & Co <@U999>';

  beforeAll(async () => {
    s = await startSlackTestApp();
    // The administrator wrote from Slack before: news reach their DM.
    admin = await s.t.app.service.identify({ channel: 'slack', externalId: adminUser.id, displayName: adminUser.name, address: { channel: 'DORG', user: adminUser.id } });
  });
  afterAll(async () => s?.close());

  const text = (c: SlackCall) => String(c.params['text']);
  const hasButtons = (blocks: unknown) => JSON.stringify(blocks).includes('"type":"actions"');

  /** A submitted organization and its card, as the outbox posted it in the staff channel. */
  async function cardFor(legalName?: string) {
    const org = await submittedOrganization(s.t.app.service, admin, legalName ? { legalName } : {});
    const [card] = await s.fake.waitFor('chat.postMessage', (p) => p['channel'] === STAFF_CHANNEL && JSON.stringify(p['blocks'] ?? null).includes(org.submissionId));
    const ts = String(card!.response?.['ts']);
    const button = (outcome: string) => buttonIn(card!.params['blocks'], (v) => v['action'] === 'decide' && v['outcome'] === outcome);
    return { org, card: card!, ts, button };
  }

  it('posts a card with Approve / Reject / Request changes and approves in place', async () => {
    const { org, card, ts, button } = await cardFor(INJECTED);
    expect(hasButtons(card.params['blocks'])).toBe(true);
    expect(text(card)).toContain('&lt;!channel&gt; Mentors &amp; Co &lt;@U999&gt;');

    const t0 = Date.now();
    const res = await postPayload(s, blockAction({ user: STAFF_1, found: button('approved'), channel: STAFF_CHANNEL, messageTs: ts }));
    expect(res.status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(3000);

    const [updated] = await s.fake.waitFor('chat.update', (p) => p['ts'] === ts);
    expect(hasButtons(updated!.params['blocks'])).toBe(false);
    expect(JSON.stringify(updated!.params['blocks'])).toContain('Approved by sam.staff at');
    const [thread] = await s.fake.waitFor('chat.postMessage', (p) => p['thread_ts'] === ts);
    expect(text(thread!)).toMatch(/^Approved by sam\.staff at/);
    expect((await s.t.app.store.getDecision(org.submissionId))?.outcome).toBe('approved');

    // The administrator hears it in their DM, and their App Home follows.
    await s.fake.waitFor('chat.postMessage', (p) => p['channel'] === 'DORG' && /approved/.test(String(p['text'])));
    await s.fake.waitFor('views.publish', (p) => p['user_id'] === adminUser.id);
  });

  it('asks for a reason in a modal before rejecting', async () => {
    const { org, ts, button } = await cardFor();
    const res = await postPayload(s, blockAction({ user: STAFF_2, found: button('rejected'), channel: STAFF_CHANNEL, messageTs: ts }));
    expect(res.status).toBe(200);
    const [opened] = await s.fake.waitFor('views.open', (p) => String((p['view'] as Record<string, unknown>)['private_metadata']).includes(org.submissionId));
    const view = opened!.params['view'] as Record<string, unknown>;
    expect(view['callback_id']).toBe('reason');
    expect(JSON.parse(String(view['private_metadata']))).toEqual({ submissionId: org.submissionId, outcome: 'rejected', channel: STAFF_CHANNEL, ts });
    expect(await s.t.app.store.getDecision(org.submissionId)).toBeNull();

    const submitted = await postPayload(s, viewSubmission({ user: STAFF_2, view, values: { reason: 'No charity number <@U999>' } }));
    expect(submitted.status).toBe(200);
    expect(await submitted.text()).toBe('');

    const [updated] = await s.fake.waitFor('chat.update', (p) => p['ts'] === ts);
    expect(hasButtons(updated!.params['blocks'])).toBe(false);
    const [thread] = await s.fake.waitFor('chat.postMessage', (p) => p['thread_ts'] === ts);
    expect(text(thread!)).toMatch(/^Rejected by sky\.staff at .*\nReason: No charity number &lt;@U999&gt;$/s);
    const decision = await s.t.app.store.getDecision(org.submissionId);
    expect(decision?.outcome).toBe('rejected');
    expect(decision?.reason).toBe('No charity number <@U999>');
    await s.fake.waitFor('chat.postMessage', (p) => p['channel'] === 'DORG' && /not approved/.test(String(p['text'])));
  });

  it('refuses a decision from someone who is not staff, telling only them', async () => {
    const { org, ts, button } = await cardFor();
    const updates = s.fake.ok('chat.update', (p) => p['ts'] === ts).length;
    await postPayload(s, blockAction({ user: adminUser, found: button('approved'), channel: STAFF_CHANNEL, messageTs: ts }));
    const [refusal] = await s.fake.waitFor('chat.postEphemeral', (p) => p['user'] === adminUser.id);
    expect(refusal!.params['channel']).toBe(STAFF_CHANNEL);
    expect(text(refusal!)).toMatch(/Only Mentor Connector staff/);
    expect(await s.t.app.store.getDecision(org.submissionId)).toBeNull();
    expect(s.fake.ok('chat.update', (p) => p['ts'] === ts)).toHaveLength(updates);
    expect(s.fake.ok('chat.postMessage', (p) => p['thread_ts'] === ts)).toHaveLength(0);
  });

  it('records one decision when two staff approve at once; the other hears “already approved by”', async () => {
    const { org, ts, button } = await cardFor();
    const responses = await Promise.all([STAFF_1, STAFF_2].map((user) => postPayload(s, blockAction({ user, found: button('approved'), channel: STAFF_CHANNEL, messageTs: ts }))));
    expect(responses.map((r) => r.status)).toEqual([200, 200]);
    const [already] = await s.fake.waitFor('chat.postEphemeral', (p) => /Already approved by/.test(String(p['text'])));
    await s.fake.waitFor('chat.postMessage', (p) => p['thread_ts'] === ts);
    await new Promise((r) => setTimeout(r, 500));
    const decision = await s.t.app.store.getDecision(org.submissionId);
    expect(decision?.outcome).toBe('approved');
    const winner = (await s.t.app.service.person(decision!.decidedBy))?.displayName;
    expect(s.fake.ok('chat.postMessage', (p) => p['thread_ts'] === ts)).toHaveLength(1);
    expect(s.fake.ok('chat.postEphemeral', (p) => /Already approved by/.test(String(p['text'])) && p['channel'] === STAFF_CHANNEL)).toHaveLength(1);
    expect(text(already!)).toContain(`Already approved by ${winner}`);
    const loser = winner === STAFF_1.name ? STAFF_2 : STAFF_1;
    expect(already!.params['user']).toBe(loser.id);
  });

  it('lets staff publish an onboarding session from a form posted in the channel', async () => {
    const res = await postEvent(s, appMentionEvent({ user: STAFF_1, channel: STAFF_CHANNEL, text: 'sessions' }));
    expect(res.status).toBe(200);
    const [form] = await s.fake.waitFor('chat.postMessage', (p) => p['channel'] === STAFF_CHANNEL && JSON.stringify(p['blocks'] ?? null).includes('"type":"input"'));
    expect(form!.params['thread_ts']).toBeTruthy();
    const submit = buttonIn(form!.params['blocks'], (v) => v['action'] === 'publishSlot');
    const state = stateFor(form!.params['blocks'], { startsAt: '2026-12-15 14:00', videoUrl: 'https://meet.example.org/onboarding' });
    await postPayload(s, blockAction({ user: STAFF_1, found: submit, channel: STAFF_CHANNEL, messageTs: String(form!.response?.['ts']), state }));
    const [done] = await s.fake.waitFor('chat.postEphemeral', (p) => p['user'] === STAFF_1.id && /Session published/.test(String(p['text'])));
    expect(done!.params['channel']).toBe(STAFF_CHANNEL);
    expect((await s.t.app.service.listSlots()).map((slot) => slot.videoUrl)).toContain('https://meet.example.org/onboarding');
  });

  it('moves approvals to a channel claimed with “use this channel for approvals”', async () => {
    await postEvent(s, appMentionEvent({ user: STAFF_2, channel: 'CNEWSTAFF', text: 'use this channel for approvals' }));
    const [claimed] = await s.fake.waitFor('chat.postMessage', (p) => p['channel'] === 'CNEWSTAFF');
    expect(text(claimed!)).toMatch(/will be posted in this channel/);
    const org = await submittedOrganization(s.t.app.service, admin);
    await s.fake.waitFor('chat.postMessage', (p) => p['channel'] === 'CNEWSTAFF' && JSON.stringify(p['blocks'] ?? null).includes(org.submissionId));
  });

  it('never sends a name or reason unescaped to Slack', () => {
    const all = everything(s.fake);
    expect(all).toContain('&lt;!channel&gt;');
    expect(all).not.toContain('<!channel>');
    expect(all).not.toContain('<@U999>');
  });
});
