import { App, ExpressReceiver, LogLevel, isValidSlackRequest, webApi, type Logger, type Receiver, type SocketModeReceiver, type ViewSubmitAction } from '@slack/bolt';
import express, { type Request, type Router } from 'express';
import type { Lang } from '../../domain/lang.ts';
import { isRecord } from '../cards/inbound.ts';
import type { Conversation, Inbound, Outgoing, Reply, Speaker, Turn } from '../core/types.ts';
import type { JsonObject } from '../../store/store.ts';
import {
  REASON_BLOCK_ID,
  REASON_CALLBACK,
  SECTION_CALLBACK,
  decisionLine,
  errorsFromReply,
  homeView,
  reasonModal,
  renderMany,
  sectionModal,
  type HomeView,
} from './block-kit.ts';
import { bodyProblem, parseAction, parseBody, parseMeta, stateValues, typedText } from './inbound.ts';
import { createSlackProfiles } from './profiles.ts';
import { SlackDelivery, cardKey, type SlackAddress, type SlackCardRefStore, type SlackLogger } from './slack-delivery.ts';
import { createSocketModeReceiver, disconnect } from './socket-mode.ts';

/**
 * The Slack channel: Events API, interactivity and the `/onboarding` command on one
 * endpoint, through Bolt's ExpressReceiver, or over Socket Mode's WebSocket when an app-level
 * token is configured (the same listeners either way). Thin on purpose: it translates Slack
 * payloads into the core's `Inbound`, the core's replies into Block Kit, and acknowledges
 * within Slack's 3 seconds (heavy work happens after `ack()`). No business rule lives here.
 * People are named, and shown times in their zone, from `users.info` (see profiles.ts).
 */

/** What the adapter needs of the conversation core (`ConversationCore` fits). */
export type SlackCore = {
  handle(speaker: Speaker, conversation: Conversation, inbound: Inbound): Promise<Turn>;
};

export type SlackConfig = {
  botToken: string;
  /** Checks HTTP requests; not needed in Socket Mode. */
  signingSecret?: string | undefined;
  /** App-level token (`xapp-…`): when set, Socket Mode instead of the HTTP endpoint. */
  appToken?: string | undefined;
  /** Web API base (tests, proxies); default https://slack.com/api/. */
  apiUrl?: string | undefined;
  /** Channel id where submissions are posted for approval (unless one was claimed). */
  staffChannel?: string | undefined;
  /**
   * Slack user ids of staff and support. Informational here: roles are decided by the
   * service, whose staff/support ids `config.ts` already extends with `slack:<id>`.
   */
  staffUsers?: readonly string[];
  supportUsers?: readonly string[];
};

/** The staff channel claimed with “use this channel for approvals” (kept in the database). */
export type SlackStaffChannelStore = {
  get(): Promise<string | null>;
  set(channel: string): Promise<void>;
};

export type SlackAppOptions = {
  core: SlackCore;
  config: SlackConfig;
  /** Records an inbound id; true the first time (e.g. `store.recordInboundEvent`). Retries are dropped. */
  seen: (key: string) => Promise<boolean>;
  cardRefs: SlackCardRefStore;
  staffChannelStore?: SlackStaffChannelStore;
  /**
   * Sends a turn's outgoing messages (e.g. `dispatcher.deliver`, to reach every channel).
   * Default: staff messages go to this app's staff channel. A failure is logged: the turn happened.
   */
  deliver?: (outgoing: readonly Outgoing[]) => Promise<void>;
  /** Called after each turn (e.g. `worker.kick()`: deliver the mail it queued now). */
  afterTurn?: () => void;
  /**
   * DMs kept before their ack (HTTP mode) and run once (`store.recordPendingInbound`,
   * `runInboundTurn`, `claimStaleInbound`); those an instance acknowledged but never ran
   * (it died) are replayed by any instance, every `replayEveryMs` (default 10 s; 0: never).
   */
  inbox?: {
    record(key: string, payload: JsonObject): Promise<boolean>;
    run<T>(key: string, turn: (superseded: () => boolean) => Promise<T>): Promise<T>;
    claimStale(): Promise<Array<{ key: string; payload: JsonObject }>>;
    replayEveryMs?: number;
  };
  /**
   * Counts each request's work until it is done, acknowledgement included or not (e.g.
   * `WorkTracker.run`): shutdown waits for turns still running after their ack.
   */
  track?: <T>(work: () => Promise<T>) => Promise<T>;
  /**
   * WebClient retries. A 429 is waited out (Retry-After) and then counts as one retry: with
   * `retries: 0` it is not retried at all. Default: 4 retries, 1 s to 30 s apart.
   */
  retryConfig?: webApi.RetryOptions;
  /** Language of staff cards and of the reason modal. */
  staffLang?: Lang;
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Default `/slack/events`. */
  path?: string;
  /** How long a modal submission waits for the core before acknowledging anyway (Slack allows 3 s). */
  ackDeadlineMs?: number;
};

