import { wellFormed } from '../domain/clean-text.ts';
import type { Lang, Localized } from '../domain/lang.ts';

/**
 * Safe HTML building. Every value interpolated into the `html` template is escaped
 * unless it is already `SafeHtml`, so a page or an email is built from escaped text and
 * trusted fragments only. Escaping makes a value safe as element text and as a quoted
 * attribute value; a URL placed in `href`/`src` must also pass `safeUrl` (escaping does
 * not stop `javascript:`).
 */

/** A fragment of HTML that is safe to insert as is. Only `html`, `raw` and `join` make one. */
export class SafeHtml {
  readonly __html: string;

  constructor(value: string) {
    this.__html = value;
  }

  toString(): string {
    return this.__html;
  }
}

/** What may be interpolated: text (escaped), trusted fragments, nothing (`null`, `undefined`, `false`), or lists of these. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};


/**
 * Escapes text for use as element content or as a (quoted) attribute value. What a page
 * cannot represent (NUL, lone surrogates, e.g. typed back into a form) becomes U+FFFD, as a
 * browser would read it, so pages stay well-formed whatever a person sent.
 */
export function escapeHtml(value: string): string {
  // HTML cannot carry NUL (U+FFFD, as a browser reads it); lone surrogates become U+FFFD too.
  return wellFormed(value.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c).replaceAll('\u0000', '\ufffd'));
}

function toHtml(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.__html;
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map((v: HtmlValue) => toHtml(v)).join('');
  return escapeHtml(String(value));
}

