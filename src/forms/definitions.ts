import { PROVINCES } from './provinces.ts';
import type { FieldDefinition, FieldIdOf, FormDefinition, FormId, SectionDefinition } from './types.ts';

/*
 * The three forms, as data. Every renderer (chat prompts, Slack modals, Adaptive Cards,
 * review summary, staff card) and the server-side validation read these definitions;
 * nothing about a field is decided elsewhere. Field ids are stored with answers: renaming
 * one is a data migration.
 */

const CHOOSE_ALL = { en: 'Choose all that apply.', fr: 'Choisissez toutes les réponses qui s’appliquent.' } as const;
const PHONE_PLACEHOLDER = { en: '(902) 555-0134', fr: '902 555-0134' } as const;
const EMAIL_PLACEHOLDER = { en: 'name@example.org', fr: 'nom@exemple.ca' } as const;
const URL_PLACEHOLDER = { en: 'https://example.org', fr: 'https://exemple.ca' } as const;

export const organizationForm = {
  id: 'organization',
  title: { en: 'Organization registration', fr: 'Inscription de l’organisme' },
  description: {
    en: 'Tell us about your organization. Mentor Canada staff review every submission before approving it.',
    fr: 'Présentez votre organisme. L’équipe de Mentorat Canada examine chaque demande avant de l’approuver.',
  },
  sections: [
    {
      id: 'identity',
      title: { en: 'Organization', fr: 'Organisme' },
      fields: [
        {
          id: 'legalName',
          type: 'text',
          required: true,
          minLength: 2,
          label: { en: 'Legal name', fr: 'Nom légal' },
          help: {
            en: 'The name registered with the government, as it appears on official documents.',
            fr: 'Le nom enregistré auprès du gouvernement, tel qu’il figure sur les documents officiels.',
          },
        },
        {
          id: 'operatingName',
          type: 'text',
          required: false,
          label: { en: 'Operating name', fr: 'Nom d’usage' },
          help: {
            en: 'Optional. The name the public knows you by, if it differs from the legal name.',
            fr: 'Facultatif. Le nom sous lequel le public vous connaît, s’il diffère du nom légal.',
          },
        },
        {
          id: 'website',
          type: 'url',
          required: true,
          label: { en: 'Website', fr: 'Site Web' },
          placeholder: URL_PLACEHOLDER,
        },
      ],
    },
    {
      id: 'address',
      title: { en: 'Address and phone', fr: 'Adresse et téléphone' },
      fields: [
        {
          id: 'streetAddress',
          type: 'text',
          required: true,
          label: { en: 'Street address', fr: 'Adresse municipale' },
          help: {
            en: 'Number and street, with the suite or unit number if there is one.',
            fr: 'Numéro et rue, avec le numéro de bureau ou d’unité s’il y a lieu.',
          },
        },
        { id: 'city', type: 'text', required: true, label: { en: 'City or town', fr: 'Ville ou municipalité' } },
        { id: 'province', type: 'province', required: true, label: { en: 'Province or territory', fr: 'Province ou territoire' } },
        {
          id: 'postalCode',
          type: 'postalCode',
          required: true,
          label: { en: 'Postal code', fr: 'Code postal' },
          placeholder: { en: 'A1A 1A1', fr: 'A1A 1A1' },
        },
        {
          id: 'phone',
          type: 'phone',
          required: true,
          label: { en: 'Phone number', fr: 'Numéro de téléphone' },
          placeholder: PHONE_PLACEHOLDER,
        },
      ],
    },
    {
      id: 'profile',
      title: { en: 'About the organization', fr: 'À propos de l’organisme' },
      fields: [
        {
          id: 'organizationType',
          type: 'singleChoice',
          required: true,
          label: { en: 'Type of organization', fr: 'Type d’organisme' },
          options: [
            { value: 'nonProfit', label: { en: 'Non-profit organization', fr: 'Organisme à but non lucratif' }, aliases: ['Non-profit', 'Nonprofit', 'NPO', 'OBNL', 'OSBL'] },
            { value: 'charity', label: { en: 'Registered charity', fr: 'Organisme de bienfaisance enregistré' }, aliases: ['Charity', 'Organisme de bienfaisance'] },
            { value: 'school', label: { en: 'School or school board', fr: 'École ou conseil scolaire' }, aliases: ['School', 'École', 'School board', 'Centre de services scolaire', 'Commission scolaire'] },
            { value: 'indigenous', label: { en: 'Indigenous organization', fr: 'Organisation autochtone' }, aliases: ['Indigenous', 'Autochtone'] },
            { value: 'publicBody', label: { en: 'Public body', fr: 'Organisme public' }, aliases: ['Public', 'Government', 'Gouvernement'] },
            { value: 'other', label: { en: 'Other', fr: 'Autre' } },
          ],
        },
        {
          id: 'languagesServed',
          type: 'multiChoice',
          required: true,
          label: { en: 'Languages served', fr: 'Langues de service' },
          help: {
            en: 'The languages in which you offer your services. Choose all that apply.',
            fr: 'Les langues dans lesquelles vous offrez vos services. Choisissez toutes les réponses qui s’appliquent.',
          },
          options: [
            { value: 'en', label: { en: 'English', fr: 'Anglais' } },
            { value: 'fr', label: { en: 'French', fr: 'Français' } },
            { value: 'other', label: { en: 'Other languages', fr: 'Autres langues' }, aliases: ['Other', 'Autre', 'Autres'] },
          ],
        },
        {
          id: 'description',
          type: 'longText',
          required: true,
          minLength: 20,
          maxLength: 1000,
          label: { en: 'Short description', fr: 'Brève description' },
          help: {
            en: 'A few sentences about your mission and the young people you serve (1,000 characters at most).',
            fr: 'Quelques phrases sur votre mission et les jeunes que vous servez (1 000 caractères au plus).',
          },
        },
      ],
    },
    {
      id: 'administrator',
      title: { en: 'Designated administrator', fr: 'Personne administratrice désignée' },
      description: {
        en: 'The person who will manage the organization’s account. They receive the approval email and complete the registration.',
        fr: 'La personne qui gérera le compte de l’organisme. Elle recevra le courriel d’approbation et terminera l’inscription.',
      },
      fields: [
        {
          id: 'adminName',
          type: 'text',
          required: true,
          minLength: 2,
          label: { en: 'Administrator’s full name', fr: 'Nom complet de la personne administratrice' },
        },
        {
          id: 'adminEmail',
          type: 'email',
          required: true,
          label: { en: 'Administrator’s email', fr: 'Courriel de la personne administratrice' },
          help: {
            en: 'The approval email and the registration link are sent to this address.',
            fr: 'Le courriel d’approbation et le lien d’inscription seront envoyés à cette adresse.',
          },
          placeholder: EMAIL_PLACEHOLDER,
        },
        {
          id: 'adminPhone',
          type: 'phone',
          required: true,
          label: { en: 'Administrator’s phone number', fr: 'Numéro de téléphone de la personne administratrice' },
          placeholder: PHONE_PLACEHOLDER,
        },
      ],
    },
  ],
} as const satisfies FormDefinition;

