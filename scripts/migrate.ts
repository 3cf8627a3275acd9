/** `npm run db:migrate`: applies committed migrations to the configured database and exits. */
import { parseConfig } from '../src/config.ts';
import { openDatabase } from '../src/store/database.ts';

const config = parseConfig(process.env);
const db = await openDatabase(config);
console.log(`Migrations applied to ${db.description}.`);
await db.close();
