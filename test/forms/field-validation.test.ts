import { describe, expect, it } from 'vitest';
import {
  accessRequestForm,
  fieldById,
  normalizeAndValidateField,
  organizationForm,
  programForm,
  type AnswerValue,
  type FieldDefinition,
  type FieldErrorCode,
  type FormDefinition,
  type ValidationContext,
} from '../../src/forms/index.ts';
import { accessContext, approvedPrograms } from './fixtures.ts';

function field(form: FormDefinition, id: string): FieldDefinition {
  const found = fieldById(form, id);
  if (!found) throw new Error(`no field ${id} in ${form.id}`);
  return found;
}

/** A field built for one type, to test behaviour independent of the real definitions. */
function adHoc(overrides: Partial<FieldDefinition> & Pick<FieldDefinition, 'type'>): FieldDefinition {
  return { id: 'x', required: true, label: { en: 'Thing', fr: 'Chose' }, ...overrides };
}

type Case = readonly [fieldId: string, raw: unknown, expected: AnswerValue | undefined];
type BadCase = readonly [fieldId: string, raw: unknown, code: FieldErrorCode];

const org = organizationForm;
const prog = programForm;
const access = accessRequestForm;

const valid: ReadonlyArray<readonly [FormDefinition, ...Case]> = [
  // text: trimmed, inner whitespace collapsed, NFC
  [org, 'legalName', '  Acme   Youth \t Mentoring  ', 'Acme Youth Mentoring'],
  [org, 'legalName', 'Acme\nYouth', 'Acme Youth'],
  [org, 'legalName', 'Cafe\u0301 Jeunesse', 'Café Jeunesse'],
  [org, 'operatingName', '   ', undefined],
  [org, 'operatingName', undefined, undefined],
  [org, 'operatingName', null, undefined],
  // longText keeps line breaks, at most one blank line
  [org, 'description', ' Line one  here, long enough.\r\n\r\n\r\n\r\n  Line   two ', 'Line one here, long enough.\n\nLine two'],
  // email
  [org, 'adminEmail', ' Jo.Doe+mentor@Example.ORG ', 'Jo.Doe+mentor@example.org'],
  [org, 'adminEmail', 'mailto:jo@example.ca', 'jo@example.ca'],
  [org, 'adminEmail', 'jo@écoles.example.ca', 'jo@xn--coles-9ra.example.ca'],
  // phone
  [org, 'phone', '(902) 555-0134', '+19025550134'],
  [org, 'phone', '902.555.0134', '+19025550134'],
  [org, 'phone', '+1 902 555 0134', '+19025550134'],
  [org, 'phone', '1-902-555-0134', '+19025550134'],
  [org, 'phone', '9025550134', '+19025550134'],
  [org, 'phone', 9025550134, '+19025550134'],
  // url
  [org, 'website', 'example.org', 'https://example.org/'],
  [org, 'website', 'HTTP://Example.ORG/About', 'http://example.org/About'],
  [org, 'website', 'www.example.ca/programmes?lang=fr', 'https://www.example.ca/programmes?lang=fr'],
  [org, 'website', 'example.org:8080/x', 'https://example.org:8080/x'],
  [prog, 'website', '', undefined],
  // postal code
  [org, 'postalCode', 'b3h4r2', 'B3H 4R2'],
  [org, 'postalCode', ' k1a 0b1 ', 'K1A 0B1'],
  [org, 'postalCode', 'H2X-1Y4', 'H2X 1Y4'],
  // province: code, English or French name, abbreviations, position
  [org, 'province', 'qc', 'QC'],
  [org, 'province', 'Quebec', 'QC'],
  [org, 'province', 'QUÉBEC', 'QC'],
  [org, 'province', 'ile-du-prince-edouard', 'PE'],
  [org, 'province', 'P.E.I.', 'PE'],
  [org, 'province', 'Terre-Neuve-et-Labrador', 'NL'],
  [org, 'province', 'british columbia', 'BC'],
  [org, 'province', 'C.-B.', 'BC'],
  // single choice: value, 1-based position, label in either language
  [org, 'organizationType', 'charity', 'charity'],
  [org, 'organizationType', '3', 'school'],
  [org, 'organizationType', '3.', 'school'],
  [org, 'organizationType', 3, 'school'],
  [org, 'organizationType', 'école ou conseil scolaire', 'school'],
  [org, 'organizationType', 'REGISTERED CHARITY', 'charity'],
  [org, 'organizationType', 'obnl', 'nonProfit'],
  [prog, 'deliveryMode', 'hybride (en personne et virtuel)', 'hybrid'],
  [access, 'platformLanguage', 'Français', 'fr'],
  [access, 'platformLanguage', 'english', 'en'],
  // multi choice: array or separated string, de-duplicated, in definition order
  [org, 'languagesServed', ['fr', 'en'], ['en', 'fr']],
  [org, 'languagesServed', 'French, English, french', ['en', 'fr']],
  [org, 'languagesServed', 'anglais et français', ['en', 'fr']],
  [org, 'languagesServed', 'English and French; other', ['en', 'fr', 'other']],
  [prog, 'ageGroups', '1, 3', ['under12', '18to24']],
  [prog, 'ageGroups', '25 and older and 12 to 17', ['12to17', '25plus']],
  [prog, 'mentoringModels', 'group, peer, and one-to-one', ['oneToOne', 'group', 'peer']],
  [prog, 'provincesServed', 'Newfoundland and Labrador, Nova Scotia and PEI', ['NL', 'NS', 'PE']],
  [prog, 'provincesServed', 'Terre-Neuve-et-Labrador et Québec', ['NL', 'QC']],
  [prog, 'focusAreas', 'Mental health and well-being, STEM', ['mentalHealth', 'stem']],
  [prog, 'focusAreas', 'Science, technology, engineering and math (STEM) and career', ['career', 'stem']],
  // integer
  [prog, 'menteesPerYear', '1 200', 1200],
  [prog, 'menteesPerYear', '1,200', 1200],
  [prog, 'menteesPerYear', '1\u00a0200', 1200],
  [prog, 'menteesPerYear', ' 42 ', 42],
  [prog, 'menteesPerYear', 42, 42],
  [prog, 'menteesPerYear', '100000', 100_000],
  // date
  [access, 'launchDate', '2026-09-08', '2026-09-08'],
  [access, 'launchDate', '2026-03-10', '2026-03-10'], // today is allowed
  [access, 'launchDate', '2028-02-29', '2028-02-29'],
  // confirmation
  [access, 'sessionBookedConfirmation', 'yes', 'yes'],
  [access, 'sessionBookedConfirmation', 'Oui', 'yes'],
  [access, 'sessionBookedConfirmation', true, 'yes'],
  [access, 'sessionBookedConfirmation', 'Yes, it is booked', 'yes'],
  // dynamic options
  [access, 'programId', 'prog_reading', 'prog_reading'],
  [access, 'programId', '1', 'prog_future'],
  [access, 'programId', 'copains de lecture', 'prog_reading'],
];

