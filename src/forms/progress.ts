import { allFields } from './definitions.ts';
import { isBlank } from './normalize.ts';
import type { FieldDefinition, FormDefinition } from './types.ts';

export interface FormProgress {
  readonly answered: number;
  readonly total: number;
  /** Ids of required fields still without an answer, in asking order. */
  readonly requiredMissing: readonly string[];
}

/**
 * The next question of the one-question-at-a-time flow: the first field, in asking
 * order, that has no answer and was not skipped (optional fields the person passed on).
 * `undefined` when the form is complete. Answers are assumed already validated.
 */
export function nextField(
  form: FormDefinition,
  answers: Readonly<Record<string, unknown>>,
  skipped: ReadonlySet<string> = new Set(),
): FieldDefinition | undefined {
  return allFields(form).find((field) => isBlank(answers[field.id]) && !skipped.has(field.id));
}

export function progressOf(form: FormDefinition, answers: Readonly<Record<string, unknown>>): FormProgress {
  const fields = allFields(form);
  return {
    answered: fields.filter((field) => !isBlank(answers[field.id])).length,
    total: fields.length,
    requiredMissing: fields.filter((field) => field.required && isBlank(answers[field.id])).map((field) => field.id),
  };
}
