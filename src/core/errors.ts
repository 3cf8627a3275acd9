import type { Lang, Localized } from '../domain/lang.ts';

/**
 * One error type for everything the core refuses on purpose. `code` is closed (callers
 * switch on it), `message` is for logs, `userMessage` is what a person is told, in both
 * languages. Anything else thrown is a bug and is converted at the boundary by `toAppError`.
 */
export type AppErrorCode =
  | 'notFound'
  | 'forbidden'
  | 'notStaff'
  | 'notSupport'
  | 'invalidInput'
  | 'wrongState'
  | 'alreadyDecided'
  | 'accessGateClosed'
  | 'slotFull'
  | 'slotUnavailable'
  | 'organizationNotActive'
  | 'tokenInvalid'
  | 'tokenExpired'
  | 'tokenUsed'
  | 'busy'
  | 'internal';

export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly userMessage: Localized,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
  }

  say(lang: Lang): string {
    return this.userMessage[lang];
  }
}

const GENERIC: Localized = {
  en: 'Something went wrong on our side. Nothing was lost; please try again in a moment.',
  fr: 'Un problème est survenu de notre côté. Rien n’a été perdu; veuillez réessayer dans un instant.',
};

export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new AppError('internal', message, GENERIC);
}

export const notFound = (what: string): AppError =>
  new AppError('notFound', `${what} not found`, {
    en: 'I could not find that. Type “status” to see where you stand.',
    fr: 'Je ne trouve pas cet élément. Tapez « statut » pour voir où vous en êtes.',
  });

export const forbidden = (what: string): AppError =>
  new AppError('forbidden', `not allowed: ${what}`, {
    en: 'Only the administrator who started this registration can do that.',
    fr: 'Seule la personne administratrice qui a commencé cette inscription peut faire cela.',
  });