const invalid: ReadonlyArray<readonly [FormDefinition, ...BadCase]> = [
  [org, 'legalName', '', 'required'],
  [org, 'legalName', '   ', 'required'],
  [org, 'legalName', 'A', 'tooShort'],
  [org, 'legalName', 'x'.repeat(201), 'tooLong'],
  [org, 'legalName', 'Acme\u0000Youth', 'invalidText'],
  [org, 'legalName', 'Acme\u202eYouth', 'invalidText'],
  [org, 'legalName', 'Acme \ud800 Youth', 'invalidText'],
  [org, 'legalName', { name: 'Acme' }, 'invalidText'],
  [org, 'description', 'Too short.', 'tooShort'],
  [org, 'description', 'x'.repeat(1001), 'tooLong'],
  [org, 'description', 'Long enough text but with a\u0007bell', 'invalidText'],
  [org, 'adminEmail', 'jo.example.org', 'invalidEmail'],
  [org, 'adminEmail', 'jo@example', 'invalidEmail'],
  [org, 'adminEmail', 'jo @example.org', 'invalidEmail'],
  [org, 'adminEmail', 'jo..doe@example.org', 'invalidEmail'],
  [org, 'adminEmail', 'jo@-example.org', 'invalidEmail'],
  [org, 'adminEmail', 'jo@127.0.0.1', 'invalidEmail'],
  [org, 'phone', '555-0134', 'invalidPhone'],
  [org, 'phone', '(102) 555-0134', 'invalidPhone'],
  [org, 'phone', '(902) 155-0134', 'invalidPhone'],
  [org, 'phone', '(911) 555-0134', 'invalidPhone'],
  [org, 'phone', '+44 20 7946 0958', 'invalidPhone'],
  [org, 'phone', '2-902-555-0134', 'invalidPhone'],
  [org, 'phone', '902-555-0134 ext 12', 'invalidPhone'],
  [org, 'phone', 'call me', 'invalidPhone'],
  [org, 'website', 'not a url', 'invalidUrl'],
  [org, 'website', 'localhost', 'invalidUrl'],
  [org, 'website', 'ftp://example.org', 'invalidUrl'],
  [org, 'website', 'javascript:alert(1)', 'invalidUrl'],
  [org, 'website', 'mailto:jo@example.org', 'invalidUrl'],
  [org, 'website', 'https://user:pw@example.org', 'invalidUrl'],
  [org, 'website', 'http://192.168.0.1', 'invalidUrl'],
  [org, 'website', `example.org/${'a'.repeat(2048)}`, 'tooLong'],
  [org, 'postalCode', '12345', 'invalidPostalCode'],
  [org, 'postalCode', 'D3H 4R2', 'invalidPostalCode'], // D never used
  [org, 'postalCode', 'W3H 4R2', 'invalidPostalCode'], // W never first
  [org, 'postalCode', 'B3O 4R2', 'invalidPostalCode'], // O never used
  [org, 'postalCode', 'B3H 4R2X', 'invalidPostalCode'],
  [org, 'province', 'Vancouver', 'invalidProvince'],
  [org, 'province', 'ZZ', 'invalidProvince'],
  [org, 'province', '', 'required'],
  [org, 'organizationType', 'cooperative', 'invalidChoice'],
  [org, 'organizationType', '7', 'invalidChoice'],
  [org, 'organizationType', '0', 'invalidChoice'],
  [org, 'organizationType', ['charity'], 'invalidChoice'],
  [org, 'languagesServed', 'English, Klingon', 'invalidChoice'],
  [org, 'languagesServed', [], 'required'],
  [org, 'languagesServed', ' , ; ', 'required'],
  [org, 'languagesServed', ['en', { v: 'fr' }], 'invalidChoice'],
  [prog, 'menteesPerYear', '12.5', 'notAnInteger'],
  [prog, 'menteesPerYear', 'about 100', 'notAnInteger'],
  [prog, 'menteesPerYear', '1,20', 'notAnInteger'],
  [prog, 'menteesPerYear', 12.5, 'notAnInteger'],
  [prog, 'menteesPerYear', Number.NaN, 'notAnInteger'],
  [prog, 'menteesPerYear', '0', 'outOfRange'],
  [prog, 'menteesPerYear', '-3', 'outOfRange'],
  [prog, 'menteesPerYear', '100 001', 'outOfRange'],
  [access, 'launchDate', '2026-02-30', 'invalidDate'],
  [access, 'launchDate', '2027-02-29', 'invalidDate'],
  [access, 'launchDate', '2026-13-01', 'invalidDate'],
  [access, 'launchDate', '09/08/2026', 'invalidDate'],
  [access, 'launchDate', '2026-03-09', 'dateInPast'],
  [access, 'sessionBookedConfirmation', 'no', 'mustConfirm'],
  [access, 'sessionBookedConfirmation', 'non', 'mustConfirm'],
  [access, 'sessionBookedConfirmation', false, 'mustConfirm'],
  [access, 'sessionBookedConfirmation', '', 'mustConfirm'],
  [access, 'programId', 'prog_other', 'invalidChoice'],
  [access, 'programId', '3', 'invalidChoice'],
];

