import { Router, type NextFunction, type Request, type Response } from 'express';
import { isLang, type Lang, type Localized } from '../domain/lang.ts';
import type { LocalMailbox, MailboxEntry, MailboxMessage } from '../mail/transport.ts';
import { isMailboxId } from '../mail/transport.ts';
import { html, renderPage, safeUrl, type SafeHtml } from './html.ts';

/**
 * The local mailbox's pages: where mails land when no SMTP server is configured, so a
 * person trying the assistant can open the activation link. Read-only; the HTML of a
 * mail is shown in a sandboxed frame (no script, opaque origin), its links open in a
 * new tab, and the links of the text part are listed as plain anchors.
 */

const UI = {
  mailbox: { en: 'Mailbox', fr: 'Boîte de réception' },
  intro: {
    en: 'Emails the assistant sent while no SMTP server is configured, newest first.',
    fr: 'Courriels envoyés par l’assistant lorsqu’aucun serveur SMTP n’est configuré, les plus récents en premier.',
  },
  empty: { en: 'No email yet.', fr: 'Aucun courriel pour l’instant.' },
  date: { en: 'Date', fr: 'Date' },
  from: { en: 'From', fr: 'De' },
  to: { en: 'To', fr: 'À' },
  subject: { en: 'Subject', fr: 'Objet' },
  messageId: { en: 'Message-ID', fr: 'Message-ID' },
  noSubject: { en: '(no subject)', fr: '(sans objet)' },
  back: { en: 'Back to the mailbox', fr: 'Retour à la boîte de réception' },
  links: { en: 'Links in this email', fr: 'Liens dans ce courriel' },
  htmlVersion: { en: 'HTML version', fr: 'Version HTML' },
  htmlFrameTitle: { en: 'HTML version of the email', fr: 'Version HTML du courriel' },
  textVersion: { en: 'Text version', fr: 'Version texte' },
  notFound: { en: 'Email not found', fr: 'Courriel introuvable' },
  notFoundBody: {
    en: 'There is no email with this address in the mailbox. It may have been removed.',
    fr: 'Aucun courriel ne correspond à cette adresse dans la boîte de réception. Il a peut-être été supprimé.',
  },
} as const satisfies Record<string, Localized>;

export type MailboxPageOptions = {
  /** IANA zone for the dates shown; the server's zone when not set. */
  readonly timeZone?: string | undefined;
};

const LOCALE: Record<Lang, string> = { en: 'en-CA', fr: 'fr-CA' };

function count(n: number, lang: Lang): string {
  if (lang === 'fr') return n <= 1 ? `${n} courriel` : `${n} courriels`;
  return n === 1 ? '1 email' : `${n} emails`;
}

function withLang(href: string, lang: Lang): string {
  return lang === 'fr' ? `${href}?lang=fr` : href;
}

function otherLang(lang: Lang): Lang {
  return lang === 'en' ? 'fr' : 'en';
}

function formatDate(iso: string, lang: Lang, timeZone: string | undefined): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  try {
    return new Intl.DateTimeFormat(LOCALE[lang], { dateStyle: 'medium', timeStyle: 'medium', timeZone }).format(date);
  } catch {
    return date.toISOString();
  }
}

function sender(entry: MailboxEntry): SafeHtml {
  return entry.from.name
    ? html`${entry.from.name} <span class="hint">&lt;${entry.from.address}&gt;</span>`
    : html`${entry.from.address}`;
}

function messageHref(id: string, lang: Lang): string {
  return withLang(`/mailbox/${encodeURIComponent(id)}`, lang);
}

export function renderMailboxList(entries: readonly MailboxEntry[], lang: Lang, options: MailboxPageOptions = {}): string {
  const rows = entries.map(
    (e) => html`<tr>
<td>${formatDate(e.date, lang, options.timeZone)}</td>
<td>${sender(e)}</td>
<td>${e.to}</td>
<td><a href="${messageHref(e.id, lang)}">${e.subject || UI.noSubject[lang]}</a></td>
</tr>`,
  );
  const table =
    entries.length === 0
      ? html`<p>${UI.empty[lang]}</p>`
      : html`<div class="table-wrap"><table>
<caption>${count(entries.length, lang)}</caption>
<thead><tr><th scope="col">${UI.date[lang]}</th><th scope="col">${UI.from[lang]}</th><th scope="col">${UI.to[lang]}</th><th scope="col">${UI.subject[lang]}</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>`;
  return renderPage({
    lang,
    title: UI.mailbox[lang],
    altLang: { href: withLang('/mailbox', otherLang(lang)) },
    body: html`<h1>${UI.mailbox[lang]}</h1>
<p>${UI.intro[lang]}</p>
${table}`,
  });
}

