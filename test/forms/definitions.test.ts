import { describe, expect, it } from 'vitest';
import type { Localized } from '../../src/domain/lang.ts';
import {
  PROVINCES,
  allFields,
  fieldById,
  forms,
  optionsFor,
  organizationForm,
  programForm,
  accessRequestForm,
  sectionOfField,
  type FieldDefinition,
  type FormDefinition,
} from '../../src/forms/index.ts';

const allForms: readonly FormDefinition[] = Object.values(forms);

/** Every Localized in a form, with a path naming where it sits. */
function localizedTexts(form: FormDefinition): Array<[string, Localized]> {
  const out: Array<[string, Localized]> = [[`${form.id}.title`, form.title]];
  if (form.description) out.push([`${form.id}.description`, form.description]);
  for (const section of form.sections) {
    const at = `${form.id}.${section.id}`;
    out.push([`${at}.title`, section.title]);
    if (section.description) out.push([`${at}.description`, section.description]);
    for (const field of section.fields) {
      const f = `${at}.${field.id}`;
      out.push([`${f}.label`, field.label]);
      if (field.help) out.push([`${f}.help`, field.help]);
      if (field.placeholder) out.push([`${f}.placeholder`, field.placeholder]);
      for (const option of optionsFor(field)) out.push([`${f}.option.${option.value}`, option.label]);
    }
  }
  return out;
}

describe('form definitions', () => {
  it('indexes the three forms by id', () => {
    expect(forms.organization).toBe(organizationForm);
    expect(forms.program).toBe(programForm);
    expect(forms.accessRequest).toBe(accessRequestForm);
    for (const [id, form] of Object.entries(forms)) expect(form.id).toBe(id);
  });

  it.each(allForms.map((f) => [f.id, f] as const))('%s: every text exists in English and French', (_id, form) => {
    for (const [path, text] of localizedTexts(form)) {
      expect(text.en.trim(), `${path}.en`).not.toBe('');
      expect(text.fr.trim(), `${path}.fr`).not.toBe('');
    }
  });

  it.each(allForms.map((f) => [f.id, f] as const))('%s: labels and titles are actually translated', (_id, form) => {
    // Words that are the same in both languages are listed; anything else must differ.
    const same = new Set(['Alberta', 'Manitoba', 'Nunavut', 'Ontario', 'Saskatchewan', 'Yukon']);
    for (const [path, text] of localizedTexts(form)) {
      if (same.has(text.en) || path.endsWith('.placeholder')) continue;
      expect(text.fr, path).not.toBe(text.en);
    }
  });

  it.each(allForms.map((f) => [f.id, f] as const))('%s: ids are unique and fields are well-formed', (_id, form) => {
    const fields = allFields(form);
    expect(new Set(fields.map((f) => f.id)).size).toBe(fields.length);
    expect(new Set(form.sections.map((s) => s.id)).size).toBe(form.sections.length);
    for (const field of fields) {
      const isChoice = field.type === 'singleChoice' || field.type === 'multiChoice';
      if (isChoice && !field.dynamicOptions) expect(field.options?.length, field.id).toBeGreaterThan(0);
      if (!isChoice) expect(field.options, field.id).toBeUndefined();
      if (field.options) expect(new Set(field.options.map((o) => o.value)).size, field.id).toBe(field.options.length);
      if (field.type === 'integer') expect(field.min, field.id).toBeDefined();
      if (field.confirmation) expect(field.options?.length, field.id).toBe(1);
    }
  });

  it('has the fields the domain asks for, in order', () => {
    expect(allFields(organizationForm).map((f) => f.id)).toEqual([
      'legalName', 'operatingName', 'website', 'streetAddress', 'city', 'province', 'postalCode', 'phone',
      'organizationType', 'languagesServed', 'description', 'adminName', 'adminEmail', 'adminPhone',
    ]);
    expect(programForm.sections.map((s) => s.id)).toEqual(['about', 'model', 'mentees', 'delivery', 'contact']);
    expect(allFields(accessRequestForm).map((f) => f.id)).toEqual([
      'programId', 'expectedMentors', 'expectedMentees', 'launchDate', 'platformLanguage',
      'platformAdminName', 'platformAdminEmail', 'sessionBookedConfirmation',
    ]);
    const optional = (form: FormDefinition): string[] => allFields(form).filter((f) => !f.required).map((f) => f.id);
    expect(optional(organizationForm)).toEqual(['operatingName']);
    expect(optional(programForm)).toEqual(['website']);
    expect(optional(accessRequestForm)).toEqual([]);
  });

  it('lists the 13 provinces and territories', () => {
    expect(PROVINCES.map((p) => p.value)).toEqual(['AB', 'BC', 'MB', 'NB', 'NL', 'NS', 'NT', 'NU', 'ON', 'PE', 'QC', 'SK', 'YT']);
    expect(optionsFor(fieldById(programForm, 'provincesServed') as FieldDefinition)).toBe(PROVINCES);
  });

  it('points every defaultFrom at an existing field of the same type', () => {
    for (const form of allForms) {
      for (const field of allFields(form).filter((f) => f.defaultFrom !== undefined)) {
        const [formId = '', fieldId = ''] = (field.defaultFrom ?? '').split('.');
        const source = fieldById(forms[formId as keyof typeof forms], fieldId);
        expect(source?.type, field.defaultFrom).toBe(field.type);
      }
    }
    expect(fieldById(accessRequestForm, 'platformAdminEmail')?.defaultFrom).toBe('program.programAdminEmail');
  });

  it('takes the access request program from run-time options', () => {
    const field = fieldById(accessRequestForm, 'programId') as FieldDefinition;
    expect(field.dynamicOptions).toBe('approvedPrograms');
    expect(optionsFor(field)).toEqual([]);
  });

  it('finds fields and their sections', () => {
    expect(fieldById(programForm, 'menteesPerYear')?.type).toBe('integer');
    expect(fieldById(programForm, 'nope')).toBeUndefined();
    expect(sectionOfField(programForm, 'provincesServed')?.id).toBe('delivery');
    expect(sectionOfField(programForm, 'nope')).toBeUndefined();
  });
});
