import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createTransport } from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { MailComposerOptions } from 'nodemailer/lib/mail-composer';

/**
 * Where rendered emails go. The outbox worker calls `send` once per attempt; a failed
 * delivery rejects, and the outbox retries later with the same `messageId`, so the
 * receiving side can recognise a duplicate. Two implementations: SMTP (nodemailer) and
 * a local mailbox folder that the `/mailbox` pages show, for development and demos.
 */

export type MailAddress = { readonly name: string; readonly address: string };

export type OutgoingMail = {
  readonly from: MailAddress;
  /** Recipient address. */
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /**
   * Deterministic Message-ID chosen by the caller (e.g. from the outbox row id), so a
   * retried delivery carries the same one. Angle brackets are added when missing.
   */
  readonly messageId: string;
  /** Extra headers. Names must be plain header names; values are kept to one line. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * A calendar invitation: sent as a `text/calendar; method=…` alternative (what makes
   * mail clients offer "add to calendar") and as an .ics attachment (nodemailer's `icalEvent`).
   */
  readonly icalEvent?: OutgoingCalendar;
  /** Files attached as they are (content in memory: the transport never reads paths or URLs). */
  readonly attachments?: readonly OutgoingAttachment[];
};

export type OutgoingCalendar = {
  /** iTIP method, matching the calendar's METHOD (`REQUEST`, `CANCEL`). */
  readonly method: string;
  /** Default `invite.ics`. */
  readonly filename?: string;
  /** The iCalendar text. */
  readonly content: string;
};

export type OutgoingAttachment = {
  readonly filename: string;
  readonly content: string;
  readonly contentType: string;
};

export interface MailTransport {
  /** Resolves once the mail is accepted (by the SMTP server, or written to the mailbox); rejects otherwise. */
  send(mail: OutgoingMail): Promise<void>;
  close(): Promise<void>;
}

export type SmtpMailTransport = MailTransport & { readonly kind: 'smtp' };

/** A mail as listed in the local mailbox. */
export type MailboxEntry = {
  /** File-safe id derived from the Message-ID. */
  readonly id: string;
  readonly messageId: string;
  /** When the mail was written (ISO 8601). */
  readonly date: string;
  readonly from: MailAddress;
  readonly to: string;
  readonly subject: string;
};

export type MailboxMessage = MailboxEntry & {
  readonly text: string;
  readonly html: string;
  readonly headers: Readonly<Record<string, string>>;
};

export type LocalMailbox = MailTransport & {
  readonly kind: 'mailbox';
  readonly dir: string;
  /** Every mail, newest first. */
  list(): Promise<MailboxEntry[]>;
  /** One mail, or `null` when there is none with this id. Rejects a malformed id (path traversal). */
  read(id: string): Promise<MailboxMessage | null>;
};

export class MailboxIdError extends Error {
  override readonly name = 'MailboxIdError';
  readonly code = 'invalid_mailbox_id';
}

/** Parses `MAIL_FROM`: `Name <address>` or a bare address. Throws when there is no usable address. */
export function parseMailFrom(mailFrom: string): MailAddress {
  const [first] = addressparser(mailFrom, { flatten: true });
  const address = first?.address.trim() ?? '';
  if (!/^[^\s@<>]+@[^\s@<>]+$/.test(address)) {
    throw new Error(`Not an email address: "${mailFrom}" (expected "Name <address@example.org>" or "address@example.org")`);
  }
  return { name: oneLine(first?.name ?? ''), address };
}

/** `<id@host>` form, with control characters removed. */
export function normalizeMessageId(messageId: string): string {
  const bare = oneLine(messageId).replace(/^<+|>+$/g, '').replace(/[<>\s]/g, '');
  if (!bare) throw new Error('messageId is empty');
  return `<${bare}>`;
}

/**
 * The mailbox id of a Message-ID: a readable slug plus a hash of the whole id, so ids
 * are unique, deterministic (a resend overwrites) and safe as a file name and URL segment.
 */
export function mailboxId(messageId: string): string {
  const normalized = normalizeMessageId(messageId);
  const hash = createHash('sha256').update(normalized).digest('hex').slice(0, 12);
  const slug = normalized
    .slice(1, -1)
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 60)
    .replace(/[-.]+$/, '');
  return slug ? `${slug}-${hash}` : hash;
}

const MAILBOX_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Whether `id` has the shape of a mailbox id (no slash, no leading dot: cannot leave the folder). */
export function isMailboxId(id: string): boolean {
  return MAILBOX_ID.test(id);
}

function oneLine(value: string): string {
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  return value.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
}

function cleanHeaders(headers: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (/^[A-Za-z0-9][A-Za-z0-9-]*$/.test(name)) out[name] = oneLine(value);
  }
  return out;
}

