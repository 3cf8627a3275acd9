import { cleanText } from '../../src/domain/clean-text.ts';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DirectLineActivity } from '../../src/bots/playground/direct-line.ts';
import { normalizeLine } from '../../src/forms/normalize.ts';
import { createLocalMailbox, type LocalMailbox, type MailboxMessage } from '../../src/mail/transport.ts';
import { makeAccessRequestAnswers, makeOrganizationAnswers, makeProgramAnswers } from '../forms/fixtures.ts';
import { decodeEntities, linkIn, startTestApp, type TestApp } from '../helpers/app.ts';
import { openConversation, type DirectLineClient } from '../playground/direct-line-client.ts';
import { startFakeSlack, type FakeSlack, type SlackCall } from '../slack/fake-slack.ts';
import {
  SIGNING_SECRET,
  blockAction,
  buttonIn,
  everything,
  messageEvent,
  signedHeaders,
  slackEscape,
  slashCommand,
  viewSubmission,
  type SendOptions,
  type SlackUser,
} from '../slack/helpers.ts';
import { makeTeamsActivity, startFakeConnector, type ConnectorCall, type FakeConnector } from '../teams/fake-connector.ts';
import {
  HOSTILE_NAME,
  HOSTILE_TEXT,
  INJECTIONS,
  INVALID_UTF8,
  KB,
  type Bytes,
  type Sample,
  MALFORMED_JSON,
  NOT_AN_OBJECT,
  STACK_TRACE,
  UNICODE_HOSTILE,
  WRONG_CONTENT_TYPES,
  filler,
  gzipBomb,
  oneMegabyteJson,
  percentEncode,
} from './corpus.ts';

/**
 * The bad-input corpus (./corpus.ts) against every endpoint and form of one running
 * assistant: Slack, Teams, the playground's Direct Line, the registration pages, the staff
 * pages and the mailbox. Each request must be refused with a clear 4xx (no stack trace)
 * and store nothing, or be accepted and neutralised (validated away, or stored and always
 * shown escaped); never a 5xx. Stored rows are compared table by table before and after.
 * The figures per endpoint are printed at the end.
 */

// ------------------------------------------------------------------ the assistant under test

const STAFF_TOKEN = 'bad-input-staff-token-0123456789';
const STAFF_CHANNEL = 'CSTAFF';
const STAFF: SlackUser = { id: 'USTAFF1', name: 'sam.staff' };
const SLACK_ADMIN: SlackUser = { id: 'UHOSTILE', name: 'dana' };
/** Slack names the person after their profile, which they may fill with mrkdwn. */
const SLACK_ADMIN_DISPLAY = '<!here> Dana <@U999>';
const SLACK_DM = 'DHOSTILE';

let fake: FakeSlack;
let connector: FakeConnector;
let t: TestApp;
let mailbox: LocalMailbox;
let base: string;

beforeAll(async () => {
  fake = await startFakeSlack();
  fake.users.set(STAFF.id, { name: STAFF.name, realName: 'Sam Stafford', displayName: STAFF.name });
  fake.users.set(SLACK_ADMIN.id, { name: SLACK_ADMIN.name, realName: 'Dana Admin', displayName: SLACK_ADMIN_DISPLAY });
  connector = await startFakeConnector();
  t = await startTestApp({
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.apiUrl,
    SLACK_STAFF_CHANNEL: STAFF_CHANNEL,
    SLACK_STAFF_USERS: STAFF.id,
    // Everything in one process: the playground and the local mailbox (no SMTP) too.
    PLAYGROUND: 'true',
    SMTP_URL: '',
    STAFF_TOKEN,
    STAFF_IDS: 'test:staff-1,webchat:staff',
  });
  base = t.app.url;
  mailbox = createLocalMailbox(path.join(t.db.dataDir, 'mailbox'));
});

