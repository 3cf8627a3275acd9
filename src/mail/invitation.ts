import { buildIcs } from '../core/ics.ts';
import type { Lang } from '../domain/lang.ts';
import type { CalendarInvitation, EmailMessage } from './messages.ts';
import type { MailAddress, OutgoingCalendar } from './transport.ts';

/**
 * The .ics of a session email, built at delivery time from the invitation data the
 * message carries: organizer = the assistant's sender (MAIL_FROM), attendee = the
 * recipient, summary and description in the recipient's language.
 */

const LOCALE: Record<Lang, string> = { en: 'en-CA', fr: 'fr-CA' };

/** The invitation a message carries, if any. */
export function invitationOf(message: EmailMessage): CalendarInvitation | undefined {
  switch (message.kind) {
    case 'sessionBooked':
    case 'sessionUpdated':
    case 'sessionCancelled':
      return message.invitation;
    default:
      return undefined;
  }
}

/** The calendar to attach to `message`, or undefined when it carries no invitation. */
export function sessionCalendar(message: EmailMessage, organizer: MailAddress): OutgoingCalendar | undefined {
  const invitation = invitationOf(message);
  if (!invitation) return undefined;
  const programName = 'programName' in message ? message.programName : '';
  const start = new Date(invitation.startsAt);
  const cancelled = invitation.method === 'CANCEL';
  const summary = {
    en: `${cancelled ? 'Cancelled: ' : ''}Onboarding session – ${programName}`,
    fr: `${cancelled ? 'Annulée : ' : ''}Séance d’intégration – ${programName}`,
  }[message.lang];
  const description = {
    en: cancelled
      ? `This onboarding session for ${programName} is cancelled. Type “sessions” in the assistant to book another one.`
      : `Onboarding session for ${programName}, before access to the virtual mentoring platform.\nJoin: ${invitation.videoUrl}`,
    fr: cancelled
      ? `Cette séance d’intégration pour ${programName} est annulée. Tapez « séances » dans l’assistant pour en réserver une autre.`
      : `Séance d’intégration pour ${programName}, avant l’accès à la plateforme de mentorat virtuel.\nRejoindre : ${invitation.videoUrl}`,
  }[message.lang];
  const content = buildIcs({
    method: invitation.method,
    uid: invitation.uid,
    sequence: invitation.sequence,
    stamp: new Date(invitation.stamp),
    start,
    end: new Date(start.getTime() + invitation.durationMinutes * 60_000),
    timeZone: invitation.timeZone,
    summary,
    description,
    language: LOCALE[message.lang],
    location: invitation.videoUrl,
    url: invitation.videoUrl,
    organizer: { name: organizer.name, email: organizer.address },
    attendee: { name: message.recipientName, email: message.to },
  });
  return { method: invitation.method, filename: cancelled ? 'cancel.ics' : 'invite.ics', content };
}