describe('normalizeAndValidateField', () => {
  it.each(valid.map(([form, id, raw, expected]) => [`${form.id}.${id}`, JSON.stringify(raw) ?? 'undefined', form, id, raw, expected] as const))(
    '%s accepts %s',
    (_name, _shown, form, id, raw, expected) => {
      expect(normalizeAndValidateField(field(form, id), raw, accessContext)).toEqual({ ok: true, value: expected });
    },
  );

  it.each(invalid.map(([form, id, raw, code]) => [`${form.id}.${id}`, JSON.stringify(raw)?.slice(0, 40) ?? 'undefined', code, form, id, raw] as const))(
    '%s rejects %s with %s',
    (_name, _shown, code, form, id, raw) => {
      const f = field(form, id);
      const result = normalizeAndValidateField(f, raw, accessContext);
      if (result.ok) throw new Error(`expected ${code}, got ${JSON.stringify(result.value)}`);
      expect(result.error.code).toBe(code);
      const { en, fr } = result.error.message;
      expect(en).toContain(f.label.en);
      expect(fr).toContain(f.label.fr);
      expect(fr).not.toBe(en);
    },
  );

  it('is idempotent: a normalised value normalises to itself', () => {
    for (const [form, id, raw] of valid) {
      const f = field(form, id);
      const first = normalizeAndValidateField(f, raw, accessContext);
      if (!first.ok || first.value === undefined) continue;
      expect(normalizeAndValidateField(f, first.value, accessContext), `${id} ${String(raw)}`).toEqual(first);
    }
  });

  it('words messages with the fix', () => {
    const postal = normalizeAndValidateField(field(org, 'postalCode'), 'nope');
    expect(postal).toEqual({
      ok: false,
      error: {
        code: 'invalidPostalCode',
        message: { en: 'Postal code must look like A1A 1A1.', fr: 'Le champ «\u00a0Code postal\u00a0» doit avoir la forme A1A\u00a01A1.' },
      },
    });
    const range = normalizeAndValidateField(field(prog, 'menteesPerYear'), '0');
    expect(!range.ok && range.error.message).toEqual({
      en: 'Expected mentees per year must be between 1 and 100,000.',
      fr: 'Le champ «\u00a0Nombre prévu de personnes mentorées par année\u00a0» doit contenir un nombre entre 1 et 100\u00a0000.',
    });
    const choice = normalizeAndValidateField(field(org, 'languagesServed'), 'English, Klingon');
    expect(!choice.ok && choice.error.message.en).toBe(
      '“Klingon” is not an option for Languages served. Choose from: English; French; Other languages.',
    );
    const past = normalizeAndValidateField(field(access, 'launchDate'), '2026-02-01', { today: '2026-03-01' });
    expect(!past.ok && past.error.message.fr).toContain('1er mars 2026');
    expect(!past.ok && past.error.message.en).toContain('March 1, 2026');
  });

  it('reads long multi-choice lists quickly', () => {
    const provinces = field(prog, 'provincesServed');
    const started = performance.now();
    const result = normalizeAndValidateField(provinces, Array.from({ length: 100 }, () => 'Terre-Neuve-et-Labrador').join(' et '));
    expect(result).toEqual({ ok: true, value: ['NL'] });
    expect(normalizeAndValidateField(provinces, Array.from({ length: 101 }, () => 'NS').join(',')).ok).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('skips the past-date check without a today', () => {
    expect(normalizeAndValidateField(field(access, 'launchDate'), '2000-01-01')).toEqual({ ok: true, value: '2000-01-01' });
  });

  it('rejects a malformed today as a caller bug', () => {
    expect(() => normalizeAndValidateField(field(access, 'launchDate'), '2026-09-08', { today: '10/03/2026' })).toThrow(TypeError);
  });

  it('offers no dynamic option when the context supplies none', () => {
    const result = normalizeAndValidateField(field(access, 'programId'), 'prog_future', {});
    expect(result.ok || result.error.code).toBe('invalidChoice');
    const ctx: ValidationContext = { options: { programId: approvedPrograms } };
    expect(normalizeAndValidateField(field(access, 'programId'), 'prog_future', ctx)).toEqual({ ok: true, value: 'prog_future' });
  });

  it('applies type defaults and field bounds', () => {
    const text = adHoc({ type: 'text' });
    expect(normalizeAndValidateField(text, 'x'.repeat(200)).ok).toBe(true);
    expect(normalizeAndValidateField(text, 'x'.repeat(201)).ok).toBe(false);
    const long = adHoc({ type: 'longText' });
    expect(normalizeAndValidateField(long, 'x'.repeat(2000)).ok).toBe(true);
    expect(normalizeAndValidateField(long, 'x'.repeat(2001)).ok).toBe(false);
    // Length is in characters, not UTF-16 units.
    expect(normalizeAndValidateField(adHoc({ type: 'text', maxLength: 3 }), '😀😀😀')).toEqual({ ok: true, value: '😀😀😀' });
    const atLeast = adHoc({ type: 'integer', min: 5 });
    const r = normalizeAndValidateField(atLeast, '4');
    expect(!r.ok && r.error.message.en).toBe('Thing must be at least 5.');
    const unbounded = adHoc({ type: 'integer' });
    expect(normalizeAndValidateField(unbounded, '-12')).toEqual({ ok: true, value: -12 });
    expect(normalizeAndValidateField(unbounded, String(2 ** 60)).ok).toBe(false);
  });

  it('accepts an empty optional field of every type as no answer', () => {
    const types = ['text', 'longText', 'email', 'phone', 'url', 'postalCode', 'province', 'singleChoice', 'multiChoice', 'integer', 'date'] as const;
    for (const type of types) {
      const optional = adHoc({ type, required: false, options: [{ value: 'a', label: { en: 'A', fr: 'A' } }] });
      for (const raw of [undefined, null, '', '  ', []]) {
        expect(normalizeAndValidateField(optional, raw), `${type} ${JSON.stringify(raw)}`).toEqual({ ok: true, value: undefined });
      }
      const required = adHoc({ type, options: optional.options });
      const result = normalizeAndValidateField(required, '');
      expect(result.ok || result.error.code, type).toBe('required');
      expect(result.ok || result.error.message.en !== result.error.message.fr, type).toBe(true);
    }
  });
});
