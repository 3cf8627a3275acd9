import { describe, expect, it } from 'vitest';
import type { Lang } from '../../src/domain/lang.ts';
import { EMAIL_KINDS, type EmailKind, type EmailMessage, type EmailOf } from '../../src/mail/messages.ts';
import { displayName, formatDateTime, headerText, renderEmail } from '../../src/mail/render.ts';

/** One valid message of each kind; `overrides` replaces any field. */
function makeEmail<K extends EmailKind>(kind: K, overrides: Partial<EmailOf<K>> = {}): EmailOf<K> {
  const base = { to: 'alex@example.org', lang: 'en' as Lang, recipientName: 'Alex Tremblay' };
  const byKind: { [P in EmailKind]: EmailOf<P> } = {
    organizationApproved: {
      ...base,
      kind: 'organizationApproved',
      organizationName: 'Northern Lights Youth Mentoring',
      activationUrl: 'https://assistant.example.org/activate?token=abc123',
      expiresAt: '2026-03-17T16:00:00.000Z',
    },
    organizationChangesRequested: {
      ...base,
      kind: 'organizationChangesRequested',
      organizationName: 'Northern Lights Youth Mentoring',
      reason: 'Please add the postal code of your head office.',
    },
    organizationRejected: {
      ...base,
      kind: 'organizationRejected',
      organizationName: 'Northern Lights Youth Mentoring',
      reason: 'The organization is not based in Canada.',
    },
    programApproved: {
      ...base,
      kind: 'programApproved',
      organizationName: 'Northern Lights Youth Mentoring',
      programName: 'Future Builders',
    },
    programChangesRequested: {
      ...base,
      kind: 'programChangesRequested',
      programName: 'Future Builders',
      reason: 'Describe the screening of mentors.',
    },
    programRejected: {
      ...base,
      kind: 'programRejected',
      programName: 'Future Builders',
      reason: 'Mentees must be under 30.',
    },
    accessDeclined: {
      ...base,
      kind: 'accessDeclined',
      programName: 'Future Builders',
      reason: 'The onboarding session was cancelled.',
    },
    accessGranted: {
      ...base,
      kind: 'accessGranted',
      programName: 'Future Builders',
      organizationName: 'Northern Lights Youth Mentoring',
      username: 'future-builders-admin',
      temporaryPassword: 'Tmp-7QxP-93Lm',
      registrationUrl: 'https://platform.example.org/register?code=xyz789',
      expiresAt: '2026-03-24T16:00:00.000Z',
    },
    sessionBooked: {
      ...base,
      kind: 'sessionBooked',
      programName: 'Future Builders',
      startsAt: '2026-03-10T18:00:00.000Z',
      timeZone: 'America/Vancouver',
      durationMinutes: 60,
      videoUrl: 'https://video.example.org/j/123456',
    },
    sessionUpdated: {
      ...base,
      kind: 'sessionUpdated',
      programName: 'Future Builders',
      startsAt: '2026-03-12T18:00:00.000Z',
      previousStartsAt: '2026-03-10T18:00:00.000Z',
      timeZone: 'America/Vancouver',
      durationMinutes: 90,
      videoUrl: 'https://video.example.org/j/123456',
    },
    sessionCancelled: {
      ...base,
      kind: 'sessionCancelled',
      programName: 'Future Builders',
      startsAt: '2026-03-10T18:00:00.000Z',
      timeZone: 'America/Vancouver',
      cancelledBy: 'staff',
      reason: 'The facilitator is ill.',
      otherSessions: ['2026-03-17T18:00:00.000Z'],
    },
    sessionReminder: {
      ...base,
      kind: 'sessionReminder',
      programName: 'Future Builders',
      startsAt: '2026-03-10T18:00:00.000Z',
      timeZone: 'America/Vancouver',
      durationMinutes: 60,
      videoUrl: 'https://video.example.org/j/123456',
    },
    draftReminder: { ...base, kind: 'draftReminder', entityKind: 'organization', entityName: 'Northern Lights Youth Mentoring' },
    sessionBookingReminder: { ...base, kind: 'sessionBookingReminder', programName: 'Future Builders' },
    platformRegistrationReminder: { ...base, kind: 'platformRegistrationReminder', programName: 'Future Builders' },
  };
  return { ...byKind[kind], ...overrides };
}

/** The values of a message that must appear in what the reader sees. */
function shownValues(message: EmailMessage): string[] {
  const { kind: _kind, to: _to, lang: _lang, ...fields } = message;
  // Dates are shown formatted; enumerations and lists shape the wording instead of appearing as such.
  const hidden = new Set(['expiresAt', 'startsAt', 'timeZone', 'previousStartsAt', 'otherSessions', 'entityKind', 'cancelledBy', 'invitation']);
  return Object.entries(fields)
    .filter(([key]) => !hidden.has(key))
    .map(([, value]) => String(value));
}

