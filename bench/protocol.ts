/** What bench/run.ts and bench/load.ts share. */
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
