/**
 * `npm run bench:scale`: the assistant with 100,000 organizations stored. Seeds a fresh
 * PostgreSQL database (BENCH_DATABASE_URL, default the local server) with organizations
 * that each have a program, their submissions, decisions, history and pending reminders —
 * copies, made in SQL, of one organization and program taken through steps 1 and 2 by the
 * real service — then measures:
 *
 * - `status` look-ups by support (organization name fragment, exact email, program name):
 *   p50 / p95 / p99, through the service and through the conversation core;
 * - resident memory of the app on the seeded database against an empty one (snapshots are
 *   read on demand, so it must not grow with what is stored);
 * - start-up to a 200 `/healthz` of `src/main.ts` on the seeded database (under tsx, as
 *   `npm start` runs it, and compiled, as a production build would).
 *
 *   npm run bench:scale                      # 100,000 organizations (~1–2 minutes)
 *   npm run bench:scale -- --orgs 20000
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startApp, type RunningApp } from '../src/app.ts';
import { parseConfig } from '../src/config.ts';
import type { Actor, FormRef } from '../src/core/onboarding-service.ts';
import { pgConfigFromUrl } from '../src/store/database.ts';
import { makeOrganizationAnswers, makeProgramAnswers } from '../test/forms/fixtures.ts';
import { freePort, scratchDatabase } from './protocol.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const ORGS = Number(arg('orgs') ?? 100_000);
const LOOKUPS = Number(arg('lookups') ?? 600);
const adminUrl = process.env['BENCH_DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

const PROGRAM_EMAIL = 'template.program@seed.example.org';
const WORDS_A = ['Northern', 'Coastal', 'Prairie', 'Mountain', 'River', 'Island', 'Valley', 'Harbour', 'Maple', 'Aurora', 'Cedar', 'Lakeside', 'Summit', 'Bridge', 'Meadow', 'Granite', 'Tidal', 'Boreal', 'Sunrise', 'Evergreen'];
const WORDS_B = ['Youth', 'Mentors', 'Futures', 'Pathways', 'Allies', 'Compass', 'Horizons', 'Roots', 'Sparks', 'Guides'];


function percentiles(samples: number[]): { p50: number; p95: number; p99: number; max: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: s[s.length - 1] ?? 0 };
}
const ms = (n: number) => n.toFixed(1);


async function inProcessApp(databaseUrl: string): Promise<RunningApp> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oa-scale-'));
  const config = parseConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, DATABASE_URL: databaseUrl, LOG_LEVEL: 'error', OUTBOX_WORKER: 'false', STAFF_IDS: 'bench:staff', SUPPORT_IDS: 'bench:support' });
  return startApp(config);
}

async function fill(app: RunningApp, actor: Actor, ref: FormRef, answers: Record<string, unknown>): Promise<void> {
  const view = await app.service.formView(actor, ref);
  for (const section of view.form.sections) {
    const r = await app.service.answerSection(actor, ref, section.id, Object.fromEntries(section.fields.map((f) => [f.id, answers[f.id]])));
    if (!r.ok) throw new Error(`section ${section.id} refused: ${JSON.stringify(r.errors)}`);
  }
}

/** One organization and its program through steps 1 and 2, by the real service: the template. */
async function template(app: RunningApp): Promise<{ personId: string; organizationId: string; programId: string; email: string; orgName: string; programName: string }> {
  const { service, store } = app;
  const staff = await service.identify({ channel: 'bench', externalId: 'staff', displayName: 'Sam Staff' });
  const admin = await service.identify({ channel: 'bench', externalId: 'template-admin', displayName: 'Template Admin' });
  const email = 'template.admin@seed.example.org';
  const orgName = 'Template Mentoring Association';
  const start = await service.startOrganization(admin);
  const orgRef = { formId: 'organization' as const, entityId: start.entityId };
  await fill(app, admin, orgRef, makeOrganizationAnswers({ legalName: orgName, adminEmail: email }));
  const submitted = await service.submit(admin, orgRef);
  if (!submitted.ok || !('submissionId' in submitted)) throw new Error('template organization not submitted');
  if (!(await service.decide(staff, { submissionId: submitted.submissionId, outcome: 'approved' })).ok) throw new Error('template organization not approved');
  const mail = JSON.stringify(await store.outboxMessages({ kind: 'email' }));
  const token = /activate\?token=([^"\\&]+)/.exec(mail)?.[1];
  if (!token) throw new Error('no activation link in the outbox');
  const activated = await service.completeActivation(decodeURIComponent(token), { email, password: 'correct horse battery staple', acceptTerms: true });
  if (!activated.ok) throw new Error('template organization not activated');
  const programName = 'Template Pathways Program';
  const program = await service.startProgram(admin, start.entityId);
  const progRef = { formId: 'program' as const, entityId: program.entityId };
  await fill(app, admin, progRef, makeProgramAnswers({ name: programName, programAdminEmail: PROGRAM_EMAIL }));
  const sent = await service.submit(admin, progRef);
  if (!sent.ok || !('submissionId' in sent)) throw new Error('template program not submitted');
  if (!(await service.decide(staff, { submissionId: sent.submissionId, outcome: 'approved' })).ok) throw new Error('template program not approved');
  const person = await store.findPersonByEmail(email);
  if (!person) throw new Error('template administrator not found');
  return { personId: person.id, organizationId: start.entityId, programId: program.entityId, email, orgName, programName };
}

/**
 * Copies of the template in SQL: every id, name and email replaced in every row and in the
 * JSON (snapshots, answers, payloads), so each copy is as real as the template.
 */
async function seed(databaseUrl: string, t: Awaited<ReturnType<typeof template>>, count: number): Promise<void> {
  const c = new pg.Client(pgConfigFromUrl(databaseUrl));
  await c.connect();
  try {
    await c.query(`CREATE TEMP TABLE n AS SELECT i, ($2::text[])[1 + i % 20] || ' ' || ($3::text[])[1 + (i / 20) % 10] || ' Association ' || i AS org_name,
      ($3::text[])[1 + i % 10] || ' Program ' || i AS program_name FROM generate_series(1, $1::int) i`, [count, WORDS_A, WORDS_B]);
    // Every text column and JSON value: ids, names and emails of the template become the copy's.
    const swap = (col: string) =>
      `replace(replace(replace(replace(replace(replace(replace(${col}, '${t.organizationId}', 'o-' || n.i), '${t.programId}', 'g-' || n.i), '${t.personId}', 'p-' || n.i), '${t.email}', 'admin' || n.i || '@seed.example.org'), '${PROGRAM_EMAIL}', 'program' || n.i || '@seed.example.org'), '${t.orgName}', n.org_name), '${t.programName}', n.program_name)`;
    /** `extra`: a column's value as SQL, or null to leave it to its default (a serial id). */
    const copy = async (table: string, where: string, extra: Record<string, string | null> = {}) => {
      const all = (await c.query<{ column_name: string; data_type: string }>(`SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`, [table])).rows;
      const cols = all.filter((col) => extra[col.column_name] !== null);
      const list = cols.map((col) => `"${col.column_name}"`).join(', ');
      const values = cols
        .map(({ column_name: name, data_type: type }) => {
          if (extra[name]) return extra[name];
          if (type === 'jsonb') return `${swap(`t."${name}"::text`)}::jsonb`;
          if (type === 'text') return swap(`t."${name}"`);
          return `t."${name}"`;
        })
        .join(', ');
      await c.query(`INSERT INTO "${table}" (${list}) SELECT ${values} FROM "${table}" t CROSS JOIN n WHERE ${where}`);
    };
    const ids = `('${t.organizationId}', '${t.programId}')`;
    await copy('Person', `t.id = '${t.personId}'`);
    await copy('ChannelIdentity', `t."personId" = '${t.personId}'`, { id: `'bench:seed-' || n.i`, externalId: `'seed-' || n.i` });
    await copy('Organization', `t.id = '${t.organizationId}'`, { searchName: 'lower(n.org_name)' });
    await copy('Program', `t.id = '${t.programId}'`, { searchName: 'lower(n.program_name)' });
    await copy('WorkflowSnapshot', `t."entityId" IN ${ids}`);
    const submissions = (await c.query<{ id: string }>(`SELECT id FROM "Submission" WHERE "entityId" IN ${ids}`)).rows.map((r) => `'${r.id}'`).join(', ');
    await copy('Submission', `t."entityId" IN ${ids}`, { id: `t.id || '-' || n.i` });
    await copy('ContactEmail', `t."entityId" IN ${ids}`);
    await copy('Decision', `t."submissionId" IN (${submissions})`, { id: `t.id || '-' || n.i`, submissionId: `t."submissionId" || '-' || n.i` });
    await copy('AuditEvent', `t."entityId" IN ${ids}`, { id: null });
    await copy('OutboxMessage', `t.kind = 'reminder' AND t.status = 'pending'`, { id: `t.id || '-' || n.i` });
    await copy('LinkToken', `t."entityId" IN ${ids}`, { id: `t.id || '-' || n.i` });
    await c.query('ANALYZE');
  } finally {
    await c.end();
  }
}

async function rssAfterGc(): Promise<number> {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 50));
  return process.memoryUsage().rss / 1024 / 1024;
}

