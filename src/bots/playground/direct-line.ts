import { createHash, randomBytes } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type Response } from 'express';

/**
 * A small Direct Line v3 endpoint of our own, for the Web Chat playground: the part of the
 * protocol Web Chat uses when it polls (`createDirectLine({ domain, token, webSocket: false })`).
 *
 * - `POST /tokens/generate` opens a conversation and returns a token bound to it (there is
 *   no secret: this endpoint is only mounted when the playground is on). The body may name
 *   the user (`{ user: { id } }`); the id is then bound to the conversation, and every
 *   activity posted with that token is attributed to it, whatever its `from` says.
 * - `POST /conversations` (with that token) starts it; `GET /conversations/:id` reconnects;
 *   `POST /tokens/refresh` trades a valid token for a fresh one.
 * - `GET /conversations/:id/activities?watermark=` returns the activities after the
 *   watermark, oldest first, at most `pageSize`, and the new watermark.
 * - `POST /conversations/:id/activities` stores the user's activity, answers `{ id }` at
 *   once, then hands it to `onActivity` (one at a time per conversation, in order).
 *
 * Transport state lives in memory and is bounded: conversations idle for `idleMs` are
 * dropped (with their tokens), at most `maxConversations` are kept (least recently used
 * goes first), each keeps its last `maxActivities` activities. What matters lasts in the
 * database behind the conversation core, not here.
 *
 * Watermarks are per-conversation sequence numbers. `updateActivity` gives the updated
 * activity a new sequence number (so the next poll returns it) but keeps its id and
 * timestamp: Web Chat replaces the activity with the same id in place, at the position its
 * timestamp gives it.
 */

export type ChannelAccount = { id: string; name?: string | undefined; role?: 'user' | 'bot' | undefined };

export type Attachment = {
  contentType: string;
  content?: unknown;
  contentUrl?: string | undefined;
  name?: string | undefined;
};

/** An activity as stored and as clients receive it. */
export type DirectLineActivity = {
  type: string;
  id: string;
  timestamp: string;
  channelId: 'directline';
  conversation: { id: string };
  from: ChannelAccount;
  text?: string | undefined;
  /** Plain text of what the attachments show, for clients that do not render them. */
  summary?: string | undefined;
  textFormat?: 'plain' | 'markdown' | 'xml' | undefined;
  locale?: string | undefined;
  name?: string | undefined;
  value?: unknown;
  attachments?: Attachment[] | undefined;
  attachmentLayout?: 'list' | 'carousel' | undefined;
  replyToId?: string | undefined;
  inputHint?: string | undefined;
  channelData?: Record<string, unknown> | undefined;
};

/** What the bot posts: the server fills in id, timestamp, conversation and `from`. */
export type BotActivity = {
  type?: 'message' | 'event' | 'typing' | undefined;
  text?: string | undefined;
  summary?: string | undefined;
  textFormat?: 'plain' | 'markdown' | 'xml' | undefined;
  locale?: string | undefined;
  name?: string | undefined;
  value?: unknown;
  attachments?: readonly Attachment[] | undefined;
  attachmentLayout?: 'list' | 'carousel' | undefined;
  replyToId?: string | undefined;
  inputHint?: string | undefined;
  channelData?: Record<string, unknown> | undefined;
};

export type DirectLineOptions = {
  /** Called after a user's activity was stored and acknowledged; may post replies. */
  onActivity: (conversationId: string, activity: DirectLineActivity) => Promise<void> | void;
  /** A handler that threw (the endpoint itself keeps going). */
  onError?: ((error: unknown, conversationId: string) => void) | undefined;
  /** Which user ids a client may claim in `tokens/generate`; others get 400. Default: `[A-Za-z0-9_.:-]{1,64}`. */
  acceptUserId?: ((id: string) => boolean) | undefined;
  bot?: { id: string; name: string } | undefined;
  clock?: (() => Date) | undefined;
  idleMs?: number | undefined;
  maxConversations?: number | undefined;
  maxActivities?: number | undefined;
  tokenTtlSeconds?: number | undefined;
  pageSize?: number | undefined;
};

export type DirectLineEndpoint = {
  /** Mount at `/v3/directline`. */
  readonly router: Router;
  /** Posts a bot activity; returns its id, or `undefined` when the conversation is gone. */
  postActivity(conversationId: string, activity: BotActivity): string | undefined;
  /**
   * Replaces a bot activity in place (same id and timestamp, new content); clients get it on
   * their next poll. Returns false when the conversation or the activity is gone (e.g. it
   * fell off the end of the bounded list), so the caller can post anew.
   */
  updateActivity(conversationId: string, activityId: string, activity: BotActivity): boolean;
  /** The user bound to a live conversation, or `undefined` when there is no such conversation. */
  userOf(conversationId: string): ChannelAccount | undefined;
};

