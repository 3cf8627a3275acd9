import { describe, expect, it } from 'vitest';
import { bookingCalendarUid, buildIcs, escapeText, foldLine, icsComponents, icsDate, icsProperty, icsText, parseIcs, unescapeText, type IcsEvent } from '../../src/core/ics.ts';
import { fromWallTime } from '../../src/core/zoned-time.ts';
import type { CalendarInvitation, EmailOf } from '../../src/mail/messages.ts';
import { sessionCalendar } from '../../src/mail/invitation.ts';

/**
 * The .ics generator against RFC 5545 as mail clients read it: CRLF line ends, lines of
 * at most 75 octets, TEXT escaping, quoted parameters, UTC times; and read back with
 * `parseIcs`. Session invitations keep their UID, raise SEQUENCE and cancel with CANCEL,
 * at the right UTC instant on both sides of a DST change.
 */

function makeEvent(overrides: Partial<IcsEvent> = {}): IcsEvent {
  return {
    method: 'REQUEST',
    uid: bookingCalendarUid('b-123'),
    sequence: 0,
    stamp: new Date('2026-02-01T12:00:00Z'),
    start: new Date('2026-03-09T13:00:00Z'),
    end: new Date('2026-03-09T14:00:00Z'),
    timeZone: 'America/Halifax',
    summary: 'Onboarding session – Peer Mentors',
    description: 'Join: https://meet.example.org/a',
    location: 'https://meet.example.org/a',
    url: 'https://meet.example.org/a',
    organizer: { name: 'Mentor Connector', email: 'noreply@mentor.example.org' },
    attendee: { name: 'Alex Tremblay', email: 'alex@example.org' },
    ...overrides,
  };
}

function event(ics: string) {
  const [vevent] = icsComponents(parseIcs(ics), 'VEVENT');
  if (!vevent) throw new Error('no VEVENT');
  return vevent;
}

