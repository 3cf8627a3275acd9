import type { webApi } from '@slack/bolt';
import type { Lang } from '../../domain/lang.ts';
import { isRecord } from '../cards/inbound.ts';
import type { ChannelDelivery } from '../core/delivery.ts';
import type { Reply } from '../core/types.ts';
import { fallbackText, renderBlocks, type Block, type HomeView } from './block-kit.ts';

/** Where a Slack message lives, to update it later. */
export type SlackMessageRef = { channel: string; ts: string };

/** Staff cards posted per submission, so a decision updates the card in place (the lead wires it to the store). */
export type SlackCardRefStore = {
  get(key: string): Promise<SlackMessageRef | null>;
  set(key: string, ref: SlackMessageRef): Promise<void>;
};

/** A person's address as stored by the core: their DM with the bot, and who they are. */
export type SlackAddress = { channel: string; user: string };

export type SlackLogger = (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;

/** The key of a staff card: per channel, per submission. */
export function cardKey(channel: string, submissionId: string): string {
  return `${channel}:${submissionId}`;
}

export function asAddress(address: Record<string, unknown> | null | undefined): SlackAddress | null {
  if (!address || typeof address['channel'] !== 'string' || !address['channel']) return null;
  return { channel: address['channel'], user: typeof address['user'] === 'string' ? address['user'] : '' };
}

export type SlackDeliveryOptions = {
  client: webApi.WebClient;
  /** The staff channel: claimed with “use this channel for approvals”, else SLACK_STAFF_CHANNEL. */
  staffChannel: () => Promise<string | undefined>;
  cardRefs: SlackCardRefStore;
  staffLang: Lang;
  /** The person's App Home as it stands, and their language; republished after each proactive message. */
  home?: (address: SlackAddress) => Promise<{ view: HomeView; lang: Lang }>;
  log: SlackLogger;
};

/** Slack errors that mean "this message cannot be edited any more": post a new one instead. */
const GONE = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed', 'channel_not_found', 'is_archived']);

function platformError(error: unknown): string | undefined {
  if (!isRecord(error) || !isRecord(error['data'])) return undefined;
  const code = error['data']['error'];
  return typeof code === 'string' ? code : undefined;
}

/**
 * Messages through the Slack Web API. A failure throws, so the outbox row that asked for
 * it is retried; a 429 is waited out and retried by the WebClient itself.
 */
export class SlackDelivery implements ChannelDelivery {
  readonly channel = 'slack';

  constructor(private readonly options: SlackDeliveryOptions) {}

  async sendToPerson(address: Record<string, unknown>, replies: Reply[]): Promise<void> {
    const to = asAddress(address);
    if (!to) throw new Error('slack: the stored address has no channel');
    const home = to.user && this.options.home ? await this.options.home(to).catch((error: unknown) => this.warn('could not build the App Home', error)) : undefined;
    const lang = home?.lang ?? 'en';
    for (const reply of replies) await this.post(to.channel, reply, lang);
    // The Home shows where the person stands; a failure there must not resend the messages.
    if (home) await this.options.client.views.publish({ user_id: to.user, view: home.view }).catch((error: unknown) => this.warn('could not publish the App Home', error));
  }

  async postToStaff(replies: Reply[], cardFor?: string): Promise<void> {
    const channel = await this.options.staffChannel();
    if (!channel) return;
    const lang = this.options.staffLang;
    for (const [index, reply] of replies.entries()) {
      const submissionId = reply.type === 'approval' ? reply.submissionId : index === 0 ? cardFor : undefined;
      const key = submissionId ? cardKey(channel, submissionId) : undefined;
      const earlier = key && cardFor !== undefined && submissionId === cardFor ? await this.options.cardRefs.get(key) : null;
      if (earlier && (await this.update(earlier, reply, lang))) continue;
      const ts = await this.post(channel, reply, lang);
      if (key && ts) await this.options.cardRefs.set(key, { channel, ts });
    }
  }

  /** Posts one reply; returns the message's ts. */
  async post(channel: string, reply: Reply, lang: Lang, threadTs?: string): Promise<string | undefined> {
    const { text, blocks } = renderBlocks(reply, lang);
    return this.postBlocks(channel, text, blocks, threadTs);
  }

  /** Posts plain text (already a sentence of ours, escaped here). */
  async postText(channel: string, text: string, threadTs?: string): Promise<string | undefined> {
    return this.postBlocks(channel, fallbackText(text), undefined, threadTs);
  }

  private async postBlocks(channel: string, text: string, blocks: Block[] | undefined, threadTs?: string): Promise<string | undefined> {
    const result = await this.options.client.chat.postMessage({
      channel,
      text,
      ...(blocks ? { blocks } : {}),
      ...(threadTs ? { thread_ts: threadTs } : {}),
      unfurl_links: false,
      unfurl_media: false,
    });
    return result.ts;
  }

  /** A reply only `user` sees, in `channel`. */
  async ephemeral(channel: string, user: string, reply: Reply, lang: Lang): Promise<void> {
    const { text, blocks } = renderBlocks(reply, lang);
    await this.options.client.chat.postEphemeral({ channel, user, text, blocks });
  }

  /** Replaces a message; false when Slack no longer lets us (deleted, archived, too old). */
  async update(ref: SlackMessageRef, reply: Reply, lang: Lang): Promise<boolean> {
    const { text, blocks } = renderBlocks(reply, lang);
    try {
      await this.options.client.chat.update({ channel: ref.channel, ts: ref.ts, text, blocks });
      return true;
    } catch (error) {
      const code = platformError(error);
      if (!code || !GONE.has(code)) throw error;
      this.options.log('warn', `slack: could not update ${ref.channel}/${ref.ts} (${code}); posting a new message`);
      return false;
    }
  }

  private warn(what: string, error: unknown): undefined {
    this.options.log('warn', `slack: ${what}: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}
