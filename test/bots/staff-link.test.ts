import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatWhen } from '../../src/bots/core/conversation-core.ts';
import type { ChannelDelivery } from '../../src/bots/core/delivery.ts';
import { textFor } from '../../src/bots/core/text.ts';
import type { Conversation, Reply, Speaker, Turn } from '../../src/bots/core/types.ts';
import { STAFF_COOKIE, STAFF_LINK_TTL_MS } from '../../src/web/staff-page.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { movingClock } from '../reminders/harness.ts';

/**
 * `staff page` (`page du personnel`): staff get a one-time sign-in link to the staff
 * pages, only where no one else can read it — the reply in their 1:1 chat; asked in a
 * room, a direct message (the room only hears that it was sent), or, with no direct
 * conversation yet, a request to ask there. Everyone else gets the staff-only refusal,
 * recorded. The links are the operator CLI's: they open `/staff` once, for 15 minutes.
 */
describe('a staff sign-in link from chat', () => {
  let t: TestApp;
  const clock = movingClock('2026-03-02T15:00:00Z');
  const direct: Array<{ address: Record<string, unknown>; replies: Reply[] }> = [];

  beforeAll(async () => {
    t = await startTestApp({}, { clock: clock.now });
    // A recording channel stands in for Teams/Slack/playground delivery.
    const recorder: ChannelDelivery = {
      channel: 'test',
      async sendToPerson(address, replies) {
        direct.push({ address, replies });
      },
      async postToStaff() {},
    };
    t.app.dispatcher.register(recorder);
  });
  afterAll(async () => t?.close());

  const en = textFor('en');
  const fr = textFor('fr');
  const sam: Speaker = { channel: 'test', externalId: 'staff-1', displayName: 'Sam Staff', locale: 'en-CA' };
  const samChat: Conversation = { channel: 'test', id: 'dm-sam', personal: true, address: { dm: 'sam' } };
  const room: Conversation = { channel: 'test', id: 'staff-room', personal: false };
  const say = (speaker: Speaker, conversation: Conversation, text: string) => t.app.core.handle(speaker, conversation, { kind: 'text', text });
  const texts = (turn: Turn) => turn.replies.map((r) => r.text).join('\n');
  /** The link in a text, pointed at the running app (the configured public URL is a placeholder). */
  const linkIn = (text: string) => {
    const m = text.match(/https?:\/\/\S+\/staff\/sign-in\?token=\S+/);
    if (!m) throw new Error(`no sign-in link in: ${text}`);
    const url = new URL(m[0]);
    return `${t.app.url}${url.pathname}${url.search}`;
  };
  const open = (url: string) => fetch(url, { redirect: 'manual' });
  const cookieOf = (res: Response) => res.headers.getSetCookie().map((c) => c.split(';')[0] ?? '').find((c) => c.startsWith(`${STAFF_COOKIE}=`) && c.length > STAFF_COOKIE.length + 1);
  const staffAudit = async (action: string) => (await t.app.store.history(['staff'], 100)).filter((a) => a.action === action);

  it('asks staff to write directly when asked in a room before any direct conversation, and makes no link', async () => {
    const turn = await say(sam, room, 'staff page');
    expect(texts(turn)).toBe(en.staffLinkAskPrivately);
    expect(turn.outgoing).toEqual([]);
    expect(await staffAudit('staff.linkSent')).toEqual([]);
  });

  it('gives the link in the 1:1 chat; it opens /staff once, and never again', async () => {
    const turn = await say(sam, samChat, 'staff page');
    const text = texts(turn);
    const expiresAt = new Date((await staffAudit('staff.linkSent'))[0]!.data!['expiresAt'] as string);
    expect(expiresAt.getTime() - clock.now().getTime()).toBeGreaterThan(STAFF_LINK_TTL_MS - 60_000);
    const link = linkIn(text);
    expect(text).toBe(en.staffLink(text.split('\n')[1]!, formatWhen(expiresAt, 'America/Toronto', 'en')));

    const first = await open(link);
    expect(first.status).toBe(303);
    const cookie = cookieOf(first);
    expect(cookie).toBeTruthy();
    const dashboard = await fetch(`${t.app.url}/staff`, { headers: { cookie: cookie! } });
    expect(dashboard.status).toBe(200);
    expect(await dashboard.text()).toContain('Onboarding funnel');

    const again = await open(link);
    expect(again.status).toBe(410);
    expect(cookieOf(again)).toBeUndefined();
    expect(await again.text()).toContain('already used');
    const signedIn = await staffAudit('staff.signedIn');
    expect(signedIn.at(-1)?.data).toMatchObject({ method: 'link' });
  });

  it('sends it by direct message when asked in a room, where only that is said', async () => {
    const before = direct.length;
    const turn = await say(sam, room, 'Staff Page');
    expect(texts(turn)).toBe(en.staffLinkSentPrivately);
    expect(texts(turn)).not.toMatch(/token=/);
    // Channels send a turn's outgoing messages through the dispatcher, as here.
    expect(turn.outgoing).toEqual([expect.objectContaining({ to: 'person' })]);
    await t.app.dispatcher.deliver(turn.outgoing);
    expect(direct.length).toBe(before + 1);
    const dm = direct.at(-1)!;
    expect(dm.address).toEqual({ dm: 'sam' });
    const link = linkIn(dm.replies.map((r) => r.text).join('\n'));
    expect((await open(link)).status).toBe(303);
    expect((await open(link)).status).toBe(410);
    // Recorded, newest first.
    expect((await staffAudit('staff.linkSent')).map((a) => a.data?.['where'])).toEqual(['directFromRoom', 'direct']);
  });

  it('speaks French, and the link expires after 15 minutes', async () => {
    const claire: Speaker = { channel: 'test', externalId: 'staff-2', displayName: 'Claire', locale: 'fr-CA' };
    const turn = await say(claire, { channel: 'test', id: 'dm-claire', personal: true, address: { dm: 'claire' } }, 'page du personnel');
    const link = linkIn(texts(turn));
    const expiresAt = new Date((await staffAudit('staff.linkSent'))[0]!.data!['expiresAt'] as string);
    expect(texts(turn)).toBe(fr.staffLink(texts(turn).split('\n')[1]!, formatWhen(expiresAt, 'America/Toronto', 'fr')));
    clock.advance(STAFF_LINK_TTL_MS + 1000);
    const late = await open(`${link}&lang=fr`);
    expect(late.status).toBe(410);
    expect(await late.text()).toContain('a expiré');
  });

  it('refuses anyone else, in a direct chat or a room, and records the attempt', async () => {
    const ada: Speaker = { channel: 'test', externalId: 'admin-ada', displayName: 'Ada', locale: 'en-CA' };
    const adaChat: Conversation = { channel: 'test', id: 'dm-ada', personal: true, address: { dm: 'ada' } };
    const sent = (await staffAudit('staff.linkSent')).length;
    const inChat = await say(ada, adaChat, 'staff page');
    expect(texts(inChat)).toBe(en.staffOnlyRecorded);
    const inRoom = await say(ada, room, 'funnel');
    expect(texts(inRoom)).toBe(en.staffOnlyRecorded);
    expect(inRoom.outgoing).toEqual([]);
    const support: Speaker = { channel: 'test', externalId: 'support-1', displayName: 'Sue Support' };
    expect(texts(await say(support, { channel: 'test', id: 'dm-sue', personal: true, address: { dm: 'sue' } }, 'lien du personnel'))).toBe(en.staffOnlyRecorded);
    expect((await staffAudit('staff.linkRefused')).map((a) => a.data?.['where'])).toEqual(['direct', 'directFromRoom', 'direct']);
    expect((await staffAudit('staff.linkSent')).length).toBe(sent);
  });
});
