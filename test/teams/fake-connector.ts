import type { Server } from 'node:http';
import express from 'express';

/**
 * A fake Bot Connector on loopback: what the bot posts to Teams. Activities sent with
 * `serviceUrl` set to `url` make the bot reply here. Records every call; PUT answers
 * `{ id }` as the real connector does.
 */
export type ConnectorCall = {
  method: 'POST' | 'PUT';
  conversationId: string;
  /** POST …/activities/:replyToId (a reply) or PUT …/activities/:activityId (an update). */
  activityId: string | undefined;
  body: Record<string, unknown>;
  authorization: string | undefined;
  /** The id the connector answered with (a new activity's id, or the updated one's). */
  responseId: string;
};

export type FakeConnector = {
  readonly url: string;
  readonly calls: ConnectorCall[];
  /** The next PUT answers this status instead of succeeding. */
  failNextUpdate(status: number): void;
  /** Resolves once `count` calls were received (or fails after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ConnectorCall[]>;
  close(): Promise<void>;
};

export async function startFakeConnector(): Promise<FakeConnector> {
  const calls: ConnectorCall[] = [];
  const waiters: Array<() => void> = [];
  let next = 0;
  let failUpdate: number | undefined;
  const record = (call: ConnectorCall) => {
    calls.push(call);
    for (const w of waiters.splice(0)) w();
  };

  const app = express();
  app.use(express.json({ limit: '5mb' }));
  app.post('/v3/conversations/:conversationId/activities', (req, res) => {
    const id = `posted-${++next}`;
    record({ method: 'POST', conversationId: req.params.conversationId, activityId: undefined, body: req.body, authorization: req.headers.authorization, responseId: id });
    res.status(201).json({ id });
  });
  app.post('/v3/conversations/:conversationId/activities/:activityId', (req, res) => {
    const id = `reply-${++next}`;
    record({ method: 'POST', conversationId: req.params.conversationId, activityId: req.params.activityId, body: req.body, authorization: req.headers.authorization, responseId: id });
    res.status(201).json({ id });
  });
  app.put('/v3/conversations/:conversationId/activities/:activityId', (req, res) => {
    const id = req.params.activityId;
    record({ method: 'PUT', conversationId: req.params.conversationId, activityId: id, body: req.body, authorization: req.headers.authorization, responseId: id });
    if (failUpdate !== undefined) {
      const status = failUpdate;
      failUpdate = undefined;
      res.status(status).json({ error: { code: 'NotFound', message: 'no such activity' } });
      return;
    }
    res.status(200).json({ id });
  });
  app.use((req, res) => {
    res.status(404).json({ error: { code: 'NotFound', message: `fake connector: ${req.method} ${req.path}` } });
  });

  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    url: `http://127.0.0.1:${port}/`,
    calls,
    failNextUpdate(status) {
      failUpdate = status;
    },
    async waitFor(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (calls.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`fake connector: expected ${count} calls, got ${calls.length}: ${JSON.stringify(calls.map((c) => [c.method, c.conversationId, c.activityId]))}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return calls.slice(0, count);
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

let sequence = 0;

/** A Teams activity from a person, with overrides. */
export function makeTeamsActivity(serviceUrl: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  sequence += 1;
  return {
    type: 'message',
    id: `act-${sequence}`,
    channelId: 'msteams',
    serviceUrl,
    timestamp: new Date().toISOString(),
    locale: 'en-CA',
    from: { id: '29:user-ada', aadObjectId: 'aad-ada', name: 'Ada Admin' },
    recipient: { id: '28:bot', name: 'Onboarding' },
    conversation: { id: 'a:personal-ada', conversationType: 'personal', tenantId: 'tenant-1' },
    ...overrides,
  };
}

/** An `Action.Execute` click (`adaptiveCard/action` invoke). */
export function makeExecute(serviceUrl: string, verb: string, data: Record<string, unknown>, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return makeTeamsActivity(serviceUrl, {
    type: 'invoke',
    name: 'adaptiveCard/action',
    value: { action: { type: 'Action.Execute', verb, data: { action: verb, ...data } }, trigger: 'manual' },
    ...overrides,
  });
}

/** Posts an activity to the bot endpoint as the Bot Connector would (no token: auth is off). */
export async function postActivity(endpoint: string, activity: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof activity === 'string' ? activity : JSON.stringify(activity),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body };
}
