import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { isLang, type Lang, type Localized } from '../domain/lang.ts';
import { PASSWORD_RULE_HINT, checkPasswordStrength } from '../core/passwords.ts';
import { formErrorSummary, html, raw, renderPage, type FormError, type SafeHtml } from './html.ts';
import {
  TERMS_OF_USE,
  TEXT,
  activationDone,
  activationIntro,
  platformDone,
  platformIntro,
} from './registration-text.ts';

/**
 * The two pages people reach from an emailed link:
 *
 * - `GET|POST /activate?token=…` — step 1: the organization's designated administrator
 *   confirms their email, creates a password and accepts the Terms of Use.
 * - `GET|POST /platform/register?token=…` — step 4: the program administrator signs in
 *   with the emailed username and temporary password and sets a new password.
 *
 * The pages only translate between HTML forms and `RegistrationDeps`; checking the token
 * (signature, expiry, single use) and every business rule live behind that interface.
 * The one rule checked here is that the two copies of a new password match, since the
 * service never sees the copy. Forms are protected by a signed double-submit cookie
 * (`oa_csrf`) bound to the link token; a POST that fails the check calls nothing.
 */

export type TokenProblem = 'invalid' | 'expired' | 'used';

export interface RegistrationDeps {
  lookupActivation(
    token: string,
  ): Promise<
    | { ok: true; lang: Lang; email: string; name: string; organizationName: string }
    | { ok: false; reason: TokenProblem; lang?: Lang }
  >;
  completeActivation(
    token: string,
    input: { email: string; password: string; acceptTerms: boolean },
  ): Promise<
    | { ok: true; lang: Lang; organizationName: string }
    | { ok: false; reason: TokenProblem }
    | { ok: false; reason: 'validation'; errors: Record<'email' | 'password' | 'acceptTerms', Localized | undefined> }
  >;
  lookupPlatformRegistration(
    token: string,
  ): Promise<{ ok: true; lang: Lang; programName: string; username: string } | { ok: false; reason: TokenProblem; lang?: Lang }>;
  completePlatformRegistration(
    token: string,
    input: { username: string; temporaryPassword: string; newPassword: string },
  ): Promise<
    | { ok: true; lang: Lang; programName: string }
    | { ok: false; reason: TokenProblem }
    | {
        ok: false;
        reason: 'validation';
        errors: Record<'username' | 'temporaryPassword' | 'newPassword', Localized | undefined>;
      }
  >;
}

export type RegistrationOptions = {
  /** Signs the CSRF field. At least 16 characters; may be the link secret (the inputs are prefixed differently). */
  readonly csrfSecret: string;
  /** Adds `Secure` to the CSRF cookie; true whenever the public URL is https. */
  readonly secureCookies: boolean;
};

export const CSRF_COOKIE = 'oa_csrf';
/** 32 random bytes in base64url. */
const CSRF_COOKIE_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const MAX_TOKEN_LENGTH = 512;

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  // The link token is in the URL: never leak it to another site.
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'X-Robots-Tag': 'noindex, nofollow',
};

type Flow = 'activation' | 'platform';
const FLOW_PATH: Record<Flow, string> = { activation: '/activate', platform: '/platform/register' };

// ---------------------------------------------------------------------------------
// Request helpers

/** The value of one cookie from the `Cookie` header (the first one with that name). */
function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      return decodeURIComponent(value);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The most preferred of English and French in an `Accept-Language` header, if either is there. */
export function langFromAcceptLanguage(header: string | undefined): Lang | undefined {
  if (!header) return undefined;
  let best: { lang: Lang; q: number } | undefined;
  for (const entry of header.split(',').slice(0, 32)) {
    const [tag = '', ...params] = entry.split(';');
    const range = tag.trim().toLowerCase();
    const lang: Lang | undefined =
      range === 'fr' || range.startsWith('fr-') ? 'fr' : range === 'en' || range.startsWith('en-') ? 'en' : undefined;
    if (!lang) continue;
    let q = 1;
    for (const param of params) {
      const match = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(param);
      if (match) q = Number(match[1]);
    }
    if (q > 0 && (!best || q > best.q)) best = { lang, q };
  }
  return best?.lang;
}

/** `?lang=` / body `lang` first, then the language on record, then the browser's. */
function chooseLang(req: Request, override: Lang | undefined, recorded?: Lang): Lang {
  return override ?? recorded ?? langFromAcceptLanguage(req.get('accept-language')) ?? 'en';
}

