import type { Lang, Localized } from '../domain/lang.ts';
import { PRODUCT_NAME, html, join, multiline, raw, type SafeHtml } from '../web/html.ts';
import type { EmailMessage, EmailOf } from './messages.ts';

/**
 * Turns an `EmailMessage` into subject, plain text and HTML in the recipient's language.
 * Each kind is first written as a small list of neutral blocks (paragraph, call to action,
 * details, quoted reason, steps); the text and HTML parts are two renderings of the same
 * blocks, so they always say the same thing. Every value reaches the HTML through the
 * escaping `html` template; header values (subject, From name) are kept to one clean line.
 */

export type RenderOptions = {
  /** Who signs the assistant's emails. Default: "Onboarding Assistant" / "Assistant d'intégration". */
  readonly productName?: string | Localized | undefined;
  /** IANA zone for expiry dates (the recipient's zone is unknown there). Default `America/Toronto`. */
  readonly timeZone?: string | undefined;
};

export type RenderedEmail = {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** From display name to use instead of the default one (the program's name for `accessGranted`). */
  readonly fromName?: string;
};

type Inline = string | { readonly strong: string };

type Block =
  | { readonly type: 'paragraph'; readonly content: readonly Inline[] }
  | { readonly type: 'action'; readonly label: string; readonly url: string }
  | { readonly type: 'details'; readonly rows: ReadonlyArray<readonly [label: string, value: string]> }
  | { readonly type: 'quote'; readonly label: string; readonly text: string }
  | { readonly type: 'steps'; readonly intro: string; readonly items: readonly string[] };

type Content = {
  readonly subject: string;
  readonly blocks: readonly Block[];
  /** Closing lines ("Thank you," then who signs). */
  readonly signature: readonly string[];
  readonly footer: string;
  readonly fromName?: string;
};

const DEFAULT_TIME_ZONE = 'America/Toronto';
const LOCALE: Record<Lang, string> = { en: 'en-CA', fr: 'fr-CA' };

/** French (Canada) puts a non-breaking space before a colon. */
const NBSP = '\u00a0';

const COMMON = {
  hello: { en: 'Hello', fr: 'Bonjour' },
  thanks: { en: 'Thank you,', fr: 'Merci,' },
  automated: {
    en: (product: string) => `This message was sent automatically by ${product}.`,
    fr: (product: string) => `Ce message vous a été envoyé automatiquement par ${product}.`,
  },
  linkFallback: {
    en: "If the button doesn't work, copy this link into your browser:",
    fr: `Si le bouton ne fonctionne pas, copiez ce lien dans votre navigateur${NBSP}:`,
  },
  reason: { en: 'Reason:', fr: `Motif${NBSP}:` },
  changes: { en: 'Requested changes:', fr: `Modifications demandées${NBSP}:` },
  platform: { en: 'Virtual mentoring platform', fr: 'Plateforme de mentorat virtuel' },
} as const;

export function renderEmail(message: EmailMessage, options: RenderOptions = {}): RenderedEmail {
  const product = productName(options.productName, message.lang);
  const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
  const content = compose(message, { product, timeZone });
  const rendered: RenderedEmail = {
    subject: headerText(content.subject),
    text: renderText(message, content),
    html: renderHtml(message, content),
  };
  if (content.fromName !== undefined) {
    const fromName = displayName(content.fromName);
    if (fromName) return { ...rendered, fromName };
  }
  return rendered;
}

/** Subject-safe text: no CR/LF or other control character, whitespace collapsed. */
export function headerText(value: string): string {
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
}

/**
 * A From display name: one line, without the characters that delimit an address
 * (`"`, `<`, `>`, `\`), at most 100 characters. Nodemailer quotes and encodes the rest.
 */
export function displayName(value: string): string {
  return headerText(value.replace(/["<>\\]/g, ' ')).slice(0, 100).trim();
}

type Context = { readonly product: string; readonly timeZone: string };

function compose(message: EmailMessage, ctx: Context): Content {
  switch (message.kind) {
    case 'organizationApproved':
      return organizationApproved(message, ctx);
    case 'organizationChangesRequested':
      return organizationChangesRequested(message, ctx);
    case 'organizationRejected':
      return organizationRejected(message, ctx);
    case 'programApproved':
      return programApproved(message, ctx);
    case 'programChangesRequested':
      return programChangesRequested(message, ctx);
    case 'programRejected':
      return programRejected(message, ctx);
    case 'accessDeclined':
      return accessDeclined(message, ctx);
    case 'accessGranted':
      return accessGranted(message, ctx);
    case 'sessionBooked':
      return sessionBooked(message, ctx);
    case 'sessionUpdated':
      return sessionUpdated(message, ctx);
    case 'sessionCancelled':
      return sessionCancelled(message, ctx);
    case 'sessionReminder':
      return sessionReminder(message, ctx);
    case 'draftReminder':
      return draftReminder(message, ctx);
    case 'sessionBookingReminder':
      return sessionBookingReminder(message, ctx);
    case 'platformRegistrationReminder':
      return platformRegistrationReminder(message, ctx);
  }
}

function fromAssistant(lang: Lang, product: string) {
  return { signature: [COMMON.thanks[lang], product], footer: COMMON.automated[lang](product) };
}

function organizationApproved(m: EmailOf<'organizationApproved'>, ctx: Context): Content {
  const expires = formatDateTime(m.expiresAt, m.lang, ctx.timeZone);
  const org = { strong: m.organizationName };
  const blocks: Record<Lang, Block[]> = {
    en: [
      p('Good news: ', org, ' has been approved. As its designated administrator, you can now complete the organization’s registration.'),
      p('Follow the link below to confirm your email address, create your password and accept the Terms of Use.'),
      { type: 'action', label: 'Complete registration', url: m.activationUrl },
      p(`This link can be used only once and expires on ${expires}. If it has expired, ask the assistant for a new one.`),
    ],
    fr: [
      p(`Bonne nouvelle${NBSP}: `, org, ' a été approuvée. En tant que personne administratrice désignée, vous pouvez maintenant terminer l’inscription de l’organisation.'),
      p('Suivez le lien ci-dessous pour confirmer votre adresse courriel, créer votre mot de passe et accepter les conditions d’utilisation.'),
      { type: 'action', label: 'Terminer l’inscription', url: m.activationUrl },
      p(`Ce lien ne peut être utilisé qu’une seule fois et expire le ${expires}. S’il a expiré, demandez-en un nouveau à l’assistant.`),
    ],
  };
  return {
    subject: {
      en: `Organization approved: complete the registration of ${m.organizationName}`,
      fr: `Organisation approuvée${NBSP}: terminez l’inscription de ${m.organizationName}`,
    }[m.lang],
    blocks: blocks[m.lang],
    ...fromAssistant(m.lang, ctx.product),
  };
}

function organizationChangesRequested(m: EmailOf<'organizationChangesRequested'>, ctx: Context): Content {
  const org = { strong: m.organizationName };
  const blocks: Record<Lang, Block[]> = {
    en: [
      p('We reviewed the registration of ', org, ' and need a few changes before we can approve it.'),
      { type: 'quote', label: COMMON.changes.en, text: m.reason },
      p('Update the organization’s information with the assistant, then submit it again. We will review it as soon as possible.'),
    ],
    fr: [
      p('Nous avons examiné l’inscription de ', org, ' et quelques modifications sont nécessaires avant que nous puissions l’approuver.'),
      { type: 'quote', label: COMMON.changes.fr, text: m.reason },
      p('Mettez à jour les renseignements de l’organisation avec l’assistant, puis soumettez-les de nouveau. Nous les examinerons dans les meilleurs délais.'),
    ],
  };
  return {
    subject: {
      en: `Changes requested: ${m.organizationName}`,
      fr: `Modifications demandées${NBSP}: ${m.organizationName}`,
    }[m.lang],
    blocks: blocks[m.lang],
    ...fromAssistant(m.lang, ctx.product),
  };
}

function organizationRejected(m: EmailOf<'organizationRejected'>, ctx: Context): Content {
  const org = { strong: m.organizationName };
  const blocks: Record<Lang, Block[]> = {
    en: [
      p('We reviewed the registration of ', org, ' and are unable to approve it.'),
      { type: 'quote', label: COMMON.reason.en, text: m.reason },
      p('If you have questions about this decision, contact our team through the assistant.'),
    ],
    fr: [
      p('Nous avons examiné l’inscription de ', org, ' et ne sommes pas en mesure de l’approuver.'),
      { type: 'quote', label: COMMON.reason.fr, text: m.reason },
      p('Si vous avez des questions sur cette décision, communiquez avec notre équipe par l’intermédiaire de l’assistant.'),
    ],
  };
  return {
    subject: {
      en: `Registration not approved: ${m.organizationName}`,
      fr: `Inscription non approuvée${NBSP}: ${m.organizationName}`,
    }[m.lang],
    blocks: blocks[m.lang],
    ...fromAssistant(m.lang, ctx.product),
  };
}

function programApproved(m: EmailOf<'programApproved'>, ctx: Context): Content {
  const program = { strong: m.programName };
  const org = { strong: m.organizationName };
  const blocks: Record<Lang, Block[]> = {
    en: [
      p('The program ', program, ' of ', org, ' has been approved.'),
      {
        type: 'steps',
        intro: 'Next steps to get the program onto the virtual mentoring platform:',
        items: ['Sign up for an onboarding session.', 'Request access to the virtual mentoring platform for this program.'],
      },
      p('The assistant will guide you through both steps.'),
    ],
    fr: [
      p('Le programme ', program, ' de ', org, ' a été approuvé.'),
      {
        type: 'steps',
        intro: `Prochaines étapes pour que le programme accède à la plateforme de mentorat virtuel${NBSP}:`,
        items: ['Inscrivez-vous à une séance d’intégration.', 'Demandez l’accès à la plateforme de mentorat virtuel pour ce programme.'],
      },
      p('L’assistant vous guidera à chaque étape.'),
    ],
  };
  return {
    subject: {
      en: `Program approved: ${m.programName}`,
      fr: `Programme approuvé${NBSP}: ${m.programName}`,
    }[m.lang],
    blocks: blocks[m.lang],
    ...fromAssistant(m.lang, ctx.product),
  };
}

function programChangesRequested(m: EmailOf<'programChangesRequested'>, ctx: Context): Content {
  const program = { strong: m.programName };
  const blocks: Record<Lang, Block[]> = {
    en: [
      p('We reviewed the program ', program, ' and need a few changes before we can approve it.'),
      { type: 'quote', label: COMMON.changes.en, text: m.reason },
      p('Update the program with the assistant, then submit it again. We will review it as soon as possible.'),
    ],
    fr: [
      p('Nous avons examiné le programme ', program, ' et quelques modifications sont nécessaires avant que nous puissions l’approuver.'),
      { type: 'quote', label: COMMON.changes.fr, text: m.reason },
      p('Mettez à jour le programme avec l’assistant, puis soumettez-le de nouveau. Nous l’examinerons dans les meilleurs délais.'),
    ],
  };
  return {
    subject: {
      en: `Changes requested for the program ${m.programName}`,
      fr: `Modifications demandées pour le programme ${m.programName}`,
    }[m.lang],
    blocks: blocks[m.lang],
    ...fromAssistant(m.lang, ctx.product),
  };
}

function programRejected(m: EmailOf<'programRejected'>, ctx: Context): Content {
  const program = { strong: m.programName };
  const blocks: Record<Lang, Block[]> = {
    en: [
      p('We reviewed the program ', program, ' and are unable to approve it.'),
      { type: 'quote', label: COMMON.reason.en, text: m.reason },
      p('If you have questions about this decision, contact our team through the assistant.'),
    ],
    fr: [
      p('Nous avons examiné le programme ', program, ' et ne sommes pas en mesure de l’approuver.'),
      { type: 'quote', label: COMMON.reason.fr, text: m.reason },
      p('Si vous avez des questions sur cette décision, communiquez avec notre équipe par l’intermédiaire de l’assistant.'),
    ],
  };
  return {
    subject: {
      en: `Program not approved: ${m.programName}`,
      fr: `Programme non approuvé${NBSP}: ${m.programName}`,
    }[m.lang],
    blocks: blocks[m.lang],
    ...fromAssistant(m.lang, ctx.product),
  };
}

function accessDeclined(m: EmailOf<'accessDeclined'>, ctx: Context): Content {
  const program = { strong: m.programName };
  const blocks: Record<Lang, Block[]> = {
    en: [
      p('Your request for access to the virtual mentoring platform for ', program, ' was declined.'),
      { type: 'quote', label: COMMON.reason.en, text: m.reason },
      p('If you have questions, or once the issue is resolved, contact our team through the assistant.'),
    ],
    fr: [
      p('Votre demande d’accès à la plateforme de mentorat virtuel pour ', program, ' a été refusée.'),
      { type: 'quote', label: COMMON.reason.fr, text: m.reason },
      p('Si vous avez des questions, ou une fois la situation réglée, communiquez avec notre équipe par l’intermédiaire de l’assistant.'),
    ],
  };
  return {
    subject: {
      en: `Access request declined: ${m.programName}`,
      fr: `Demande d’accès refusée${NBSP}: ${m.programName}`,
    }[m.lang],
    blocks: blocks[m.lang],
    ...fromAssistant(m.lang, ctx.product),
  };
}

/** The platform's email: signed by the program, sent under the program's name. */
function accessGranted(m: EmailOf<'accessGranted'>, ctx: Context): Content {
  const expires = formatDateTime(m.expiresAt, m.lang, ctx.timeZone);
  const program = { strong: m.programName };
  const blocks: Record<Lang, Block[]> = {
    en: [
      p('Your program ', program, ` (${m.organizationName}) now has access to the virtual mentoring platform, and you are its designated administrator.`),
      p('Sign in with these credentials, then set a new password:'),
      {
        type: 'details',
        rows: [
          ['Username', m.username],
          ['Temporary password', m.temporaryPassword],
        ],
      },
      { type: 'action', label: 'Complete your registration', url: m.registrationUrl },
      p(`The temporary password expires on ${expires}. Keep it private and do not forward this email.`),
    ],
    fr: [
      p('Votre programme ', program, ` (${m.organizationName}) a maintenant accès à la plateforme de mentorat virtuel, et vous en êtes la personne administratrice désignée.`),
      p(`Connectez-vous avec les identifiants suivants, puis créez un nouveau mot de passe${NBSP}:`),
      {
        type: 'details',
        rows: [
          ['Nom d’utilisateur', m.username],
          ['Mot de passe temporaire', m.temporaryPassword],
        ],
      },
      { type: 'action', label: 'Terminer votre inscription', url: m.registrationUrl },
      p(`Le mot de passe temporaire expire le ${expires}. Gardez-le confidentiel et ne transférez pas ce courriel.`),
    ],
  };
  return {
    subject: {
      en: `Welcome to the virtual mentoring platform – ${m.programName}`,
      fr: `Bienvenue sur la plateforme de mentorat virtuel – ${m.programName}`,
    }[m.lang],
    blocks: blocks[m.lang],
    signature: [m.programName, COMMON.platform[m.lang]],
    footer: {
      en: `You are receiving this email because you are the designated administrator of ${m.programName} on the virtual mentoring platform.`,
      fr: `Vous recevez ce courriel parce que vous êtes la personne administratrice désignée de ${m.programName} sur la plateforme de mentorat virtuel.`,
    }[m.lang],
    fromName: m.programName,
  };
}

function sessionBooked(m: EmailOf<'sessionBooked'>, ctx: Context): Content {
  const when = formatDateTime(m.startsAt, m.lang, m.timeZone);
  const whenShort = formatDateTime(m.startsAt, m.lang, m.timeZone, 'short');
  const program = { strong: m.programName };
  const blocks: Record<Lang, Block[]> = {
    en: [
      p('You are signed up for an onboarding session for ', program, '.'),
      {
        type: 'details',
        rows: [
          ['When', when],
          ['Duration', `${m.durationMinutes} minutes`],
        ],
      },
      { type: 'action', label: 'Join the session', url: m.videoUrl },
      p('Now that you are signed up, you can request access to the virtual mentoring platform for this program through the assistant.'),
    ],
    fr: [
      p('Votre inscription à une séance d’intégration pour ', program, ' est confirmée.'),
      {
        type: 'details',
        rows: [
          ['Date et heure', when],
          ['Durée', `${m.durationMinutes}${NBSP}minutes`],
        ],
      },
      { type: 'action', label: 'Rejoindre la séance', url: m.videoUrl },
      p('Votre inscription étant confirmée, vous pouvez maintenant demander l’accès à la plateforme de mentorat virtuel pour ce programme par l’intermédiaire de l’assistant.'),
    ],
  };
  return {
    subject: {
      en: `Onboarding session confirmed: ${whenShort}`,
      fr: `Séance d’intégration confirmée${NBSP}: ${whenShort}`,
    }[m.lang],
    blocks: blocks[m.lang],
    ...fromAssistant(m.lang, ctx.product),
  };
}

// ------------------------------------------------- session changes and reminders

const STOP_REMINDERS: Localized = {
  en: 'To stop these reminders, type “stop reminders” in the assistant.',
  fr: 'Pour ne plus recevoir ces rappels, tapez « arrêter les rappels » dans l’assistant.',
};

function sessionUpdated(m: EmailOf<'sessionUpdated'>, ctx: Context): Content {
  const when = formatDateTime(m.startsAt, m.lang, m.timeZone);
  const whenShort = formatDateTime(m.startsAt, m.lang, m.timeZone, 'short');
  const before = m.previousStartsAt ? formatDateTime(m.previousStartsAt, m.lang, m.timeZone) : undefined;
  const program = { strong: m.programName };
  const blocks: Record<Lang, Block[]> = {
    en: [
      p('The onboarding session you booked for ', program, ' has changed. Here are its details now:'),
      {
        type: 'details',
        rows: [['When', when], ...(before ? ([['Previously', before]] as const) : []), ['Duration', `${m.durationMinutes} minutes`]],
      },
      { type: 'action', label: 'Join the session', url: m.videoUrl },
      p('The invitation in your calendar is updated. If the new time does not suit you, type “sessions” in the assistant to choose another session.'),
    ],
    fr: [
      p('La séance d’intégration réservée pour ', program, ` a changé. Voici ses détails${NBSP}:`),
      {
        type: 'details',
        rows: [['Date et heure', when], ...(before ? ([['Auparavant', before]] as const) : []), ['Durée', `${m.durationMinutes}${NBSP}minutes`]],
      },
      { type: 'action', label: 'Rejoindre la séance', url: m.videoUrl },
      p('L’invitation dans votre calendrier est mise à jour. Si le nouvel horaire ne vous convient pas, tapez « séances » dans l’assistant pour en choisir une autre.'),
    ],
  };
  return {
    subject: { en: `Onboarding session changed: ${whenShort}`, fr: `Séance d’intégration modifiée${NBSP}: ${whenShort}` }[m.lang],
    blocks: blocks[m.lang],
    ...fromAssistant(m.lang, ctx.product),
  };
}

function sessionCancelled(m: EmailOf<'sessionCancelled'>, ctx: Context): Content {
  const when = formatDateTime(m.startsAt, m.lang, m.timeZone);
  const whenShort = formatDateTime(m.startsAt, m.lang, m.timeZone, 'short');
  const program = { strong: m.programName };
  const byStaff = m.cancelledBy !== 'administrator';
  const others = m.otherSessions.map((iso) => formatDateTime(iso, m.lang, m.timeZone));
  const reason = m.reason.trim();
  const blocks: Record<Lang, Block[]> = {
    en: [
      byStaff
        ? p('We are sorry: the onboarding session for ', program, ` on ${when} has been cancelled.`)
        : p('Your onboarding session for ', program, ` on ${when} is cancelled, as you asked.`),
      ...(reason ? [{ type: 'quote', label: COMMON.reason.en, text: reason } as const] : []),
      others.length > 0
        ? { type: 'steps', intro: 'Sessions with seats left:', items: others }
        : p('No other session is open at the moment; new ones are published regularly.'),
      p('Type “sessions” in the assistant to book another session. The event has been removed from your calendar.'),
    ],
    fr: [
      byStaff
        ? p('Nous sommes désolés : la séance d’intégration pour ', program, ` du ${when} est annulée.`)
        : p('Votre séance d’intégration pour ', program, ` du ${when} est annulée, comme vous l’avez demandé.`),
      ...(reason ? [{ type: 'quote', label: COMMON.reason.fr, text: reason } as const] : []),
      others.length > 0
        ? { type: 'steps', intro: `Séances avec des places libres${NBSP}:`, items: others }
        : p('Aucune autre séance n’est offerte pour le moment; de nouvelles séances sont publiées régulièrement.'),
      p('Tapez « séances » dans l’assistant pour en réserver une autre. L’événement a été retiré de votre calendrier.'),
    ],
  };
  return {
    subject: { en: `Onboarding session cancelled: ${whenShort}`, fr: `Séance d’intégration annulée${NBSP}: ${whenShort}` }[m.lang],
    blocks: blocks[m.lang],
    ...fromAssistant(m.lang, ctx.product),
  };
}

function sessionReminder(m: EmailOf<'sessionReminder'>, ctx: Context): Content {
  const when = formatDateTime(m.startsAt, m.lang, m.timeZone);
  const whenShort = formatDateTime(m.startsAt, m.lang, m.timeZone, 'short');
  const program = { strong: m.programName };
  const blocks: Record<Lang, Block[]> = {
    en: [
      p('A reminder: your onboarding session for ', program, ' is tomorrow.'),
      { type: 'details', rows: [['When', when], ['Duration', `${m.durationMinutes} minutes`]] },
      { type: 'action', label: 'Join the session', url: m.videoUrl },
      p('If you cannot attend, type “sessions” in the assistant to move your booking.'),
      p(STOP_REMINDERS.en),
    ],
    fr: [
      p('Petit rappel : votre séance d’intégration pour ', program, ' a lieu demain.'),
      { type: 'details', rows: [['Date et heure', when], ['Durée', `${m.durationMinutes}${NBSP}minutes`]] },
      { type: 'action', label: 'Rejoindre la séance', url: m.videoUrl },
      p('Si vous ne pouvez pas y assister, tapez « séances » dans l’assistant pour changer de séance.'),
      p(STOP_REMINDERS.fr),
    ],
  };
  return {
    subject: { en: `Reminder: onboarding session ${whenShort}`, fr: `Rappel${NBSP}: séance d’intégration ${whenShort}` }[m.lang],
    blocks: blocks[m.lang],
    ...fromAssistant(m.lang, ctx.product),
  };
}

function draftReminder(m: EmailOf<'draftReminder'>, ctx: Context): Content {
  const isProgram = m.entityKind === 'program';
  const named = m.entityName.trim();
  const what: Localized = named
    ? { en: named, fr: named }
    : isProgram
      ? { en: 'your program', fr: 'votre programme' }
      : { en: 'your organization', fr: 'votre organisation' };
  const blocks: Record<Lang, Block[]> = {
    en: [
      p(`You started registering ${isProgram ? 'the program' : 'the organization'} `, { strong: what.en }, ' a few days ago, and the form is not submitted yet.'),
      p('Your answers are saved: say “hi” to the assistant to pick up where you left off.'),
      p(STOP_REMINDERS.en),
    ],
    fr: [
      p(`Vous avez commencé l’inscription ${isProgram ? 'du programme' : 'de l’organisation'} `, { strong: what.fr }, ' il y a quelques jours, et le formulaire n’est pas encore soumis.'),
      p('Vos réponses sont enregistrées : écrivez « bonjour » à l’assistant pour reprendre là où vous en étiez.'),
      p(STOP_REMINDERS.fr),
    ],
  };
  return {
    subject: { en: `Finish registering ${what.en}`, fr: `Terminez l’inscription de ${what.fr}` }[m.lang],
    blocks: blocks[m.lang],
    ...fromAssistant(m.lang, ctx.product),
  };
}

function sessionBookingReminder(m: EmailOf<'sessionBookingReminder'>, ctx: Context): Content {
  const program = { strong: m.programName };
  const blocks: Record<Lang, Block[]> = {
    en: [
      p('The program ', program, ' is approved, but no onboarding session is booked yet. The session comes before the request for access to the virtual mentoring platform.'),
      p('Type “sessions” in the assistant to see the dates and book one.'),
      p(STOP_REMINDERS.en),
    ],
    fr: [
      p('Le programme ', program, ' est approuvé, mais aucune séance d’intégration n’est encore réservée. La séance précède la demande d’accès à la plateforme de mentorat virtuel.'),
      p('Tapez « séances » dans l’assistant pour voir les dates et en réserver une.'),
      p(STOP_REMINDERS.fr),
    ],
  };
  return {
    subject: { en: `Book an onboarding session for ${m.programName}`, fr: `Réservez une séance d’intégration pour ${m.programName}` }[m.lang],
    blocks: blocks[m.lang],
    ...fromAssistant(m.lang, ctx.product),
  };
}

function platformRegistrationReminder(m: EmailOf<'platformRegistrationReminder'>, ctx: Context): Content {
  const program = { strong: m.programName };
  const blocks: Record<Lang, Block[]> = {
    en: [
      p('Access to the virtual mentoring platform was granted for ', program, ', but your registration on the platform is not completed yet.'),
      p('Open the email sent by ', program, ', sign in with the username and temporary password it gives, and set your own password. If its link has expired, ask the assistant for a new one.'),
      p(STOP_REMINDERS.en),
    ],
    fr: [
      p('L’accès à la plateforme de mentorat virtuel a été accordé pour ', program, ', mais votre inscription sur la plateforme n’est pas encore terminée.'),
      p('Ouvrez le courriel envoyé par ', program, ', connectez-vous avec le nom d’utilisateur et le mot de passe temporaire indiqués, puis créez votre mot de passe. Si son lien a expiré, demandez-en un nouveau à l’assistant.'),
      p(STOP_REMINDERS.fr),
    ],
  };
  return {
    subject: {
      en: `Complete your registration on the virtual mentoring platform – ${m.programName}`,
      fr: `Terminez votre inscription sur la plateforme de mentorat virtuel – ${m.programName}`,
    }[m.lang],
    blocks: blocks[m.lang],
    ...fromAssistant(m.lang, ctx.product),
  };
}

function p(...content: Inline[]): Block {
  return { type: 'paragraph', content };
}

function productName(option: RenderOptions['productName'], lang: Lang): string {
  if (option === undefined) return PRODUCT_NAME[lang];
  return typeof option === 'string' ? option : option[lang];
}

/**
 * A date and time in the reader's language and the given zone, zone abbreviation
 * included. A malformed timestamp is shown as given, an unknown zone falls back to
 * UTC: rendering runs in the delivery worker and must not fail on data.
 */
export function formatDateTime(iso: string, lang: Lang, timeZone: string, style: 'long' | 'short' = 'long'): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const options: Intl.DateTimeFormatOptions = {
    weekday: 'long',
    month: 'long',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
    ...(style === 'long' ? { year: 'numeric' } : {}),
  };
  try {
    return new Intl.DateTimeFormat(LOCALE[lang], { ...options, timeZone }).format(date);
  } catch {
    return new Intl.DateTimeFormat(LOCALE[lang], { ...options, timeZone: 'UTC' }).format(date);
  }
}

/** Only absolute http(s) URLs become links in an email. */
function httpUrl(url: string): string | undefined {
  try {
    const parsed = new URL(url.trim());
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

function greeting(message: EmailMessage): string {
  const name = headerText(message.recipientName);
  return name ? `${COMMON.hello[message.lang]} ${name},` : `${COMMON.hello[message.lang]},`;
}

// ---------------------------------------------------------------- plain text

function renderText(message: EmailMessage, content: Content): string {
  const parts: string[] = [greeting(message)];
  for (const block of content.blocks) parts.push(textBlock(block, message.lang));
  parts.push(content.signature.join('\n'));
  parts.push(`-- \n${content.footer}`);
  return `${parts.join('\n\n')}\n`;
}

function textBlock(block: Block, lang: Lang): string {
  const colon = lang === 'fr' ? `${NBSP}:` : ':';
  switch (block.type) {
    case 'paragraph':
      return block.content.map((c) => (typeof c === 'string' ? c : c.strong)).join('');
    case 'action':
      return `${block.label}${colon}\n${block.url.trim()}`;
    case 'details':
      return block.rows.map(([label, value]) => `${label}${colon} ${value}`).join('\n');
    case 'quote':
      return `${block.label}\n${block.text
        .split(/\r\n|\r|\n/)
        .map((line) => `> ${line}`)
        .join('\n')}`;
    case 'steps':
      return `${block.intro}\n${block.items.map((item, i) => `${i + 1}. ${item}`).join('\n')}`;
  }
}

// ---------------------------------------------------------------------- HTML

const STYLE = {
  body: 'margin:0;padding:0;background:#f3f4f6;',
  wrapper: 'max-width:600px;margin:0 auto;padding:24px 16px;',
  card: 'background:#ffffff;border:1px solid #d9dce1;border-radius:6px;padding:28px 24px;font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.55;color:#1b1b1b;',
  p: 'margin:0 0 16px;',
  button:
    'display:inline-block;background:#0b4f8a;color:#ffffff;font-weight:bold;text-decoration:none;padding:12px 22px;border-radius:4px;',
  link: 'color:#0b4f8a;text-decoration:underline;word-break:break-all;',
  small: 'margin:0 0 16px;font-size:14px;color:#4a4a4a;',
  quote: 'margin:0 0 16px;padding:12px 16px;border-left:4px solid #0b4f8a;background:#eef4fa;',
  details: 'margin:0 0 16px;padding:12px 16px;background:#f6f6f6;border:1px solid #d9dce1;',
  code: 'font-family:Consolas,Menlo,monospace;font-size:15px;',
  footer: 'margin:16px 0 0;font-family:Arial,Helvetica,sans-serif;font-size:13px;line-height:1.5;color:#4a4a4a;text-align:center;',
} as const;

function renderHtml(message: EmailMessage, content: Content): string {
  const lang = message.lang;
  const doc = html`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${headerText(content.subject)}</title>
</head>
<body style="${STYLE.body}">
<div style="${STYLE.wrapper}">
<div style="${STYLE.card}">
<p style="${STYLE.p}">${greeting(message)}</p>
${content.blocks.map((b) => htmlBlock(b, lang))}
<p style="margin:24px 0 0;">${join(content.signature, raw('<br>'))}</p>
</div>
<p style="${STYLE.footer}">${content.footer}</p>
</div>
</body>
</html>
`;
  return doc.__html;
}

function htmlBlock(block: Block, lang: Lang): SafeHtml {
  switch (block.type) {
    case 'paragraph':
      return html`<p style="${STYLE.p}">${block.content.map((c) => (typeof c === 'string' ? c : html`<strong>${c.strong}</strong>`))}</p>\n`;
    case 'action': {
      const href = httpUrl(block.url);
      if (!href) return html`<p style="${STYLE.p}"><strong>${block.label}</strong><br>${block.url}</p>\n`;
      return html`<p style="margin:24px 0;"><a href="${href}" style="${STYLE.button}">${block.label}</a></p>
<p style="${STYLE.small}">${COMMON.linkFallback[lang]}<br><a href="${href}" style="${STYLE.link}">${block.url.trim()}</a></p>\n`;
    }
    case 'details':
      return html`<div style="${STYLE.details}">${block.rows.map(
        ([label, value], i) =>
          html`${i > 0 ? raw('<br>') : ''}${label}${lang === 'fr' ? `${NBSP}:` : ':'} <strong style="${STYLE.code}">${value}</strong>`,
      )}</div>\n`;
    case 'quote':
      return html`<p style="${STYLE.p}"><strong>${block.label}</strong></p>
<blockquote style="${STYLE.quote}">${multiline(block.text)}</blockquote>\n`;
    case 'steps':
      return html`<p style="${STYLE.p}">${block.intro}</p>
<ol style="margin:0 0 16px;padding-left:24px;">${block.items.map((item) => html`<li style="margin:0 0 6px;">${item}</li>`)}</ol>\n`;
  }
}
