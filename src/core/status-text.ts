import type { Localized } from '../domain/lang.ts';

/** What each state waits on, in words a person understands (status, support look-ups). */
export const STATE_TEXT: Record<string, Record<string, Localized>> = {
  organization: {
    draft: { en: 'The administrator is filling in the organization form.', fr: 'La personne administratrice remplit le formulaire de l’organisme.' },
    submitted: { en: 'Waiting for staff to review the organization.', fr: 'En attente de l’examen de l’organisme par le personnel.' },
    changesRequested: { en: 'Staff asked for changes; the administrator edits and resubmits.', fr: 'Le personnel a demandé des modifications; la personne administratrice corrige et soumet de nouveau.' },
    awaitingActivation: { en: 'Approved. The designated administrator completes registration from the emailed link.', fr: 'Approuvé. La personne administratrice désignée termine l’inscription à partir du lien reçu par courriel.' },
    active: { en: 'The organization is active: programs can be registered.', fr: 'L’organisme est actif : des programmes peuvent être inscrits.' },
    rejected: { en: 'The organization was not approved.', fr: 'L’organisme n’a pas été approuvé.' },
    withdrawn: { en: 'The registration was withdrawn.', fr: 'L’inscription a été retirée.' },
  },
  program: {
    draft: { en: 'The administrator is filling in the program form.', fr: 'La personne administratrice remplit le formulaire du programme.' },
    submitted: { en: 'Waiting for staff to review the program.', fr: 'En attente de l’examen du programme par le personnel.' },
    changesRequested: { en: 'Staff asked for changes; the administrator edits and resubmits.', fr: 'Le personnel a demandé des modifications; la personne administratrice corrige et soumet de nouveau.' },
    rejected: { en: 'The program was not approved.', fr: 'Le programme n’a pas été approuvé.' },
    'approved.awaitingSession': { en: 'Approved. The administrator books an onboarding session.', fr: 'Approuvé. La personne administratrice réserve une séance d’intégration.' },
    'approved.sessionBooked': { en: 'Session booked. The administrator requests access to the platform.', fr: 'Séance réservée. La personne administratrice demande l’accès à la plateforme.' },
    accessRequested: { en: 'Waiting for staff to grant access to the platform.', fr: 'En attente de l’accès à la plateforme accordé par le personnel.' },
    accessDeclined: { en: 'Access was declined; the administrator may ask again.', fr: 'L’accès a été refusé; la personne administratrice peut refaire une demande.' },
    awaitingPlatformRegistration: { en: 'Access granted. The program administrator completes the platform registration from the email.', fr: 'Accès accordé. La personne administratrice du programme termine l’inscription sur la plateforme à partir du courriel.' },
    onboarded: { en: 'Onboarded: the program is on the platform.', fr: 'Intégré : le programme est sur la plateforme.' },
    withdrawn: { en: 'The program was withdrawn.', fr: 'Le programme a été retiré.' },
  },
};

export const STEP_TITLES: Record<number, Localized> = {
  1: { en: 'Register the organization', fr: 'Inscrire l’organisme' },
  2: { en: 'Register a program', fr: 'Inscrire un programme' },
  3: { en: 'Request access to the platform', fr: 'Demander l’accès à la plateforme' },
  4: { en: 'Complete the platform registration', fr: 'Terminer l’inscription sur la plateforme' },
};

export const GATE_TEXT: Record<'organizationActive' | 'programApproved' | 'sessionBooked', Localized> = {
  organizationActive: {
    en: 'the organization must be approved and its registration completed from the emailed link',
    fr: 'l’organisme doit être approuvé et son inscription terminée à partir du lien reçu par courriel',
  },
  programApproved: {
    en: 'the program must be approved by staff',
    fr: 'le programme doit être approuvé par le personnel',
  },
  sessionBooked: {
    en: 'you must sign up for an onboarding session (type “sessions”)',
    fr: 'vous devez vous inscrire à une séance d’intégration (tapez « séances »)',
  },
};
