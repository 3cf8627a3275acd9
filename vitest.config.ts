import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Database-backed suites share one PostgreSQL server; files run in parallel
    // workers, each creating its own database or PGlite folder.
    pool: 'forks',
  },
});