function langParam(value: unknown): Lang | undefined {
  return isLang(value) ? value : undefined;
}

function tokenParam(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_TOKEN_LENGTH ? value : undefined;
}

type FormBody = Readonly<Record<string, unknown>>;

function formBody(req: Request): FormBody {
  const body: unknown = req.body;
  return typeof body === 'object' && body !== null ? (body as FormBody) : {};
}

/** A text field from the body; anything else (missing, repeated) reads as empty. */
function text(body: FormBody, name: string): string {
  const value = body[name];
  return typeof value === 'string' ? value : '';
}

// ---------------------------------------------------------------------------------
// Rendering helpers

type FieldView = {
  readonly id: string;
  readonly label: string;
  readonly type: 'email' | 'text' | 'password';
  readonly autocomplete: string;
  readonly value?: string | undefined;
  readonly hint?: string | undefined;
  readonly error?: string | undefined;
};

function inputField(field: FieldView): SafeHtml {
  const { id, error, hint } = field;
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return html`<div class="field">
<label for="${id}">${field.label}</label>
${hint ? html`<p class="hint" id="${id}-hint">${hint}</p>` : ''}
${error ? html`<p class="field-error" id="${id}-error">${error}</p>` : ''}
<input id="${id}" name="${id}" type="${field.type}" autocomplete="${field.autocomplete}"${
    field.value !== undefined ? html` value="${field.value}"` : ''
  } required${describedBy ? html` aria-describedby="${describedBy}"` : ''}${error ? raw(' aria-invalid="true"') : ''}${
    field.type === 'password' ? '' : raw(' spellcheck="false" autocapitalize="none"')
  }>
</div>`;
}

function hiddenFields(values: { token: string; csrf: string; lang: Lang }): SafeHtml {
  return html`<input type="hidden" name="token" value="${values.token}">
<input type="hidden" name="csrf" value="${values.csrf}">
<input type="hidden" name="lang" value="${values.lang}">`;
}

/**
 * The shared error summary, with `autofocus` added so keyboard and screen-reader users
 * land on it when the page comes back with errors (the pages run no script). The
 * attribute is inserted into markup `formErrorSummary` produced, never into input.
 */
function focusedErrorSummary(errors: readonly FormError[], lang: Lang): SafeHtml {
  const summary = formErrorSummary(errors, lang).toString();
  return raw(summary.replace('<div class="error-summary"', '<div class="error-summary" autofocus'));
}

/** The errors present, in the order the fields appear on the page. */
function errorList<F extends string>(order: readonly F[], errors: Partial<Record<F, Localized | undefined>>): FormError[] {
  const list: FormError[] = [];
  for (const fieldId of order) {
    const message = errors[fieldId];
    if (message) list.push({ fieldId, message });
  }
  return list;
}

function linkTo(base: string, flow: Flow, token: string | undefined, lang: Lang): string {
  const query = token === undefined ? `lang=${lang}` : `token=${encodeURIComponent(token)}&lang=${lang}`;
  return `${base}${FLOW_PATH[flow]}?${query}`;
}

const other = (lang: Lang): Lang => (lang === 'en' ? 'fr' : 'en');

function sendPage(
  res: Response,
  status: number,
  page: { lang: Lang; title: string; body: SafeHtml; altHref?: string | undefined },
): void {
  res
    .status(status)
    .type('html')
    .send(renderPage({ lang: page.lang, title: page.title, body: page.body, altLang: page.altHref ? { href: page.altHref } : undefined }));
}

function askNewLink(lang: Lang): SafeHtml {
  return html`<p>${TEXT.askNewLinkBefore[lang]}<code>status</code>${TEXT.askNewLinkAfter[lang]}</p>`;
}

const PROBLEM_STATUS: Record<TokenProblem, number> = { invalid: 400, expired: 410, used: 410 };