export const programForm = {
  id: 'program',
  title: { en: 'Program registration', fr: 'Inscription d’un programme' },
  description: {
    en: 'Describe one mentoring program. Each program is reviewed and approved on its own.',
    fr: 'Décrivez un programme de mentorat. Chaque programme est examiné et approuvé séparément.',
  },
  sections: [
    {
      id: 'about',
      title: { en: 'About the program', fr: 'À propos du programme' },
      fields: [
        {
          id: 'name',
          type: 'text',
          required: true,
          minLength: 2,
          maxLength: 100,
          label: { en: 'Program name', fr: 'Nom du programme' },
          help: {
            en: 'Emails from the virtual mentoring platform will show this name as the sender.',
            fr: 'Les courriels de la plateforme de mentorat virtuel afficheront ce nom comme expéditeur.',
          },
        },
        {
          id: 'description',
          type: 'longText',
          required: true,
          minLength: 20,
          label: { en: 'Program description', fr: 'Description du programme' },
          help: {
            en: 'What the program offers, its goals and how mentors and mentees are matched.',
            fr: 'Ce que le programme offre, ses objectifs et la façon dont les mentors et les personnes mentorées sont jumelés.',
          },
        },
        {
          id: 'website',
          type: 'url',
          required: false,
          label: { en: 'Program website', fr: 'Site Web du programme' },
          help: {
            en: 'Optional. A page about this program, if there is one.',
            fr: 'Facultatif. Une page consacrée à ce programme, s’il y en a une.',
          },
          placeholder: URL_PLACEHOLDER,
        },
      ],
    },
    {
      id: 'model',
      title: { en: 'Mentoring model', fr: 'Modèle de mentorat' },
      fields: [
        {
          id: 'mentoringModels',
          type: 'multiChoice',
          required: true,
          label: { en: 'Mentoring models', fr: 'Modèles de mentorat' },
          help: CHOOSE_ALL,
          options: [
            { value: 'oneToOne', label: { en: 'One-to-one', fr: 'Individuel (un à un)' }, aliases: ['One on one', 'Individual', 'Individuel', 'Un à un'] },
            { value: 'group', label: { en: 'Group', fr: 'En groupe' }, aliases: ['Groupe'] },
            { value: 'team', label: { en: 'Team', fr: 'En équipe' }, aliases: ['Équipe'] },
            { value: 'peer', label: { en: 'Peer', fr: 'Par les pairs' }, aliases: ['Peer-to-peer', 'Pairs'] },
            { value: 'eMentoring', label: { en: 'E-mentoring', fr: 'Mentorat en ligne' }, aliases: ['Online', 'En ligne', 'Cybermentorat'] },
          ],
        },
        {
          id: 'focusAreas',
          type: 'multiChoice',
          required: true,
          label: { en: 'Focus areas', fr: 'Domaines d’intervention' },
          help: CHOOSE_ALL,
          options: [
            { value: 'education', label: { en: 'Education and academic success', fr: 'Éducation et réussite scolaire' } },
            { value: 'career', label: { en: 'Career and employment', fr: 'Carrière et emploi' }, aliases: ['Employment', 'Emploi', 'Carrière'] },
            { value: 'mentalHealth', label: { en: 'Mental health and well-being', fr: 'Santé mentale et bien-être' }, aliases: ['Mental health', 'Santé mentale'] },
            { value: 'lifeSkills', label: { en: 'Life skills', fr: 'Compétences de vie' } },
            { value: 'stem', label: { en: 'Science, technology, engineering and math (STEM)', fr: 'Sciences, technologie, ingénierie et mathématiques (STIM)' }, aliases: ['STIM'] },
            { value: 'leadership', label: { en: 'Leadership and civic engagement', fr: 'Leadership et engagement civique' } },
            { value: 'artsCulture', label: { en: 'Arts and culture', fr: 'Arts et culture' }, aliases: ['Arts'] },
            { value: 'sport', label: { en: 'Sport and recreation', fr: 'Sport et loisirs' }, aliases: ['Sports', 'Recreation', 'Loisirs'] },
            { value: 'other', label: { en: 'Other', fr: 'Autre' } },
          ],
        },
      ],
    },
    {
      id: 'mentees',
      title: { en: 'Mentees', fr: 'Personnes mentorées' },
      fields: [
        {
          id: 'ageGroups',
          type: 'multiChoice',
          required: true,
          label: { en: 'Age groups', fr: 'Groupes d’âge' },
          help: CHOOSE_ALL,
          options: [
            { value: 'under12', label: { en: 'Under 12', fr: 'Moins de 12 ans' } },
            { value: '12to17', label: { en: '12 to 17', fr: '12 à 17 ans' }, aliases: ['12-17'] },
            { value: '18to24', label: { en: '18 to 24', fr: '18 à 24 ans' }, aliases: ['18-24'] },
            { value: '25plus', label: { en: '25 and older', fr: '25 ans et plus' }, aliases: ['25+', '25 and over'] },
          ],
        },
        {
          // A fixed list rather than free text, so staff can filter and report on it;
          // "Other" covers the rest and the program description can add detail.
          id: 'populationsServed',
          type: 'multiChoice',
          required: true,
          label: { en: 'Populations served', fr: 'Populations servies' },
          help: CHOOSE_ALL,
          options: [
            { value: 'general', label: { en: 'Youth in general', fr: 'Jeunes en général' } },
            { value: 'newcomers', label: { en: 'Newcomers and refugees', fr: 'Personnes nouvellement arrivées et réfugiées' }, aliases: ['Newcomers', 'Nouveaux arrivants'] },
            { value: 'indigenous', label: { en: 'Indigenous youth', fr: 'Jeunes autochtones' } },
            { value: 'black', label: { en: 'Black youth', fr: 'Jeunes Noirs' } },
            { value: 'racialized', label: { en: 'Racialized youth', fr: 'Jeunes racisés' } },
            { value: 'lgbtq', label: { en: '2SLGBTQI+ youth', fr: 'Jeunes 2ELGBTQI+' } },
            { value: 'disability', label: { en: 'Youth with disabilities', fr: 'Jeunes en situation de handicap' } },
            { value: 'lowIncome', label: { en: 'Youth from low-income families', fr: 'Jeunes de familles à faible revenu' } },
            { value: 'ruralRemote', label: { en: 'Rural and remote communities', fr: 'Communautés rurales et éloignées' } },
            { value: 'inCare', label: { en: 'Youth in or leaving care', fr: 'Jeunes pris en charge ou sortant de la protection de la jeunesse' } },
            { value: 'officialLanguageMinority', label: { en: 'Official language minority communities', fr: 'Communautés de langue officielle en situation minoritaire' } },
            { value: 'other', label: { en: 'Other', fr: 'Autre' } },
          ],
        },
        {
          id: 'menteesPerYear',
          type: 'integer',
          required: true,
          min: 1,
          max: 100_000,
          label: { en: 'Expected mentees per year', fr: 'Nombre prévu de personnes mentorées par année' },
        },
      ],
    },
    {
      id: 'delivery',
      title: { en: 'Delivery', fr: 'Prestation' },
      fields: [
        {
          id: 'deliveryMode',
          type: 'singleChoice',
          required: true,
          label: { en: 'Delivery mode', fr: 'Mode de prestation' },
          options: [
            { value: 'inPerson', label: { en: 'In person', fr: 'En personne' } },
            { value: 'virtual', label: { en: 'Virtual', fr: 'Virtuel' }, aliases: ['Online', 'En ligne'] },
            { value: 'hybrid', label: { en: 'Hybrid (in person and virtual)', fr: 'Hybride (en personne et virtuel)' }, aliases: ['Hybride'] },
          ],
        },
        {
          id: 'provincesServed',
          type: 'multiChoice',
          required: true,
          label: { en: 'Provinces and territories served', fr: 'Provinces et territoires desservis' },
          help: CHOOSE_ALL,
          options: PROVINCES,
        },
      ],
    },
    {
      id: 'contact',
      title: { en: 'Contact', fr: 'Personne-ressource' },
      description: {
        en: 'The designated program administrator receives the approval email and, once access is granted, the platform email.',
        fr: 'La personne administratrice désignée du programme reçoit le courriel d’approbation et, une fois l’accès accordé, le courriel de la plateforme.',
      },
      fields: [
        {
          id: 'programAdminName',
          type: 'text',
          required: true,
          minLength: 2,
          label: { en: 'Program administrator’s full name', fr: 'Nom complet de la personne administratrice du programme' },
        },
        {
          id: 'programAdminEmail',
          type: 'email',
          required: true,
          label: { en: 'Program administrator’s email', fr: 'Courriel de la personne administratrice du programme' },
          placeholder: EMAIL_PLACEHOLDER,
        },
        {
          id: 'programAdminPhone',
          type: 'phone',
          required: true,
          label: { en: 'Program administrator’s phone number', fr: 'Numéro de téléphone de la personne administratrice du programme' },
          placeholder: PHONE_PLACEHOLDER,
        },
      ],
    },
  ],
} as const satisfies FormDefinition;

