/**
 * iCalendar (RFC 5545) invitations for onboarding sessions, with iTIP methods (RFC 5546):
 * `REQUEST` to invite or update, `CANCEL` to take the event out of the calendar. No
 * dependency: a calendar here is one event, and the rules that matter are few.
 *
 * - One UID per booking, stable across updates; SEQUENCE grows with each new version, so
 *   calendars replace the event instead of adding another.
 * - Times are UTC (`…Z`): every client agrees on UTC, while a TZID would need a VTIMEZONE
 *   block. The slot's zone travels as `X-WR-TIMEZONE` for clients that display it.
 * - TEXT values escape `\`, `;`, `,` and newlines; parameter values are quoted when they
 *   hold `:`, `;` or `,`; no value can inject a line (CR/LF are escaped or removed).
 * - Lines are folded at 75 octets (never inside a UTF-8 sequence) and end with CRLF.
 *
 * `parseIcs` reads a calendar back (unfolding, parameters, TEXT unescaping): tests use it
 * to check what was mailed, and it accepts bare LF line ends as mail clients produce them.
 */

export type IcsMethod = 'REQUEST' | 'CANCEL';

export type IcsPerson = { readonly name: string; readonly email: string };

export type IcsEvent = {
  readonly method: IcsMethod;
  readonly uid: string;
  readonly sequence: number;
  /** When this version of the invitation was made (DTSTAMP). */
  readonly stamp: Date;
  readonly start: Date;
  readonly end: Date;
  /** IANA zone of the event, for display (`X-WR-TIMEZONE`). */
  readonly timeZone: string;
  readonly summary: string;
  readonly description: string;
  /** Language of SUMMARY and DESCRIPTION (`en-CA`, `fr-CA`). */
  readonly language?: string | undefined;
  readonly location?: string | undefined;
  readonly url?: string | undefined;
  readonly organizer: IcsPerson;
  readonly attendee: IcsPerson;
  readonly productId?: string | undefined;
};

const CRLF = '\r\n';

/** The calendar UID of a booking (kept by the booking when it moves to another slot). */
export function bookingCalendarUid(bookingId: string): string {
  return `booking-${bookingId}@onboarding-assistant`;
}
const DEFAULT_PRODUCT_ID = '-//Onboarding Assistant//Onboarding sessions//EN';

