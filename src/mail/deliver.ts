import type { JsonObject, OutboxRecord } from '../store/store.ts';
import type { EmailMessage } from './messages.ts';
import { sessionCalendar } from './invitation.ts';
import { renderEmail } from './render.ts';
import type { MailAddress, MailTransport } from './transport.ts';

/**
 * The outbox handler for `email` rows: renders the message in the recipient's language
 * at delivery time and sends it. The Message-ID comes from the row id, so a retry after a
 * crash carries the same one. Once sent, secrets in the payload (the platform's temporary
 * password) are scrubbed from the stored row. A session email's invitation data becomes
 * an .ics calendar (organizer: the sender) at this point too.
 */
export function emailHandler(options: { transport: MailTransport; from: MailAddress }) {
  return async (row: OutboxRecord): Promise<JsonObject> => {
    const message = row.payload['message'] as unknown as EmailMessage;
    const rendered = renderEmail(message);
    const icalEvent = sessionCalendar(message, options.from);
    await options.transport.send({
      from: rendered.fromName ? { name: rendered.fromName, address: options.from.address } : options.from,
      to: message.to,
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      messageId: `<${row.id}@onboarding-assistant>`,
      headers: { 'X-Onboarding-Kind': message.kind },
      ...(icalEvent ? { icalEvent } : {}),
    });
    if (message.kind === 'accessGranted') {
      return { message: { ...(message as unknown as JsonObject), temporaryPassword: '[sent]' } };
    }
    return row.payload;
  };
}