function sendTokenProblem(res: Response, reason: TokenProblem, lang: Lang, at: { base: string; flow: Flow; token: string | undefined }): void {
  const words = {
    invalid: { title: TEXT.invalidTitle, body: TEXT.invalidBody },
    expired: { title: TEXT.expiredTitle, body: TEXT.expiredBody },
    used: { title: TEXT.usedTitle, body: TEXT.usedBody },
  }[reason];
  sendPage(res, PROBLEM_STATUS[reason], {
    lang,
    title: words.title[lang],
    altHref: linkTo(at.base, at.flow, at.token, other(lang)),
    body: html`<h1>${words.title[lang]}</h1>
<p>${words.body[lang]}</p>
<p>${TEXT.nothingChanged[lang]}</p>
${askNewLink(lang)}`,
  });
}

function sendCsrfProblem(res: Response, lang: Lang, at: { base: string; flow: Flow; token: string | undefined }): void {
  const next =
    at.token === undefined
      ? html`<p>${TEXT.reopenFromEmail[lang]}</p>`
      : html`<p>${TEXT.csrfAction[lang]}</p>
<p><a href="${linkTo(at.base, at.flow, at.token, lang)}">${TEXT.reopenForm[lang]}</a></p>`;
  sendPage(res, 403, {
    lang,
    title: TEXT.csrfTitle[lang],
    body: html`<h1>${TEXT.csrfTitle[lang]}</h1>
<p>${TEXT.csrfBody[lang]}</p>
${next}`,
  });
}

function pageTitle(title: string, hasErrors: boolean, lang: Lang): string {
  return hasErrors ? `${TEXT.errorTitlePrefix[lang]}${title}` : title;
}

// ---------------------------------------------------------------------------------
// Activation (step 1)

const ACTIVATION_FIELDS = ['email', 'password', 'passwordConfirm', 'acceptTerms'] as const;
type ActivationField = (typeof ACTIVATION_FIELDS)[number];

type ActivationView = {
  readonly lang: Lang;
  readonly base: string;
  readonly token: string;
  readonly csrf: string;
  readonly name: string;
  readonly organizationName: string;
  readonly values: { readonly email: string; readonly acceptTerms: boolean };
  readonly errors: Partial<Record<ActivationField, Localized | undefined>>;
};

function termsOfUse(lang: Lang): SafeHtml {
  const sections = TERMS_OF_USE.map((s) => html`<h3>${s.title[lang]}</h3>
<p>${s.body[lang]}</p>`);
  return html`<h2 id="terms-title">${TEXT.termsTitle[lang]}</h2>
<p class="hint" id="terms-hint">${TEXT.termsHint[lang]}</p>
<div id="terms" role="region" aria-labelledby="terms-title" aria-describedby="terms-hint" tabindex="0" style="max-height:16rem;overflow-y:auto;border:2px solid #8a8a8a;padding:0 1rem;margin:0 0 1.25rem;max-width:40rem">
${sections}
</div>`;
}

function sendActivationForm(res: Response, status: number, view: ActivationView): void {
  const { lang, errors } = view;
  const list = errorList(ACTIVATION_FIELDS, errors);
  const termsError = errors.acceptTerms?.[lang];
  const body = html`<h1>${TEXT.activationTitle[lang]}</h1>
${focusedErrorSummary(list, lang)}
<p>${activationIntro(view.name, view.organizationName)[lang]}</p>
<form method="post" action="${view.base}${FLOW_PATH.activation}" novalidate>
${hiddenFields(view)}
${inputField({
  id: 'email',
  label: TEXT.emailLabel[lang],
  type: 'email',
  autocomplete: 'email',
  value: view.values.email,
  hint: TEXT.emailHint[lang],
  error: errors.email?.[lang],
})}
${inputField({
  id: 'password',
  label: TEXT.passwordLabel[lang],
  type: 'password',
  autocomplete: 'new-password',
  hint: PASSWORD_RULE_HINT[lang],
  error: errors.password?.[lang],
})}
${inputField({
  id: 'passwordConfirm',
  label: TEXT.passwordConfirmLabel[lang],
  type: 'password',
  autocomplete: 'new-password',
  hint: TEXT.passwordConfirmHint[lang],
  error: errors.passwordConfirm?.[lang],
})}
${termsOfUse(lang)}
<div class="field">
${termsError ? html`<p class="field-error" id="acceptTerms-error">${termsError}</p>` : ''}
<input type="checkbox" id="acceptTerms" name="acceptTerms" value="yes" required${view.values.acceptTerms ? raw(' checked') : ''}${
    termsError ? raw(' aria-describedby="acceptTerms-error" aria-invalid="true"') : ''
  }>
<label for="acceptTerms" style="display:inline;margin-left:.5rem">${TEXT.acceptTermsLabel[lang]}</label>
</div>
<button type="submit">${TEXT.continue[lang]}</button>
</form>`;
  sendPage(res, status, {
    lang,
    title: pageTitle(TEXT.activationTitle[lang], list.length > 0, lang),
    altHref: linkTo(view.base, 'activation', view.token, other(lang)),
    body,
  });
}

