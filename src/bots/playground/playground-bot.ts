import { knowsTimeZone } from '../../core/zoned-time.ts';
import { Router } from 'express';
import { langFromLocale, type Lang } from '../../domain/lang.ts';
import { parseInbound, renderActivityParts } from '../cards/adaptive.ts';
import type { ConversationCore } from '../core/conversation-core.ts';
import type { ChannelDelivery } from '../core/delivery.ts';
import type { Conversation, Inbound, Outgoing, Reply, Speaker } from '../core/types.ts';
import { createDirectLineEndpoint, type BotActivity, type DirectLineActivity, type DirectLineEndpoint, type DirectLineOptions } from './direct-line.ts';

/**
 * The Web Chat playground: one page where a person plays the organization administrator
 * and the staff at once, each in a Web Chat pane on its own Direct Line conversation. This
 * file only translates: activities in (`parseInbound`), the core's replies out
 * (`renderActivityParts` with `Action.Submit`, the only card action Web Chat 4.18 runs).
 *
 * Who speaks is decided by the user id bound to the conversation's token when the page
 * asked for it (`tokens/generate` with `{ user: { id } }`): `staff` is the staff pane,
 * `dl_admin_<random>` an administrator (the page keeps the random part in localStorage, so
 * a reload is the same person). The staff pane's conversations are the playground's staff
 * channel; an administrator's conversation is their 1:1 chat (its address is
 * `{ conversationId }`).
 */

export const PLAYGROUND_CHANNEL = 'webchat';
export const STAFF_USER_ID = 'staff';
export const ADMIN_USER_ID = /^dl_admin_[A-Za-z0-9_-]{8,64}$/;
/** The event the page sends when a pane connects; the playground answers with the greeting. */
export const JOIN_EVENT = 'webchat/join';

export type PlaygroundOptions = {
  core: Pick<ConversationCore, 'handle'>;
  /**
   * The current staff card for a submission (e.g. `core.approvalCard`). When given, a staff
   * pane that opens (or reopens) gets the still-undecided cards posted to earlier panes.
   */
  refreshCard?: ((submissionId: string, lang: Lang) => Promise<Reply | null>) | undefined;
  /**
   * Sends a turn's outgoing messages (e.g. `dispatcher.deliver`, to reach every channel).
   * Default: staff messages go to this playground's staff panes; messages to people are not sent.
   */
  deliver?: ((outgoing: readonly Outgoing[]) => Promise<void>) | undefined;
  onError?: ((error: unknown, where: string) => void) | undefined;
  /** Bounds and clock of the Direct Line endpoint (tests). */
  directLine?: Pick<DirectLineOptions, 'clock' | 'idleMs' | 'maxConversations' | 'maxActivities' | 'tokenTtlSeconds' | 'pageSize'> | undefined;
};

export type Playground = {
  /** Serves `/v3/directline/*`; mount at the root. */
  readonly router: Router;
  readonly delivery: ChannelDelivery;
  readonly directLine: DirectLineEndpoint;
};

type Role = 'admin' | 'staff';

type PaneState = {
  role: Role;
  lang: Lang;
  locale: string | undefined;
  timeZone: string | undefined;
  greeted: boolean;
};

type CardRef = { conversationId: string; activityId: string };

const DISPLAY_NAME: Record<Role, string> = { admin: 'Administrator (playground)', staff: 'Staff (playground)' };
/** Staff messages go to this many of the most recently opened staff panes. */
const MAX_STAFF_PANES = 5;
/** Submissions whose card positions are remembered (to update them in place). */
const MAX_TRACKED_CARDS = 200;
/** Past this many remembered panes, the closed ones are forgotten. */
const PRUNE_PANES_AT = 400;
/** Undecided cards shown again to a staff pane that opens. */
const MAX_REFRESHED_CARDS = 20;

const SORRY: Record<Lang, string> = {
  en: 'Sorry, something went wrong on our side. Please try again.',
  fr: 'Désolé, un problème est survenu de notre côté. Veuillez réessayer.',
};

