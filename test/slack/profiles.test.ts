import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatWhen } from '../../src/bots/core/conversation-core.ts';
import type { Speaker } from '../../src/bots/core/types.ts';
import { createSlackProfiles, profileFrom, type SlackProfilesOptions } from '../../src/bots/slack/profiles.ts';
import { parseWallTime } from '../../src/core/zoned-time.ts';
import { activeOrganization, approvedProgram, staffMember } from '../helpers/journey.ts';
import { STAFF_CHANNEL, messageEvent, postEvent, startSlackTestApp, type SlackTestApp, type SlackUser } from './helpers.ts';

/**
 * People as Slack knows them (users.info): their name on staff cards and greetings, session
 * times in their own zone, a new person's language from their locale; and a lookup that
 * fails or hangs never stops a turn.
 */

const base: Speaker = { channel: 'slack', externalId: 'U1', displayName: 'U1' };
const answer = (user: Record<string, unknown>) => ({ ok: true, user: { id: 'U1', ...user } });

type Logged = Array<[string, string]>;
function profilesWith(lookup: SlackProfilesOptions['lookup'], extra: Partial<SlackProfilesOptions> = {}) {
  const logged: Logged = [];
  const calls: string[] = [];
  const profiles = createSlackProfiles({
    lookup: (user) => {
      calls.push(user);
      return lookup(user);
    },
    log: (level, message) => logged.push([level, message]),
    ...extra,
  });
  return { profiles, logged, calls };
}

describe('Slack profiles (users.info)', () => {
  it('names a person by display name, then real name, then handle, then id', () => {
    expect(profileFrom(answer({ name: 'vt', real_name: 'Valérie T', profile: { display_name: 'Val', real_name: 'Valérie T' } }), 'U1')?.displayName).toBe('Val');
    expect(profileFrom(answer({ name: 'vt', real_name: 'Valérie T', profile: { display_name: ' ' } }), 'U1')?.displayName).toBe('Valérie T');
    expect(profileFrom(answer({ name: 'vt', profile: {} }), 'U1')?.displayName).toBe('vt');
    expect(profileFrom(answer({}), 'U1')?.displayName).toBe('U1');
    expect(profileFrom({ ok: false, error: 'user_not_found' }, 'U1')).toBeNull();
  });

  it('keeps only a time zone the runtime knows and a locale that looks like one', () => {
    expect(profileFrom(answer({ tz: 'America/Vancouver', locale: 'fr-CA' }), 'U1')).toMatchObject({ timeZone: 'America/Vancouver', locale: 'fr-CA' });
    const odd = profileFrom(answer({ tz: 'Mars/Olympus_Mons', locale: '<script>' }), 'U1');
    expect(odd?.timeZone).toBeUndefined();
    expect(odd?.locale).toBeUndefined();
  });

  it('asks once per person within the TTL, shares concurrent lookups, and asks again after it', async () => {
    let clock = 0;
    const { profiles, calls } = profilesWith(async () => answer({ real_name: 'Ann', tz: 'America/Halifax' }), { now: () => clock, ttlMs: 1000 });
    const speakers = await Promise.all([profiles.enrich(base), profiles.enrich(base), profiles.enrich(base)]);
    expect(calls).toEqual(['U1']);
    for (const s of speakers) expect(s).toMatchObject({ displayName: 'Ann', timeZone: 'America/Halifax' });
    await profiles.enrich(base);
    expect(calls).toHaveLength(1);
    clock = 1001;
    await profiles.enrich(base);
    expect(calls).toHaveLength(2);
  });

  it('keeps at most maxEntries people, dropping the oldest', async () => {
    const { profiles, calls } = profilesWith(async (user) => ({ ok: true, user: { id: user, real_name: `Name ${user}` } }), { maxEntries: 2 });
    for (const user of ['UA', 'UB', 'UC']) await profiles.get(user);
    await profiles.get('UC');
    await profiles.get('UB');
    expect(calls).toEqual(['UA', 'UB', 'UC']);
    await profiles.get('UA');
    expect(calls).toEqual(['UA', 'UB', 'UC', 'UA']);
  });

  it('falls back to the speaker as given, with one warning, when users.info fails; the failure is remembered', async () => {
    const { profiles, logged, calls } = profilesWith(async () => {
      throw Object.assign(new Error('An API error occurred: missing_scope'), { data: { ok: false, error: 'missing_scope' } });
    });
    expect(await profiles.enrich({ ...base, displayName: 'from.payload' })).toEqual({ ...base, displayName: 'from.payload' });
    expect(await profiles.enrich(base)).toEqual(base);
    expect(calls).toHaveLength(1);
    expect(logged).toHaveLength(1);
    expect(logged[0]![0]).toBe('warn');
    expect(logged[0]![1]).toMatch(/users:read/);
  });

  it('does not wait for a slow users.info beyond its timeout; the late answer fills the cache', async () => {
    let release: (value: unknown) => void = () => {};
    const { profiles, logged, calls } = profilesWith(() => new Promise((resolve) => (release = resolve)), { timeoutMs: 50 });
    const t0 = Date.now();
    const [first, second] = await Promise.all([profiles.enrich(base), profiles.enrich(base)]);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(first).toEqual(base);
    expect(second).toEqual(base);
    expect(calls).toHaveLength(1);
    expect(logged.filter(([level]) => level === 'warn')).toHaveLength(1);
    release(answer({ real_name: 'Late Larry' }));
    await new Promise((r) => setTimeout(r, 10));
    expect((await profiles.enrich(base)).displayName).toBe('Late Larry');
    expect(calls).toHaveLength(1);
  });
});

