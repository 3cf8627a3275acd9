import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config.ts';

describe('configuration', () => {
  it('has working defaults: embedded database, local mailbox, port 3978', () => {
    const c = parseConfig({});
    expect(c.port).toBe(3978);
    expect(c.publicUrl).toBe('http://localhost:3978');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.smtpUrl).toBeUndefined();
    expect(c.dataDir).toMatch(/data$/);
    expect(c.linkTtlMs).toBe(7 * 24 * 3600 * 1000);
  });

  it('derives PUBLIC_URL from PORT and trims a trailing slash', () => {
    expect(parseConfig({ PORT: '8080' }).publicUrl).toBe('http://localhost:8080');
    expect(parseConfig({ PUBLIC_URL: 'https://bot.example.org/' }).publicUrl).toBe('https://bot.example.org');
  });

  it.each([
    ['PORT', 'eighty'],
    ['DATABASE_URL', 'mysql://x'],
    ['SMTP_URL', 'http://mail'],
    ['LOG_LEVEL', 'loud'],
    ['PUBLIC_URL', 'ftp://x'],
    ['LINK_SECRET', 'short'],
  ])('names %s when its value is bad', (name, value) => {
    expect(() => parseConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => parseConfig({ [name]: value })).toThrow(new RegExp(name));
  });
});
