import { defineConfig } from 'prisma/config';

// Prisma 7 keeps paths here. No datasource URL: the app builds its own driver adapter
// (PGlite or node-postgres) at run time, and migrations are applied by src/store/migrate.ts.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