export const accessRequestForm = {
  id: 'accessRequest',
  title: { en: 'Request access to the virtual mentoring platform', fr: 'Demande d’accès à la plateforme de mentorat virtuel' },
  description: {
    en: 'Available once your organization and program are approved and you have booked an onboarding session.',
    fr: 'Offerte une fois votre organisme et votre programme approuvés et votre séance d’intégration réservée.',
  },
  sections: [
    {
      id: 'program',
      title: { en: 'Program', fr: 'Programme' },
      fields: [
        {
          id: 'programId',
          type: 'singleChoice',
          required: true,
          dynamicOptions: 'approvedPrograms',
          label: { en: 'Program', fr: 'Programme' },
          help: { en: 'One of your approved programs.', fr: 'Un de vos programmes approuvés.' },
        },
      ],
    },
    {
      id: 'plans',
      title: { en: 'First year', fr: 'Première année' },
      fields: [
        {
          id: 'expectedMentors',
          type: 'integer',
          required: true,
          min: 1,
          max: 100_000,
          label: { en: 'Expected mentors in the first year', fr: 'Nombre prévu de mentors la première année' },
        },
        {
          id: 'expectedMentees',
          type: 'integer',
          required: true,
          min: 1,
          max: 100_000,
          label: { en: 'Expected mentees in the first year', fr: 'Nombre prévu de personnes mentorées la première année' },
        },
        {
          id: 'launchDate',
          type: 'date',
          required: true,
          notInPast: true,
          label: { en: 'Intended launch date', fr: 'Date de lancement prévue' },
          help: {
            en: 'When mentors and mentees should start using the platform.',
            fr: 'La date à laquelle les mentors et les personnes mentorées commenceront à utiliser la plateforme.',
          },
          placeholder: { en: 'YYYY-MM-DD', fr: 'AAAA-MM-JJ' },
        },
        {
          id: 'platformLanguage',
          type: 'singleChoice',
          required: true,
          label: { en: 'Platform language', fr: 'Langue de la plateforme' },
          options: [
            { value: 'en', label: { en: 'English', fr: 'Anglais' } },
            { value: 'fr', label: { en: 'French', fr: 'Français' } },
          ],
        },
      ],
    },
    {
      id: 'platformAdmin',
      title: { en: 'Platform administrator', fr: 'Personne administratrice de la plateforme' },
      description: {
        en: 'This person receives the platform email, sent under the program’s name. It defaults to the program’s designated administrator.',
        fr: 'Cette personne reçoit le courriel de la plateforme, envoyé au nom du programme. Par défaut, il s’agit de la personne administratrice désignée du programme.',
      },
      fields: [
        {
          id: 'platformAdminName',
          type: 'text',
          required: true,
          minLength: 2,
          defaultFrom: 'program.programAdminName',
          label: { en: 'Platform administrator’s full name', fr: 'Nom complet de la personne administratrice de la plateforme' },
        },
        {
          id: 'platformAdminEmail',
          type: 'email',
          required: true,
          defaultFrom: 'program.programAdminEmail',
          label: { en: 'Platform administrator’s email', fr: 'Courriel de la personne administratrice de la plateforme' },
          help: {
            en: 'The platform sign-in details are sent to this address.',
            fr: 'Les renseignements de connexion à la plateforme seront envoyés à cette adresse.',
          },
          placeholder: EMAIL_PLACEHOLDER,
        },
      ],
    },
    {
      id: 'onboarding',
      title: { en: 'Onboarding session', fr: 'Séance d’intégration' },
      fields: [
        {
          id: 'sessionBookedConfirmation',
          type: 'singleChoice',
          required: true,
          confirmation: true,
          label: { en: 'Onboarding session booked', fr: 'Séance d’intégration réservée' },
          help: {
            en: 'Confirm that you have booked your MentorCity onboarding session. Access can be requested only once it is booked.',
            fr: 'Confirmez que vous avez réservé votre séance d’intégration MentorCity. L’accès ne peut être demandé qu’une fois la séance réservée.',
          },
          options: [
            {
              value: 'yes',
              label: { en: 'Yes, it is booked', fr: 'Oui, elle est réservée' },
              aliases: ['Yes', 'Y', 'Oui', 'O', 'True', 'OK', 'Booked', 'Réservée', 'Confirmed', 'Confirmé'],
            },
          ],
        },
      ],
    },
  ],
} as const satisfies FormDefinition;

export type OrganizationFieldId = FieldIdOf<typeof organizationForm>;
export type ProgramFieldId = FieldIdOf<typeof programForm>;
export type AccessRequestFieldId = FieldIdOf<typeof accessRequestForm>;

export const forms: Readonly<Record<FormId, FormDefinition>> = {
  organization: organizationForm,
  program: programForm,
  accessRequest: accessRequestForm,
};

/** Every field of a form, in asking order (sections in order, fields in order). */
export function allFields(form: FormDefinition): readonly FieldDefinition[] {
  return form.sections.flatMap((section) => section.fields);
}

export function fieldById(form: FormDefinition, id: string): FieldDefinition | undefined {
  return allFields(form).find((field) => field.id === id);
}

export function sectionOfField(form: FormDefinition, id: string): SectionDefinition | undefined {
  return form.sections.find((section) => section.fields.some((field) => field.id === id));
}

export function sectionById(form: FormDefinition, id: string): SectionDefinition | undefined {
  return form.sections.find((section) => section.id === id);
}
