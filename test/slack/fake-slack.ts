import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake Slack Web API on 127.0.0.1: answers the methods the assistant calls, records every
 * call (form-encoded bodies, with `blocks`/`view` JSON strings decoded), hosts `response_url`
 * and can answer the next calls to a method with an error (e.g. 429 with Retry-After).
 * `users.info` answers from `users` (set by tests), else with a profile derived from the id
 * that names the person by their id in Toronto, as the adapter did before it read profiles.
 * `apps.connections.open` (Socket Mode) answers `socketUrl` when a test sets it.
 */

export type SlackCall = {
  method: string;
  /** The body's fields; JSON strings (blocks, view, …) decoded. */
  params: Record<string, unknown>;
  /** The HTTP status the fake answered, and its JSON (e.g. the `ts` of a posted message). */
  status: number;
  response?: Record<string, unknown>;
  /** The bearer token of the call (bot token, or the app-level token for apps.connections.open). */
  token?: string | undefined;
  at: number;
};

/** What `users.info` says of one user; unset fields come from the default profile. */
export type FakeSlackUser = {
  /** The handle (legacy `name`). */
  name?: string;
  realName?: string;
  /** The name the person chose; empty for many people. */
  displayName?: string;
  tz?: string;
  locale?: string;
  /** Answer `{ ok: false, error }` instead (e.g. `missing_scope`, `user_not_found`). */
  error?: string;
};

type Failure = { status: number; retryAfter?: number | undefined; error?: string | undefined };

export type FakeSlack = {
  /** For SLACK_API_URL. */
  readonly apiUrl: string;
  readonly calls: SlackCall[];
  /** A `response_url` served by the fake (calls recorded as method `response_url`). */
  responseUrl(id: string): string;
  /** Successful calls to `method`, optionally filtered. */
  ok(method: string, where?: (params: Record<string, unknown>) => boolean): SlackCall[];
  /** Waits until `count` successful calls to `method` match (default one). */
  waitFor(method: string, where?: (params: Record<string, unknown>) => boolean, count?: number, timeoutMs?: number): Promise<SlackCall[]>;
  /** Answers the next `times` calls to `method` with a failure instead. */
  failNext(method: string, failure: Failure, times?: number): void;
  /** Members answered by conversations.members. */
  members: string[];
  /** Profiles answered by users.info, by user id. */
  readonly users: Map<string, FakeSlackUser>;
  /** The WebSocket URL apps.connections.open hands out (Socket Mode); unset: `invalid_auth`. */
  socketUrl: string | undefined;
  close(): Promise<void>;
};

