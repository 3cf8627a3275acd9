import { afterEach, describe, expect, it } from 'vitest';
import { formatWhen } from '../../src/bots/core/conversation-core.ts';
import { textFor } from '../../src/bots/core/text.ts';
import type { Conversation, Speaker } from '../../src/bots/core/types.ts';
import { PAUSED_UNTIL } from '../../src/core/reminders.ts';
import { makeOrganizationAnswers } from '../forms/fixtures.ts';
import { fillForm } from '../helpers/journey.ts';
import { DAY, MINUTE, startReminderApp, type ReminderApp } from './harness.ts';

/**
 * `stop reminders` holds nudges back: the one that comes due is not sent, and is kept,
 * paused. `resume reminders` brings each step still waiting its next nudge a day later —
 * one, not everything missed — and the chain goes on from there, never past MAX_NUDGES
 * (2). The person is told what will happen, typed in their 1:1 chat (where a question
 * of their form may be waiting: the command is still a command).
 */

// Wednesday 14 January 2026, 09:00 in Toronto.
const T0 = new Date('2026-01-14T14:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const en = textFor('en');

describe('resuming reminders', () => {
  let app: ReminderApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  let n = 0;
  /** A person who talks to the assistant in their 1:1 chat. */
  async function chatPerson(a: ReminderApp) {
    n += 1;
    const speaker: Speaker = { channel: 'test', externalId: `resume-${n}`, displayName: `Resuming ${n}`, email: `resume-${n}@example.org`, locale: 'en-CA', timeZone: 'America/Toronto' };
    const chat: Conversation = { channel: 'test', id: `dm-${n}`, personal: true, address: { dm: n } };
    const actor = await a.service.identify({ channel: 'test', externalId: speaker.externalId, displayName: speaker.displayName, email: speaker.email, lang: 'en', timeZone: 'America/Toronto' });
    const say = async (text: string) => (await a.t.app.core.handle(speaker, chat, { kind: 'text', text })).replies.map((r) => r.text).join('\n');
    return { actor, email: speaker.email!, say };
  }

  const outcomes = async (a: ReminderApp, entityId: string) =>
    (await a.reminders(entityId, 'draftIdle')).map((r) => [r.payload['nudge'], r.payload['outcome'] ?? r.status, r.dedupeKey.startsWith('reminder:paused:')]);

  it('after “resume reminders”, a step whose nudge was skipped gets exactly one nudge a day later, then the rest of its chain', async () => {
    app = await startReminderApp(T0);
    const { service } = app;
    const person = await chatPerson(app);
    const { entityId } = await service.startOrganization(person.actor);
    // A second form of theirs is sent while reminders are stopped: its paused nudge then has nothing to do.
    const { entityId: finished } = await service.startOrganization(person.actor);

    app.clock.set(at(DAY));
    expect(await person.say('stop reminders')).toBe(en.remindersStopped);

    app.clock.set(at(3 * DAY + MINUTE));
    await app.drain();
    expect(await app.nudges(entityId)).toEqual([]);
    expect(await outcomes(app, entityId)).toEqual([
      [1, 'stopped', false],
      [1, 'pending', true],
    ]);
    const [, paused] = await app.reminders(entityId, 'draftIdle');
    expect(paused?.nextAttemptAt).toEqual(PAUSED_UNTIL);

    app.clock.set(at(5 * DAY));
    const answers = makeOrganizationAnswers({ legalName: 'Sent While Stopped', adminEmail: 'sent-while-stopped@example.org' });
    await fillForm(service, person.actor, { formId: 'organization', entityId: finished }, answers);
    expect((await service.submit(person.actor, { formId: 'organization', entityId: finished })).ok).toBe(true);
    app.clock.set(at(10 * DAY));
    await app.drain();
    expect(await app.nudges(entityId)).toEqual([]);

    // Resumed on day 10, typed while a question of the form is waiting.
    const reply = await person.say('resume reminders');
    const [, resumed] = await app.reminders(entityId, 'draftIdle');
    const dueAt = resumed!.nextAttemptAt;
    expect(dueAt.getTime() - at(10 * DAY).getTime()).toBeGreaterThanOrEqual(DAY);
    expect(dueAt.getTime() - at(10 * DAY).getTime()).toBeLessThan(DAY + MINUTE);
    expect(reply).toBe(en.remindersResumedPaused(formatWhen(dueAt, 'America/Toronto', 'en')));
    expect(await service.remindersStopped(person.actor)).toBe(false);
    expect(await person.say('resume reminders')).toBe(en.remindersAlreadyOn);
    // One paused nudge came back: the other one's form was sent meanwhile (it found nothing to do).
    expect((await service.history([person.actor.personId], 10)).filter((h) => h.action === 'reminders.resumed')).toEqual([expect.objectContaining({ data: { paused: 1 } })]);

    app.clock.set(new Date(dueAt.getTime() - MINUTE));
    await app.drain();
    expect(await app.nudges(entityId)).toEqual([]);
    app.clock.set(new Date(dueAt.getTime() + MINUTE));
    await app.drain();
    await app.drain();
    expect(await app.nudges(entityId)).toEqual([expect.objectContaining({ personId: person.actor.personId, reminder: 'draftIdle', nudge: 1 })]);
    expect(await app.emails(person.email, 'draftReminder')).toHaveLength(1);
    expect(await app.nudges(finished)).toEqual([]);
    expect((await outcomes(app, finished)).map(([, outcome]) => outcome)).toEqual(['stopped', 'done']);

    // The chain goes on: the second (and last) nudge 3 days later, never a third.
    app.clock.set(new Date(dueAt.getTime() + 3 * DAY + 2 * MINUTE));
    await app.drain();
    app.clock.set(at(60 * DAY));
    await app.drain();
    expect((await app.nudges(entityId)).map((x) => x['nudge'])).toEqual([1, 2]);
    expect(await app.emails(person.email, 'draftReminder')).toHaveLength(2);
    expect(await outcomes(app, entityId)).toEqual([
      [1, 'stopped', false],
      [1, 'sent', true],
      [2, 'sent', false],
    ]);
  });

  it('never goes past MAX_NUDGES: a chain stopped at its last nudge sends only that one', async () => {
    app = await startReminderApp(T0);
    const { service } = app;
    const person = await chatPerson(app);
    const { entityId } = await service.startOrganization(person.actor);

    app.clock.set(at(3 * DAY + MINUTE));
    await app.drain();
    expect(await app.nudges(entityId)).toHaveLength(1);
    app.clock.set(at(4 * DAY));
    await person.say('stop reminders');
    app.clock.set(at(6 * DAY + 2 * MINUTE));
    await app.drain();
    app.clock.set(at(8 * DAY));
    expect(await person.say('reprendre les rappels')).toMatch(/^Reminders are back on\. The ones you missed/);

    app.clock.set(at(9 * DAY + MINUTE));
    await app.drain();
    app.clock.set(at(40 * DAY));
    await app.drain();
    expect((await app.nudges(entityId)).map((x) => x['nudge'])).toEqual([1, 2]);
    expect(await outcomes(app, entityId)).toEqual([
      [1, 'sent', false],
      [2, 'stopped', false],
      [2, 'sent', true],
    ]);
  });

  it('with nothing held back, nudges simply come when due, and a form changed after the resume counts 3 days from the change', async () => {
    app = await startReminderApp(T0);
    const { service } = app;
    const quick = await chatPerson(app);
    const { entityId: quickDraft } = await service.startOrganization(quick.actor);
    const editing = await chatPerson(app);
    const { entityId: editedDraft } = await service.startOrganization(editing.actor);

    app.clock.set(at(DAY));
    await quick.say('stop reminders');
    await editing.say('stop reminders');
    app.clock.set(at(2 * DAY));
    // Nothing came due while stopped.
    expect(await quick.say('resume reminders')).toBe(en.remindersResumed);

    app.clock.set(at(3 * DAY + MINUTE));
    await app.drain();
    expect(await app.nudges(quickDraft)).toEqual([expect.objectContaining({ nudge: 1 })]);
    expect(await app.nudges(editedDraft)).toEqual([]);

    // Changed while still stopped: the paused nudge moves with the form, and is parked again when due.
    app.clock.set(at(3.25 * DAY));
    await service.answer(editing.actor, { formId: 'organization', entityId: editedDraft }, 'legalName', 'Edited While Stopped');
    const moved = (await app.reminders(editedDraft, 'draftIdle'))[1]!.nextAttemptAt.getTime() - at(6.25 * DAY).getTime();
    expect(moved).toBeGreaterThanOrEqual(0);
    expect(moved).toBeLessThan(MINUTE);
    app.clock.set(at(6.25 * DAY + MINUTE));
    await app.drain();
    expect(await app.nudges(editedDraft)).toEqual([]);
    expect((await app.reminders(editedDraft, 'draftIdle'))[1]).toMatchObject({ status: 'pending', nextAttemptAt: PAUSED_UNTIL });

    // Resumed on day 7 (due on day 8), the form changed on day 7¼: due on day 10¼.
    app.clock.set(at(7 * DAY));
    await editing.say('resume reminders');
    app.clock.set(at(7.25 * DAY));
    await service.answer(editing.actor, { formId: 'organization', entityId: editedDraft }, 'legalName', 'Edited After Resuming');
    app.clock.set(at(10.25 * DAY - MINUTE));
    await app.drain();
    expect(await app.nudges(editedDraft)).toEqual([]);
    app.clock.set(at(10.25 * DAY + MINUTE));
    await app.drain();
    expect(await app.nudges(editedDraft)).toEqual([expect.objectContaining({ nudge: 1 })]);
  });
});
