import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../src/config.ts';
import { runCli } from '../../src/cli/run-cli.ts';
import { textTable } from '../../src/cli/text-table.ts';
import { linkIn } from '../helpers/app.ts';
import { onPostgres } from '../helpers/db.ts';
import { approvedOrganization, mailKind, mailsTo, newAdmin } from '../helpers/journey.ts';
import { grantedProgram, P2_NAME, startFunnelScenario, type FunnelScenario } from '../funnel/scenario.ts';

/**
 * The operator CLI: in-process against the test app's store (as `npm run onboarding`
 * would run it against the same database), and once as a real process.
 */

type Run = { code: number; out: string; err: string };

const N_NAME = 'Northern Lights Youth Mentoring';
const Q_NAME = 'Reading Buddies Moncton';

describe('npm run onboarding', () => {
  let s: FunnelScenario;
  let config: Config;
  let n: Awaited<ReturnType<typeof approvedOrganization>>;
  let q: Awaited<ReturnType<typeof grantedProgram>>;
  let appStopped = false;

  beforeAll(async () => {
    s = await startFunnelScenario();
    config = parseConfig({
      DATA_DIR: s.t.db.dataDir,
      ...(s.t.db.databaseUrl ? { DATABASE_URL: s.t.db.databaseUrl } : {}),
      STAFF_IDS: 'test:staff-1,test:staff-2',
      SUPPORT_IDS: 'test:support-1',
      PUBLIC_URL: 'http://127.0.0.1:3978',
    });
    // One organization waiting for activation (step 1) and one program of A waiting for its platform registration (step 4).
    n = await approvedOrganization(s.t, await newAdmin(s.t.app.service), { legalName: N_NAME });
    q = await grantedProgram(s.t, s.adminA, s.ids.A, Q_NAME);
  });
  afterAll(async () => {
    if (!s) return;
    if (appStopped) {
      await s.t.smtp.close();
      await s.t.db.drop();
    } else {
      await s.t.close();
    }
  });

  async function cli(...argv: string[]): Promise<Run> {
    let out = '';
    let err = '';
    const code = await runCli(argv, {
      config,
      out: { write: (c: string) => (out += c) },
      err: { write: (c: string) => (err += c) },
      store: s.t.app.store,
      clock: () => s.clock.now,
    });
    return { code, out, err };
  }

  it('publishes, lists and cancels onboarding sessions', async () => {
    const day = new Date(s.clock.now.getTime() + 10 * 86_400_000).toISOString().slice(0, 10);
    const bad = await cli('publish-session', day, '14:00');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/Usage: publish-session/);
    const published = await cli('publish-session', day, '14:00', 'America/Halifax', '60', 'fr', '15', 'https://meet.example.org/cli');
    expect(published.code, published.err).toBe(0);
    expect(published.out).toMatch(/Session published/);
    const list = await cli('sessions');
    expect(list.out).toMatch(new RegExp(`${day} 14:00 \\(America/Halifax\\)`));
    const number = list.out.split('\n').find((l) => l.includes('meet.example.org/cli'))?.match(/^(\d+)\./)?.[1];
    expect(number).toBeTruthy();
    const cancelled = await cli('cancel-session', number!, 'Presenter', 'ill');
    expect(cancelled.code, cancelled.err).toBe(0);
    expect((await cli('sessions')).out).not.toMatch(/meet\.example\.org\/cli/);
  });

  function spawnCli(args: string[]): Promise<Run> {
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: config.dataDir, LOG_LEVEL: 'silent' };
    delete env.DATABASE_URL;
    if (config.databaseUrl) env.DATABASE_URL = config.databaseUrl;
    return new Promise((resolve, reject) => {
      const child = spawn(path.resolve('node_modules/.bin/tsx'), ['src/cli/onboarding.ts', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code: code ?? -1, out, err }));
    });
  }

  it('explains itself, and refuses bad usage with exit code 2', async () => {
    const help = await cli('help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('status <query>');
    expect(help.out).toContain('resend <activation|platform> <query>');
    expect((await cli('--lang', 'fr', 'help')).out).toContain('Commandes :');
    expect((await cli('frobnicate')).code).toBe(2);
    expect((await cli('status')).code).toBe(2);
    expect((await cli('resend', 'password', 'x')).code).toBe(2);
    const badLang = await cli('--lang', 'de', 'report');
    expect(badLang.code).toBe(2);
    expect(badLang.err).toContain('--lang');
  });

  it('status: finds an organization by part of its name, ignoring case, and says where it stands', async () => {
    const suffix = s.nameA.split(' ').at(-1) ?? '';
    const r = await cli('status', `MENTORING association ${suffix}`);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(s.nameA);
    expect(r.out).toContain(s.ids.A);
    expect(r.out).toMatch(/Step\s+Step 1 of 4 — Register the organization/);
    expect(r.out).toMatch(/Waiting on\s+nobody \(finished\)/);
    expect(r.out).toMatch(/Since\s+2025-03-03 09:00 \(2 days ago\)/);
    // Its programs, then its last 10 events.
    expect(r.out).toContain(P2_NAME);
    expect(r.out).toContain(Q_NAME);
    expect(r.out).toContain('awaitingPlatformRegistration');
    expect(r.out).toContain('Last 10 events');
    const events = r.out.split('Last 10 events')[1]?.trim().split('\n') ?? [];
    expect(events).toHaveLength(12); // header, rule, 10 events
  });

  it('status: by exact email, by program name, by identifier, and in French', async () => {
    const byEmail = await cli('status', n.adminEmail);
    expect(byEmail.code).toBe(0);
    expect(byEmail.out).toContain(N_NAME);
    expect(byEmail.out).toContain('awaitingActivation');
    const byProgram = await cli('status', 'reading buddies');
    expect(byProgram.out).toContain(s.nameA);
    const byId = await cli('status', s.ids.P1);
    expect(byId.out).toContain(s.nameA);
    const fr = await cli('status', N_NAME, '--lang', 'fr');
    expect(fr.out).toContain('Étape 1 sur 4 — Inscrire l’organisme');
    expect(fr.out).toContain('la personne administratrice');
  });

  it('status: lists the matches when a query is ambiguous, and says when nothing matches', async () => {
    const many = await cli('status', 'mentoring association');
    expect(many.code).toBe(0);
    expect(many.out).toMatch(/^\d+ organizations match “mentoring association”:/);
    expect(many.out).toContain(s.ids.A);
    expect(many.out).toContain('Run the command again with one identifier');
    const none = await cli('status', 'no such organization anywhere');
    expect(none.code).toBe(1);
    expect(none.err).toContain('No organization, program or email matches “no such organization anywhere”.');
  });

  it('history: prints the full audit trail, oldest first', async () => {
    const r = await cli('history', s.ids.A);
    expect(r.code).toBe(0);
    const trail = await s.t.app.service.history([s.ids.A, s.ids.P1, s.ids.P2, q.programId], 1000);
    expect(r.out).toContain(`(${trail.length} events, oldest first)`);
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(trail.length + 3);
    expect(lines[3]).toMatch(/^2025-03-03 07:00\s+Started/);
    expect(r.out).toContain('Platform registration completed');
    expect(r.out).toMatch(/Access granted\s+Peer Mentors Halifax\s+Sam Staff\s+accessRequested → awaitingPlatformRegistration/);
    const ambiguous = await cli('history', 'mentoring association');
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.out).toContain('This needs exactly one match; nothing was done.');
  });

  it('resend activation: a fresh link for exactly one organization; the old one stops working', async () => {
    const oldToken = new URL(n.activationLink).searchParams.get('token') ?? '';
    expect((await s.t.app.service.lookupActivation(oldToken)).ok).toBe(true);
    const r = await cli('resend', 'activation', 'northern lights');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`A new activation link for ${N_NAME} was queued`);
    await expect.poll(() => mailsTo(s.t.smtp, n.adminEmail).filter((m) => mailKind(m) === 'organizationApproved').length, { timeout: 10_000 }).toBe(2);
    const resent = mailsTo(s.t.smtp, n.adminEmail).filter((m) => mailKind(m) === 'organizationApproved')[1];
    const newToken = new URL(linkIn(resent?.text, '/activate')).searchParams.get('token') ?? '';
    expect((await s.t.app.service.lookupActivation(oldToken)).ok).toBe(false);
    expect((await s.t.app.service.lookupActivation(newToken)).ok).toBe(true);
    // Audited as the command line's support identity.
    const [latest] = await s.t.app.service.history([n.organizationId], 1);
    expect(latest).toMatchObject({ action: 'support.activationResent', actorName: 'Support (command line)' });
  });

  it('resend: refuses an ambiguous query and changes nothing', async () => {
    const before = await s.t.app.service.history([s.ids.A, s.ids.F, s.ids.H, s.ids.R, n.organizationId], 1000);
    const r = await cli('resend', 'activation', 'mentoring association');
    expect(r.code).toBe(1);
    expect(r.out).toContain('organizations match “mentoring association”');
    expect(r.out).toContain('This needs exactly one match; nothing was done.');
    // Several programs of one organization: the same.
    const programs = await cli('resend', 'platform', s.ids.A);
    expect(programs.code).toBe(1);
    expect(programs.out).toContain('3 programs match');
    const after = await s.t.app.service.history([s.ids.A, s.ids.F, s.ids.H, s.ids.R, n.organizationId], 1000);
    expect(after).toHaveLength(before.length);
  });

  it('resend platform: a new platform email for the one program named; refused when there is nothing to resend', async () => {
    const r = await cli('resend', 'platform', 'reading buddies');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`A new platform email for ${Q_NAME} was queued`);
    await expect.poll(() => mailsTo(s.t.smtp, q.platformEmail).filter((m) => mailKind(m) === 'accessGranted').length, { timeout: 10_000 }).toBe(2);
    const onboarded = await cli('resend', 'platform', P2_NAME);
    expect(onboarded.code).toBe(1);
    expect(onboarded.err).toContain('There is no pending link of that kind to resend.');
    const active = await cli('--lang', 'fr', 'resend', 'activation', s.ids.A);
    expect(active.code).toBe(1);
    expect(active.err).toContain('Il n’y a aucun lien de ce type en attente à renvoyer.');
  });

  it('report: the funnel as aligned text tables', async () => {
    const r = await cli('report');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Onboarding funnel at 2025-03-05 09:00 (America/Toronto)');
    expect(r.out).toContain('Organizations: 10 (6 active). Programs: 3 (1 onboarded).');
    const durations = r.out.split('Time spent in each step')[1]?.split('\n').slice(1, 7) ?? [];
    expect(durations[2]).toMatch(/^1 Register the organization\s+6\.0\s+19\.2\s+7$/);
    // Right-aligned numbers end in the same column.
    const ends = durations.slice(2).map((l) => l.length);
    expect(new Set(ends).size).toBe(1);
    expect(r.out).toMatch(/2025-W10\s+2025-03-03\s+5\s+1/);
    expect(r.out).toContain(s.ids.G);
    const fr = await cli('report', '--lang=fr');
    expect(fr.out).toContain('Entonnoir d’intégration au');
  });

  it('staff-link: prints a one-time sign-in link for the staff pages', async () => {
    const r = await cli('staff-link');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/http:\/\/127\.0\.0\.1:3978\/staff\/sign-in\?token=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}/);
  });

  it('runs as a process: says clearly when the assistant holds the embedded database, works once it stops', async () => {
    if (!onPostgres) {
      const locked = await spawnCli(['status', N_NAME]);
      expect(locked.code).toBe(1);
      expect(locked.err).toContain('is in use by another process, most likely the running assistant');
      expect(locked.err).toContain('DATABASE_URL');
    }
    await s.t.app.stop();
    appStopped = true;
    const r = await spawnCli(['status', N_NAME]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(N_NAME);
    expect(r.out).toContain('awaitingActivation');
  }, 60_000);
});

describe('text tables', () => {
  it('pads columns to the widest cell, right-aligning where asked, accents counted once', () => {
    const t = textTable(['Name', 'N'], [['Équipe', '5'], ['Mentorat Québec', '12']], ['left', 'right']);
    expect(t).toBe(['Name              N', '---------------  --', 'Équipe            5', 'Mentorat Québec  12', ''].join('\n'));
    expect(textTable(['A'], [['two\nlines']])).toContain('two lines');
  });
});
