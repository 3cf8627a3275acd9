import type { ActionName, Inbound } from '../core/types.ts';

/**
 * Reads what a person did from a Bot Framework activity (Teams, Web Chat): typed text, an
 * `Action.Submit` (a `message` whose `value` holds the card's data and inputs) or an
 * `Action.Execute` (an `adaptiveCard/action` invoke: `value.action.verb` and `.data`).
 * Nothing here is trusted: the core re-checks every id and value.
 */

/** The fields read from an activity; a botbuilder `Activity` fits. */
export type ActivityLike = {
  readonly type?: string | undefined;
  readonly name?: string | undefined;
  readonly text?: string | undefined;
  readonly value?: unknown;
};

/** Every action a card may carry. Typed as a record so a new `ActionName` must be added here. */
const ACTION_NAMES: Record<ActionName, true> = {
  start: true,
  answer: true,
  submitSection: true,
  openSection: true,
  skip: true,
  back: true,
  edit: true,
  review: true,
  submit: true,
  withdraw: true,
  newOrganization: true,
  newProgram: true,
  sessions: true,
  book: true,
  cancelBooking: true,
  requestAccess: true,
  status: true,
  help: true,
  language: true,
  decide: true,
  publishSlot: true,
  editSlot: true,
  cancelSlot: true,
  addSampleSlots: true,
};

export function isActionName(value: unknown): value is ActionName {
  return typeof value === 'string' && Object.hasOwn(ACTION_NAMES, value);
}

export const ADAPTIVE_CARD_ACTION_INVOKE = 'adaptiveCard/action';

export function parseInbound(activity: ActivityLike): Inbound | null {
  if (activity.type === 'message') {
    const value = activity.value;
    if (isRecord(value) && typeof value['action'] === 'string') return toAction(value['action'], value);
    const text = messageText(activity.text);
    return text ? { kind: 'text', text } : null;
  }
  const execute = executeAction(activity);
  return execute ? toAction(execute.verb, execute.data) : null;
}

/** An approval card's automatic refresh (`Action.Execute` with the refresh verb). */
export function parseRefresh(activity: ActivityLike, verb = 'refreshCard'): { submissionId: string } | null {
  const execute = executeAction(activity);
  if (!execute || execute.verb !== verb) return null;
  const submissionId = execute.data['submissionId'];
  return typeof submissionId === 'string' && submissionId ? { submissionId } : null;
}

/** The verb and data of an `adaptiveCard/action` invoke, or null for anything else. */
export function executeAction(activity: ActivityLike): { verb: string; data: Record<string, unknown> } | null {
  if (activity.type !== 'invoke' || activity.name !== ADAPTIVE_CARD_ACTION_INVOKE || !isRecord(activity.value)) return null;
  const action = activity.value['action'];
  if (!isRecord(action) || typeof action['verb'] !== 'string') return null;
  return { verb: action['verb'], data: isRecord(action['data']) ? action['data'] : {} };
}

function toAction(name: string, raw: Record<string, unknown>): Inbound | null {
  if (!isActionName(name)) return null;
  const { action: _action, ...data } = raw;
  return { kind: 'action', action: name, data };
}

/**
 * Typed text without @mentions: in a channel the bot is addressed as `<at>Bot</at> status`,
 * and the core should read `status`.
 */
export function messageText(text: string | undefined): string {
  return (text ?? '')
    .replace(/<at>[^<]*<\/at>/gi, '')
    .replace(/&nbsp;|\u00a0/g, ' ')
    .trim();
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
