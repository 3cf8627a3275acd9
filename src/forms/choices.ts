import { PROVINCES } from './provinces.ts';
import type { ChoiceOption, FieldDefinition, ValidationContext } from './types.ts';

/**
 * The options a choice or province field offers, in display order: provinces for
 * `province`, the run-time list for `dynamicOptions` fields (empty when the context has
 * none), otherwise the definition's own.
 */
export function optionsFor(field: FieldDefinition, ctx?: ValidationContext): readonly ChoiceOption[] {
  if (field.type === 'province') return PROVINCES;
  if (field.dynamicOptions !== undefined) return ctx?.options?.[field.id] ?? [];
  return field.options ?? [];
}

/**
 * The comparison key for typed answers: accents, case, spaces and punctuation removed,
 * so `Île-du-Prince-Édouard`, `ile du prince edouard` and `ILE-DU-PRINCE-EDOUARD` agree.
 */
export function foldKey(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');
}

/**
 * Finds the option someone meant by one answer: the exact value (what widgets send), the
 * 1-based position in the list (`2`, `2.` or `2)`, as offered in chat), or the value,
 * either label or an alias compared with `foldKey`.
 */
export function matchOption(options: readonly ChoiceOption[], input: string | number): ChoiceOption | undefined {
  if (typeof input === 'number') {
    return Number.isInteger(input) && input >= 1 ? options[input - 1] : undefined;
  }
  const text = input.trim();
  if (text === '') return undefined;
  const exact = options.find((o) => o.value === text);
  if (exact) return exact;
  const position = /^(\d{1,4})[.)]?$/.exec(text);
  if (position?.[1] !== undefined) {
    const byPosition = options[Number(position[1]) - 1];
    if (byPosition) return byPosition;
  }
  const key = foldKey(text);
  if (key === '') return undefined;
  return options.find(
    (o) =>
      foldKey(o.value) === key ||
      foldKey(o.label.en) === key ||
      foldKey(o.label.fr) === key ||
      (o.aliases ?? []).some((alias) => foldKey(alias) === key),
  );
}

export type MultiMatch =
  | { readonly ok: true; readonly values: readonly string[] }
  | { readonly ok: false; readonly unknown: string };

/** Commas, semicolons and line breaks (an Oxford "and"/"et" after them is dropped), or a spaced and/et/&. */
const SEPARATOR = /(\s*[,;\n]\s*(?:(?:and|et|&)\s+)?|\s+(?:and|et|&)\s+)/iu;
const MAX_ITEMS = 100;
/** No label spans more pieces than this, which keeps the longest-match search small. */
const MAX_SPAN = 8;

/**
 * Reads a multi-choice answer: an array (each item as for `matchOption`) or one string
 * listing several answers. Because labels may themselves contain "and", "et" or commas
 * ("Newfoundland and Labrador", "Science, technology, engineering and math"), the string
 * is cut at every separator and the longest run of pieces that names an option wins.
 * Returns the values de-duplicated and in definition order.
 */
export function matchOptions(options: readonly ChoiceOption[], input: string | readonly unknown[]): MultiMatch {
  const chosen = new Set<string>();
  if (typeof input !== 'string') {
    for (const item of input) {
      if (typeof item !== 'string' && typeof item !== 'number') return { ok: false, unknown: String(item) };
      if (typeof item === 'string' && item.trim() === '') continue;
      const option = matchOption(options, item);
      if (!option) return { ok: false, unknown: String(item) };
      chosen.add(option.value);
    }
  } else {
    // split() with a capturing group alternates pieces and separators: [p0, s0, p1, s1, p2].
    const parts = input.trim().split(SEPARATOR);
    const pieces = parts.filter((_, i) => i % 2 === 0);
    if (pieces.length > MAX_ITEMS) return { ok: false, unknown: input.slice(0, 60) };
    let i = 0;
    while (i < pieces.length) {
      if ((pieces[i] ?? '').trim() === '') {
        i += 1;
        continue;
      }
      let matched: { option: ChoiceOption; next: number } | undefined;
      for (let j = Math.min(pieces.length, i + MAX_SPAN) - 1; j >= i && !matched; j -= 1) {
        const span = parts.slice(2 * i, 2 * j + 1);
        if (span.some((p, k) => k % 2 === 0 && p.trim() === '')) continue;
        const option = matchOption(options, span.join(''));
        if (option) matched = { option, next: j + 1 };
      }
      if (!matched) return { ok: false, unknown: (pieces[i] ?? '').trim() };
      chosen.add(matched.option.value);
      i = matched.next;
    }
  }
  return { ok: true, values: options.map((o) => o.value).filter((v) => chosen.has(v)) };
}
