import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { applyMigrations, readMigrations } from '../../src/store/migrate.ts';
import { DatabaseLockedError, openDatabase, pgConfigFromUrl, type Database } from '../../src/store/database.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

describe('database and migrations', () => {
  let tdb: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    tdb = await createTestDatabase();
    db = await tdb.open();
  });
  afterAll(async () => {
    await db.close();
    await tdb.drop();
  });

  it('records every committed migration in Prisma bookkeeping, with its checksum', async () => {
    const rows = await db.prisma.$queryRawUnsafe<Array<{ migration_name: string; checksum: string }>>(
      'SELECT migration_name, checksum FROM "_prisma_migrations" ORDER BY migration_name',
    );
    const expected = readMigrations();
    expect(expected.length).toBeGreaterThan(0);
    expect(rows.map((r) => [r.migration_name, r.checksum])).toEqual(expected.map((m) => [m.name, m.checksum]));
  });

  it('applies nothing twice', async () => {
    if (tdb.kind === 'pglite') {
      // Re-opening the same folder in this process is refused by the lock (tested below),
      // so re-run the migrator over the open database through Prisma's raw SQL.
      const applied = await applyMigrations({
        supportsAdvisoryLock: false,
        query: (sql, params = []) => db.prisma.$queryRawUnsafe(sql, ...params),
        exec: async (script) => {
          await db.prisma.$executeRawUnsafe(script);
        },
      });
      expect(applied).toEqual([]);
    } else {
      const again = await openDatabase({ databaseUrl: tdb.databaseUrl, dataDir: tdb.dataDir });
      await again.close();
      const rows = await db.prisma.$queryRawUnsafe<unknown[]>('SELECT 1 FROM "_prisma_migrations"');
      expect(rows).toHaveLength(readMigrations().length);
    }
  });

  it('round-trips a row through the generated client', async () => {
    await db.prisma.person.create({ data: { id: 'p1', displayName: 'Ada', email: 'ada@example.org' } });
    const p = await db.prisma.person.findUniqueOrThrow({ where: { id: 'p1' }, select: { displayName: true, lang: true } });
    expect(p).toEqual({ displayName: 'Ada', lang: 'en' });
  });

  it('keeps a second opener out of a PGlite folder in use', async () => {
    if (tdb.kind !== 'pglite') return;
    await expect(openDatabase({ databaseUrl: undefined, dataDir: tdb.dataDir })).rejects.toBeInstanceOf(DatabaseLockedError);
  });

  it('lets several instances migrate one PostgreSQL database at once', async () => {
    if (tdb.kind !== 'postgres' || !tdb.databaseUrl) return;
    const url = new URL(tdb.databaseUrl);
    url.pathname = `/${url.pathname.slice(1)}_race`;
    const admin = new pg.Client(pgConfigFromUrl(tdb.databaseUrl));
    await admin.connect();
    await admin.query(`CREATE DATABASE ${url.pathname.slice(1)}`);
    try {
      const opened = await Promise.all([1, 2, 3].map(() => openDatabase({ databaseUrl: url.toString(), dataDir: tdb.dataDir })));
      const rows = await opened[0]!.prisma.$queryRawUnsafe<unknown[]>('SELECT 1 FROM "_prisma_migrations"');
      expect(rows).toHaveLength(readMigrations().length);
      await Promise.all(opened.map((d) => d.close()));
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${url.pathname.slice(1)} WITH (FORCE)`);
      await admin.end();
    }
  });
});
