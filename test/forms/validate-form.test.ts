import { describe, expect, it } from 'vitest';
import {
  accessRequestForm,
  allFields,
  organizationForm,
  programForm,
  validateForm,
  validateSection,
  type FormDefinition,
  type ValidationContext,
} from '../../src/forms/index.ts';
import { accessContext, makeAccessRequestAnswers, makeOrganizationAnswers, makeProgramAnswers } from './fixtures.ts';

/** Drops `undefined` entries: a fixture with a field overridden to `undefined` stores nothing for it. */
function defined(answers: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(answers).filter(([, v]) => v !== undefined));
}

const cases: ReadonlyArray<readonly [string, FormDefinition, () => Record<string, unknown>, ValidationContext]> = [
  ['organization', organizationForm, () => makeOrganizationAnswers(), {}],
  ['program', programForm, () => makeProgramAnswers(), {}],
  ['accessRequest', accessRequestForm, () => makeAccessRequestAnswers(), accessContext],
];

describe('validateForm', () => {
  it.each(cases)('%s: the fixture is valid and already normalised', (_id, form, make, ctx) => {
    const answers = make();
    expect(validateForm(form, answers, ctx)).toEqual({ ok: true, values: answers });
  });

  for (const [id, form, make, ctx] of cases) {
    const required = allFields(form).filter((f) => f.required);
    it.each(required.map((f) => [f.id, f.confirmation ? 'mustConfirm' : 'required'] as const))(
      `${id}: without %s, only that field fails (%s)`,
      (fieldId, code) => {
        const answers = { ...make(), [fieldId]: undefined };
        const result = validateForm(form, answers, ctx);
        if (result.ok) throw new Error('expected a failure');
        expect(Object.keys(result.errors)).toEqual([fieldId]);
        expect(result.errors[fieldId]?.code).toBe(code);
        expect(result.values).toEqual(defined({ ...make(), [fieldId]: undefined }));
      },
    );
  }

  it('accepts the optional fields left out', () => {
    const answers = makeOrganizationAnswers({ operatingName: undefined });
    expect(validateForm(organizationForm, answers)).toEqual({ ok: true, values: defined(answers) });
    expect(validateForm(programForm, makeProgramAnswers({ website: '' })).ok).toBe(true);
  });

  it('normalises raw chat answers', () => {
    const result = validateForm(organizationForm, {
      ...makeOrganizationAnswers(),
      province: 'québec',
      postalCode: 'h2x1y4',
      phone: '514.555.0123',
      website: 'example.org',
      languagesServed: 'French',
      organizationType: '1',
    });
    expect(result.ok && result.values).toMatchObject({
      province: 'QC',
      postalCode: 'H2X 1Y4',
      phone: '+15145550123',
      website: 'https://example.org/',
      languagesServed: ['fr'],
      organizationType: 'nonProfit',
    });
  });

  it('reports every invalid field and keeps the valid values', () => {
    const result = validateForm(
      programForm,
      makeProgramAnswers({ menteesPerYear: 'lots', provincesServed: 'Atlantis', name: '  Future   Pathways ' }),
    );
    if (result.ok) throw new Error('expected a failure');
    expect(Object.fromEntries(Object.entries(result.errors).map(([k, e]) => [k, e.code]))).toEqual({
      menteesPerYear: 'notAnInteger',
      provincesServed: 'invalidChoice',
    });
    expect(result.values.name).toBe('Future Pathways');
    expect(result.values).not.toHaveProperty('menteesPerYear');
  });

  it('drops keys that are not fields of the form', () => {
    const result = validateForm(organizationForm, { ...makeOrganizationAnswers(), isAdmin: true, toString: 'x' });
    expect(result.ok && Object.keys(result.values)).toEqual(allFields(organizationForm).map((f) => f.id));
  });

  it('checks the launch date against the supplied today and the program against the approved ones', () => {
    const late = validateForm(accessRequestForm, makeAccessRequestAnswers(), { ...accessContext, today: '2026-09-09' });
    expect(!late.ok && Object.keys(late.errors)).toEqual(['launchDate']);
    const unknown = validateForm(accessRequestForm, makeAccessRequestAnswers({ programId: 'prog_rejected' }), accessContext);
    expect(!unknown.ok && unknown.errors.programId?.code).toBe('invalidChoice');
  });

  it('requires the onboarding session to be confirmed', () => {
    const result = validateForm(accessRequestForm, makeAccessRequestAnswers({ sessionBookedConfirmation: 'no' }), accessContext);
    expect(!result.ok && result.errors.sessionBookedConfirmation?.code).toBe('mustConfirm');
  });
});

describe('validateSection', () => {
  it('validates only the fields of one section', () => {
    const result = validateSection(programForm, 'mentees', { ageGroups: '12 to 17', populationsServed: ['general'], menteesPerYear: '1,500' });
    expect(result).toEqual({ ok: true, values: { ageGroups: ['12to17'], populationsServed: ['general'], menteesPerYear: 1500 } });
  });

  it('reports missing required fields of the section only', () => {
    const result = validateSection(programForm, 'contact', { name: 'Ignored here' });
    expect(!result.ok && Object.keys(result.errors)).toEqual(['programAdminName', 'programAdminEmail', 'programAdminPhone']);
  });

  it('throws on an unknown section', () => {
    expect(() => validateSection(programForm, 'nope', {})).toThrow(RangeError);
  });
});
