/**
 * The floor: the least a Bolt app can do for a DM. ExpressReceiver, acknowledge the
 * `message.im` event (Bolt does it before the listener runs), post one fixed reply with
 * chat.postMessage. No database, no deduplication, no conversation. What the assistant
 * is compared against in `npm run bench`.
 *
 * Env: PORT, SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL.
 */
import { App, ExpressReceiver, LogLevel } from '@slack/bolt';

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

await app.start({ port: Number(process.env['PORT'] ?? 3000), host: '127.0.0.1' });
console.log(`floor listening on ${process.env['PORT']}`);
const stop = () => {
  void app.stop().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
