import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../project-root.ts';

/**
 * Applies the committed migrations in `prisma/migrations/*\/migration.sql`, in name
 * order, each once. Prisma's native schema engine cannot be downloaded on our machines,
 * so this replaces `prisma migrate deploy` while keeping Prisma's own `_prisma_migrations`
 * bookkeeping (same table, same sha256 checksum): where the stock CLI can run, it agrees.
 *
 * On PostgreSQL an advisory lock (the same key Prisma uses) serialises instances that
 * start together behind a load balancer; PGlite is single-process already.
 */

export const MIGRATIONS_DIR = path.join(PROJECT_ROOT, 'prisma', 'migrations');

/** The few SQL operations the migrator needs, implemented for PGlite and for `pg`. */
export interface MigrationSql {
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs a multi-statement script. */
  exec(script: string): Promise<void>;
  readonly supportsAdvisoryLock: boolean;
}

const PRISMA_ADVISORY_LOCK_KEY = 72707369;

const BOOKKEEPING_DDL = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

/**
 * Where `npm ci` keeps a migrated, empty PGlite data folder (gzipped tar) for the current
 * set of migrations; the name changes whenever a migration does, so a stale one is never used.
 */
export function pgliteTemplatePath(migrations: Migration[] = readMigrations()): string {
  const key = createHash('sha256').update(migrations.map((m) => `${m.name}:${m.checksum}`).join('\n')).digest('hex').slice(0, 16);
  return path.join(PROJECT_ROOT, 'node_modules', '.cache', 'onboarding-assistant', `pglite-${key}.tar.gz`);
}

export type Migration = { name: string; sql: string; checksum: string };

export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

/** Applies pending migrations; returns the names applied now. */
export async function applyMigrations(db: MigrationSql, migrations = readMigrations()): Promise<string[]> {
  if (db.supportsAdvisoryLock) await db.query('SELECT pg_advisory_lock($1)', [PRISMA_ADVISORY_LOCK_KEY]);
  try {
    await db.exec(BOOKKEEPING_DDL);
    const rows = await db.query<{ migration_name: string; checksum: string; finished_at: unknown }>(
      'SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL',
    );
    const done = new Map(rows.map((r) => [r.migration_name, r]));
    const applied: string[] = [];
    for (const m of migrations) {
      const row = done.get(m.name);
      if (row) {
        if (row.finished_at === null) {
          throw new MigrationError(`Migration ${m.name} started earlier but never finished; repair the database by hand.`);
        }
        if (row.checksum !== m.checksum) {
          // Prisma warns and goes on; an edited migration is a mistake worth seeing.
          console.warn(`[migrate] ${m.name} was edited after it was applied (checksum differs)`);
        }
        continue;
      }
      await db.exec('BEGIN');
      try {
        await db.exec(m.sql);
        await db.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count, started_at)
           VALUES ($1, $2, now(), $3, 1, now())`,
          [randomUUID(), m.checksum, m.name],
        );
        await db.exec('COMMIT');
      } catch (error) {
        await db.exec('ROLLBACK');
        throw new MigrationError(`Migration ${m.name} failed: ${(error as Error).message}`);
      }
      applied.push(m.name);
    }
    return applied;
  } finally {
    if (db.supportsAdvisoryLock) await db.query('SELECT pg_advisory_unlock($1)', [PRISMA_ADVISORY_LOCK_KEY]);
  }
}