function escapeForTest(value: string): string {
  return value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

describe('renderEmail', () => {
  describe.each(EMAIL_KINDS)('%s', (kind) => {
    it.each(['en', 'fr'] as const)('renders subject, text and HTML in %s with every value', (lang) => {
      const message = makeEmail(kind, { lang });
      const email = renderEmail(message);
      expect(email.subject.length).toBeGreaterThan(5);
      expect(email.text.length).toBeGreaterThan(50);
      expect(email.html).toMatch(/^<!doctype html>/);
      expect(email.html).toContain(`<html lang="${lang}">`);
      for (const value of shownValues(message)) {
        expect(email.text).toContain(value);
        expect(email.html).toContain(escapeForTest(value));
      }
    });

    it('is written differently in English and French', () => {
      const en = renderEmail(makeEmail(kind, { lang: 'en' }));
      const fr = renderEmail(makeEmail(kind, { lang: 'fr' }));
      expect(fr.subject).not.toBe(en.subject);
      expect(fr.text).not.toBe(en.text);
      expect(fr.html).not.toBe(en.html);
      expect(en.text).toMatch(/^Hello Alex Tremblay,/);
      expect(fr.text).toMatch(/^Bonjour Alex Tremblay,/);
    });

    it('escapes every inserted value in the HTML and keeps the subject on one line', () => {
      const hostile = '<script>alert(1)</script> & "quotes"\r\nBcc: victim@example.org';
      const message = makeEmail(kind);
      const poisoned = Object.fromEntries(
        Object.entries(message).map(([key, value]) =>
          typeof value === 'string' && !['kind', 'lang', 'to'].includes(key) ? [key, hostile] : [key, value],
        ),
      ) as EmailMessage;
      const email = renderEmail(poisoned);
      expect(email.html).not.toContain('<script>');
      expect(email.html).not.toContain('"quotes"');
      expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;');
      expect(email.subject).not.toMatch(/[\r\n]/);
      // A hostile URL is shown, never linked.
      expect(email.html).not.toMatch(/href="(?!https?:)/);
      if (email.fromName !== undefined) expect(email.fromName).not.toMatch(/[\r\n"<>]/);
    });
  });

  it('turns a javascript: URL into text, not a link', () => {
    const email = renderEmail(makeEmail('organizationApproved', { activationUrl: 'javascript:alert(1)' }));
    expect(email.html).not.toContain('href="javascript:');
    expect(email.html).toContain('javascript:alert(1)');
  });

  it('puts the activation link in a call to action and spells it out in the text', () => {
    const message = makeEmail('organizationApproved');
    const email = renderEmail(message);
    expect(email.html).toContain(`href="${escapeForTest(message.activationUrl)}"`);
    expect(email.html).toContain('>Complete registration</a>');
    expect(email.text).toContain(`Complete registration:\n${message.activationUrl}`);
    expect(email.text).toContain('Terms of Use');
    expect(renderEmail({ ...message, lang: 'fr' }).text).toContain('conditions d’utilisation');
  });

  it('sends accessGranted under the program name, and only accessGranted', () => {
    const granted = renderEmail(makeEmail('accessGranted'));
    expect(granted.fromName).toBe('Future Builders');
    for (const kind of EMAIL_KINDS.filter((k) => k !== 'accessGranted')) {
      expect(renderEmail(makeEmail(kind)).fromName).toBeUndefined();
    }
  });

  it('sanitises the From display name', () => {
    const email = renderEmail(makeEmail('accessGranted', { programName: 'Big "Sisters" <evil@example.org>\r\nBcc: x@y' }));
    expect(email.fromName).toBe('Big Sisters evil@example.org Bcc: x@y');
    expect(displayName('  \r\n ')).toBe('');
  });

  it('shows the session time in the recipient’s zone and language', () => {
    const en = renderEmail(makeEmail('sessionBooked', { lang: 'en' }));
    const fr = renderEmail(makeEmail('sessionBooked', { lang: 'fr' }));
    expect(en.text).toContain('Tuesday, March 10, 2026 at 11:00 a.m. PDT');
    expect(en.subject).toContain('11:00 a.m. PDT');
    expect(fr.text).toContain('mardi 10 mars 2026 à 11 h 00 HAP');
    expect(fr.text).toContain('60\u00a0minutes');
  });

  it('formats expiry dates in the configured zone and never throws on bad data', () => {
    expect(formatDateTime('2026-03-17T16:00:00.000Z', 'en', 'America/Toronto')).toBe('Tuesday, March 17, 2026 at 12:00 p.m. EDT');
    expect(formatDateTime('not a date', 'en', 'America/Toronto')).toBe('not a date');
    expect(formatDateTime('2026-03-17T16:00:00.000Z', 'en', 'Mars/Olympus')).toContain('UTC');
    const email = renderEmail(makeEmail('organizationApproved'), { timeZone: 'America/Halifax' });
    expect(email.text).toContain('1:00 p.m. ADT');
  });

  it('signs with the product name, overridable per language', () => {
    expect(renderEmail(makeEmail('programApproved')).text).toContain('Onboarding Assistant');
    expect(renderEmail(makeEmail('programApproved', { lang: 'fr' })).text).toContain("Assistant d'intégration");
    const custom = renderEmail(makeEmail('programApproved', { lang: 'fr' }), { productName: { en: 'Helper', fr: 'Aide' } });
    expect(custom.text).toContain('Aide');
  });

  it('keeps a multi-line reason readable in both parts', () => {
    const email = renderEmail(makeEmail('programChangesRequested', { reason: 'Line one\nLine <two>' }));
    expect(email.text).toContain('> Line one\n> Line <two>');
    expect(email.html).toContain('Line one<br>Line &lt;two&gt;');
  });

  it('headerText removes every control character', () => {
    expect(headerText('a\r\nb\tc\u0000d\u2028e')).toBe('a b c d e');
  });
});
