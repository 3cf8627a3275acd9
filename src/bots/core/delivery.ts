import type { Outgoing, Reply } from './types.ts';

/**
 * How the core reaches people outside the current request: each channel (Teams, Slack,
 * the playground) registers one `ChannelDelivery`. The dispatcher routes the core's
 * `Outgoing` messages to them; a delivery that throws makes the outbox row retry.
 */
export interface ChannelDelivery {
  readonly channel: string;
  /** Sends replies to a person's 1:1 chat, at the address stored when they last wrote. */
  sendToPerson(address: Record<string, unknown>, replies: Reply[]): Promise<void>;
  /**
   * Posts to this channel's staff conversation, if one is configured (else does nothing).
   * With `cardFor` (a submission id), replaces the card posted earlier for that
   * submission when there is one, so every viewer sees the decision.
   */
  postToStaff(replies: Reply[], cardFor?: string): Promise<void>;
}

/** Looks up where a person can be reached: their identities with stored addresses. */
export type AddressBook = (personId: string) => Promise<Array<{ channel: string; address: Record<string, unknown> | null }>>;

export class Dispatcher {
  private readonly deliveries = new Map<string, ChannelDelivery>();

  constructor(private readonly addresses: AddressBook) {}

  register(delivery: ChannelDelivery): void {
    this.deliveries.set(delivery.channel, delivery);
  }

  get channels(): string[] {
    return [...this.deliveries.keys()];
  }

  async deliver(messages: readonly Outgoing[]): Promise<void> {
    for (const message of messages) {
      if (message.to === 'staff') {
        for (const d of this.deliveries.values()) await d.postToStaff(message.replies, message.cardFor);
        continue;
      }
      // A person is told in the channel they used most recently (identities come newest first).
      const where = (await this.addresses(message.personId)).find((a) => a.address && this.deliveries.has(a.channel));
      if (where?.address) await this.deliveries.get(where.channel)!.sendToPerson(where.address, message.replies);
    }
  }
}