// ---------------------------------------------------------------------------------
// Platform registration (step 4)

const PLATFORM_FIELDS = ['username', 'temporaryPassword', 'newPassword', 'newPasswordConfirm'] as const;
type PlatformField = (typeof PLATFORM_FIELDS)[number];

type PlatformView = {
  readonly lang: Lang;
  readonly base: string;
  readonly token: string;
  readonly csrf: string;
  readonly programName: string;
  readonly values: { readonly username: string };
  readonly errors: Partial<Record<PlatformField, Localized | undefined>>;
};

const FIELDSET_STYLE = 'border:0;padding:0;margin:0 0 1.5rem;min-width:0';
const LEGEND_STYLE = 'font-size:1.375rem;font-weight:700;line-height:1.3;padding:0;margin:0 0 .75rem';

function sendPlatformForm(res: Response, status: number, view: PlatformView): void {
  const { lang, errors } = view;
  const list = errorList(PLATFORM_FIELDS, errors);
  const body = html`<h1>${TEXT.platformTitle[lang]}</h1>
${focusedErrorSummary(list, lang)}
<p>${platformIntro(view.programName)[lang]}</p>
<form method="post" action="${view.base}${FLOW_PATH.platform}" novalidate>
${hiddenFields(view)}
<fieldset style="${FIELDSET_STYLE}">
<legend style="${LEGEND_STYLE}">${TEXT.signInLegend[lang]}</legend>
${inputField({
  id: 'username',
  label: TEXT.usernameLabel[lang],
  type: 'text',
  autocomplete: 'username',
  value: view.values.username,
  error: errors.username?.[lang],
})}
${inputField({
  id: 'temporaryPassword',
  label: TEXT.temporaryPasswordLabel[lang],
  type: 'password',
  autocomplete: 'current-password',
  hint: TEXT.temporaryPasswordHint[lang],
  error: errors.temporaryPassword?.[lang],
})}
</fieldset>
<fieldset style="${FIELDSET_STYLE}">
<legend style="${LEGEND_STYLE}">${TEXT.newPasswordLegend[lang]}</legend>
${inputField({
  id: 'newPassword',
  label: TEXT.newPasswordLabel[lang],
  type: 'password',
  autocomplete: 'new-password',
  hint: PASSWORD_RULE_HINT[lang],
  error: errors.newPassword?.[lang],
})}
${inputField({
  id: 'newPasswordConfirm',
  label: TEXT.newPasswordConfirmLabel[lang],
  type: 'password',
  autocomplete: 'new-password',
  hint: TEXT.passwordConfirmHint[lang],
  error: errors.newPasswordConfirm?.[lang],
})}
</fieldset>
<button type="submit">${TEXT.saveChanges[lang]}</button>
</form>`;
  sendPage(res, status, {
    lang,
    title: pageTitle(TEXT.platformTitle[lang], list.length > 0, lang),
    altHref: linkTo(view.base, 'platform', view.token, other(lang)),
    body,
  });
}

// ---------------------------------------------------------------------------------
// Router

/** Validation errors re-render the form with this status. */
const INVALID_FORM = 422;

