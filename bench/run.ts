/**
 * `npm run bench`: the assistant against the floor (a minimal Bolt app, plus a botbuilder
 * echo for Teams), each in its own process on 127.0.0.1, loaded by bench/load.ts (another
 * process) with signed Slack DM events, signed Slack button clicks and Teams activities. The
 * assistant runs on PostgreSQL (a fresh database, dropped at the end) and on PGlite (a
 * temporary DATA_DIR). Prints markdown tables; `--docs` also rewrites docs/performance.md
 * with them (`--docs=<file>` rewrites another file, e.g. a copy, between the same markers).
 *
 *   npm run bench                 # ~4.5 minutes
 *   npm run bench -- --quick      # ~2 minutes (2 s scenarios; start-ups take ~30 s of it)
 *   npm run bench -- --only floor,postgres,pglite --docs
 *
 * BENCH_CPU_PROF=<dir> writes a CPU profile of the app under test (not the floor) there.
 * BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres) names the
 * server where the per-run database is created; if it cannot be reached, that run is skipped.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { pgConfigFromUrl } from '../src/store/database.ts';
import { BENCH_SECRET, freePort, type Scenario, type ScenarioResult } from './protocol.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const docsArg = args.find((a) => a === '--docs' || a.startsWith('--docs='));
const docsFile = docsArg ? path.resolve(docsArg.includes('=') ? docsArg.slice('--docs='.length) : path.join(root, 'docs/performance.md')) : undefined;
const onlyArg = args.find((a) => a.startsWith('--only'));
const only = onlyArg ? (onlyArg.includes('=') ? onlyArg.split('=')[1]! : (args[args.indexOf(onlyArg) + 1] ?? '')).split(',') : ['floor', 'postgres', 'pglite'];
const adminUrl = process.env['BENCH_DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const CONVERSATIONS = 100;
const durationMs = quick ? 2000 : 10_000;
const CLK_TCK = 100;

type TargetKind = 'floor' | 'postgres' | 'pglite';
type Measured = ScenarioResult & { cpuMs: number; peakRssMb: number; cpuPerReplyMs: number; postgresCpuMs?: number };
type TargetResult = { kind: TargetKind; description: string; startupMs: number; scenarios: Measured[]; finalRssMb: number; skipped?: string };

// ------------------------------------------------------------------ processes

const tsxImport = ['--import', 'tsx'];


function cpuMsOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / CLK_TCK;
}

function statusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
  return m ? Number(m[1]) : NaN;
}

/** CPU time of each `postgres` process on this machine, by pid (the server's backends do the assistant's queries). */
function postgresCpuByPid(): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) === 'postgres') byPid.set(Number(entry), cpuMsOf(Number(entry)));
    } catch {
      // gone
    }
  }
  return byPid;
}

/**
 * PostgreSQL's CPU between two readings: what each process still running used meanwhile, all
 * of what a process started meanwhile used. A backend that ended in between takes its share
 * with it (a lower bound, never negative: a plain difference of sums went below zero when
 * other clients' backends ended).
 */
function postgresCpuSince(before: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of postgresCpuByPid()) total += ms - (before.get(pid) ?? 0);
  return Math.max(0, total);
}