afterAll(async () => {
  printFigures();
  await t?.close();
  await connector?.close();
  await fake?.close();
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ------------------------------------------------------------------ stored rows, table by table

type Sql = { $queryRawUnsafe<T>(query: string, ...values: unknown[]): Promise<T> };

/**
 * The store's own database client: PGlite allows one connection per folder, so the test
 * reads through the app's client rather than opening a second one. The store keeps it in a
 * private field; reading it here keeps the store's interface free of test-only methods.
 */
function sqlOf(store: object): Sql {
  const client: unknown = Reflect.get(store, 'client');
  if (typeof client === 'object' && client !== null && typeof (client as Partial<Sql>).$queryRawUnsafe === 'function') return client as Sql;
  throw new Error('the store no longer keeps its Prisma client in `client`: update sqlOf()');
}

/** A hash of every row of every table, by table. */
type Snapshot = Map<string, Set<string>>;
let tables: string[] | undefined;

async function snapshot(): Promise<Snapshot> {
  const sql = sqlOf(t.app.store);
  tables ??= (
    await sql.$queryRawUnsafe<Array<{ table_name: string }>>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND left(table_name, 1) <> '_'",
    )
  ).map((r) => r.table_name);
  expect(tables.length).toBeGreaterThan(10);
  const rows = await sql.$queryRawUnsafe<Array<{ t: string; h: string }>>(tables.map((name) => `SELECT '${name}' AS t, md5(x::text) AS h FROM "${name}" x`).join(' UNION ALL '));
  const byTable: Snapshot = new Map(tables.map((name) => [name, new Set<string>()]));
  for (const row of rows) byTable.get(row.t)?.add(row.h);
  return byTable;
}

/** Rows added, removed or changed between two snapshots (an update counts once). */
function rowsChanged(before: Snapshot, after: Snapshot): { count: number; tables: string[] } {
  let count = 0;
  const changed: string[] = [];
  for (const [table, rows] of after) {
    const earlier = before.get(table) ?? new Set<string>();
    const added = [...rows].filter((h) => !earlier.has(h)).length;
    const removed = [...earlier].filter((h) => !rows.has(h)).length;
    if (added || removed) changed.push(table);
    count += Math.max(added, removed);
  }
  return { count, tables: changed };
}

/** A snapshot once the outbox worker (mail, staff cards) has stopped changing rows. */
async function settled(): Promise<Snapshot> {
  let previous = await snapshot();
  for (let i = 0; i < 50; i++) {
    await sleep(60);
    const next = await snapshot();
    if (rowsChanged(previous, next).count === 0) return next;
    previous = next;
  }
  return previous;
}

/** Runs requests that must all be refused: nothing may be stored. */
async function nothingStored(endpoint: string, run: () => Promise<void>): Promise<void> {
  const before = await settled();
  await run();
  // Anything a refused request set off would show within this time.
  await sleep(150);
  const after = await settled();
  const changed = rowsChanged(before, after);
  expect(changed, `${endpoint}: refused requests stored rows in ${changed.tables.join(', ')}`).toEqual({ count: 0, tables: [] });
}

/** Runs requests that may be accepted: counts what they stored, for the figures. */
async function measured(endpoint: string, run: () => Promise<void>): Promise<void> {
  const before = await settled();
  await run();
  const after = await settled();
  row(endpoint).rowsChanged += rowsChanged(before, after).count;
}

// ------------------------------------------------------------------ figures and verdicts

type Figures = { sent: number; refused: number; neutralised: number; serverErrors: number; rowsChanged: number };
const figures = new Map<string, Figures>();

function row(endpoint: string): Figures {
  let r = figures.get(endpoint);
  if (!r) figures.set(endpoint, (r = { sent: 0, refused: 0, neutralised: 0, serverErrors: 0, rowsChanged: 0 }));
  return r;
}

function tally(endpoint: string, status: number): void {
  const r = row(endpoint);
  r.sent += 1;
  if (status >= 500) r.serverErrors += 1;
  else if (status >= 400) r.refused += 1;
  else r.neutralised += 1;
}

function printFigures(): void {
  const header = ['endpoint', 'sent', 'refused 4xx', 'accepted-neutralised', '5xx', 'stored rows changed'];
  const lines = [...figures].map(([endpoint, f]) => [endpoint, f.sent, f.refused, f.neutralised, f.serverErrors, f.rowsChanged].map(String));
  const total = [0, 0, 0, 0, 0];
  for (const f of figures.values()) [f.sent, f.refused, f.neutralised, f.serverErrors, f.rowsChanged].forEach((n, i) => (total[i]! += n));
  lines.push(['total', ...total.map(String)]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ');
  console.log(['Bad-input corpus: figures per endpoint', format(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...lines.map(format)].join('\n'));
}

type Answer = { status: number; body: string; headers: Headers };

async function read(res: Response | Promise<Response>): Promise<Answer> {
  const r = await res;
  return { status: r.status, body: await r.text(), headers: r.headers };
}

type RefuseOptions = {
  /** The exact statuses allowed (default: any 4xx). */
  statuses?: readonly number[];
  /**
   * TODO(src/bots/slack/slack-app.ts, src/web/staff-page.ts or src/app.ts, all owned by work in
   * progress): some errors reach Express's default handler, whose page carries a stack trace
   * unless NODE_ENV=production: express.raw's 413/415 on /slack/events, and a path parameter
   * Express cannot decode on /staff/org/:id. For those, only the status is checked until the
   * routers (or one last error handler in app.ts) answer them.
   */
  knownStackTrace?: boolean;
};

/** A request that must be refused with a clear 4xx: a status in range and no stack trace in the body. */
async function refused(endpoint: string, what: string, res: Response | Promise<Response>, options: RefuseOptions = {}): Promise<Answer> {
  const a = await read(res);
  tally(endpoint, a.status);
  expect(a.status, `${endpoint} ${what}: ${a.body.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
  expect(a.status, `${endpoint} ${what}: ${a.body.slice(0, 300)}`).toBeLessThan(500);
  if (options.statuses) expect(options.statuses, `${endpoint} ${what}: ${a.status}`).toContain(a.status);
  if (!options.knownStackTrace) expect(a.body, `${endpoint} ${what}`).not.toMatch(STACK_TRACE);
  return a;
}

/** A request that may be accepted (its effect is checked by the caller); never a 5xx, never a 4xx. */
async function accepted(endpoint: string, what: string, res: Response | Promise<Response>): Promise<Answer> {
  const a = await read(res);
  tally(endpoint, a.status);
  expect(a.status, `${endpoint} ${what}: ${a.body.slice(0, 300)}`).toBeLessThan(400);
  return a;
}

/** Records an outcome observed without an HTTP status of its own (e.g. a typed answer refused by validation). */
function counted(endpoint: string, status: number): void {
  tally(endpoint, status);
  expect(status).toBeLessThan(500);
}

/**
 * A request cut short on the wire: the head promises more body than is sent, then the
 * client half-closes. Resolves with the status the server answered (0 for none).
 */
function truncatedUpload(url: string, headers: Record<string, string>, partial: string): Promise<number> {
  const target = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(target.port), target.hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), 3000);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const status = /^HTTP\/1\.1 (\d{3})/.exec(Buffer.concat(chunks).toString('latin1'))?.[1];
      resolve(status ? Number(status) : 0);
    });
    const head = Object.entries({ host: target.host, 'content-length': String(partial.length + 500), ...headers })
      .map(([k, v]) => `${k}: ${v}`)
      .join('\r\n');
    socket.write(`POST ${target.pathname}${target.search} HTTP/1.1\r\n${head}\r\n\r\n${partial}`);
    setTimeout(() => socket.end(), 30);
  });
}

async function truncated(endpoint: string, url: string, headers: Record<string, string>, partial: string): Promise<void> {
  const status = await truncatedUpload(url, headers, partial);
  tally(endpoint, status);
  expect(status, `${endpoint}: truncated upload`).toBeGreaterThanOrEqual(400);
  expect(status, `${endpoint}: truncated upload`).toBeLessThan(500);
}

/** Strings a hostile value must never reach a Slack message as: they would ping, mention or link. */
const SLACK_CONTROL = ['<!channel>', '<!here>', '<!everyone>', '<@U123>', '<@U999>', '<#C123>', '<https://evil.example|'];

/** The apology for an internal error: bad input must never end in one. */
const GENERIC_FAILURE = 'Something went wrong on our side';

/**
 * TODO(src/bots/core/conversation-core.ts, owned by the core work in progress): a NUL byte
 * in a typed search (`status a\u0000b`) reaches PostgreSQL, which refuses it (22021), and the
 * person gets the generic apology. Sent, but the answer is not checked, until typed text is
 * cleaned of NUL (and lone surrogates) where the core reads it.
 */
const KNOWN_SEARCH_FAILURES = new Set<string>();

/**
 * TODO(src/core/onboarding-service.ts, owned by the core work in progress): identify() stores
 * what the channel reports as is; a lone surrogate in the Teams locale (kept in the stored
 * conversation reference) makes PostgreSQL refuse the JSON, and the person gets the generic
 * apology on every message. Same with a NUL byte in a display name (Person.displayName).
 */
const KNOWN_TEAMS_FAILURES = new Set<string>();

const HOSTILE_ADMIN_EMAIL = 'hostile-admin@example.org';
/** What the Slack part leaves for the pages: the hostile organization, approved. */
const hostile = { organizationId: '', activationLink: '', platformLink: '', username: '' };

/** Waits for a mail to `to` in the local mailbox whose text matches. */
async function mailTo(to: string, match: RegExp, timeoutMs = 10_000): Promise<MailboxMessage> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const entry of await mailbox.list()) {
      if (entry.to.toLowerCase() !== to.toLowerCase()) continue;
      const message = await mailbox.read(entry.id);
      if (message && match.test(message.text)) return message;
    }
    if (Date.now() > deadline) throw new Error(`no mail to ${to} matching ${match}`);
    await sleep(50);
  }
}

/** What a stored answer reads back as (text answers are normalised to one line, NFC). */
/** What the assistant keeps of a typed answer: made storable (`cleanText`), then normalised. */
const storedForm = (value: string) => normalizeLine(cleanText(value));

// ------------------------------------------------------------------ web pages and forms

const ACTIVATE = '/activate';
const STAFF_PAGES = '/staff*';
const MAILBOX = '/mailbox*';
const ROOT = 'GET /, /healthz, others';
const PLATFORM = '/platform/register';
const STRONG = 'maple canoe 47 lantern';

/** An emailed link (on PUBLIC_URL) as a URL of the app under test. */
const local = (link: string) => {
  const u = new URL(link);
  return `${base}${u.pathname}${u.search}`;
};

/**
 * Checks a page shows hostile values as text: no tag, attribute or mrkdwn of theirs survives
 * unescaped, while the escaped forms may well be there.
 */
function expectEscaped(page: string, what: string, options: { typedLinksListed?: boolean } = {}): void {
  expect(page, what).not.toMatch(/<script>alert|<img src=x|onerror=alert\(\d\)>|<!channel>|<@U123>|<https:\/\/evil\.example\|/);
  expect(page, what).not.toMatch(/href="javascript:/);
  // The mailbox lists the http(s) links of a mail's text part, as a mail client would link
  // them: a URL typed into a name is one of them. No other page links to what was typed.
  if (!options.typedLinksListed) expect(page, what).not.toMatch(/href="https:\/\/evil\.example/);
  // Nothing unencodable either: no NUL byte, no lone surrogate.
  // eslint-disable-next-line no-control-regex -- finding NUL is the point
  expect(/\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(page), `${what}: NUL or lone surrogate in the page`).toBe(false);
}

/** Opens a registration form: its CSRF cookie and hidden fields, for the POSTs that follow. */
async function openForm(url: string): Promise<{ status: number; html: string; cookie: string; hidden: Record<string, string> }> {
  const res = await fetch(url);
  const html = await res.text();
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const hidden = Object.fromEntries([...html.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)">/g)].map((m) => [m[1]!, decodeEntities(m[2] ?? '')]));
  return { status: res.status, html, cookie, hidden };
}

type PostOptions = { withCsrf?: boolean; contentType?: string; body?: string | Bytes; encoding?: string };

/** POSTs to a form with its cookie and hidden fields (unless `withCsrf: false`), plus `fields`. */
function formPoster(action: string, form: { cookie: string; hidden: Record<string, string> }) {
  return (fields: Record<string, string>, options: PostOptions = {}): Promise<Response> => {
    const withCsrf = options.withCsrf ?? true;
    const body = options.body ?? new URLSearchParams({ ...(withCsrf ? form.hidden : {}), ...fields }).toString();
    return fetch(action, {
      method: 'POST',
      headers: {
        'content-type': options.contentType ?? 'application/x-www-form-urlencoded',
        ...(withCsrf ? { cookie: form.cookie } : {}),
        ...(options.encoding ? { 'content-encoding': options.encoding } : {}),
      },
      body,
      redirect: 'manual',
    });
  };
}

/** The hostile program's name: the sender name of the platform's email. */
const HOSTILE_PROGRAM = '<img src=x onerror=alert(3)> Peer <!channel> Mentors';
const PLATFORM_EMAIL = 'platform-admin@example.org';

/** Steps 2 to 4 through the service, for the hostile organization: the platform email's link. */
async function preparePlatformLink(): Promise<void> {
  const { service } = t.app;
  const admin = await service.identify({ channel: 'slack', externalId: SLACK_ADMIN.id, displayName: SLACK_ADMIN.name });
  const staff = await service.identify({ channel: 'test', externalId: 'staff-1', displayName: 'Sam Staff' });
  const fill = async (ref: { formId: 'program' | 'accessRequest'; entityId: string }, answers: Record<string, unknown>) => {
    let view = await service.formView(admin, ref);
    while (view.next) {
      const value = answers[view.next.id];
      const r = value === undefined ? await service.skip(admin, ref, view.next.id) : await service.answer(admin, ref, view.next.id, value);
      expect(r.ok, `answer to ${view.next.id}`).toBe(true);
      view = r.view;
    }
  };
  const program = await service.startProgram(admin, hostile.organizationId);
  const programRef = { formId: 'program' as const, entityId: program.entityId };
  await fill(programRef, makeProgramAnswers({ name: HOSTILE_PROGRAM, programAdminEmail: PLATFORM_EMAIL }));
  const submitted = await service.submit(admin, programRef);
  if (!submitted.ok || !('submissionId' in submitted)) throw new Error(`program not submitted: ${JSON.stringify(submitted)}`);
  expect((await service.decide(staff, { submissionId: submitted.submissionId, outcome: 'approved' })).ok).toBe(true);
  const startsAt = new Date(service.now().getTime() + 3 * 86_400_000);
  const slot = await service.publishSlot(staff, { startsAt, timeZone: 'America/Halifax', durationMinutes: 60, language: 'en', capacity: 5, videoUrl: 'https://meet.example.org/a' });
  await service.bookSession(admin, program.entityId, slot.id);
  const opened = await service.startAccessRequest(admin, program.entityId);
  if (!opened.ok) throw new Error(`access request refused: ${JSON.stringify(opened)}`);
  const accessRef = { formId: 'accessRequest' as const, entityId: program.entityId };
  const launchDate = new Date(service.now().getTime() + 30 * 86_400_000).toISOString().slice(0, 10);
  await fill(accessRef, makeAccessRequestAnswers({ programId: program.entityId, launchDate, platformAdminEmail: PLATFORM_EMAIL }));
  const request = await service.submit(admin, accessRef);
  if (!request.ok || !('submissionId' in request)) throw new Error(`access not requested: ${JSON.stringify(request)}`);
  expect((await service.decide(staff, { submissionId: request.submissionId, outcome: 'approved' })).ok).toBe(true);
  const mail = await mailTo(PLATFORM_EMAIL, /\/platform\/register\?token=/);
  hostile.platformLink = linkIn(mail.text, '/platform/register');
  hostile.username = /\b([a-z0-9-]+-[0-9a-f]{6})\b/.exec(mail.text)?.[1] ?? '';
  expect(hostile.username).not.toBe('');
}

// ------------------------------------------------------------------ Teams

const TEAMS = 'POST /api/messages';
const teamsUrl = () => `${base}/api/messages`;
const TEAMS_ADMIN = {
  from: { id: '29:user-hostile', aadObjectId: 'aad-hostile', name: 'Teams <script>alert(1)</script> [x](https://evil.example)' },
  conversation: { id: 'a:personal-hostile', conversationType: 'personal', tenantId: 'tenant-1' },
};

function teamsPost(body: string | Bytes, contentType = 'application/json', encoding?: string): Promise<Response> {
  return fetch(teamsUrl(), { method: 'POST', headers: { 'content-type': contentType, ...(encoding ? { 'content-encoding': encoding } : {}) }, body });
}

/** What the bot sent to Teams in one call: its text, or its card's summary. */
const teamsText = (call: ConnectorCall) => String(call.body['text'] ?? call.body['summary'] ?? '');

/** The administrator types `text` in their Teams chat; resolves with what the bot answered (the turn is over when the POST is). */
async function teamsSays(text: string): Promise<string> {
  const before = connector.calls.length;
  await accepted(TEAMS, `message ${JSON.stringify(text.slice(0, 40))}`, teamsPost(JSON.stringify(makeTeamsActivity(connector.url, { ...TEAMS_ADMIN, text }))));
  return connector.calls.slice(before).map(teamsText).join('\n');
}

/**
 * Markup a hostile value must never keep unescaped in a card's TextBlock or FactSet, where
 * it would render (`\<` and `\[` are the escaped forms, shown as the characters).
 */
const CARD_MARKUP: readonly RegExp[] = [/(?<!\\)<(script|img|!channel|@U)/, /(?<!\\)\[\w+(?<!\\)\]\(/, /(?<!\\)\*\*now/];

/**
 * What is wrong with an outgoing activity's cards: markup left unescaped in text the card
 * renders as Markdown, or a typed Adaptive Card fragment that became part of the card.
 */
function cardProblems(activity: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const rendered = (text: unknown, where: string) => {
    if (typeof text !== 'string') return;
    for (const markup of CARD_MARKUP) if (markup.test(text)) problems.push(`${where} renders ${markup.source}: ${text.slice(0, 120)}`);
    if (text === 'pwned') problems.push(`${where} is the typed card's TextBlock`);
  };
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (typeof node !== 'object' || node === null) return;
    const o = node as Record<string, unknown>;
    if (o['type'] === 'TextBlock') rendered(o['text'], 'TextBlock');
    if (o['type'] === 'FactSet' && Array.isArray(o['facts'])) {
      for (const f of o['facts'] as Array<Record<string, unknown>>) {
        rendered(f['title'], 'Fact title');
        rendered(f['value'], 'Fact value');
      }
    }
    if (typeof o['url'] === 'string' && o['url'].includes('evil.example')) problems.push(`a card action opens ${o['url']}`);
    Object.values(o).forEach(walk);
  };
  walk(activity['attachments']);
  return problems;
}

// ------------------------------------------------------------------ Direct Line (the playground)

const DL = '/v3/directline/*';
const dlUrl = () => `${base}/v3/directline`;

function dlPost(route: string, body: string | Bytes, headers: Record<string, string> = {}, contentType = 'application/json'): Promise<Response> {
  return fetch(`${dlUrl()}${route}`, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body });
}

/** Every activity of a conversation, from the start. */
async function dlActivities(client: DirectLineClient): Promise<DirectLineActivity[]> {
  const res = await fetch(`${dlUrl()}/conversations/${client.conversationId}/activities`, { headers: { authorization: `Bearer ${client.token}` } });
  return ((await res.json()) as { activities: DirectLineActivity[] }).activities;
}

/** A new administrator pane: a conversation whose token is bound to a fresh `dl_admin_…` user. */
async function openAdminPane(): Promise<{ client: DirectLineClient; userId: string }> {
  const userId = `dl_admin_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  return { client: await openConversation(base, userId), userId };
}

/** Posts an activity and waits for the bot's reply to it (matching `until`); returns its text. */
async function dlSays(client: DirectLineClient, activity: Record<string, unknown>, until: RegExp = /./): Promise<string> {
  let id: string;
  try {
    id = await client.post(activity);
  } catch (error) {
    counted(DL, 500);
    throw error;
  }
  counted(DL, 200);
  const reply = await client.waitFor((a) => a.from.role === 'bot' && a.replyToId === id && until.test(a.text ?? a.summary ?? ''), `a reply to ${JSON.stringify(activity).slice(0, 60)}`);
  return reply.text ?? reply.summary ?? '';
}

// ------------------------------------------------------------------ Slack

const SLACK = 'POST /slack/events';
const slackUrl = () => `${base}/slack/events`;

function slackSend(body: string | Bytes, contentType: string, options: SendOptions & { encoding?: string } = {}): Promise<Response> {
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  return fetch(slackUrl(), {
    method: 'POST',
    headers: {
      'content-type': contentType,
      ...(options.unsigned ? {} : signedHeaders(text, options)),
      ...(options.encoding ? { 'content-encoding': options.encoding } : {}),
      ...options.headers,
    },
    body,
  });
}

const slackJson = (value: unknown, options?: SendOptions) => slackSend(JSON.stringify(value), 'application/json', options);
const slackForm = (fields: Record<string, string>, options?: SendOptions) => slackSend(new URLSearchParams(fields).toString(), 'application/x-www-form-urlencoded', options);

/** Everything the assistant posted in a channel, oldest first. */
const dmPosts = (channel: string) => fake.ok('chat.postMessage', (p) => p['channel'] === channel);

/** Says `text` in the DM and waits for the assistant's post whose text matches `until`. */
async function slackSays(text: string, until: RegExp = /./, user: SlackUser = SLACK_ADMIN, channel = SLACK_DM): Promise<SlackCall> {
  const before = dmPosts(channel).length;
  await accepted(SLACK, `message ${JSON.stringify(text.slice(0, 40))}`, slackJson(messageEvent({ user, channel, text })));
  const posts = await fake.waitFor('chat.postMessage', (p) => p['channel'] === channel, before + 1);
  const fresh = posts.slice(before);
  const found = fresh.find((c) => until.test(String(c.params['text'])));
  if (found) return found;
  await fake.waitFor('chat.postMessage', (p) => p['channel'] === channel && !fresh.some((c) => c.params === p) && until.test(String(p['text'])));
  return dmPosts(channel).filter((c) => until.test(String(c.params['text']))).at(-1)!;
}

describe('the bad-input corpus', () => {
  it('Slack: refuses unsigned, wrongly signed, stale and tampered requests (401), and processes a replay once', async () => {
    const event = messageEvent({ user: { id: 'UMALLORY', name: 'mallory' }, channel: 'DMALLORY', text: 'hello' });
    const body = JSON.stringify(event);
    const now = Math.floor(Date.now() / 1000);
    await nothingStored(SLACK, async () => {
      const cases: Array<[string, Promise<Response>]> = [
        ['unsigned', slackSend(body, 'application/json', { unsigned: true })],
        ['signed with another secret', slackSend(body, 'application/json', { secret: 'not-the-secret' })],
        ['stale timestamp (6 minutes)', slackSend(body, 'application/json', { timestamp: now - 6 * 60 })],
        ['a day-old request replayed as captured', slackSend(body, 'application/json', { timestamp: now - 86_400 })],
        ['body changed after signing', fetch(slackUrl(), { method: 'POST', headers: { 'content-type': 'application/json', ...signedHeaders(body) }, body: body.replace('hello', 'submit') })],
        ['captured signature with a fresh timestamp', fetch(slackUrl(), { method: 'POST', headers: { 'content-type': 'application/json', ...signedHeaders(body, { timestamp: now - 400 }), 'x-slack-request-timestamp': String(now) }, body })],
        ['empty signature', slackSend(body, 'application/json', { headers: { 'x-slack-signature': 'v0=' } })],
        ['signature of another version', slackSend(body, 'application/json', { headers: { 'x-slack-signature': signedHeaders(body)['x-slack-signature']!.replace('v0=', 'v1=') } })],
        ['non-hex signature', slackSend(body, 'application/json', { headers: { 'x-slack-signature': `v0=${'z'.repeat(64)}` } })],
        ['non-numeric timestamp', slackSend(body, 'application/json', { headers: { 'x-slack-request-timestamp': 'yesterday' } })],
        ['no timestamp', fetch(slackUrl(), { method: 'POST', headers: { 'content-type': 'application/json', 'x-slack-signature': signedHeaders(body)['x-slack-signature']! }, body })],
      ];
      for (const [what, res] of cases) await refused(SLACK, what, res, { statuses: [401] });
      // A 20 kB signature header is refused by the HTTP server itself (431).
      await refused(SLACK, 'oversized signature header', slackSend(body, 'application/json', { headers: { 'x-slack-signature': `v0=${filler(20 * KB, 'a')}` } }), { statuses: [431] });
    });
    expect(fake.calls.filter((c) => c.method !== 'auth.test' && c.method !== 'users.info')).toHaveLength(0);

    // The same signed request twice (a replay within the 5 minutes): acknowledged, processed once.
    const replayed = messageEvent({ user: { id: 'UREPLAY', name: 'replay' }, channel: 'DREPLAY', text: 'help' });
    await measured(SLACK, async () => {
      await accepted(SLACK, 'signed request', slackJson(replayed));
      await fake.waitFor('chat.postMessage', (p) => p['channel'] === 'DREPLAY');
      await accepted(SLACK, 'the same signed request replayed', slackJson(replayed));
      await sleep(400);
    });
    expect(dmPosts('DREPLAY')).toHaveLength(1);
  });

  it('Slack: refuses malformed, truncated, mis-typed and oversized bodies (400/413/415) before anything is stored', async () => {
    const stranger = 'UMALFORMED';
    const goodEvent = messageEvent({ user: { id: stranger, name: 'x' }, channel: 'DMALFORMED', text: 'hi' });
    await nothingStored(SLACK, async () => {
      for (const [what, body] of [...MALFORMED_JSON, ...NOT_AN_OBJECT]) await refused(SLACK, what, slackSend(body, 'application/json'), { statuses: [400] });
      for (const type of WRONG_CONTENT_TYPES) await refused(SLACK, `as ${type}`, slackSend('<event type="message">hi</event>', type), { statuses: [400] });
      await refused(SLACK, 'invalid UTF-8', slackSend(INVALID_UTF8, 'application/json'), { statuses: [400] });
      // Interactivity and commands: form bodies whose payload is cut short, of the wrong shape or missing fields.
      const forms: Array<[string, Record<string, string>]> = [
        ['truncated payload', { payload: '{"type":"block_actions","user":{"id":"U1"' }],
        ['payload null', { payload: 'null' }],
        ['payload array', { payload: '[{"type":"block_actions"}]' }],
        ['payload not JSON', { payload: '%E0%A4%A' }],
        ['block_actions with user null', { payload: JSON.stringify({ type: 'block_actions', user: null, actions: [{ type: 'button', action_id: 'a' }] }) }],
        ['block_actions with actions [null]', { payload: JSON.stringify({ type: 'block_actions', user: { id: stranger }, actions: [null] }) }],
        ['block_actions with actions as an object', { payload: JSON.stringify({ type: 'block_actions', user: { id: stranger }, actions: { type: 'button' } }) }],
        ['view_submission with view []', { payload: JSON.stringify({ type: 'view_submission', user: { id: stranger }, view: [] }) }],
        ['view_submission without state', { payload: JSON.stringify({ type: 'view_submission', user: { id: stranger }, view: { callback_id: 'section', state: null } }) }],
        ['slash command without response_url', { command: '/onboarding', user_id: stranger, channel_id: 'C1', text: 'help' }],
        ['slash command with an empty user_id', { command: '/onboarding', user_id: '', channel_id: 'C1', response_url: fake.responseUrl('x') }],
      ];
      for (const [what, fields] of forms) await refused(SLACK, what, slackForm(fields), { statuses: [400] });
      const events: Array<[string, unknown]> = [
        ['event null', { ...goodEvent, event: null }],
        ['event as an array', { ...goodEvent, event: [goodEvent.event] }],
        ['event without a type', { ...goodEvent, event: { ...goodEvent.event, type: undefined } }],
        ['event_id as a number', { ...goodEvent, event_id: 42 }],
        ['no event_id', { ...goodEvent, event_id: undefined }],
        ['unknown envelope type', { ...goodEvent, type: 'event_callback\u0000' }],
        ['url_verification without a challenge', { type: 'url_verification', token: 'x' }],
      ];
      for (const [what, body] of events) await refused(SLACK, what, slackJson(body), { statuses: [400] });
      // Oversized: 1 MB, a gzip bomb that inflates past the limit, an encoding nobody speaks.
      await refused(SLACK, '1 MB body', slackSend(oneMegabyteJson(), 'application/json'), { statuses: [413] });
      await refused(SLACK, 'gzip bomb', slackSend(gzipBomb(), 'application/json', { unsigned: true, encoding: 'gzip' }), { statuses: [413] });
      await refused(SLACK, 'unknown content encoding', slackSend('{}', 'application/json', { encoding: 'compress' }), { statuses: [415] });
      await truncated(SLACK, slackUrl(), { 'content-type': 'application/json', ...signedHeaders('{"type":"event_callback"') }, '{"type":"event_callback"');
    });
    expect(await t.app.store.findIdentity('slack', stranger)).toBeNull();
    expect(fake.ok('chat.postMessage', (p) => p['channel'] === 'DMALFORMED')).toHaveLength(0);
  });

  it('Slack: hostile answers typed in a DM are validated away or stored, and every message escapes them', async () => {
    await measured(SLACK, async () => {
      await slackSays('register my organization', /question 1 of 14/);
      const actor = await t.app.service.identify({ channel: 'slack', externalId: SLACK_ADMIN.id, displayName: SLACK_ADMIN.name });
      const ref = await t.app.service.focus(actor);
      expect(ref?.formId).toBe('organization');
      for (const [what, value] of HOSTILE_TEXT) {
        const reply = String((await slackSays(value, /question \d+ of 14/)).params['text']);
        const stored = (await t.app.service.formView(actor, ref!)).answers['legalName'];
        if (/question 1 of 14/.test(reply)) {
          // Refused by validation: the same question again, and nothing of it kept.
          expect(stored, what).toBeUndefined();
          continue;
        }
        // Accepted: stored as typed (normalised), then taken back for the next sample.
        expect(reply, what).toMatch(/question 2 of 14/);
        expect(stored, what).toBe(storedForm(value));
        await slackSays('back', /question 1 of 14/);
      }
      // 100 kB typed in one message: acknowledged, refused as too long.
      const long = await slackSays(filler(100 * KB, 'y'), /question \d+ of 14/);
      expect(String(long.params['text'])).toMatch(/question 1 of 14/);
      // The name every later page shows: all the injections at once.
      await slackSays(HOSTILE_NAME, /question 2 of 14/);
      expect((await t.app.service.formView(actor, ref!)).answers['legalName']).toBe(HOSTILE_NAME);
    });
    const all = everything(fake);
    for (const control of SLACK_CONTROL) expect(all, control).not.toContain(control);
    expect(all).toContain('&lt;!channel&gt;');
    expect(all).toContain('&lt;script&gt;');
    // Nothing unencodable went out either: no NUL, no lone surrogate (JSON would show them escaped).
    expect(all).not.toMatch(/\\u0000|\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])/i);
  });

  it('Slack: slash commands, modals and buttons carrying hostile or 100 kB values are answered, never with a 5xx', async () => {
    await measured(SLACK, async () => {
      // `/onboarding status <hostile>` from staff runs a real search; from anyone else, a refusal.
      const queries: Sample[] = [...HOSTILE_TEXT, ['100 kB query', filler(100 * KB, 'q')]];
      for (const [i, [what, value]] of queries.entries()) {
        for (const user of [STAFF, SLACK_ADMIN]) {
          const id = `cmd-${user.id}-${i}`;
          await accepted(SLACK, `/onboarding status ${what}`, slackForm(slashCommand({ user, text: `status ${value}`, responseUrl: fake.responseUrl(id) })));
          const [answer] = await fake.waitFor('response_url', (p) => p['id'] === id);
          if (!KNOWN_SEARCH_FAILURES.has(what)) expect(String(answer!.params['text']), `${what} from ${user.id}`).not.toContain(GENERIC_FAILURE);
        }
      }

      // A modal with 100 kB in every field: Slack shows the errors in the modal; nothing is stored.
      const actor = await t.app.service.identify({ channel: 'slack', externalId: SLACK_ADMIN.id, displayName: SLACK_ADMIN.name });
      const question = dmPosts(SLACK_DM).filter((c) => /question 2 of 14/.test(String(c.params['text']))).at(-1)!;
      const open = buttonIn(question.params['blocks'], (v) => v['action'] === 'openSection');
      const opens = fake.ok('views.open').length;
      await accepted(SLACK, 'open a section modal', slackForm({ payload: JSON.stringify(blockAction({ user: SLACK_ADMIN, found: open, channel: SLACK_DM, messageTs: '1.1' })) }));
      const view = (await fake.waitFor('views.open', undefined, opens + 1)).at(-1)!.params['view'] as Record<string, unknown>;
      const huge = filler(100 * KB, 'z');
      const submitted = await accepted(SLACK, 'modal with 100 kB values', slackForm({ payload: JSON.stringify(viewSubmission({ user: SLACK_ADMIN, view, values: { legalName: huge, operatingName: huge, website: huge } })) }));
      const errors = JSON.parse(submitted.body) as { response_action: string; errors: Record<string, string> };
      expect(errors.response_action).toBe('errors');
      expect(Object.keys(errors.errors).sort()).toEqual(['legalName', 'operatingName', 'website']);
      const ref = await t.app.service.focus(actor);
      expect((await t.app.service.formView(actor, ref!)).answers['legalName']).toBe(HOSTILE_NAME);

      // Buttons whose values were forged: a decision by a non-staff member, unknown ids, an injected action.
      const forged: Array<[string, string]> = [
        ['decision by a non-staff member', JSON.stringify({ action: 'decide', submissionId: randomUUID(), outcome: 'approved' })],
        ['unknown submission id with markup', JSON.stringify({ action: 'decide', submissionId: '<script>alert(1)</script>', outcome: 'approved' })],
        ['answer with an Adaptive Card fragment', JSON.stringify({ action: 'answer', formId: 'organization', entityId: ref!.entityId, fieldId: 'operatingName', value: INJECTIONS.find(([w]) => w === 'Adaptive Card fragment')![1] })],
        ['not an action at all', '<!channel>'],
      ];
      for (const [what, value] of forged) {
        const found = { element: { type: 'button', action_id: `forged:${what.length}`, value }, blockId: 'forged', value: {} };
        await accepted(SLACK, `button: ${what}`, slackForm({ payload: JSON.stringify(blockAction({ user: SLACK_ADMIN, found, channel: SLACK_DM, messageTs: '1.2' })) }));
      }
      await sleep(300);
    });
    const all = everything(fake);
    for (const control of SLACK_CONTROL) expect(all, control).not.toContain(control);
  });

  it('Slack: the hostile organization is submitted; the staff card escapes its name and the submitter’s', async () => {
    await measured(SLACK, async () => {
      const actor = await t.app.service.identify({ channel: 'slack', externalId: SLACK_ADMIN.id, displayName: SLACK_ADMIN.name });
      const ref = (await t.app.service.focus(actor))!;
      const answers: Record<string, unknown> = makeOrganizationAnswers({ legalName: HOSTILE_NAME, operatingName: INJECTIONS[0]![1], adminEmail: HOSTILE_ADMIN_EMAIL });
      const form = (await t.app.service.formView(actor, ref)).form;
      for (const section of form.sections) {
        const r = await t.app.service.answerSection(actor, ref, section.id, Object.fromEntries(section.fields.map((f) => [f.id, answers[f.id]])));
        expect(r.ok, section.id).toBe(true);
      }
      await slackSays('submit', /sent to staff/);
      const [card] = await fake.waitFor('chat.postMessage', (p) => p['channel'] === STAFF_CHANNEL);
      hostile.organizationId = ref.entityId;
      const json = JSON.stringify(card!.params);
      expect(json).toContain(slackEscape('<!channel>'));
      expect(json).toContain(slackEscape('<!here> Dana'));
      for (const control of SLACK_CONTROL) expect(json, control).not.toContain(control);

      // Staff approve from the card: the approval email (to the local mailbox) carries the activation link.
      const approve = buttonIn(card!.params['blocks'], (v) => v['action'] === 'decide' && v['outcome'] === 'approved');
      await accepted(SLACK, 'approve from the card', slackForm({ payload: JSON.stringify(blockAction({ user: STAFF, found: approve, channel: STAFF_CHANNEL, messageTs: String(card!.response?.['ts']) })) }));
      await fake.waitFor('chat.update', (p) => p['channel'] === STAFF_CHANNEL);
      hostile.activationLink = linkIn((await mailTo(HOSTILE_ADMIN_EMAIL, /\/activate\?token=/)).text, '/activate');
    });
  });

  it('Teams: refuses malformed activities, and activities missing from, conversation or serviceUrl (400/413/415)', async () => {
    const activity = makeTeamsActivity(connector.url, { ...TEAMS_ADMIN, text: 'help' });
    const without = (key: string) => Object.fromEntries(Object.entries(activity).filter(([k]) => k !== key));
    await nothingStored(TEAMS, async () => {
      for (const [what, body] of [...MALFORMED_JSON, ...NOT_AN_OBJECT]) await refused(TEAMS, what, teamsPost(body), { statuses: [400] });
      for (const type of [...WRONG_CONTENT_TYPES, 'application/x-www-form-urlencoded']) await refused(TEAMS, `as ${type}`, teamsPost(JSON.stringify(activity), type), { statuses: [400] });
      await refused(TEAMS, 'invalid UTF-8', teamsPost(INVALID_UTF8), { statuses: [400] });
      const shapes: Array<[string, unknown]> = [
        ['no type', without('type')],
        ['type null', { ...activity, type: null }],
        ['type as an array', { ...activity, type: ['message'] }],
        ['no from', without('from')],
        ['from null', { ...activity, from: null }],
        ['from as a string', { ...activity, from: '29:user-ada' }],
        ['from without an id', { ...activity, from: { name: 'Ada' } }],
        ['from.id as a number', { ...activity, from: { id: 29 } }],
        ['no conversation', without('conversation')],
        ['conversation as an array', { ...activity, conversation: [] }],
        ['conversation with an empty id', { ...activity, conversation: { id: '' } }],
        ['no serviceUrl', without('serviceUrl')],
        ['serviceUrl as a number', { ...activity, serviceUrl: 42 }],
        ['serviceUrl javascript:', { ...activity, serviceUrl: 'javascript:alert(1)' }],
        ['serviceUrl not a URL', { ...activity, serviceUrl: 'not a url' }],
        ['serviceUrl ftp:', { ...activity, serviceUrl: 'ftp://127.0.0.1/' }],
      ];
      for (const [what, body] of shapes) await refused(TEAMS, what, teamsPost(JSON.stringify(body)), { statuses: [400] });
      await refused(TEAMS, '1 MB body', teamsPost(oneMegabyteJson()), { statuses: [413] });
      await refused(TEAMS, 'gzip bomb', teamsPost(gzipBomb(), 'application/json', 'gzip'), { statuses: [413] });
      await refused(TEAMS, 'unknown content encoding', teamsPost('{}', 'application/json', 'compress'), { statuses: [415] });
      await truncated(TEAMS, teamsUrl(), { 'content-type': 'application/json' }, JSON.stringify(activity).slice(0, 80));
    });
    expect(connector.calls).toHaveLength(0);
  });

  it('Teams: hostile answers are validated away or stored, and no card reads them as Markdown or as card JSON', async () => {
    await measured(TEAMS, async () => {
      await teamsSays('register my organization');
      const actor = await t.app.service.identify({ channel: 'teams', externalId: TEAMS_ADMIN.from.aadObjectId, displayName: TEAMS_ADMIN.from.name });
      const ref = await t.app.service.focus(actor);
      expect(ref?.formId).toBe('organization');
      for (const [what, value] of HOSTILE_TEXT) {
        const reply = await teamsSays(value);
        const stored = (await t.app.service.formView(actor, ref!)).answers['legalName'];
        if (/question 1 of 14/.test(reply)) {
          expect(stored, what).toBeUndefined();
          continue;
        }
        expect(reply, what).toMatch(/question 2 of 14/);
        expect(stored, what).toBe(storedForm(value));
        await teamsSays('back');
      }
      expect(await teamsSays(filler(100 * KB, 'y'))).toMatch(/question 1 of 14/);
      await teamsSays(HOSTILE_NAME);
      // Odd but well-formed activities: a hostile locale, time zone, entities and card actions.
      const odd: Array<[string, Record<string, unknown>]> = [
        ['lone-surrogate locale', { locale: '\ud800', text: 'help' }],
        ['NUL in the display name', { from: { id: '29:nul-name', aadObjectId: 'aad-nul-name', name: 'Ada\u0000Admin' }, conversation: { id: 'a:personal-nul-name', conversationType: 'personal' }, text: 'help' }],
        ['hostile time zone', { localTimezone: '<script>alert(1)</script>', text: 'help' }],
        ['entities as a string', { entities: 'clientInfo', text: 'help' }],
        ['Action.Submit with forged data', { text: undefined, value: { action: 'decide', submissionId: '<script>', outcome: 'approved' } }],
        ['Action.Submit with an unknown action', { text: undefined, value: { action: '<!channel>' } }],
        ['Execute with an unknown verb', { type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb: '<script>', data: {} } } }],
        ['Execute without a value', { type: 'invoke', name: 'adaptiveCard/action', value: null }],
        ['conversationUpdate with membersAdded as a string', { type: 'conversationUpdate', membersAdded: 'everyone' }],
      ];
      for (const [what, overrides] of odd) {
        const before = connector.calls.length;
        await accepted(TEAMS, what, teamsPost(JSON.stringify(makeTeamsActivity(connector.url, { ...TEAMS_ADMIN, ...overrides }))));
        const answered = connector.calls.slice(before).map((c) => JSON.stringify(c.body)).join('\n');
        if (!KNOWN_TEAMS_FAILURES.has(what)) expect(answered, what).not.toContain(GENERIC_FAILURE);
      }
    });
    for (const call of connector.calls) {
      const problems = cardProblems(call.body);
      expect(problems, JSON.stringify(call.body).slice(0, 500)).toEqual([]);
    }
    // The name did reach the cards, escaped.
    expect(JSON.stringify(connector.calls.map((c) => c.body))).toContain('\\\\<script\\\\>');
  });

  it('Direct Line: refuses malformed, oversized, mis-typed and unauthorised requests (400/403/404/413/415)', async () => {
    const { client: mine } = await openAdminPane();
    const { client: other } = await openAdminPane();
    const activities = `${dlUrl()}/conversations/${mine.conversationId}/activities`;
    const auth = { authorization: `Bearer ${mine.token}` };
    const seenBefore = await dlActivities(mine);
    await nothingStored(DL, async () => {
      // tokens/generate: the body may only name an acceptable user.
      for (const [what, body] of [...MALFORMED_JSON.filter(([w]) => w !== 'empty body'), ...NOT_AN_OBJECT]) await refused(DL, `generate: ${what}`, dlPost('/tokens/generate', body), { statuses: [400] });
      for (const [what, id] of HOSTILE_TEXT) await refused(DL, `generate: user id ${what}`, dlPost('/tokens/generate', JSON.stringify({ user: { id } })), { statuses: [400, 413] });
      for (const [what, user] of [['user null', null], ['user as an array', ['staff']], ['user.id as a number', { id: 7 }], ['user.name of 1,000 characters', { id: 'staff', name: filler(1000) }]] as const) {
        await refused(DL, `generate: ${what}`, dlPost('/tokens/generate', JSON.stringify({ user })), { statuses: [400] });
      }
      for (const type of [...WRONG_CONTENT_TYPES, 'application/x-www-form-urlencoded']) await refused(DL, `generate as ${type}`, dlPost('/tokens/generate', '{"user":{"id":"staff"}}', {}, type), { statuses: [415] });
      await refused(DL, 'generate: 1 MB body', dlPost('/tokens/generate', oneMegabyteJson()), { statuses: [413] });
      await refused(DL, 'generate: gzip bomb', dlPost('/tokens/generate', gzipBomb(), { 'content-encoding': 'gzip' }), { statuses: [413] });
      await truncated(DL, `${dlUrl()}/tokens/generate`, { 'content-type': 'application/json' }, '{"user":{"id":"sta');

      // Tokens: none, forged, another conversation's, or a hostile header.
      const forgedTokens: Array<[string, Record<string, string>]> = [
        ['no token', {}],
        ['a forged token', { authorization: `Bearer ${'A'.repeat(43)}` }],
        ['another conversation’s token', { authorization: `Bearer ${other.token}` }],
        ['a hostile header', { authorization: `Bearer <script>alert(1)</script>` }],
        ['a 10 kB token', { authorization: `Bearer ${filler(10 * KB, 'A')}` }],
      ];
      for (const [what, headers] of forgedTokens) {
        await refused(DL, `post with ${what}`, fetch(activities, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"type":"message","text":"hi"}' }), { statuses: [403] });
        await refused(DL, `poll with ${what}`, fetch(activities, { headers }), { statuses: [403] });
      }
      await refused(DL, 'refresh without a token', dlPost('/tokens/refresh', ''), { statuses: [403] });
      await refused(DL, 'start with a forged token', dlPost('/conversations', '{}', { authorization: `Bearer ${'B'.repeat(43)}` }), { statuses: [403] });
      for (const id of ['%3Cscript%3E', '..%2F..%2Fetc', filler(500, 'c'), '%00', '%ED%A0%80', 'a%20b']) {
        await refused(DL, `conversation id ${id.slice(0, 20)}`, fetch(`${dlUrl()}/conversations/${id}/activities`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: '{"type":"message","text":"hi"}' }), { statuses: [400, 404] });
      }

      // Activities: bodies and fields of the wrong shape or size.
      const post = (body: string | Bytes, headers: Record<string, string> = {}, type = 'application/json') => fetch(activities, { method: 'POST', headers: { 'content-type': type, ...auth, ...headers }, body });
      for (const [what, body] of [...MALFORMED_JSON, ...NOT_AN_OBJECT]) await refused(DL, `activity: ${what}`, post(body), { statuses: [400] });
      for (const type of [...WRONG_CONTENT_TYPES, 'application/x-www-form-urlencoded']) await refused(DL, `activity as ${type}`, post('{"type":"message","text":"hi"}', {}, type), { statuses: [415] });
      const fields: Array<[string, Record<string, unknown>, number]> = [
        ['no type', { text: 'hi' }, 400],
        ['type typing', { type: 'typing' }, 400],
        ['type conversationUpdate', { type: 'conversationUpdate', membersAdded: [{ id: 'staff' }] }, 400],
        ['text as a number', { type: 'message', text: 42 }, 400],
        ['text as an object', { type: 'message', text: { $ne: null } }, 400],
        ['text of 20,000 characters', { type: 'message', text: filler(20_000) }, 400],
        ['locale of 100 characters', { type: 'message', text: 'hi', locale: filler(100) }, 400],
        ['name of 1,000 characters', { type: 'event', name: filler(1000) }, 400],
        ['clientActivityID as a number', { type: 'message', text: 'hi', channelData: { clientActivityID: 7 } }, 400],
        ['text of 100 kB', { type: 'message', text: filler(100 * KB) }, 413],
        ['value of 100 kB', { type: 'message', value: { action: 'answer', value: filler(100 * KB) } }, 413],
      ];
      for (const [what, body, status] of fields) await refused(DL, `activity: ${what}`, post(JSON.stringify(body)), { statuses: [status] });
      await refused(DL, 'activity: 1 MB body', post(oneMegabyteJson()), { statuses: [413] });
      await refused(DL, 'activity: gzip bomb', post(gzipBomb(), { 'content-encoding': 'gzip' }), { statuses: [413] });
      await truncated(DL, activities, { 'content-type': 'application/json', ...auth }, '{"type":"message","te');

      // Polling with a hostile watermark.
      for (const watermark of ['-1', 'abc', '1e5', filler(20, '9'), '%3Cscript%3E', '0x10']) {
        await refused(DL, `watermark ${watermark}`, fetch(`${activities}?watermark=${watermark}`, { headers: auth }), { statuses: [400] });
      }
      await refused(DL, 'watermark as an array', fetch(`${activities}?watermark=1&watermark=2`, { headers: auth }), { statuses: [400] });
    });
    // None of it reached the conversation.
    expect(await dlActivities(mine)).toEqual(seenBefore);
  });

  it('Direct Line: hostile answers typed in the playground are validated away or stored, and no card reads them as Markdown or card JSON', async () => {
    const { client: admin, userId } = await openAdminPane();
    await measured(DL, async () => {
      await dlSays(admin, { type: 'event', name: 'webchat/join', value: { timeZone: '<script>alert(1)</script>' } });
      await dlSays(admin, { type: 'message', text: 'register my organization' }, /question 1 of 14/);
      const actor = await t.app.service.identify({ channel: 'webchat', externalId: userId, displayName: 'Administrator (playground)' });
      const ref = await t.app.service.focus(actor);
      expect(ref?.formId).toBe('organization');
      for (const [what, value] of HOSTILE_TEXT) {
        const reply = await dlSays(admin, { type: 'message', text: value }, /question \d+ of 14/);
        const stored = (await t.app.service.formView(actor, ref!)).answers['legalName'];
        if (/question 1 of 14/.test(reply)) {
          expect(stored, what).toBeUndefined();
          continue;
        }
        expect(reply, what).toMatch(/question 2 of 14/);
        expect(stored, what).toBe(storedForm(value));
        await dlSays(admin, { type: 'message', text: 'back' }, /question 1 of 14/);
      }
      // Invalid UTF-8 bytes arrive as U+FFFD: an ordinary (if odd) answer.
      const bytes = await fetch(`${dlUrl()}/conversations/${admin.conversationId}/activities`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.token}` }, body: INVALID_UTF8 });
      await accepted(DL, 'invalid UTF-8', bytes);
      await admin.waitFor((a) => a.from.role === 'bot' && /question \d+ of 14/.test(a.summary ?? a.text ?? ''), 'the answer to invalid UTF-8');
      // Card submissions with forged data: refused by the core, answered in the chat.
      for (const value of [{ action: 'decide', submissionId: '<script>', outcome: 'approved' }, { action: 'publishSlot', capacity: -1, videoUrl: 'javascript:alert(1)' }]) {
        await dlSays(admin, { type: 'message', value });
      }
      // An action the assistant does not know is not an activity it answers: ignored.
      await admin.post({ type: 'message', value: { action: '<!channel>' } });
      counted(DL, 200);
    });
    for (const activity of admin.seen.filter((a) => a.from.role === 'bot')) {
      expect(cardProblems(activity as unknown as Record<string, unknown>), JSON.stringify(activity).slice(0, 400)).toEqual([]);
      expect(activity.text ?? '', 'generic failure').not.toContain(GENERIC_FAILURE);
    }
  });

  it('/activate: hostile links and form fields are refused (400/403/413/422/431), shown escaped, and store nothing', async () => {
    expect(hostile.activationLink).not.toBe('');
    const page = local(hostile.activationLink);
    const token = new URL(page).searchParams.get('token') ?? '';
    const form = await openForm(page);
    counted(ACTIVATE, form.status);
    expect(form.status).toBe(200);
    expectEscaped(form.html, 'the activation form');
    const post = formPoster(`${base}/activate`, form);
    await nothingStored(ACTIVATE, async () => {
      // Links: no token, hostile tokens, repeated or nested parameters.
      await refused(ACTIVATE, 'no token', fetch(`${base}/activate`), { statuses: [400] });
      for (const [what, value] of HOSTILE_TEXT) {
        const res = await refused(ACTIVATE, `token ${what}`, fetch(`${base}/activate?token=${percentEncode(value)}`), { statuses: [400, 431] });
        expectEscaped(res.body, `token ${what}`);
      }
      await refused(ACTIVATE, 'token twice', fetch(`${base}/activate?token=${token}&token=${token}`), { statuses: [400] });
      await refused(ACTIVATE, 'token as an object', fetch(`${base}/activate?token[a]=${token}`), { statuses: [400] });
      await refused(ACTIVATE, 'token with a lone surrogate, percent-encoded', fetch(`${base}/activate?token=${token}%ED%A0%80`), { statuses: [400] });

      // The form without its CSRF pair, or in a body the page never sends.
      const hostileFields = { token, email: HOSTILE_NAME, password: STRONG, passwordConfirm: STRONG, acceptTerms: 'yes' };
      await refused(ACTIVATE, 'no CSRF cookie or field', post(hostileFields, { withCsrf: false }), { statuses: [403] });
      for (const type of ['application/json', ...WRONG_CONTENT_TYPES]) await refused(ACTIVATE, `as ${type}`, post(hostileFields, { contentType: type, body: JSON.stringify(hostileFields) }), { statuses: [403, 415] });
      await refused(ACTIVATE, 'a 100 kB field', post({ email: filler(100 * KB) }), { statuses: [413] });
      await refused(ACTIVATE, '1 MB body', post({ email: filler(1024 * KB) }), { statuses: [413] });
      await refused(ACTIVATE, 'gzip bomb', post({}, { body: gzipBomb(), encoding: 'gzip' }), { statuses: [413] });
      await refused(ACTIVATE, 'unknown content encoding', post({}, { encoding: 'compress' }), { statuses: [415] });
      await truncated(ACTIVATE, `${base}/activate`, { 'content-type': 'application/x-www-form-urlencoded', cookie: form.cookie }, `token=${token}&csrf=`);

      // Every hostile value as the email (refused by the service) and as the password (the copies differ).
      for (const [what, value] of HOSTILE_TEXT) {
        const asEmail = await refused(ACTIVATE, `email ${what}`, post({ email: value, password: STRONG, passwordConfirm: STRONG, acceptTerms: 'yes' }), { statuses: [413, 422] });
        expectEscaped(asEmail.body, `email ${what}`);
        const asPassword = await refused(ACTIVATE, `password ${what}`, post({ email: HOSTILE_ADMIN_EMAIL, password: value, passwordConfirm: `${value}!`, acceptTerms: value }), { statuses: [413, 422] });
        expectEscaped(asPassword.body, `password ${what}`);
        if (asPassword.status === 422 && value.length > 8) expect(asPassword.body, `password ${what} is not shown back`).not.toContain(value);
      }
    });
    // The link still works (nothing used it up): the administrator activates, once.
    await measured(ACTIVATE, async () => {
      const done = await accepted(ACTIVATE, 'the genuine activation', post({ email: HOSTILE_ADMIN_EMAIL, password: STRONG, passwordConfirm: STRONG, acceptTerms: 'yes' }));
      expect(done.body).toContain('is now active');
      expectEscaped(done.body, 'the activation result');
    });
    await nothingStored(ACTIVATE, async () => {
      await refused(ACTIVATE, 'the same form replayed', post({ email: HOSTILE_ADMIN_EMAIL, password: STRONG, passwordConfirm: STRONG, acceptTerms: 'yes' }), { statuses: [410] });
    });
  });

  it('/platform/register: hostile links and form fields are refused, shown escaped, and store nothing', async () => {
    await preparePlatformLink();
    const page = local(hostile.platformLink);
    const token = new URL(page).searchParams.get('token') ?? '';
    const form = await openForm(page);
    counted(PLATFORM, form.status);
    expect(form.status).toBe(200);
    expectEscaped(form.html, 'the platform form');
    const post = formPoster(`${base}/platform/register`, form);
    await nothingStored(PLATFORM, async () => {
      await refused(PLATFORM, 'no token', fetch(`${base}/platform/register`), { statuses: [400] });
      for (const [what, value] of HOSTILE_TEXT) {
        const res = await refused(PLATFORM, `token ${what}`, fetch(`${base}/platform/register?token=${percentEncode(value)}`), { statuses: [400, 431] });
        expectEscaped(res.body, `token ${what}`);
      }
      await refused(PLATFORM, 'an activation token', fetch(`${base}/platform/register?token=${new URL(hostile.activationLink).searchParams.get('token') ?? ''}`), { statuses: [400, 410] });
      const fields = { username: HOSTILE_NAME, temporaryPassword: 'x', newPassword: STRONG, newPasswordConfirm: STRONG };
      await refused(PLATFORM, 'no CSRF cookie or field', post({ token, ...fields }, { withCsrf: false }), { statuses: [403] });
      await refused(PLATFORM, 'as JSON', post(fields, { contentType: 'application/json', body: JSON.stringify({ token, ...fields }) }), { statuses: [403] });
      await refused(PLATFORM, 'a 100 kB field', post({ username: filler(100 * KB) }), { statuses: [413] });
      await refused(PLATFORM, '1 MB body', post({ username: filler(1024 * KB) }), { statuses: [413] });
      await truncated(PLATFORM, `${base}/platform/register`, { 'content-type': 'application/x-www-form-urlencoded', cookie: form.cookie }, `token=${token}&us`);
      for (const [what, value] of HOSTILE_TEXT) {
        // As the username with new passwords that differ (caught by the page), and as the
        // temporary password with matching ones (refused by the service: wrong credentials).
        const asUsername = await refused(PLATFORM, `username ${what}`, post({ username: value, temporaryPassword: value, newPassword: STRONG, newPasswordConfirm: value }), { statuses: [413, 422] });
        expectEscaped(asUsername.body, `username ${what}`);
        const asPassword = await refused(PLATFORM, `temporary password ${what}`, post({ username: hostile.username, temporaryPassword: value, newPassword: STRONG, newPasswordConfirm: STRONG }), { statuses: [413, 422] });
        expectEscaped(asPassword.body, `temporary password ${what}`);
      }
    });
    // The link is still good.
    const again = await openForm(page);
    counted(PLATFORM, again.status);
    expect(again.status).toBe(200);
  });

  it('/staff: forged sessions, wrong and hostile tokens are refused (401/400/404); the pages and the CSV escape the hostile names', async () => {
    const signIn = `${base}/staff/sign-in`;
    const form = (fields: Record<string, string>, options: { contentType?: string; body?: string | Bytes; encoding?: string; cookie?: string } = {}) =>
      fetch(signIn, {
        method: 'POST',
        headers: { 'content-type': options.contentType ?? 'application/x-www-form-urlencoded', ...(options.encoding ? { 'content-encoding': options.encoding } : {}), ...(options.cookie ? { cookie: options.cookie } : {}) },
        body: options.body ?? new URLSearchParams(fields).toString(),
        redirect: 'manual',
      });
    await nothingStored(STAFF_PAGES, async () => {
      const forged = ['oa_staff=<script>alert(1)</script>', `oa_staff=99999999999999.${'A'.repeat(22)}.${'B'.repeat(43)}`, 'oa_staff=', `oa_staff=${filler(8 * KB, '9')}`, 'oa_staff=1.2.3; oa_staff=4.5.6'];
      for (const cookie of forged) {
        for (const page of ['/staff', '/staff/funnel.csv', `/staff/org/${hostile.organizationId}`]) {
          await refused(STAFF_PAGES, `${page} with a forged session`, fetch(`${base}${page}`, { headers: { cookie } }), { statuses: [401] });
        }
      }
      // Wrong tokens (fewer than the 10 that lock an address out), each hostile, never shown back.
      for (const [what, value] of [...UNICODE_HOSTILE.slice(0, 3), ...INJECTIONS.slice(3, 5)]) {
        const res = await refused(STAFF_PAGES, `sign-in with token ${what}`, form({ token: value, next: '/staff' }), { statuses: [401] });
        expectEscaped(res.body, `sign-in with token ${what}`);
      }
      await refused(STAFF_PAGES, 'sign-in with an empty token', form({ token: '' }), { statuses: [401] });
      await refused(STAFF_PAGES, 'sign-in as JSON', form({}, { contentType: 'application/json', body: JSON.stringify({ token: STAFF_TOKEN }) }), { statuses: [401] });
      await refused(STAFF_PAGES, 'sign-in with a 100 kB token', form({ token: filler(100 * KB) }), { statuses: [400, 413] });
      await refused(STAFF_PAGES, 'sign-in with a 1 MB body', form({ token: filler(1024 * KB) }), { statuses: [400, 413] });
      await refused(STAFF_PAGES, 'sign-in with a gzip bomb', form({}, { body: gzipBomb(), encoding: 'gzip' }), { statuses: [400, 413] });
      await truncated(STAFF_PAGES, signIn, { 'content-type': 'application/x-www-form-urlencoded' }, 'token=bad-input-staff');
      for (const [what, value] of HOSTILE_TEXT) {
        const res = await refused(STAFF_PAGES, `one-time link ${what}`, fetch(`${signIn}?token=${percentEncode(value)}`), { statuses: [401, 431] });
        expectEscaped(res.body, `one-time link ${what}`);
      }
    });

    // The right token with a hostile `next`: signed in, sent to the dashboard, nowhere else.
    let session = '';
    await measured(STAFF_PAGES, async () => {
      for (const next of ['//evil.example/', 'javascript:alert(1)', '/staff\r\nSet-Cookie: x=1', '/staff/../mailbox']) {
        const res = await accepted(STAFF_PAGES, `sign-in with next ${JSON.stringify(next)}`, form({ token: STAFF_TOKEN, next }));
        expect(res.status).toBe(303);
        expect(res.headers.get('location')).toMatch(/^\/staff(\?lang=en)?$/);
        session = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      }
    });
    expect(session).toMatch(/^oa_staff=/);

    await nothingStored(STAFF_PAGES, async () => {
      for (const id of ['%3Cscript%3E', '..%2F..%2Fetc%2Fpasswd', filler(100, 'a'), '%00', `${hostile.organizationId}'%20OR%20'1'='1`]) {
        const res = await refused(STAFF_PAGES, `organization ${id.slice(0, 20)}`, fetch(`${base}/staff/org/${id}`, { headers: { cookie: session } }), { statuses: [404] });
        expectEscaped(res.body, `organization ${id}`);
      }
      // TODO(src/web/staff-page.ts or src/app.ts, owned by work in progress): an id Express
      // cannot decode reaches Express's default error page, with a stack trace outside production.
      await refused(STAFF_PAGES, 'organization id with a lone surrogate', fetch(`${base}/staff/org/%ED%A0%80`, { headers: { cookie: session } }), { statuses: [400, 404] });

      const dashboard = await accepted(STAFF_PAGES, 'the dashboard', fetch(`${base}/staff?lang=%3Cscript%3E`, { headers: { cookie: session } }));
      expectEscaped(dashboard.body, 'the dashboard');
      expect(dashboard.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      const organization = await accepted(STAFF_PAGES, 'the hostile organization', fetch(`${base}/staff/org/${hostile.organizationId}`, { headers: { cookie: session } }));
      expectEscaped(organization.body, 'the organization page');
      expect(organization.body).toContain('&lt;!channel&gt;');

      // The export: the name is a formula no more (a leading ' makes spreadsheets show it as text).
      const csv = await accepted(STAFF_PAGES, 'the CSV export', fetch(`${base}/staff/funnel.csv`, { headers: { cookie: session } }));
      const cells = csv.body.replace(/^\uFEFF/, '').split(/\r\n/).flatMap((line) => line.match(/("([^"]|"")*"|[^,]*)/g) ?? []).map((c) => c.replace(/^"|"$/g, '').replace(/""/g, '"'));
      expect(cells.some((c) => c.startsWith(`'=HYPERLINK(`))).toBe(true);
      expect(cells.filter((c) => /^[=+\-@\t\r]/.test(c) && !/^-?\d/.test(c))).toEqual([]);
    });
  });

  it('/mailbox and /: hostile ids and parameters are refused or ignored; every mail and page shows the hostile names escaped', async () => {
    await nothingStored(MAILBOX, async () => {
      for (const id of ['nope', '..%2F..%2Fetc%2Fpasswd', '%00', '%ED%A0%80', '%3Cscript%3Ealert(1)%3C%2Fscript%3E', filler(200, 'm'), '.hidden']) {
        const res = await refused(MAILBOX, `mail ${id.slice(0, 20)}`, fetch(`${base}/mailbox/${id}`), { statuses: [404] });
        expectEscaped(res.body, `mail ${id}`);
      }
      await refused(MAILBOX, 'POST /mailbox', fetch(`${base}/mailbox`, { method: 'POST', body: 'x' }), { statuses: [404] });
      const list = await accepted(MAILBOX, 'the list, with a hostile lang', fetch(`${base}/mailbox?lang=%3Cscript%3E&lang=fr`));
      expectEscaped(list.body, 'the mailbox list');
      const entries = await mailbox.list();
      expect(entries.length).toBeGreaterThan(2);
      for (const entry of entries) {
        const page = await accepted(MAILBOX, `mail ${entry.subject.slice(0, 30)}`, fetch(`${base}/mailbox/${entry.id}`));
        expectEscaped(page.body, `mail ${entry.subject}`, { typedLinksListed: true });
      }
      // The program's name is the platform email's sender name: shown, escaped.
      expect(list.body).toContain('&lt;img src=x onerror=alert(3)&gt; Peer &lt;!channel&gt; Mentors');

      for (const path of ['/?lang=%3Cscript%3Ealert(1)%3C%2Fscript%3E', '/?lang=fr&lang=en', '/?lang[x]=fr']) {
        const page = await accepted(ROOT, `GET ${path}`, fetch(`${base}${path}`));
        expectEscaped(page.body, path);
      }
      // The playground's mail panel reads the subjects as JSON (and shows them with textContent): raw there, never sniffed as HTML.
      const json = await accepted(ROOT, 'GET /playground/mailbox.json', fetch(`${base}/playground/mailbox.json`));
      expect(json.headers.get('content-type')).toMatch(/^application\/json/);
      expect(json.headers.get('x-content-type-options')).toBe('nosniff');
      expect(JSON.stringify(JSON.parse(json.body))).toContain('<!channel>');
      for (const path of ['/%3Cscript%3Ealert(1)%3C%2Fscript%3E', '/%ED%A0%80', '/healthz/%00', '/api/messages']) {
        const res = await refused(ROOT, `GET ${path}`, fetch(`${base}${path}`), { statuses: [404] });
        expectEscaped(res.body, path);
      }
    });
  });

  it('stays healthy: /healthz answers 200 and a normal message gets its normal reply on every channel', async () => {
    const health = await accepted(ROOT, '/healthz', fetch(`${base}/healthz`));
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok' });
    const help = /You can type/;
    // Slack.
    const slack = await slackSays('help', help, { id: 'UNORMAL', name: 'normal' }, 'DNORMAL');
    expect(String(slack.params['text'])).toMatch(help);
    // Teams.
    const before = connector.calls.length;
    await accepted(TEAMS, 'a normal message', teamsPost(JSON.stringify(makeTeamsActivity(connector.url, { text: 'help', from: { id: '29:normal', aadObjectId: 'aad-normal', name: 'Norma' }, conversation: { id: 'a:personal-normal', conversationType: 'personal' } }))));
    expect(connector.calls.slice(before).map(teamsText).join('\n')).toMatch(help);
    // The playground.
    const { client } = await openAdminPane();
    expect(await dlSays(client, { type: 'message', text: 'help' })).toMatch(help);
    // And nothing on the way was a 5xx.
    for (const [endpoint, f] of figures) expect(f.serverErrors, endpoint).toBe(0);
  });
});