function roleOf(userId: string): Role | undefined {
  if (userId === STAFF_USER_ID) return 'staff';
  return ADMIN_USER_ID.test(userId) ? 'admin' : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An IANA zone the runtime knows, or `undefined`. */
function validTimeZone(value: unknown): string | undefined {
  return typeof value === 'string' && value.length <= 64 && knowsTimeZone(value) ? value : undefined;
}

/** One reply as a Web Chat activity: plain text, or a card (its full text as `summary`, not shown twice). */
export function toActivity(reply: Reply, lang: Lang, replyToId?: string): BotActivity {
  const parts = renderActivityParts(reply, { actions: 'submit', lang });
  if (parts.attachments.length === 0) return { type: 'message', text: parts.text, textFormat: 'plain', replyToId };
  return { type: 'message', summary: parts.text, textFormat: 'plain', attachments: parts.attachments, replyToId };
}

export function createPlayground(options: PlaygroundOptions): Playground {
  const report = options.onError ?? ((error: unknown, where: string) => console.error(`[playground] ${where}:`, error));
  const panes = new Map<string, PaneState>();
  /** Most recently opened first. */
  let staffPanes: string[] = [];
  /** Submission id → where its card is shown; insertion order is least recently used first. */
  const cards = new Map<string, CardRef[]>();

  const directLine = createDirectLineEndpoint({
    ...options.directLine,
    bot: { id: 'onboarding-assistant', name: 'Onboarding Assistant' },
    acceptUserId: (id) => roleOf(id) !== undefined,
    onActivity: (conversationId, activity) => onActivity(conversationId, activity),
    onError: (error, conversationId) => report(error, `conversation ${conversationId}`),
  });

  const isLive = (conversationId: string): boolean => directLine.userOf(conversationId) !== undefined;

  function prune(): void {
    for (const id of panes.keys()) if (!isLive(id)) panes.delete(id);
    staffPanes = staffPanes.filter(isLive);
  }

  function registerStaffPane(conversationId: string): void {
    staffPanes = [conversationId, ...staffPanes.filter((id) => id !== conversationId && isLive(id))].slice(0, MAX_STAFF_PANES);
  }

  function trackCard(submissionId: string, ref: CardRef): void {
    const refs = (cards.get(submissionId) ?? []).filter((r) => r.conversationId !== ref.conversationId && isLive(r.conversationId));
    cards.delete(submissionId);
    cards.set(submissionId, [...refs, ref]);
    while (cards.size > MAX_TRACKED_CARDS) {
      const oldest = cards.keys().next().value;
      if (oldest === undefined) break;
      cards.delete(oldest);
    }
  }

  /** Posts replies in a conversation; approval cards are remembered so they can be replaced. */
  function post(conversationId: string, replies: readonly Reply[], lang: Lang, replyToId?: string): boolean {
    for (const reply of replies) {
      const activityId = directLine.postActivity(conversationId, toActivity(reply, lang, replyToId));
      if (!activityId) return false;
      if (reply.type === 'approval') trackCard(reply.submissionId, { conversationId, activityId });
    }
    return true;
  }

  const delivery: ChannelDelivery = {
    channel: PLAYGROUND_CHANNEL,

    async sendToPerson(address, replies) {
      const conversationId = address['conversationId'];
      if (typeof conversationId !== 'string' || !isLive(conversationId)) {
        // Thrown so the outbox retries: by then the person may have reopened the page,
        // and the core will have recorded their new conversation's address.
        throw new Error('the playground conversation is closed');
      }
      post(conversationId, replies, panes.get(conversationId)?.lang ?? 'en');
    },

    async postToStaff(replies, cardFor) {
      for (const conversationId of staffPanes.filter(isLive)) {
        const lang = panes.get(conversationId)?.lang ?? 'en';
        for (const reply of replies) {
          const earlier =
            cardFor && reply.type === 'approval' && reply.submissionId === cardFor
              ? cards.get(cardFor)?.find((r) => r.conversationId === conversationId)
              : undefined;
          if (earlier && directLine.updateActivity(conversationId, earlier.activityId, toActivity(reply, lang))) continue;
          post(conversationId, [reply], lang);
        }
      }
    },
  };

  const deliver =
    options.deliver ??
    (async (outgoing: readonly Outgoing[]) => {
      for (const message of outgoing) if (message.to === 'staff') await delivery.postToStaff(message.replies, message.cardFor);
    });

  /** A staff pane that opens sees the undecided cards earlier panes were shown. */
  async function refreshCards(conversationId: string, lang: Lang): Promise<void> {
    if (!options.refreshCard) return;
    const recent = [...cards.keys()].slice(-MAX_REFRESHED_CARDS);
    for (const submissionId of recent) {
      if (cards.get(submissionId)?.some((r) => r.conversationId === conversationId)) continue;
      const card = await options.refreshCard(submissionId, lang);
      if (card && card.type === 'approval' && card.buttons.length > 0) post(conversationId, [card], lang);
    }
  }

  async function onActivity(conversationId: string, activity: DirectLineActivity): Promise<void> {
    const role = roleOf(activity.from.id);
    if (!role) return;
    if (panes.size > PRUNE_PANES_AT) prune();
    const pane = panes.get(conversationId) ?? { role, lang: langFromLocale(activity.locale), locale: activity.locale, timeZone: undefined, greeted: false };
    panes.set(conversationId, pane);
    if (activity.locale) pane.locale = activity.locale;
    if (role === 'staff') registerStaffPane(conversationId);

    let inbound: Inbound | null;
    let joined = false;
    if (activity.type === 'event') {
      if (activity.name !== JOIN_EVENT || pane.greeted) return;
      if (isRecord(activity.value)) pane.timeZone = validTimeZone(activity.value['timeZone']) ?? pane.timeZone;
      inbound = { kind: 'action', action: 'start', data: {} };
      joined = true;
    } else {
      inbound = parseInbound(activity);
    }
    if (!inbound) return;
    pane.greeted = true;

    const speaker: Speaker = {
      channel: PLAYGROUND_CHANNEL,
      externalId: activity.from.id,
      displayName: DISPLAY_NAME[role],
      locale: pane.locale,
      timeZone: pane.timeZone,
    };
    const conversation: Conversation = { channel: PLAYGROUND_CHANNEL, id: conversationId, personal: role === 'admin', address: { conversationId } };

    let turn;
    try {
      turn = await options.core.handle(speaker, conversation, inbound);
    } catch (error) {
      report(error, `turn in ${conversationId}`);
      post(conversationId, [{ type: 'text', text: SORRY[pane.lang] }], pane.lang, activity.id);
      return;
    }
    pane.lang = turn.lang;
    post(conversationId, turn.replies, turn.lang, activity.id);
    if (turn.claimStaffChannel) registerStaffPane(conversationId);
    if (turn.outgoing.length > 0) {
      try {
        await deliver(turn.outgoing);
      } catch (error) {
        report(error, `delivery after a turn in ${conversationId}`);
      }
    }
    if (joined && role === 'staff') await refreshCards(conversationId, turn.lang);
  }

  const router = Router();
  router.use('/v3/directline', directLine.router);
  return { router, delivery, directLine };
}