export type SlackApp = {
  /** How Slack reaches the app: the HTTP endpoint, or Socket Mode's WebSocket. */
  mode: 'http' | 'socket';
  /** POST `/slack/events`: mount it on the app's express server (empty in Socket Mode). */
  router: Router;
  delivery: SlackDelivery;
  app: App;
  /** Socket Mode: opens the WebSocket (resolves once Slack said hello). Nothing to do over HTTP. */
  start(): Promise<void>;
  /** Socket Mode: closes the WebSocket. Nothing to do over HTTP (the server closes). */
  stop(): Promise<void>;
};

const DEFAULT_RETRIES: webApi.RetryOptions = { retries: 4, factor: 2, minTimeout: 1000, maxTimeout: 30_000 };
const LEVELS = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 } as const;

/** Bolt's logger interface over the console, at the configured level. */
function boltLogger(current: keyof typeof LEVELS): Logger {
  const at =
    (l: 'debug' | 'info' | 'warn' | 'error') =>
    (...message: unknown[]): void => {
      if (LEVELS[l] >= LEVELS[current]) console[l]('[slack]', ...message);
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    // The level is LOG_LEVEL's: Bolt and the WebClient try to set their own defaults.
    setLevel: () => {},
    getLevel: () => (current === 'silent' ? LogLevel.ERROR : (current as LogLevel)),
    setName: () => {},
  };
}

const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
/** Slack DM channel ids start with D. */
const isDm = (channel: string) => channel.startsWith('D');

/** Who sent an interactive payload, named as the payload names them (before `users.info`). */
function speakerOf(user: unknown): Speaker | null {
  if (!isRecord(user) || !str(user['id'])) return null;
  const name = str(user['name']) ? user['name'] : str(user['username']) ? user['username'] : user['id'];
  // No locale: a new person speaks English until they type “français”.
  return { channel: 'slack', externalId: user['id'], displayName: name };
}

/** The bot's DM with a person: the address the core keeps to write to them later. */
function dmConversation(channel: string, user: string): Conversation {
  const address: SlackAddress = { channel, user };
  return { channel: 'slack', id: channel, personal: true, address };
}

function roomConversation(channel: string): Conversation {
  return { channel: 'slack', id: channel, personal: false };
}

/** Where a turn's replies go: a channel (or thread), or only the person who clicked. */
type Target = { channel: string; threadTs?: string | undefined; ephemeralTo?: string | undefined };