describe('Slack: people through users.info, on the real app', () => {
  let s: SlackTestApp;
  const valerie: SlackUser = { id: 'UVAN', name: 'valerie' };
  const dm = 'DVAN';

  beforeAll(async () => {
    s = await startSlackTestApp();
    s.fake.users.set(valerie.id, { name: valerie.name, realName: 'Valérie Tremblay', tz: 'America/Vancouver', locale: 'en-CA' });
  });
  afterAll(async () => s?.close());

  async function say(user: SlackUser, channel: string, text: string, until: RegExp) {
    const before = s.fake.ok('chat.postMessage', (p) => p['channel'] === channel).length;
    expect((await postEvent(s, messageEvent({ user, channel, text }))).status).toBe(200);
    await s.fake.waitFor('chat.postMessage', (p) => p['channel'] === channel, before + 1);
    await s.fake.waitFor('chat.postMessage', (p) => p['channel'] === channel && until.test(String(p['text'])));
    return s.fake.ok('chat.postMessage', (p) => p['channel'] === channel).slice(before);
  }

  it('greets a person by their Slack name and keeps their Slack time zone', async () => {
    const [greeting] = await say(valerie, dm, 'hi', /four steps/);
    expect(String(greeting!.params['text'])).toMatch(/^Hello Valérie Tremblay!/);
    const lookups = s.fake.ok('users.info', (p) => p['user'] === valerie.id);
    expect(lookups).toHaveLength(1);
    expect(String(lookups[0]!.params['include_locale'])).toBe('true');
    const actor = await s.t.app.service.identify({ channel: 'slack', externalId: valerie.id, displayName: 'not used' });
    expect(await s.t.app.service.person(actor.personId)).toMatchObject({ displayName: 'Valérie Tremblay', timeZone: 'America/Vancouver' });
    // The profile is kept: another message asks Slack nothing.
    await say(valerie, dm, 'help', /./);
    expect(s.fake.ok('users.info', (p) => p['user'] === valerie.id)).toHaveLength(1);
  });

  it('shows their Slack name on the staff card and session times in Vancouver time', async () => {
    const admin = await s.t.app.service.identify({ channel: 'slack', externalId: valerie.id, displayName: 'not used' });
    const org = await activeOrganization(s.t, admin);
    const [card] = await s.fake.waitFor('chat.postMessage', (p) => p['channel'] === STAFF_CHANNEL && String(p['text']).includes(org.legalName));
    expect(String(card!.params['text'])).toContain('Submitted by Valérie Tremblay on');
    await approvedProgram(s.t, admin, org.organizationId);

    const day = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    const startsAt = parseWallTime(`${day} 14:00`, 'America/Toronto');
    await s.t.app.service.publishSlot(await staffMember(s.t.app.service), { startsAt, timeZone: 'America/Toronto', durationMinutes: 60, language: 'en', capacity: 5, videoUrl: 'https://meet.example.org/vancouver' });

    const posts = await say(valerie, dm, 'sessions', /Upcoming onboarding sessions/);
    const list = String(posts.find((c) => /Upcoming onboarding sessions/.test(String(c.params['text'])))!.params['text']);
    expect(list).toContain(formatWhen(startsAt, 'America/Vancouver', 'en'));
    expect(list).toMatch(/11:00/);
    expect(list).not.toContain(formatWhen(startsAt, 'America/Toronto', 'en'));
  });

  it('speaks French at once to someone whose Slack locale is French', async () => {
    const josee: SlackUser = { id: 'UJOSEE', name: 'josee' };
    s.fake.users.set(josee.id, { realName: 'Josée Côté', locale: 'fr-CA', tz: 'America/Montreal' });
    const [greeting] = await say(josee, 'DJOSEE', 'bonjour', /./);
    expect(String(greeting!.params['text'])).toMatch(/^Bonjour Josée Côté!/);
  });

  it('still answers when users.info fails (missing users:read scope), naming the person by their id', async () => {
    const user: SlackUser = { id: 'UNOSCOPE', name: 'noscope' };
    s.fake.failNext('users.info', { status: 200, error: 'missing_scope' });
    const [greeting] = await say(user, 'DNOSCOPE', 'hi', /four steps/);
    expect(String(greeting!.params['text'])).toMatch(/^Hello UNOSCOPE!/);
    expect(s.fake.calls.filter((c) => c.method === 'users.info' && c.params['user'] === user.id)).toHaveLength(1);
    const actor = await s.t.app.service.identify({ channel: 'slack', externalId: user.id, displayName: 'not used' });
    expect((await s.t.app.service.person(actor.personId))?.timeZone).toBe('America/Toronto');
  });

  it('still answers when Slack refuses every users.info call', async () => {
    const user: SlackUser = { id: 'UGONE', name: 'gone' };
    s.fake.users.set(user.id, { error: 'user_not_found' });
    const [greeting] = await say(user, 'DGONE', 'hi', /four steps/);
    expect(String(greeting!.params['text'])).toMatch(/^Hello UGONE!/);
  });
});
