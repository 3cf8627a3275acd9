import { ActivityTypes, CloudAdapter, ConfigurationBotFrameworkAuthentication, TurnContext, type Activity } from 'botbuilder';
import express, { type ErrorRequestHandler, type Router } from 'express';
import type { Config } from '../../config.ts';
import { toAppError } from '../../core/errors.ts';
import { langFromLocale, type Lang } from '../../domain/lang.ts';
import { REFRESH_VERB, needsCard, renderAdaptiveCard } from '../cards/adaptive.ts';
import { ADAPTIVE_CARD_ACTION_INVOKE, isRecord, parseInbound, parseRefresh } from '../cards/inbound.ts';
import type { Conversation, Inbound, Outgoing, Reply, Speaker, Turn } from '../core/types.ts';
import { cardResponse, errorResponse, messageResponse, replyActivity, splitExecuteReplies, type ExecuteResponseBody } from './activities.ts';
import { asReference, channelConversationId, staffReference } from './conversation-reference.ts';
import { TeamsDelivery, type CardRefStore, type StaffConversationStore, type TeamsLogger } from './teams-delivery.ts';

/**
 * The Microsoft Teams channel: Bot Framework activities in, the core's neutral replies out
 * as Adaptive Cards with Universal Actions. Thin on purpose: no business rule lives here.
 * botbuilder stays inside `src/bots/teams` (and is announced for archival; its successor
 * speaks the same Activity protocol), so a later move touches this folder only.
 */

/** What the endpoint needs of the conversation core (`ConversationCore` fits). */
export type TeamsCore = {
  handle(speaker: Speaker, conversation: Conversation, inbound: Inbound): Promise<Turn>;
};

export type TeamsEndpointOptions = {
  core: TeamsCore;
  teams: Config['teams'];
  /** The staff conversation (claimed in a channel, kept in the database). */
  staffConversation: StaffConversationStore;
  /** Activity ids of staff cards, keyed by `cardKey(conversationId, submissionId)`. */
  cardRefs: CardRefStore;
  /**
   * The current card for a submission, for a staff card's automatic refresh (read-only: the
   * decided card, or the card with buttons while undecided); null when there is none — and
   * null unless `viewer` is staff: anyone can send an invoke naming any submission id.
   */
  refreshCard(submissionId: string, lang: Lang, viewer: Speaker): Promise<Reply | null>;
  /**
   * Sends a turn's outgoing messages (e.g. `dispatcher.deliver`, to reach every channel).
   * Default: staff messages go to this endpoint's staff conversation; messages to people are
   * not sent. A failure is logged: the turn itself already happened.
   */
  deliver?: (outgoing: readonly Outgoing[]) => Promise<void>;
  /** Default `/api/messages`. */
  path?: string;
  /** Connector URL for a staff conversation known only by id, until Teams has written from it. */
  defaultServiceUrl?: string;
  log?: TeamsLogger;
};

export type TeamsEndpoint = {
  router: Router;
  delivery: TeamsDelivery;
  adapter: CloudAdapter;
};

const DEFAULT_SERVICE_URL = 'https://smba.trafficmanager.net/teams/';

const defaultLog: TeamsLogger = (level, message) => {
  if (level === 'error') console.error(message);
  else if (level === 'warn') console.warn(message);
  else console.info(message);
};

