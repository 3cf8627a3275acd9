import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A minimal fake Bot Connector on 127.0.0.1 for the benchmark (the idea of
 * test/teams/fake-connector.ts, without express or recording every call: a load run makes
 * thousands). Activities the load generator sends name its `url` as their `serviceUrl`, so
 * the bot's replies land here. It answers like the real connector: 200 with `{ id }` for
 * POST …/activities[/:replyToId] and PUT …/activities/:id, and hands every POST to
 * `onActivity` as it arrives.
 */
export type BenchFakeConnector = {
  readonly url: string;
  readonly counts: Map<string, number>;
  /** `replyToId`: the activity answered (POST …/activities/:replyToId, what a turn's replies use); undefined for a new message. */
  onActivity: (conversationId: string, replyToId: string | undefined, at: number, body: string) => void;
  close(): Promise<void>;
};

const ROUTE = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?\/?$/;

export async function startBenchFakeConnector(): Promise<BenchFakeConnector> {
  const counts = new Map<string, number>();
  let seq = 0;
  const fake: BenchFakeConnector = { url: '', counts, onActivity: () => {}, close: async () => {} };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const at = performance.now();
      const route = ROUTE.exec(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
      const kind = `${req.method ?? '?'} ${route ? (route[2] ? 'reply' : 'activity') : 'other'}`;
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
      if (!route || (req.method !== 'POST' && !(req.method === 'PUT' && route[2]))) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'NotFound', message: `bench connector: ${req.method} ${req.url}` } }));
        return;
      }
      const conversationId = decodeURIComponent(route[1]!);
      const activityId = route[2] ? decodeURIComponent(route[2]) : undefined;
      if (req.method === 'POST') fake.onActivity(conversationId, activityId, at, Buffer.concat(chunks).toString('utf8'));
      // An update keeps its id; a new activity gets one, as the real connector answers.
      const id = req.method === 'PUT' ? activityId : `bench-${++seq}`;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id }));
    });
    req.on('error', () => res.destroy());
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
