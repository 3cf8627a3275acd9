import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessGrantedEmail } from '../../src/mail/messages.ts';
import { renderEmail } from '../../src/mail/render.ts';
import {
  MailboxIdError,
  createLocalMailbox,
  createMailTransport,
  createSmtpTransport,
  mailboxId,
  parseMailFrom,
  type OutgoingMail,
} from '../../src/mail/transport.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp.ts';

const DEFAULT_FROM = parseMailFrom('Onboarding Assistant <onboarding@assistant.example.org>');

function makeAccessGranted(overrides: Partial<AccessGrantedEmail> = {}): AccessGrantedEmail {
  return {
    kind: 'accessGranted',
    to: 'pat@example.org',
    lang: 'fr',
    recipientName: 'Pat Gagnon',
    programName: 'Mentorat Jeunesse Québec – Volet 2',
    organizationName: 'Grands Frères & Grandes Sœurs',
    username: 'mjq-volet2',
    temporaryPassword: 'Tmp-4kR9-Zt2w',
    registrationUrl: 'https://platform.example.org/register?code=abc&lang=fr',
    expiresAt: '2026-03-24T16:00:00.000Z',
    ...overrides,
  };
}

function makeOutgoing(overrides: Partial<OutgoingMail> = {}): OutgoingMail {
  const message = makeAccessGranted();
  const rendered = renderEmail(message);
  return {
    from: { name: rendered.fromName ?? DEFAULT_FROM.name, address: DEFAULT_FROM.address },
    to: message.to,
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    messageId: 'outbox-1@assistant.example.org',
    headers: { 'X-Outbox-Id': '1' },
    ...overrides,
  };
}

describe('parseMailFrom', () => {
  it('reads "Name <address>" and a bare address', () => {
    expect(parseMailFrom('Onboarding Assistant <onboarding@example.org>')).toEqual({
      name: 'Onboarding Assistant',
      address: 'onboarding@example.org',
    });
    expect(parseMailFrom('"Assistant d\'intégration" <aide@example.org>')).toEqual({
      name: "Assistant d'intégration",
      address: 'aide@example.org',
    });
    expect(parseMailFrom('noreply@example.org')).toEqual({ name: '', address: 'noreply@example.org' });
  });

  it('refuses a value without an address', () => {
    expect(() => parseMailFrom('Onboarding Assistant')).toThrow(/Not an email address/);
    expect(() => parseMailFrom('')).toThrow(/Not an email address/);
  });
});

describe('SMTP transport', () => {
  let smtp: TestSmtpServer;
  beforeAll(async () => {
    smtp = await startSmtpServer();
  });
  afterAll(async () => {
    await smtp.close();
  });

  it('delivers text and HTML under the program name with the caller’s Message-ID', async () => {
    const transport = createSmtpTransport(smtp.url);
    try {
      const before = smtp.messages.length;
      await transport.send(makeOutgoing());
      const mail = (await smtp.waitFor(before + 1))[before];
      if (!mail) throw new Error('no mail received');
      expect(mail.from?.value[0]).toMatchObject({ name: 'Mentorat Jeunesse Québec – Volet 2', address: 'onboarding@assistant.example.org' });
      expect(mail.messageId).toBe('<outbox-1@assistant.example.org>');
      expect(mail.subject).toBe('Bienvenue sur la plateforme de mentorat virtuel – Mentorat Jeunesse Québec – Volet 2');
      expect(mail.text).toContain('mjq-volet2');
      expect(mail.text).toContain('https://platform.example.org/register?code=abc&lang=fr');
      expect(mail.html).toContain('Grands Frères &amp; Grandes Sœurs');
      expect(mail.headers.get('x-outbox-id')).toBe('1');
      expect(smtp.envelopes.at(-1)).toEqual({ from: 'onboarding@assistant.example.org', to: ['pat@example.org'] });
    } finally {
      await transport.close();
    }
  });

  it('rejects while the server refuses, and the retry carries the same Message-ID', async () => {
    const transport = createSmtpTransport(smtp.url);
    try {
      const before = smtp.messages.length;
      smtp.failNext(1);
      const mail = makeOutgoing({ messageId: '<outbox-2@assistant.example.org>' });
      const error: unknown = await transport.send(mail).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(Error);
      expect(error).toMatchObject({ responseCode: 451, permanent: false });
      expect(smtp.messages.length).toBe(before);

      await transport.send(mail);
      const received = (await smtp.waitFor(before + 1)).at(-1);
      expect(received?.messageId).toBe('<outbox-2@assistant.example.org>');
    } finally {
      await transport.close();
    }
  });

  it('rejects when no server listens', async () => {
    const transport = createSmtpTransport('smtp://127.0.0.1:1', { connectionTimeoutMs: 2_000 });
    try {
      await expect(transport.send(makeOutgoing())).rejects.toThrow();
    } finally {
      await transport.close();
    }
  });

  it('createMailTransport picks SMTP when a URL is set', async () => {
    const transport = createMailTransport({ smtpUrl: smtp.url, mailboxDir: '/nonexistent' });
    expect(transport.kind).toBe('smtp');
    await transport.close();
  });
});