/** Bot Framework authentication from the configuration: with no app id, auth is off (local use only). */
export function createAuthentication(teams: Config['teams']): ConfigurationBotFrameworkAuthentication {
  if (!teams.appId) return new ConfigurationBotFrameworkAuthentication({});
  try {
    return new ConfigurationBotFrameworkAuthentication({
      MicrosoftAppId: teams.appId,
      MicrosoftAppPassword: teams.appPassword,
      MicrosoftAppType: teams.appType,
      MicrosoftAppTenantId: teams.tenantId,
    });
  } catch (error) {
    throw new Error(
      `Teams: invalid Bot Framework settings (MicrosoftAppId, MicrosoftAppPassword, MicrosoftAppType=${teams.appType}, MicrosoftAppTenantId): ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

export function createTeamsEndpoint(options: TeamsEndpointOptions): TeamsEndpoint {
  const { core, teams, staffConversation } = options;
  const log = options.log ?? defaultLog;
  const path = options.path ?? '/api/messages';
  const adapter = new CloudAdapter(createAuthentication(teams));
  // No `onTurnError`: it would also swallow proactive delivery failures, which must throw so
  // the outbox retries. A turn's own failures are handled in `onTurn`; the rest end in a 500.

  let lastServiceUrl: string | undefined;
  const delivery = new TeamsDelivery({
    adapter,
    appId: teams.appId,
    staffConversation,
    cardRefs: options.cardRefs,
    configuredStaffConversationId: teams.staffConversationId,
    serviceUrl: () => lastServiceUrl ?? options.defaultServiceUrl ?? DEFAULT_SERVICE_URL,
    log,
  });

  const deliver =
    options.deliver ??
    (async (outgoing: readonly Outgoing[]) => {
      for (const message of outgoing) if (message.to === 'staff') await delivery.postToStaff(message.replies, message.cardFor);
    });

  async function onTurn(ctx: TurnContext): Promise<void> {
    const activity = ctx.activity;
    if (!activity.from?.id || !activity.conversation?.id) return;
    if (activity.serviceUrl) lastServiceUrl = activity.serviceUrl;
    const speaker = speakerOf(activity);
    const lang = langFromLocale(activity.locale);
    const execute = activity.type === ActivityTypes.Invoke && activity.name === ADAPTIVE_CARD_ACTION_INVOKE;
    try {
      await rememberConfiguredStaffConversation(activity);

      const refresh = parseRefresh(activity, REFRESH_VERB);
      if (refresh) {
        const reply = await options.refreshCard(refresh.submissionId, lang, speaker);
        await answerInvoke(
          ctx,
          reply && needsCard(reply) ? cardResponse(renderAdaptiveCard(reply, { actions: 'execute', lang })) : errorResponse(404, 'NotFound', 'no card for this submission'),
        );
        return;
      }

      const inbound = parseInbound(activity) ?? greeting(activity);
      if (!inbound) {
        if (execute) await answerInvoke(ctx, errorResponse(400, 'BadRequest', 'unknown action'));
        return;
      }
      const conversation = conversationOf(activity);
      const turn: Turn = await core.handle(speaker, conversation, inbound);
      if (turn.claimStaffChannel) await staffConversation.set(staffReference(TurnContext.getConversationReference(activity)));

      if (execute) {
        const { body, others } = splitExecuteReplies(turn.replies, turn.lang, currentCard(turn.outgoing, inbound));
        if (others.length > 0) await ctx.sendActivities(others.map((reply) => replyActivity(reply, turn.lang)));
        await answerInvoke(ctx, body);
      } else if (turn.replies.length > 0) {
        await ctx.sendActivities(turn.replies.map((reply) => replyActivity(reply, turn.lang)));
      }
      if (turn.outgoing.length > 0) {
        await deliver(turn.outgoing).catch((error: unknown) =>
          log('error', `teams: delivery after a turn failed: ${error instanceof Error ? error.message : String(error)}`),
        );
      }
    } catch (error) {
      const appError = toAppError(error);
      log(appError.code === 'internal' ? 'error' : 'warn', `teams: ${activity.type} from ${speaker.externalId} failed: ${appError.message}`);
      if (execute) await answerInvoke(ctx, messageResponse(appError.say(lang)));
      else if (activity.type === ActivityTypes.Message) await ctx.sendActivity({ type: ActivityTypes.Message, text: appError.say(lang), textFormat: 'plain' });
    }
  }

  /**
   * With `TEAMS_STAFF_CONVERSATION_ID`, the first activity from that channel tells us its
   * connector URL; keep it (unless another channel was claimed since).
   */
  async function rememberConfiguredStaffConversation(activity: Activity): Promise<void> {
    const configured = teams.staffConversationId;
    if (!configured || channelConversationId(activity.conversation.id) !== configured) return;
    const stored = asReference(await staffConversation.get());
    if (!stored || (stored.conversation.id === configured && stored.serviceUrl !== activity.serviceUrl)) {
      await staffConversation.set(staffReference(TurnContext.getConversationReference(activity)));
    }
  }

  const router = express.Router();
  router.post(path, express.json({ limit: '1mb' }), (req, res) => {
    const problem = activityProblem(req.body);
    if (problem) {
      res.status(400).json({ error: 'BadRequest', message: problem });
      return;
    }
    // No token at all: refuse before the adapter (which would log a stack trace for every probe).
    if (teams.appId && !req.headers.authorization) {
      res.status(401).json({ error: 'Unauthorized', message: 'a Bot Framework token is required' });
      return;
    }
    // `process` can reject outside its own error handling (e.g. on odd activities): never let that escape.
    adapter.process(req, res, onTurn).catch((error: unknown) => {
      log('error', `teams: could not process an activity: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) res.status(500).end();
    });
  });
  const badBody: ErrorRequestHandler = (error: unknown, _req, res, next) => {
    const status = isRecord(error) && typeof error['status'] === 'number' ? error['status'] : 500;
    if (status >= 400 && status < 500) {
      res.status(status).json({ error: 'BadRequest', message: status === 413 ? 'the request body is too large' : 'the request body is not valid JSON' });
      return;
    }
    next(error);
  };
  router.use(path, badBody);

  return { router, delivery, adapter };
}