/** Resets the peak RSS (VmHWM) so each scenario gets its own; false where the kernel refuses. */
function resetPeak(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

async function waitHealthy(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the process exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url}/healthz did not answer within ${timeoutMs} ms`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

// ------------------------------------------------------------------ the load generator

type LoadMessage = { type: string; id?: number; apiUrl?: string; result?: ScenarioResult; error?: string };

async function startLoad(): Promise<{ apiUrl: string; run(target: string, kind: 'assistant' | 'floor', scenario: Scenario): Promise<ScenarioResult>; stop(): Promise<void> }> {
  const child = fork(path.join(root, 'bench/load.ts'), [], { execArgv: tsxImport, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = new Map<number, { resolve(r: ScenarioResult): void; reject(e: Error): void }>();
  let seq = 0;
  const apiUrl = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`load generator exited (${code})`)));
    child.on('message', (m: LoadMessage) => {
      if (m.type === 'ready' && m.apiUrl) resolve(m.apiUrl);
      if (m.type === 'result' && m.id !== undefined) {
        const w = waiting.get(m.id);
        waiting.delete(m.id);
        if (m.result) w?.resolve(m.result);
        else w?.reject(new Error(m.error ?? 'scenario failed'));
      }
    });
  });
  return {
    apiUrl,
    run(target, kind, scenario) {
      const id = ++seq;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        child.send({ type: 'run', id, target, kind, scenario });
      });
    },
    async stop() {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.send({ type: 'exit' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// ------------------------------------------------------------------ one target

function scenarios(tag: string): Scenario[] {
  const drainMs = quick ? 3000 : 15_000;
  // The DM scenarios first, as they always ran, with the overload one last among them. The
  // newer ones follow once the app is quiet again: clicks, then Teams (the assistant loads
  // botbuilder at its first Teams request, ≈ 54 MB, which would otherwise weigh on the DM
  // scenarios' memory).
  return [
    { name: 'open 50/s', mode: 'open', rate: 50, durationMs, conversations: CONVERSATIONS, prefix: `${tag}A`, drainMs },
    { name: 'closed, 100 conversations', mode: 'closed', durationMs, conversations: CONVERSATIONS, prefix: `${tag}C`, drainMs },
    { name: 'open 200/s', mode: 'open', rate: 200, durationMs, conversations: CONVERSATIONS, prefix: `${tag}B`, drainMs },
    // As many conversations as take each through its first five turns (hi, click Register,
    // the legal name, click Skip, the website) in the time: two clicks in five turns.
    { name: 'open 50/s, clicks', mode: 'open', rate: 50, durationMs, conversations: (50 * durationMs) / 1000 / 5, prefix: `${tag}K`, drainMs, clicks: true },
    { name: 'Teams open 50/s', channel: 'teams', mode: 'open', rate: 50, durationMs, conversations: CONVERSATIONS, prefix: `${tag}T`, drainMs },
    { name: 'Teams closed, 100 conversations', channel: 'teams', mode: 'closed', durationMs, conversations: CONVERSATIONS, prefix: `${tag}U`, drainMs },
  ];
}

/** A short load of the same door before its first scenario (not reported): JIT, pools, auth.test, botbuilder's import. */
function warmUp(sc: Scenario, tag: string): Scenario {
  return {
    name: `warm-up (${sc.channel ?? 'slack'}${sc.clicks ? ', clicks' : ''})`,
    mode: 'open',
    rate: 20,
    durationMs: quick ? 1000 : 2000,
    conversations: sc.clicks ? 4 : 20,
    prefix: `${tag}W${sc.channel === 'teams' ? 'T' : sc.clicks ? 'K' : ''}`,
    drainMs: 10_000,
    ...(sc.channel ? { channel: sc.channel } : {}),
    ...(sc.clicks ? { clicks: true } : {}),
  };
}

async function benchTarget(kind: TargetKind, load: Awaited<ReturnType<typeof startLoad>>): Promise<TargetResult> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oa-bench-'));
  let dbName: string | undefined;
  let description: string;
  const env: Record<string, string> = {
    ...process.env,
    PORT: String(port),
    SLACK_BOT_TOKEN: 'xoxb-bench',
    SLACK_SIGNING_SECRET: BENCH_SECRET,
    SLACK_API_URL: load.apiUrl,
  } as Record<string, string>;
  let entry: string;
  if (kind === 'floor') {
    entry = 'bench/floor.ts';
    description = 'floor: Bolt ExpressReceiver, fixed reply, no database';
  } else {
    entry = 'src/main.ts';
    Object.assign(env, { HOST: '127.0.0.1', PUBLIC_URL: `http://127.0.0.1:${port}`, DATA_DIR: dataDir, LOG_LEVEL: 'warn', SLACK_STAFF_CHANNEL: 'CSTAFF' });
    delete env['DATABASE_URL'];
    delete env['SMTP_URL'];
    if (kind === 'postgres') {
      dbName = `oa_bench_${randomBytes(5).toString('hex')}`;
      const admin = new pg.Client(pgConfigFromUrl(adminUrl));
      try {
        await admin.connect();
        await admin.query(`CREATE DATABASE ${dbName}`);
      } catch (error) {
        fs.rmSync(dataDir, { recursive: true, force: true });
        return { kind, description: 'assistant on PostgreSQL', startupMs: NaN, scenarios: [], finalRssMb: NaN, skipped: `PostgreSQL unreachable at ${adminUrl}: ${String(error)}` };
      } finally {
        await admin.end().catch(() => {});
      }
      const url = new URL(adminUrl);
      url.pathname = `/${dbName}`;
      env['DATABASE_URL'] = url.toString();
      description = `assistant on PostgreSQL (${url.host}, fresh database)`;
    } else {
      description = 'assistant on PGlite (temporary DATA_DIR)';
    }
  }
  const t0 = performance.now();
  // BENCH_CPU_PROF=<dir>: the app under test writes a CPU profile there when it stops.
  const profile = process.env['BENCH_CPU_PROF'] && kind !== 'floor' ? ['--cpu-prof', '--cpu-prof-dir', process.env['BENCH_CPU_PROF']] : [];
  const child = spawn(process.execPath, [...profile, ...tsxImport, entry], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
  const pid = child.pid!;
  const result: TargetResult = { kind, description, startupMs: NaN, scenarios: [], finalRssMb: NaN };
  try {
    const target = `http://127.0.0.1:${port}`;
    await waitHealthy(target, child);
    result.startupMs = performance.now() - t0;
    const loadKind = kind === 'floor' ? 'floor' : 'assistant';
    const tag = randomBytes(2).toString('hex').toUpperCase();
    const warmed = new Set<string>();
    for (const sc of scenarios(tag)) {
      const door = `${sc.channel ?? 'slack'}${sc.clicks ? ' clicks' : ''}`;
      if (!warmed.has(door)) {
        warmed.add(door);
        await load.run(target, loadKind, warmUp(sc, tag));
      }
      const peakResettable = resetPeak(pid);
      const cpu0 = cpuMsOf(pid);
      const pg0 = kind === 'postgres' ? postgresCpuByPid() : new Map<number, number>();
      const r = await load.run(target, loadKind, sc);
      const cpuMs = cpuMsOf(pid) - cpu0;
      const peak = statusKb(pid, 'VmHWM') / 1024;
      result.scenarios.push({
        ...r,
        cpuMs,
        cpuPerReplyMs: cpuMs / Math.max(1, r.replied),
        peakRssMb: peak,
        ...(kind === 'postgres' ? { postgresCpuMs: postgresCpuSince(pg0) } : {}),
      });
      process.stderr.write(
        `  ${kind.padEnd(8)} ${sc.name.padEnd(31)} sent ${r.sent} replied ${r.replied}${r.clicks ? ` (clicked ${r.clicks.clicked}, typed instead ${r.clicks.typedInstead})` : ''} ack p50 ${r.ack.p50.toFixed(1)} ms, reply p50 ${r.reply.p50.toFixed(1)} / p99 ${r.reply.p99.toFixed(1)} ms, cpu ${cpuMs.toFixed(0)} ms, peak ${peak.toFixed(0)} MB${peakResettable ? '' : ' (lifetime peak)'}${r.extraPosts ? `, ${r.extraPosts} posts matched to no message` : ''}\n`,
      );
    }
    result.finalRssMb = statusKb(pid, 'VmRSS') / 1024;
  } finally {
    await stopChild(child);
    if (dbName) {
      const admin = new pg.Client(pgConfigFromUrl(adminUrl));
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await admin.end();
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  return result;
}

// ------------------------------------------------------------------ report

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '–');
const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '–');
const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `×${(a / b).toFixed(1)}` : '–');

