import type { Localized } from '../domain/lang.ts';

/**
 * Every word on the registration pages (the organization activation page of step 1 and
 * the platform registration page of step 4), in English and French, and the Terms of Use
 * that the organization administrator accepts.
 */

export const TEXT = {
  // Activation (step 1)
  activationTitle: { en: 'Complete your organization’s registration', fr: 'Terminez l’inscription de votre organisme' },
  emailLabel: { en: 'Email address', fr: 'Adresse courriel' },
  emailHint: { en: 'You will use this address to sign in.', fr: 'Vous utiliserez cette adresse pour vous connecter.' },
  passwordLabel: { en: 'Create a password', fr: 'Créez un mot de passe' },
  passwordConfirmLabel: { en: 'Confirm your password', fr: 'Confirmez votre mot de passe' },
  passwordConfirmHint: { en: 'Type the same password again.', fr: 'Retapez le même mot de passe.' },
  termsTitle: { en: 'Terms of Use', fr: 'Conditions d’utilisation' },
  termsHint: {
    en: 'Please read the Terms of Use below. The box scrolls.',
    fr: 'Veuillez lire les conditions d’utilisation ci-dessous. Le texte défile dans l’encadré.',
  },
  acceptTermsLabel: {
    en: 'I have read and agree to the Terms of Use',
    fr: 'J’ai lu et j’accepte les conditions d’utilisation',
  },
  continue: { en: 'Continue', fr: 'Continuer' },
  activationDoneTitle: { en: 'Your organization is active', fr: 'Votre organisme est actif' },
  activationDoneNext: {
    en: 'Go back to the assistant to register your first program.',
    fr: 'Retournez dans l’assistant pour inscrire votre premier programme.',
  },

  // Platform registration (step 4)
  platformTitle: {
    en: 'Complete your registration on the mentoring platform',
    fr: 'Terminez votre inscription à la plateforme de mentorat',
  },
  signInLegend: { en: 'Sign in with the details from your email', fr: 'Connectez-vous avec les renseignements reçus par courriel' },
  newPasswordLegend: { en: 'Choose a new password', fr: 'Choisissez un nouveau mot de passe' },
  usernameLabel: { en: 'Username', fr: 'Nom d’utilisateur' },
  temporaryPasswordLabel: { en: 'Temporary password', fr: 'Mot de passe temporaire' },
  temporaryPasswordHint: {
    en: 'It is in the email you received with this link.',
    fr: 'Il se trouve dans le courriel qui contenait ce lien.',
  },
  newPasswordLabel: { en: 'New password', fr: 'Nouveau mot de passe' },
  newPasswordConfirmLabel: { en: 'Confirm the new password', fr: 'Confirmez le nouveau mot de passe' },
  saveChanges: { en: 'Save changes', fr: 'Enregistrer les modifications' },
  platformDoneTitle: { en: 'Your program is onboarded', fr: 'Votre programme est intégré' },
  platformDoneNext: {
    en: 'From now on, sign in to the platform with your username and your new password. Go back to the assistant for the training videos and next steps.',
    fr: 'Dorénavant, connectez-vous à la plateforme avec votre nom d’utilisateur et votre nouveau mot de passe. Retournez dans l’assistant pour les vidéos de formation et les prochaines étapes.',
  },

  // Field errors found by the page itself
  emailRequired: { en: 'Enter your email address.', fr: 'Entrez votre adresse courriel.' },
  passwordRequired: { en: 'Create a password.', fr: 'Créez un mot de passe.' },
  passwordsDontMatch: {
    en: 'The passwords don’t match. Please type the same password in both fields.',
    fr: 'Les mots de passe ne correspondent pas. Veuillez taper le même mot de passe dans les deux champs.',
  },
  acceptTermsRequired: {
    en: 'To continue, you must agree to the Terms of Use.',
    fr: 'Pour continuer, vous devez accepter les conditions d’utilisation.',
  },
  usernameRequired: { en: 'Enter the username from your email.', fr: 'Entrez le nom d’utilisateur indiqué dans le courriel.' },
  temporaryPasswordRequired: {
    en: 'Enter the temporary password from your email.',
    fr: 'Entrez le mot de passe temporaire indiqué dans le courriel.',
  },
  newPasswordRequired: { en: 'Choose a new password.', fr: 'Choisissez un nouveau mot de passe.' },
  errorTitlePrefix: { en: 'Error: ', fr: 'Erreur\u00a0: ' },

  // Link problems
  invalidTitle: { en: 'This link is not valid', fr: 'Ce lien n’est pas valide' },
  invalidBody: {
    en: 'The link may have been cut off or changed when it was copied. Make sure you opened the complete link from the email.',
    fr: 'Le lien a peut-être été coupé ou modifié lors d’un copier-coller. Vérifiez que vous avez ouvert le lien complet du courriel.',
  },
  expiredTitle: { en: 'This link has expired', fr: 'Ce lien a expiré' },
  expiredBody: {
    en: 'For your security, the links in our emails work for a limited time only.',
    fr: 'Pour votre sécurité, les liens de nos courriels ne fonctionnent que pendant une durée limitée.',
  },
  usedTitle: { en: 'This link has already been used', fr: 'Ce lien a déjà été utilisé' },
  usedBody: {
    en: 'Each link works only once. If you have already completed this step, there is nothing more to do here: go back to the assistant to continue.',
    fr: 'Chaque lien ne fonctionne qu’une seule fois. Si vous avez déjà terminé cette étape, vous n’avez rien d’autre à faire ici\u00a0: retournez dans l’assistant pour continuer.',
  },
  nothingChanged: { en: 'Nothing was changed.', fr: 'Rien n’a été modifié.' },
  /** Followed by the `status` command in code style, then `askNewLinkAfter`. */
  askNewLinkBefore: {
    en: 'To get a new link, go back to the assistant (in Slack, Microsoft Teams or the web chat) and type ',
    fr: 'Pour obtenir un nouveau lien, retournez dans l’assistant (dans Slack, Microsoft Teams ou le clavardage Web) et tapez ',
  },
  askNewLinkAfter: { en: '.', fr: '.' },

  // Form problems
  csrfTitle: { en: 'This form has expired', fr: 'Ce formulaire a expiré' },
  csrfBody: {
    en: 'For your security, the form can only be sent from the page where it was opened, in the same browser session. Nothing was changed.',
    fr: 'Pour votre sécurité, le formulaire ne peut être envoyé que depuis la page où il a été ouvert, dans la même session du navigateur. Rien n’a été modifié.',
  },
  csrfAction: { en: 'Reload the page and fill in the form again.', fr: 'Rechargez la page et remplissez de nouveau le formulaire.' },
  reopenForm: { en: 'Open the form again', fr: 'Rouvrir le formulaire' },
  reopenFromEmail: {
    en: 'Open the link from your email again and fill in the form.',
    fr: 'Ouvrez de nouveau le lien du courriel et remplissez le formulaire.',
  },
  unreadableTitle: { en: 'The form could not be read', fr: 'Le formulaire n’a pas pu être lu' },
  unreadableBody: {
    en: 'What was sent was too long or not in the expected format. Nothing was changed.',
    fr: 'Les données envoyées étaient trop longues ou n’étaient pas dans le format attendu. Rien n’a été modifié.',
  },
} as const satisfies Record<string, Localized>;

