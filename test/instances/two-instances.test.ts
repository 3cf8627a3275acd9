import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.ts';
import { pgConfigFromUrl } from '../../src/store/database.ts';
import { createTestDatabase, onPostgres, type TestDatabase } from '../helpers/db.ts';
import { startInstance } from '../helpers/instances.ts';
import { mailKind, mailsTo, submittedOrganization } from '../helpers/journey.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp.ts';
import { startFakeSlack, type FakeSlack } from '../slack/fake-slack.ts';
import { SIGNING_SECRET, STAFF_CHANNEL, blockAction, buttonIn, messageEvent, send, type SendOptions, type SlackUser } from '../slack/helpers.ts';

/**
 * Two instances of the assistant on one PostgreSQL database behind a round-robin proxy,
 * as a horizontally scaled deployment runs: Slack DMs answered exactly once, fifty staff
 * approving one submission at once record one decision and send one email, and a retried
 * event (same event_id) reaching the other instance is processed once.
 */

type Proxy = { url: string; hits: number[]; close(): Promise<void> };

/** Round robin over `targets`: forwards method, path, headers and the raw body; pipes the answer back. */
async function startProxy(targets: readonly string[]): Promise<Proxy> {
  let next = 0;
  const hits = targets.map(() => 0);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const i = next++ % targets.length;
      hits[i]!++;
      const body = Buffer.concat(chunks);
      const headers = { ...req.headers, 'content-length': String(body.length) };
      delete headers.host;
      delete headers['transfer-encoding'];
      const upstream = http.request(new URL(req.url ?? '/', targets[i]), { method: req.method, headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const STAFF: SlackUser[] = Array.from({ length: 50 }, (_, i) => ({ id: `USTAFF${String(i).padStart(2, '0')}`, name: `staff.${i}` }));
const settle = (ms = 1500) => new Promise((r) => setTimeout(r, ms));

describe('two instances on one PostgreSQL database behind a round-robin proxy', () => {
  let db: TestDatabase;
  let smtp: TestSmtpServer;
  let fake: FakeSlack;
  let a: RunningApp;
  let b: RunningApp;
  let proxy: Proxy;

  beforeAll(async () => {
    if (!onPostgres) return;
    db = await createTestDatabase();
    smtp = await startSmtpServer();
    fake = await startFakeSlack();
    const env = {
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      SLACK_STAFF_CHANNEL: STAFF_CHANNEL,
      SLACK_STAFF_USERS: STAFF.map((s) => s.id).join(','),
      LINK_SECRET: 'the-same-link-secret-on-every-instance-0123456789',
    };
    // Started together: the migrations run once, under the advisory lock.
    [a, b] = await Promise.all([startInstance(db, { smtpUrl: smtp.url, env }), startInstance(db, { smtpUrl: smtp.url, env })]);
    proxy = await startProxy([a.url, b.url]);
  });
  afterAll(async () => {
    await proxy?.close();
    await Promise.all([a?.stop(), b?.stop()]);
    await fake?.close();
    await smtp?.close();
    await db?.drop();
  });

  const endpoint = (base: string) => `${base}/slack/events`;
  const postEvent = (base: string, envelope: object, options?: SendOptions) => send(endpoint(base), JSON.stringify(envelope), 'application/json', options);
  const postPayload = (base: string, payload: object) => send(endpoint(base), `payload=${encodeURIComponent(JSON.stringify(payload))}`, 'application/x-www-form-urlencoded');
  const postsTo = (channel: string) => fake.ok('chat.postMessage', (p) => p['channel'] === channel);

  it.runIf(onPostgres)('answers every message of 10 conversations exactly once', async () => {
    const users: SlackUser[] = Array.from({ length: 10 }, (_, i) => ({ id: `UCONV${i}`, name: `admin.${i}` }));
    const dm = (u: SlackUser) => `D${u.id}`;
    // What each turn posts: "hi" the greeting and the progress card, then one question each.
    const turns: Array<{ text: string; expect: RegExp[] }> = [
      { text: 'hi', expect: [/four steps/, /Register the organization/] },
      { text: 'new organization', expect: [/question 1 of 14/] },
      { text: 'Mentoring Association of Proxy Town', expect: [/question 2 of 14/] },
      { text: 'Proxy Mentors', expect: [/question 3 of 14/] },
    ];
    let expected = 0;
    for (const turn of turns) {
      expected += turn.expect.length;
      const responses = await Promise.all(users.map((user) => postEvent(proxy.url, messageEvent({ user, channel: dm(user), text: turn.text }))));
      expect(responses.map((r) => r.status)).toEqual(users.map(() => 200));
      for (const user of users) await fake.waitFor('chat.postMessage', (p) => p['channel'] === dm(user), expected, 15_000);
    }
    await settle();
    const wanted = turns.flatMap((t) => t.expect);
    for (const user of users) {
      const texts = postsTo(dm(user)).map((c) => String(c.params['text']));
      expect(texts).toHaveLength(wanted.length);
      texts.forEach((text, i) => expect(text).toMatch(wanted[i]!));
    }
    // Both instances took their share.
    expect(proxy.hits[0]).toBeGreaterThan(0);
    expect(proxy.hits[1]).toBeGreaterThan(0);
  });

  it.runIf(onPostgres)('records one decision and sends one email when 50 staff approve at once', async () => {
    const admin = await a.service.identify({ channel: 'slack', externalId: 'UORG', displayName: 'org.admin', address: { channel: 'DORG', user: 'UORG' } });
    const org = await submittedOrganization(a.service, admin);
    const mentions = (p: Record<string, unknown>) => p['channel'] === STAFF_CHANNEL && JSON.stringify(p['blocks'] ?? null).includes(org.submissionId);
    const [card] = await fake.waitFor('chat.postMessage', mentions, 1, 15_000);
    const ts = String(card!.response?.['ts']);
    const approve = buttonIn(card!.params['blocks'], (v) => v['action'] === 'decide' && v['outcome'] === 'approved');

    const responses = await Promise.all(STAFF.map((user) => postPayload(proxy.url, blockAction({ user, found: approve, channel: STAFF_CHANNEL, messageTs: ts }))));
    expect(responses.map((r) => r.status)).toEqual(STAFF.map(() => 200));

    await fake.waitFor('chat.postMessage', (p) => p['thread_ts'] === ts, 1, 15_000);
    const deadline = Date.now() + 15_000;
    while (mailsTo(smtp, org.adminEmail).length === 0 && Date.now() < deadline) await settle(50);
    // Every click answered (one thread line, the others told privately), then nothing more.
    await fake.waitFor('chat.postEphemeral', (p) => p['channel'] === STAFF_CHANNEL && /Already approved by/.test(String(p['text'])), STAFF.length - 1, 20_000);
    await settle(2000);

    const client = new pg.Client(pgConfigFromUrl(db.databaseUrl!));
    await client.connect();
    try {
      const decisions = await client.query<{ outcome: string }>('SELECT outcome FROM "Decision" WHERE "submissionId" = $1', [org.submissionId]);
      expect(decisions.rows).toEqual([{ outcome: 'approved' }]);
    } finally {
      await client.end();
    }
    const approvals = mailsTo(smtp, org.adminEmail).filter((m) => mailKind(m) === 'organizationApproved');
    expect(approvals).toHaveLength(1);
    expect(fake.ok('chat.postMessage', mentions)).toHaveLength(1);
    expect(fake.ok('chat.postMessage', (p) => p['thread_ts'] === ts)).toHaveLength(1);
    expect(fake.ok('chat.postEphemeral', (p) => p['channel'] === STAFF_CHANNEL && /Already approved by/.test(String(p['text'])))).toHaveLength(STAFF.length - 1);
    // The administrator hears it once in their DM.
    expect(postsTo('DORG').filter((c) => /approved/.test(String(c.params['text'])))).toHaveLength(1);
  });

  it.runIf(onPostgres)('processes once an event that Slack retries on the other instance', async () => {
    const user: SlackUser = { id: 'URETRY', name: 'retried' };
    const event = messageEvent({ user, channel: 'DRETRY', text: 'hi' });
    expect((await postEvent(a.url, event)).status).toBe(200);
    // Slack did not see the ack in time and retries: this time the balancer picks the other instance.
    const retry = (n: number) => ({ headers: { 'x-slack-retry-num': String(n), 'x-slack-retry-reason': 'http_timeout' } });
    expect((await postEvent(b.url, event, retry(1))).status).toBe(200);
    expect((await postEvent(proxy.url, event, retry(2))).status).toBe(200);
    expect((await postEvent(proxy.url, event, retry(3))).status).toBe(200);
    await fake.waitFor('chat.postMessage', (p) => p['channel'] === 'DRETRY', 2, 15_000);
    await settle();
    expect(postsTo('DRETRY').map((c) => String(c.params['text']))).toEqual([expect.stringMatching(/four steps/), expect.stringMatching(/Register the organization/)]);
  });
});