export function createSlackApp(options: SlackAppOptions): SlackApp {
  const { core, config } = options;
  const path = options.path ?? '/slack/events';
  const staffLang = options.staffLang ?? 'en';
  const logger = boltLogger(options.logLevel ?? 'info');
  const log: SlackLogger = (level, message) => logger[level](message);
  const ackDeadlineMs = options.ackDeadlineMs ?? 2500;
  const failed = (what: string) => (error: unknown) =>
    log('error', `slack: ${what} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);

  const clientOptions: webApi.WebClientOptions = {
    // WebClient joins method names onto this URL: it must end with a slash.
    slackApiUrl: config.apiUrl ? config.apiUrl.replace(/\/*$/, '/') : 'https://slack.com/api/',
    retryConfig: options.retryConfig ?? DEFAULT_RETRIES,
    // A 429 is waited out (Retry-After) and retried, so no message is lost to rate limits.
    rejectRateLimitedCalls: false,
    logger,
  };
  const client = new webApi.WebClient(config.botToken, clientOptions);
  // Names, time zones and locales from users.info; any failure leaves the payload's name.
  const profiles = createSlackProfiles({ lookup: (user) => client.users.info({ user, include_locale: true }), log });
  /** A Slack user as the core should know them: `name` (from the payload) until users.info says better. */
  const speakerFor = (user: string, name: string = user) => profiles.enrich({ channel: 'slack', externalId: user, displayName: name });

  const staffChannel = async () => (await options.staffChannelStore?.get()) ?? config.staffChannel;
  const delivery = new SlackDelivery({
    client,
    staffChannel,
    cardRefs: options.cardRefs,
    staffLang,
    home: async (address) => buildHome(address.user, dmConversation(address.channel, address.user)),
    log,
  });

  const deliver =
    options.deliver ??
    (async (outgoing: readonly Outgoing[]) => {
      for (const message of outgoing) if (message.to === 'staff') await delivery.postToStaff(message.replies, message.cardFor);
    });

  // ------------------------------------------------------------------ how Slack reaches us

  // DMs the HTTP door recorded as pending before Bolt acknowledged them (their listener runs them).
  const doorRecorded = new Set<string>();
  const replayEveryMs = options.inbox?.replayEveryMs ?? 10_000;
  let replayTimer: NodeJS.Timeout | undefined;
  let replaying: Promise<void> | undefined;
  let router: Router;
  let receiver: Receiver;
  let socket: SocketModeReceiver | undefined;
  if (config.appToken) {
    // Socket Mode: nothing arrives over HTTP, so the router stays empty (/slack/events is 404).
    router = express.Router();
    socket = createSocketModeReceiver({ appToken: config.appToken, apiUrl: clientOptions.slackApiUrl ?? 'https://slack.com/api/', logger, log });
    receiver = socket;
  } else if (config.signingSecret) {
    ({ router, receiver } = httpReceiver(config.signingSecret, path, logger, log, async (body) => {
      // A DM is kept before Slack gets its ack, so a crash cannot lose it.
      const dm = options.inbox && isRecord(body) && str(body['event_id']) ? directMessage(body) : null;
      if (!dm || !options.inbox) return 'go on';
      const key = `event:${String((body as Record<string, unknown>)['event_id'])}`;
      const fresh = await options.inbox.record(`slack:${key}`, body as JsonObject).catch((error: unknown) => {
        // Unreachable database: go on unrecorded; the turn will say “try again”.
        log('warn', `slack: could not record ${key} (${error instanceof Error ? error.message : String(error)})`);
        return null;
      });
      if (fresh === false) return 'seen';
      if (fresh) doorRecorded.add(key);
      return 'go on';
    }));
  } else {
    throw new Error('Slack needs a signing secret (HTTP) or an app-level token (Socket Mode)');
  }

  // auth.test once: Bolt uses the bot's ids to ignore its own messages. If Slack cannot
  // answer it, the request goes on without them (the listeners skip bot messages anyway)
  // rather than being dropped, and the next request asks again.
  type BotIdentity = { botId?: string | undefined; botUserId?: string | undefined; teamId?: string | undefined };
  let identity: Promise<BotIdentity> | undefined;
  const app = new App({
    receiver,
    logger,
    clientOptions,
    authorize: async () => {
      identity ??= client.auth.test().then((r) => ({ botId: r.bot_id, botUserId: r.user_id, teamId: r.team_id }));
      const known = await identity.catch((error: unknown) => {
        identity = undefined;
        failed('auth.test')(error);
        return {};
      });
      return { botToken: config.botToken, ...known };
    },
  });
  app.error(async (error) => log('error', `slack: ${error.message}`));
  // Global middleware wraps every listener, which goes on after Slack has its ack.
  const track = options.track;
  if (track) app.use(async ({ next }) => track(next));

  /** True the first time Slack sends this id (events are retried by Slack; Bolt does not drop retries). */
  const firstTime = (key: string) =>
    options.seen(`slack:${key}`).catch((error: unknown) => {
      // The database is unreachable: the turn will find it so too and tell the person to try
      // again, which beats silence. Nothing can be recorded meanwhile, so a Slack retry of
      // this event can at worst repeat that answer.
      log('warn', `slack: could not record ${key} (${error instanceof Error ? error.message : String(error)}); answering anyway`);
      return true;
    });

  async function sendOutgoing(outgoing: readonly Outgoing[]): Promise<void> {
    if (outgoing.length === 0) return;
    await deliver(outgoing).catch(failed('delivery after a turn'));
  }

  /** Sends a turn's replies where they belong, then its outgoing messages. */
  async function finish(turn: Turn, target: Target, claimable?: string): Promise<void> {
    for (const reply of turn.replies) {
      if (target.ephemeralTo) await delivery.ephemeral(target.channel, target.ephemeralTo, reply, turn.lang);
      else await delivery.post(target.channel, reply, turn.lang, target.threadTs);
    }
    if (turn.claimStaffChannel && claimable) {
      if (options.staffChannelStore) await options.staffChannelStore.set(claimable);
      else log('warn', 'slack: a staff channel was claimed but no staff channel store is configured');
    }
    await sendOutgoing(turn.outgoing);
    options.afterTurn?.();
  }

  async function buildHome(user: string, conversation: Conversation): Promise<{ view: HomeView; lang: Lang }> {
    const turn = await core.handle(await speakerFor(user), conversation, { kind: 'action', action: 'status', data: {} });
    return { view: homeView(turn.replies, turn.lang), lang: turn.lang };
  }

  // ------------------------------------------------------------------ events (acknowledged by Bolt)

  app.event('message', async ({ body }) => {
    const dm = directMessage(body);
    if (!dm) return;
    const key = `event:${body.event_id}`;
    // Recorded as pending at the door (before the ack): run it so that it counts once.
    if (doorRecorded.delete(key) && options.inbox) return runPending(key, dm);
    if (!(await firstTime(key))) return;
    const turn = await core.handle(await speakerFor(dm.user), dmConversation(dm.channel, dm.user), { kind: 'text', text: dm.text });
    await finish(turn, { channel: dm.channel });
  });

  /**
   * A DM recorded before its ack: the turn's first write marks it processed (so a replay by
   * another instance, after this one died, can never apply it twice); when another run got
   * there first, this one stays silent.
   */
  async function runPending(key: string, dm: DirectMessage): Promise<void> {
    const inbox = options.inbox;
    if (!inbox) return;
    await inbox.run(`slack:${key}`, async (superseded) => {
      const turn = await core.handle(await speakerFor(dm.user), dmConversation(dm.channel, dm.user), { kind: 'text', text: dm.text });
      if (superseded()) return;
      await finish(turn, { channel: dm.channel });
    });
  }

  /** DMs acknowledged by an instance that died before their turn wrote anything: run them now. */
  async function replayStale(): Promise<void> {
    const inbox = options.inbox;
    if (!inbox) return;
    for (const { key, payload } of await inbox.claimStale()) {
      const dm = directMessage(payload);
      if (!dm) continue;
      log('warn', `slack: replaying ${key}, acknowledged by an instance that stopped before answering`);
      await runPending(key.replace(/^slack:/, ''), dm).catch(failed(`the replay of ${key}`));
    }
  }

  // In a channel, “@assistant status …” or “@assistant use this channel for approvals”.
  // (A mention in a DM also arrives as `message.im` and is answered there.)
  app.event('app_mention', async ({ event, body }) => {
    const user = event.user;
    if (!str(user) || event.bot_id !== undefined) return;
    const raw = typeof event.text === 'string' ? event.text.replace(/<@[A-Z0-9]+(\|[^>]*)?>/g, ' ') : '';
    const text = typedText(raw);
    const channel = event.channel;
    if (!text || isDm(channel) || !(await firstTime(`event:${body.event_id}`))) return;
    const turn = await core.handle(await speakerFor(user), roomConversation(channel), { kind: 'text', text });
    await finish(turn, { channel, threadTs: event.thread_ts ?? event.ts }, channel);
  });

  app.event('app_home_opened', async ({ event, body }) => {
    if (event.tab !== 'home' || !str(event.user) || !str(event.channel)) return;
    if (!(await firstTime(`event:${body.event_id}`))) return;
    const home = await buildHome(event.user, dmConversation(event.channel, event.user));
    await client.views.publish({ user_id: event.user, view: home.view });
  });

  // ------------------------------------------------------------------ buttons and selects

  app.action(/.*/, async ({ ack, body, action }) => {
    await ack();
    await onAction({ ...body }, { ...action }).catch(failed('an action'));
  });

  async function onAction(body: Record<string, unknown>, action: Record<string, unknown>): Promise<void> {
    const speaker = speakerOf(body['user']);
    if (!speaker) return;
    const user = speaker.externalId;
    const clicked = parseAction(action, action['block_id']);
    // Elements of input blocks (no dispatch) and foreign buttons carry no action of ours.
    if (!clicked) return;
    if (!(await firstTime(`action:${String(body['trigger_id'] ?? '')}:${String(action['action_ts'] ?? '')}`))) return;
    const triggerId = str(body['trigger_id']) ? body['trigger_id'] : undefined;
    const channel = isRecord(body['channel']) && str(body['channel']['id']) ? body['channel']['id'] : undefined;
    const message = isRecord(body['message']) ? body['message'] : undefined;
    const messageTs = message && str(message['ts']) ? message['ts'] : undefined;
    // A form posted as a message sends its inputs along with the button; the button's ids win.
    const data = { ...stateValues(body['state']), ...clicked.data };
    // From the App Home (no channel) replies go to the person's DM, addressed by user id.
    const conversation: Conversation = channel
      ? isDm(channel)
        ? dmConversation(channel, user)
        : roomConversation(channel)
      : { channel: 'slack', id: user, personal: true };
    const replyTo = channel ?? user;
    const target: Target = conversation.personal ? { channel: replyTo } : { channel: replyTo, ephemeralTo: user };

    if (clicked.action === 'decide') {
      const submissionId = typeof data['submissionId'] === 'string' ? data['submissionId'] : '';
      const outcome = data['outcome'];
      if ((outcome === 'rejected' || outcome === 'changesRequested') && !str(data['reason']) && triggerId) {
        // The reason comes from a modal; its submission records the decision.
        await client.views.open({ trigger_id: triggerId, view: reasonModal({ submissionId, outcome, channel: replyTo, ts: messageTs ?? '' }, staffLang) });
        return;
      }
      const turn = await core.handle(await profiles.enrich(speaker), conversation, { kind: 'action', action: 'decide', data });
      await afterDecision(turn, { channel: replyTo, ts: messageTs, user, submissionId });
      return;
    }

    const turn = await core.handle(await profiles.enrich(speaker), conversation, { kind: 'action', action: clicked.action, data });
    if (clicked.action === 'openSection' && triggerId) {
      const form = turn.replies.find((r): r is Reply & { type: 'form' } => r.type === 'form');
      if (form) {
        try {
          await client.views.open({ trigger_id: triggerId, view: sectionModal(form, { channelId: replyTo, lang: turn.lang }) });
          await finish({ ...turn, replies: turn.replies.filter((r) => r !== form) }, target);
          return;
        } catch (error) {
          // The trigger expired (over 3 s) or Slack refused the view: show the form in the chat instead.
          failed('views.open')(error);
        }
      }
    }
    await finish(turn, target);
  }

  /**
   * After a staff decision: the staff card loses its buttons (everywhere, via `deliver`,
   * and the clicked copy), a thread reply records who decided; a refusal or a decision
   * someone else made first is told only to the person who clicked.
   */
  async function afterDecision(turn: Turn, where: { channel: string; ts: string | undefined; user: string; submissionId: string }): Promise<void> {
    const card = cardIn(turn.outgoing, where.submissionId);
    await sendOutgoing(turn.outgoing);
    if (card && where.ts) {
      const stored = await options.cardRefs.get(cardKey(where.channel, where.submissionId));
      if (!stored || stored.ts !== where.ts) await delivery.update({ channel: where.channel, ts: where.ts }, card, staffLang).catch(failed('chat.update'));
    }
    if (card?.decided && turn.decisionRecorded) {
      await delivery.postText(where.channel, decisionLine(card.decided, staffLang), where.ts);
    } else {
      for (const reply of turn.replies) await delivery.ephemeral(where.channel, where.user, reply, turn.lang);
    }
    options.afterTurn?.();
  }

  // ------------------------------------------------------------------ modals

  app.view<ViewSubmitAction>(SECTION_CALLBACK, async ({ ack, body, view }) => {
    const speaker = speakerOf(body.user);
    const meta = parseMeta(view.private_metadata);
    if (!speaker || !meta || !(await firstTime(`view:${body.trigger_id}`))) {
      await ack();
      return;
    }
    const user = speaker.externalId;
    const channel = str(meta['channelId']) ? meta['channelId'] : user;
    const values = stateValues(view.state);
    const inbound: Inbound =
      meta['action'] === 'publishSlot'
        ? { kind: 'action', action: 'publishSlot', data: values }
        : { kind: 'action', action: 'submitSection', data: { ...values, formId: meta['formId'], entityId: meta['entityId'], sectionId: meta['sectionId'] } };
    const conversation = channel === user ? { channel: 'slack', id: user, personal: true } : isDm(channel) ? dmConversation(channel, user) : roomConversation(channel);
    const target: Target = conversation.personal ? { channel } : { channel, ephemeralTo: user };

    // The profile lookup counts towards the deadline: it is bounded by its own timeout.
    const pending = profiles.enrich(speaker).then((who) => core.handle(who, conversation, inbound));
    const turn = await within(pending, ackDeadlineMs);
    if (turn) {
      const form = turn.replies.find((r) => r.type === 'form');
      const errors = form ? errorsFromReply(form) : {};
      if (Object.keys(errors).length > 0) {
        // Errors shown under each field; the modal stays open with what was typed.
        await ack({ response_action: 'errors', errors });
        return;
      }
      await ack();
      await finish(turn, target).catch(failed('a section submission'));
      return;
    }
    // The core is slow: close the modal now and answer in the chat when it is done.
    await ack();
    await finish(await pending, target).catch(failed('a section submission'));
  });

  app.view<ViewSubmitAction>(REASON_CALLBACK, async ({ ack, body, view }) => {
    await ack();
    const speaker = speakerOf(body.user);
    const meta = parseMeta(view.private_metadata);
    if (!speaker || !meta || !str(meta['channel']) || !(await firstTime(`view:${body.trigger_id}`))) return;
    const channel = meta['channel'];
    const submissionId = typeof meta['submissionId'] === 'string' ? meta['submissionId'] : '';
    const reason = stateValues(view.state)[REASON_BLOCK_ID];
    const conversation = isDm(channel) ? dmConversation(channel, speaker.externalId) : roomConversation(channel);
    try {
      const turn = await core.handle(await profiles.enrich(speaker), conversation, { kind: 'action', action: 'decide', data: { submissionId, outcome: meta['outcome'], reason } });
      await afterDecision(turn, { channel, ts: str(meta['ts']) ? meta['ts'] : undefined, user: speaker.externalId, submissionId });
    } catch (error) {
      failed('a decision with a reason')(error);
    }
  });

  // Every interactive request must be acknowledged, even those this app does not use.
  app.view({ type: 'view_closed' }, async ({ ack }) => ack());
  app.view({ type: 'view_submission', callback_id: new RegExp(`^(?!(${SECTION_CALLBACK}|${REASON_CALLBACK})$)`) }, async ({ ack }) => ack());

  // ------------------------------------------------------------------ /onboarding

  app.command('/onboarding', async ({ ack, command, respond }) => {
    await ack();
    try {
      if (!(await firstTime(`command:${command.trigger_id}`))) return;
      const query = typedText(command.text);
      // `/onboarding` alone: my status; `/onboarding help`; anything else is looked up.
      const text = !query ? 'status' : /^(help|aide|\?|status|statut|[ée]tat)(\s|$)/i.test(query) ? query : `status ${query}`;
      const speaker = await speakerFor(command.user_id, command.user_name || command.user_id);
      // The command may be typed anywhere; it never changes where the person is reached.
      const turn = await core.handle(speaker, { channel: 'slack', id: command.channel_id, personal: true }, { kind: 'text', text });
      const { text: fallback, blocks } = renderMany(turn.replies, turn.lang);
      await respond({ response_type: 'ephemeral', text: fallback, blocks });
      await sendOutgoing(turn.outgoing);
    } catch (error) {
      failed('/onboarding')(error);
    }
  });
  app.command(/^(?!\/onboarding$)/, async ({ ack }) => ack());

  return {
    mode: socket ? 'socket' : 'http',
    router,
    delivery,
    app,
    async start() {
      if (options.inbox && replayEveryMs > 0) {
        const tick = () => {
          if (replaying) return;
          replaying = (options.track ?? ((work: () => Promise<void>) => work()))(() => replayStale().catch(failed('replaying messages'))).finally(() => {
            replaying = undefined;
          });
        };
        replayTimer = setInterval(tick, replayEveryMs);
        replayTimer.unref();
        tick();
      }
      if (!socket) return;
      // Resolves on Slack's `hello`; the client reconnects by itself afterwards.
      await app.start();
      log('info', 'slack: Socket Mode connected; events arrive over the WebSocket (no /slack/events endpoint)');
    },
    async stop() {
      clearInterval(replayTimer);
      await replaying;
      if (socket) await disconnect(socket);
    },
  };
}

/**
 * The HTTP endpoint: before Bolt, authenticity (401) then the shape of the body (400), then
 * Bolt's ExpressReceiver on the same path.
 */
function httpReceiver(
  signingSecret: string,
  path: string,
  logger: Logger,
  log: SlackLogger,
  /** Before the ack: `seen` answers 200 at once (a retry of something already recorded). */
  atTheDoor: (body: unknown) => Promise<'seen' | 'go on'>,
): { router: Router; receiver: ExpressReceiver } {
  const router = express.Router();
  // Before Bolt: authenticity first (401), then the shape (400), so a malformed body is
  // refused before anything is recorded. Bolt then reads the same raw body and checks again.
  router.post(path, express.raw({ type: () => true, limit: '1mb' }), async (req, res, next) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const text = raw.toString('utf8');
    const signature = req.get('x-slack-signature');
    const timestamp = req.get('x-slack-request-timestamp');
    const authentic =
      str(signature) &&
      str(timestamp) &&
      isValidSlackRequest({ signingSecret, body: text, headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': Number(timestamp) } });
    if (!authentic) {
      res.status(401).end();
      return;
    }
    let body: unknown;
    let problem: string | null;
    try {
      body = parseBody(text, req.get('content-type'));
      problem = bodyProblem(body);
    } catch {
      problem = 'the body is not valid JSON';
    }
    if (problem) {
      log('warn', `slack: refused a request: ${problem}`);
      res.status(400).json({ error: 'BadRequest', message: problem });
      return;
    }
    if (isRecord(body) && body['type'] === 'app_rate_limited') {
      // Slack dropped events for a minute; nothing to answer but 200 (Bolt does not know this type).
      log('warn', `slack: Slack rate-limited events to this app (minute ${String(body['minute_rate_limited'] ?? '?')})`);
      res.status(200).end();
      return;
    }
    if ((await atTheDoor(body)) === 'seen') {
      res.status(200).end();
      return;
    }
    // Bolt reads `rawBody` when a host has read the stream already.
    (req as Request & { rawBody?: Buffer }).rawBody = raw;
    next();
  });

  const receiver = new ExpressReceiver({
    signingSecret,
    endpoints: path,
    // Acknowledge as soon as `ack()` is called; the listener goes on after the response.
    processBeforeResponse: false,
    router,
    logger,
  });
  return { router, receiver };
}

type DirectMessage = { user: string; channel: string; text: string };

/** A person's message in their DM with the bot, from an event callback body; null for anything else. */
function directMessage(body: unknown): DirectMessage | null {
  const event = isRecord(body) ? body['event'] : undefined;
  if (!isRecord(event) || event['type'] !== 'message') return null;
  if (event['channel_type'] !== 'im' || event['subtype'] !== undefined || event['bot_id'] !== undefined) return null;
  const { user, channel } = event;
  const text = typedText(event['text']);
  return str(user) && str(channel) && text ? { user, channel, text } : null;
}

/** The staff card about a submission among a turn's outgoing messages. */
function cardIn(outgoing: readonly Outgoing[], submissionId: string): (Reply & { type: 'approval' }) | undefined {
  for (const message of outgoing) {
    if (message.to !== 'staff') continue;
    const card = message.replies.find((r): r is Reply & { type: 'approval' } => r.type === 'approval' && r.submissionId === submissionId);
    if (card) return card;
  }
  return undefined;
}


/** The promise's value if it settles within `ms`, else undefined (the promise keeps running). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
