import { describe, expect, it } from 'vitest';
import { checkPasswordStrength, hashPassword, verifyPassword } from '../../src/core/passwords.ts';

describe('hashPassword / verifyPassword', () => {
  it('encodes scrypt parameters, a 16-byte salt and a 64-byte key', async () => {
    const encoded = await hashPassword('correct horse battery staple');
    const [scheme, n, r, p, salt = '', hash = ''] = encoded.split('$');
    expect([scheme, n, r, p]).toEqual(['scrypt', '16384', '8', '1']);
    expect(Buffer.from(salt, 'base64')).toHaveLength(16);
    expect(Buffer.from(hash, 'base64')).toHaveLength(64);
  });

  it('salts every hash', async () => {
    const [a, b] = await Promise.all([hashPassword('same password 123'), hashPassword('same password 123')]);
    expect(a).not.toBe(b);
    expect(await verifyPassword('same password 123', a)).toBe(true);
    expect(await verifyPassword('same password 123', b)).toBe(true);
  });

  it('accepts the right password and rejects others', async () => {
    const encoded = await hashPassword('Tr0ub4dour & 3 horses');
    expect(await verifyPassword('Tr0ub4dour & 3 horses', encoded)).toBe(true);
    expect(await verifyPassword('Tr0ub4dour & 3 horseS', encoded)).toBe(false);
    expect(await verifyPassword('', encoded)).toBe(false);
  });

  it('treats composed and decomposed accents as the same password', async () => {
    const composed = 'H\u00e9l\u00e8ne aime le caf\u00e9';
    const encoded = await hashPassword(composed);
    expect(await verifyPassword(composed.normalize('NFD'), encoded)).toBe(true);
  });

  it('returns false, without throwing, for malformed or tampered encodings', async () => {
    const encoded = await hashPassword('a long enough password');
    const parts = encoded.split('$');
    const tamperedHash = [...parts.slice(0, 5), Buffer.alloc(64, 1).toString('base64')].join('$');
    const bad = [
      '',
      'plain',
      'bcrypt$2b$10$abc',
      encoded.replace('scrypt$', 'argon2$'),
      encoded.replace('$16384$', '$1000$'), // N not a power of two
      encoded.replace('$16384$', '$4294967296$'), // N beyond the accepted bound
      encoded.replace('$8$', '$0$'),
      `${encoded}$extra`,
      [...parts.slice(0, 4), '', parts[5]].join('$'),
      [...parts.slice(0, 5), 'not base64!'].join('$'),
      tamperedHash,
    ];
    for (const value of bad) {
      expect(await verifyPassword('a long enough password', value), value).toBe(false);
    }
  });
});

describe('checkPasswordStrength', () => {
  it('accepts a reasonable passphrase', () => {
    expect(checkPasswordStrength('maple canoe 47 lantern')).toBeNull();
    expect(checkPasswordStrength('abcde1234567')).toBeNull(); // exactly 12, 12 distinct
  });

  it('counts code points, not UTF-16 units', () => {
    expect(checkPasswordStrength('🍁🦫🏒🥞🛶❄️🌲🐻'.slice(0, 16))?.code).toBe('tooShort'); // 8 code points, 16 units
    expect(checkPasswordStrength('🍁🦫🏒🥞🛶🌲🐻🦆🐟🌊⛰️🏔️')).toBeNull();
  });

  it('enforces 12 to 128 characters', () => {
    expect(checkPasswordStrength('abcde123456')?.code).toBe('tooShort');
    expect(checkPasswordStrength('')?.code).toBe('tooShort');
    const long = 'abcdefghij'.repeat(13);
    expect(checkPasswordStrength(long.slice(0, 128))).toBeNull();
    expect(checkPasswordStrength(long.slice(0, 129))?.code).toBe('tooLong');
  });

  it('rejects very common passwords, whatever the case', () => {
    expect(checkPasswordStrength('password1234')?.code).toBe('tooCommon');
    expect(checkPasswordStrength('Password1234')?.code).toBe('tooCommon');
    expect(checkPasswordStrength('MotDePasse123')?.code).toBe('tooCommon');
    expect(checkPasswordStrength('QWERTY123456')?.code).toBe('tooCommon');
  });

  it('rejects the email local part and the name, ignoring case and accents', () => {
    const person = { email: 'jm.tremblay@example.org', name: 'Hélène Côté-Tremblay' };
    expect(checkPasswordStrength('Tremblay-was-here!', person)?.code).toBe('containsPersonalInfo');
    expect(checkPasswordStrength('xx jm.tremblay xx', person)?.code).toBe('containsPersonalInfo');
    expect(checkPasswordStrength('bonjour helene 1975', person)?.code).toBe('containsPersonalInfo');
    expect(checkPasswordStrength('my COTE family rules', person)?.code).toBe('containsPersonalInfo');
    expect(checkPasswordStrength('maple canoe 47 lantern', person)).toBeNull();
    // Very short name parts are not checked: "Li" would forbid too much.
    expect(checkPasswordStrength('lilac lighthouse', { name: 'Li Na', email: 'li@example.org' })).toBeNull();
  });

  it('rejects passwords with fewer than five distinct characters', () => {
    expect(checkPasswordStrength('aaaaaaaaaaaa')?.code).toBe('tooSimple');
    expect(checkPasswordStrength('abcdabcdabcdabcd')?.code).toBe('tooSimple');
    expect(checkPasswordStrength('abcdeabcdeabcde')).toBeNull();
  });

  it('explains every problem in English and French', () => {
    const samples = ['short', 'x'.repeat(200), 'password1234', 'zz tremblay zz', 'ababababababab'];
    const codes = new Set<string>();
    for (const sample of samples) {
      const problem = checkPasswordStrength(sample, { name: 'Tremblay' });
      expect(problem).not.toBeNull();
      if (!problem) continue;
      codes.add(problem.code);
      expect(problem.message.en.length).toBeGreaterThan(20);
      expect(problem.message.fr.length).toBeGreaterThan(20);
      expect(problem.message.fr).not.toBe(problem.message.en);
    }
    expect(codes).toEqual(new Set(['tooShort', 'tooLong', 'tooCommon', 'containsPersonalInfo', 'tooSimple']));
  });
});
