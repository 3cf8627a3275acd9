import { parseConfig } from '../../src/config.ts';
import { startApp, type AppOverrides, type RunningApp } from '../../src/app.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { startSmtpServer, type TestSmtpServer } from './smtp.ts';

/**
 * The real assistant on 127.0.0.1 with a fresh database and a real SMTP server on
 * loopback. Everything stops in `close()`.
 */
export type TestApp = {
  app: RunningApp;
  smtp: TestSmtpServer;
  db: TestDatabase;
  close(): Promise<void>;
};

export async function startTestApp(env: Record<string, string> = {}, overrides: AppOverrides = {}): Promise<TestApp> {
  const db = await createTestDatabase();
  const smtp = await startSmtpServer();
  const config = parseConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: db.dataDir,
    ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
    SMTP_URL: smtp.url,
    MAIL_FROM: 'Mentor Connector <noreply@mentor.example.org>',
    STAFF_IDS: 'test:staff-1,test:staff-2',
    SUPPORT_IDS: 'test:support-1',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const app = await startApp({ ...config, publicUrl: 'http://127.0.0.1:0' }, { outboxPollMs: 50, ...overrides });
  return {
    app,
    smtp,
    db,
    async close() {
      await app.stop();
      await smtp.close();
      await db.drop();
    },
  };
}

/** Fetches a registration page and keeps its CSRF cookie and hidden field for the POST. */
export async function openForm(url: string): Promise<{ status: number; html: string; post(fields: Record<string, string>): Promise<{ status: number; html: string }> }> {
  const res = await fetch(url);
  const html = await res.text();
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const hidden = Object.fromEntries([...html.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)">/g)].map((m) => [m[1], decodeEntities(m[2] ?? '')]));
  const action = new URL(url);
  return {
    status: res.status,
    html,
    async post(fields) {
      const r = await fetch(`${action.origin}${action.pathname}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
        body: new URLSearchParams({ ...hidden, ...fields }).toString(),
        redirect: 'manual',
      });
      return { status: r.status, html: await r.text() };
    },
  };
}

export function decodeEntities(s: string): string {
  return s.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&#x27;/g, "'");
}

/** The first link in a mail's text part that starts with `prefix`. */
export function linkIn(text: string | undefined, pathPart: string): string {
  const m = (text ?? '').match(new RegExp(`https?://\\S*${pathPart.replace(/[/?]/g, '\\$&')}\\S*`));
  if (!m) throw new Error(`no ${pathPart} link in:\n${text}`);
  return m[0];
}
