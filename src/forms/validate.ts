import { allFields, sectionById } from './definitions.ts';
import { messageFor } from './messages.ts';
import { isIsoDate, parseField } from './normalize.ts';
import type { AnswerValue, Answers, FieldDefinition, FieldError, FormDefinition, ValidationContext } from './types.ts';

// The review summary and the question flow live beside validation; re-exported so this
// module is the one entry point for checking and presenting answers.
export { formatAnswer, summarize, NO_ANSWER } from './format.ts';
export { nextField, progressOf } from './progress.ts';

export type FieldResult =
  | { readonly ok: true; readonly value: AnswerValue | undefined }
  | { readonly ok: false; readonly error: FieldError };

export type FormResult =
  | { readonly ok: true; readonly values: Answers }
  | { readonly ok: false; readonly errors: Readonly<Record<string, FieldError>>; readonly values: Answers };

/**
 * Normalises one raw answer (typed in chat or sent by a widget) to its stored form, or
 * says what is wrong with it. `value` is `undefined` for an optional field left empty.
 * Pure: the date for `notInPast` and run-time options come from `ctx`.
 */
export function normalizeAndValidateField(field: FieldDefinition, raw: unknown, ctx: ValidationContext = {}): FieldResult {
  assertContext(ctx);
  const parsed = parseField(field, raw, ctx);
  if (parsed.ok) return { ok: true, value: parsed.value };
  return { ok: false, error: { code: parsed.problem.code, message: messageFor(field, parsed.problem, ctx) } };
}

/**
 * Validates every field of the form; required ones must be present. Keys that are not
 * fields of the form are dropped. `values` holds the normalised valid answers either way.
 */
export function validateForm(form: FormDefinition, answers: Readonly<Record<string, unknown>>, ctx?: ValidationContext): FormResult {
  return validateFields(allFields(form), answers, ctx);
}

/** As `validateForm`, for one section (a modal or card page). Throws on an unknown section id. */
export function validateSection(
  form: FormDefinition,
  sectionId: string,
  answers: Readonly<Record<string, unknown>>,
  ctx?: ValidationContext,
): FormResult {
  const section = sectionById(form, sectionId);
  if (!section) throw new RangeError(`Form "${form.id}" has no section "${sectionId}".`);
  return validateFields(section.fields, answers, ctx);
}

function validateFields(
  fields: readonly FieldDefinition[],
  answers: Readonly<Record<string, unknown>>,
  ctx: ValidationContext = {},
): FormResult {
  const values: Record<string, AnswerValue> = {};
  const errors: Record<string, FieldError> = {};
  for (const field of fields) {
    const result = normalizeAndValidateField(field, Object.hasOwn(answers, field.id) ? answers[field.id] : undefined, ctx);
    if (!result.ok) errors[field.id] = result.error;
    else if (result.value !== undefined) values[field.id] = result.value;
  }
  return Object.keys(errors).length === 0 ? { ok: true, values } : { ok: false, errors, values };
}

/** A malformed `today` is a caller bug, not a person's mistake: fail loudly. */
function assertContext(ctx: ValidationContext): void {
  if (ctx.today !== undefined && !isIsoDate(ctx.today)) {
    throw new TypeError(`ValidationContext.today must be YYYY-MM-DD, got "${ctx.today}".`);
  }
}
