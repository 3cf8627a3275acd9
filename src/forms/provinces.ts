import type { ChoiceOption } from './types.ts';

export type ProvinceCode =
  | 'AB' | 'BC' | 'MB' | 'NB' | 'NL' | 'NS' | 'NT' | 'NU' | 'ON' | 'PE' | 'QC' | 'SK' | 'YT';

/**
 * The 13 provinces and territories, by Canada Post code, with their official English and
 * French names. Aliases are the usual English and French abbreviations people type.
 */
export const PROVINCES = [
  { value: 'AB', label: { en: 'Alberta', fr: 'Alberta' }, aliases: ['Alta', 'Alb'] },
  { value: 'BC', label: { en: 'British Columbia', fr: 'Colombie-Britannique' }, aliases: ['C.-B.'] },
  { value: 'MB', label: { en: 'Manitoba', fr: 'Manitoba' }, aliases: ['Man'] },
  { value: 'NB', label: { en: 'New Brunswick', fr: 'Nouveau-Brunswick' }, aliases: ['N.-B.'] },
  {
    value: 'NL',
    label: { en: 'Newfoundland and Labrador', fr: 'Terre-Neuve-et-Labrador' },
    aliases: ['T.-N.-L.', 'Nfld', 'Newfoundland', 'Terre-Neuve'],
  },
  { value: 'NS', label: { en: 'Nova Scotia', fr: 'Nouvelle-Écosse' }, aliases: ['N.-É.'] },
  {
    value: 'NT',
    label: { en: 'Northwest Territories', fr: 'Territoires du Nord-Ouest' },
    aliases: ['NWT', 'T.N.-O.'],
  },
  { value: 'NU', label: { en: 'Nunavut', fr: 'Nunavut' } },
  { value: 'ON', label: { en: 'Ontario', fr: 'Ontario' }, aliases: ['Ont'] },
  {
    value: 'PE',
    label: { en: 'Prince Edward Island', fr: 'Île-du-Prince-Édouard' },
    aliases: ['PEI', 'Î.-P.-É.'],
  },
  { value: 'QC', label: { en: 'Quebec', fr: 'Québec' }, aliases: ['Que', 'PQ'] },
  { value: 'SK', label: { en: 'Saskatchewan', fr: 'Saskatchewan' }, aliases: ['Sask'] },
  { value: 'YT', label: { en: 'Yukon', fr: 'Yukon' }, aliases: ['Yukon Territory', 'Territoire du Yukon'] },
] as const satisfies readonly ChoiceOption[];

export function isProvinceCode(value: unknown): value is ProvinceCode {
  return PROVINCES.some((p) => p.value === value);
}
