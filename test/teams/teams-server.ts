import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createTeamsEndpoint } from '../../src/bots/teams/teams-bot.ts';
import { parseConfig } from '../../src/config.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

/**
 * The real assistant and the URL of its Teams endpoint (`/api/messages`). When the app
 * mounts the endpoint itself, that is the app's URL. Until then the endpoint is composed
 * here around the app's real core, store and dispatcher, on a second server on loopback —
 * the wiring `src/app.ts` is to do.
 */
export type TeamsTestApp = TestApp & { readonly messagesUrl: string; readonly composedHere: boolean };

export async function startTeamsApp(env: Record<string, string> = {}): Promise<TeamsTestApp> {
  const testApp = await startTestApp(env);
  // Mounted: our router answers a body-less POST with 400 (or 401 when an app id is set), not 404.
  const probe = await fetch(`${testApp.app.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  if (probe.status !== 404) return { ...testApp, messagesUrl: `${testApp.app.url}/api/messages`, composedHere: false };

  const { core, dispatcher, store } = testApp.app;
  const teams = createTeamsEndpoint({
    core,
    teams: parseConfig(env).teams,
    staffConversation: {
      get: async () => {
        const raw = await store.getSetting('teams.staffConversation');
        return raw ? (JSON.parse(raw) as Record<string, unknown>) : null;
      },
      set: (reference) => store.setSetting('teams.staffConversation', JSON.stringify(reference)),
    },
    cardRefs: {
      get: async (key) => {
        const ref = await store.getChannelMessage('teams', key);
        return typeof ref === 'string' ? ref : null;
      },
      set: (key, activityId) => store.setChannelMessage('teams', key, activityId),
    },
    // A staff card only for staff: anyone can send an invoke naming any submission.
    refreshCard: async (submissionId, lang, viewer) => {
      const actor = await testApp.app.service.identify({ channel: viewer.channel, externalId: viewer.externalId, displayName: viewer.displayName });
      return actor.isStaff ? core.approvalCard(submissionId, lang) : null;
    },
    deliver: (outgoing) => dispatcher.deliver(outgoing),
    log: () => {},
  });
  dispatcher.register(teams.delivery);
  const side = express();
  side.use(teams.router);
  const server = await new Promise<Server>((resolve) => {
    const s = side.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    ...testApp,
    messagesUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/messages`,
    composedHere: true,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await testApp.close();
    },
  };
}