type Entry = { seq: number; activity: DirectLineActivity };

type ConversationState = {
  id: string;
  user: ChannelAccount;
  entries: Entry[];
  seq: number;
  lastTimestamp: number;
  lastSeen: number;
  /** Token hashes bound to this conversation, newest last. */
  tokens: string[];
  /** Handler calls run one after another, in arrival order. */
  queue: Promise<void>;
};

type TokenState = { conversationId: string; expiresAt: number };

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const ACTIVITY_TYPES = new Set(['message', 'event', 'invoke']);
const MAX_BODY = '64kb';
const MAX_TEXT = 16_000;
const MAX_NAME = 256;
const MAX_TOKENS_PER_CONVERSATION = 4;
const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const DEFAULT_USER_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

function randomId(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown, field: string, max: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new HttpError(400, `${field} must be a string`);
  if (value.length > max) throw new HttpError(400, `${field} is too long`);
  return value;
}

/** Keeps the fields of a client activity the bot may read; `from` comes from the token. */
function sanitizeClientActivity(body: unknown): Omit<DirectLineActivity, 'id' | 'timestamp' | 'channelId' | 'conversation' | 'from'> {
  if (!isRecord(body)) throw new HttpError(400, 'the body must be a JSON object');
  const type = body['type'];
  if (typeof type !== 'string' || !ACTIVITY_TYPES.has(type)) throw new HttpError(400, 'type must be message, event or invoke');
  const textFormat = body['textFormat'];
  const channelData = body['channelData'];
  const clientActivityID = isRecord(channelData) ? optionalString(channelData['clientActivityID'], 'channelData.clientActivityID', MAX_NAME) : undefined;
  return {
    type,
    text: optionalString(body['text'], 'text', MAX_TEXT),
    textFormat: textFormat === 'plain' || textFormat === 'markdown' ? textFormat : undefined,
    locale: optionalString(body['locale'], 'locale', 35),
    name: optionalString(body['name'], 'name', MAX_NAME),
    // Card submissions and event payloads: any JSON, already bounded by the body limit.
    value: body['value'],
    // Web Chat matches its pending activity with the echo by this id.
    channelData: clientActivityID ? { clientActivityID } : undefined,
  };
}

function conversationParam(req: Request): string {
  const value: unknown = req.params['conversationId'];
  return typeof value === 'string' ? value : '';
}

function bearer(req: Request): string | undefined {
  const header = req.get('authorization');
  const match = header ? /^Bearer ([A-Za-z0-9_-]{16,128})$/.exec(header) : null;
  return match?.[1];
}

