import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderEmail } from '../../src/mail/render.ts';
import { createLocalMailbox, mailboxId, type LocalMailbox } from '../../src/mail/transport.ts';
import { formErrorSummary, html, renderPage } from '../../src/web/html.ts';
import { linksInText, mailboxRouter } from '../../src/web/mailbox-page.ts';

const ACTIVATION_URL = 'https://assistant.example.org/activate?token=tok-123&lang=en';
const HOSTILE_SUBJECT = '<script>alert("pwned")</script> & <img src=x onerror=alert(1)>';

let dir: string;
let mailbox: LocalMailbox;
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mailbox-page-'));
  let clock = Date.parse('2026-03-01T12:00:00.000Z');
  mailbox = createLocalMailbox(dir, { now: () => new Date((clock += 60_000)) });

  const approved = renderEmail({
    kind: 'organizationApproved',
    to: 'alex@example.org',
    lang: 'en',
    recipientName: 'Alex',
    organizationName: 'Northern Lights Youth Mentoring',
    activationUrl: ACTIVATION_URL,
    expiresAt: '2026-03-08T12:00:00.000Z',
  });
  await mailbox.send({
    from: { name: 'Onboarding Assistant', address: 'onboarding@assistant.example.org' },
    to: 'alex@example.org',
    subject: approved.subject,
    text: approved.text,
    html: approved.html,
    messageId: 'approved-1@assistant.example.org',
  });
  await mailbox.send({
    from: { name: 'Mallory <x>', address: 'mallory@example.org' },
    to: 'victim@example.org',
    subject: HOSTILE_SUBJECT,
    text: 'Click javascript:alert(1) or https://example.org/ok.',
    html: '<p>Hello</p><script>alert(1); parent.document.title = "owned"</script><img src=x onerror="alert(2)">',
    messageId: 'hostile-1@assistant.example.org',
  });

  const app = express();
  app.use(mailboxRouter(mailbox, { timeZone: 'America/Toronto' }));
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  await rm(dir, { recursive: true, force: true });
});

describe('mailbox pages over HTTP', () => {
  it('lists mails newest first with links to each, escaping what the mails hold', async () => {
    const res = await fetch(`${baseUrl}/mailbox`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html; charset=utf-8/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const page = await res.text();
    expect(page).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(page).toContain('<a class="skip-link" href="#main">');
    expect(page).toContain('<main id="main"');
    expect(page).toContain('href="/mailbox?lang=fr"');
    expect(page).not.toContain('<script>');
    expect(page).not.toContain('<img');
    expect(page).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;');
    expect(page).toContain('Mallory &lt;x&gt;');
    const hostile = page.indexOf(`/mailbox/${mailboxId('hostile-1@assistant.example.org')}`);
    const approved = page.indexOf(`/mailbox/${mailboxId('approved-1@assistant.example.org')}`);
    expect(hostile).toBeGreaterThan(0);
    expect(approved).toBeGreaterThan(hostile);
  });

  it('shows one mail: headers, sandboxed HTML, text and its links', async () => {
    const res = await fetch(`${baseUrl}/mailbox/${mailboxId('approved-1@assistant.example.org')}`);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('<dd>&lt;approved-1@assistant.example.org&gt;</dd>');
    expect(page).toContain(
      'sandbox="allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation"',
    );
    const srcdoc = /srcdoc="([^"]*)"/.exec(page)?.[1] ?? '';
    expect(srcdoc).toContain('&lt;!doctype html&gt;');
    expect(srcdoc).toContain('&lt;base target=&quot;_blank&quot;&gt;');
    expect(page).toContain(`<li><a href="${ACTIVATION_URL.replace('&', '&amp;')}">`);
    expect(page).toMatch(/<pre>Hello Alex,/);
  });

  it('keeps a hostile mail inert', async () => {
    const page = await (await fetch(`${baseUrl}/mailbox/${mailboxId('hostile-1@assistant.example.org')}`)).text();
    expect(page).not.toContain('<script>');
    expect(page).toContain('<li><a href="https://example.org/ok">https://example.org/ok</a></li>');
    expect(page).not.toContain('href="javascript:');
  });

  it('speaks French with ?lang=fr', async () => {
    const list = await (await fetch(`${baseUrl}/mailbox?lang=fr`)).text();
    expect(list).toContain('<html lang="fr">');
    expect(list).toContain('Boîte de réception');
    expect(list).toContain("Assistant d&#39;intégration");
    expect(list).toContain(`href="/mailbox/${mailboxId('approved-1@assistant.example.org')}?lang=fr"`);
    expect(list).toContain('href="/mailbox"');
  });

  it('answers 404 for an unknown or malformed id', async () => {
    for (const id of ['nope', '..%2F..%2Fetc%2Fpasswd', '.hidden', '%2E%2E%2Fx']) {
      const res = await fetch(`${baseUrl}/mailbox/${id}`);
      expect(res.status).toBe(404);
      expect(await res.text()).toContain('Email not found');
    }
  });
});

