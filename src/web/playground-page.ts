import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { PROJECT_ROOT } from '../project-root.ts';
import { Router, type Response } from 'express';
import { isLang, type Lang, type Localized } from '../domain/lang.ts';
import type { LocalMailbox } from '../mail/transport.ts';
import { html, PRODUCT_NAME, raw } from './html.ts';

/**
 * The Web Chat playground page (`GET /`, English unless `?lang=fr`): the administrator's
 * chat, the staff channel's chat and the local mailbox side by side, so one person can play
 * every role. Web Chat comes from this server (`/webchat/webchat.js`, the installed
 * `botframework-webchat` bundle), never from a CDN; the page's own script is
 * `/playground.js`. The Content-Security-Policy allows scripts from this origin only.
 * Styles may be inline: Web Chat injects its own `<style>` elements.
 */

const UI = {
  title: { en: 'Playground', fr: 'Banc d’essai' },
  intro: {
    en: 'Try the assistant on one page: chat as an organization administrator, decide as staff in the staff channel, and open the emails the assistant sends. Type “help” in either chat.',
    fr: 'Essayez l’assistant sur une seule page : clavardez comme administrateur d’un organisme, décidez comme personnel dans le canal du personnel et ouvrez les courriels envoyés par l’assistant. Tapez « aide » dans l’une ou l’autre des conversations.',
  },
  admin: { en: 'Administrator', fr: 'Administrateur' },
  adminHint: {
    en: 'You, registering your organization and its programs. This browser remembers who you are: reloading the page resumes where you left off.',
    fr: 'Vous, qui inscrivez votre organisme et ses programmes. Ce navigateur se souvient de vous : recharger la page reprend là où vous étiez.',
  },
  adminChat: { en: 'Chat as the administrator', fr: 'Conversation de l’administrateur' },
  newAdmin: { en: 'Start over as a new administrator', fr: 'Recommencer comme nouvel administrateur' },
  staff: { en: 'Staff channel', fr: 'Canal du personnel' },
  staffHint: {
    en: 'Where staff approve, reject or request changes, and publish onboarding sessions. On this page, you are staff too.',
    fr: 'Là où le personnel approuve, refuse ou demande des modifications, et publie les séances d’accueil. Sur cette page, vous faites aussi partie du personnel.',
  },
  staffChat: { en: 'Chat in the staff channel', fr: 'Conversation du canal du personnel' },
  mailbox: { en: 'Mailbox', fr: 'Boîte de réception' },
  mailboxHint: {
    en: 'Emails the assistant sent, newest first. They open in a new tab.',
    fr: 'Courriels envoyés par l’assistant, les plus récents en premier. Ils s’ouvrent dans un nouvel onglet.',
  },
  openMailbox: { en: 'Open the mailbox', fr: 'Ouvrir la boîte de réception' },
  noMailbox: {
    en: 'Emails go to the configured SMTP server.',
    fr: 'Les courriels sont envoyés au serveur SMTP configuré.',
  },
  noMail: { en: 'No email yet.', fr: 'Aucun courriel pour l’instant.' },
  noScript: {
    en: 'The chats need JavaScript. The mailbox works without it.',
    fr: 'Les conversations ont besoin de JavaScript. La boîte de réception fonctionne sans.',
  },
  connectFailed: {
    en: 'Could not connect to the assistant. Reload the page to try again.',
    fr: 'Impossible de joindre l’assistant. Rechargez la page pour réessayer.',
  },
  loading: { en: 'Connecting…', fr: 'Connexion…' },
  otherLanguage: { en: 'Français', fr: 'English' },
  skip: { en: 'Skip to main content', fr: 'Passer au contenu principal' },
} as const satisfies Record<string, Localized>;

/** The Web Chat locale for each page language. */
const WEBCHAT_LOCALE: Record<Lang, string> = { en: 'en-US', fr: 'fr-CA' };


/** By file path: the package's `exports` do not expose `dist/`. */
export const WEBCHAT_BUNDLE = `${PROJECT_ROOT}/node_modules/botframework-webchat/dist/webchat.js`;

