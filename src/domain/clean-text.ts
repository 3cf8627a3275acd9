/**
 * Text that came from outside (typed, or reported by a channel) made storable: PostgreSQL
 * refuses NUL in text and in JSON, and a lone UTF-16 surrogate (a cut emoji, or sent on
 * purpose) cannot be encoded as UTF-8. Control characters other than tab and line breaks
 * carry nothing a person meant; they are dropped. Lone surrogates become U+FFFD, as a
 * browser would show them.
 */
// eslint-disable-next-line no-control-regex -- control characters are what this removes
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function cleanText(value: string): string {
  return wellFormed(value.replace(CONTROLS, ''));
}

/** Lone surrogates (which UTF-8 cannot encode) replaced by U+FFFD; everything else kept. */
export function wellFormed(value: string): string {
  return value.replace(LONE_SURROGATE, '\ufffd');
}

/** `cleanText` on every string inside a JSON-like value (keys included); other values as they are. */
export function cleanDeep<T>(value: T): T {
  if (typeof value === 'string') return cleanText(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => cleanDeep(v)) as T;
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [cleanText(k), cleanDeep(v)])) as T;
  }
  return value;
}
