/**
 * The floor: the least a Bolt app can do for a DM. ExpressReceiver, acknowledge the
 * `message.im` event (Bolt does it before the listener runs), post one fixed reply with
 * chat.postMessage. No database, no deduplication, no conversation. What the assistant
 * is compared against in `npm run bench`. A button click (`block_actions`) gets the same:
 * ack, then one fixed reply in the channel it came from.
 *
 * Teams: `/api/messages` is a botbuilder CloudAdapter with auth off (no MicrosoftAppId, as
 * the assistant runs in the bench) that answers every message with one fixed reply inside
 * the request. botbuilder is imported at the first Teams request, as the assistant does
 * without MicrosoftAppId, so the Slack scenarios' memory does not include it.
 *
 * Env: PORT, SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL.
 */
import { App, ExpressReceiver, LogLevel } from '@slack/bolt';
import type { CloudAdapter } from 'botbuilder';
import express from 'express';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const receiver = new ExpressReceiver({ signingSecret: env('SLACK_SIGNING_SECRET'), endpoints: '/slack/events', processBeforeResponse: false });
receiver.app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});
const app = new App({
  receiver,
  token: env('SLACK_BOT_TOKEN'),
  logLevel: LogLevel.ERROR,
  clientOptions: { slackApiUrl: env('SLACK_API_URL'), retryConfig: { retries: 0 } },
});
app.event('message', async ({ event, client }) => {
  const m = event as unknown as Record<string, unknown>;
  if (m['channel_type'] !== 'im' || m['subtype'] !== undefined || m['bot_id'] !== undefined) return;
  await client.chat.postMessage({ channel: String(m['channel']), text: 'Hello! This is the floor: a fixed reply.' });
});

app.action(/.*/, async ({ ack, body, client }) => {
  await ack();
  const channel = 'channel' in body && body.channel ? body.channel.id : undefined;
  if (channel) await client.chat.postMessage({ channel, text: 'Hello! This is the floor: a fixed reply.' });
});

let teams: Promise<CloudAdapter> | undefined;
const loadTeams = () =>
  (teams ??= import('botbuilder').then(({ CloudAdapter, ConfigurationBotFrameworkAuthentication }) => new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}))));
receiver.app.post('/api/messages', express.json({ limit: '1mb' }), (req, res, next) => {
  loadTeams()
    .then((adapter) =>
      adapter.process(req, res, async (ctx) => {
        if (ctx.activity.type === 'message') await ctx.sendActivity('Hello! This is the floor: a fixed reply.');
      }),
    )
    .catch(next);
});

await app.start({ port: Number(process.env['PORT'] ?? 3000), host: '127.0.0.1' });
console.log(`floor listening on ${process.env['PORT']}`);
const stop = () => {
  void app.stop().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
