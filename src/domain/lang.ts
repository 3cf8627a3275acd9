/** The two languages every user-visible string exists in. */
export type Lang = 'en' | 'fr';

export const LANGS: readonly Lang[] = ['en', 'fr'] as const;

/** A piece of text in both languages. Every user-visible string is one of these. */
export type Localized = { readonly en: string; readonly fr: string };

export function isLang(value: unknown): value is Lang {
  return value === 'en' || value === 'fr';
}

/** Picks a language from a BCP-47 locale such as `fr-CA`; anything else is English. */
export function langFromLocale(locale: string | undefined | null): Lang {
  return locale && locale.toLowerCase().startsWith('fr') ? 'fr' : 'en';
}
