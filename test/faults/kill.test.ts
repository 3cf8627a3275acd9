import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { startInstance } from '../helpers/instances.ts';
import { mailKind, newAdmin, staffMember, submittedOrganization, type SubmittedOrganization } from '../helpers/journey.ts';
import { startFakeSlack, type FakeSlack } from '../slack/fake-slack.ts';
import { SIGNING_SECRET, STAFF_CHANNEL, messageEvent, send, type SlackUser } from '../slack/helpers.ts';
import { startChildApp, type ChildApp } from './child-app.ts';

/**
 * `kill -9` of the assistant (its own process, as `npm start` runs it) while administrators
 * are mid-conversation and the outbox is mid-delivery: the SMTP server holds the third email
 * in its DATA phase when the process dies. After a restart on the same database, every
 * answer the assistant had acknowledged with its next question is still there, every email
 * goes out exactly once (the held one again, the two accepted ones never again), and the
 * conversations go on. Figures are printed: operations attempted, completed, lost, duplicated.
 */

type Mail = { messageId: string; to: string[]; parsed: ParsedMail };

/** A real SMTP server on loopback that can hold a message in DATA (never answering it). */
async function startHoldingSmtp(holdWhen: (n: number) => boolean) {
  const accepted: Mail[] = [];
  let arrivals = 0;
  let releaseHeld: ((ok: boolean) => void) | undefined;
  let onHeld: (() => void) | undefined;
  const held = new Promise<void>((resolve) => (onHeld = resolve));
  const state = { holdWhen };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 200,
    onData(stream, session, callback) {
      const n = ++arrivals;
      simpleParser(stream).then(
        async (parsed) => {
          if (state.holdWhen(n)) {
            // Held: the client waits for our answer; its process is killed meanwhile.
            const ok = await new Promise<boolean>((resolve) => {
              releaseHeld = resolve;
              onHeld?.();
            });
            if (!ok) return callback(new Error('connection gone'));
          }
          accepted.push({ messageId: String(parsed.messageId ?? ''), to: session.envelope.rcptTo.map((r) => r.address), parsed });
          callback();
        },
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`,
    accepted,
    held,
    /** Stops holding; the held message (its client is dead) is refused. */
    stopHolding() {
      state.holdWhen = () => false;
      releaseHeld?.(false);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const ANSWERS = ['Mentoring Association of Crash Town', 'Crash Mentors', 'https://crash.example.org/', '1234 Barrington Street', 'Halifax', 'NS'];
const USERS: SlackUser[] = Array.from({ length: 10 }, (_, i) => ({ id: `UKILL${i}`, name: `kill.${i}` }));
const dm = (u: SlackUser) => `D${u.id}`;

describe('kill -9 in the middle of conversations and email delivery', () => {
  let db: TestDatabase | undefined;
  let smtp: Awaited<ReturnType<typeof startHoldingSmtp>> | undefined;
  let fake: FakeSlack | undefined;
  const children: ChildApp[] = [];

  afterAll(async () => {
    for (const c of children) await c.kill();
    smtp?.stopHolding();
    await smtp?.close();
    await fake?.close();
    await db?.drop();
  });

  it('keeps every acknowledged answer, sends every email exactly once, and goes on after a restart', async () => {
    db = await createTestDatabase();
    smtp = await startHoldingSmtp((n) => n === 3);
    fake = await startFakeSlack();

    // Six approved organizations: six approval emails waiting in the outbox (no worker yet).
    const seed = await startInstance(db, { env: { OUTBOX_WORKER: 'false' } });
    const staff = await staffMember(seed.service);
    const orgs: SubmittedOrganization[] = [];
    for (let i = 0; i < 6; i++) {
      const org = await submittedOrganization(seed.service, await newAdmin(seed.service));
      expect((await seed.service.decide(staff, { submissionId: org.submissionId, outcome: 'approved' })).ok).toBe(true);
      orgs.push(org);
    }
    await seed.stop();

    const env = {
      DATA_DIR: db.dataDir,
      ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
      SMTP_URL: smtp.url,
      MAIL_FROM: 'Mentor Connector <noreply@mentor.example.org>',
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      SLACK_STAFF_CHANNEL: STAFF_CHANNEL,
      LINK_SECRET: 'the-same-link-secret-before-and-after-the-crash-0123',
      // A short lease: the rows the killed process had claimed come back after 5 s, not 60.
      OUTBOX_LEASE_SECONDS: '5',
      // And the DMs it had acknowledged but not processed are replayed after 3 s.
      INBOUND_REPLAY_SECONDS: '3',
    };
    const first = await startChildApp(env);
    children.push(first);

    const say = (user: SlackUser, text: string, app: ChildApp) => send(`${app.url}/slack/events`, JSON.stringify(messageEvent({ user, channel: dm(user), text })), 'application/json');
    const postsTo = (user: SlackUser) => fake!.ok('chat.postMessage', (p) => p['channel'] === dm(user));
    const asked = (user: SlackUser, n: number) => postsTo(user).some((c) => new RegExp(`question ${n} of 14\\b`).test(String(c.params['text'])));

    // Delivery is stuck on the third email; meanwhile ten administrators start the form.
    await smtp.held;
    const script = ['hi', 'new organization', ANSWERS[0]!, ANSWERS[1]!];
    let sent = 0;
    for (const [round, text] of script.entries()) {
      const acks = await Promise.all(USERS.map((u) => say(u, text, first)));
      sent += USERS.length;
      expect(acks.map((r) => r.status)).toEqual(USERS.map(() => 200));
      // Each turn's reply before the next message; from round 3 on, the next question shows the answer was taken.
      const reply = round === 0 ? /four steps/ : new RegExp(`question ${round} of 14\\b`);
      for (const u of USERS) await fake.waitFor('chat.postMessage', (p) => p['channel'] === dm(u) && reply.test(String(p['text'])), 1, 15_000);
    }
    const answeredBeforeKill = USERS.length * 2;

    // A burst of third answers, and the kill as soon as Slack has its acks: turns in flight die.
    const burst = await Promise.all(USERS.map((u) => say(u, ANSWERS[2]!, first)));
    sent += USERS.length;
    expect(burst.map((r) => r.status)).toEqual(USERS.map(() => 200));
    await first.kill('SIGKILL');
    const repliedInBurst = USERS.filter((u) => asked(u, 4)).length;
    const acceptedBeforeKill = smtp.accepted.length;
    smtp.stopHolding();

    // Restart on the same database.
    const second = await startChildApp(env);
    children.push(second);
    const deadline = Date.now() + 30_000;
    while (new Set(smtp.accepted.map((m) => m.messageId)).size < orgs.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));

    // The answers acknowledged but not processed before the kill are replayed: everyone is
    // asked question 4, once.
    for (const u of USERS) await fake.waitFor('chat.postMessage', (p) => p['channel'] === dm(u) && /question 4 of 14\b/.test(String(p['text'])), 1, 30_000);
    const replayed = USERS.length - repliedInBurst;

    await second.kill('SIGTERM');

    // Every acknowledged answer is in the database exactly once: the three answers typed,
    // in their questions, and question 4 asked once after the third.
    const check = await startInstance(db, { env: { OUTBOX_WORKER: 'false' } });
    try {
      for (const u of USERS) {
        const actor = await check.service.identify({ channel: 'slack', externalId: u.id, displayName: u.name });
        const ref = await check.service.focus(actor);
        const view = await check.service.formView(actor, ref!);
        expect(view.position, u.id).toBe(4);
        expect(Object.values(view.answers).map(String).sort(), u.id).toEqual(ANSWERS.slice(0, 3).sort());
      }
    } finally {
      await check.stop();
    }
    for (const u of USERS) expect(postsTo(u).filter((c) => /question 4 of 14\b/.test(String(c.params['text'])))).toHaveLength(1);

    // Every email exactly once: one approval per organization, no Message-ID twice.
    const ids = smtp.accepted.map((m) => m.messageId);
    for (const org of orgs) {
      expect(smtp.accepted.filter((m) => m.to.includes(org.adminEmail) && mailKind(m.parsed) === 'organizationApproved')).toHaveLength(1);
    }
    expect(new Set(ids).size).toBe(ids.length);

    console.log(
      [
        `kill -9 (${db.kind}):`,
        `  messages: ${sent} sent, ${sent} acknowledged; ${answeredBeforeKill + repliedInBurst} answers confirmed before the kill, all kept;`,
        `            ${replayed} in flight at the kill, replayed after the restart; 0 lost, 0 applied twice`,
        `  emails:   ${orgs.length} queued; ${acceptedBeforeKill} accepted before the kill, ${smtp.accepted.length - acceptedBeforeKill} after the restart; ${new Set(ids).size} distinct, ${ids.length - new Set(ids).size} duplicated, ${orgs.length - new Set(ids).size} lost`,
      ].join('\n'),
    );
  }, 120_000);
});
