import { isActionName, isRecord } from '../cards/inbound.ts';
import type { ActionName } from '../core/types.ts';
import { unescapeText } from './escape.ts';

/**
 * Reads Slack's requests: the shape check done before Bolt sees a body, button and
 * select values back into core actions, and input values out of views and messages.
 * Nothing here is trusted: the core re-checks every id and value.
 */

export type ClickedAction = { action: ActionName; data: Record<string, unknown> };

function parseJson(text: unknown): unknown {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function toAction(raw: unknown): ClickedAction | null {
  if (!isRecord(raw)) return null;
  const { action, ...data } = raw;
  return isActionName(action) ? { action, data } : null;
}

/** The JSON value of a button, or a static select's block id plus the chosen option's value. */
export function parseAction(element: unknown, blockId?: unknown): ClickedAction | null {
  if (!isRecord(element)) return null;
  if (element['type'] === 'button') return toAction(parseJson(element['value']));
  if (element['type'] === 'static_select') {
    const common = parseJson(blockId ?? element['block_id']);
    const option = element['selected_option'];
    const rest = isRecord(option) ? parseJson(option['value']) : undefined;
    if (!isRecord(common) || !isRecord(rest)) return null;
    const { select: _select, ...shared } = common;
    return toAction({ ...shared, ...rest });
  }
  return null;
}

/** The text a person typed in Slack (which escapes `&`, `<`, `>`), as typed. */
export function typedText(text: unknown): string {
  return typeof text === 'string' ? unescapeText(text).trim() : '';
}

function optionValue(option: unknown): string {
  return isRecord(option) && typeof option['value'] === 'string' ? option['value'] : '';
}

function elementValue(element: Record<string, unknown>): unknown {
  switch (element['type']) {
    case 'plain_text_input':
    case 'email_text_input':
    case 'url_text_input':
    case 'number_input':
      // Values come back as typed; the initial values we sent were escaped, so read entities back too.
      return typeof element['value'] === 'string' ? unescapeText(element['value']) : '';
    case 'datepicker':
      return typeof element['selected_date'] === 'string' ? element['selected_date'] : '';
    case 'static_select':
    case 'radio_buttons':
      return optionValue(element['selected_option']);
    case 'multi_static_select':
      return Array.isArray(element['selected_options']) ? element['selected_options'].map(optionValue).filter(Boolean) : [];
    case 'checkboxes':
      // Checkboxes render a confirmation: its one option's value when ticked, nothing otherwise.
      return Array.isArray(element['selected_options']) ? (element['selected_options'].map(optionValue).find(Boolean) ?? '') : '';
    default:
      return undefined;
  }
}

/** Input values of a view (`view.state`) or a message (`body.state`), keyed by block id. */
export function stateValues(state: unknown): Record<string, unknown> {
  const values = isRecord(state) && isRecord(state['values']) ? state['values'] : {};
  const out: Record<string, unknown> = {};
  for (const [blockId, elements] of Object.entries(values)) {
    if (!isRecord(elements)) continue;
    for (const element of Object.values(elements)) {
      if (!isRecord(element)) continue;
      const value = elementValue(element);
      if (value !== undefined) out[blockId] = value;
    }
  }
  return out;
}

export function parseMeta(text: unknown): Record<string, unknown> | null {
  const meta = parseJson(text);
  return isRecord(meta) ? meta : null;
}

// ------------------------------------------------------------------ the shape check

/**
 * A request body as Bolt parses it: form-encoded (`payload=<json>` for interactivity, flat
 * fields for slash commands) when the content type is exactly Slack's, JSON otherwise.
 */
export function parseBody(raw: string, contentType: string | undefined): unknown {
  if (contentType === 'application/x-www-form-urlencoded') {
    const form = Object.fromEntries(new URLSearchParams(raw));
    return typeof form['payload'] === 'string' ? (JSON.parse(form['payload']) as unknown) : form;
  }
  return JSON.parse(raw) as unknown;
}

const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const userId = (body: Record<string, unknown>) => isRecord(body['user']) && str(body['user']['id']);

/**
 * What is wrong with an authentic body, or null when it is one of the requests this app
 * handles. A malformed body is answered 400 before anything is recorded.
 */
export function bodyProblem(body: unknown): string | null {
  if (!isRecord(body)) return 'the body is not an object';
  if (str(body['command'])) {
    if (!str(body['user_id']) || !str(body['channel_id']) || !str(body['response_url'])) return 'a slash command needs user_id, channel_id and response_url';
    return null;
  }
  if (body['ssl_check'] !== undefined) return null;
  switch (body['type']) {
    case 'url_verification':
      return str(body['challenge']) ? null : 'url_verification needs a challenge';
    case 'app_rate_limited':
      return null;
    case 'event_callback': {
      const event = body['event'];
      if (!str(body['event_id'])) return 'event_callback needs an event_id';
      if (!isRecord(event) || !str(event['type'])) return 'event_callback needs an event with a type';
      return null;
    }
    case 'block_actions': {
      const actions = body['actions'];
      if (!userId(body)) return 'block_actions needs user.id';
      if (!Array.isArray(actions) || actions.length === 0 || !actions.every((a) => isRecord(a) && str(a['action_id']) && str(a['type']))) {
        return 'block_actions needs actions with action_id and type';
      }
      return null;
    }
    case 'view_submission':
    case 'view_closed': {
      const view = body['view'];
      if (!userId(body)) return `${body['type']} needs user.id`;
      if (!isRecord(view) || !str(view['callback_id'])) return `${body['type']} needs a view with a callback_id`;
      if (body['type'] === 'view_submission' && !(isRecord(view['state']) && isRecord(view['state']['values']))) return 'view_submission needs view.state.values';
      return null;
    }
    default:
      return `unsupported request type ${JSON.stringify(body['type'] ?? null)}`;
  }
}
