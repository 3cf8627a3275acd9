import { describe, expect, it } from 'vitest';
import { createLinkSigner, newTokenId } from '../../src/core/link-tokens.ts';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';

/** Replaces the character at `index` with a different base64url character. */
function flip(text: string, index: number): string {
  const c = text[index];
  const replacement = c === 'A' ? 'B' : 'A';
  return text.slice(0, index) + replacement + text.slice(index + 1);
}

describe('newTokenId', () => {
  it('is 16 random bytes in base64url', () => {
    const ids = new Set(Array.from({ length: 200 }, () => newTokenId()));
    expect(ids.size).toBe(200);
    for (const id of ids) {
      expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    }
  });
});

describe('createLinkSigner', () => {
  const signer = createLinkSigner(SECRET);

  it('signs `${id}.${base64url HMAC-SHA256(secret, "link:" + id)}` and verifies it back to the id', async () => {
    const { createHmac } = await import('node:crypto');
    const id = newTokenId();
    const token = signer.sign(id);
    expect(token).toBe(`${id}.${createHmac('sha256', SECRET).update(`link:${id}`).digest('base64url')}`);
    expect(signer.verify(token)).toBe(id);
  });

  it('rejects a token signed with another secret', () => {
    const id = newTokenId();
    const other = createLinkSigner(`${SECRET}-other`);
    expect(other.verify(signer.sign(id))).toBeNull();
  });

  it('rejects every single-character change to the id or the signature', () => {
    const token = signer.sign(newTokenId());
    for (let i = 0; i < token.length; i += 1) {
      if (token[i] === '.') continue;
      expect(signer.verify(flip(token, i)), `changed at ${i}`).toBeNull();
    }
  });

  it('rejects truncated, extended and malformed tokens', () => {
    const id = newTokenId();
    const token = signer.sign(id);
    const [, signature = ''] = token.split('.');
    const bad = [
      '',
      id,
      `${id}.`,
      `.${signature}`,
      token.slice(0, -1),
      token.slice(0, 30),
      `${token}A`,
      `${token}=`,
      `${token}.${signature}`,
      // The same signature in standard base64 (with padding) is not the canonical text.
      `${id}.${Buffer.from(signature, 'base64url').toString('base64')}`,
      ` ${token}`,
      `${token}\n`,
      token.replace('.', '..'),
      `${id}x.${signature}`,
      // Another id's signature does not carry over.
      `${newTokenId()}.${signature}`,
    ];
    for (const value of bad) {
      expect(signer.verify(value), JSON.stringify(value)).toBeNull();
    }
  });

  it('refuses to sign ids that are not base64url, and short secrets', () => {
    expect(() => signer.sign('has.dot.inside-long-enough')).toThrow();
    expect(() => signer.sign('short')).toThrow();
    expect(() => createLinkSigner('')).toThrow();
    expect(() => createLinkSigner('too-short')).toThrow();
  });
});
