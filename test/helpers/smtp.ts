import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerError } from 'smtp-server';

/**
 * A real SMTP server on loopback for tests: accepts any mail without authentication,
 * parses each one with mailparser, and can be told to refuse the next mails with a
 * temporary error (451) to exercise retries.
 */
export type TestSmtpServer = {
  /** `smtp://127.0.0.1:PORT` */
  readonly url: string;
  /** Mails received so far, in order. */
  readonly messages: ParsedMail[];
  /** SMTP envelopes of the received mails, in the same order. */
  readonly envelopes: Array<{ readonly from: string; readonly to: string[] }>;
  /** Resolves once `count` mails have arrived; rejects after `timeoutMs` (default 5 s). */
  waitFor(count: number, timeoutMs?: number): Promise<ParsedMail[]>;
  /** The next `n` mails are refused at MAIL FROM with `451 4.3.0`, a temporary failure. */
  failNext(n: number): void;
  close(): Promise<void>;
};

/** `port`: listen there (a server coming back where one was down); default any free port. */
export async function startSmtpServer(options: { port?: number } = {}): Promise<TestSmtpServer> {
  const messages: ParsedMail[] = [];
  const envelopes: Array<{ from: string; to: string[] }> = [];
  const waiters = new Set<() => void>();
  let failures = 0;

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 200,
    onMailFrom(_address, _session, callback) {
      if (failures > 0) {
        failures -= 1;
        const error: SMTPServerError = new Error('Temporary failure, try again later');
        error.responseCode = 451;
        callback(error);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          messages.push(parsed);
          const from = session.envelope.mailFrom;
          envelopes.push({
            from: from ? from.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
          });
          for (const wake of waiters) wake();
          callback();
        },
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.server.address() as AddressInfo;

  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    envelopes,
    waitFor(count, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (messages.length < count) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(messages.slice(0, count));
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`Expected ${count} mail(s) within ${timeoutMs} ms, received ${messages.length}`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    failNext(n) {
      failures = n;
    },
    close() {
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
