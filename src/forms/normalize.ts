import { matchOption, matchOptions, optionsFor } from './choices.ts';
import type { AnswerValue, FieldDefinition, FieldErrorCode, ValidationContext } from './types.ts';

/**
 * Per-type parsing of one raw answer into its stored form. Returns a problem code (plus
 * what a message needs) rather than words; `messages.ts` turns problems into text.
 */
export type Problem =
  | { readonly code: Exclude<FieldErrorCode, 'tooShort' | 'tooLong' | 'invalidChoice'> }
  | { readonly code: 'tooShort' | 'tooLong'; readonly limit: number; readonly length: number }
  | { readonly code: 'invalidChoice'; readonly item?: string };

export type Parsed =
  | { readonly ok: true; readonly value: AnswerValue | undefined }
  | { readonly ok: false; readonly problem: Problem };

const DEFAULT_MAX_LENGTH = { text: 200, longText: 2000, url: 2048 } as const;

/** The length bounds applied to a text-like field. */
export function lengthLimits(field: FieldDefinition): { min: number; max: number } {
  const fallback =
    field.type === 'longText' ? DEFAULT_MAX_LENGTH.longText : field.type === 'url' ? DEFAULT_MAX_LENGTH.url : DEFAULT_MAX_LENGTH.text;
  return { min: field.minLength ?? 0, max: field.maxLength ?? fallback };
}

export const YES = 'yes';

/** True when nothing was answered: absent, blank text, or an empty list. */
export function isBlank(raw: unknown): boolean {
  if (raw === undefined || raw === null) return true;
  if (typeof raw === 'string') return raw.trim() === '';
  if (Array.isArray(raw)) return raw.every((item) => typeof item === 'string' && item.trim() === '');
  return false;
}

const fail = (problem: Problem): Parsed => ({ ok: false, problem });
const accept = (value: AnswerValue): Parsed => ({ ok: true, value });

export function parseField(field: FieldDefinition, raw: unknown, ctx: ValidationContext): Parsed {
  if (isBlank(raw)) return blank(field);
  switch (field.type) {
    case 'text':
    case 'longText':
      return parseText(field, raw);
    case 'email':
      return parseWith(raw, normalizeEmail, 'invalidEmail');
    case 'phone':
      return parseWith(typeof raw === 'number' ? String(raw) : raw, normalizePhone, 'invalidPhone');
    case 'url':
      return parseUrl(field, raw);
    case 'postalCode':
      return parseWith(raw, normalizePostalCode, 'invalidPostalCode');
    case 'province': {
      const option = typeof raw === 'string' || typeof raw === 'number' ? matchOption(optionsFor(field), raw) : undefined;
      return option ? accept(option.value) : fail({ code: 'invalidProvince' });
    }
    case 'singleChoice':
      return parseSingleChoice(field, raw, ctx);
    case 'multiChoice':
      return parseMultiChoice(field, raw, ctx);
    case 'integer':
      return parseInteger(field, raw);
    case 'date':
      return parseDate(field, raw, ctx);
  }
}

function blank(field: FieldDefinition): Parsed {
  if (field.confirmation) return fail({ code: 'mustConfirm' });
  return field.required ? fail({ code: 'required' }) : { ok: true, value: undefined };
}

function parseWith(
  raw: unknown,
  normalize: (text: string) => string | undefined,
  code: Exclude<FieldErrorCode, 'tooShort' | 'tooLong' | 'invalidChoice'>,
): Parsed {
  const value = typeof raw === 'string' ? normalize(raw) : undefined;
  return value === undefined ? fail({ code }) : accept(value);
}

// ---- text ------------------------------------------------------------------------

/**
 * C0/C1 control characters other than tab, line feed and carriage return (which are
 * whitespace and get collapsed), and the bidirectional embedding/override/isolate
 * characters that can make displayed text differ from what is stored, and lone UTF-16
 * surrogates (not encodable as UTF-8).
 */
export function hasForbiddenCharacters(text: string): boolean {
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    if (c <= 0x1f && c !== 0x09 && c !== 0x0a && c !== 0x0d) return true;
    if (c >= 0x7f && c <= 0x9f) return true;
    if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) return true;
    if (c >= 0xd800 && c <= 0xdfff) return true;
  }
  return false;
}

