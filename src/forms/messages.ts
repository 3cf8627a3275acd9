import type { Localized } from '../domain/lang.ts';
import { optionsFor } from './choices.ts';
import { displayDate, displayInteger } from './display.ts';
import type { Problem } from './normalize.ts';
import type { FieldDefinition, ValidationContext } from './types.ts';

/**
 * Words for a validation problem. English starts with the field's label ("Postal code
 * must look like A1A 1A1."); French names the field in guillemets ("Le champ « Code
 * postal » …"), which avoids agreeing adjectives with each label's gender. Each message
 * says how to fix the answer.
 */
export function messageFor(field: FieldDefinition, problem: Problem, ctx: ValidationContext): Localized {
  const en = field.label.en;
  const fr = `Le champ «\u00a0${field.label.fr}\u00a0»`;
  switch (problem.code) {
    case 'required':
      if (field.type === 'multiChoice') {
        return {
          en: `${en} is required. Please choose at least one option.`,
          fr: `${fr} est obligatoire. Veuillez choisir au moins une option.`,
        };
      }
      if (field.type === 'singleChoice' || field.type === 'province') {
        return { en: `${en} is required. Please choose an option.`, fr: `${fr} est obligatoire. Veuillez choisir une option.` };
      }
      return { en: `${en} is required. Please enter a value.`, fr: `${fr} est obligatoire. Veuillez le remplir.` };
    case 'tooShort':
      return {
        en: `${en} must be at least ${problem.limit} characters long. Please add more detail.`,
        fr: `${fr} doit contenir au moins ${problem.limit}\u00a0caractères. Veuillez ajouter des précisions.`,
      };
    case 'tooLong':
      return {
        en: `${en} must be at most ${displayInteger(problem.limit, 'en')} characters long (it has ${displayInteger(problem.length, 'en')}). Please shorten it.`,
        fr: `${fr} doit contenir au plus ${displayInteger(problem.limit, 'fr')}\u00a0caractères (il en contient ${displayInteger(problem.length, 'fr')}). Veuillez le raccourcir.`,
      };
    case 'invalidText':
      return {
        en: `${en} contains characters that can’t be used, such as control characters. Please retype it as plain text.`,
        fr: `${fr} contient des caractères non permis, comme des caractères de contrôle. Veuillez le saisir de nouveau en texte simple.`,
      };
    case 'invalidEmail':
      return {
        en: `${en} must be a valid email address, such as name@example.org.`,
        fr: `${fr} doit contenir une adresse courriel valide, comme nom@exemple.ca.`,
      };
    case 'invalidPhone':
      return {
        en: `${en} must be a 10-digit North American number, such as (902) 555-0134, without an extension.`,
        fr: `${fr} doit contenir un numéro nord-américain à 10\u00a0chiffres, comme 902\u00a0555-0134, sans poste.`,
      };
    case 'invalidUrl':
      return {
        en: `${en} must be a web address, such as example.org or https://example.org/about.`,
        fr: `${fr} doit contenir une adresse de site Web, comme exemple.ca ou https://exemple.ca/a-propos.`,
      };
    case 'invalidPostalCode':
      return {
        en: `${en} must look like A1A 1A1.`,
        fr: `${fr} doit avoir la forme A1A\u00a01A1.`,
      };
    case 'invalidProvince':
      return {
        en: `${en} must be a Canadian province or territory, such as Nova Scotia or NS.`,
        fr: `${fr} doit contenir une province ou un territoire du Canada, comme Nouvelle-Écosse ou NS.`,
      };
    case 'invalidChoice':
      return invalidChoice(field, problem.item, ctx);
    case 'notAnInteger':
      return {
        en: `${en} must be a whole number, such as 25 or 1,200.`,
        fr: `${fr} doit contenir un nombre entier, comme 25 ou 1\u00a0200.`,
      };
    case 'outOfRange':
      return outOfRange(field, en, fr);
    case 'invalidDate':
      return {
        en: `${en} must be a real date written YYYY-MM-DD, such as 2026-09-15.`,
        fr: `${fr} doit contenir une date valide au format AAAA-MM-JJ, comme 2026-09-15.`,
      };
    case 'dateInPast': {
      const today = ctx.today ?? '';
      return {
        en: `${en} can’t be in the past. Please choose ${displayDate(today, 'en')} or a later date.`,
        fr: `${fr} ne peut pas contenir une date passée. Veuillez choisir le ${displayDate(today, 'fr')} ou une date ultérieure.`,
      };
    }
    case 'mustConfirm': {
      const yes = optionsFor(field, ctx)[0]?.label ?? { en: 'Yes', fr: 'Oui' };
      return {
        en: `Please confirm “${field.label.en}” by answering “${yes.en}”.`,
        fr: `Veuillez confirmer «\u00a0${field.label.fr}\u00a0» en répondant «\u00a0${yes.fr}\u00a0».`,
      };
    }
  }
}

/** Up to this many option labels are listed in a message; longer lists are in the prompt. */
const LISTED_OPTIONS = 12;

function invalidChoice(field: FieldDefinition, item: string | undefined, ctx: ValidationContext): Localized {
  const options = optionsFor(field, ctx);
  const listed = options.length > 0 && options.length <= LISTED_OPTIONS;
  const choices = {
    en: listed ? `Choose from: ${options.map((o) => o.label.en).join('; ')}.` : 'Choose one of the listed options.',
    fr: listed
      ? `Choisissez parmi\u00a0: ${options.map((o) => o.label.fr).join('\u00a0; ')}.`
      : 'Choisissez une des options proposées.',
  };
  const shown = item === undefined || item === '' ? undefined : item.length > 60 ? `${item.slice(0, 59)}…` : item;
  if (shown === undefined) {
    return {
      en: `${field.label.en} must be one of the options. ${choices.en}`,
      fr: `Le champ «\u00a0${field.label.fr}\u00a0» doit contenir une des options. ${choices.fr}`,
    };
  }
  return {
    en: `“${shown}” is not an option for ${field.label.en}. ${choices.en}`,
    fr: `«\u00a0${shown}\u00a0» n’est pas une option pour le champ «\u00a0${field.label.fr}\u00a0». ${choices.fr}`,
  };
}

function outOfRange(field: FieldDefinition, en: string, fr: string): Localized {
  const { min, max } = field;
  if (min !== undefined && max !== undefined) {
    return {
      en: `${en} must be between ${displayInteger(min, 'en')} and ${displayInteger(max, 'en')}.`,
      fr: `${fr} doit contenir un nombre entre ${displayInteger(min, 'fr')} et ${displayInteger(max, 'fr')}.`,
    };
  }
  if (min !== undefined) {
    return {
      en: `${en} must be at least ${displayInteger(min, 'en')}.`,
      fr: `${fr} doit contenir un nombre d’au moins ${displayInteger(min, 'fr')}.`,
    };
  }
  return {
    en: `${en} must be at most ${displayInteger(max ?? Number.MAX_SAFE_INTEGER, 'en')}.`,
    fr: `${fr} doit contenir un nombre d’au plus ${displayInteger(max ?? Number.MAX_SAFE_INTEGER, 'fr')}.`,
  };
}
