import { allFields } from './definitions.ts';
import { isBlank } from './normalize.ts';
import type { AnswerValue, Answers, FormDefinition, FormId } from './types.ts';

/**
 * The proposed answers of `form` taken from other forms' answers, following each field's
 * `defaultFrom` (`<formId>.<fieldId>`). Chat offers them for confirmation and modals
 * pre-fill them; they are never submitted without the person seeing them.
 */
export function defaultAnswers(
  form: FormDefinition,
  sources: Partial<Record<FormId, Readonly<Record<string, AnswerValue | undefined>>>>,
): Answers {
  const defaults: Record<string, AnswerValue> = {};
  for (const field of allFields(form)) {
    if (field.defaultFrom === undefined) continue;
    const [formId, fieldId] = field.defaultFrom.split('.');
    const source = formId === undefined ? undefined : sources[formId as FormId];
    const value = fieldId === undefined ? undefined : source?.[fieldId];
    if (value !== undefined && !isBlank(value)) defaults[field.id] = value;
  }
  return defaults;
}
