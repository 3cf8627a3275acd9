import { gzipSync } from 'node:zlib';

/**
 * The bad-input corpus: what a careless client, a hostile one or a person with an unusual
 * keyboard may send to any endpoint. Plain data, shared by every endpoint's section of
 * `bad-input.test.ts`, so a new endpoint gets the whole corpus by looping over it.
 */

export type Sample = readonly [name: string, value: string];

/** Text that breaks naive Unicode handling: storage (NUL, lone surrogates), display (bidi), length (marks). */
export const UNICODE_HOSTILE: readonly Sample[] = [
  ['lone high surrogate', 'Mentors \ud800 Club'],
  ['lone low surrogate', '\udc00Mentors Club'],
  ['NUL byte', 'Mentors\u0000Club'],
  ['RTL override', 'Mentors \u202Eexe.gnp Club'],
  ['zero-width joiners', 'Men\u200Dtors\u200B Cl\u200Cub\u2060'],
  ['10,000 combining marks', `Z${'\u0301'.repeat(10_000)}`],
  ['emoji ZWJ sequences', 'Mentors 👩‍👩‍👧‍👦 🏳️‍🌈 🧑🏽‍🤝‍🧑🏿 Club'],
  ['very long single word', 'Mentoring'.repeat(1_200)],
];

/** Markup and code that must stay text: Slack mrkdwn, HTML, Adaptive Card JSON, spreadsheet formulas, SQL. */
export const INJECTIONS: readonly Sample[] = [
  ['Slack broadcast', '<!channel> <!here> <!everyone> Mentors'],
  ['Slack mention', '<@U123> and <#C123> Mentors'],
  ['Slack link', '<https://evil.example|click here> Mentors'],
  ['HTML script', '<script>alert(1)</script> Mentors'],
  ['HTML img onerror', '"><img src=x onerror=alert(1)> Mentors'],
  ['Adaptive Card fragment', '{"type":"AdaptiveCard","body":[{"type":"TextBlock","text":"pwned"}],"actions":[{"type":"Action.OpenUrl","url":"https://evil.example"}]}'],
  ['CSV formula', '=HYPERLINK("https://evil.example","click")'],
  ['SQL quote', `Robert'); DROP TABLE "Person";--`],
  ['SQL tautology', `' OR '1'='1' --`],
  ['Markdown link', '[click](https://evil.example) **now**'],
];

/** Every hostile text, for loops that try them all. */
export const HOSTILE_TEXT: readonly Sample[] = [...UNICODE_HOSTILE, ...INJECTIONS];

/**
 * One organization name carrying every injection at once (within the 200-character limit),
 * starting with `=` so the CSV export has a formula to neutralise.
 */
export const HOSTILE_NAME = '=HYPERLINK("https://evil.example","x") <!channel> <@U123> <https://evil.example|click> <script>alert(1)</script> <img src=x onerror=alert(2)> [a](https://evil.example)';

/** Bodies that are not JSON at all, or JSON cut short. */
export const MALFORMED_JSON: readonly Sample[] = [
  ['empty body', ''],
  ['open brace', '{'],
  ['truncated object', '{"type":"message","text":"hel'],
  ['trailing comma', '{"type":"message",}'],
  ['single quotes', "{'type':'message'}"],
  ['garbage after the object', '{"type":"message"}garbage'],
  ['bare word', 'undefined'],
  ['NUL only', '\u0000'],
];

/** Valid JSON of the wrong shape: arrays, nulls and scalars where an object is expected. */
export const NOT_AN_OBJECT: readonly Sample[] = [
  ['null', 'null'],
  ['empty array', '[]'],
  ['array of objects', '[{"type":"message","text":"hi"}]'],
  ['string', '"message"'],
  ['number', '42'],
  ['boolean', 'true'],
];

/** Content types no endpoint takes as its body (each endpoint adds the ones it refuses). */
export const WRONG_CONTENT_TYPES: readonly string[] = ['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/octet-stream'];

/** A body of raw bytes (what `fetch` takes; a Node `Buffer` may sit on shared memory, which it does not). */
export type Bytes = Uint8Array<ArrayBuffer>;
const bytes = (b: Buffer): Bytes => new Uint8Array(b);

/** Bytes that are not UTF-8 at all, inside what looks like JSON. */
export const INVALID_UTF8: Bytes = bytes(Buffer.concat([Buffer.from('{"type":"message","text":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]), Buffer.from('"}')]));

export const KB = 1024;
export const MB = 1024 * KB;

/** A value of `bytes` ASCII characters. */
export const filler = (bytes: number, ch = 'x'): string => ch.repeat(bytes);

/** A JSON object of just over 1 MB: every endpoint's body limit is 1 MB or less. */
export const oneMegabyteJson = (): string => JSON.stringify({ type: 'message', text: 'hi', padding: filler(MB) });

/** A gzip body that inflates to 2 MB of JSON (a decompression bomb, small on the wire). */
export const gzipBomb = (): Bytes => bytes(gzipSync(Buffer.from(JSON.stringify({ type: 'message', text: filler(2 * MB) }))));

/** Stack-trace markers: a clear 4xx names the problem, never the code that met it. */
export const STACK_TRACE = /\bat [\w.<>]+ \(|node_modules|\.ts:\d+:\d+/;

/**
 * `encodeURIComponent`, except that a lone surrogate (which it refuses) is sent as the
 * three bytes a careless encoder produces for it (`%ED%A0%80` for U+D800): the URL then
 * carries exactly the hostile value, as invalid UTF-8.
 */
export function percentEncode(value: string): string {
  let out = '';
  for (const ch of value) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch.length === 1 && c >= 0xd800 && c <= 0xdfff) {
      out += [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else {
      out += encodeURIComponent(ch);
    }
  }
  return out;
}