export function createDirectLineEndpoint(options: DirectLineOptions): DirectLineEndpoint {
  const clock = options.clock ?? (() => new Date());
  const idleMs = options.idleMs ?? 60 * 60 * 1000;
  const maxConversations = options.maxConversations ?? 1000;
  const maxActivities = options.maxActivities ?? 500;
  const tokenTtlSeconds = options.tokenTtlSeconds ?? 1800;
  const pageSize = options.pageSize ?? 100;
  const acceptUserId = options.acceptUserId ?? ((id: string) => DEFAULT_USER_ID.test(id));
  const bot: ChannelAccount = { id: options.bot?.id ?? 'bot', name: options.bot?.name ?? 'Bot', role: 'bot' };

  // Map iteration order is insertion order: re-inserting on use keeps it least-recently-used first.
  const conversations = new Map<string, ConversationState>();
  const tokens = new Map<string, TokenState>();
  let lastSweep = 0;

  const now = (): number => clock().getTime();

  function drop(conversation: ConversationState): void {
    conversations.delete(conversation.id);
    for (const hash of conversation.tokens) tokens.delete(hash);
  }

  /** Drops idle conversations and expired tokens; at most once a minute. */
  function sweep(): void {
    const t = now();
    if (t - lastSweep < 60_000) return;
    lastSweep = t;
    for (const conversation of conversations.values()) if (t - conversation.lastSeen > idleMs) drop(conversation);
    for (const [hash, token] of tokens) {
      if (token.expiresAt > t) continue;
      tokens.delete(hash);
      const conversation = conversations.get(token.conversationId);
      if (conversation) conversation.tokens = conversation.tokens.filter((h) => h !== hash);
    }
  }

  function touch(conversation: ConversationState): void {
    conversation.lastSeen = now();
    conversations.delete(conversation.id);
    conversations.set(conversation.id, conversation);
  }

  function live(conversationId: string): ConversationState | undefined {
    const conversation = conversations.get(conversationId);
    if (conversation && now() - conversation.lastSeen > idleMs) {
      drop(conversation);
      return undefined;
    }
    return conversation;
  }

  function issueToken(conversation: ConversationState): { conversationId: string; token: string; expires_in: number } {
    const token = randomId(32);
    const hash = hashToken(token);
    tokens.set(hash, { conversationId: conversation.id, expiresAt: now() + tokenTtlSeconds * 1000 });
    conversation.tokens.push(hash);
    while (conversation.tokens.length > MAX_TOKENS_PER_CONVERSATION) tokens.delete(conversation.tokens.shift()!);
    return { conversationId: conversation.id, token, expires_in: tokenTtlSeconds };
  }

  function openConversation(user: ChannelAccount): ConversationState {
    while (conversations.size >= maxConversations) {
      const oldest = conversations.values().next().value;
      if (!oldest) break;
      drop(oldest);
    }
    const t = now();
    const conversation: ConversationState = {
      id: randomId(16),
      user,
      entries: [],
      seq: 0,
      lastTimestamp: 0,
      lastSeen: t,
      tokens: [],
      queue: Promise.resolve(),
    };
    conversations.set(conversation.id, conversation);
    return conversation;
  }

  /** The conversation the request's token is bound to; 403 without a valid token. */
  function authorize(req: Request, conversationId?: string): ConversationState {
    const token = bearer(req);
    if (!token) throw new HttpError(403, 'a Bearer token is required');
    if (conversationId !== undefined) {
      if (!ID_PATTERN.test(conversationId) || !live(conversationId)) throw new HttpError(404, 'no such conversation');
    }
    const state = tokens.get(hashToken(token));
    if (!state || state.expiresAt <= now()) throw new HttpError(403, 'the token is not valid');
    if (conversationId !== undefined && state.conversationId !== conversationId) throw new HttpError(403, 'the token is not valid for this conversation');
    const conversation = live(state.conversationId);
    if (!conversation) throw new HttpError(403, 'the token is not valid');
    touch(conversation);
    return conversation;
  }

  /** Strictly increasing timestamps, so clients that order by timestamp keep our order. */
  function nextTimestamp(conversation: ConversationState): string {
    const t = Math.max(now(), conversation.lastTimestamp + 1);
    conversation.lastTimestamp = t;
    return new Date(t).toISOString();
  }

  function append(conversation: ConversationState, activity: Omit<DirectLineActivity, 'id' | 'timestamp' | 'channelId' | 'conversation'>): DirectLineActivity {
    conversation.seq += 1;
    const stored: DirectLineActivity = {
      ...activity,
      id: `${conversation.id}|${String(conversation.seq).padStart(7, '0')}`,
      timestamp: nextTimestamp(conversation),
      channelId: 'directline',
      conversation: { id: conversation.id },
    };
    conversation.entries.push({ seq: conversation.seq, activity: stored });
    if (conversation.entries.length > maxActivities) conversation.entries.splice(0, conversation.entries.length - maxActivities);
    return stored;
  }

  function fromBot(activity: BotActivity): Omit<DirectLineActivity, 'id' | 'timestamp' | 'channelId' | 'conversation'> {
    return {
      type: activity.type ?? 'message',
      from: bot,
      text: activity.text,
      summary: activity.summary,
      textFormat: activity.textFormat,
      locale: activity.locale,
      name: activity.name,
      value: activity.value,
      attachments: activity.attachments ? [...activity.attachments] : undefined,
      attachmentLayout: activity.attachmentLayout,
      replyToId: activity.replyToId,
      inputHint: activity.inputHint,
      channelData: activity.channelData,
    };
  }

  const conversationInfo = (conversation: ConversationState, token: string): { conversationId: string; token: string; expires_in: number } => ({
    conversationId: conversation.id,
    token,
    expires_in: tokenTtlSeconds,
  });

  const router = Router();
  router.use((_req, res, next) => {
    sweep();
    res.set({ 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    next();
  });

  /** JSON bodies only (an empty body is `{}`), at most 64 kB. */
  const json = [
    (req: Request, _res: Response, next: NextFunction) => {
      const length = Number(req.get('content-length') ?? '0');
      const chunked = req.get('transfer-encoding') !== undefined;
      if ((length > 0 || chunked) && !req.is('application/json')) next(new HttpError(415, 'the body must be application/json'));
      else next();
    },
    express.json({ limit: MAX_BODY, strict: true }),
  ];

  router.post('/tokens/generate', ...json, (req, res) => {
    const body: unknown = req.body ?? {};
    if (!isRecord(body)) throw new HttpError(400, 'the body must be a JSON object');
    const user = body['user'];
    let id: string | undefined;
    if (user !== undefined) {
      if (!isRecord(user) || typeof user['id'] !== 'string' || !acceptUserId(user['id'])) throw new HttpError(400, 'user.id is not acceptable');
      id = user['id'];
    }
    const name = isRecord(user) ? optionalString(user['name'], 'user.name', MAX_NAME) : undefined;
    const conversation = openConversation({ id: id ?? `dl_${randomId(12)}`, name, role: 'user' });
    res.json(issueToken(conversation));
  });

  router.post('/tokens/refresh', (req, res) => {
    const conversation = authorize(req);
    res.json(issueToken(conversation));
  });

  // Start (or resume) the conversation the token is bound to; Web Chat sends `{ user, locale }`, ignored.
  router.post('/conversations', ...json, (req, res) => {
    const conversation = authorize(req);
    res.status(201).json(conversationInfo(conversation, bearer(req)!));
  });

  router.get('/conversations/:conversationId', (req, res) => {
    const conversation = authorize(req, conversationParam(req));
    res.json(conversationInfo(conversation, bearer(req)!));
  });

  router.get('/conversations/:conversationId/activities', (req, res) => {
    const conversation = authorize(req, conversationParam(req));
    const raw = req.query['watermark'];
    if (raw !== undefined && (typeof raw !== 'string' || !/^\d{0,15}$/.test(raw))) throw new HttpError(400, 'watermark must be a number');
    const watermark = raw ? Number(raw) : 0;
    const page = conversation.entries.filter((e) => e.seq > watermark).slice(0, pageSize);
    const last = page[page.length - 1];
    res.json({ activities: page.map((e) => e.activity), watermark: String(last ? last.seq : Math.max(watermark, 0)) });
  });

  router.post('/conversations/:conversationId/activities', ...json, (req, res) => {
    const conversation = authorize(req, conversationParam(req));
    const stored = append(conversation, { ...sanitizeClientActivity(req.body), from: conversation.user });
    res.json({ id: stored.id });
    conversation.queue = conversation.queue
      .then(() => options.onActivity(conversation.id, stored))
      .catch((error: unknown) => {
        if (options.onError) options.onError(error, conversation.id);
        else console.error(`[direct-line] handler failed in ${conversation.id}:`, error);
      });
  });

  // Attachments upload is not supported by this endpoint.
  router.all('/{*rest}', () => {
    throw new HttpError(404, 'not found');
  });

  // Every failure, including body-parser's, becomes a small JSON error; never a stack trace.
  router.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const status = error instanceof HttpError ? error.status : httpStatusOf(error);
    const message = error instanceof HttpError ? error.message : (GENERIC_MESSAGES[status] ?? 'the request failed');
    if (status >= 500) console.error('[direct-line]', error);
    res.status(status).json({ error: { code: codeFor(status), message } });
  });

  return {
    router,
    postActivity(conversationId, activity) {
      const conversation = live(conversationId);
      if (!conversation) return undefined;
      return append(conversation, fromBot(activity)).id;
    },
    updateActivity(conversationId, activityId, activity) {
      const conversation = live(conversationId);
      if (!conversation) return false;
      const index = conversation.entries.findIndex((e) => e.activity.id === activityId);
      const previous = conversation.entries[index];
      if (!previous || previous.activity.from.role !== 'bot') return false;
      conversation.entries.splice(index, 1);
      conversation.seq += 1;
      const { id, timestamp } = previous.activity;
      conversation.entries.push({
        seq: conversation.seq,
        activity: { ...fromBot(activity), id, timestamp, channelId: 'directline', conversation: { id: conversation.id } },
      });
      return true;
    },
    userOf(conversationId) {
      return live(conversationId)?.user;
    },
  };
}

const GENERIC_MESSAGES: Record<number, string> = {
  400: 'the body is not valid JSON',
  413: 'the body is too large',
  415: 'the body must be UTF-8 JSON',
  500: 'internal error',
};

function httpStatusOf(error: unknown): number {
  const status = isRecord(error) ? (error['status'] ?? error['statusCode']) : undefined;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}

function codeFor(status: number): string {
  switch (status) {
    case 400:
      return 'BadArgument';
    case 403:
      return 'Forbidden';
    case 404:
      return 'NotFound';
    case 413:
      return 'TooLarge';
    case 415:
      return 'UnsupportedMediaType';
    default:
      return 'ServiceError';
  }
}