/** The http(s) URLs of a text, in order, without duplicates or trailing punctuation. */
export function linksInText(text: string): string[] {
  const found = new Set<string>();
  for (const match of text.matchAll(/https?:\/\/[^\s<>"'`]+/g)) {
    const url = match[0].replace(/[.,;:!?)\]}»]+$/, '');
    if (safeUrl(url)) found.add(url);
  }
  return [...found];
}

/** The mail's HTML for `srcdoc`: links open in a new tab rather than inside the frame. */
function frameDocument(mailHtml: string): string {
  const base = '<base target="_blank">';
  const head = /<head(\s[^>]*)?>/i.exec(mailHtml);
  if (!head) return base + mailHtml;
  const at = head.index + head[0].length;
  return mailHtml.slice(0, at) + base + mailHtml.slice(at);
}

export function renderMailboxMessage(message: MailboxMessage, lang: Lang, options: MailboxPageOptions = {}): string {
  const subject = message.subject || UI.noSubject[lang];
  const links = linksInText(message.text);
  const linkList =
    links.length === 0
      ? ''
      : html`<h2 id="links">${UI.links[lang]}</h2>
<ul>${links.map((url) => html`<li><a href="${url}">${url}</a></li>`)}</ul>`;
  return renderPage({
    lang,
    title: subject,
    altLang: { href: messageHref(message.id, otherLang(lang)) },
    body: html`<p><a href="${withLang('/mailbox', lang)}">${UI.back[lang]}</a></p>
<h1>${subject}</h1>
<dl>
<dt>${UI.from[lang]}</dt><dd>${sender(message)}</dd>
<dt>${UI.to[lang]}</dt><dd>${message.to}</dd>
<dt>${UI.date[lang]}</dt><dd>${formatDate(message.date, lang, options.timeZone)}</dd>
<dt>${UI.messageId[lang]}</dt><dd>${message.messageId}</dd>
</dl>
${linkList}
<h2>${UI.htmlVersion[lang]}</h2>
<iframe title="${UI.htmlFrameTitle[lang]}" sandbox="allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation" referrerpolicy="no-referrer" srcdoc="${frameDocument(message.html)}"></iframe>
<h2>${UI.textVersion[lang]}</h2>
<pre>${message.text}</pre>`,
  });
}

export function renderMailboxNotFound(lang: Lang): string {
  return renderPage({
    lang,
    title: UI.notFound[lang],
    altLang: { href: withLang('/mailbox', otherLang(lang)) },
    body: html`<h1>${UI.notFound[lang]}</h1>
<p>${UI.notFoundBody[lang]}</p>
<p><a href="${withLang('/mailbox', lang)}">${UI.back[lang]}</a></p>`,
  });
}

/**
 * Inline styles only (also inherited by the `srcdoc` frame), no script, no plugin, not
 * framable, no form, no referrer (activation links carry tokens).
 */
const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
};

function send(res: Response, status: number, page: string): void {
  res.status(status).set(SECURITY_HEADERS).type('html').send(page);
}

/**
 * `GET /mailbox` and `GET /mailbox/:id`, English unless `?lang=fr`. Mount at the root.
 * Takes anything that can list and read mails, so it does not care where they are kept.
 */
export function mailboxRouter(
  mailbox: Pick<LocalMailbox, 'list' | 'read'>,
  options: MailboxPageOptions = {},
): Router {
  const router = Router();
  const langOf = (query: unknown): Lang => {
    const value = (query as Record<string, unknown> | undefined)?.['lang'];
    return isLang(value) ? value : 'en';
  };

  router.get('/mailbox', async (req, res) => {
    const lang = langOf(req.query);
    send(res, 200, renderMailboxList(await mailbox.list(), lang, options));
  });

  router.get('/mailbox/:id', async (req, res) => {
    const lang = langOf(req.query);
    const id = req.params.id;
    const message = isMailboxId(id) ? await mailbox.read(id) : null;
    if (!message) {
      send(res, 404, renderMailboxNotFound(lang));
      return;
    }
    send(res, 200, renderMailboxMessage(message, lang, options));
  });

  // An id Express cannot decode (`%ED%A0%80`, a lone surrogate) names no mail: answer as for
  // any unknown id rather than with Express's default page, which shows a stack trace.
  router.use('/mailbox', (error: unknown, req: Request, res: Response, next: NextFunction) => {
    const status = typeof error === 'object' && error !== null && 'status' in error ? error.status : undefined;
    if (status !== 400 || res.headersSent) return next(error);
    send(res, 404, renderMailboxNotFound(langOf(req.query)));
  });

  return router;
}
