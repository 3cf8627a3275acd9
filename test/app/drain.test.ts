import { afterAll, describe, expect, it } from 'vitest';
import { messageEvent, postEvent, startSlackTestApp, type SlackTestApp } from '../slack/helpers.ts';

/**
 * A stop (deploy, scale-down, Ctrl-C) lets turns finish that Slack already has its ack for:
 * here the reply is held up by a rate limit (429, Retry-After 1 s) when the stop begins,
 * and the stop ends only after the reply went out, with the database still open for it.
 */
describe('stopping the app', () => {
  let s: SlackTestApp | undefined;
  afterAll(async () => s?.close());

  it('waits for a turn that runs after its ack before closing the database', async () => {
    s = await startSlackTestApp();
    const { fake } = s;
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 1 }, 1);
    const user = { id: 'UDRAIN', name: 'drain' };
    expect((await postEvent(s, messageEvent({ user, channel: 'DDRAIN', text: 'hi' }))).status).toBe(200);
    // The turn is waiting out the rate limit: stop now.
    const deadline = Date.now() + 10_000;
    while (!fake.calls.some((c) => c.method === 'chat.postMessage' && c.status === 429) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      await s.t.app.stop();
    } finally {
      console.error = original;
    }
    // Both messages of the greeting reached Slack before the stop returned, and nothing failed.
    const replies = fake.ok('chat.postMessage', (p) => p['channel'] === 'DDRAIN').map((c) => String(c.params['text']));
    expect(replies).toEqual([expect.stringMatching(/four steps/), expect.stringMatching(/Register the organization/)]);
    expect(errors).toEqual([]);
  });
});
