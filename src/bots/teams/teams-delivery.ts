import type { CloudAdapter, TurnContext } from 'botbuilder';
import { langFromLocale } from '../../domain/lang.ts';
import { isRecord } from '../cards/inbound.ts';
import type { ChannelDelivery } from '../core/delivery.ts';
import type { Reply } from '../core/types.ts';
import { replyActivity } from './activities.ts';
import { asReference, configuredReference, type Reference } from './conversation-reference.ts';

/** Where the staff conversation is kept (the lead wires it to the database's settings). */
export type StaffConversationStore = {
  get(): Promise<Record<string, unknown> | null>;
  set(reference: Record<string, unknown>): Promise<void>;
};

/** Ids of cards posted to the staff conversation, so a decision updates the card in place. */
export type CardRefStore = {
  get(key: string): Promise<string | null>;
  set(key: string, activityId: string): Promise<void>;
};

export type TeamsLogger = (level: 'info' | 'warn' | 'error', message: string) => void;

export type TeamsDeliveryOptions = {
  adapter: CloudAdapter;
  appId: string | undefined;
  staffConversation: StaffConversationStore;
  cardRefs: CardRefStore;
  /** `TEAMS_STAFF_CONVERSATION_ID`: used when no channel was claimed with “use this channel for approvals”. */
  configuredStaffConversationId: string | undefined;
  /** The connector URL for a conversation known only by id (the last one Teams used, or the default). */
  serviceUrl: () => string;
  log: TeamsLogger;
};

/** The key under which a card's activity id is kept: per conversation, per submission. */
export function cardKey(conversationId: string, submissionId: string): string {
  return `teams:${conversationId}:${submissionId}`;
}

/**
 * Proactive messages through the Bot Connector (`continueConversationAsync`). A failure
 * throws, so the outbox row that asked for it is retried.
 */
export class TeamsDelivery implements ChannelDelivery {
  readonly channel = 'teams';

  constructor(private readonly options: TeamsDeliveryOptions) {}

  async sendToPerson(address: Record<string, unknown>, replies: Reply[]): Promise<void> {
    const reference = asReference(address);
    if (!reference) throw new Error('teams: the stored address is not a conversation reference');
    const lang = langFromLocale(reference.locale);
    await this.continue(reference, async (ctx) => {
      if (replies.length > 0) await ctx.sendActivities(replies.map((reply) => replyActivity(reply, lang)));
    });
  }

  async postToStaff(replies: Reply[], cardFor?: string): Promise<void> {
    const reference = await this.staffReference();
    if (!reference) return;
    const lang = langFromLocale(reference.locale);
    const conversationId = reference.conversation.id;
    await this.continue(reference, async (ctx) => {
      for (const [index, reply] of replies.entries()) {
        // The card about a submission: an approval card, or the first reply when `cardFor` is given.
        const submissionId = reply.type === 'approval' ? reply.submissionId : index === 0 ? cardFor : undefined;
        const key = submissionId ? cardKey(conversationId, submissionId) : undefined;
        const activity = replyActivity(reply, lang);
        const earlier = key && cardFor !== undefined && submissionId === cardFor ? await this.options.cardRefs.get(key) : null;
        if (earlier && (await this.update(ctx, { ...activity, id: earlier }))) continue;
        const sent = await ctx.sendActivity(activity);
        if (key && sent?.id) await this.options.cardRefs.set(key, sent.id);
      }
    });
  }

  /** The claimed staff channel, else the configured one, else none (nothing is posted). */
  async staffReference(): Promise<Reference | null> {
    const stored = asReference(await this.options.staffConversation.get());
    if (stored) return stored;
    const configured = this.options.configuredStaffConversationId;
    return configured ? configuredReference(configured, this.options.serviceUrl(), this.options.appId) : null;
  }

  private async continue(reference: Reference, send: (ctx: TurnContext) => Promise<void>): Promise<void> {
    const { activityId: _activityId, ...withoutMessage } = reference;
    // Failures must reach the caller (the outbox retries), whatever the adapter's turn-error policy.
    let failure: { error: unknown } | undefined;
    await this.options.adapter.continueConversationAsync(this.options.appId ?? '', withoutMessage, async (ctx) => {
      // The continuation activity carries a made-up id; sent activities would become replies
      // to it. Without one they are new messages (in a channel: new posts).
      ctx.activity.id = undefined;
      try {
        await send(ctx);
      } catch (error) {
        failure = { error };
      }
    });
    if (failure) throw failure.error;
  }

  /** Replaces an earlier card; false when Teams no longer has it (deleted, too old). */
  private async update(ctx: TurnContext, activity: Parameters<TurnContext['updateActivity']>[0]): Promise<boolean> {
    try {
      await ctx.updateActivity(activity);
      return true;
    } catch (error) {
      const status = isRecord(error) && typeof error['statusCode'] === 'number' ? error['statusCode'] : undefined;
      if (status === undefined || status === 429 || status < 400 || status >= 500) throw error;
      this.options.log('warn', `teams: could not update card ${activity.id ?? ''} (HTTP ${status}); posting a new one`);
      return false;
    }
  }
}
