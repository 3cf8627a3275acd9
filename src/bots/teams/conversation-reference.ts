import type { ConversationReference } from 'botbuilder';
import { isRecord } from '../cards/inbound.ts';

/**
 * Conversation references are stored as plain JSON (a person's address, the staff
 * channel) and read back untrusted: these helpers check their shape and normalise them.
 */

export type Reference = Partial<ConversationReference> & { serviceUrl: string; conversation: ConversationReference['conversation'] };

/** A stored address, if it is a usable Bot Framework conversation reference. */
export function asReference(value: unknown): Reference | null {
  if (!isRecord(value) || typeof value['serviceUrl'] !== 'string' || !value['serviceUrl']) return null;
  const conversation = value['conversation'];
  if (!isRecord(conversation) || typeof conversation['id'] !== 'string' || !conversation['id']) return null;
  // Shape checked above; the remaining fields are optional for the connector.
  return value as Reference;
}

/** A Teams channel's id without the thread part (`19:…@thread.tacv2;messageid=123`). */
export function channelConversationId(id: string): string {
  return id.replace(/;messageid=\d+$/i, '');
}

/**
 * The staff conversation as it is kept: the channel itself (so each card is a new post,
 * not a reply in the thread where someone typed the claim), with no user or message id.
 */
export function staffReference(reference: Partial<ConversationReference>): Record<string, unknown> {
  const { activityId: _activityId, user: _user, ...rest } = reference;
  const conversation = rest.conversation ? { ...rest.conversation, id: channelConversationId(rest.conversation.id) } : undefined;
  return { ...rest, ...(conversation ? { conversation } : {}) };
}

/** A reference for a conversation known only by id (`TEAMS_STAFF_CONVERSATION_ID`). */
export function configuredReference(conversationId: string, serviceUrl: string, appId: string | undefined): Reference {
  return {
    channelId: 'msteams',
    serviceUrl,
    conversation: { id: conversationId, isGroup: true, conversationType: 'channel', name: '' },
    ...(appId ? { bot: { id: `28:${appId}`, name: '' } } : {}),
  };
}