describe('buildIcs', () => {
  it('writes a REQUEST calendar that parses back to what was given', () => {
    const ics = buildIcs(makeEvent());
    const cal = parseIcs(ics);
    expect(cal.name).toBe('VCALENDAR');
    expect(icsText(cal, 'VERSION')).toBe('2.0');
    expect(icsText(cal, 'METHOD')).toBe('REQUEST');
    expect(icsText(cal, 'X-WR-TIMEZONE')).toBe('America/Halifax');
    const e = event(ics);
    expect(icsText(e, 'UID')).toBe('booking-b-123@onboarding-assistant');
    expect(icsText(e, 'SEQUENCE')).toBe('0');
    expect(icsProperty(e, 'DTSTART')?.value).toBe('20260309T130000Z');
    expect(icsProperty(e, 'DTEND')?.value).toBe('20260309T140000Z');
    expect(icsDate(e, 'DTSTAMP')).toEqual(new Date('2026-02-01T12:00:00Z'));
    expect(icsText(e, 'SUMMARY')).toBe('Onboarding session – Peer Mentors');
    expect(icsText(e, 'LOCATION')).toBe('https://meet.example.org/a');
    expect(icsText(e, 'URL')).toBe('https://meet.example.org/a');
    expect(icsProperty(e, 'ORGANIZER')).toEqual({ name: 'ORGANIZER', params: { CN: 'Mentor Connector' }, value: 'mailto:noreply@mentor.example.org' });
    expect(icsProperty(e, 'ATTENDEE')).toMatchObject({ params: { CN: 'Alex Tremblay', ROLE: 'REQ-PARTICIPANT', RSVP: 'FALSE' }, value: 'mailto:alex@example.org' });
    expect(icsText(e, 'STATUS')).toBe('CONFIRMED');
  });

  it('ends every line with CRLF and folds lines longer than 75 octets without splitting a character', () => {
    const long = 'Séance d’intégration pour « Les Grands Frères et Grandes Sœurs de l’Île-du-Prince-Édouard » 🎓 '.repeat(4);
    const ics = buildIcs(makeEvent({ summary: long, description: `${long}\nDeuxième ligne; avec, ponctuation \\ fin` }));
    expect(ics.endsWith('\r\n')).toBe(true);
    expect(ics.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    const lines = ics.split('\r\n').slice(0, -1);
    for (const line of lines) {
      expect(Buffer.byteLength(line, 'utf8'), line).toBeLessThanOrEqual(75);
      expect(line).not.toContain('\uFFFD');
    }
    expect(lines.filter((l) => l.startsWith(' ')).length).toBeGreaterThan(5);
    const e = event(ics);
    expect(icsText(e, 'SUMMARY')).toBe(long);
    expect(icsText(e, 'DESCRIPTION')).toBe(`${long}\nDeuxième ligne; avec, ponctuation \\ fin`);
  });

  it('escapes TEXT so that no value can add a property or break a line', () => {
    const hostile = 'Evil\r\nATTENDEE:mailto:victim@example.org;X=1,2\\';
    const ics = buildIcs(makeEvent({ summary: hostile, attendee: { name: 'Doe, Jane: "boss"; x', email: 'jane@example.org\r\nX-INJECTED:1' } }));
    const e = event(ics);
    expect(e.properties.filter((p) => p.name === 'ATTENDEE')).toHaveLength(1);
    expect(e.properties.some((p) => p.name.startsWith('X-INJECTED'))).toBe(false);
    expect(icsText(e, 'SUMMARY')).toBe('Evil\nATTENDEE:mailto:victim@example.org;X=1,2\\');
    expect(ics).toContain('SUMMARY:Evil\\nATTENDEE:mailto:victim@example.org\\;X=1\\,2\\\\');
    expect(icsProperty(e, 'ATTENDEE')?.params['CN']).toBe('Doe, Jane: boss ; x');
    expect(ics).toContain('ATTENDEE;CN="Doe, Jane: boss ; x"');
    expect(icsProperty(e, 'ATTENDEE')?.value).toBe('mailto:jane@example.orgX-INJECTED:1');
  });

  it('writes a CANCEL with the same UID, a higher SEQUENCE and STATUS:CANCELLED', () => {
    const e = event(buildIcs(makeEvent({ method: 'CANCEL', sequence: 3 })));
    expect(icsText(e, 'UID')).toBe('booking-b-123@onboarding-assistant');
    expect(icsText(e, 'SEQUENCE')).toBe('3');
    expect(icsText(e, 'STATUS')).toBe('CANCELLED');
    expect(icsText(parseIcs(buildIcs(makeEvent({ method: 'CANCEL' }))), 'METHOD')).toBe('CANCEL');
  });

  it('escapes and unescapes as RFC 5545 says', () => {
    expect(escapeText('a\\b;c,d\ne\r\nf')).toBe('a\\\\b\\;c\\,d\\ne\\nf');
    expect(unescapeText('a\\\\b\\;c\\,d\\ne\\Nf')).toBe('a\\b;c,d\ne\nf');
    expect(foldLine('x'.repeat(75))).toBe('x'.repeat(75));
    expect(foldLine('x'.repeat(76))).toBe(`${'x'.repeat(75)}\r\n x`);
  });

  it('reads folded lines with LF endings and tabs, and rejects an unclosed calendar', () => {
    const cal = parseIcs('BEGIN:VCALENDAR\nMETHOD:REQ\n\tUEST\nBEGIN:VEVENT\nSUMMARY;LANGUAGE=fr-CA:Bonjour\\, le\n  monde\nEND:VEVENT\nEND:VCALENDAR\n');
    expect(icsText(cal, 'METHOD')).toBe('REQUEST');
    const e = icsComponents(cal, 'VEVENT')[0]!;
    expect(icsProperty(e, 'SUMMARY')?.params).toEqual({ LANGUAGE: 'fr-CA' });
    expect(icsText(e, 'SUMMARY')).toBe('Bonjour, le monde');
    expect(() => parseIcs('BEGIN:VCALENDAR\r\nVERSION:2.0\r\n')).toThrow(/not closed/);
  });
});

describe('session invitations', () => {
  const organizer = { name: 'Mentor Connector', address: 'noreply@mentor.example.org' };

  function bookedEmail(invitation: CalendarInvitation, lang: 'en' | 'fr' = 'en'): EmailOf<'sessionBooked'> {
    return {
      kind: 'sessionBooked', to: 'alex@example.org', lang, recipientName: 'Alex Tremblay', programName: 'Peer Mentors',
      startsAt: invitation.startsAt, timeZone: 'America/Toronto', durationMinutes: invitation.durationMinutes, videoUrl: invitation.videoUrl, invitation,
    };
  }

  function invitationAt(local: { year: number; month: number; day: number; hour: number }, timeZone: string, extra: Partial<CalendarInvitation> = {}): CalendarInvitation {
    return {
      method: 'REQUEST', uid: bookingCalendarUid('b-1'), sequence: 0, stamp: '2026-02-01T12:00:00.000Z',
      startsAt: fromWallTime(local, timeZone).toISOString(), durationMinutes: 90, timeZone, videoUrl: 'https://meet.example.org/x', ...extra,
    };
  }

  // 10:00 local on both sides of the 2026 changes (8 March and 1 November).
  it.each([
    ['America/Halifax', { year: 2026, month: 3, day: 6, hour: 10 }, '20260306T140000Z', '20260306T153000Z'],
    ['America/Halifax', { year: 2026, month: 3, day: 9, hour: 10 }, '20260309T130000Z', '20260309T143000Z'],
    ['America/Halifax', { year: 2026, month: 10, day: 30, hour: 10 }, '20261030T130000Z', '20261030T143000Z'],
    ['America/Halifax', { year: 2026, month: 11, day: 2, hour: 10 }, '20261102T140000Z', '20261102T153000Z'],
    ['America/Vancouver', { year: 2026, month: 3, day: 6, hour: 10 }, '20260306T180000Z', '20260306T193000Z'],
    ['America/Vancouver', { year: 2026, month: 3, day: 9, hour: 10 }, '20260309T170000Z', '20260309T183000Z'],
    ['America/Vancouver', { year: 2026, month: 10, day: 30, hour: 10 }, '20261030T170000Z', '20261030T183000Z'],
    ['America/Vancouver', { year: 2026, month: 11, day: 2, hour: 10 }, '20261102T180000Z', '20261102T193000Z'],
  ] as const)('puts 10:00 in %s on %o at %s (UTC)', (zone, local, start, end) => {
    const calendar = sessionCalendar(bookedEmail(invitationAt(local, zone)), organizer);
    const e = event(calendar!.content);
    expect(icsProperty(e, 'DTSTART')?.value).toBe(start);
    expect(icsProperty(e, 'DTEND')?.value).toBe(end);
    expect(icsText(parseIcs(calendar!.content), 'X-WR-TIMEZONE')).toBe(zone);
  });

  it('writes summary and description in the recipient’s language, organizer = sender, attendee = recipient', () => {
    const inv = invitationAt({ year: 2026, month: 3, day: 9, hour: 10 }, 'America/Halifax');
    const en = event(sessionCalendar(bookedEmail(inv, 'en'), organizer)!.content);
    const fr = event(sessionCalendar(bookedEmail(inv, 'fr'), organizer)!.content);
    expect(icsText(en, 'SUMMARY')).toBe('Onboarding session – Peer Mentors');
    expect(icsProperty(en, 'SUMMARY')?.params['LANGUAGE']).toBe('en-CA');
    expect(icsText(fr, 'SUMMARY')).toBe('Séance d’intégration – Peer Mentors');
    expect(icsProperty(fr, 'DESCRIPTION')?.params['LANGUAGE']).toBe('fr-CA');
    expect(icsText(fr, 'DESCRIPTION')).toContain('https://meet.example.org/x');
    expect(icsProperty(en, 'ORGANIZER')?.value).toBe('mailto:noreply@mentor.example.org');
    expect(icsProperty(en, 'ATTENDEE')?.value).toBe('mailto:alex@example.org');
    expect(icsProperty(en, 'ATTENDEE')?.params['CN']).toBe('Alex Tremblay');
  });

  it('cancels with METHOD:CANCEL under the same UID; other emails carry no calendar', () => {
    const inv = invitationAt({ year: 2026, month: 3, day: 9, hour: 10 }, 'America/Halifax', { method: 'CANCEL', sequence: 2 });
    const calendar = sessionCalendar(
      { kind: 'sessionCancelled', to: 'alex@example.org', lang: 'fr', recipientName: 'Alex', programName: 'Peer Mentors', startsAt: inv.startsAt, timeZone: 'America/Halifax', cancelledBy: 'staff', reason: '', otherSessions: [], invitation: inv },
      organizer,
    );
    expect(calendar?.method).toBe('CANCEL');
    expect(calendar?.filename).toBe('cancel.ics');
    const cal = parseIcs(calendar!.content);
    expect(icsText(cal, 'METHOD')).toBe('CANCEL');
    const e = event(calendar!.content);
    expect(icsText(e, 'UID')).toBe('booking-b-1@onboarding-assistant');
    expect(icsText(e, 'SEQUENCE')).toBe('2');
    expect(icsText(e, 'SUMMARY')).toMatch(/^Annulée/);
    expect(sessionCalendar({ kind: 'programApproved', to: 'a@b.org', lang: 'en', recipientName: 'A', programName: 'P', organizationName: 'O' }, organizer)).toBeUndefined();
  });
});
