/**
 * Run by `npm ci` (postinstall): prepares a migrated, empty PGlite data folder as a gzipped
 * tar so that the first `npm start` (and every test file) skips initdb. Safe to run again;
 * failure only costs start-up time, so it never fails the install.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLITE_EXTENSIONS } from '../src/store/database.ts';
import { applyMigrations, pgliteTemplatePath } from '../src/store/migrate.ts';

const target = pgliteTemplatePath();
try {
  if (!fs.existsSync(target)) {
    const db = await PGlite.create({ extensions: PGLITE_EXTENSIONS });
    await applyMigrations({
      supportsAdvisoryLock: false,
      query: async <T>(sql: string, params: unknown[] = []) => (await db.query(sql, params)).rows as T[],
      exec: async (script: string) => {
        await db.exec(script);
      },
    });
    const dump = await db.dumpDataDir('gzip');
    await db.close();
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(`${target}.tmp`, Buffer.from(await dump.arrayBuffer()));
    fs.renameSync(`${target}.tmp`, target);
    console.log(`Prepared the embedded database template (${path.basename(target)}).`);
  }
} catch (error) {
  console.warn('Could not prepare the embedded database template; the first start will be slower:', error);
}
