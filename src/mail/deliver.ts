import type { JsonObject, OutboxRecord } from '../store/store.ts';
import type { EmailMessage } from './messages.ts';
import { renderEmail } from './render.ts';
import type { MailAddress, MailTransport } from './transport.ts';

/**
 * The outbox handler for `email` rows: renders the message in the recipient's language
 * at delivery time and sends it. The Message-ID comes from the row id, so a retry after a
 * crash carries the same one. Once sent, secrets in the payload (the platform's temporary
 * password) are scrubbed from the stored row.
 */
export function emailHandler(options: { transport: MailTransport; from: MailAddress }) {
  return async (row: OutboxRecord): Promise<JsonObject> => {
    const message = row.payload['message'] as unknown as EmailMessage;
    const rendered = renderEmail(message);
    await options.transport.send({
      from: rendered.fromName ? { name: rendered.fromName, address: options.from.address } : options.from,
      to: message.to,
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      messageId: `<${row.id}@onboarding-assistant>`,
      headers: { 'X-Onboarding-Kind': message.kind },
    });
    if (message.kind === 'accessGranted') {
      return { message: { ...(message as unknown as JsonObject), temporaryPassword: '[sent]' } };
    }
    return row.payload;
  };
}