function webchatVersion(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(`${PROJECT_ROOT}/node_modules/botframework-webchat/package.json`, 'utf8'));
    const version = typeof pkg === 'object' && pkg !== null ? (pkg as Record<string, unknown>)['version'] : undefined;
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * The page's script. Each pane asks `tokens/generate` for a conversation bound to its user
 * (`staff`, or `dl_admin_<random>` kept in localStorage), lets Web Chat poll it, and sends
 * the join event once connected so the assistant greets. Text comes from `data-` attributes.
 */
export const PLAYGROUND_SCRIPT = `'use strict';
(function () {
  var root = document.getElementById('playground');
  if (!root || !window.WebChat) return;
  var data = root.dataset;
  var KEY = 'onboarding-playground.admin-id';
  var timeZone;
  try { timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { timeZone = undefined; }

  function randomId() {
    var bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }
  function adminId() {
    var id = null;
    try { id = localStorage.getItem(KEY); } catch (e) { id = null; }
    if (!id || !/^dl_admin_[A-Za-z0-9_-]{8,64}$/.test(id)) {
      id = 'dl_admin_' + randomId();
      try { localStorage.setItem(KEY, id); } catch (e) { /* private mode: a new person per load */ }
    }
    return id;
  }
  function fail(el) {
    var p = document.createElement('p');
    p.className = 'chat-error';
    p.setAttribute('role', 'alert');
    p.textContent = data.connectFailed;
    el.replaceChildren(p);
  }
  function start(el, userId) {
    return fetch('/v3/directline/tokens/generate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: { id: userId } })
    }).then(function (res) {
      if (!res.ok) throw new Error('tokens/generate: ' + res.status);
      return res.json();
    }).then(function (conversation) {
      var directLine = window.WebChat.createDirectLine({
        domain: location.origin + '/v3/directline',
        token: conversation.token,
        webSocket: false
      });
      var store = window.WebChat.createStore({}, function (api) {
        return function (next) {
          return function (action) {
            if (action.type === 'DIRECT_LINE/CONNECT_FULFILLED') {
              api.dispatch({ type: 'WEB_CHAT/SEND_EVENT', payload: { name: 'webchat/join', value: { timeZone: timeZone } } });
            }
            return next(action);
          };
        };
      });
      el.replaceChildren();
      window.WebChat.renderWebChat({
        directLine: directLine,
        store: store,
        locale: data.locale,
        styleOptions: { hideUploadButton: true, bubbleMaxWidth: 720, bubbleMinWidth: 0, adaptiveCardsParserMaxVersion: '1.5' }
      }, el);
    }).catch(function () { fail(el); });
  }

  var admin = document.getElementById('admin-chat');
  var staff = document.getElementById('staff-chat');
  if (admin) start(admin, adminId());
  if (staff) start(staff, 'staff');

  var again = document.getElementById('new-admin');
  if (again) again.addEventListener('click', function () {
    try { localStorage.removeItem(KEY); } catch (e) { /* nothing kept */ }
    location.reload();
  });

  var list = document.getElementById('mailbox-list');
  if (list) {
    var lang = document.documentElement.lang === 'fr' ? 'fr' : 'en';
    var last = '';
    var refresh = function () {
      if (document.hidden) return;
      fetch('/playground/mailbox.json').then(function (res) { return res.ok ? res.json() : null; }).then(function (body) {
        if (!body) return;
        var key = JSON.stringify(body.entries);
        if (key === last) return;
        last = key;
        var items = body.entries.map(function (entry) {
          var li = document.createElement('li');
          var a = document.createElement('a');
          a.href = '/mailbox/' + encodeURIComponent(entry.id) + (lang === 'fr' ? '?lang=fr' : '');
          a.target = '_blank';
          a.rel = 'noopener';
          a.textContent = entry.subject || '—';
          var meta = document.createElement('span');
          meta.className = 'hint';
          meta.textContent = entry.to;
          li.append(a, document.createElement('br'), meta);
          return li;
        });
        if (items.length === 0) {
          var empty = document.createElement('li');
          empty.textContent = data.noMail;
          items.push(empty);
        }
        list.replaceChildren.apply(list, items);
      }).catch(function () { /* next time */ });
    };
    refresh();
    setInterval(refresh, 3000);
  }
})();
`;