/** Single line: every run of whitespace (line breaks included) becomes one space. */
export function normalizeLine(text: string): string {
  return text.normalize('NFC').replace(/\s+/gu, ' ').trim();
}

/** Multiline: spaces collapsed within lines, at most one blank line between paragraphs. */
export function normalizeMultiline(text: string): string {
  return text
    .normalize('NFC')
    .replace(/\r\n?|[\u2028\u2029]/gu, '\n')
    .split('\n')
    .map((line) => line.replace(/\s+/gu, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/gu, '\n\n')
    .trim();
}

function parseText(field: FieldDefinition, raw: unknown): Parsed {
  if (typeof raw !== 'string' && typeof raw !== 'number') return fail({ code: 'invalidText' });
  const input = String(raw);
  if (hasForbiddenCharacters(input)) return fail({ code: 'invalidText' });
  const value = field.type === 'longText' ? normalizeMultiline(input) : normalizeLine(input);
  const length = [...value].length;
  const { min, max } = lengthLimits(field);
  if (length < min) return fail({ code: 'tooShort', limit: min, length });
  if (length > max) return fail({ code: 'tooLong', limit: max, length });
  return accept(value);
}

// ---- email, url ------------------------------------------------------------------

const HOST_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const TOP_LEVEL_DOMAIN = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/** A public DNS name (at least two labels, alphabetic TLD), lower-cased and IDN-encoded. */
function normalizeHostname(host: string): string | undefined {
  if (host === '' || /[\s/\\:?#@[\]%]/u.test(host)) return undefined;
  let hostname: string;
  try {
    hostname = new URL(`http://${host}`).hostname;
  } catch {
    return undefined;
  }
  const labels = hostname.split('.');
  const tld = labels[labels.length - 1] ?? '';
  if (hostname.length > 253 || labels.length < 2 || !TOP_LEVEL_DOMAIN.test(tld)) return undefined;
  return labels.every((label) => HOST_LABEL.test(label)) ? hostname : undefined;
}

const EMAIL_LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

/**
 * `Name@Example.ORG` → `Name@example.org`: an unquoted dot-atom local part (kept as
 * typed: it may be case-sensitive) and a public domain (lower-cased).
 */
export function normalizeEmail(input: string): string | undefined {
  const text = input.trim().replace(/^mailto:/iu, '');
  const at = text.lastIndexOf('@');
  if (at <= 0 || text.length > 254) return undefined;
  const local = text.slice(0, at);
  const domain = normalizeHostname(text.slice(at + 1));
  if (local.length > 64 || !EMAIL_LOCAL_PART.test(local) || domain === undefined) return undefined;
  return `${local}@${domain}`;
}

/**
 * `example.org` → `https://example.org/`. Only http(s), no credentials, a public DNS
 * host (no bare IP addresses or `localhost`). Returns the WHATWG-serialized URL.
 */
export function normalizeUrl(input: string): string | undefined {
  const text = input.trim();
  if (text === '' || /\s/u.test(text) || hasForbiddenCharacters(text)) return undefined;
  let candidate: string;
  if (/^[a-z][a-z0-9+.-]*:\/\//iu.test(text)) candidate = text;
  else if (text.startsWith('//')) candidate = `https:${text}`;
  // Another scheme (`mailto:`, `javascript:`), but not a host with a port (`example.org:8080`).
  else if (/^[a-z][a-z0-9+.-]*:(?!\d)/iu.test(text)) return undefined;
  else candidate = `https://${text}`;
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username !== '' || url.password !== '') return undefined;
  if (normalizeHostname(url.hostname) === undefined) return undefined;
  return url.href;
}

function parseUrl(field: FieldDefinition, raw: unknown): Parsed {
  if (typeof raw !== 'string') return fail({ code: 'invalidUrl' });
  const value = normalizeUrl(raw);
  if (value === undefined) return fail({ code: 'invalidUrl' });
  const { max } = lengthLimits(field);
  const length = [...value].length;
  return length > max ? fail({ code: 'tooLong', limit: max, length }) : accept(value);
}

// ---- phone, postal code ----------------------------------------------------------

/**
 * A North American (NANP) number → E.164 `+1NPANXXXXXX`. Accepts spaces, dots, dashes,
 * parentheses, a leading `+1` or `1`. Area code and exchange start with 2–9 and are not
 * N11 service codes (911, 411…). Extensions are not accepted.
 */
export function normalizePhone(input: string): string | undefined {
  const text = input.trim();
  if (!/^\+?[\d\s().\u2010-\u2015-]+$/u.test(text)) return undefined;
  let digits = text.replace(/\D/gu, '');
  if (text.startsWith('+') && !digits.startsWith('1')) return undefined;
  if (digits.length === 11 && digits.startsWith('1')) digits = digits.slice(1);
  if (!/^[2-9]\d{2}[2-9]\d{6}$/u.test(digits)) return undefined;
  if (digits.slice(1, 3) === '11' || digits.slice(4, 6) === '11') return undefined;
  return `+1${digits}`;
}

/**
 * Canada Post rules: letter-digit-letter digit-letter-digit; never D, F, I, O, Q or U;
 * the first letter is not W or Z. `b3h4r2` → `B3H 4R2`.
 */
const POSTAL_CODE = /^([ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z])(\d[ABCEGHJ-NPRSTV-Z]\d)$/u;

export function normalizePostalCode(input: string): string | undefined {
  const m = POSTAL_CODE.exec(input.replace(/[\s-]/gu, '').toUpperCase());
  return m ? `${m[1]} ${m[2]}` : undefined;
}

// ---- choices ---------------------------------------------------------------------

function parseSingleChoice(field: FieldDefinition, raw: unknown, ctx: ValidationContext): Parsed {
  const options = optionsFor(field, ctx);
  let input: string | number | undefined;
  if (typeof raw === 'string' || typeof raw === 'number') input = raw;
  else if (typeof raw === 'boolean' && field.confirmation) input = raw ? (options[0]?.value ?? YES) : undefined;
  const option = input === undefined ? undefined : matchOption(options, input);
  if (option) return accept(option.value);
  if (field.confirmation) return fail({ code: 'mustConfirm' });
  return fail({ code: 'invalidChoice', item: typeof raw === 'string' ? raw.trim() : undefined });
}

function parseMultiChoice(field: FieldDefinition, raw: unknown, ctx: ValidationContext): Parsed {
  const options = optionsFor(field, ctx);
  let input: string | readonly unknown[];
  if (typeof raw === 'string' || Array.isArray(raw)) input = raw;
  else if (typeof raw === 'number') input = [raw];
  else return fail({ code: 'invalidChoice' });
  const result = matchOptions(options, input);
  if (!result.ok) return fail({ code: 'invalidChoice', item: result.unknown });
  return result.values.length === 0 ? blank(field) : accept(result.values);
}

// ---- integer, date ---------------------------------------------------------------

/** Digits, optionally grouped by thousands with commas or (non-breaking) spaces: `1 200`, `1,200`. */
const PLAIN_INTEGER = /^[+-]?\d+$/u;
const GROUPED_INTEGER = /^[+-]?\d{1,3}(?:(,)\d{3}(?:,\d{3})*|(\s)\d{3}(?:\s\d{3})*)$/u;

function parseInteger(field: FieldDefinition, raw: unknown): Parsed {
  let n: number;
  if (typeof raw === 'number') {
    n = raw;
  } else if (typeof raw === 'string') {
    const text = raw.trim();
    if (!PLAIN_INTEGER.test(text) && !GROUPED_INTEGER.test(text)) return fail({ code: 'notAnInteger' });
    n = Number(text.replace(/[,\s]/gu, ''));
  } else {
    return fail({ code: 'notAnInteger' });
  }
  if (!Number.isInteger(n)) return fail({ code: 'notAnInteger' });
  if (!Number.isSafeInteger(n)) return fail({ code: field.min !== undefined || field.max !== undefined ? 'outOfRange' : 'notAnInteger' });
  if ((field.min !== undefined && n < field.min) || (field.max !== undefined && n > field.max)) {
    return fail({ code: 'outOfRange' });
  }
  return accept(n === 0 ? 0 : n); // no -0
}

/** A real calendar date written `YYYY-MM-DD`. */
export function isIsoDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/u.exec(text);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return day <= days;
}

function parseDate(field: FieldDefinition, raw: unknown, ctx: ValidationContext): Parsed {
  const text = typeof raw === 'string' ? raw.trim() : '';
  if (!isIsoDate(text)) return fail({ code: 'invalidDate' });
  // ISO dates compare correctly as strings.
  if (field.notInPast && ctx.today !== undefined && text < ctx.today) return fail({ code: 'dateInPast' });
  return accept(text);
}
