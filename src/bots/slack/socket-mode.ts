import { SocketModeReceiver, type Logger } from '@slack/bolt';
import { isRecord } from '../cards/inbound.ts';
import { bodyProblem } from './inbound.ts';
import type { SlackLogger } from './slack-delivery.ts';

/**
 * Socket Mode: Slack sends events, interactivity and slash commands over a WebSocket the
 * app opens (no public URL needed). Bolt's SocketModeReceiver does the work; this module
 * configures it and puts the same shape check as the HTTP endpoint's in front of it, since
 * @slack/socket-mode reads `payload.event.type` of an `events_api` envelope unguarded and a
 * malformed envelope would otherwise become an unhandled rejection that ends the process.
 */

export type SocketModeSetup = {
  /** App-level token (`xapp-…`, scope `connections:write`). Never logged. */
  appToken: string;
  /** Web API base ending with a slash: `apps.connections.open` is called there. */
  apiUrl: string;
  logger: Logger;
  log: SlackLogger;
};

/** The envelope types Slack sends that carry a request to acknowledge. */
const REQUESTS = new Set(['events_api', 'interactive', 'slash_commands']);
/** Connection messages without an envelope id: passed to the client as they are. */
const CONTROL = new Set(['hello', 'disconnect']);

export type EnvelopeVerdict = { ok: true } | { ok: false; problem: string; envelopeId?: string | undefined };

/** Whether a WebSocket text message is one the Socket Mode client can handle safely. */
export function checkEnvelope(text: string): EnvelopeVerdict {
  let message: unknown;
  try {
    message = JSON.parse(text) as unknown;
  } catch {
    return { ok: false, problem: 'the message is not valid JSON' };
  }
  if (!isRecord(message) || typeof message['type'] !== 'string') return { ok: false, problem: 'the message is not an object with a type' };
  const type = message['type'];
  if (CONTROL.has(type)) return { ok: true };
  const envelopeId = typeof message['envelope_id'] === 'string' && message['envelope_id'] ? message['envelope_id'] : undefined;
  if (!REQUESTS.has(type)) return { ok: false, problem: `unsupported envelope type ${JSON.stringify(type)}`, envelopeId };
  if (!envelopeId) return { ok: false, problem: `${type} envelope without an envelope_id` };
  const payload = message['payload'];
  if (type === 'events_api' && !(isRecord(payload) && payload['type'] === 'event_callback')) {
    return { ok: false, problem: 'events_api envelope without an event_callback payload', envelopeId };
  }
  const problem = bodyProblem(payload);
  return problem ? { ok: false, problem, envelopeId } : { ok: true };
}

export function createSocketModeReceiver(setup: SocketModeSetup): SocketModeReceiver {
  const receiver = new SocketModeReceiver({
    appToken: setup.appToken,
    logger: setup.logger,
    // `apps.connections.open` goes to the same Web API as every other call (SLACK_API_URL).
    installerOptions: { clientOptions: { slackApiUrl: setup.apiUrl } },
  });
  const client = receiver.client;
  const handlers = client.listeners('ws_message');
  client.removeAllListeners('ws_message');
  client.on('ws_message', (data: unknown, isBinary: unknown) => {
    // Binary frames are ignored by the client itself.
    if (isBinary !== true && typeof data === 'string') {
      const verdict = checkEnvelope(data);
      if (!verdict.ok) {
        setup.log('warn', `slack: ignored a Socket Mode message: ${verdict.problem}`);
        // Acknowledged all the same: Slack would only resend what can never be handled.
        // (`send` is how the client acknowledges; its typings mark it private.)
        if (verdict.envelopeId) client['send'](verdict.envelopeId).catch(() => setup.log('debug', 'slack: could not acknowledge an ignored envelope'));
        return;
      }
    }
    for (const handle of handlers) {
      Promise.resolve()
        .then(() => handle(data, isBinary))
        .catch((error: unknown) => setup.log('error', `slack: a Socket Mode message failed: ${error instanceof Error ? error.message : String(error)}`));
    }
  });
  return receiver;
}

/** Ends the WebSocket session; resolves once closed, or after `ms` if Slack does not answer the close. */
export async function disconnect(receiver: SocketModeReceiver, ms = 5000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    receiver.client.disconnect(),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}
