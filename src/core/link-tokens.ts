import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Signed tokens for emailed links: `${id}.${signature}`, where the signature is
 * base64url(HMAC-SHA256(secret, 'link:' + id)). The signature only proves the id was
 * issued by us; whether the link has expired, was revoked or already used is decided by
 * the caller against the stored `LinkToken` row with that id.
 */

export type LinkSigner = {
  /** The token to put in a link for this id. */
  sign(id: string): string;
  /** The id when the token carries a valid signature; `null` when forged, altered or malformed. */
  verify(token: string): string | null;
};

/** base64url without padding, as `newTokenId()` produces (no `.`, so the token splits unambiguously). */
const ID_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;
/** A SHA-256 HMAC in base64url without padding is always 43 characters. */
const SIGNATURE_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const MIN_SECRET_LENGTH = 16;

/** A fresh random id for a link token: 16 random bytes, base64url (22 characters). */
export function newTokenId(): string {
  return randomBytes(16).toString('base64url');
}

export function createLinkSigner(secret: string): LinkSigner {
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new Error(`The link secret must be at least ${MIN_SECRET_LENGTH} characters long.`);
  }
  const signatureOf = (id: string): string => createHmac('sha256', secret).update(`link:${id}`, 'utf8').digest('base64url');
  return {
    sign(id) {
      if (!ID_PATTERN.test(id)) throw new Error('A link token id must be 16–128 base64url characters (see newTokenId).');
      return `${id}.${signatureOf(id)}`;
    },
    verify(token) {
      if (typeof token !== 'string') return null;
      const dot = token.indexOf('.');
      if (dot < 0) return null;
      const id = token.slice(0, dot);
      const signature = token.slice(dot + 1);
      if (!ID_PATTERN.test(id) || !SIGNATURE_PATTERN.test(signature)) return null;
      // Compare the canonical text, not decoded bytes: base64url decoding ignores some
      // bits of the last character, so two spellings could otherwise decode alike.
      const expected = Buffer.from(signatureOf(id), 'utf8');
      const actual = Buffer.from(signature, 'utf8');
      return actual.length === expected.length && timingSafeEqual(actual, expected) ? id : null;
    },
  };
}