function decode(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (contentType?.startsWith('application/json')) {
    try {
      const parsed = JSON.parse(raw) as unknown;
      return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }
  const params: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    if (/^[[{]/.test(value)) {
      try {
        params[key] = JSON.parse(value) as unknown;
        continue;
      } catch {
        // not JSON: keep the string
      }
    }
    params[key] = value;
  }
  return params;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakeSlack(): Promise<FakeSlack> {
  const calls: SlackCall[] = [];
  const failures = new Map<string, Failure[]>();
  const posted = new Set<string>();
  let seq = 0;
  const members: string[] = [];
  const users = new Map<string, FakeSlackUser>();
  const state: { socketUrl: string | undefined } = { socketUrl: undefined };
  const nextTs = () => `${Math.floor(Date.now() / 1000)}.${String(++seq).padStart(6, '0')}`;

  function answer(method: string, params: Record<string, unknown>): Record<string, unknown> {
    switch (method) {
      case 'auth.test':
        return { ok: true, url: 'https://test.slack.com/', team: 'Test', user: 'assistant', team_id: 'T0TEST', user_id: 'UBOT', bot_id: 'BBOT' };
      case 'chat.postMessage': {
        const ts = nextTs();
        posted.add(`${String(params['channel'])}/${ts}`);
        return { ok: true, channel: params['channel'], ts, message: { text: params['text'], ts } };
      }
      case 'chat.update':
        if (!posted.has(`${String(params['channel'])}/${String(params['ts'])}`)) return { ok: false, error: 'message_not_found' };
        return { ok: true, channel: params['channel'], ts: params['ts'] };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: nextTs() };
      case 'views.open':
      case 'views.publish':
        return { ok: true, view: { id: `V${++seq}`, ...(typeof params['view'] === 'object' ? (params['view'] as object) : {}) } };
      case 'conversations.members':
        return { ok: true, members, response_metadata: { next_cursor: '' } };
      case 'users.info':
        return userInfo(String(params['user'] ?? ''), params['include_locale'] === true || params['include_locale'] === 'true');
      case 'apps.connections.open':
        return state.socketUrl ? { ok: true, url: state.socketUrl } : { ok: false, error: 'invalid_auth' };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  /** Shaped like Slack's answer (fewer fields); `locale` only when asked for, as Slack does. */
  function userInfo(id: string, withLocale: boolean): Record<string, unknown> {
    if (!/^[UW][A-Z0-9]+$/.test(id)) return { ok: false, error: 'user_not_found' };
    const u = users.get(id) ?? {};
    if (u.error) return { ok: false, error: u.error };
    const realName = u.realName ?? id;
    const tz = u.tz ?? 'America/Toronto';
    return {
      ok: true,
      user: {
        id,
        team_id: 'T0TEST',
        name: u.name ?? id.toLowerCase(),
        deleted: false,
        real_name: realName,
        tz,
        tz_label: tz,
        tz_offset: 0,
        is_bot: false,
        ...(withLocale ? { locale: u.locale ?? 'en-US' } : {}),
        profile: { real_name: realName, display_name: u.displayName ?? '', real_name_normalized: realName, display_name_normalized: u.displayName ?? '' },
      },
    };
  }

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const raw = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const params = decode(raw, req.headers['content-type']);
      if (url.pathname.startsWith('/response/')) {
        calls.push({ method: 'response_url', params: { ...params, id: url.pathname.slice('/response/'.length) }, status: 200, at: Date.now() });
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        return;
      }
      const method = url.pathname.replace(/^\/api\//, '');
      const token = /^Bearer (.+)$/.exec(req.headers['authorization'] ?? '')?.[1] ?? (typeof params['token'] === 'string' ? params['token'] : undefined);
      const failure = failures.get(method)?.shift();
      if (failure) {
        calls.push({ method, params, status: failure.status, token, at: Date.now() });
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (failure.retryAfter !== undefined) headers['retry-after'] = String(failure.retryAfter);
        res.writeHead(failure.status, headers).end(JSON.stringify({ ok: false, error: failure.error ?? 'ratelimited' }));
        return;
      }
      const response = answer(method, params);
      calls.push({ method, params, status: 200, response, token, at: Date.now() });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(response));
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;

  const ok = (method: string, where?: (params: Record<string, unknown>) => boolean) =>
    calls.filter((c) => c.method === method && c.status === 200 && (!where || where(c.params)));

  return {
    apiUrl: `${base}/api/`,
    calls,
    members,
    users,
    get socketUrl() {
      return state.socketUrl;
    },
    set socketUrl(url) {
      state.socketUrl = url;
    },
    responseUrl: (id) => `${base}/response/${id}`,
    ok,
    async waitFor(method, where, count = 1, timeoutMs = 8000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = ok(method, where);
        if (found.length >= count) return found;
        if (Date.now() > deadline) {
          const seen = calls.map((c) => `${c.method} ${c.status} ${JSON.stringify(c.params).slice(0, 200)}`).join('\n');
          throw new Error(`fake Slack: expected ${count} ${method} call(s), got ${found.length}. Calls so far:\n${seen}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    failNext(method, failure, times = 1) {
      const list = failures.get(method) ?? [];
      for (let i = 0; i < times; i++) list.push(failure);
      failures.set(method, list);
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
