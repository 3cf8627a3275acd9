import { afterAll, beforeAll, describe, it } from 'vitest';
import type { ChannelDriver } from './driver.ts';
import { playgroundDriver } from './playground-driver.ts';
import { activationAndProgramScenario, organizationScenario, sessionAccessAndPlatformScenario } from './scenario.ts';
import { slackDriver } from './slack-driver.ts';
import { teamsDriver } from './teams-driver.ts';

/**
 * One scenario, three channels: the onboarding scenario written once (`scenario.ts`) and
 * run on Slack, Teams and the Web Chat playground, each over the real app, so the three
 * cannot drift apart.
 */
describe.each([
  { channel: 'Slack', start: slackDriver },
  { channel: 'Teams', start: teamsDriver },
  { channel: 'Web Chat playground', start: playgroundDriver },
])('$channel', ({ start }) => {
  let d: ChannelDriver;

  beforeAll(async () => {
    d = await start();
  });
  afterAll(async () => d?.close());

  it('registers an organization: questions typed, changes requested, resubmitted, approved', async () => {
    await organizationScenario(d);
  }, 60_000);

  it('activates by the emailed link and registers a program that staff approve', async () => {
    await activationAndProgramScenario(d);
  }, 60_000);

  it('books a session shown in the administrator’s zone, requests access, staff grant it, the platform registration completes', async () => {
    await sessionAccessAndPlatformScenario(d);
  }, 60_000);
});