export function activationIntro(name: string, organizationName: string): Localized {
  return {
    en: `Hello ${name}. ${organizationName} has been approved. To activate it, confirm your email address, create a password, then read and accept the Terms of Use.`,
    fr: `Bonjour ${name}. L’organisme ${organizationName} a été approuvé. Pour l’activer, confirmez votre adresse courriel, créez un mot de passe, puis lisez et acceptez les conditions d’utilisation.`,
  };
}

export function activationDone(organizationName: string): Localized {
  return {
    en: `${organizationName} is now active.`,
    fr: `L’organisme ${organizationName} est maintenant actif.`,
  };
}

export function platformIntro(programName: string): Localized {
  return {
    en: `Access to the virtual mentoring platform has been granted for ${programName}. Sign in with the username and temporary password from your email, then choose a new password.`,
    fr: `L’accès à la plateforme de mentorat virtuel a été accordé au programme ${programName}. Connectez-vous avec le nom d’utilisateur et le mot de passe temporaire reçus par courriel, puis choisissez un nouveau mot de passe.`,
  };
}

export function platformDone(programName: string): Localized {
  return {
    en: `Your new password is saved. ${programName} now has access to the virtual mentoring platform.`,
    fr: `Votre nouveau mot de passe est enregistré. Le programme ${programName} a maintenant accès à la plateforme de mentorat virtuel.`,
  };
}