/** The nodemailer message for an outgoing mail; shared by SMTP and the mailbox's `.eml`. */
function toNodemailer(mail: OutgoingMail, date?: Date): MailComposerOptions {
  return {
    from: { name: oneLine(mail.from.name), address: mail.from.address },
    to: mail.to,
    subject: oneLine(mail.subject),
    text: mail.text,
    html: mail.html,
    messageId: normalizeMessageId(mail.messageId),
    headers: cleanHeaders(mail.headers),
    ...(mail.icalEvent ? { icalEvent: { method: mail.icalEvent.method, filename: mail.icalEvent.filename ?? 'invite.ics', content: mail.icalEvent.content } } : {}),
    ...(mail.attachments?.length
      ? { attachments: mail.attachments.map((a) => ({ filename: a.filename, content: a.content, contentType: a.contentType })) }
      : {}),
    ...(date ? { date } : {}),
    xMailer: false,
    // The content is ours; never let a message make nodemailer read files or fetch URLs.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

export type SmtpOptions = {
  /** Default 10 s. */
  readonly connectionTimeoutMs?: number;
  /** Inactivity allowed on an open connection. Default 20 s. */
  readonly socketTimeoutMs?: number;
};

/**
 * SMTP through nodemailer, one connection per mail (the outbox sends few). Errors are
 * nodemailer's, rejected as is: `responseCode` and `permanent` (5xx) tell the outbox
 * whether a retry can help.
 */
export function createSmtpTransport(smtpUrl: string, options: SmtpOptions = {}): SmtpMailTransport {
  const connectionTimeout = options.connectionTimeoutMs ?? 10_000;
  const transporter = createTransport({
    url: smtpUrl,
    connectionTimeout,
    greetingTimeout: connectionTimeout,
    socketTimeout: options.socketTimeoutMs ?? 20_000,
  });
  return {
    kind: 'smtp',
    async send(mail) {
      await transporter.sendMail(toNodemailer(mail));
    },
    async close() {
      transporter.close();
    },
  };
}

type StoredMail = MailboxMessage & { readonly version: 1 };

function isStoredMail(value: unknown): value is StoredMail {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const from = v['from'] as Record<string, unknown> | null | undefined;
  return (
    v['version'] === 1 &&
    ['id', 'messageId', 'date', 'to', 'subject', 'text', 'html'].every((k) => typeof v[k] === 'string') &&
    typeof from === 'object' &&
    from !== null &&
    typeof from['name'] === 'string' &&
    typeof from['address'] === 'string' &&
    typeof v['headers'] === 'object' &&
    v['headers'] !== null
  );
}

export type LocalMailboxOptions = {
  /** The clock, for the date of each mail. */
  readonly now?: () => Date;
};

/**
 * A folder of mails: `<id>.json` (what the pages show) and `<id>.eml` (the same mail as
 * nodemailer would send it, to open in a mail client). Files are written to a temporary
 * name and renamed, so a reader never sees half a mail.
 */
export function createLocalMailbox(dir: string, options: LocalMailboxOptions = {}): LocalMailbox {
  const root = path.resolve(dir);
  const now = options.now ?? (() => new Date());

  const fileOf = (id: string, ext: 'json' | 'eml'): string => {
    if (!isMailboxId(id)) throw new MailboxIdError(`Invalid mailbox id: ${JSON.stringify(id)}`);
    const file = path.join(root, `${id}.${ext}`);
    if (path.dirname(file) !== root) throw new MailboxIdError(`Invalid mailbox id: ${JSON.stringify(id)}`);
    return file;
  };

  const writeAtomically = async (file: string, data: string | Buffer): Promise<void> => {
    const tmp = path.join(root, `.${randomUUID()}.tmp`);
    try {
      await writeFile(tmp, data);
      await rename(tmp, file);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  };

  const readStored = async (file: string): Promise<StoredMail | null> => {
    let content: string;
    try {
      content = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    try {
      const parsed: unknown = JSON.parse(content);
      return isStoredMail(parsed) ? parsed : null;
    } catch {
      return null;
    }
  };

  return {
    kind: 'mailbox',
    dir: root,
    async send(mail) {
      await mkdir(root, { recursive: true });
      const date = now();
      const messageId = normalizeMessageId(mail.messageId);
      const id = mailboxId(messageId);
      const eml = await new MailComposer(toNodemailer(mail, date)).compile().build();
      const stored: StoredMail = {
        version: 1,
        id,
        messageId,
        date: date.toISOString(),
        from: { name: oneLine(mail.from.name), address: mail.from.address },
        to: mail.to,
        subject: oneLine(mail.subject),
        text: mail.text,
        html: mail.html,
        headers: cleanHeaders(mail.headers),
      };
      await writeAtomically(fileOf(id, 'eml'), eml);
      await writeAtomically(fileOf(id, 'json'), `${JSON.stringify(stored, null, 2)}\n`);
    },
    async close() {},
    async list() {
      let files: string[];
      try {
        files = await readdir(root);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
      const names = files.filter((n) => n.endsWith('.json') && isMailboxId(n.slice(0, -5)));
      const mails = await Promise.all(names.map((n) => readStored(path.join(root, n))));
      return mails
        .filter((m): m is StoredMail => m !== null)
        .map(({ id, messageId, date, from, to, subject }) => ({ id, messageId, date, from, to, subject }))
        .sort((a, b) => (a.date === b.date ? a.id.localeCompare(b.id) : a.date < b.date ? 1 : -1));
    },
    async read(id) {
      const file = fileOf(id, 'json');
      const stored = await readStored(file);
      if (!stored) return null;
      const { version: _version, ...message } = stored;
      return message;
    },
  };
}

/** SMTP when `smtpUrl` is set, otherwise the local mailbox in `mailboxDir`. */
export function createMailTransport(options: {
  readonly smtpUrl?: string | undefined;
  readonly mailboxDir: string;
}): SmtpMailTransport | LocalMailbox {
  return options.smtpUrl ? createSmtpTransport(options.smtpUrl) : createLocalMailbox(options.mailboxDir);
}