const SCRIPT_VERSION = createHash('sha256').update(PLAYGROUND_SCRIPT).digest('hex').slice(0, 12);

const CSS = `
*,*::before,*::after{box-sizing:border-box}
html{font-size:100%;-webkit-text-size-adjust:100%}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;font-size:1rem;line-height:1.5;color:#1b1b1b;background:#f4f5f7}
a{color:#0b4f8a;text-decoration:underline;text-underline-offset:.15em}
:focus-visible{outline:3px solid #c25e00;outline-offset:2px}
.skip-link{position:absolute;left:.5rem;top:-3rem;padding:.5rem 1rem;background:#1b1b1b;color:#fff;z-index:10}
.skip-link:focus{top:.5rem;color:#fff}
.site-header{background:#12314f;color:#fff;padding:.75rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;justify-content:space-between}
.site-header .product{font-weight:700;font-size:1.125rem}
.site-header a{color:#fff}
main{display:block;padding:1rem}
main:focus{outline:none}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 .5rem}
h2{font-size:1.25rem;line-height:1.3;margin:0 0 .25rem}
p{margin:0 0 .75rem}
.intro{max-width:60rem}
.panes{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,3fr) minmax(0,2fr);gap:1rem;align-items:start}
.pane{background:#fff;border:1px solid #8a8a8a;padding:.75rem;min-width:0}
.hint{color:#4a4a4a;font-size:.9375rem}
.chat{height:70vh;min-height:26rem;border:1px solid #c4c4c4;background:#fff}
.chat-error{color:#b3261e;font-weight:600;padding:1rem}
.mailbox-list{list-style:none;padding:0;margin:0 0 .75rem;overflow-wrap:anywhere}
.mailbox-list li{padding:.5rem 0;border-bottom:1px solid #d0d0d0}
button{font:inherit;padding:.4rem .8rem;border:2px solid #12314f;background:#fff;color:#12314f;cursor:pointer}
button:hover{background:#eef4fa}
@media (max-width:70rem){.panes{grid-template-columns:minmax(0,1fr) minmax(0,1fr)}.pane-mailbox{grid-column:1 / -1}}
@media (max-width:44rem){.panes{grid-template-columns:minmax(0,1fr)}main{padding:.5rem}.pane{padding:.5rem}.chat{height:75vh;min-height:22rem}}
@media (forced-colors:active){:focus-visible{outline:3px solid CanvasText}}
`;