/** `src/main.ts` in its own process: ms until `/healthz` answers 200, and its RSS then (MB). */
async function startup(databaseUrl: string, compiled: boolean): Promise<{ ms: number; rssMb: number }> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oa-scale-start-'));
  const argv = compiled ? [path.join(root, 'dist/src/main.js')] : ['--import', 'tsx', 'src/main.ts'];
  const started = performance.now();
  const child = spawn(process.execPath, argv, {
    cwd: root,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, DATABASE_URL: databaseUrl, LOG_LEVEL: 'error', OUTBOX_WORKER: 'false' },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      if (child.exitCode !== null) throw new Error(`main exited with ${child.exitCode}`);
      if (performance.now() - started > 60_000) throw new Error('no /healthz within 60 s');
      await new Promise((r) => setTimeout(r, 10));
    }
    const elapsed = performance.now() - started;
    const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { ms: elapsed, rssMb: rssKb / 1024 };
  } finally {
    child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const lines: string[] = [];
  const say = (line: string) => {
    lines.push(line);
    console.log(line);
  };
  const empty = await scratchDatabase(adminUrl, 'oa_scale');
  const db = await scratchDatabase(adminUrl, 'oa_scale');
  try {
    // The empty database: start-up and memory for comparison.
    const emptyApp = await inProcessApp(empty.url);
    await emptyApp.stop();

    let app = await inProcessApp(db.url);
    const t = await template(app);
    await app.stop();
    const seedStart = performance.now();
    await seed(db.url, t, ORGS);
    const seedMs = performance.now() - seedStart;

    app = await inProcessApp(db.url);
    const rssBefore = await rssAfterGc();
    const support = await app.service.identify({ channel: 'bench', externalId: 'support', displayName: 'Sue Support' });
    const pick = (k: number) => 1 + ((k * 7919) % ORGS);
    const queries = Array.from({ length: LOOKUPS }, (_, k) => {
      const i = pick(k);
      const kind = k % 3;
      return kind === 0 ? `${WORDS_B[Math.floor(i / 20) % 10]} Association ${i}` : kind === 1 ? `admin${i}@seed.example.org` : `${WORDS_B[i % 10]} Program ${i}`;
    });
    // Warm-up (connections, plans), not counted.
    for (const q of queries.slice(0, 30)) await app.service.status(support, q);
    const direct: number[] = [];
    const byKind: number[][] = [[], [], []];
    for (const [k, q] of queries.entries()) {
      const s = performance.now();
      const found = await app.service.status(support, q);
      direct.push(performance.now() - s);
      byKind[k % 3]!.push(performance.now() - s);
      if (found.length === 0) throw new Error(`nothing found for ${q}`);
    }
    const conversation = { channel: 'bench', id: 'support-dm', personal: true };
    const speaker = { channel: 'bench', externalId: 'support', displayName: 'Sue Support' };
    const viaCore: number[] = [];
    for (const q of queries) {
      const s = performance.now();
      await app.core.handle(speaker, conversation, { kind: 'text', text: `status ${q}` });
      viaCore.push(performance.now() - s);
    }
    const rssAfter = await rssAfterGc();
    await app.stop();

    const startEmpty = await startup(empty.url, false);
    const startSeeded = await startup(db.url, false);
    const hasBuild = fs.existsSync(path.join(root, 'dist/src/main.js'));
    const builtEmpty = hasBuild ? await startup(empty.url, true) : undefined;
    const builtSeeded = hasBuild ? await startup(db.url, true) : undefined;

    const d = percentiles(direct);
    const c = percentiles(viaCore);
    say(`Stored: ${ORGS.toLocaleString('en')} organizations, each with a program, 2 submissions and decisions, its history and pending reminders (seeded in ${(seedMs / 1000).toFixed(1)} s).`);
    say('');
    say('| `status` look-up (support) | n | p50 ms | p95 ms | p99 ms | max ms |');
    say('| --- | ---: | ---: | ---: | ---: | ---: |');
    say(`| service (\`OnboardingService.status\`) | ${direct.length} | ${ms(d.p50)} | ${ms(d.p95)} | ${ms(d.p99)} | ${ms(d.max)} |`);
    say(`| conversation core (typed \`status …\`) | ${viaCore.length} | ${ms(c.p50)} | ${ms(c.p95)} | ${ms(c.p99)} | ${ms(c.max)} |`);
    for (const [k, label] of ['… by organization name fragment', '… by email', '… by program name'].entries()) {
      const p = percentiles(byKind[k]!);
      say(`| ${label} | ${byKind[k]!.length} | ${ms(p.p50)} | ${ms(p.p95)} | ${ms(p.p99)} | ${ms(p.max)} |`);
    }
    say('');
    say('| Start-up to 200 `/healthz` (PostgreSQL) | empty database | 100k organizations |'.replace('100k', `${Math.round(ORGS / 1000)}k`));
    say('| --- | ---: | ---: |');
    say(`| \`src/main.ts\` under tsx (\`npm start\`) | ${ms(startEmpty.ms)} ms, ${ms(startEmpty.rssMb)} MB | ${ms(startSeeded.ms)} ms, ${ms(startSeeded.rssMb)} MB |`);
    if (builtEmpty && builtSeeded) say(`| compiled (\`npm run build\`, \`node dist/src/main.js\`) | ${ms(builtEmpty.ms)} ms, ${ms(builtEmpty.rssMb)} MB | ${ms(builtSeeded.ms)} ms, ${ms(builtSeeded.rssMb)} MB |`);
    say('');
    say(`In-process app on the seeded database: ${ms(rssBefore)} MB resident before the look-ups, ${ms(rssAfter)} MB after ${direct.length + viaCore.length} of them.`);
    fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true });
    fs.writeFileSync(path.join(root, 'bench/results/scale.md'), `${lines.join('\n')}\n`);
  } finally {
    await db.drop();
    await empty.drop();
  }
}

await main();
