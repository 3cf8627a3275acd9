import { createHmac, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Config } from './config.ts';
import { ConversationCore } from './bots/core/conversation-core.ts';
import { Dispatcher } from './bots/core/delivery.ts';
import { createLinkSigner } from './core/link-tokens.ts';
import { OnboardingService } from './core/onboarding-service.ts';
import { OutboxWorker } from './core/outbox-worker.ts';
import { parseQuietHours, reminderHandler } from './core/reminders.ts';
import { createMailTransport, parseMailFrom } from './mail/transport.ts';
import { emailHandler } from './mail/deliver.ts';
import { openDatabase } from './store/database.ts';
import { PrismaOnboardingStore } from './store/prisma-store.ts';
import type { OnboardingStore } from './store/store.ts';
import { createPlayground } from './bots/playground/playground-bot.ts';
import { mountSlack } from './bots/slack/mount.ts';
import type { TeamsEndpoint, TeamsEndpointOptions } from './bots/teams/teams-bot.ts';
import { renderHome } from './web/home-page.ts';
import { playgroundPageRouter } from './web/playground-page.ts';
import { WorkTracker } from './core/work-tracker.ts';
import { mailboxRouter } from './web/mailbox-page.ts';
import { registrationRouter } from './web/registration-pages.ts';
import { staffRouter } from './web/staff-page.ts';

/** How long a stop waits for requests and turns in progress (a deploy's grace period is longer). */
const STOP_GRACE_MS = 10_000;

export type RunningApp = {
  readonly url: string;
  readonly port: number;
  readonly databaseDescription: string;
  readonly service: OnboardingService;
  readonly store: OnboardingStore;
  readonly worker: OutboxWorker;
  readonly core: ConversationCore;
  readonly dispatcher: Dispatcher;
  stop(): Promise<void>;
};

export type AppOverrides = {
  /** The clock, injectable for tests of time-dependent behaviour. */
  clock?: () => Date;
  /** Outbox polling interval (ms). */
  outboxPollMs?: number;
};

/** Builds and starts the whole assistant on `config.port` (0 picks a free port, for tests). */
export async function startApp(config: Config, overrides: AppOverrides = {}): Promise<RunningApp> {
  const db = await openDatabase(config);
  const store = new PrismaOnboardingStore(db.prisma, db.kind, () => db.close());
  try {
    return await assemble(config, overrides, store, db.description);
  } catch (error) {
    await store.close();
    throw error;
  }
}