export function renderPlaygroundPage(lang: Lang, options: { mailbox: boolean; webchatVersion: string }): string {
  const other: Lang = lang === 'en' ? 'fr' : 'en';
  const t = <K extends keyof typeof UI>(key: K): string => UI[key][lang];
  const mailboxPanel = options.mailbox
    ? html`<p class="hint">${t('mailboxHint')}</p>
<ul class="mailbox-list" id="mailbox-list" aria-live="polite" aria-relevant="additions"><li>${t('noMail')}</li></ul>
<p><a href="/mailbox${lang === 'fr' ? '?lang=fr' : ''}" target="_blank" rel="noopener">${t('openMailbox')}</a></p>`
    : html`<p>${t('noMailbox')}</p>`;
  const page = html`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${t('title')} – ${PRODUCT_NAME[lang]}</title>
<style>${raw(CSS)}</style>
</head>
<body>
<a class="skip-link" href="#main">${t('skip')}</a>
<header class="site-header">
<span class="product">${PRODUCT_NAME[lang]}</span>
<a href="/?lang=${other}" lang="${other}" hreflang="${other}">${t('otherLanguage')}</a>
</header>
<main id="main" tabindex="-1">
<h1>${t('title')}</h1>
<p class="intro">${t('intro')}</p>
<noscript><p>${t('noScript')}</p></noscript>
<div class="panes" id="playground" data-locale="${WEBCHAT_LOCALE[lang]}" data-connect-failed="${t('connectFailed')}" data-no-mail="${t('noMail')}">
<section class="pane" aria-labelledby="admin-title">
<h2 id="admin-title">${t('admin')}</h2>
<p class="hint">${t('adminHint')}</p>
<div class="chat" id="admin-chat" role="region" aria-label="${t('adminChat')}"><p class="hint">${t('loading')}</p></div>
<p><button type="button" id="new-admin">${t('newAdmin')}</button></p>
</section>
<section class="pane" aria-labelledby="staff-title">
<h2 id="staff-title">${t('staff')}</h2>
<p class="hint">${t('staffHint')}</p>
<div class="chat" id="staff-chat" role="region" aria-label="${t('staffChat')}"><p class="hint">${t('loading')}</p></div>
</section>
<section class="pane pane-mailbox" aria-labelledby="mailbox-title">
<h2 id="mailbox-title">${t('mailbox')}</h2>
${mailboxPanel}
</section>
</div>
</main>
<script src="/webchat/webchat.js?v=${options.webchatVersion}"></script>
<script src="/playground.js?v=${SCRIPT_VERSION}"></script>
</body>
</html>
`;
  return page.__html;
}

/** Scripts from this origin only; Web Chat's injected styles; nothing framed, no form posts. */
const PAGE_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; media-src 'self' data: blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
};

/** Versioned URLs (`?v=`), so the files can be cached for long. */
const LONG_CACHE = 'public, max-age=31536000, immutable';

export type PlaygroundPageOptions = {
  /** The local mailbox, listed in the third panel; absent when mail goes to SMTP. */
  readonly mailbox?: Pick<LocalMailbox, 'list'> | undefined;
  /** Web Chat's bundle (default: the installed package's `dist/webchat.js`). */
  readonly webchatBundle?: string | undefined;
};

/** `GET /`, `/playground.js`, `/webchat/webchat.js` and `/playground/mailbox.json`. Mount at the root. */
export function playgroundPageRouter(options: PlaygroundPageOptions = {}): Router {
  const router = Router();
  const bundle = options.webchatBundle ?? WEBCHAT_BUNDLE;
  const version = webchatVersion();
  if (!existsSync(bundle)) console.warn(`[playground] Web Chat bundle not found at ${bundle}; the chats will not load`);

  const langOf = (query: unknown): Lang => {
    const value = (query as Record<string, unknown> | undefined)?.['lang'];
    return isLang(value) ? value : 'en';
  };
  const notFound = (res: Response): void => {
    res.status(404).type('text/plain').send('Not found');
  };

  router.get('/', (req, res) => {
    res.set(PAGE_HEADERS).type('html').send(renderPlaygroundPage(langOf(req.query), { mailbox: options.mailbox !== undefined, webchatVersion: version }));
  });

  router.get('/playground.js', (_req, res) => {
    res.set({ 'Cache-Control': LONG_CACHE, 'X-Content-Type-Options': 'nosniff' }).type('text/javascript').send(PLAYGROUND_SCRIPT);
  });

  router.get('/webchat/webchat.js', (_req, res) => {
    res.sendFile(bundle, { headers: { 'Cache-Control': LONG_CACHE, 'X-Content-Type-Options': 'nosniff', 'Content-Type': 'text/javascript; charset=utf-8' }, cacheControl: false }, (error) => {
      if (error && !res.headersSent) notFound(res);
    });
  });

  router.get('/playground/mailbox.json', async (_req, res) => {
    res.set({ 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    if (!options.mailbox) return notFound(res);
    try {
      const entries = (await options.mailbox.list()).slice(0, 10).map((e) => ({ id: e.id, subject: e.subject, to: e.to, date: e.date }));
      res.json({ entries });
    } catch {
      res.status(500).json({ entries: [] });
    }
  });

  return router;
}
