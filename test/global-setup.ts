import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../src/store/database.ts';

/**
 * Creating a PGlite data folder runs initdb in WebAssembly (~5 s). Do it once per run,
 * migrated, and let each test file copy the folder (~0.4 s) instead.
 */
export default async function setup(project: TestProject) {
  if (process.env.TEST_DATABASE_URL) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oa-template-'));
  const db = await openDatabase({ databaseUrl: undefined, dataDir: dir });
  await db.close();
  project.provide('pgliteTemplateDir', dir);
  return () => fs.rmSync(dir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplateDir: string;
  }
}
