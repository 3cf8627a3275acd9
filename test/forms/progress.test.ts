import { describe, expect, it } from 'vitest';
import {
  accessRequestForm,
  allFields,
  defaultAnswers,
  nextField,
  organizationForm,
  progressOf,
} from '../../src/forms/index.ts';
import { makeOrganizationAnswers, makeProgramAnswers } from './fixtures.ts';

describe('nextField', () => {
  it('asks the first field first', () => {
    expect(nextField(organizationForm, {})?.id).toBe('legalName');
  });

  it('asks the first unanswered field, in order', () => {
    expect(nextField(organizationForm, { legalName: 'Acme' })?.id).toBe('operatingName');
    expect(nextField(organizationForm, makeOrganizationAnswers({ city: undefined, phone: '' }))?.id).toBe('city');
  });

  it('passes over skipped fields', () => {
    expect(nextField(organizationForm, { legalName: 'Acme' }, new Set(['operatingName']))?.id).toBe('website');
  });

  it('treats blank answers as unanswered', () => {
    expect(nextField(organizationForm, { legalName: '  ' })?.id).toBe('legalName');
    expect(nextField(organizationForm, makeOrganizationAnswers({ languagesServed: [] }))?.id).toBe('languagesServed');
  });

  it('returns undefined when everything is answered or skipped', () => {
    expect(nextField(organizationForm, makeOrganizationAnswers())).toBeUndefined();
    expect(nextField(organizationForm, makeOrganizationAnswers({ operatingName: undefined }), new Set(['operatingName']))).toBeUndefined();
  });
});

describe('progressOf', () => {
  const total = allFields(organizationForm).length;

  it('counts nothing answered', () => {
    const progress = progressOf(organizationForm, {});
    expect(progress.answered).toBe(0);
    expect(progress.total).toBe(total);
    expect(progress.requiredMissing).toEqual(allFields(organizationForm).filter((f) => f.required).map((f) => f.id));
  });

  it('counts a complete form', () => {
    expect(progressOf(organizationForm, makeOrganizationAnswers())).toEqual({ answered: total, total, requiredMissing: [] });
  });

  it('lists only required fields as missing', () => {
    const progress = progressOf(organizationForm, makeOrganizationAnswers({ operatingName: undefined, adminEmail: undefined }));
    expect(progress).toEqual({ answered: total - 2, total, requiredMissing: ['adminEmail'] });
  });
});

describe('defaultAnswers', () => {
  it('proposes the program administrator as the platform administrator', () => {
    expect(defaultAnswers(accessRequestForm, { program: makeProgramAnswers() })).toEqual({
      platformAdminName: 'Jordan Paul',
      platformAdminEmail: 'jordan.paul@bigsisters.example.org',
    });
  });

  it('proposes nothing without the source form', () => {
    expect(defaultAnswers(accessRequestForm, {})).toEqual({});
    expect(defaultAnswers(organizationForm, { program: makeProgramAnswers() })).toEqual({});
  });
});
