import { afterAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.ts';
import { createTestDatabase, onPostgres, type TestDatabase } from '../helpers/db.ts';
import { startInstance } from '../helpers/instances.ts';
import { startFakeSlack, type FakeSlack } from '../slack/fake-slack.ts';
import { SIGNING_SECRET, STAFF_CHANNEL, messageEvent, send, type SlackUser } from '../slack/helpers.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

/**
 * PostgreSQL goes away under load (every connection dropped, new ones refused, as during a
 * restart) and comes back. During the outage Slack still gets its ack for every message and
 * each person is told to try again in a moment; afterwards the same answers go through, and
 * no half-written state is left: each form shows exactly the answers that were confirmed.
 * Runs on PostgreSQL only (PGlite is inside the process: it cannot be restarted under it).
 */

const USERS: SlackUser[] = Array.from({ length: 12 }, (_, i) => ({ id: `UOUT${i}`, name: `outage.${i}` }));
const dm = (u: SlackUser) => `D${u.id}`;
const TRY_AGAIN = /please try again in a moment/;

describe.runIf(onPostgres)('PostgreSQL restarted under load', () => {
  let db: TestDatabase | undefined;
  let proxy: TcpProxy | undefined;
  let fake: FakeSlack | undefined;
  let app: RunningApp | undefined;

  afterAll(async () => {
    proxy?.restore();
    await app?.stop();
    await proxy?.close();
    await fake?.close();
    await db?.drop();
  });

  it('acks everything, says “try again” during the outage, and loses or half-writes nothing', async () => {
    db = await createTestDatabase();
    const real = new URL(db.databaseUrl!);
    proxy = await startTcpProxy({ host: real.hostname, port: Number(real.port || 5432) });
    const viaProxy = new URL(real);
    viaProxy.port = String(proxy.port);
    fake = await startFakeSlack();
    app = await startInstance(
      { ...db, databaseUrl: viaProxy.toString() },
      { env: { SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: fake.apiUrl, SLACK_STAFF_CHANNEL: STAFF_CHANNEL, LOG_LEVEL: 'silent' } },
    );
    const url = `${app.url}/slack/events`;
    const say = (u: SlackUser, text: string) => send(url, JSON.stringify(messageEvent({ user: u, channel: dm(u), text })), 'application/json');
    const posts = (u: SlackUser) => fake!.ok('chat.postMessage', (p) => p['channel'] === dm(u)).map((c) => String(c.params['text']));
    const replyAfter = async (u: SlackUser, before: number) => {
      await fake!.waitFor('chat.postMessage', (p) => p['channel'] === dm(u), before + 1, 20_000);
      return posts(u)[before]!;
    };
    const round = async (text: (u: SlackUser) => string) => {
      const before = USERS.map((u) => posts(u).length);
      const acks = await Promise.all(USERS.map((u) => say(u, text(u))));
      return { acks: acks.map((r) => r.status), replies: await Promise.all(USERS.map((u, i) => replyAfter(u, before[i]!))) };
    };

    // Everyone starts the organization form and answers question 1.
    await round(() => 'new organization');
    const first = await round((u) => `Mentoring Association ${u.id}`);
    for (const reply of first.replies) expect(reply).toMatch(/question 2 of 14\b/);

    // The database goes away. Every message is acknowledged and answered “try again”.
    proxy.cut();
    const during = await round((u) => `Mentors ${u.id}`);
    expect(during.acks).toEqual(USERS.map(() => 200));
    for (const reply of during.replies) expect(reply).toMatch(TRY_AGAIN);
    expect((await fetch(`${app.url}/healthz`)).status).toBeLessThan(600);

    // It comes back: the same answers go through, once, after question 1's answer.
    proxy.restore();
    const after = await round((u) => `Mentors ${u.id}`);
    expect(after.acks).toEqual(USERS.map(() => 200));
    let retried = 0;
    for (const [i, reply] of after.replies.entries()) {
      // The pool may hand out one more dead connection: at most one more “try again”.
      if (TRY_AGAIN.test(reply)) {
        retried += 1;
        const before = posts(USERS[i]!).length;
        await say(USERS[i]!, `Mentors ${USERS[i]!.id}`);
        expect(await replyAfter(USERS[i]!, before)).toMatch(/question 3 of 14\b/);
      } else expect(reply).toMatch(/question 3 of 14\b/);
    }

    // Nothing half-written: each draft holds exactly the two confirmed answers.
    for (const u of USERS) {
      const actor = await app.service.identify({ channel: 'slack', externalId: u.id, displayName: u.name });
      const focus = await app.service.focus(actor);
      expect(focus).toBeTruthy();
      const view = await app.service.formView(actor, focus!);
      const answered = Object.entries(view.answers).filter(([, v]) => v !== undefined && v !== '');
      expect(Object.fromEntries(answered)).toEqual({ legalName: `Mentoring Association ${u.id}`, operatingName: `Mentors ${u.id}` });
    }
    console.log(
      `PostgreSQL outage: ${USERS.length} messages during it, ${during.acks.filter((s) => s === 200).length} acknowledged, ` +
        `${during.replies.filter((r) => TRY_AGAIN.test(r)).length} told to try again, 0 unanswered; after it ${USERS.length} answered ` +
        `(${retried} needed one more try), 0 lost, 0 half-written`,
    );
  }, 90_000);
});
