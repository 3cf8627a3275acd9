import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createPlayground } from '../../src/bots/playground/playground-bot.ts';
import { playgroundPageRouter } from '../../src/web/playground-page.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

/**
 * The real assistant with the playground on, and the URL that serves the playground.
 * When the app mounts the playground itself (`PLAYGROUND=true`), that is the app's URL.
 * Until then the playground is composed here around the app's real core and dispatcher,
 * on a second server on loopback — the same wiring `src/app.ts` is to do.
 */
export type PlaygroundTestApp = TestApp & { readonly playgroundUrl: string };

export async function startPlaygroundApp(): Promise<PlaygroundTestApp> {
  const testApp = await startTestApp({ PLAYGROUND: 'true', STAFF_IDS: 'test:staff-1,webchat:staff' });
  const probe = await fetch(`${testApp.app.url}/v3/directline/conversations`, { method: 'POST' });
  if (probe.status === 403) return { ...testApp, playgroundUrl: testApp.app.url };

  const { core, dispatcher } = testApp.app;
  const playground = createPlayground({
    core,
    refreshCard: (submissionId, lang) => core.approvalCard(submissionId, lang),
    deliver: (outgoing) => dispatcher.deliver(outgoing),
  });
  dispatcher.register(playground.delivery);
  const side = express();
  side.use(playground.router);
  side.use(playgroundPageRouter());
  const server = await new Promise<Server>((resolve) => {
    const s = side.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    ...testApp,
    playgroundUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await testApp.close();
    },
  };
}