/** The calendar as an RFC 5545 text (CRLF line ends, folded lines). */
export function buildIcs(event: IcsEvent): string {
  const lang: Record<string, string> = event.language ? { LANGUAGE: event.language } : {};
  const cancelled = event.method === 'CANCEL';
  const lines: string[] = [
    'BEGIN:VCALENDAR',
    contentLine('PRODID', {}, text(event.productId ?? DEFAULT_PRODUCT_ID)),
    'VERSION:2.0',
    'CALSCALE:GREGORIAN',
    `METHOD:${event.method}`,
    contentLine('X-WR-TIMEZONE', {}, text(event.timeZone)),
    'BEGIN:VEVENT',
    contentLine('UID', {}, text(event.uid)),
    `SEQUENCE:${Math.max(0, Math.trunc(event.sequence))}`,
    `DTSTAMP:${formatUtc(event.stamp)}`,
    `DTSTART:${formatUtc(event.start)}`,
    `DTEND:${formatUtc(event.end)}`,
    contentLine('SUMMARY', lang, text(event.summary)),
    contentLine('DESCRIPTION', lang, text(event.description)),
    ...(event.location ? [contentLine('LOCATION', {}, text(event.location))] : []),
    ...(event.url ? [contentLine('URL', {}, uri(event.url))] : []),
    contentLine('ORGANIZER', { CN: event.organizer.name }, mailto(event.organizer.email)),
    contentLine(
      'ATTENDEE',
      { CN: event.attendee.name, CUTYPE: 'INDIVIDUAL', ROLE: 'REQ-PARTICIPANT', PARTSTAT: 'NEEDS-ACTION', RSVP: 'FALSE' },
      mailto(event.attendee.email),
    ),
    `STATUS:${cancelled ? 'CANCELLED' : 'CONFIRMED'}`,
    `TRANSP:${cancelled ? 'TRANSPARENT' : 'OPAQUE'}`,
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return lines.map(foldLine).join(CRLF) + CRLF;
}

/** `20260309T130000Z`: the UTC DATE-TIME form. */
export function formatUtc(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('invalid date in calendar event');
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** TEXT escaping (RFC 5545 §3.3.11): backslash, semicolon, comma, newlines. */
export function escapeText(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n');
}

/** The reverse of `escapeText`. */
export function unescapeText(value: string): string {
  return value.replace(/\\([\\;,nN])/g, (_m, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

/**
 * Folds a content line (RFC 5545 §3.1): at most 75 octets per line, continuation lines
 * starting with one space; a multi-byte character is never split.
 */
export function foldLine(line: string): string {
  const out: string[] = [];
  let current = '';
  let octets = 0;
  for (const ch of line) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (octets + size > 75) {
      out.push(current);
      current = ' ';
      octets = 1;
    }
    current += ch;
    octets += size;
  }
  out.push(current);
  return out.join(CRLF);
}

// ------------------------------------------------------------------ writing helpers

/** A value already in its final form: TEXT escaped, URI or CAL-ADDRESS cleaned. */
type Encoded = { readonly encoded: string };

function text(value: string): Encoded {
  // eslint-disable-next-line no-control-regex -- control characters other than newlines are not allowed in TEXT
  return { encoded: escapeText(value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')) };
}

function uri(value: string): Encoded {
  // eslint-disable-next-line no-control-regex -- a URI has no whitespace or control characters
  return { encoded: value.trim().replace(/[\u0000-\u0020\u007f]/g, '') };
}

function mailto(address: string): Encoded {
  // eslint-disable-next-line no-control-regex -- an address cannot carry a line break
  return { encoded: `mailto:${address.trim().replace(/[\u0000-\u0020\u007f<>"]/g, '')}` };
}

/** A parameter value (§3.2): no DQUOTE or control characters; quoted when it holds `:;,`. */
function paramValue(value: string): string {
  // eslint-disable-next-line no-control-regex -- parameter values cannot hold control characters
  const clean = value.replace(/[\u0000-\u001f\u007f"]/g, ' ').replace(/\s+/g, ' ').trim();
  return /[:;,]/.test(clean) ? `"${clean}"` : clean;
}

function contentLine(name: string, params: Readonly<Record<string, string>>, value: Encoded): string {
  const p = Object.entries(params)
    .filter(([, v]) => v.trim() !== '')
    .map(([k, v]) => `;${k}=${paramValue(v)}`)
    .join('');
  return `${name}${p}:${value.encoded}`;
}

// ------------------------------------------------------------------ reading

export type IcsProperty = {
  readonly name: string;
  readonly params: Readonly<Record<string, string>>;
  /** The raw value, still escaped (use `icsText` for TEXT values). */
  readonly value: string;
};

export type IcsComponent = {
  readonly name: string;
  readonly properties: readonly IcsProperty[];
  readonly components: readonly IcsComponent[];
};

/** Unfolds and parses a calendar; returns its outermost component (VCALENDAR). */
export function parseIcs(source: string): IcsComponent {
  const lines = source
    .replace(/\r\n|\r|\n/g, '\n')
    .replace(/\n[ \t]/g, '')
    .split('\n')
    .filter((l) => l !== '');
  type Building = { name: string; properties: IcsProperty[]; components: IcsComponent[] };
  const stack: Building[] = [];
  let root: IcsComponent | undefined;
  for (const line of lines) {
    const property = parseContentLine(line);
    if (property.name === 'BEGIN') {
      stack.push({ name: property.value.toUpperCase(), properties: [], components: [] });
      continue;
    }
    const current = stack.at(-1);
    if (!current) throw new SyntaxError(`calendar line outside a component: ${line.slice(0, 40)}`);
    if (property.name === 'END') {
      if (property.value.toUpperCase() !== current.name) throw new SyntaxError(`END:${property.value} closes ${current.name}`);
      stack.pop();
      const done: IcsComponent = current;
      const parent = stack.at(-1);
      if (parent) parent.components.push(done);
      else root = done;
      continue;
    }
    current.properties.push(property);
  }
  if (stack.length > 0 || !root) throw new SyntaxError('calendar is not closed');
  return root;
}

function parseContentLine(line: string): IcsProperty {
  // name *(";" param) ":" value — a quoted parameter value may hold ":" and ";".
  let i = 0;
  const readUntil = (stops: string): string => {
    let out = '';
    let quoted = false;
    for (; i < line.length; i++) {
      const c = line[i]!;
      if (c === '"') quoted = !quoted;
      else if (!quoted && stops.includes(c)) break;
      out += c;
    }
    return out;
  };
  const name = readUntil(';:').toUpperCase();
  const params: Record<string, string> = {};
  while (line[i] === ';') {
    i++;
    const key = readUntil('=;:').toUpperCase();
    let value = '';
    if (line[i] === '=') {
      i++;
      value = readUntil(';:');
    }
    params[key] = value.startsWith('"') && value.endsWith('"') && value.length >= 2 ? value.slice(1, -1) : value;
  }
  if (line[i] !== ':' || !name) throw new SyntaxError(`not a content line: ${line.slice(0, 40)}`);
  return { name, params, value: line.slice(i + 1) };
}

/** The first property of that name. */
export function icsProperty(component: IcsComponent, name: string): IcsProperty | undefined {
  const wanted = name.toUpperCase();
  return component.properties.find((p) => p.name === wanted);
}

/** A TEXT property, unescaped. */
export function icsText(component: IcsComponent, name: string): string | undefined {
  const p = icsProperty(component, name);
  return p && unescapeText(p.value);
}

/** A DATE-TIME property in UTC form (`…Z`) as a Date; undefined when absent or not UTC. */
export function icsDate(component: IcsComponent, name: string): Date | undefined {
  const m = icsProperty(component, name)?.value.match(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s));
}

/** The sub-components of that name (`VEVENT`s of a calendar). */
export function icsComponents(component: IcsComponent, name: string): IcsComponent[] {
  const wanted = name.toUpperCase();
  return component.components.filter((c) => c.name === wanted);
}