describe('local mailbox', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mailbox-test-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes, lists newest first, reads back, and overwrites on the same Message-ID', async () => {
    let clock = Date.parse('2026-03-01T12:00:00.000Z');
    const mailbox = createLocalMailbox(path.join(dir, 'a'), { now: () => new Date((clock += 1000)) });
    expect(await mailbox.list()).toEqual([]);

    await mailbox.send(makeOutgoing({ messageId: 'first@example.org', subject: 'First' }));
    await mailbox.send(makeOutgoing({ messageId: 'second@example.org', subject: 'Second' }));
    const listed = await mailbox.list();
    expect(listed.map((e) => e.subject)).toEqual(['Second', 'First']);
    expect(listed[0]).toMatchObject({
      id: mailboxId('second@example.org'),
      messageId: '<second@example.org>',
      from: { name: 'Mentorat Jeunesse Québec – Volet 2', address: 'onboarding@assistant.example.org' },
      to: 'pat@example.org',
      date: '2026-03-01T12:00:02.000Z',
    });

    const read = await mailbox.read(listed[1]!.id);
    expect(read?.subject).toBe('First');
    expect(read?.text).toContain('Tmp-4kR9-Zt2w');
    expect(read?.html).toContain('<!doctype html>');
    expect(read?.headers).toEqual({ 'X-Outbox-Id': '1' });

    // A retried delivery replaces the mail instead of adding one.
    await mailbox.send(makeOutgoing({ messageId: '<first@example.org>', subject: 'First, again' }));
    const relisted = await mailbox.list();
    expect(relisted.map((e) => e.subject)).toEqual(['First, again', 'Second']);
    await mailbox.close();
  });

  it('also writes an .eml that a mail client can open', async () => {
    const folder = path.join(dir, 'b');
    const mailbox = createLocalMailbox(folder);
    await mailbox.send(makeOutgoing({ messageId: 'eml@example.org' }));
    const files = (await readdir(folder)).sort();
    const id = mailboxId('eml@example.org');
    expect(files).toEqual([`${id}.eml`, `${id}.json`]);
    const parsed = await simpleParser(await readFile(path.join(folder, `${id}.eml`)));
    expect(parsed.messageId).toBe('<eml@example.org>');
    expect(parsed.from?.value[0]?.name).toBe('Mentorat Jeunesse Québec – Volet 2');
    expect(parsed.text).toContain('mjq-volet2');
    expect(parsed.html).toContain('Terminer votre inscription');
  });

  it('derives safe, deterministic ids', () => {
    expect(mailboxId('<a/../b@x>')).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*$/);
    expect(mailboxId('<a@b>')).toBe(mailboxId('a@b'));
    expect(mailboxId('a@b')).not.toBe(mailboxId('a-b'));
    expect(mailboxId('<../../..>')).toMatch(/^[0-9a-f]{12}$/);
  });

  it('refuses ids that could leave the folder, and returns null for unknown ones', async () => {
    const mailbox = createLocalMailbox(path.join(dir, 'c'));
    for (const id of ['../secret', '..', '.hidden', 'a/b', 'a\\b', '/etc/passwd', '', 'x\0y']) {
      await expect(mailbox.read(id)).rejects.toBeInstanceOf(MailboxIdError);
    }
    expect(await mailbox.read('unknown-id')).toBeNull();
  });

  it('createMailTransport picks the mailbox without an SMTP URL', () => {
    expect(createMailTransport({ mailboxDir: path.join(dir, 'd') }).kind).toBe('mailbox');
    expect(createMailTransport({ smtpUrl: '', mailboxDir: path.join(dir, 'd') }).kind).toBe('mailbox');
  });
});
