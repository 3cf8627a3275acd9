import type { Lang } from '../domain/lang.ts';

/**
 * The emails the assistant sends, as plain data. An outbox row stores one of these;
 * `renderEmail` turns it into subject, text and HTML at delivery time.
 * Timestamps are ISO 8601 strings so a message survives a JSON round trip unchanged.
 */

type Recipient = {
  /** Recipient's email address. */
  readonly to: string;
  /** Language the email is written in. */
  readonly lang: Lang;
  /** How to greet the recipient ("Hello Alex,"). */
  readonly recipientName: string;
};

/** Step 1 done: the organization was approved; the link completes its registration. */
export type OrganizationApprovedEmail = Recipient & {
  readonly kind: 'organizationApproved';
  readonly organizationName: string;
  /** Signed, single-use link to the page where the admin creates a password and accepts the Terms of Use. */
  readonly activationUrl: string;
  /** When `activationUrl` stops working (ISO 8601). */
  readonly expiresAt: string;
};

export type OrganizationChangesRequestedEmail = Recipient & {
  readonly kind: 'organizationChangesRequested';
  readonly organizationName: string;
  readonly reason: string;
};

export type OrganizationRejectedEmail = Recipient & {
  readonly kind: 'organizationRejected';
  readonly organizationName: string;
  readonly reason: string;
};

/** Step 2 done: next, book an onboarding session and request access to the platform. */
export type ProgramApprovedEmail = Recipient & {
  readonly kind: 'programApproved';
  readonly organizationName: string;
  readonly programName: string;
};

export type ProgramChangesRequestedEmail = Recipient & {
  readonly kind: 'programChangesRequested';
  readonly programName: string;
  readonly reason: string;
};

export type ProgramRejectedEmail = Recipient & {
  readonly kind: 'programRejected';
  readonly programName: string;
  readonly reason: string;
};

export type AccessDeclinedEmail = Recipient & {
  readonly kind: 'accessDeclined';
  readonly programName: string;
  readonly reason: string;
};

/**
 * Step 4: the virtual mentoring platform's own email. Sent with the program's name as
 * the From display name, as the platform does.
 */
export type AccessGrantedEmail = Recipient & {
  readonly kind: 'accessGranted';
  readonly programName: string;
  readonly organizationName: string;
  readonly username: string;
  readonly temporaryPassword: string;
  /** Where the program administrator signs in and sets a new password. */
  readonly registrationUrl: string;
  /** When the temporary password / link stops working (ISO 8601). */
  readonly expiresAt: string;
};

/** Confirmation of an onboarding session booking. */
export type SessionBookedEmail = Recipient & {
  readonly kind: 'sessionBooked';
  readonly programName: string;
  /** Start of the session (ISO 8601, with offset or `Z`). */
  readonly startsAt: string;
  /** IANA time zone of the recipient, e.g. `America/Toronto`; the time is shown in it. */
  readonly timeZone: string;
  readonly durationMinutes: number;
  readonly videoUrl: string;
  /** The calendar invitation attached as .ics (REQUEST; a moved booking sends the same UID, SEQUENCE+1). */
  readonly invitation?: CalendarInvitation;
};

/**
 * What the .ics attached to a session email says, as data: the delivery worker builds
 * the file (organizer = MAIL_FROM, attendee = the recipient) in the recipient's language.
 */
export type CalendarInvitation = {
  readonly method: 'REQUEST' | 'CANCEL';
  /** Stable per booking (kept when the booking moves): `booking-<id>@onboarding-assistant`. */
  readonly uid: string;
  /** Grows with each new version of the invitation for this UID. */
  readonly sequence: number;
  /** When this version was made (ISO 8601): the DTSTAMP, fixed so a retried mail carries the same file. */
  readonly stamp: string;
  /** Start of the session (ISO 8601). */
  readonly startsAt: string;
  readonly durationMinutes: number;
  /** The slot's IANA time zone. */
  readonly timeZone: string;
  readonly videoUrl: string;
};

/** The session's time, length or link changed: the new details and an updated invitation. */
export type SessionUpdatedEmail = Recipient & {
  readonly kind: 'sessionUpdated';
  readonly programName: string;
  readonly startsAt: string;
  /** The start before the change (ISO 8601), when the time moved. */
  readonly previousStartsAt?: string;
  /** IANA time zone of the recipient. */
  readonly timeZone: string;
  readonly durationMinutes: number;
  readonly videoUrl: string;
  readonly invitation?: CalendarInvitation;
};

/** The booked session is cancelled (by staff, or by the administrator); CANCEL invitation attached. */
export type SessionCancelledEmail = Recipient & {
  readonly kind: 'sessionCancelled';
  readonly programName: string;
  readonly startsAt: string;
  /** IANA time zone of the recipient. */
  readonly timeZone: string;
  readonly cancelledBy: 'staff' | 'administrator';
  /** Staff's reason; empty when none was given. */
  readonly reason: string;
  /** Starts (ISO 8601) of other sessions with seats left, offered instead. */
  readonly otherSessions: readonly string[];
  readonly invitation?: CalendarInvitation;
};

/** The day before a booked session: when, and the video link. */
export type SessionReminderEmail = Recipient & {
  readonly kind: 'sessionReminder';
  readonly programName: string;
  readonly startsAt: string;
  /** IANA time zone of the recipient. */
  readonly timeZone: string;
  readonly durationMinutes: number;
  readonly videoUrl: string;
};

/** Nudge: a registration form started and left untouched for a few days. */
export type DraftReminderEmail = Recipient & {
  readonly kind: 'draftReminder';
  readonly entityKind: 'organization' | 'program';
  /** May be empty when the name was not entered yet. */
  readonly entityName: string;
};

/** Nudge: a program approved a while ago has no onboarding session booked. */
export type SessionBookingReminderEmail = Recipient & {
  readonly kind: 'sessionBookingReminder';
  readonly programName: string;
};

/** Nudge: platform access was granted but the registration on the platform is not completed. */
export type PlatformRegistrationReminderEmail = Recipient & {
  readonly kind: 'platformRegistrationReminder';
  readonly programName: string;
};

export type EmailMessage =
  | OrganizationApprovedEmail
  | OrganizationChangesRequestedEmail
  | OrganizationRejectedEmail
  | ProgramApprovedEmail
  | ProgramChangesRequestedEmail
  | ProgramRejectedEmail
  | AccessDeclinedEmail
  | AccessGrantedEmail
  | SessionBookedEmail
  | SessionUpdatedEmail
  | SessionCancelledEmail
  | SessionReminderEmail
  | DraftReminderEmail
  | SessionBookingReminderEmail
  | PlatformRegistrationReminderEmail;

export type EmailKind = EmailMessage['kind'];

/** The message type of one kind: `EmailOf<'accessGranted'>`. */
export type EmailOf<K extends EmailKind> = Extract<EmailMessage, { kind: K }>;

export const EMAIL_KINDS = [
  'organizationApproved',
  'organizationChangesRequested',
  'organizationRejected',
  'programApproved',
  'programChangesRequested',
  'programRejected',
  'accessDeclined',
  'accessGranted',
  'sessionBooked',
  'sessionUpdated',
  'sessionCancelled',
  'sessionReminder',
  'draftReminder',
  'sessionBookingReminder',
  'platformRegistrationReminder',
] as const satisfies readonly EmailKind[];

// Compile-time check that EMAIL_KINDS lists every kind.
type _MissingKinds = Exclude<EmailKind, (typeof EMAIL_KINDS)[number]>;
const _allKindsListed: [_MissingKinds] extends [never] ? true : never = true;
void _allKindsListed;
