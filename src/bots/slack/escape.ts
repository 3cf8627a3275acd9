/**
 * Slack reads `&`, `<` and `>` as control characters in every text it shows: `<!channel>`
 * pings a channel, `<@U123>` mentions someone, `<https://x|y>` is a link. Everything the
 * assistant shows may hold what a person typed (an organization name, a reason), so each
 * string is escaped before it goes into a message, a view or a fallback `text`. Slack
 * decodes these three entities for display, in `plain_text` as in `mrkdwn`.
 */
export function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** What people type arrives with the same three characters escaped: read it back as typed. */
export function unescapeText(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Escapes, then keeps within Slack's `max` characters without cutting an entity in half. */
export function escapeClip(text: string, max: number): string {
  const escaped = escapeText(text);
  if (escaped.length <= max) return escaped;
  return `${escaped.slice(0, Math.max(0, max - 1)).replace(/&[a-z]{0,3}$/, '')}…`;
}

/** Keeps an already safe string (ids, JSON) within `max` characters. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}
