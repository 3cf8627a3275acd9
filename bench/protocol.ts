import { randomBytes } from 'node:crypto';
import net from 'node:net';
import pg from 'pg';
import { pgConfigFromUrl } from '../src/store/database.ts';

/** What the bench's scripts share (bench/run.ts, bench/load.ts, bench/profile.ts, bench/scale.ts). */
export const BENCH_SECRET = 'bench-signing-secret';

export type Scenario = {
  name: string;
  /** open: `rate` messages/s whatever the replies; closed: each conversation sends when its turn is answered. */
  mode: 'open' | 'closed';
  rate?: number;
  durationMs: number;
  conversations: number;
  /** Distinguishes the user ids of this scenario from earlier ones (each scenario starts fresh conversations). */
  prefix: string;
  /** How long to wait for outstanding replies after the last send. */
  drainMs: number;
  /** Which endpoint the administrators use: signed Slack events (default) or Bot Framework activities to /api/messages. */
  channel?: 'slack' | 'teams';
  /**
   * Slack only: the turns that have a button click them (signed `block_actions` payloads)
   * instead of typing: "Register my organization" after "hi", Skip on the optional question.
   */
  clicks?: boolean;
};

export type ScenarioResult = {
  name: string;
  sent: number;
  acked: number;
  replied: number;
  errors: { http: number; network: number; noReply: number };
  extraPosts: number;
  elapsedMs: number;
  sendRate: number;
  replyThroughput: number;
  ack: Percentiles;
  reply: Percentiles;
  /** With `clicks`: turns sent as button clicks, and click turns typed instead because their button had not arrived yet. */
  clicks?: { clicked: number; typedInstead: number };
};
export type Percentiles = { p50: number; p95: number; p99: number; max: number };

/** The organization form's 14 answers, in order: the conversation every bench plays after "hi" and "new organization". */
export const BENCH_ANSWERS = [
  'Mentoring Association of Bench Town',
  'Bench Mentors',
  'https://bench.example.org/',
  '1234 Barrington Street',
  'Halifax',
  'NS',
  'B3H 4R2',
  '902 555 0134',
  'charity',
  'English, French',
  'We match young people with caring adult mentors.',
  'Amelie Cormier',
  'amelie.cormier@bench.example.org',
  '902 555 0177',
];

/** A free TCP port on 127.0.0.1 (the app under test listens there). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** A fresh database on the server at `adminUrl` for one run, and how to drop it afterwards. */
export async function scratchDatabase(adminUrl: string, prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = async (sql: string) => {
    const c = new pg.Client(pgConfigFromUrl(adminUrl));
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
