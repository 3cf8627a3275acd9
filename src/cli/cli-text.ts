import type { Localized } from '../domain/lang.ts';

/** Everything the operator CLI prints, in English and French (`--lang fr`). */
export const CLI_TEXT = {
  usage: {
    en: `Usage: npm run onboarding -- <command> [--lang fr]

Commands:
  status <query>                      where an organization stands: step, who it waits on, since when,
                                      its programs and its last 10 events
  history <query>                     the organization's full audit trail
  resend <activation|platform> <query>
                                      send a fresh activation link (step 1) or platform email (step 4);
                                      the old links stop working. The query must match exactly one.
  report                              the onboarding funnel: counts, time per step, longest waiting,
                                      completions per week
  staff-link                          a one-time sign-in link for the staff pages (valid 15 minutes)
  sessions                            upcoming onboarding sessions, numbered
  publish-session <YYYY-MM-DD> <HH:MM> <time zone> <minutes> <en|fr> <seats> <video link>
                                      publish an onboarding session
  cancel-session <number|id> [reason] cancel a session; booked administrators are told
  help                                this text

<query> is part of an organization's name (case and accents ignored), an exact email address,
part of a program's name, or an organization or program identifier.

The database is the one the assistant uses: DATABASE_URL, or the embedded database in DATA_DIR
(default ./data). The embedded database opens in one process at a time: stop the assistant first,
or use PostgreSQL.
`,
    fr: `Utilisation : npm run onboarding -- <commande> [--lang fr]

Commandes :
  status <recherche>                  où en est un organisme : étape, qui il attend, depuis quand,
                                      ses programmes et ses 10 derniers événements
  history <recherche>                 l’historique complet de l’organisme
  resend <activation|platform> <recherche>
                                      envoie un nouveau lien d’activation (étape 1) ou un nouveau courriel
                                      de la plateforme (étape 4); les anciens liens cessent de fonctionner.
                                      La recherche doit correspondre à un seul élément.
  report                              l’entonnoir d’intégration : nombres, temps par étape, plus longues
                                      attentes, étapes terminées par semaine
  staff-link                          un lien de connexion à usage unique aux pages du personnel (15 minutes)
  sessions                            les prochaines séances d’intégration, numérotées
  publish-session <AAAA-MM-JJ> <HH:MM> <fuseau> <minutes> <en|fr> <places> <lien vidéo>
                                      publie une séance d’intégration
  cancel-session <numéro|id> [raison] annule une séance; les personnes inscrites sont avisées
  help                                ce texte

<recherche> est une partie du nom d’un organisme (sans égard à la casse ni aux accents), une adresse
courriel exacte, une partie du nom d’un programme, ou l’identifiant d’un organisme ou d’un programme.

La base de données est celle de l’assistant : DATABASE_URL, ou la base intégrée dans DATA_DIR
(./data par défaut). La base intégrée ne s’ouvre que dans un processus à la fois : arrêtez d’abord
l’assistant, ou utilisez PostgreSQL.
`,
  },
  unknownCommand: { en: 'Unknown command: {0}. Type “help” for the list.', fr: 'Commande inconnue : {0}. Tapez « help » pour la liste.' },
  missingQuery: { en: 'Say what to look up: an organization name, an email or a program.', fr: 'Indiquez quoi chercher : un nom d’organisme, un courriel ou un programme.' },
  badLang: { en: '--lang takes en or fr.', fr: '--lang accepte en ou fr.' },
  badResendKind: { en: 'Say which email to resend: “activation” (step 1) or “platform” (step 4).', fr: 'Indiquez quel courriel renvoyer : « activation » (étape 1) ou « platform » (étape 4).' },
  noMatch: { en: 'No organization, program or email matches “{0}”.', fr: 'Aucun organisme, programme ou courriel ne correspond à « {0} ».' },
  severalMatch: { en: '{0} organizations match “{1}”:', fr: '{0} organismes correspondent à « {1} » :' },
  refine: { en: 'Run the command again with one identifier (or a longer name) to choose one.', fr: 'Relancez la commande avec un identifiant (ou un nom plus précis) pour en choisir un.' },
  oneRequired: { en: 'This needs exactly one match; nothing was done.', fr: 'Il faut exactement une correspondance; rien n’a été fait.' },
  severalPrograms: { en: '{0} programs match “{1}”:', fr: '{0} programmes correspondent à « {1} » :' },
  noProgram: { en: 'No program of the matching organization matches “{0}”.', fr: 'Aucun programme de l’organisme trouvé ne correspond à « {0} ».' },
  organization: { en: 'Organization', fr: 'Organisme' },
  program: { en: 'Program', fr: 'Programme' },
  name: { en: 'Name', fr: 'Nom' },
  id: { en: 'Identifier', fr: 'Identifiant' },
  step: { en: 'Step', fr: 'Étape' },
  stepOf: { en: 'Step {0} of 4 — {1}', fr: 'Étape {0} sur 4 — {1}' },
  state: { en: 'State', fr: 'État' },
  waitingOn: { en: 'Waiting on', fr: 'En attente de' },
  since: { en: 'Since', fr: 'Depuis' },
  reason: { en: 'Reason', fr: 'Raison' },
  programs: { en: 'Programs', fr: 'Programmes' },
  noPrograms: { en: 'No program yet.', fr: 'Aucun programme pour l’instant.' },
  lastEvents: { en: 'Last {0} events', fr: '{0} derniers événements' },
  history: { en: 'History of {0} ({1} events, oldest first)', fr: 'Historique de {0} ({1} événements, du plus ancien au plus récent)' },
  historyTruncated: { en: 'Only the latest {0} events are shown.', fr: 'Seuls les {0} derniers événements sont affichés.' },
  when: { en: 'When', fr: 'Quand' },
  who: { en: 'Who', fr: 'Qui' },
  what: { en: 'What', fr: 'Quoi' },
  about: { en: 'About', fr: 'Objet' },
  change: { en: 'Change', fr: 'Changement' },
  system: { en: 'the assistant', fr: 'l’assistant' },
  admin: { en: 'the administrator', fr: 'la personne administratrice' },
  staff: { en: 'staff', fr: 'le personnel' },
  nobody: { en: 'nobody (finished)', fr: 'personne (terminé)' },
  unnamed: { en: '(no name yet)', fr: '(pas encore de nom)' },
  resentActivation: { en: 'A new activation link for {0} was queued; earlier links no longer work.', fr: 'Un nouveau lien d’activation pour {0} a été mis en file d’attente; les liens précédents ne fonctionnent plus.' },
  resentPlatform: { en: 'A new platform email for {0} was queued; earlier links no longer work.', fr: 'Un nouveau courriel de la plateforme pour {0} a été mis en file d’attente; les liens précédents ne fonctionnent plus.' },
  deliveryEmbedded: {
    en: 'The assistant sends it the next time it starts (the embedded database cannot be shared while it runs).',
    fr: 'L’assistant l’enverra à son prochain démarrage (la base intégrée ne peut pas être partagée pendant qu’il fonctionne).',
  },
  deliveryServer: { en: 'A running assistant sends it within seconds.', fr: 'Un assistant en marche l’envoie en quelques secondes.' },
  reportTitle: { en: 'Onboarding funnel at {0} ({1})', fr: 'Entonnoir d’intégration au {0} ({1})' },
  totals: { en: 'Organizations: {0} ({1} active). Programs: {2} ({3} onboarded).', fr: 'Organismes : {0} ({1} actifs). Programmes : {2} ({3} intégrés).' },
  inProgress: { en: 'In progress per step (someone still has to act)', fr: 'En cours par étape (quelqu’un doit encore agir)' },
  organizations: { en: 'Organizations', fr: 'Organismes' },
  waitingAdmin: { en: 'Waiting on admin', fr: 'Attente admin' },
  waitingStaff: { en: 'Waiting on staff', fr: 'Attente personnel' },
  byState: { en: 'By state', fr: 'Par état' },
  kind: { en: 'Kind', fr: 'Type' },
  count: { en: 'Number', fr: 'Nombre' },
  durations: { en: 'Time spent in each step (steps left since {0})', fr: 'Temps passé à chaque étape (étapes quittées depuis le {0})' },
  median: { en: 'Median (h)', fr: 'Médiane (h)' },
  p90: { en: '90th pct (h)', fr: '90e centile (h)' },
  samples: { en: 'Completed', fr: 'Terminées' },
  stalled: { en: 'Waiting the longest ({0} of {1})', fr: 'En attente depuis le plus longtemps ({0} sur {1})' },
  stalledNone: { en: 'Nothing is waiting on anyone.', fr: 'Rien n’attend personne.' },
  waited: { en: 'Waited', fr: 'Attente' },
  weekly: { en: 'Completed per week', fr: 'Terminés par semaine' },
  week: { en: 'Week', fr: 'Semaine' },
  weekStart: { en: 'Monday', fr: 'Lundi' },
  activated: { en: 'Orgs activated', fr: 'Organismes activés' },
  onboarded: { en: 'Programs onboarded', fr: 'Programmes intégrés' },
  staffLink: { en: 'One-time staff sign-in link (valid until {0}, works once):', fr: 'Lien de connexion du personnel à usage unique (valide jusqu’au {0}, une seule fois) :' },
  noDatabase: {
    en: 'There is no database in {0}. Has the assistant been started with this DATA_DIR? Set DATA_DIR (or DATABASE_URL) to the one it uses.',
    fr: 'Il n’y a pas de base de données dans {0}. L’assistant a-t-il été démarré avec ce DATA_DIR? Indiquez le DATA_DIR (ou DATABASE_URL) qu’il utilise.',
  },
  locked: {
    en: 'The embedded database in {0} is in use by another process, most likely the running assistant (npm start). It opens in one process at a time: stop the assistant and run this command again, or run both on PostgreSQL (DATABASE_URL).',
    fr: 'La base de données intégrée dans {0} est utilisée par un autre processus, sans doute l’assistant en marche (npm start). Elle ne s’ouvre que dans un processus à la fois : arrêtez l’assistant et relancez cette commande, ou faites-les fonctionner tous deux avec PostgreSQL (DATABASE_URL).',
  },
  cannotOpen: { en: 'Could not open the database ({0}): {1}', fr: 'Impossible d’ouvrir la base de données ({0}) : {1}' },
  failed: { en: 'Error: {0}', fr: 'Erreur : {0}' },
} as const satisfies Record<string, Localized>;

/** Fills `{0}`, `{1}`… with the values given. */
export function fill(template: string, ...values: readonly (string | number)[]): string {
  return template.replace(/\{(\d)\}/g, (m, i: string) => {
    const v = values[Number(i)];
    return v === undefined ? m : String(v);
  });
}