/** Tagged template: `html\`<p>${name}</p>\`` escapes `name` unless it is `SafeHtml`. */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += toHtml(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** Marks a string as trusted HTML. Only for markup this program wrote itself, never for input. */
export function raw(trusted: string): SafeHtml {
  return new SafeHtml(trusted);
}

/** Joins values (escaping the text ones) with a trusted separator. */
export function join(values: readonly HtmlValue[], separator: SafeHtml | string = ''): SafeHtml {
  const sep = separator instanceof SafeHtml ? separator.__html : escapeHtml(separator);
  return new SafeHtml(values.map((v) => toHtml(v)).join(sep));
}

/** Text with line breaks kept: each line escaped, lines joined with `<br>`. */
export function multiline(text: string): SafeHtml {
  return join(text.split(/\r\n|\r|\n/), raw('<br>'));
}

/**
 * Returns the URL when it is safe to put in `href`: absolute `http:`/`https:`/`mailto:`,
 * or a same-site path (`/x`, not `//host`). Anything else (e.g. `javascript:`) gives `undefined`.
 */
export function safeUrl(url: string): string | undefined {
  const trimmed = url.trim();
  if (/^\/(?![/\\])/.test(trimmed)) return trimmed;
  try {
    const parsed = new URL(trimmed);
    return ['http:', 'https:', 'mailto:'].includes(parsed.protocol) ? trimmed : undefined;
  } catch {
    return undefined;
  }
}

export const PRODUCT_NAME: Localized = { en: 'Onboarding Assistant', fr: "Assistant d'intégration" };

const UI = {
  skip: { en: 'Skip to main content', fr: 'Passer au contenu principal' },
  errorTitle: { en: 'There is a problem', fr: 'Il y a un problème' },
  errorIntro: {
    en: 'Please correct the following:',
    fr: 'Veuillez corriger ce qui suit\u00a0:',
  },
  otherLanguage: { en: 'Français', fr: 'English' },
} as const satisfies Record<string, Localized>;

/** A notice shown at the top of the main content (after a form is saved, for instance). */
export type PageStatus = { readonly kind: 'info' | 'success' | 'error'; readonly message: string | SafeHtml };

export type PageOptions = {
  readonly lang: Lang;
  /** The page's own title; the product name is appended in `<title>`. */
  readonly title: string;
  readonly body: SafeHtml;
  readonly status?: PageStatus | undefined;
  /** The same page in the other language. `label` defaults to "Français"/"English". */
  readonly altLang?: { readonly href: string; readonly label?: string } | undefined;
};

/**
 * Minimal inline CSS: system fonts, dark text on white (contrast above 12:1), underlined
 * links, a thick focus outline on everything focusable, fluid layout down to 320 px.
 */
const CSS = `
*,*::before,*::after{box-sizing:border-box}
html{font-size:100%;-webkit-text-size-adjust:100%}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;font-size:1.0625rem;line-height:1.5;color:#1b1b1b;background:#fff}
a{color:#0b4f8a;text-decoration:underline;text-underline-offset:.15em}
a:visited{color:#5b2b82}
a:hover{color:#062f52;text-decoration-thickness:2px}
:focus-visible{outline:3px solid #c25e00;outline-offset:2px;box-shadow:0 0 0 6px #ffe8a3}
.skip-link{position:absolute;left:.5rem;top:-3rem;padding:.5rem 1rem;background:#1b1b1b;color:#fff;z-index:10}
.skip-link:focus{top:.5rem;color:#fff}
.site-header{background:#12314f;color:#fff;padding:.75rem 1rem}
.site-header .inner{max-width:60rem;margin:0 auto;display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;justify-content:space-between}
.site-header .product{font-weight:700;font-size:1.125rem;color:#fff;text-decoration:none}
.site-header a{color:#fff}
main{display:block;max-width:60rem;margin:0 auto;padding:1.5rem 1rem 3rem}
main:focus{outline:none}
h1{font-size:1.75rem;line-height:1.25;margin:0 0 1rem}
h2{font-size:1.375rem;line-height:1.3;margin:2rem 0 .75rem}
p,ul,ol,dl,table,pre{margin:0 0 1rem}
.status{border-left:.375rem solid #0b4f8a;background:#eef4fa;padding:.75rem 1rem;margin:0 0 1.5rem}
.status-success{border-color:#1d6b2f;background:#edf7ef}
.status-error{border-color:#b3261e;background:#fcefee}
.error-summary{border:.25rem solid #b3261e;padding:1rem;margin:0 0 1.5rem}
.error-summary h2{margin-top:0;font-size:1.25rem}
.error-summary a{color:#b3261e;font-weight:600}
label{display:block;font-weight:600;margin:0 0 .25rem}
.hint{color:#4a4a4a;margin:0 0 .25rem}
.field{margin:0 0 1.25rem}
.field-error{color:#b3261e;font-weight:600;margin:0 0 .25rem}
input,select,textarea{font:inherit;color:inherit;width:100%;max-width:32rem;padding:.5rem;border:2px solid #1b1b1b;border-radius:0;background:#fff}
input[type=checkbox],input[type=radio]{width:1.25rem;height:1.25rem;vertical-align:middle}
[aria-invalid=true]{border-color:#b3261e}
button,.button{font:inherit;font-weight:600;display:inline-block;padding:.6rem 1.2rem;border:2px solid #12314f;background:#12314f;color:#fff;cursor:pointer;text-decoration:none}
button:hover,.button:hover{background:#062f52;color:#fff}
.table-wrap{overflow-x:auto;margin:0 0 1rem}
table{border-collapse:collapse;width:100%}
caption{text-align:left;font-weight:600;padding:0 0 .5rem}
th,td{text-align:left;vertical-align:top;padding:.5rem .75rem;border-bottom:1px solid #8a8a8a}
th{background:#f2f2f2}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
dt{font-weight:600}
dd{margin:0;overflow-wrap:anywhere}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f6f6;border:1px solid #8a8a8a;padding:1rem;font-size:.9375rem}
iframe{width:100%;min-height:28rem;border:1px solid #8a8a8a;background:#fff}
@media (max-width:30rem){dl{grid-template-columns:1fr}dd{margin-bottom:.5rem}h1{font-size:1.5rem}}
@media (forced-colors:active){:focus-visible{outline:3px solid CanvasText}}
`;

/** A complete, accessible page in one language. No script, no external asset. */
export function renderPage(options: PageOptions): string {
  const { lang, title, body, status, altLang } = options;
  const product = PRODUCT_NAME[lang];
  const otherLang: Lang = lang === 'en' ? 'fr' : 'en';
  const altHref = altLang ? safeUrl(altLang.href) : undefined;
  const languageSwitch =
    altLang && altHref
      ? html`<a href="${altHref}" lang="${otherLang}" hreflang="${otherLang}">${altLang.label ?? UI.otherLanguage[lang]}</a>`
      : '';
  const statusBlock = status
    ? html`<div class="status status-${status.kind}" role="${status.kind === 'error' ? 'alert' : 'status'}">${status.message}</div>`
    : '';
  const page = html`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} – ${product}</title>
<style>${raw(CSS)}</style>
</head>
<body>
<a class="skip-link" href="#main">${UI.skip[lang]}</a>
<header class="site-header">
<div class="inner">
<span class="product">${product}</span>
${languageSwitch}
</div>
</header>
<main id="main" tabindex="-1">
${statusBlock}
${body}
</main>
</body>
</html>
`;
  return page.__html;
}

export type FormError = { readonly fieldId: string; readonly message: string | Localized };

/**
 * The error summary shown above a form: announced (`role="alert"`), each message a link
 * to its field (`#fieldId`). Nothing when there is no error.
 */
export function formErrorSummary(errors: readonly FormError[], lang: Lang): SafeHtml {
  if (errors.length === 0) return raw('');
  const items = errors.map(
    (e) => html`<li><a href="#${e.fieldId}">${typeof e.message === 'string' ? e.message : e.message[lang]}</a></li>`,
  );
  return html`<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1">
<h2 id="error-summary-title">${UI.errorTitle[lang]}</h2>
<p>${UI.errorIntro[lang]}</p>
<ul>${items}</ul>
</div>`;
}
