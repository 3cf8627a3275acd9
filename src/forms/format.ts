import type { Lang } from '../domain/lang.ts';
import { optionsFor } from './choices.ts';
import { displayDate, displayInteger, displayPhone } from './display.ts';
import { isBlank } from './normalize.ts';
import type { AnswerValue, FieldDefinition, FormDefinition, ValidationContext } from './types.ts';

/** Shown for an unanswered field. */
export const NO_ANSWER = '—';

/**
 * One stored answer as people read it: option labels and province names in `lang`,
 * phones as `(902) 555-0134`, integers grouped, dates spelled out, `—` when empty.
 * Values that no longer match an option are shown as stored rather than hidden.
 */
export function formatAnswer(
  field: FieldDefinition,
  value: AnswerValue | undefined,
  lang: Lang,
  ctx?: ValidationContext,
): string {
  if (value === undefined || isBlank(value)) return NO_ANSWER;
  const labelOf = (v: string): string => optionsFor(field, ctx).find((o) => o.value === v)?.label[lang] ?? v;
  switch (field.type) {
    case 'province':
    case 'singleChoice':
    case 'multiChoice':
      return (typeof value === 'object' ? value : [String(value)]).map(labelOf).join(', ');
    case 'phone':
      return displayPhone(String(value));
    case 'integer':
      return typeof value === 'number' ? displayInteger(value, lang) : String(value);
    case 'date':
      return displayDate(String(value), lang);
    default:
      return typeof value === 'object' ? value.join(', ') : String(value);
  }
}

export interface SummaryItem {
  readonly fieldId: string;
  readonly label: string;
  readonly value: string;
}

export interface SummarySection {
  readonly sectionId: string;
  readonly title: string;
  readonly items: readonly SummaryItem[];
}

/**
 * Every section and every field (unanswered ones show `—`), for the review step and
 * the staff card.
 */
export function summarize(
  form: FormDefinition,
  answers: Readonly<Record<string, AnswerValue | undefined>>,
  lang: Lang,
  ctx?: ValidationContext,
): SummarySection[] {
  return form.sections.map((section) => ({
    sectionId: section.id,
    title: section.title[lang],
    items: section.fields.map((field) => ({
      fieldId: field.id,
      label: field.label[lang],
      value: formatAnswer(field, answers[field.id], lang, ctx),
    })),
  }));
}