async function assemble(config: Config, overrides: AppOverrides, store: PrismaOnboardingStore, databaseDescription: string): Promise<RunningApp> {
  const clock = overrides.clock ?? (() => new Date());
  // One secret for every instance: configured, or generated once and kept in the database.
  const linkSecret = config.linkSecret ?? (await store.ensureSetting('linkSecret', randomBytes(32).toString('base64url')));
  const signer = createLinkSigner(linkSecret);
  const service = new OnboardingService({
    store,
    clock,
    publicUrl: config.publicUrl,
    signer,
    linkTtlMs: config.linkTtlMs,
    // In the playground the staff pane speaks as `webchat:staff`.
    staffIds: config.playground ? [...config.staffIds, 'webchat:staff'] : config.staffIds,
    supportIds: config.supportIds,
  });

  const core = new ConversationCore(service, { playground: config.playground });
  // Proactive messages go to the channel each person used last (identities, newest first).
  const dispatcher = new Dispatcher(async (personId) =>
    (await store.identitiesOf(personId)).map((i) => ({
      channel: i.channel,
      address: i.address && typeof i.address === 'object' && !Array.isArray(i.address) ? (i.address as Record<string, unknown>) : null,
    })),
  );

  const mail = createMailTransport({ smtpUrl: config.smtpUrl, mailboxDir: path.join(config.dataDir, 'mailbox') });
  const worker = new OutboxWorker({
    store,
    clock,
    pollMs: overrides.outboxPollMs ?? 1000,
    leaseMs: config.outboxLeaseSeconds * 1000,
    handlers: {
      email: emailHandler({ transport: mail, from: parseMailFrom(config.mailFrom) }),
      // Staff cards and news for administrators, delivered by whichever channels are
      // connected; a channel that fails makes the row retry.
      // Due reminders and nudges: rows whose due time is their next attempt.
      reminder: reminderHandler({
        store,
        actions: service,
        clock,
        quietHours: parseQuietHours(config.quietHours),
        maxNudges: config.maxNudges,
        staffTimeZone: config.staffTimeZone,
      }),
      notification: async (row) => {
        await dispatcher.deliver(await core.notification(row.payload));
      },
    },
    onError: (message, error) =>
      console.warn(`[outbox] ${message.kind} ${message.id} attempt ${message.attempts} failed: ${error instanceof Error ? error.message : String(error)}`),
  });

  const app = express();
  app.disable('x-powered-by');
  // Requests in progress, and turns that run after their request was answered (Slack acks
  // first; Web Chat too): a stop waits for them before it closes the database.
  const work = new WorkTracker();
  const track = <T>(fn: () => Promise<T>) => work.run(fn);
  app.use((_req, res, next) => {
    void track(() => new Promise<void>((resolve) => res.once('close', resolve)));
    next();
  });
  // After every request that may have queued mail, deliver promptly instead of at the next poll.
  app.use((_req, res, next) => {
    res.on('finish', () => worker.kick());
    next();
  });
  app.get('/healthz', async (_req, res) => {
    try {
      await store.ping();
      res.json({ status: 'ok', database: store.kind });
    } catch {
      // Load balancers take the instance out until its database answers again.
      res.status(503).json({ status: 'unavailable', database: store.kind });
    }
  });
  app.use(
    staffRouter({
      service,
      store,
      clock,
      signer,
      sessionSecret: createHmac('sha256', linkSecret).update('staff-session').digest('base64url'),
      staffToken: config.staffToken,
      secureCookies: config.publicUrl.startsWith('https:'),
    }),
  );

  // Slack at /slack/events when a bot token and signing secret are configured, or over
  // Socket Mode (connected below) with an app-level token.
  const slack = mountSlack(app, { slack: config.slack, logLevel: config.logLevel, core, store, dispatcher, worker, clock, track, replayAfterSeconds: config.inboundReplaySeconds });

  // Microsoft Teams at /api/messages (auth off without MicrosoftAppId: local use only).
  // Without MicrosoftAppId, botbuilder (≈ 54 MB resident) loads at the first Teams request
  // or the first message for someone reached in Teams, not at start-up.
  const teamsOptions: TeamsEndpointOptions = {
    core,
    teams: config.teams,
    staffConversation: {
      get: async () => {
        const ref = await store.getSetting('teams.staffConversation');
        return ref ? (JSON.parse(ref) as Record<string, unknown>) : null;
      },
      set: (ref) => store.setSetting('teams.staffConversation', JSON.stringify(ref)),
    },
    cardRefs: {
      get: async (key) => {
        const v = await store.getChannelMessage('teams', key);
        return typeof v === 'string' ? v : null;
      },
      set: (key, activityId) => store.setChannelMessage('teams', key, activityId),
    },
    // Anyone can send a refresh invoke naming any submission: only staff get the card.
    refreshCard: async (submissionId, lang, viewer) =>
      (await service.identify({ channel: viewer.channel, externalId: viewer.externalId, displayName: viewer.displayName })).isStaff
        ? core.approvalCard(submissionId, lang)
        : null,
    deliver: (outgoing) => dispatcher.deliver(outgoing),
  };
  let teams: Promise<TeamsEndpoint> | undefined;
  const loadTeams = () => (teams ??= import('./bots/teams/teams-bot.ts').then(({ createTeamsEndpoint }) => createTeamsEndpoint(teamsOptions)));
  if (config.teams.appId) await loadTeams();
  dispatcher.register({
    channel: 'teams',
    sendToPerson: async (address, replies) => (await loadTeams()).delivery.sendToPerson(address, replies),
    // Staff messages go to Teams only where a staff conversation exists: no reason to load it otherwise.
    postToStaff: async (replies, cardFor) => {
      if (!teams && !config.teams.staffConversationId && !(await store.getSetting('teams.staffConversation'))) return;
      await (await loadTeams()).delivery.postToStaff(replies, cardFor);
    },
  });
  // Not `app.use('/api/messages', …)`: that would strip the path the Teams router matches.
  app.use((req, res, next) => {
    if (req.path !== '/api/messages') return next();
    loadTeams().then((t) => t.router(req, res, next), next);
  });

  if (config.playground) {
    const playground = createPlayground({
      core: { handle: (speaker, conversation, inbound) => track(() => core.handle(speaker, conversation, inbound)) },
      refreshCard: (submissionId, lang) => core.approvalCard(submissionId, lang),
      deliver: (outgoing) => dispatcher.deliver(outgoing),
    });
    dispatcher.register(playground.delivery);
    app.use(playground.router);
    app.use(playgroundPageRouter({ mailbox: mail.kind === 'mailbox' ? mail : undefined }));
  } else {
    app.get('/', (req, res) => {
      const lang = req.query['lang'] === 'fr' ? 'fr' : 'en';
      res.type('html').send(renderHome(lang, { mailbox: mail.kind === 'mailbox' }));
    });
  }
  if (mail.kind === 'mailbox') app.use(mailboxRouter(mail));
  app.use(
    registrationRouter(service, {
      csrfSecret: createHmac('sha256', linkSecret).update('csrf').digest('base64url'),
      secureCookies: config.publicUrl.startsWith('https:'),
    }),
  );

  // Last: whatever a router passed on (a body too large, a path Express cannot decode, a
  // bug) is answered without Express's default page, which shows a stack trace.
  app.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const e = error as { status?: unknown; statusCode?: unknown; expose?: unknown; message?: unknown };
    const raw = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : 500;
    const status = raw >= 400 && raw < 600 ? raw : 500;
    if (status >= 500) console.error(`[http] ${req.method} ${req.path} failed:`, error);
    // Only errors made to be shown (body-parser's 4xx) say more than their status.
    const message = status < 500 && e.expose === true && typeof e.message === 'string' ? e.message : status < 500 ? 'bad request' : 'something went wrong on our side; please try again';
    res.status(status).json({ error: status < 500 ? 'BadRequest' : 'InternalError', message });
  });

  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.once('error', reject);
  });
  if (config.outboxWorker) worker.start();
  const closeServer = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  /**
   * No new connections; requests in progress (a Teams turn runs inside its request) and
   * turns that run after their answer (Slack, Web Chat) get up to `STOP_GRACE_MS` to finish,
   * then the keep-alive connections are closed.
   */
  const drain = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const finished = await work.drain(STOP_GRACE_MS);
    if (!finished) console.warn(`[app] stopping with ${work.size} request(s) or turn(s) still running after ${STOP_GRACE_MS} ms`);
    server.closeAllConnections();
    await closed;
  };
  try {
    // Socket Mode: connect last, once everything an event reaches is running.
    await slack?.start();
  } catch (error) {
    await closeServer();
    await worker.stop();
    await mail.close();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    databaseDescription,
    service,
    store,
    worker,
    core,
    dispatcher,
    stop() {
      // Once: a second call (a signal during a stop, a test's cleanup) waits for the first.
      stopping ??= (async () => {
        // Stop taking Slack events first (Socket Mode), then requests; let running turns finish.
        await slack?.stop();
        await drain();
        await worker.stop();
        await mail.close();
        await store.close();
      })();
      return stopping;
    },
  };
}
