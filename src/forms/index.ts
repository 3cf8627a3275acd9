export type {
  AnswerValue,
  Answers,
  ChoiceOption,
  DynamicOptionsSource,
  FieldDefinition,
  FieldError,
  FieldErrorCode,
  FieldIdOf,
  FieldType,
  FormDefinition,
  FormId,
  SectionDefinition,
  ValidationContext,
} from './types.ts';
export { PROVINCES, isProvinceCode, type ProvinceCode } from './provinces.ts';
export {
  accessRequestForm,
  allFields,
  fieldById,
  forms,
  organizationForm,
  programForm,
  sectionById,
  sectionOfField,
  type AccessRequestFieldId,
  type OrganizationFieldId,
  type ProgramFieldId,
} from './definitions.ts';
export { foldKey, matchOption, matchOptions, optionsFor } from './choices.ts';
export { defaultAnswers } from './defaults.ts';
export { displayDate, displayInteger, displayPhone } from './display.ts';
export { isBlank } from './normalize.ts';
export {
  NO_ANSWER,
  formatAnswer,
  normalizeAndValidateField,
  nextField,
  progressOf,
  summarize,
  validateForm,
  validateSection,
  type FieldResult,
  type FormResult,
} from './validate.ts';
export type { FormProgress } from './progress.ts';
export type { SummaryItem, SummarySection } from './format.ts';
