import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, pgConfigFromUrl, type Database } from '../../src/store/database.ts';

/**
 * A fresh, migrated database for one test file: a new database on the PostgreSQL server
 * named by TEST_DATABASE_URL, or else a copy of the migrated PGlite template folder.
 */
export type TestDatabase = {
  readonly kind: 'pglite' | 'postgres';
  /** What to put in DATABASE_URL for an app under test (undefined on PGlite). */
  readonly databaseUrl: string | undefined;
  /** DATA_DIR for an app under test (holds the PGlite folder and the mailbox). */
  readonly dataDir: string;
  open(): Promise<Database>;
  drop(): Promise<void>;
};

export const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

export async function createTestDatabase(): Promise<TestDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oa-test-'));
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    fs.cpSync(inject('pgliteTemplateDir'), dataDir, { recursive: true });
    fs.rmSync(path.join(dataDir, 'pglite.lock'), { force: true });
    return {
      kind: 'pglite',
      databaseUrl: undefined,
      dataDir,
      open: () => openDatabase({ databaseUrl: undefined, dataDir }),
      drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const name = `oa_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client(pgConfigFromUrl(adminUrl));
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  return {
    kind: 'postgres',
    databaseUrl,
    dataDir,
    open: () => openDatabase({ databaseUrl, dataDir }),
    async drop() {
      const c = new pg.Client(pgConfigFromUrl(adminUrl));
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
