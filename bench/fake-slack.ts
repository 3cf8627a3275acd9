import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A minimal fake Slack Web API on 127.0.0.1 for the benchmark (the idea of
 * test/slack/fake-slack.ts, without recording every call: a load run makes thousands).
 * Answers auth.test and the methods the assistant calls (users.info too); hands every chat.postMessage
 * to `onPost` as it arrives, with the `ts` it answers (what a click on that message names);
 * counts calls per method.
 */
export type BenchFakeSlack = {
  readonly apiUrl: string;
  readonly counts: Map<string, number>;
  onPost: (params: URLSearchParams, at: number, ts: string) => void;
  close(): Promise<void>;
};

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startBenchFakeSlack(): Promise<BenchFakeSlack> {
  const counts = new Map<string, number>();
  let seq = 0;
  const nextTs = () => `${Math.floor(Date.now() / 1000)}.${String(++seq).padStart(6, '0')}`;
  const fake: BenchFakeSlack = {
    apiUrl: '',
    counts,
    onPost: () => {},
    close: async () => {},
  };

  function answer(method: string, params: URLSearchParams): Record<string, unknown> {
    switch (method) {
      case 'auth.test':
        return { ok: true, url: 'https://bench.slack.com/', team: 'Bench', user: 'assistant', team_id: 'T0BENCH', user_id: 'UBOT', bot_id: 'BBOT' };
      case 'chat.postMessage': {
        const ts = nextTs();
        return { ok: true, channel: params.get('channel'), ts, message: { ts } };
      }
      case 'chat.update':
        return { ok: true, channel: params.get('channel'), ts: params.get('ts') };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: nextTs() };
      case 'views.open':
      case 'views.publish':
        return { ok: true, view: { id: `V${++seq}` } };
      case 'conversations.members':
        return { ok: true, members: [], response_metadata: { next_cursor: '' } };
      case 'users.info': {
        // The adapter names people and reads their zone from here (cached per user for an hour).
        const id = params.get('user') ?? '';
        return {
          ok: true,
          user: { id, name: id.toLowerCase(), real_name: id, tz: 'America/Toronto', locale: 'en-US', profile: { real_name: id, display_name: '' } },
        };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const raw = await readBody(req);
      const at = performance.now();
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const method = url.pathname.replace(/^\/api\//, '');
      counts.set(method, (counts.get(method) ?? 0) + 1);
      const params = req.headers['content-type']?.startsWith('application/json')
        ? new URLSearchParams(Object.entries(JSON.parse(raw || '{}') as Record<string, string>).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]))
        : new URLSearchParams(raw);
      const body = answer(method, params);
      if (method === 'chat.postMessage') fake.onPost(params, at, String(body['ts']));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    apiUrl: `http://127.0.0.1:${port}/api/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