export function registrationRouter(deps: RegistrationDeps, options: RegistrationOptions): Router {
  if (options.csrfSecret.length < 16) throw new Error('registrationRouter: csrfSecret must be at least 16 characters long.');
  const { csrfSecret, secureCookies } = options;
  const router = express.Router();

  /** HMAC(csrfSecret, cookie + token); the cookie has a fixed length, so the concatenation is unambiguous. */
  const csrfFieldFor = (cookie: string, token: string): string =>
    createHmac('sha256', csrfSecret).update(`csrf:${cookie}${token}`, 'utf8').digest('base64url');

  /** Sets (or refreshes) the CSRF cookie and returns the hidden-field value for this token. */
  function issueCsrf(req: Request, res: Response, token: string): string {
    const existing = readCookie(req.get('cookie'), CSRF_COOKIE);
    const cookie = existing !== undefined && CSRF_COOKIE_PATTERN.test(existing) ? existing : randomBytes(32).toString('base64url');
    res.append('Set-Cookie', `${CSRF_COOKIE}=${cookie}; Path=/; HttpOnly; SameSite=Strict${secureCookies ? '; Secure' : ''}`);
    return csrfFieldFor(cookie, token);
  }

  function csrfIsValid(req: Request, token: string, submitted: string): boolean {
    const cookie = readCookie(req.get('cookie'), CSRF_COOKIE);
    if (cookie === undefined || !CSRF_COOKIE_PATTERN.test(cookie)) return false;
    const expected = Buffer.from(csrfFieldFor(cookie, token), 'utf8');
    const actual = Buffer.from(submitted, 'utf8');
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }

  const headers = (_req: Request, res: Response, next: NextFunction): void => {
    res.set(SECURITY_HEADERS);
    next();
  };

  // Parsed per route (not `router.use`) so mounting this router at the root cannot consume
  // the raw bodies that other routes (signed webhooks) need.
  const urlencoded = express.urlencoded({ extended: false, limit: '20kb' });
  const parseForm = (req: Request, res: Response, next: NextFunction): void => {
    urlencoded(req, res, (error?: unknown) => {
      if (error === undefined || error === null) {
        next();
        return;
      }
      const status =
        typeof error === 'object' && 'status' in error && (error.status === 413 || error.status === 415) ? error.status : 400;
      const lang = chooseLang(req, langParam(req.query.lang));
      sendPage(res, status, {
        lang,
        title: TEXT.unreadableTitle[lang],
        body: html`<h1>${TEXT.unreadableTitle[lang]}</h1>
<p>${TEXT.unreadableBody[lang]}</p>
<p>${TEXT.reopenFromEmail[lang]}</p>`,
      });
    });
  };

  /** The parts every POST shares: language, token and the CSRF check. `undefined` when a response was sent. */
  function acceptPost(req: Request, res: Response, flow: Flow): { body: FormBody; token: string; override: Lang | undefined } | undefined {
    const body = formBody(req);
    const override = langParam(body.lang) ?? langParam(req.query.lang);
    const token = tokenParam(body.token);
    if (token === undefined || !csrfIsValid(req, token, text(body, 'csrf'))) {
      sendCsrfProblem(res, chooseLang(req, override), { base: req.baseUrl, flow, token });
      return undefined;
    }
    return { body, token, override };
  }

  router.get(FLOW_PATH.activation, headers, async (req, res) => {
    const override = langParam(req.query.lang);
    const token = tokenParam(req.query.token);
    const at = { base: req.baseUrl, flow: 'activation' as const, token };
    if (token === undefined) return sendTokenProblem(res, 'invalid', chooseLang(req, override), at);
    const found = await deps.lookupActivation(token);
    if (!found.ok) return sendTokenProblem(res, found.reason, chooseLang(req, override, found.lang), at);
    sendActivationForm(res, 200, {
      lang: chooseLang(req, override, found.lang),
      base: req.baseUrl,
      token,
      csrf: issueCsrf(req, res, token),
      name: found.name,
      organizationName: found.organizationName,
      values: { email: found.email, acceptTerms: false },
      errors: {},
    });
  });

  router.post(FLOW_PATH.activation, headers, parseForm, async (req, res) => {
    const accepted = acceptPost(req, res, 'activation');
    if (!accepted) return;
    const { body, token, override } = accepted;
    const at = { base: req.baseUrl, flow: 'activation' as const, token };
    const email = text(body, 'email');
    const password = text(body, 'password');
    const passwordConfirm = text(body, 'passwordConfirm');
    const acceptTerms = text(body, 'acceptTerms') !== '';

    type Found = Extract<Awaited<ReturnType<RegistrationDeps['lookupActivation']>>, { ok: true }>;
    const showForm = async (errorsFor: (found: Found) => ActivationView['errors']): Promise<void> => {
      const found = await deps.lookupActivation(token);
      if (!found.ok) return sendTokenProblem(res, found.reason, chooseLang(req, override, found.lang), at);
      sendActivationForm(res, INVALID_FORM, {
        lang: chooseLang(req, override, found.lang),
        base: req.baseUrl,
        token,
        csrf: issueCsrf(req, res, token),
        name: found.name,
        organizationName: found.organizationName,
        values: { email, acceptTerms },
        errors: errorsFor(found),
      });
    };

    if (password !== passwordConfirm) {
      // Nothing is sent to the service; report everything else visible here too, so the
      // person does not fix one problem only to meet the next on the following submit.
      return showForm((found) => ({
        email: email.trim() === '' ? TEXT.emailRequired : undefined,
        password:
          password === ''
            ? TEXT.passwordRequired
            : checkPasswordStrength(password, { email: email || found.email, name: found.name })?.message,
        passwordConfirm: TEXT.passwordsDontMatch,
        acceptTerms: acceptTerms ? undefined : TEXT.acceptTermsRequired,
      }));
    }

    const result = await deps.completeActivation(token, { email, password, acceptTerms });
    if (result.ok) {
      const lang = chooseLang(req, override, result.lang);
      return sendPage(res, 200, {
        lang,
        title: TEXT.activationDoneTitle[lang],
        body: html`<h1>${TEXT.activationDoneTitle[lang]}</h1>
<p>${activationDone(result.organizationName)[lang]}</p>
<p>${TEXT.activationDoneNext[lang]}</p>`,
      });
    }
    if (result.reason === 'validation') return showForm(() => result.errors);
    return sendTokenProblem(res, result.reason, chooseLang(req, override), at);
  });

  router.get(FLOW_PATH.platform, headers, async (req, res) => {
    const override = langParam(req.query.lang);
    const token = tokenParam(req.query.token);
    const at = { base: req.baseUrl, flow: 'platform' as const, token };
    if (token === undefined) return sendTokenProblem(res, 'invalid', chooseLang(req, override), at);
    const found = await deps.lookupPlatformRegistration(token);
    if (!found.ok) return sendTokenProblem(res, found.reason, chooseLang(req, override, found.lang), at);
    sendPlatformForm(res, 200, {
      lang: chooseLang(req, override, found.lang),
      base: req.baseUrl,
      token,
      csrf: issueCsrf(req, res, token),
      programName: found.programName,
      values: { username: found.username },
      errors: {},
    });
  });

  router.post(FLOW_PATH.platform, headers, parseForm, async (req, res) => {
    const accepted = acceptPost(req, res, 'platform');
    if (!accepted) return;
    const { body, token, override } = accepted;
    const at = { base: req.baseUrl, flow: 'platform' as const, token };
    const username = text(body, 'username');
    const temporaryPassword = text(body, 'temporaryPassword');
    const newPassword = text(body, 'newPassword');
    const newPasswordConfirm = text(body, 'newPasswordConfirm');

    const rerender = async (errors: PlatformView['errors']): Promise<void> => {
      const found = await deps.lookupPlatformRegistration(token);
      if (!found.ok) return sendTokenProblem(res, found.reason, chooseLang(req, override, found.lang), at);
      sendPlatformForm(res, INVALID_FORM, {
        lang: chooseLang(req, override, found.lang),
        base: req.baseUrl,
        token,
        csrf: issueCsrf(req, res, token),
        programName: found.programName,
        values: { username },
        errors,
      });
    };

    if (newPassword !== newPasswordConfirm) {
      const personal = username.includes('@') ? { email: username } : { name: username };
      return rerender({
        username: username.trim() === '' ? TEXT.usernameRequired : undefined,
        temporaryPassword: temporaryPassword === '' ? TEXT.temporaryPasswordRequired : undefined,
        newPassword: newPassword === '' ? TEXT.newPasswordRequired : checkPasswordStrength(newPassword, personal)?.message,
        newPasswordConfirm: TEXT.passwordsDontMatch,
      });
    }

    const result = await deps.completePlatformRegistration(token, { username, temporaryPassword, newPassword });
    if (result.ok) {
      const lang = chooseLang(req, override, result.lang);
      return sendPage(res, 200, {
        lang,
        title: TEXT.platformDoneTitle[lang],
        body: html`<h1>${TEXT.platformDoneTitle[lang]}</h1>
<p>${platformDone(result.programName)[lang]}</p>
<p>${TEXT.platformDoneNext[lang]}</p>`,
      });
    }
    if (result.reason === 'validation') return rerender(result.errors);
    return sendTokenProblem(res, result.reason, chooseLang(req, override), at);
  });

  return router;
}
