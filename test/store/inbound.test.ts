import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';

/**
 * A DM kept before its acknowledgement runs once: the first transaction of its turn marks
 * it processed, so a replay racing the original (or coming after a crash that followed the
 * write) cannot apply it a second time; a turn that writes nothing marks it when it ends;
 * only messages nobody processed are handed out for replay, once per claim period.
 */
describe('pending inbound messages', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.close());

  const later = () => new Date(Date.now() + 60_000);
  const person = () => ({ id: randomUUID(), displayName: 'Inbound', email: null, lang: 'en' as const, timeZone: 'America/Toronto' });

  it('applies a message once when two runs race, and the loser knows it', async () => {
    const { store } = t.app;
    expect(await store.recordPendingInbound('test:race', new Date(), { text: 'hello' })).toBe(true);
    expect(await store.recordPendingInbound('test:race', new Date(), { text: 'hello' })).toBe(false);
    const created: string[] = [];
    const run = () =>
      store.runInboundTurn('test:race', async (superseded) => {
        const p = person();
        try {
          await store.transaction(async (tx) => {
            await tx.createPerson(p);
            // Both runs are inside their transaction before either commits.
            await new Promise((r) => setTimeout(r, 50));
          });
          created.push(p.id);
        } catch (error) {
          expect(superseded()).toBe(true);
          expect((error as Error).name).toBe('InboundSuperseded');
        }
        return superseded();
      });
    const outcomes = await Promise.all([run(), run()]);
    expect(outcomes.sort()).toEqual([false, true]);
    expect(created).toHaveLength(1);
    expect(await store.claimStaleInbound({ receivedBefore: later(), claimedBefore: later(), now: new Date(), limit: 10 })).toEqual([]);
  });

  it('hands out for replay only what no run processed, and each claim once', async () => {
    const { store } = t.app;
    await store.recordPendingInbound('test:read-only', new Date(), { text: 'status' });
    await store.recordPendingInbound('test:orphan', new Date(), { text: 'an answer' });
    // A turn that only reads: marked when it ends.
    await store.runInboundTurn('test:read-only', async () => undefined);
    const claimed = await store.claimStaleInbound({ receivedBefore: later(), claimedBefore: new Date(Date.now() - 60_000), now: new Date(), limit: 10 });
    expect(claimed).toEqual([{ id: 'test:orphan', payload: { text: 'an answer' } }]);
    // Claimed a moment ago: not handed out again until the claim is old.
    expect(await store.claimStaleInbound({ receivedBefore: later(), claimedBefore: new Date(Date.now() - 60_000), now: new Date(), limit: 10 })).toEqual([]);
    expect(await store.claimStaleInbound({ receivedBefore: later(), claimedBefore: later(), now: new Date(), limit: 10 })).toHaveLength(1);
    // Its replay writes: processed, payload dropped, never handed out again.
    await store.runInboundTurn('test:orphan', () => store.transaction(async (tx) => tx.createPerson(person())));
    expect(await store.claimStaleInbound({ receivedBefore: later(), claimedBefore: later(), now: new Date(), limit: 10 })).toEqual([]);
  });
});
