import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../generated/prisma/client.ts';
import { applyMigrations, pgliteTemplatePath, type MigrationSql } from './migrate.ts';

/**
 * Opens the database: embedded PGlite in `dataDir` when no URL is given, otherwise a
 * PostgreSQL server through node-postgres. Both get the same generated Prisma client and
 * the same migrations.
 */

export type DatabaseOptions = { databaseUrl: string | undefined; dataDir: string; poolSize?: number };

export type Database = {
  readonly prisma: PrismaClient;
  readonly kind: 'pglite' | 'postgres';
  /** A one-line description safe for logs (no password). */
  readonly description: string;
  close(): Promise<void>;
};

/**
 * Extensions the migrations create (pg_trgm: support's name look-ups by any part of a name
 * use a trigram index). PostgreSQL ships them; PGlite loads them from its contrib modules.
 */
export const PGLITE_EXTENSIONS = { pg_trgm };

export class DatabaseLockedError extends Error {
  override readonly name = 'DatabaseLockedError';
}

/** Discrete connection fields: a `connectionString` would override `database` in shadow pools. */
export function pgConfigFromUrl(url: string): pg.PoolConfig {
  const u = new URL(url);
  return {
    host: decodeURIComponent(u.hostname),
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username) || 'postgres',
    password: decodeURIComponent(u.password) || undefined,
    database: decodeURIComponent(u.pathname.slice(1)) || 'postgres',
  };
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.databaseUrl ? openPostgres(options.databaseUrl, options.poolSize) : openPGlite(options.dataDir);
}

async function openPostgres(url: string, poolSize = 10): Promise<Database> {
  const config = pgConfigFromUrl(url);
  const migrator = new pg.Client(config);
  await migrator.connect();
  try {
    await applyMigrations(pgMigrationSql(migrator));
  } finally {
    await migrator.end();
  }
  const pool = new pg.Pool({ ...config, max: poolSize });
  // An idle client losing its server (restart) emits 'error' on the pool; unhandled it would crash Node.
  pool.on('error', (error) => console.error('[db] idle client error:', error.message));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    prisma,
    kind: 'postgres',
    description: `PostgreSQL ${config.host}:${config.port}/${config.database}`,
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

function pgMigrationSql(client: pg.Client): MigrationSql {
  return {
    supportsAdvisoryLock: true,
    async query<T>(sql: string, params: unknown[] = []) {
      return (await client.query(sql, params)).rows as T[];
    },
    async exec(script: string) {
      await client.query(script);
    },
  };
}

async function openPGlite(dataDir: string): Promise<Database> {
  const dir = path.join(dataDir, 'pglite');
  fs.mkdirSync(dir, { recursive: true });
  const releaseLock = takeDirectoryLock(path.join(dataDir, 'pglite.lock'));
  try {
    // A new folder would run initdb in WebAssembly (5–10 s). `npm ci` prepared a migrated
    // template of the current migrations; starting from it takes about 2 s.
    const template = pgliteTemplatePath();
    const fresh = !fs.existsSync(path.join(dir, 'PG_VERSION'));
    const db =
      fresh && fs.existsSync(template)
        ? await PGlite.create(dir, { loadDataDir: new Blob([fs.readFileSync(template)]), extensions: PGLITE_EXTENSIONS })
        : await PGlite.create(dir, { extensions: PGLITE_EXTENSIONS });
    await applyMigrations({
      supportsAdvisoryLock: false,
      async query<T>(sql: string, params: unknown[] = []) {
        return (await db.query(sql, params)).rows as T[];
      },
      async exec(script: string) {
        await db.exec(script);
      },
    });
    const prisma = new PrismaClient({ adapter: new PrismaPGlite(db) });
    return {
      prisma,
      kind: 'pglite',
      description: `embedded PGlite in ${dir}`,
      async close() {
        await prisma.$disconnect();
        await db.close();
        releaseLock();
      },
    };
  } catch (error) {
    releaseLock();
    throw error;
  }
}

/**
 * PGlite is single-process: two processes on one folder corrupt it silently. A lock file
 * holding our pid keeps a second process out; a lock left by a dead process is taken over.
 */
function takeDirectoryLock(lockPath: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        try {
          if (fs.readFileSync(lockPath, 'utf8') === String(process.pid)) fs.unlinkSync(lockPath);
        } catch {
          // Already gone: nothing to release.
        }
      };
      process.once('exit', release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(fs.readFileSync(lockPath, 'utf8'));
      if (holder && holder !== process.pid && isAlive(holder)) {
        throw new DatabaseLockedError(
          `The data folder ${path.dirname(lockPath)} is in use by process ${holder}. ` +
            'Stop it, use another DATA_DIR, or set DATABASE_URL to share a PostgreSQL server.',
        );
      }
      if (holder === process.pid) {
        throw new DatabaseLockedError(`The data folder ${path.dirname(lockPath)} is already open in this process.`);
      }
      fs.unlinkSync(lockPath); // stale lock from a crashed process
    }
  }
  throw new DatabaseLockedError(`Could not lock ${lockPath}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
