import { knowsTimeZone } from '../../core/zoned-time.ts';
import { isRecord } from '../cards/inbound.ts';
import type { Speaker } from '../core/types.ts';
import type { SlackLogger } from './slack-delivery.ts';

/**
 * Who a Slack user is, read with `users.info`: the name people see, their time zone (so
 * session times are shown in it) and their locale (the language of a new person).
 *
 * Best effort by design: a lookup that fails (no `users:read` scope, network error, rate
 * limit outlasting its retries) or takes too long leaves the speaker as the payload
 * described them (user id or username, no zone), with one warning, and the turn goes on.
 * Answers are kept in memory per user id for an hour, in a bounded map; concurrent turns
 * of the same person share one request.
 */

export type SlackProfile = { displayName: string; timeZone?: string | undefined; locale?: string | undefined };

export type SlackProfilesOptions = {
  /** `users.info` for one user (e.g. `client.users.info({ user, include_locale: true })`); its answer, or a throw. */
  lookup: (user: string) => Promise<unknown>;
  log: SlackLogger;
  /** How long an answer is kept. Default 1 hour. */
  ttlMs?: number;
  /** How long a failure is remembered, so a missing scope costs one call per person, not one per turn. Default 5 minutes. */
  failureTtlMs?: number;
  /** At most this many people are kept; the oldest entry goes first. Default 10,000. */
  maxEntries?: number;
  /** A turn waits at most this long for a lookup (the request may still fill the cache later). Default 2 s. */
  timeoutMs?: number;
  now?: () => number;
};

export type SlackProfiles = {
  /** The speaker with Slack's name, time zone and locale when known; unchanged otherwise. Never throws. */
  enrich(speaker: Speaker): Promise<Speaker>;
  /** The profile of `user`, or null when it could not be read. Never throws. */
  get(user: string): Promise<SlackProfile | null>;
};

const str = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');

/** The profile in a `users.info` answer, or null when it names no user. */
export function profileFrom(answer: unknown, userId: string): SlackProfile | null {
  if (!isRecord(answer) || answer['ok'] === false || !isRecord(answer['user'])) return null;
  const user = answer['user'];
  const profile = isRecord(user['profile']) ? user['profile'] : {};
  const displayName = str(profile['display_name']) || str(user['real_name']) || str(profile['real_name']) || str(user['name']) || userId;
  const tz = str(user['tz']);
  const locale = str(user['locale']);
  return {
    displayName: displayName.slice(0, 200),
    // Slack may report a zone Node's ICU does not know.
    timeZone: knowsTimeZone(tz) ? tz : undefined,
    // A BCP 47 tag such as `fr-CA`; anything else is ignored rather than trusted.
    locale: /^[a-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/.test(locale) ? locale : undefined,
  };
}

/** What went wrong, in one line, without the request (tokens travel in its headers). */
function describe(error: unknown): string {
  const code = isRecord(error) && isRecord(error['data']) ? str(error['data']['error']) : '';
  if (code === 'missing_scope') return 'missing_scope: add the users:read bot scope and reinstall the app';
  if (code) return code;
  return error instanceof Error ? error.message : String(error);
}

type Entry = { profile: SlackProfile | null; expires: number };

export function createSlackProfiles(options: SlackProfilesOptions): SlackProfiles {
  const ttlMs = options.ttlMs ?? 60 * 60 * 1000;
  const failureTtlMs = options.failureTtlMs ?? 5 * 60 * 1000;
  const maxEntries = Math.max(1, options.maxEntries ?? 10_000);
  const timeoutMs = options.timeoutMs ?? 2000;
  const now = options.now ?? (() => Date.now());
  // Insertion order is age order: an entry is deleted before being set again.
  const cache = new Map<string, Entry>();
  const pending = new Map<string, Promise<SlackProfile | null>>();

  function remember(user: string, profile: SlackProfile | null, ttl: number): void {
    cache.delete(user);
    cache.set(user, { profile, expires: now() + ttl });
    while (cache.size > maxEntries) {
      const oldest = cache.keys().next().value;
      if (oldest === undefined) break;
      cache.delete(oldest);
    }
  }

  function request(user: string): { done: Promise<SlackProfile | null>; markLate: () => void } {
    let late = false;
    const done = (async () => {
      try {
        // Started on the next tick, so `pending` holds this request before it can settle.
        const profile = profileFrom(await Promise.resolve().then(() => options.lookup(user)), user);
        if (!profile) throw new Error('users.info named no user');
        remember(user, profile, ttlMs);
        return profile;
      } catch (error) {
        // A profile read earlier (now expired) beats none; either way, no new call for a while.
        const previous = cache.get(user)?.profile ?? null;
        remember(user, previous, failureTtlMs);
        // After a timeout the turn already went on (and said so): no second warning.
        options.log(late ? 'debug' : 'warn', `slack: users.info failed for ${user} (${describe(error)}); ${previous ? 'keeping the profile read earlier' : 'going on without their name and time zone'}`);
        return previous;
      } finally {
        pending.delete(user);
      }
    })();
    return {
      done,
      markLate: () => {
        late = true;
      },
    };
  }

  async function get(user: string): Promise<SlackProfile | null> {
    if (!user) return null;
    const cached = cache.get(user);
    if (cached && cached.expires > now()) return cached.profile;
    let shared = pending.get(user);
    let markLate: (() => void) | undefined;
    if (!shared) {
      const started = request(user);
      shared = started.done;
      markLate = started.markLate;
      pending.set(user, shared);
    }
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), timeoutMs);
    });
    try {
      const result = await Promise.race([shared, deadline]);
      if (result !== 'late') return result;
      // Only the turn that started the request reports it; the answer still lands in the cache.
      if (markLate) {
        markLate();
        options.log('warn', `slack: users.info for ${user} took over ${timeoutMs} ms; going on without it`);
      }
      // An expired profile is still better than the bare user id.
      return cached?.profile ?? null;
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    get,
    async enrich(speaker) {
      const profile = await get(speaker.externalId);
      if (!profile) return speaker;
      return {
        ...speaker,
        displayName: profile.displayName,
        ...(profile.timeZone ? { timeZone: profile.timeZone } : {}),
        ...(profile.locale ? { locale: profile.locale } : {}),
      };
    },
  };
}
