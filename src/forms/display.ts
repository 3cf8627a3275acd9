import type { Lang } from '../domain/lang.ts';

/** `+19025550134` → `(902) 555-0134`; anything else unchanged. */
export function displayPhone(e164: string): string {
  const m = /^\+1(\d{3})(\d{3})(\d{4})$/u.exec(e164);
  return m ? `(${m[1]}) ${m[2]}-${m[3]}` : e164;
}

/** Thousands grouped the Canadian way: `100,000` in English, `100 000` (no-break space) in French. */
export function displayInteger(n: number, lang: Lang): string {
  const separator = lang === 'fr' ? '\u00a0' : ',';
  const digits = String(Math.abs(Math.trunc(n))).replace(/\B(?=(\d{3})+(?!\d))/gu, separator);
  return n < 0 ? `-${digits}` : digits;
}

const MONTHS = {
  en: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'],
  fr: ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'],
} as const;

/** `2025-03-01` → `March 1, 2025` / `1er mars 2025`; anything not `YYYY-MM-DD` unchanged. */
export function displayDate(iso: string, lang: Lang): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/u.exec(iso);
  const month = m ? MONTHS[lang][Number(m[2]) - 1] : undefined;
  if (!m || month === undefined) return iso;
  const day = Number(m[3]);
  return lang === 'fr' ? `${day === 1 ? '1er' : day} ${month} ${m[1]}` : `${month} ${day}, ${m[1]}`;
}