describe('html helpers', () => {
  it('renderPage shows a status and the language switch', () => {
    const page = renderPage({
      lang: 'fr',
      title: 'Inscription',
      body: html`<h1>${'<Titre>'}</h1>`,
      status: { kind: 'success', message: 'Enregistré' },
      altLang: { href: '/register?lang=en' },
    });
    expect(page).toContain('<title>Inscription – Assistant d&#39;intégration</title>');
    expect(page).toContain('<h1>&lt;Titre&gt;</h1>');
    expect(page).toContain('role="status"');
    expect(page).toContain('<a href="/register?lang=en" lang="en" hreflang="en">English</a>');
  });

  it('formErrorSummary links each message to its field', () => {
    const summary = formErrorSummary(
      [
        { fieldId: 'email', message: { en: 'Enter an email address', fr: 'Entrez une adresse courriel' } },
        { fieldId: 'terms', message: 'Accept the <Terms>' },
      ],
      'fr',
    ).__html;
    expect(summary).toContain('role="alert"');
    expect(summary).toContain('<a href="#email">Entrez une adresse courriel</a>');
    expect(summary).toContain('<a href="#terms">Accept the &lt;Terms&gt;</a>');
    expect(formErrorSummary([], 'en').__html).toBe('');
  });

  it('linksInText finds http(s) links without trailing punctuation', () => {
    expect(linksInText('See https://a.example/x?y=1. Or (http://b.example/). javascript:alert(1)')).toEqual([
      'https://a.example/x?y=1',
      'http://b.example/',
    ]);
  });
});

describe('mailbox in a real browser', () => {
  it('opens the list, follows a mail, and shows its activation link', async () => {
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    try {
      const page = await browser.newPage();
      const dialogs: string[] = [];
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      await page.goto(`${baseUrl}/mailbox`);
      expect(await page.title()).toBe('Mailbox – Onboarding Assistant');

      await page.getByRole('link', { name: /Organization approved/ }).click();
      await page.waitForURL(/\/mailbox\/approved-1/);
      const link = page.getByRole('link', { name: ACTIVATION_URL }).first();
      expect(await link.isVisible()).toBe(true);
      expect(await link.getAttribute('href')).toBe(ACTIVATION_URL);

      // The HTML version renders inside the sandboxed frame, and its call to action opens
      // the activation page in a new tab (answered here, the test has no network).
      await page.context().route('https://assistant.example.org/**', (route) =>
        route.fulfill({ contentType: 'text/html', body: '<title>Activation</title>' }),
      );
      const cta = page.frameLocator('iframe').getByRole('link', { name: 'Complete registration' });
      expect(await cta.isVisible()).toBe(true);
      const [popup] = await Promise.all([page.waitForEvent('popup'), cta.click()]);
      await popup.waitForLoadState();
      expect(popup.url()).toBe(ACTIVATION_URL);
      await popup.close();

      // A hostile mail's script neither runs in the frame nor reaches the page.
      await page.goto(`${baseUrl}/mailbox/${mailboxId('hostile-1@assistant.example.org')}`);
      expect(await page.frameLocator('iframe').getByText('Hello').isVisible()).toBe(true);
      expect(await page.title()).not.toBe('owned');
      expect(dialogs).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