function table(results: TargetResult[]): string {
  const floor = results.find((r) => r.kind === 'floor');
  const lines: string[] = [];
  const names = results.flatMap((r) => r.scenarios.map((s) => s.name)).filter((n, i, all) => all.indexOf(n) === i);
  for (const name of names) {
    lines.push(`#### ${name} for ${durationMs / 1000} s`, "");
    lines.push('| | sent | replied | errors (http/net/no reply) | ack p50 / p95 / p99 ms | reply p50 / p95 / p99 ms | replies/s | CPU s (+ PostgreSQL server) | CPU ms per reply | peak RSS MB |');
    lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    const base = floor?.scenarios.find((s) => s.name === name);
    for (const r of results) {
      const s = r.scenarios.find((x) => x.name === name);
      if (!s) continue;
      lines.push(
        `| ${r.kind} | ${s.sent} | ${s.replied} | ${s.errors.http}/${s.errors.network}/${s.errors.noReply} | ${f1(s.ack.p50)} / ${f1(s.ack.p95)} / ${f1(s.ack.p99)} | ${f1(s.reply.p50)} / ${f1(s.reply.p95)} / ${f1(s.reply.p99)} | ${f1(s.replyThroughput)} | ${(s.cpuMs / 1000).toFixed(2)}${s.postgresCpuMs !== undefined ? ` (+ ${(s.postgresCpuMs / 1000).toFixed(2)})` : ''} | ${f1(s.cpuPerReplyMs)} | ${f0(s.peakRssMb)} |`,
      );
    }
    if (base) {
      for (const r of results) {
        const s = r.scenarios.find((x) => x.name === name);
        if (!s || r.kind === 'floor') continue;
        lines.push(
          `| ${r.kind} ÷ floor | | | | ${ratio(s.ack.p50, base.ack.p50)} / ${ratio(s.ack.p95, base.ack.p95)} / ${ratio(s.ack.p99, base.ack.p99)} | ${ratio(s.reply.p50, base.reply.p50)} / ${ratio(s.reply.p95, base.reply.p95)} / ${ratio(s.reply.p99, base.reply.p99)} | ${ratio(s.replyThroughput, base.replyThroughput)} | ${ratio(s.cpuMs, base.cpuMs)} | ${ratio(s.cpuPerReplyMs, base.cpuPerReplyMs)} | ${ratio(s.peakRssMb, base.peakRssMb)} |`,
        );
      }
    }
    // What the table cannot say: how many turns were clicks, and what a Teams ack is.
    const clicked = results.flatMap((r) => {
      const c = r.scenarios.find((x) => x.name === name)?.clicks;
      return c ? [`${r.kind} ${c.clicked} clicks${c.typedInstead ? ` (${c.typedInstead} typed instead: the button had not arrived yet)` : ''}`] : [];
    });
    if (clicked.length > 0) lines.push('', `Signed \`block_actions\` payloads among the turns sent: ${clicked.join('; ')}.`);
    if (name.startsWith('Teams')) lines.push('', 'Teams runs a turn inside its request (botbuilder answers when the turn is over): ack ≥ reply.');
    lines.push('');
  }
  lines.push('| | start-up to healthy (ms) | RSS at the end (MB) |', '| --- | ---: | ---: |');
  for (const r of results) lines.push(`| ${r.kind} | ${r.skipped ? `skipped: ${r.skipped}` : f0(r.startupMs)} | ${f0(r.finalRssMb)} |`);
  return lines.join('\n');
}

