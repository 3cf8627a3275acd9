import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { Localized } from '../domain/lang.ts';

/**
 * Password hashing and the password rule.
 *
 * Hashes are scrypt (N=16384, r=8, p=1, 64-byte key, random 16-byte salt), encoded as
 * `scrypt$N$r$p$saltB64$hashB64` so the parameters can be raised later while old
 * hashes still verify. Passwords are NFC-normalized before hashing, so the same
 * password typed on two keyboards (precomposed "é" or "e" + accent) gives the same hash.
 */

const SCRYPT_N = 16384;
const SCRYPT_R = 8;
const SCRYPT_P = 1;
const KEY_LENGTH = 64;
const SALT_LENGTH = 16;

/** Upper bounds accepted when reading a stored hash, so a corrupt row cannot make us burn memory. */
const MAX_N = 1 << 20;
const MAX_R = 32;
const MAX_P = 16;

function deriveKey(password: string, salt: Buffer, n: number, r: number, p: number, keyLength: number): Promise<Buffer> {
  // scrypt needs 128 * N * r bytes; node's default ceiling (32 MiB) is too low for larger N.
  const options: ScryptOptions = { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keyLength, options, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

/** Hashes a password for storage. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await deriveKey(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, KEY_LENGTH);
  return ['scrypt', SCRYPT_N, SCRYPT_R, SCRYPT_P, salt.toString('base64'), key.toString('base64')].join('$');
}

function parseBoundedInt(text: string | undefined, max: number): number | undefined {
  if (text === undefined || !/^[1-9][0-9]{0,9}$/.test(text)) return undefined;
  const value = Number(text);
  return value <= max ? value : undefined;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * True when `password` matches `encoded` (from `hashPassword`). A malformed or unknown
 * encoding gives `false`, never an exception. The comparison is constant-time.
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const n = parseBoundedInt(parts[1], MAX_N);
  const r = parseBoundedInt(parts[2], MAX_R);
  const p = parseBoundedInt(parts[3], MAX_P);
  const saltText = parts[4] ?? '';
  const hashText = parts[5] ?? '';
  if (n === undefined || r === undefined || p === undefined) return false;
  if ((n & (n - 1)) !== 0 || n < 2) return false;
  if (!BASE64.test(saltText) || !BASE64.test(hashText)) return false;
  const salt = Buffer.from(saltText, 'base64');
  const expected = Buffer.from(hashText, 'base64');
  if (salt.length === 0 || expected.length < 16 || expected.length > 256) return false;
  let actual: Buffer;
  try {
    actual = await deriveKey(password, salt, n, r, p, expected.length);
  } catch {
    return false;
  }
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;
const MIN_DISTINCT_CHARACTERS = 5;
/** Parts of a name or email shorter than this are not checked (too many false alarms: "Li", "Jo"). */
const MIN_PERSONAL_PART = 4;

export type PasswordProblemCode = 'tooShort' | 'tooLong' | 'tooCommon' | 'containsPersonalInfo' | 'tooSimple';
export type PasswordProblem = { readonly code: PasswordProblemCode; readonly message: Localized };

/**
 * Very common passwords that are long enough to pass the length rule. Compared without
 * case. Not a breach corpus: it catches the obvious ones.
 */
const COMMON_PASSWORDS: ReadonlySet<string> = new Set([
  '123456789012',
  '1234567890123',
  '12345678901234',
  '123456789abc',
  '1q2w3e4r5t6y',
  '1qaz2wsx3edc',
  'abc123456789',
  'abcdefghijkl',
  'abcd12345678',
  'administrator',
  'changeme1234',
  'iloveyou1234',
  'letmein12345',
  'motdepasse12',
  'motdepasse123',
  'motdepasse1234',
  'motdepasse!!',
  'password1234',
  'password12345',
  'password123456',
  'password123!',
  'password!234',
  'passw0rd1234',
  'passwordpassword',
  'p@ssw0rd1234',
  'p@ssword1234',
  'qwerty123456',
  'qwertyuiop12',
  'qwertyuiopas',
  'qwertyuiop[]',
  'qwertyuiopasdfgh',
  'azertyuiop12',
  'azertyuiopqs',
  'welcome12345',
  'welcome123456',
  'bienvenue123',
  'bienvenue1234',
  'mentoring123',
  'mentoring1234',
  'mentorat1234',
  'canada123456',
  'trustno1trustno1',
  'football1234',
  'baseball1234',
  'sunshine1234',
  'princess1234',
  'starwars1234',
  'superman1234',
  'monkey123456',
  'dragon123456',
]);

/** Lower case without accents, so "Hélène" and "helene" compare equal. */
function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

function personalParts(context: { email?: string | undefined; name?: string | undefined }): string[] {
  const parts: string[] = [];
  const at = context.email?.lastIndexOf('@') ?? -1;
  const local = context.email !== undefined ? fold(at >= 0 ? context.email.slice(0, at) : context.email) : '';
  if (local) parts.push(local, ...local.split(/[._+-]+/));
  const name = context.name !== undefined ? fold(context.name) : '';
  if (name) parts.push(name.replace(/[\s'’.-]+/g, ''), ...name.split(/[\s'’.-]+/));
  return [...new Set(parts.map((p) => p.trim()).filter((p) => [...p].length >= MIN_PERSONAL_PART))];
}

const MESSAGES = {
  tooShort: {
    en: `Your password must be at least ${PASSWORD_MIN_LENGTH} characters long. A few unrelated words make a long password that is easy to remember.`,
    fr: `Votre mot de passe doit contenir au moins ${PASSWORD_MIN_LENGTH}\u00a0caractères. Quelques mots sans lien entre eux donnent un mot de passe long et facile à retenir.`,
  },
  tooLong: {
    en: `Your password must be at most ${PASSWORD_MAX_LENGTH} characters long. Please shorten it.`,
    fr: `Votre mot de passe doit contenir au plus ${PASSWORD_MAX_LENGTH}\u00a0caractères. Veuillez le raccourcir.`,
  },
  tooCommon: {
    en: 'This password is too common and easy to guess. Please choose another one.',
    fr: 'Ce mot de passe est trop courant et facile à deviner. Veuillez en choisir un autre.',
  },
  containsPersonalInfo: {
    en: 'Your password must not contain your name or email address. Please choose another one.',
    fr: 'Votre mot de passe ne doit pas contenir votre nom ni votre adresse courriel. Veuillez en choisir un autre.',
  },
  tooSimple: {
    en: `Your password must use at least ${MIN_DISTINCT_CHARACTERS} different characters. Please choose a less repetitive one.`,
    fr: `Votre mot de passe doit comporter au moins ${MIN_DISTINCT_CHARACTERS}\u00a0caractères différents. Veuillez en choisir un moins répétitif.`,
  },
} as const satisfies Record<PasswordProblemCode, Localized>;

/** The rule, in words, for a hint next to a new-password field. */
export const PASSWORD_RULE_HINT: Localized = {
  en: `At least ${PASSWORD_MIN_LENGTH} characters. Avoid common passwords, your name and your email address.`,
  fr: `Au moins ${PASSWORD_MIN_LENGTH}\u00a0caractères. Évitez les mots de passe courants, votre nom et votre adresse courriel.`,
};

/**
 * Checks a new password: 12–128 characters (code points, so an emoji counts once), not a
 * very common password, not containing the email's local part or the person's name
 * (nor any part of either of 4+ letters, ignoring case and accents), and at least 5
 * distinct characters. Returns the first problem found, or `null` when acceptable.
 */
export function checkPasswordStrength(
  password: string,
  context: { email?: string | undefined; name?: string | undefined } = {},
): PasswordProblem | null {
  const characters = [...password.normalize('NFC')];
  const problem = (code: PasswordProblemCode): PasswordProblem => ({ code, message: MESSAGES[code] });
  if (characters.length < PASSWORD_MIN_LENGTH) return problem('tooShort');
  if (characters.length > PASSWORD_MAX_LENGTH) return problem('tooLong');
  const folded = fold(password);
  if (COMMON_PASSWORDS.has(folded)) return problem('tooCommon');
  if (personalParts(context).some((part) => folded.includes(part))) return problem('containsPersonalInfo');
  if (new Set(characters).size < MIN_DISTINCT_CHARACTERS) return problem('tooSimple');
  return null;
}