export type TermsSection = { readonly title: Localized; readonly body: Localized };

/** Recorded with an acceptance, so a later revision of the terms can ask again. */
export const TERMS_OF_USE_VERSION = '1';

export const TERMS_OF_USE: readonly TermsSection[] = [
  {
    title: { en: '1. About these terms', fr: '1. À propos des présentes conditions' },
    body: {
      en: 'These Terms of Use govern your organization’s use of the mentoring network’s organization and program registry and of its virtual mentoring platform (the “Services”). By accepting them, you confirm that you are authorized to do so on behalf of your organization.',
      fr: 'Les présentes conditions d’utilisation régissent l’utilisation, par votre organisme, du répertoire des organismes et des programmes du réseau de mentorat et de sa plateforme de mentorat virtuel (les «\u00a0Services\u00a0»). En les acceptant, vous confirmez être autorisé ou autorisée à le faire au nom de votre organisme.',
    },
  },
  {
    title: { en: '2. Accurate information', fr: '2. Renseignements exacts' },
    body: {
      en: 'You agree to provide accurate and current information about your organization and its programs, and to update it when it changes.',
      fr: 'Vous vous engagez à fournir des renseignements exacts et à jour sur votre organisme et ses programmes, et à les mettre à jour lorsqu’ils changent.',
    },
  },
  {
    title: { en: '3. Your account', fr: '3. Votre compte' },
    body: {
      en: 'Keep your password confidential and do not share your account. Tell us right away if you believe someone else has used it. You are responsible for what is done with your account.',
      fr: 'Gardez votre mot de passe confidentiel et ne partagez pas votre compte. Avisez-nous immédiatement si vous croyez qu’une autre personne l’a utilisé. Vous êtes responsable de ce qui est fait avec votre compte.',
    },
  },
  {
    title: { en: '4. Safe mentoring', fr: '4. Mentorat sécuritaire' },
    body: {
      en: 'Your organization remains responsible for screening, training and supervising its mentors, and for following recognized safety practices in mentoring relationships, especially those involving young people.',
      fr: 'Votre organisme demeure responsable du filtrage, de la formation et de l’encadrement de ses mentors, ainsi que du respect des pratiques de sécurité reconnues dans les relations de mentorat, en particulier celles qui concernent des jeunes.',
    },
  },
  {
    title: { en: '5. Personal information', fr: '5. Renseignements personnels' },
    body: {
      en: 'Personal information is collected and used only to provide the Services, in accordance with our privacy policy and applicable Canadian privacy laws. Do not enter more personal information about mentees than your program needs.',
      fr: 'Les renseignements personnels sont recueillis et utilisés uniquement pour fournir les Services, conformément à notre politique de confidentialité et aux lois canadiennes applicables. N’entrez pas plus de renseignements personnels sur les personnes mentorées que ce dont votre programme a besoin.',
    },
  },
  {
    title: { en: '6. Acceptable use', fr: '6. Utilisation acceptable' },
    body: {
      en: 'Do not use the Services for unlawful or harmful purposes, or for commercial purposes unrelated to mentoring, and do not try to access information that is not yours.',
      fr: 'N’utilisez pas les Services à des fins illégales ou préjudiciables, ni à des fins commerciales sans lien avec le mentorat, et ne tentez pas d’accéder à des renseignements qui ne vous appartiennent pas.',
    },
  },
  {
    title: { en: '7. Changes and termination', fr: '7. Modifications et résiliation' },
    body: {
      en: 'We may update these terms and will tell you about important changes. We may suspend access that breaks these terms. You may close your organization’s account at any time by contacting us.',
      fr: 'Nous pouvons mettre à jour les présentes conditions et vous informerons de tout changement important. Nous pouvons suspendre un accès qui enfreint ces conditions. Vous pouvez fermer le compte de votre organisme en tout temps en communiquant avec nous.',
    },
  },
];
