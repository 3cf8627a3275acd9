import { describe, expect, it } from 'vitest';
import { parseQuietHours, quietUntil } from '../../src/core/reminders.ts';
import { addBusinessDays, addLocalDays, fromWallTime, wallTime } from '../../src/core/zoned-time.ts';

/** Quiet hours, business days and local times, in the zones the people live in. */

describe('local times', () => {
  it('turns a local time into the right instant on both sides of a DST change', () => {
    expect(fromWallTime({ year: 2026, month: 3, day: 7, hour: 10 }, 'America/Toronto').toISOString()).toBe('2026-03-07T15:00:00.000Z');
    expect(fromWallTime({ year: 2026, month: 3, day: 8, hour: 10 }, 'America/Toronto').toISOString()).toBe('2026-03-08T14:00:00.000Z');
    expect(fromWallTime({ year: 2026, month: 7, day: 1, hour: 9, minute: 30 }, 'America/St_Johns').toISOString()).toBe('2026-07-01T12:00:00.000Z');
  });

  it('resolves a skipped time after the gap and a repeated time to its first occurrence', () => {
    expect(fromWallTime({ year: 2026, month: 3, day: 8, hour: 2, minute: 30 }, 'America/Toronto').toISOString()).toBe('2026-03-08T07:30:00.000Z');
    expect(fromWallTime({ year: 2026, month: 11, day: 1, hour: 1, minute: 30 }, 'America/Toronto').toISOString()).toBe('2026-11-01T05:30:00.000Z');
  });

  it('adds days at the same local time across a DST change', () => {
    const before = fromWallTime({ year: 2026, month: 3, day: 6, hour: 9 }, 'America/Vancouver');
    const after = addLocalDays(before, 3, 'America/Vancouver');
    expect(wallTime(after, 'America/Vancouver')).toMatchObject({ day: 9, hour: 9, minute: 0 });
    expect(after.getTime() - before.getTime()).toBe(3 * 86_400_000 - 3_600_000);
  });

  it('falls back to UTC for an unknown zone', () => {
    expect(fromWallTime({ year: 2026, month: 1, day: 1, hour: 12 }, 'Mars/Olympus').toISOString()).toBe('2026-01-01T12:00:00.000Z');
  });
});

describe('business days', () => {
  const toronto = (d: number, h = 10) => fromWallTime({ year: 2026, month: 1, day: d, hour: h }, 'America/Toronto');

  it('skips Saturday and Sunday', () => {
    // 15 January 2026 is a Thursday.
    expect(addBusinessDays(toronto(15), 2, 'America/Toronto')).toEqual(toronto(19));
    expect(addBusinessDays(toronto(16), 2, 'America/Toronto')).toEqual(toronto(20));
    expect(addBusinessDays(toronto(13), 2, 'America/Toronto')).toEqual(toronto(15));
  });

  it('starts counting on Monday at midnight for time that starts on a weekend', () => {
    expect(addBusinessDays(toronto(17, 14), 2, 'America/Toronto')).toEqual(toronto(21, 0));
  });
});

describe('quiet hours', () => {
  it('parses QUIET_HOURS', () => {
    expect(parseQuietHours('21-8')).toEqual({ start: 21 * 60, end: 8 * 60 });
    expect(parseQuietHours(' 21:30 - 07:15 ')).toEqual({ start: 21 * 60 + 30, end: 7 * 60 + 15 });
    expect(parseQuietHours('12-14')).toEqual({ start: 12 * 60, end: 14 * 60 });
    expect(parseQuietHours('off')).toBeNull();
    expect(parseQuietHours('')).toBeNull();
    expect(parseQuietHours('8-8')).toBeNull();
    expect(() => parseQuietHours('evenings')).toThrow(/21-8/);
    expect(() => parseQuietHours('25-8')).toThrow();
    expect(() => parseQuietHours('21:75-8')).toThrow();
  });

  const quiet = parseQuietHours('21-8');

  it('postpones to 08:00 in the person’s zone, the same morning or the next', () => {
    // 06:00 in Vancouver (14:00Z) is quiet; 09:00 in Toronto at the same instant is not.
    const at = new Date('2026-01-17T14:00:00Z');
    expect(quietUntil(at, quiet, 'America/Vancouver')).toEqual(new Date('2026-01-17T16:00:00Z'));
    expect(quietUntil(at, quiet, 'America/Toronto')).toBeNull();
    // 22:00 in Halifax: until 08:00 the next day.
    expect(quietUntil(new Date('2026-01-17T02:00:00Z'), quiet, 'America/Halifax')).toEqual(new Date('2026-01-17T12:00:00Z'));
    // The end of the quiet hours is not in them.
    expect(quietUntil(new Date('2026-01-17T13:00:00Z'), quiet, 'America/Toronto')).toBeNull();
    expect(quietUntil(new Date('2026-01-18T01:59:59Z'), quiet, 'America/Toronto')).toBeNull();
    expect(quietUntil(new Date('2026-01-18T02:00:00Z'), quiet, 'America/Toronto')).toEqual(new Date('2026-01-18T13:00:00Z'));
  });

  it('ends at 08:00 local on the night clocks change', () => {
    // 23:00 on 7 March (EST) → 08:00 on 8 March (EDT) = 12:00Z.
    expect(quietUntil(new Date('2026-03-08T04:00:00Z'), quiet, 'America/Toronto')).toEqual(new Date('2026-03-08T12:00:00Z'));
  });

  it('handles a range within one day, and no range at all', () => {
    const lunch = parseQuietHours('12-14');
    expect(quietUntil(new Date('2026-01-17T17:30:00Z'), lunch, 'America/Toronto')).toEqual(new Date('2026-01-17T19:00:00Z'));
    expect(quietUntil(new Date('2026-01-17T20:00:00Z'), lunch, 'America/Toronto')).toBeNull();
    expect(quietUntil(new Date('2026-01-17T03:00:00Z'), null, 'America/Toronto')).toBeNull();
  });
});

describe('parseWallTime (what staff type when publishing a session)', () => {
  it('reads a local time in the given zone, across daylight saving time', async () => {
    const { parseWallTime } = await import('../../src/core/zoned-time.ts');
    expect(parseWallTime('2026-12-15 14:00', 'America/Halifax').toISOString()).toBe('2026-12-15T18:00:00.000Z');
    expect(parseWallTime('2026-07-15 14:00', 'America/Vancouver').toISOString()).toBe('2026-07-15T21:00:00.000Z');
    expect(Number.isNaN(parseWallTime('15/12/2026 2pm', 'America/Halifax').getTime())).toBe(true);
    expect(Number.isNaN(parseWallTime('2026-12-15 14:00', 'Mars/Olympus').getTime())).toBe(true);
  });
});