function machine(): string {
  const cpus = os.cpus();
  const load = os.loadavg().map((l) => l.toFixed(2)).join(', ');
  return `${cpus.length} × ${cpus[0]?.model ?? 'CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB RAM, ${os.type()} ${os.release()}, Node ${process.version}; load average before the run: ${load}`;
}

// ------------------------------------------------------------------ main

const startedAt = new Date();
const machineBefore = machine();
process.stderr.write(`bench${quick ? ' --quick' : ''}: ${machineBefore}\n`);
const load = await startLoad();
const results: TargetResult[] = [];
try {
  for (const kind of ['floor', 'postgres', 'pglite'] as const) {
    if (!only.includes(kind)) continue;
    process.stderr.write(`${kind}…\n`);
    results.push(await benchTarget(kind, load));
  }
} finally {
  await load.stop();
}
const elapsed = ((Date.now() - startedAt.getTime()) / 1000).toFixed(0);
const markdown = `Measured ${startedAt.toISOString()} (${elapsed} s, ${quick ? '--quick' : 'full run'}) on ${machineBefore}; load average after: ${os
  .loadavg()
  .map((l) => l.toFixed(2))
  .join(', ')}.\n\n${table(results)}\n`;
process.stdout.write(`\n${markdown}`);
fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true });
fs.writeFileSync(path.join(root, 'bench/results/latest.md'), markdown);
fs.writeFileSync(path.join(root, 'bench/results/latest.json'), JSON.stringify({ startedAt, quick, machine: machineBefore, results }, null, 2));
if (docsFile) {
  const text = fs.existsSync(docsFile) ? fs.readFileSync(docsFile, 'utf8') : '';
  const begin = '<!-- bench:begin -->';
  const end = '<!-- bench:end -->';
  const block = `${begin}\n${markdown}${end}`;
  // A function, so that a `$` in the tables is not read as a replacement pattern.
  const next = text.includes(begin) ? text.replace(new RegExp(`${begin}[\\s\\S]*${end}`), () => block) : `${text}\n${block}\n`;
  fs.writeFileSync(docsFile, next);
  process.stderr.write(`wrote the tables into ${docsFile}\n`);
}
