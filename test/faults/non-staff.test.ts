import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newAdmin, submittedOrganization, type SubmittedOrganization } from '../helpers/journey.ts';
import {
  appMentionEvent,
  blockAction,
  buttonIn,
  messageEvent,
  postCommand,
  postEvent,
  postPayload,
  slashCommand,
  startSlackTestApp,
  STAFF_1,
  STAFF_CHANNEL,
  type Found,
  type SlackTestApp,
  type SlackUser,
} from '../slack/helpers.ts';

/**
 * Someone who is not staff tries every staff action through Slack's real endpoint — the
 * buttons of a real staff card (approve, reject, request changes), the reason modal, the
 * session buttons (publish, edit, cancel, samples), the staff and support commands typed in
 * a DM, in the staff channel and as `/onboarding` — and each is refused, with an answer, and
 * changes nothing: no decision, no slot, no link, no email, no setting. (Refusals are
 * audited, so the audit log is the one table allowed to grow.)
 */
const INTRUDER: SlackUser = { id: 'UINTRUDER', name: 'mallory' };
const DM = 'DINTRUDER';

/** Tables whose rows a staff action would add or change. */
const PROTECTED = ['Decision', 'Submission', 'WorkflowSnapshot', 'SessionSlot', 'SessionBooking', 'LinkToken', 'OutboxMessage', 'Setting', 'Organization', 'Program', 'FormDraft'];

type Sql = { $queryRawUnsafe<T>(query: string, ...values: unknown[]): Promise<T> };

