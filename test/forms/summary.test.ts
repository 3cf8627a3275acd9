import { describe, expect, it } from 'vitest';
import {
  NO_ANSWER,
  accessRequestForm,
  fieldById,
  formatAnswer,
  organizationForm,
  programForm,
  summarize,
  type FieldDefinition,
  type FormDefinition,
} from '../../src/forms/index.ts';
import { accessContext, makeAccessRequestAnswers, makeOrganizationAnswers, makeProgramAnswers } from './fixtures.ts';

function field(form: FormDefinition, id: string): FieldDefinition {
  const found = fieldById(form, id);
  if (!found) throw new Error(`no field ${id}`);
  return found;
}

describe('formatAnswer', () => {
  it.each([
    [organizationForm, 'phone', '+19025550134', '(902) 555-0134', '(902) 555-0134'],
    [organizationForm, 'province', 'PE', 'Prince Edward Island', 'Île-du-Prince-Édouard'],
    [organizationForm, 'organizationType', 'school', 'School or school board', 'École ou conseil scolaire'],
    [organizationForm, 'languagesServed', ['en', 'fr'], 'English, French', 'Anglais, Français'],
    [organizationForm, 'postalCode', 'B3H 4R2', 'B3H 4R2', 'B3H 4R2'],
    [organizationForm, 'website', 'https://example.org/', 'https://example.org/', 'https://example.org/'],
    [organizationForm, 'operatingName', undefined, NO_ANSWER, NO_ANSWER],
    [organizationForm, 'languagesServed', [], NO_ANSWER, NO_ANSWER],
    [programForm, 'provincesServed', ['NS', 'QC'], 'Nova Scotia, Quebec', 'Nouvelle-Écosse, Québec'],
    [programForm, 'menteesPerYear', 12000, '12,000', '12\u00a0000'],
    [accessRequestForm, 'launchDate', '2026-09-01', 'September 1, 2026', '1er septembre 2026'],
    [accessRequestForm, 'launchDate', '2026-09-08', 'September 8, 2026', '8 septembre 2026'],
    [accessRequestForm, 'sessionBookedConfirmation', 'yes', 'Yes, it is booked', 'Oui, elle est réservée'],
    [accessRequestForm, 'programId', 'prog_reading', 'Reading Buddies', 'Copains de lecture'],
    [accessRequestForm, 'programId', 'prog_gone', 'prog_gone', 'prog_gone'],
  ] as const)('%#: %s.%s', (form, id, value, en, fr) => {
    expect(formatAnswer(field(form, id), value, 'en', accessContext)).toBe(en);
    expect(formatAnswer(field(form, id), value, 'fr', accessContext)).toBe(fr);
  });
});

describe('summarize', () => {
  it('lists every section and field, in the chosen language', () => {
    const summary = summarize(organizationForm, makeOrganizationAnswers({ operatingName: undefined }), 'fr');
    expect(summary.map((s) => s.sectionId)).toEqual(['identity', 'address', 'profile', 'administrator']);
    expect(summary[0]).toEqual({
      sectionId: 'identity',
      title: 'Organisme',
      items: [
        { fieldId: 'legalName', label: 'Nom légal', value: 'Big Sisters of Atlantic Canada Association' },
        { fieldId: 'operatingName', label: 'Nom d’usage', value: NO_ANSWER },
        { fieldId: 'website', label: 'Site Web', value: 'https://bigsisters.example.org/' },
      ],
    });
    expect(summary[1]?.items.find((i) => i.fieldId === 'province')?.value).toBe('Nouvelle-Écosse');
  });

  it('summarises the program by section for the staff card', () => {
    const summary = summarize(programForm, makeProgramAnswers(), 'en');
    expect(summary.map((s) => s.title)).toEqual(['About the program', 'Mentoring model', 'Mentees', 'Delivery', 'Contact']);
    const items = Object.fromEntries(summary.flatMap((s) => s.items).map((i) => [i.fieldId, i.value]));
    expect(items).toMatchObject({
      mentoringModels: 'One-to-one, E-mentoring',
      ageGroups: '12 to 17',
      menteesPerYear: '120',
      deliveryMode: 'Hybrid (in person and virtual)',
      provincesServed: 'New Brunswick, Nova Scotia, Prince Edward Island',
      programAdminPhone: '(506) 555-0199',
    });
  });

  it('shows dynamic option labels when given the context', () => {
    const summary = summarize(accessRequestForm, makeAccessRequestAnswers(), 'en', accessContext);
    expect(summary[0]?.items[0]).toEqual({ fieldId: 'programId', label: 'Program', value: 'Future Pathways' });
    expect(summary.flatMap((s) => s.items).find((i) => i.fieldId === 'platformLanguage')?.value).toBe('French');
  });
});
