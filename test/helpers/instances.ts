import { parseConfig } from '../../src/config.ts';
import { startApp, type AppOverrides, type RunningApp } from '../../src/app.ts';
import type { TestDatabase } from './db.ts';

/**
 * Another instance of the real assistant on a database that already exists: a second
 * server on the same PostgreSQL database (what a horizontally scaled deployment runs), or
 * the same PGlite folder after the first instance stopped (a restart). Configured like
 * `startTestApp`; the caller stops it.
 */
export async function startInstance(
  db: TestDatabase,
  options: { smtpUrl?: string | undefined; env?: Record<string, string>; overrides?: AppOverrides } = {},
): Promise<RunningApp> {
  const config = parseConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: db.dataDir,
    ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
    ...(options.smtpUrl ? { SMTP_URL: options.smtpUrl } : {}),
    MAIL_FROM: 'Mentor Connector <noreply@mentor.example.org>',
    STAFF_IDS: 'test:staff-1,test:staff-2',
    SUPPORT_IDS: 'test:support-1',
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  return startApp({ ...config, publicUrl: 'http://127.0.0.1:0' }, { outboxPollMs: 50, ...options.overrides });
}
