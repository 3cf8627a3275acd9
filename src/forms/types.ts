import type { Localized } from '../domain/lang.ts';

/**
 * How a field is asked, rendered and normalised. Renderers map each type to a widget
 * (plain text input, multiline input, static/multi select, date picker, number input).
 */
export type FieldType =
  | 'text'
  | 'longText'
  | 'email'
  | 'phone'
  | 'url'
  | 'postalCode'
  | 'province'
  | 'singleChoice'
  | 'multiChoice'
  | 'integer'
  | 'date';

export type FormId = 'organization' | 'program' | 'accessRequest';

/** Where a field's options come from when they are only known at run time. */
export type DynamicOptionsSource = 'approvedPrograms';

export interface ChoiceOption {
  /** Stable value stored in answers and sent by Slack/Teams widgets. */
  readonly value: string;
  readonly label: Localized;
  /**
   * Extra spellings accepted when typed in chat (abbreviations such as `PEI`, `C.-B.`).
   * Matched like labels: case-, accent- and punctuation-insensitively. Never displayed.
   */
  readonly aliases?: readonly string[];
}

export interface FieldDefinition {
  /** Unique within its form; the key in `Answers`. */
  readonly id: string;
  readonly type: FieldType;
  readonly required: boolean;
  /** A noun phrase ("Postal code"), also used inside validation messages. */
  readonly label: Localized;
  readonly help?: Localized;
  readonly placeholder?: Localized;
  /** Text types only, counted in Unicode code points after normalisation. */
  readonly minLength?: number;
  /** Text types only; defaults: `text` 200, `longText` 2000, `url` 2048. */
  readonly maxLength?: number;
  /** `integer` only, inclusive. */
  readonly min?: number;
  /** `integer` only, inclusive. */
  readonly max?: number;
  /** `singleChoice` / `multiChoice`, in display order. `province` fields use `PROVINCES`. */
  readonly options?: readonly ChoiceOption[];
  /** Options supplied at run time in `ValidationContext.options[field.id]`. */
  readonly dynamicOptions?: DynamicOptionsSource;
  /**
   * Proposed answer taken from another form, written `<formId>.<fieldId>`
   * (e.g. `program.programAdminName`). See `defaultAnswers()`.
   */
  readonly defaultFrom?: string;
  /**
   * A single-option `singleChoice` that the person must affirm (e.g. "the onboarding
   * session is booked"): any answer other than that option fails with `mustConfirm`.
   * Renderers may show it as a checkbox.
   */
  readonly confirmation?: true;
  /** `date` only: must be on or after `ValidationContext.today` (skipped when no `today`). */
  readonly notInPast?: true;
}

export interface SectionDefinition {
  readonly id: string;
  readonly title: Localized;
  readonly description?: Localized;
  readonly fields: readonly FieldDefinition[];
}

export interface FormDefinition {
  readonly id: FormId;
  readonly title: Localized;
  readonly description?: Localized;
  readonly sections: readonly SectionDefinition[];
}

/** A normalised answer: text types and choices are strings, integers numbers, multi choices string arrays. */
export type AnswerValue = string | number | readonly string[];
export type Answers = Readonly<Record<string, AnswerValue>>;

/** The ids of a form's fields, when the form is declared `as const`. */
export type FieldIdOf<F extends FormDefinition> = F['sections'][number]['fields'][number]['id'];

export type FieldErrorCode =
  | 'required'
  | 'tooShort'
  | 'tooLong'
  /** Control characters, bidirectional overrides, or a value that is not text at all. */
  | 'invalidText'
  | 'invalidEmail'
  | 'invalidPhone'
  | 'invalidUrl'
  | 'invalidPostalCode'
  | 'invalidProvince'
  | 'invalidChoice'
  | 'notAnInteger'
  | 'outOfRange'
  | 'invalidDate'
  | 'dateInPast'
  | 'mustConfirm';

/** What went wrong with one field, with a message for people naming the field and the fix. */
export interface FieldError {
  readonly code: FieldErrorCode;
  readonly message: Localized;
}

export interface ValidationContext {
  /** The current date, `YYYY-MM-DD`, for `notInPast` dates. The forms never read a clock. */
  readonly today?: string;
  /** Options of `dynamicOptions` fields, by field id. */
  readonly options?: Readonly<Record<string, readonly ChoiceOption[]>>;
}