/**
 * Why a body cannot be processed as an activity, or null. Every activity a channel sends
 * names its sender, its conversation and the connector to answer through; without them the
 * adapter would reply to a default connector on the internet, or throw (a 500).
 */
function activityProblem(body: unknown): string | null {
  if (!isRecord(body) || typeof body['type'] !== 'string' || body['type'] === '') return 'expected a Bot Framework activity (a JSON object with a type)';
  const hasId = (account: unknown) => isRecord(account) && typeof account['id'] === 'string' && account['id'] !== '';
  if (!hasId(body['from'])) return 'the activity needs from.id';
  if (!hasId(body['conversation'])) return 'the activity needs conversation.id';
  const serviceUrl = body['serviceUrl'];
  if (typeof serviceUrl !== 'string' || !/^https?:\/\//i.test(serviceUrl) || !URL.canParse(serviceUrl)) return 'the activity needs an http(s) serviceUrl';
  return null;
}

function speakerOf(activity: Activity): Speaker {
  return {
    channel: 'teams',
    externalId: activity.from.aadObjectId ?? activity.from.id,
    displayName: activity.from.name ?? '',
    locale: activity.locale,
    timeZone: activity.localTimezone ?? clientInfoZone(activity),
  };
}

/**
 * Teams clients also report the user's zone in a `clientInfo` entity (`timezone`), which
 * some clients send where `localTimezone` is missing. The service keeps only real IANA zones.
 */
function clientInfoZone(activity: Activity): string | undefined {
  for (const entity of activity.entities ?? []) {
    const zone = (entity as { type?: unknown; timezone?: unknown }).timezone;
    if (entity.type === 'clientInfo' && typeof zone === 'string' && zone) return zone;
  }
  return undefined;
}

function conversationOf(activity: Activity): Conversation {
  const type = activity.conversation.conversationType;
  return {
    channel: 'teams',
    id: activity.conversation.id,
    personal: type === 'personal' || type === undefined,
    // Plain JSON to store; read back with `asReference`.
    address: TurnContext.getConversationReference(activity) as Record<string, unknown>,
  };
}

/** The bot was added to a personal chat: greet as if the person had said hello. */
function greeting(activity: Activity): Inbound | null {
  if (activity.type !== ActivityTypes.ConversationUpdate) return null;
  const type = activity.conversation.conversationType;
  if (type !== 'personal' && type !== undefined) return null;
  // A malformed activity may carry anything here: only a list of members counts.
  const botAdded = Array.isArray(activity.membersAdded) && activity.membersAdded.some((m) => m.id === activity.recipient?.id);
  return botAdded ? { kind: 'action', action: 'start', data: {} } : null;
}

/**
 * The clicked card in its new state, when the turn updates it elsewhere (a staff decision
 * re-posts the submission's card to the staff channels): the clicker sees it at once.
 */
function currentCard(outgoing: readonly Outgoing[], inbound: Inbound): Reply | undefined {
  const submissionId = inbound.kind === 'action' ? inbound.data['submissionId'] : undefined;
  if (typeof submissionId !== 'string') return undefined;
  for (const message of outgoing) {
    if (message.to !== 'staff' || message.cardFor !== submissionId) continue;
    const card = message.replies.find((r) => r.type === 'approval' && r.submissionId === submissionId);
    if (card) return card;
  }
  return undefined;
}

async function answerInvoke(ctx: TurnContext, body: ExecuteResponseBody): Promise<void> {
  await ctx.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 200, body } });
}
