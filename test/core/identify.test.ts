import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';

/**
 * What a channel reports about a person stays current: a new time zone (people move, or a
 * client reports it only later) replaces the stored one; something that is not an IANA zone
 * never does; a person first known by a bare id gets their real name once the channel has it,
 * and a real name is never overwritten by a bare id.
 */
describe('identify keeps the channel profile current', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.close());

  it('updates the time zone and a placeholder name, and ignores what is not a zone', async () => {
    const { service } = t.app;
    const first = await service.identify({ channel: 'slack', externalId: 'UZONE1', displayName: 'UZONE1' });
    expect(await service.person(first.personId)).toMatchObject({ displayName: 'UZONE1', timeZone: 'America/Toronto' });

    await service.identify({ channel: 'slack', externalId: 'UZONE1', displayName: 'Chloé Tremblay', timeZone: 'America/Vancouver' });
    expect(await service.person(first.personId)).toMatchObject({ displayName: 'Chloé Tremblay', timeZone: 'America/Vancouver' });

    // Not zones: kept as they were. A bare id (profile unreadable this time) does not rename.
    for (const timeZone of ['Mars/Olympus', 'UTC+5', '<script>', '']) {
      await service.identify({ channel: 'slack', externalId: 'UZONE1', displayName: 'UZONE1', timeZone });
    }
    expect(await service.person(first.personId)).toMatchObject({ displayName: 'Chloé Tremblay', timeZone: 'America/Vancouver' });

    await service.identify({ channel: 'slack', externalId: 'UZONE1', displayName: 'Chloé Tremblay', timeZone: 'America/St_Johns' });
    expect((await service.person(first.personId))?.timeZone).toBe('America/St_Johns');
  });

  it('keeps the address where a person is reached current, in whatever key order the database returns it', async () => {
    const { service, store } = t.app;
    await service.identify({ channel: 'slack', externalId: 'UADDR', displayName: 'Addr', address: { channel: 'DADDR1', user: 'UADDR' } });
    expect((await store.findIdentity('slack', 'UADDR'))?.address).toEqual({ channel: 'DADDR1', user: 'UADDR' });
    // The same address (keys in another order): nothing to write.
    await service.identify({ channel: 'slack', externalId: 'UADDR', displayName: 'Addr', address: { user: 'UADDR', channel: 'DADDR1' } });
    // A new DM channel: written.
    await service.identify({ channel: 'slack', externalId: 'UADDR', displayName: 'Addr', address: { channel: 'DADDR2', user: 'UADDR' } });
    expect((await store.findIdentity('slack', 'UADDR'))?.address).toEqual({ channel: 'DADDR2', user: 'UADDR' });
  });
});
