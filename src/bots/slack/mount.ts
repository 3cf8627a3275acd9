import { cleanDeep, cleanText } from '../../domain/clean-text.ts';
import type { webApi } from '@slack/bolt';
import type { Express } from 'express';
import type { Config } from '../../config.ts';
import type { OnboardingStore } from '../../store/store.ts';
import { isRecord } from '../cards/inbound.ts';
import type { Outgoing } from '../core/types.ts';
import type { ChannelDelivery } from '../core/delivery.ts';
import { createSlackApp, type SlackApp, type SlackCore } from './slack-app.ts';
import type { SlackMessageRef } from './slack-delivery.ts';

/**
 * Wires the Slack channel into the assistant: the endpoint on the app's express server,
 * its delivery in the dispatcher, retries deduplicated and staff cards kept in the store.
 * Does nothing (returns null) without SLACK_BOT_TOKEN and either SLACK_SIGNING_SECRET (HTTP)
 * or SLACK_APP_TOKEN (Socket Mode, which the caller connects with `start()`).
 */
export type SlackMountDeps = {
  slack: Config['slack'];
  logLevel: Config['logLevel'];
  core: SlackCore;
  store: Pick<OnboardingStore, 'recordInboundEvent' | 'recordPendingInbound' | 'runInboundTurn' | 'claimStaleInbound' | 'getChannelMessage' | 'setChannelMessage' | 'getSetting' | 'setSetting'>;
  /** Seconds after which an acknowledged DM that never ran is replayed (INBOUND_REPLAY_SECONDS). */
  replayAfterSeconds?: number;
  dispatcher: { register(delivery: ChannelDelivery): void; deliver(messages: readonly Outgoing[]): Promise<void> };
  /** The outbox worker: kicked after each turn so the mail it queued goes out at once. */
  worker?: { kick(): void };
  clock?: () => Date;
  /** Counts turns still running after their ack, for a graceful stop. */
  track?: <T>(work: () => Promise<T>) => Promise<T>;
  /** WebClient retries (tests make them fast). */
  retryConfig?: webApi.RetryOptions;
};

const STAFF_CHANNEL_SETTING = 'slack.staffChannel';

function asRef(value: unknown): SlackMessageRef | null {
  return isRecord(value) && typeof value['channel'] === 'string' && typeof value['ts'] === 'string' ? { channel: value['channel'], ts: value['ts'] } : null;
}

export function mountSlack(app: Express, deps: SlackMountDeps): SlackApp | null {
  const { botToken, signingSecret, appToken } = deps.slack;
  if (!botToken || (!signingSecret && !appToken)) return null;
  const { store } = deps;
  const clock = deps.clock ?? (() => new Date());
  const slack = createSlackApp({
    core: deps.core,
    config: { ...deps.slack, botToken },
    // Ids come from the request; a NUL in one would make the database refuse the record.
    seen: (key) => store.recordInboundEvent(cleanText(key), clock()),
    inbox: {
      record: (key, payload) => store.recordPendingInbound(cleanText(key), clock(), cleanDeep(payload)),
      run: (key, turn) => store.runInboundTurn(cleanText(key), turn),
      claimStale: async () => {
        const now = clock();
        const stale = new Date(now.getTime() - (deps.replayAfterSeconds ?? 60) * 1000);
        const rows = await store.claimStaleInbound({ receivedBefore: stale, claimedBefore: stale, now, limit: 20 });
        return rows.map((r) => ({ key: r.id, payload: r.payload }));
      },
      // Often enough that a replay comes soon after the delay, not a full delay later.
      replayEveryMs: Math.min(10_000, ((deps.replayAfterSeconds ?? 60) * 1000) / 2),
    },
    cardRefs: {
      get: async (key) => asRef(await store.getChannelMessage('slack', key)),
      set: (key, ref) => store.setChannelMessage('slack', key, ref),
    },
    staffChannelStore: {
      get: () => store.getSetting(STAFF_CHANNEL_SETTING),
      set: (channel) => store.setSetting(STAFF_CHANNEL_SETTING, channel),
    },
    deliver: (outgoing) => deps.dispatcher.deliver(outgoing),
    afterTurn: deps.worker ? () => deps.worker?.kick() : undefined,
    logLevel: deps.logLevel,
    ...(deps.track ? { track: deps.track } : {}),
    ...(deps.retryConfig ? { retryConfig: deps.retryConfig } : {}),
  });
  deps.dispatcher.register(slack.delivery);
  // In Socket Mode nothing comes over HTTP: /slack/events is not mounted (404).
  if (slack.mode === 'http') app.use(slack.router);
  return slack;
}