describe('non-staff trying every staff action (Slack)', () => {
  let s: SlackTestApp;
  let org: SubmittedOrganization;
  let card: Record<string, unknown>;
  let cardTs: string;
  let slotId: string;

  /** Every row of the protected tables, hashed (read through the app's own client: PGlite allows one). */
  async function state(): Promise<string> {
    const sql = Reflect.get(s.t.app.store, 'client') as Sql;
    const rows = await sql.$queryRawUnsafe<Array<{ t: string; h: string }>>(PROTECTED.map((name) => `SELECT '${name}' AS t, md5(x::text) AS h FROM "${name}" x`).join(' UNION ALL '));
    return rows
      .map((r) => `${r.t}:${r.h}`)
      .sort()
      .join('\n');
  }

  /** What the intruder was told since `from`: their DM, ephemeral messages, the channel they wrote in, the command's response. */
  const toldSince = (from: number) =>
    s.fake.calls
      .slice(from)
      .filter((c) => c.status === 200 && ((c.method === 'chat.postEphemeral' && c.params['user'] === INTRUDER.id) || (c.method === 'chat.postMessage' && (c.params['channel'] === DM || c.params['channel'] === 'COTHER')) || c.method === 'response_url'))
      .map((c) => String(c.params['text'] ?? ''));

  beforeAll(async () => {
    s = await startSlackTestApp();
    const { service } = s.t.app;
    org = await submittedOrganization(service, await newAdmin(service));
    const [posted] = await s.fake.waitFor('chat.postMessage', (p) => p['channel'] === STAFF_CHANNEL && JSON.stringify(p['blocks'] ?? null).includes(org.submissionId), 1, 15_000);
    card = posted!.params;
    cardTs = String(posted!.response?.['ts']);
    const staff = await service.identify({ channel: 'slack', externalId: STAFF_1.id, displayName: STAFF_1.name });
    const slot = await service.publishSlot(staff, { startsAt: new Date(Date.now() + 5 * 86_400_000), timeZone: 'America/Halifax', durationMinutes: 60, language: 'en', capacity: 10, videoUrl: 'https://meet.example.org/staff-only' });
    slotId = slot.id;
    // Let the outbox settle (the staff card was its last row to send).
    await new Promise((r) => setTimeout(r, 300));
  });
  afterAll(async () => s?.close());

  it('refuses each one with an answer, and changes nothing', async () => {
    const before = await state();
    const attempts: Array<{ what: string; run: () => Promise<Response>; told: RegExp }> = [];
    const decide = (outcome: string): Found => buttonIn(card['blocks'], (v) => v['action'] === 'decide' && v['outcome'] === outcome);
    const click = (found: Found, channel: string, extra: Record<string, unknown> = {}) =>
      postPayload(s, blockAction({ user: INTRUDER, found: { ...found, value: { ...found.value, ...extra }, element: { ...found.element, value: JSON.stringify({ ...found.value, ...extra }) } }, channel, messageTs: cardTs }));
    const forged = (value: Record<string, unknown>): Found => ({ element: { type: 'button', action_id: `forged-${String(value['action'])}`, value: JSON.stringify(value) }, blockId: 'forged', value });
    const refusal = /Only (Mentor Connector )?staff|Only support|not allowed/i;

    // The real card's buttons, clicked in the staff channel (the reason given inline).
    attempts.push({ what: 'approve', run: () => click(decide('approved'), STAFF_CHANNEL), told: refusal });
    attempts.push({ what: 'reject with a reason', run: () => click(decide('rejected'), STAFF_CHANNEL, { reason: 'no' }), told: refusal });
    attempts.push({ what: 'request changes with a reason', run: () => click(decide('changesRequested'), STAFF_CHANNEL, { reason: 'change it' }), told: refusal });
    // The same decision from the intruder's DM, and forged session buttons.
    attempts.push({ what: 'approve from a DM', run: () => click(decide('approved'), DM), told: refusal });
    const slotValues = { startsAt: '2030-01-15 14:00', timeZone: 'America/Toronto', durationMinutes: '60', language: 'en', capacity: '10', videoUrl: 'https://evil.example/meet' };
    for (const [what, value] of [
      ['publish a session', { action: 'publishSlot', ...slotValues }],
      ['edit a session', { action: 'editSlot', slotId, ...slotValues }],
      ['cancel a session', { action: 'cancelSlot', slotId, reason: 'gone' }],
      ['add sample sessions', { action: 'addSampleSlots' }],
    ] as const) {
      // Sample sessions exist only in the playground: elsewhere the action is not understood at all.
      const told = value.action === 'addSampleSlots' ? new RegExp(`${refusal.source}|did not understand`, 'i') : refusal;
      attempts.push({ what, run: () => postPayload(s, blockAction({ user: INTRUDER, found: forged(value), channel: DM, messageTs: '1.1' })), told });
    }
    // Typed: in a DM, in the staff channel, and as the slash command.
    for (const text of [`resend activation ${org.legalName}`, `history ${org.legalName}`, `status ${org.legalName}`, 'staff page']) {
      attempts.push({ what: `DM “${text}”`, run: () => postEvent(s, messageEvent({ user: INTRUDER, channel: DM, text })), told: refusal });
    }
    for (const text of ['use this channel for approvals', `resend platform ${org.legalName}`]) {
      attempts.push({ what: `@mention “${text}”`, run: () => postEvent(s, appMentionEvent({ user: INTRUDER, channel: 'COTHER', text })), told: refusal });
    }
    // Anyone may list sessions (to book one); the staff form to publish is not offered.
    attempts.push({ what: '@mention “sessions”', run: () => postEvent(s, appMentionEvent({ user: INTRUDER, channel: 'COTHER', text: 'sessions' })), told: /^(?![\s\S]*Publish an onboarding session)/ });
    attempts.push({ what: '/onboarding status', run: () => postCommand(s, slashCommand({ user: INTRUDER, text: org.legalName, responseUrl: s.fake.responseUrl('intruder') })), told: refusal });

    const answered: string[] = [];
    for (const attempt of attempts) {
      const from = s.fake.calls.length;
      expect((await attempt.run()).status, attempt.what).toBe(200);
      // Every attempt gets an answer (a refusal, or what anyone may see), never silence.
      const deadline = Date.now() + 10_000;
      while (toldSince(from).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const told = toldSince(from).join('\n');
      expect(told, attempt.what).toMatch(attempt.told);
      // Nothing of the organization is shown to someone who does not run it.
      expect(told, attempt.what).not.toContain(org.adminEmail);
      answered.push(attempt.what);
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(await state()).toBe(before);
    // The card is still undecided, and the staff channel was never claimed.
    expect((await s.t.app.service.overview(await s.t.app.service.identify({ channel: 'test', externalId: 'nobody', displayName: 'x' }))).length).toBe(0);
    expect(await s.t.app.store.getSetting('slack.staffChannel')).toBeNull();
    console.log(`non-staff: ${attempts.length} staff actions attempted, ${answered.length} answered, 0 changed anything`);
  }, 120_000);
});
