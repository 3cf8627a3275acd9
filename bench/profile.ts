/**
 * `npm run bench:profile`: where a turn's time goes. Runs the assistant in this process on
 * a fresh PostgreSQL database (or PGlite with `--pglite`), drives the bench conversation
 * (hi, new organization, the 14 answers, status) for N administrators straight through the
 * conversation core (no HTTP, no Slack: the core and the database only), and prints per
 * kind of turn: turns, SQL statements per turn (counted at the `pg` driver), and mean time.
 * Run under `node --cpu-prof` (see docs/performance.md) for the CPU profile.
 *
 *   npm run bench:profile -- --admins 40            # PostgreSQL (BENCH_DATABASE_URL)
 *   npm run bench:profile -- --admins 40 --pglite
 *   node --cpu-prof --import tsx bench/profile.ts   # with a CPU profile
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startApp } from '../src/app.ts';
import { parseConfig } from '../src/config.ts';
import { BENCH_ANSWERS, scratchDatabase } from './protocol.ts';

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const admins = Number(arg('admins') ?? 30);
const usePglite = args.includes('--pglite');
const adminUrl = process.env['BENCH_DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

const turns: Array<{ kind: string; text: string }> = [
  { kind: 'hi', text: 'hi' },
  { kind: 'new organization', text: 'new organization' },
  ...BENCH_ANSWERS.map((text) => ({ kind: 'answer', text })),
  { kind: 'status', text: 'status' },
];

// Count every statement the app sends, at the driver (Prisma's adapter calls Client#query).
let statements = 0;
let tracing = false;
const original = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...rest: unknown[]) {
  statements += 1;
  if (process.env['PROFILE_SQL'] && tracing) console.log('  SQL', String(typeof rest[0] === 'string' ? rest[0] : (rest[0] as { text?: string })?.text).replace(/\s+/g, ' ').slice(0, 160));
  return (original as (...a: unknown[]) => unknown).apply(this, rest);
} as typeof original;

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oa-profile-'));
  const scratch = usePglite ? undefined : await scratchDatabase(adminUrl, 'oa_profile');
  const databaseUrl = scratch?.url;
  const config = parseConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'error', OUTBOX_WORKER: 'false', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) });
  const app = await startApp(config);
  const by = new Map<string, { turns: number; statements: number; ms: number }>();
  try {
    for (let a = 0; a < admins; a++) {
      const speaker = { channel: 'slack', externalId: `UPROF${a}`, displayName: `Profile ${a}` };
      const conversation = { channel: 'slack', id: `DPROF${a}`, personal: true, address: { channel: `DPROF${a}`, user: `UPROF${a}` } };
      for (const turn of turns) {
        const before = statements;
        tracing = a === 2 && (turn.kind !== 'answer' || turn.text === BENCH_ANSWERS[3]);
        if (tracing && process.env['PROFILE_SQL']) console.log(`-- ${turn.kind}: ${turn.text}`);
        const started = performance.now();
        await app.core.handle(speaker, conversation, { kind: 'text', text: turn.text });
        const row = by.get(turn.kind) ?? { turns: 0, statements: 0, ms: 0 };
        // The first administrator warms caches and compiles: not counted.
        if (a > 0) by.set(turn.kind, { turns: row.turns + 1, statements: row.statements + statements - before, ms: row.ms + performance.now() - started });
      }
    }
  } finally {
    await app.stop();
    await scratch?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  console.log(`| turn | turns | SQL statements / turn | ms / turn |\n| --- | ---: | ---: | ---: |`);
  let all = { turns: 0, statements: 0, ms: 0 };
  for (const [kind, r] of by) {
    console.log(`| ${kind} | ${r.turns} | ${(r.statements / r.turns).toFixed(1)} | ${(r.ms / r.turns).toFixed(1)} |`);
    all = { turns: all.turns + r.turns, statements: all.statements + r.statements, ms: all.ms + r.ms };
  }
  console.log(`| all | ${all.turns} | ${(all.statements / all.turns).toFixed(1)} | ${(all.ms / all.turns).toFixed(1)} |`);
}

await main();
