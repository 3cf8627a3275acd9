import type { Activity } from 'botbuilder';
import type { Lang } from '../../domain/lang.ts';
import { ADAPTIVE_CARD_CONTENT_TYPE, needsCard, renderActivityParts, renderAdaptiveCard, type AdaptiveCard } from '../cards/adaptive.ts';
import type { Reply } from '../core/types.ts';

/**
 * Replies as Teams message activities. Cards use `Action.Execute` (Universal Actions). A
 * card's fallback text goes in `summary` (what notifications and the activity feed show):
 * Teams would print `text` above the card, saying everything twice. Plain messages are
 * marked `textFormat: 'plain'` so what a person typed is never read as Markdown.
 */
export function replyActivity(reply: Reply, lang: Lang): Partial<Activity> {
  const { text, attachments } = renderActivityParts(reply, { actions: 'execute', lang });
  if (attachments.length === 0) return { type: 'message', text, textFormat: 'plain' };
  return { type: 'message', summary: text, attachments };
}

/** The body of an `adaptiveCard/action` invoke response (Universal Actions response format). */
export type ExecuteResponseBody =
  | { statusCode: 200; type: typeof ADAPTIVE_CARD_CONTENT_TYPE; value: AdaptiveCard }
  | { statusCode: 200; type: 'application/vnd.microsoft.activity.message'; value: string }
  | { statusCode: number; type: 'application/vnd.microsoft.error'; value: { code: string; message: string } };

export function cardResponse(card: AdaptiveCard): ExecuteResponseBody {
  return { statusCode: 200, type: ADAPTIVE_CARD_CONTENT_TYPE, value: card };
}

export function messageResponse(text: string): ExecuteResponseBody {
  return { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: text };
}

export function errorResponse(statusCode: number, code: string, message: string): ExecuteResponseBody {
  return { statusCode, type: 'application/vnd.microsoft.error', value: { code, message } };
}

/**
 * How an `Action.Execute` turn is answered: the first reply that is a card replaces the
 * card that was clicked (returned in the HTTP body) — or, when the turn has no card of its
 * own, `current` (the clicked card in its new state, e.g. a staff card once decided);
 * every other reply is posted as a new message, in order. With no card at all, the replies
 * are posted and the body carries the first one's text (Teams shows it briefly).
 */
export function splitExecuteReplies(replies: readonly Reply[], lang: Lang, current?: Reply): { body: ExecuteResponseBody; others: Reply[] } {
  const index = replies.findIndex(needsCard);
  const card = index >= 0 ? replies[index] : current;
  const others = replies.filter((_, i) => i !== index);
  if (!card) return { body: messageResponse(replies[0]?.text ?? ''), others };
  return { body: cardResponse(renderAdaptiveCard(card, { actions: 'execute', lang })), others };
}
