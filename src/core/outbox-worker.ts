import { randomUUID } from 'node:crypto';
import type { JsonObject, OnboardingStore, OutboxRecord } from '../store/store.ts';

/**
 * Delivers outbox rows: claims due rows with a lease (SKIP LOCKED, so instances never
 * share a row), runs the handler for the row's kind, then marks it sent — or schedules a
 * retry with exponential backoff. A worker that dies mid-delivery leaves a lease that
 * expires; the row becomes due again and another worker (or this one, restarted) sends it.
 * Delivery is therefore at-least-once; Message-IDs are derived from the row id so a rare
 * re-send after a crash is recognisable as the same mail.
 */

/**
 * A handler's answer meaning "not now": the row stays pending, due again at `until`
 * (a reminder that fell in quiet hours). Not an attempt and not a failure.
 */
export class OutboxDeferral {
  constructor(
    readonly until: Date,
    /** Replaces the stored payload, as a handler's ordinary result does. */
    readonly payload?: JsonObject,
  ) {}
}

/** What the worker tells a handler about the delivery it runs. */
export type OutboxDeliveryContext = {
  /** The worker holding the row's lease: `StoreTx.finishOutbox` needs it. */
  readonly workerId: string;
};

/**
 * What a handler returns replaces the stored payload (e.g. to scrub a password once sent);
 * an `OutboxDeferral` postpones the row instead of completing it.
 */
export type OutboxHandler = (message: OutboxRecord, context?: OutboxDeliveryContext) => Promise<JsonObject | OutboxDeferral | void>;

export type OutboxWorkerOptions = {
  store: OnboardingStore;
  handlers: Record<string, OutboxHandler>;
  clock?: () => Date;
  workerId?: string;
  pollMs?: number;
  leaseMs?: number;
  maxAttempts?: number;
  /** Delay before attempt n+1, in ms. Default: 2 s doubled per attempt, capped at 15 min. */
  backoffMs?: (attempts: number) => number;
  batchSize?: number;
  onError?: (message: OutboxRecord, error: unknown) => void;
};

/** How long kicks are gathered before a delivery run (ms): mail goes out this much later at most. */
const KICK_COALESCE_MS = 20;

export class OutboxWorker {
  readonly workerId: string;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = true;
  private again = false;
  private kickPending = false;
  private readonly clock: () => Date;

  constructor(private readonly options: OutboxWorkerOptions) {
    this.workerId = options.workerId ?? `worker-${randomUUID()}`;
    this.clock = options.clock ?? (() => new Date());
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => 0);
  }

  /**
   * Asks for a delivery run soon (after a command committed new rows). Kicks are
   * coalesced: every request and every turn kicks, and under load one claim per
   * `KICK_COALESCE_MS` serves them all instead of one query per message.
   */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.kickPending) return;
    this.kickPending = true;
    this.schedule(KICK_COALESCE_MS);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.loop(), ms);
    this.timer.unref();
  }

  private async loop(): Promise<void> {
    this.kickPending = false;
    let delivered = 0;
    try {
      delivered = await this.runOnce();
    } catch (error) {
      // The database may be restarting; keep polling.
      console.error('[outbox] run failed:', error instanceof Error ? error.message : error);
    }
    // More may be due at once; kicked meanwhile: soon, but not in a loop of empty claims.
    const next = delivered > 0 ? 0 : this.again ? KICK_COALESCE_MS : (this.options.pollMs ?? 1000);
    this.again = false;
    this.schedule(next);
  }

  /** One pass: claims a batch and delivers it. Returns how many rows were handled. */
  runOnce(): Promise<number> {
    if (this.running) return this.running;
    this.running = this.deliverBatch().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async deliverBatch(): Promise<number> {
    const now = this.clock();
    const { store } = this.options;
    const batch = await store.claimOutbox({
      now,
      limit: this.options.batchSize ?? 10,
      workerId: this.workerId,
      leaseUntil: new Date(now.getTime() + (this.options.leaseMs ?? 60_000)),
      kinds: Object.keys(this.options.handlers),
    });
    for (const message of batch) {
      const handler = this.options.handlers[message.kind];
      try {
        if (!handler) throw new Error(`no handler for ${message.kind}`);
        const replaced = await handler(message, { workerId: this.workerId });
        if (replaced instanceof OutboxDeferral) await store.deferOutbox(message.id, this.workerId, replaced.until, replaced.payload);
        else await store.completeOutbox(message.id, this.workerId, this.clock(), replaced ?? undefined);
      } catch (error) {
        this.options.onError?.(message, error);
        const text = error instanceof Error ? error.message : String(error);
        const maxAttempts = this.options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
        const delay = (this.options.backoffMs ?? defaultBackoff)(message.attempts);
        const next = message.attempts >= maxAttempts ? null : new Date(this.clock().getTime() + delay);
        await store.failOutbox(message.id, this.workerId, text, next);
      }
    }
    return batch.length;
  }
}

/**
 * About three days of retries (the first ones seconds apart, then every 15 minutes), as mail
 * servers keep a message before they give up: an SMTP or Slack outage of hours delays mail and
 * messages but loses none. (With 10 attempts, a 20-minute outage used to kill every row.)
 */
const DEFAULT_MAX_ATTEMPTS = 300;

function defaultBackoff(attempts: number): number {
  return Math.min(2000 * 2 ** Math.max(0, attempts - 1), 15 * 60_000);
}
