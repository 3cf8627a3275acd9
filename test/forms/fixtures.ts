import type {
  AccessRequestFieldId,
  AnswerValue,
  ChoiceOption,
  OrganizationFieldId,
  ProgramFieldId,
  ValidationContext,
} from '../../src/forms/index.ts';

/**
 * Fully valid, already-normalised answer sets for each form. Override any field;
 * pass `undefined` to leave it unanswered.
 */
type AnswerSet<K extends string> = { [P in K]: AnswerValue | undefined };

export function makeOrganizationAnswers(
  overrides: Partial<AnswerSet<OrganizationFieldId>> = {},
): AnswerSet<OrganizationFieldId> {
  return {
    legalName: 'Big Sisters of Atlantic Canada Association',
    operatingName: 'Big Sisters Atlantic',
    website: 'https://bigsisters.example.org/',
    streetAddress: '1234 Barrington Street, Suite 200',
    city: 'Halifax',
    province: 'NS',
    postalCode: 'B3H 4R2',
    phone: '+19025550134',
    organizationType: 'charity',
    languagesServed: ['en', 'fr'],
    description: 'We match young people across Atlantic Canada with caring adult mentors.',
    adminName: 'Amélie Cormier',
    adminEmail: 'amelie.cormier@bigsisters.example.org',
    adminPhone: '+19025550177',
    ...overrides,
  };
}

export function makeProgramAnswers(overrides: Partial<AnswerSet<ProgramFieldId>> = {}): AnswerSet<ProgramFieldId> {
  return {
    name: 'Future Pathways',
    description: 'Weekly career mentoring for high-school students, matched by interests.',
    website: 'https://bigsisters.example.org/future-pathways',
    mentoringModels: ['oneToOne', 'eMentoring'],
    focusAreas: ['education', 'career'],
    ageGroups: ['12to17'],
    populationsServed: ['newcomers', 'ruralRemote'],
    menteesPerYear: 120,
    deliveryMode: 'hybrid',
    provincesServed: ['NB', 'NS', 'PE'],
    programAdminName: 'Jordan Paul',
    programAdminEmail: 'jordan.paul@bigsisters.example.org',
    programAdminPhone: '+15065550199',
    ...overrides,
  };
}

export const TODAY = '2026-03-10';

export const approvedPrograms: readonly ChoiceOption[] = [
  { value: 'prog_future', label: { en: 'Future Pathways', fr: 'Future Pathways' } },
  { value: 'prog_reading', label: { en: 'Reading Buddies', fr: 'Copains de lecture' } },
];

export const accessContext: ValidationContext = { today: TODAY, options: { programId: approvedPrograms } };

export function makeAccessRequestAnswers(
  overrides: Partial<AnswerSet<AccessRequestFieldId>> = {},
): AnswerSet<AccessRequestFieldId> {
  return {
    programId: 'prog_future',
    expectedMentors: 25,
    expectedMentees: 40,
    launchDate: '2026-09-08',
    platformLanguage: 'fr',
    platformAdminName: 'Jordan Paul',
    platformAdminEmail: 'jordan.paul@bigsisters.example.org',
    sessionBookedConfirmation: 'yes',
    ...overrides,
  };
}
