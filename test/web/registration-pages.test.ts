import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Lang, Localized } from '../../src/domain/lang.ts';
import { checkPasswordStrength } from '../../src/core/passwords.ts';
import { registrationRouter, type RegistrationDeps, type TokenProblem } from '../../src/web/registration-pages.ts';

// ---------------------------------------------------------------------------------
// A small in-memory fake of the registration service.

type TokenState = 'valid' | 'expired' | 'used';

type ActivationLink = {
  kind: 'activation';
  state: TokenState;
  lang: Lang;
  email: string;
  name: string;
  organizationName: string;
  completedWith?: { email: string; password: string; acceptTerms: boolean };
};

type PlatformLink = {
  kind: 'platform';
  state: TokenState;
  lang: Lang;
  programName: string;
  username: string;
  temporaryPassword: string;
  newPassword?: string;
};

type Call = { readonly method: keyof RegistrationDeps; readonly token: string };

const WRONG_CREDENTIALS: Localized = {
  en: 'The username or temporary password is not correct.',
  fr: 'Le nom d’utilisateur ou le mot de passe temporaire est incorrect.',
};
const EMAIL_INVALID: Localized = { en: 'Enter a valid email address.', fr: 'Entrez une adresse courriel valide.' };
const TERMS_REQUIRED: Localized = { en: 'You must accept the Terms of Use.', fr: 'Vous devez accepter les conditions.' };

function makeFakeRegistration() {
  const links = new Map<string, ActivationLink | PlatformLink>();
  const calls: Call[] = [];
  let counter = 0;

  function problemOf(link: ActivationLink | PlatformLink | undefined, kind: 'activation' | 'platform'): TokenProblem | undefined {
    if (!link || link.kind !== kind) return 'invalid';
    if (link.state === 'expired') return 'expired';
    if (link.state === 'used') return 'used';
    return undefined;
  }

  const deps: RegistrationDeps = {
    async lookupActivation(token) {
      calls.push({ method: 'lookupActivation', token });
      const link = links.get(token);
      const problem = problemOf(link, 'activation');
      if (problem || link?.kind !== 'activation') return { ok: false, reason: problem ?? 'invalid', lang: link?.lang };
      return { ok: true, lang: link.lang, email: link.email, name: link.name, organizationName: link.organizationName };
    },
    async completeActivation(token, input) {
      calls.push({ method: 'completeActivation', token });
      const link = links.get(token);
      const problem = problemOf(link, 'activation');
      if (problem || link?.kind !== 'activation') return { ok: false, reason: problem ?? 'invalid' };
      const errors = {
        email: /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(input.email) ? undefined : EMAIL_INVALID,
        password: checkPasswordStrength(input.password, { email: input.email, name: link.name })?.message,
        acceptTerms: input.acceptTerms ? undefined : TERMS_REQUIRED,
      };
      if (errors.email || errors.password || errors.acceptTerms) return { ok: false, reason: 'validation', errors };
      link.state = 'used';
      link.completedWith = input;
      return { ok: true, lang: link.lang, organizationName: link.organizationName };
    },
    async lookupPlatformRegistration(token) {
      calls.push({ method: 'lookupPlatformRegistration', token });
      const link = links.get(token);
      const problem = problemOf(link, 'platform');
      if (problem || link?.kind !== 'platform') return { ok: false, reason: problem ?? 'invalid', lang: link?.lang };
      return { ok: true, lang: link.lang, programName: link.programName, username: link.username };
    },
    async completePlatformRegistration(token, input) {
      calls.push({ method: 'completePlatformRegistration', token });
      const link = links.get(token);
      const problem = problemOf(link, 'platform');
      if (problem || link?.kind !== 'platform') return { ok: false, reason: problem ?? 'invalid' };
      const credentialsOk = input.username === link.username && input.temporaryPassword === link.temporaryPassword;
      const errors = {
        username: undefined,
        temporaryPassword: credentialsOk ? undefined : WRONG_CREDENTIALS,
        newPassword: checkPasswordStrength(input.newPassword, { name: link.username })?.message,
      };
      if (errors.temporaryPassword || errors.newPassword) return { ok: false, reason: 'validation', errors };
      link.state = 'used';
      link.newPassword = input.newPassword;
      return { ok: true, lang: link.lang, programName: link.programName };
    },
  };

  return {
    deps,
    links,
    calls,
    completions: () => calls.filter((c) => c.method.startsWith('complete')),
    addActivation(overrides: Partial<Omit<ActivationLink, 'kind'>> = {}): { token: string; link: ActivationLink } {
      counter += 1;
      const token = `act-${counter}.signature`;
      const link: ActivationLink = {
        kind: 'activation',
        state: 'valid',
        lang: 'en',
        email: 'admin@bigbrothers.example.ca',
        name: 'Amara Okafor',
        organizationName: 'Big Sisters of Lakeview',
        ...overrides,
      };
      links.set(token, link);
      return { token, link };
    },
    addPlatform(overrides: Partial<Omit<PlatformLink, 'kind'>> = {}): { token: string; link: PlatformLink } {
      counter += 1;
      const token = `plat-${counter}.signature`;
      const link: PlatformLink = {
        kind: 'platform',
        state: 'valid',
        lang: 'en',
        programName: 'Reading Buddies',
        username: 'reading.buddies.admin',
        temporaryPassword: 'Temp-8841-xq',
        ...overrides,
      };
      links.set(token, link);
      return { token, link };
    },
  };
}

// ---------------------------------------------------------------------------------
// The app under test: the router mounted at the root, and again under /secure with
// Secure cookies, plus a raw-body route after it to show the router leaves bodies alone.

const CSRF_SECRET = 'csrf-secret-for-tests-0123456789abcdef';
const STRONG = 'maple canoe 47 lantern';
const CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'";

const fake = makeFakeRegistration();
let server: Server;
let base: string;

beforeAll(async () => {
  const app = express();
  app.use(registrationRouter(fake.deps, { csrfSecret: CSRF_SECRET, secureCookies: false }));
  app.use('/secure', registrationRouter(fake.deps, { csrfSecret: CSRF_SECRET, secureCookies: true }));
  app.post('/raw-echo', express.text({ type: '*/*' }), (req, res) => {
    res.json({ body: typeof req.body === 'string' ? req.body : null });
  });
  server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  fake.calls.length = 0;
});

// ---------------------------------------------------------------------------------
// A tiny browser: keeps the CSRF cookie and reads the hidden fields.

type Loaded = { status: number; body: string; headers: Headers };

function cookieFrom(headers: Headers): string | undefined {
  const line = headers.getSetCookie().find((c) => c.startsWith('oa_csrf='));
  return line?.split(';')[0];
}

function hiddenField(body: string, name: string): string {
  const match = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)">`).exec(body);
  if (!match?.[1]) throw new Error(`no hidden ${name} field in:\n${body}`);
  return match[1];
}

class Visitor {
  cookie: string | undefined;
  constructor(private readonly headers: Record<string, string> = {}) {}

  async get(path: string): Promise<Loaded> {
    const res = await fetch(base + path, { headers: { ...this.headers, ...(this.cookie ? { cookie: this.cookie } : {}) } });
    this.cookie = cookieFrom(res.headers) ?? this.cookie;
    return { status: res.status, body: await res.text(), headers: res.headers };
  }

  async post(path: string, fields: Record<string, string>): Promise<Loaded> {
    const res = await fetch(base + path, {
      method: 'POST',
      headers: { ...this.headers, ...(this.cookie ? { cookie: this.cookie } : {}) },
      body: new URLSearchParams(fields),
    });
    this.cookie = cookieFrom(res.headers) ?? this.cookie;
    return { status: res.status, body: await res.text(), headers: res.headers };
  }

  /** Loads the form and returns the hidden fields to send back. */
  async open(path: string): Promise<{ page: Loaded; fields: { token: string; csrf: string; lang: string } }> {
    const page = await this.get(path);
    expect(page.status, page.body).toBe(200);
    const fields = { token: hiddenField(page.body, 'token'), csrf: hiddenField(page.body, 'csrf'), lang: hiddenField(page.body, 'lang') };
    return { page, fields };
  }
}

const decode = (s: string): string =>
  s.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

function inputTag(body: string, id: string): string {
  const match = new RegExp(`<input id="${id}"[^>]*>`).exec(body) ?? new RegExp(`<input[^>]*id="${id}"[^>]*>`).exec(body);
  if (!match) throw new Error(`no input #${id}`);
  return match[0];
}

const activate = (token: string, extra = ''): string => `/activate?token=${encodeURIComponent(token)}${extra}`;
const platform = (token: string, extra = ''): string => `/platform/register?token=${encodeURIComponent(token)}${extra}`;

// ---------------------------------------------------------------------------------

describe('GET /activate', () => {
  it('shows the form with the designated email, security headers and a CSRF cookie', async () => {
    const { token } = fake.addActivation();
    const visitor = new Visitor();
    const { page, fields: { csrf } } = await visitor.open(activate(token));

    expect(page.headers.get('content-security-policy')).toBe(CSP);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-store');
    const setCookie = page.headers.getSetCookie().find((c) => c.startsWith('oa_csrf=')) ?? '';
    expect(setCookie).toMatch(/^oa_csrf=[A-Za-z0-9_-]{43}; /);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Path=/');
    expect(setCookie).not.toContain('Secure');
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const body = page.body;
    expect(body).toContain('<html lang="en">');
    expect(body).toContain('<h1>Complete your organization’s registration</h1>');
    expect(body).toContain('Big Sisters of Lakeview');
    const email = inputTag(body, 'email');
    expect(email).toContain('value="admin@bigbrothers.example.ca"');
    expect(email).toContain('autocomplete="email"');
    expect(email).toContain('aria-describedby="email-hint"');
    expect(inputTag(body, 'password')).toContain('autocomplete="new-password"');
    expect(inputTag(body, 'passwordConfirm')).toContain('autocomplete="new-password"');
    for (const id of ['email', 'password', 'passwordConfirm', 'acceptTerms']) {
      expect(body).toContain(`<label for="${id}"`);
    }
    expect(body).toMatch(/<div id="terms" role="region" aria-labelledby="terms-title"[^>]*tabindex="0"[^>]*overflow-y:auto/);
    expect(body).toContain('Terms of Use');
    expect(inputTag(body, 'acceptTerms')).toMatch(/type="checkbox".*required/);
    expect(body).toContain('I have read and agree to the Terms of Use');
    expect(body).toContain('<button type="submit">Continue</button>');
    expect(body).toContain('action="/activate"');
    expect(body).not.toContain('aria-invalid="true"');
    // Headings in order: h1, then h2 (terms), then h3 (sections).
    const levels = [...body.matchAll(/<h([1-6])/g)].map((m) => Number(m[1]));
    expect(levels[0]).toBe(1);
    levels.forEach((level, i) => expect(level - (levels[i - 1] ?? 0)).toBeLessThanOrEqual(1));
  });

  it('keeps one CSRF cookie per browser and sets Secure when asked', async () => {
    const { token } = fake.addActivation();
    const visitor = new Visitor();
    await visitor.open(activate(token));
    const first = visitor.cookie;
    await visitor.open(activate(token));
    expect(visitor.cookie).toBe(first);

    const secure = await new Visitor().get(`/secure${activate(token)}`);
    expect(secure.headers.getSetCookie().find((c) => c.startsWith('oa_csrf='))).toContain('; Secure');
    expect(secure.body).toContain('action="/secure/activate"');
  });

  it('speaks the language on record, ?lang=, or the browser’s', async () => {
    const { token: fr } = fake.addActivation({ lang: 'fr' });
    const french = await new Visitor().get(activate(fr));
    expect(french.body).toContain('<html lang="fr">');
    expect(french.body).toContain('Terminez l’inscription de votre organisme');
    expect(french.body).toContain('J’ai lu et j’accepte les conditions d’utilisation');
    expect(french.body).toContain('Conditions d’utilisation');
    expect(french.body).toContain('>Continuer</button>');
    // The switch links to the same page in the other language, token included.
    expect(french.body).toContain(`href="/activate?token=${encodeURIComponent(fr)}&amp;lang=en"`);

    const overridden = await new Visitor().get(activate(fr, '&lang=en'));
    expect(overridden.body).toContain('<html lang="en">');
    expect(hiddenField(overridden.body, 'lang')).toBe('en');

    const browserFrench = await new Visitor({ 'accept-language': 'fr-CA,fr;q=0.9,en;q=0.5' }).get('/activate?token=unknown');
    expect(browserFrench.body).toContain('Ce lien n’est pas valide');
    const browserEnglish = await new Visitor({ 'accept-language': 'de-DE, en;q=0.8, fr;q=0.3' }).get('/activate?token=unknown');
    expect(browserEnglish.body).toContain('This link is not valid');
  });
});

describe('POST /activate', () => {
  it('activates the organization and shows the next step', async () => {
    const { token, link } = fake.addActivation();
    const visitor = new Visitor();
    const form = await visitor.open(activate(token));
    const done = await visitor.post('/activate', {
      ...form.fields,
      email: 'admin@bigbrothers.example.ca',
      password: STRONG,
      passwordConfirm: STRONG,
      acceptTerms: 'yes',
    });
    expect(done.status).toBe(200);
    expect(done.headers.get('cache-control')).toBe('no-store');
    expect(done.body).toContain('<h1>Your organization is active</h1>');
    expect(done.body).toContain('Big Sisters of Lakeview is now active.');
    expect(done.body).toContain('Go back to the assistant to register your first program.');
    expect(link.completedWith).toEqual({ email: 'admin@bigbrothers.example.ca', password: STRONG, acceptTerms: true });

    // Replaying the link, or the form, explains that it was used and changes nothing.
    const again = await visitor.get(activate(token));
    expect(again.status).toBe(410);
    expect(again.body).toContain('This link has already been used');
    const replay = await visitor.post('/activate', { ...form.fields, email: 'x@example.org', password: STRONG, passwordConfirm: STRONG, acceptTerms: 'yes' });
    expect(replay.status).toBe(410);
    expect(link.completedWith?.email).toBe('admin@bigbrothers.example.ca');
  });

  it('answers in French when the page was French', async () => {
    const { token } = fake.addActivation({ lang: 'fr', organizationName: 'Grands Frères de Québec' });
    const visitor = new Visitor();
    const form = await visitor.open(activate(token));
    expect(form.fields.lang).toBe('fr');
    const done = await visitor.post('/activate', {
      ...form.fields,
      email: 'admin@bigbrothers.example.ca',
      password: STRONG,
      passwordConfirm: STRONG,
      acceptTerms: 'yes',
    });
    expect(done.body).toContain('<h1>Votre organisme est actif</h1>');
    expect(done.body).toContain('L’organisme Grands Frères de Québec est maintenant actif.');
    expect(done.body).toContain('Retournez dans l’assistant pour inscrire votre premier programme.');
  });

  it('re-renders mismatched passwords without calling the service, keeping what can be kept', async () => {
    const { token, link } = fake.addActivation();
    const visitor = new Visitor();
    const form = await visitor.open(activate(token));
    const page = await visitor.post('/activate', {
      ...form.fields,
      email: 'changed@example.org',
      password: STRONG,
      passwordConfirm: `${STRONG}!`,
      acceptTerms: 'yes',
    });
    expect(page.status).toBe(422);
    expect(fake.completions()).toEqual([]);
    expect(link.state).toBe('valid');
    expect(page.body).toContain('<title>Error: Complete your organization’s registration');
    expect(page.body).toMatch(/<div class="error-summary" autofocus role="alert"/);
    expect(page.body).toContain('<a href="#passwordConfirm">The passwords don’t match.');
    const confirm = inputTag(page.body, 'passwordConfirm');
    expect(confirm).toContain('aria-invalid="true"');
    expect(confirm).toContain('aria-describedby="passwordConfirm-hint passwordConfirm-error"');
    expect(page.body).toContain('<p class="field-error" id="passwordConfirm-error">');
    expect(inputTag(page.body, 'password')).not.toContain('aria-invalid');
    expect(inputTag(page.body, 'email')).toContain('value="changed@example.org"');
    expect(inputTag(page.body, 'acceptTerms')).toContain(' checked');
    expect(page.body).not.toContain(STRONG);
    expect(inputTag(page.body, 'password')).not.toContain('value=');
    // The form can be sent again with the fields it carries.
    expect(hiddenField(page.body, 'csrf')).toBe(form.fields.csrf);
  });

  it('shows the service’s validation errors inline and in the summary', async () => {
    const { token, link } = fake.addActivation();
    const visitor = new Visitor();
    const form = await visitor.open(activate(token));
    const page = await visitor.post('/activate', { ...form.fields, email: 'not-an-email', password: 'password1234', passwordConfirm: 'password1234' });
    expect(page.status).toBe(422);
    expect(link.state).toBe('valid');
    for (const id of ['email', 'password', 'acceptTerms']) {
      expect(inputTag(page.body, id)).toContain('aria-invalid="true"');
      expect(page.body).toContain(`<a href="#${id}">`);
    }
    expect(inputTag(page.body, 'acceptTerms')).toContain('aria-describedby="acceptTerms-error"');
    expect(inputTag(page.body, 'acceptTerms')).not.toContain('checked');
    expect(page.body).toContain('Enter a valid email address.');
    expect(page.body).toContain('This password is too common');
    expect(inputTag(page.body, 'email')).toContain('value="not-an-email"');
    expect(page.body).not.toContain('password1234');
    // Summary order follows the page.
    const order = [...page.body.matchAll(/<li><a href="#(\w+)">/g)].map((m) => m[1]);
    expect(order).toEqual(['email', 'password', 'acceptTerms']);
  });

  it('shows errors in French', async () => {
    const { token } = fake.addActivation({ lang: 'fr' });
    const visitor = new Visitor();
    const form = await visitor.open(activate(token));
    const page = await visitor.post('/activate', { ...form.fields, email: 'a@b.ca', password: STRONG, passwordConfirm: 'autre chose' });
    expect(page.body).toContain('<title>Erreur\u00a0: Terminez l’inscription de votre organisme');
    expect(page.body).toContain('Il y a un problème');
    expect(page.body).toContain('Les mots de passe ne correspondent pas.');
    expect(page.body).toContain('Pour continuer, vous devez accepter les conditions d’utilisation.');
  });

  it('escapes hostile values everywhere', async () => {
    const hostile = '"><script>alert(1)</script><img src=x onerror=alert(2)>';
    const { token } = fake.addActivation({ organizationName: hostile, name: hostile });
    const visitor = new Visitor();
    const form = await visitor.open(activate(token));
    expect(form.page.body).not.toContain('<script>');
    expect(form.page.body).not.toContain('<img');
    expect(decode(form.page.body)).toContain(hostile);
    const page = await visitor.post('/activate', { ...form.fields, email: hostile, password: 'x', passwordConfirm: 'y' });
    expect(page.status).toBe(422);
    expect(page.body).not.toContain('<script>');
    expect(inputTag(page.body, 'email')).toContain('value="&quot;&gt;&lt;script&gt;');

    // A hostile token is never reflected raw either.
    const weird = await new Visitor().get(activate(hostile));
    expect(weird.status).toBe(400);
    expect(weird.body).not.toContain('<script>');
    expect(weird.body).not.toContain('<img');
    const forged = await visitor.post('/activate', { token: hostile, csrf: 'x', email: hostile });
    expect(forged.status).toBe(403);
    expect(forged.body).not.toContain('<script>');
  });
});

describe('CSRF', () => {
  async function attempt(mutate: (fields: Record<string, string>, visitor: Visitor) => void): Promise<Loaded> {
    const { token } = fake.addActivation();
    const visitor = new Visitor();
    const form = await visitor.open(activate(token));
    const fields: Record<string, string> = { ...form.fields, email: 'a@example.org', password: STRONG, passwordConfirm: STRONG, acceptTerms: 'yes' };
    mutate(fields, visitor);
    fake.calls.length = 0;
    return visitor.post('/activate', fields);
  }

  const cases: [string, (fields: Record<string, string>, visitor: Visitor) => void][] = [
    ['no cookie', (_f, v) => (v.cookie = undefined)],
    ['another browser’s cookie', (_f, v) => (v.cookie = `oa_csrf=${'A'.repeat(43)}`)],
    ['a malformed cookie', (_f, v) => (v.cookie = 'oa_csrf=%E0%A4%A')],
    ['no field', (f) => delete f.csrf],
    // Change the last character (to something it is not already: 1 time in 64 it was 'A').
    ['a wrong field', (f) => (f.csrf = `${f.csrf?.slice(0, -1)}${f.csrf?.endsWith('A') ? 'B' : 'A'}`)],
    ['a truncated field', (f) => (f.csrf = f.csrf?.slice(0, 20) ?? '')],
    ['the field of another link', (f) => (f.token = fake.addActivation().token)],
    ['no token', (f) => delete f.token],
  ];

  it.each(cases)('refuses a POST with %s, calling nothing', async (_name, mutate) => {
    const page = await attempt(mutate);
    expect(page.status).toBe(403);
    expect(fake.calls).toEqual([]);
    expect(page.body).toContain('This form has expired');
    expect(page.headers.get('content-security-policy')).toBe(CSP);
  });

  it('offers a way back to the form, in French too', async () => {
    const page = await attempt((f, v) => {
      v.cookie = undefined;
      f.lang = 'fr';
    });
    expect(page.body).toContain('Ce formulaire a expiré');
    expect(page.body).toContain('Rechargez la page');
    expect(page.body).toMatch(/<a href="\/activate\?token=act-\d+\.signature&amp;lang=fr">Rouvrir le formulaire<\/a>/);
    const english = await attempt((_f, v) => (v.cookie = undefined));
    expect(english.body).toContain('Reload the page');
  });

  it('refuses a form that is not urlencoded', async () => {
    const res = await fetch(`${base}/activate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(403);
    expect(fake.calls).toEqual([]);
  });

  it('refuses bodies over 20 kB without calling anything', async () => {
    const { token } = fake.addActivation();
    const visitor = new Visitor();
    const form = await visitor.open(activate(token));
    fake.calls.length = 0;
    const page = await visitor.post('/activate', { ...form.fields, email: 'x'.repeat(25_000) });
    expect(page.status).toBe(413);
    expect(page.body).toContain('The form could not be read');
    expect(fake.calls).toEqual([]);
  });

  it('leaves the bodies of other routes alone', async () => {
    const res = await fetch(`${base}/raw-echo`, { method: 'POST', body: new URLSearchParams({ a: '1', b: '2' }) });
    expect(await res.json()).toEqual({ body: 'a=1&b=2' });
  });
});

describe('link problems', () => {
  const expectations: [TokenProblem, number, Localized][] = [
    ['expired', 410, { en: 'This link has expired', fr: 'Ce lien a expiré' }],
    ['used', 410, { en: 'This link has already been used', fr: 'Ce lien a déjà été utilisé' }],
    ['invalid', 400, { en: 'This link is not valid', fr: 'Ce lien n’est pas valide' }],
  ];

  function tokenFor(problem: TokenProblem, lang: Lang, kind: 'activation' | 'platform'): string {
    if (problem === 'invalid') return `forged-${kind}.AAAA`;
    const state = problem;
    return kind === 'activation' ? fake.addActivation({ state, lang }).token : fake.addPlatform({ state, lang }).token;
  }

  it.each(expectations)('explains a %s link with status %i, in both languages, for both pages', async (problem, status, title) => {
    for (const kind of ['activation', 'platform'] as const) {
      for (const lang of ['en', 'fr'] as const) {
        const token = tokenFor(problem, lang, kind);
        const path = kind === 'activation' ? activate(token, `&lang=${lang}`) : platform(token, `&lang=${lang}`);
        const page = await new Visitor().get(path);
        expect(page.status, `${kind} ${lang}`).toBe(status);
        expect(page.body).toContain(`<html lang="${lang}">`);
        expect(page.body).toContain(`<h1>${title[lang]}</h1>`);
        expect(page.body).toContain(lang === 'en' ? 'Nothing was changed.' : 'Rien n’a été modifié.');
        expect(page.body).toContain('<code>status</code>');
        expect(page.body).toContain(lang === 'en' ? 'go back to the assistant' : 'retournez dans l’assistant');
        expect(page.headers.get('referrer-policy')).toBe('no-referrer');
        expect(page.headers.getSetCookie()).toEqual([]);
      }
    }
    expect(fake.completions()).toEqual([]);
  });

  it('uses the language on record for a used or expired link', async () => {
    const { token } = fake.addActivation({ state: 'expired', lang: 'fr' });
    const page = await new Visitor().get(activate(token));
    expect(page.body).toContain('Ce lien a expiré');
  });

  it('treats a missing token as invalid', async () => {
    const page = await new Visitor().get('/activate');
    expect(page.status).toBe(400);
    expect(page.body).toContain('This link is not valid');
    expect(fake.calls).toEqual([]);
  });

  it('stops a form whose link expired while it was open, changing nothing', async () => {
    const { token, link } = fake.addActivation({ lang: 'fr' });
    const visitor = new Visitor();
    const form = await visitor.open(activate(token));
    link.state = 'expired';
    const page = await visitor.post('/activate', { ...form.fields, email: 'a@example.org', password: STRONG, passwordConfirm: STRONG, acceptTerms: 'yes' });
    expect(page.status).toBe(410);
    expect(page.body).toContain('Ce lien a expiré');
    expect(link.completedWith).toBeUndefined();
  });
});

describe('platform registration', () => {
  it('shows the sign-in form with the username', async () => {
    const { token } = fake.addPlatform();
    const { page } = await new Visitor().open(platform(token));
    expect(page.headers.get('content-security-policy')).toBe(CSP);
    expect(page.body).toContain('<h1>Complete your registration on the mentoring platform</h1>');
    expect(page.body).toContain('Reading Buddies');
    const username = inputTag(page.body, 'username');
    expect(username).toContain('value="reading.buddies.admin"');
    expect(username).toContain('autocomplete="username"');
    expect(inputTag(page.body, 'temporaryPassword')).toContain('autocomplete="current-password"');
    expect(inputTag(page.body, 'newPassword')).toContain('autocomplete="new-password"');
    expect(inputTag(page.body, 'newPasswordConfirm')).toContain('autocomplete="new-password"');
    for (const id of ['username', 'temporaryPassword', 'newPassword', 'newPasswordConfirm']) {
      expect(page.body).toContain(`<label for="${id}"`);
    }
    expect(page.body).toContain('<legend');
    expect(page.body).toContain('>Save changes</button>');
  });

  it('onboards the program', async () => {
    const { token, link } = fake.addPlatform();
    const visitor = new Visitor();
    const form = await visitor.open(platform(token));
    const done = await visitor.post('/platform/register', {
      ...form.fields,
      username: 'reading.buddies.admin',
      temporaryPassword: 'Temp-8841-xq',
      newPassword: STRONG,
      newPasswordConfirm: STRONG,
    });
    expect(done.status).toBe(200);
    expect(done.body).toContain('<h1>Your program is onboarded</h1>');
    expect(done.body).toContain('Reading Buddies now has access to the virtual mentoring platform.');
    expect(link.newPassword).toBe(STRONG);
    const again = await visitor.get(platform(token));
    expect(again.status).toBe(410);
  });

  it('onboards in French', async () => {
    const { token } = fake.addPlatform({ lang: 'fr', programName: 'Lecture en duo' });
    const visitor = new Visitor();
    const form = await visitor.open(platform(token));
    expect(form.page.body).toContain('Nom d’utilisateur');
    const done = await visitor.post('/platform/register', {
      ...form.fields,
      username: 'reading.buddies.admin',
      temporaryPassword: 'Temp-8841-xq',
      newPassword: STRONG,
      newPasswordConfirm: STRONG,
    });
    expect(done.body).toContain('<h1>Votre programme est intégré</h1>');
    expect(done.body).toContain('Le programme Lecture en duo a maintenant accès');
  });

  it('reports wrong credentials from the service, keeping the username', async () => {
    const { token, link } = fake.addPlatform();
    const visitor = new Visitor();
    const form = await visitor.open(platform(token));
    const page = await visitor.post('/platform/register', {
      ...form.fields,
      username: 'someone.else',
      temporaryPassword: 'guess',
      newPassword: STRONG,
      newPasswordConfirm: STRONG,
    });
    expect(page.status).toBe(422);
    expect(inputTag(page.body, 'temporaryPassword')).toContain('aria-invalid="true"');
    expect(inputTag(page.body, 'username')).toContain('value="someone.else"');
    expect(page.body).toContain('The username or temporary password is not correct.');
    expect(page.body).not.toContain(STRONG);
    expect(page.body).not.toContain('guess');
    expect(link.state).toBe('valid');
  });

  it('catches mismatched new passwords before the service', async () => {
    const { token } = fake.addPlatform({ lang: 'fr' });
    const visitor = new Visitor();
    const form = await visitor.open(platform(token));
    const page = await visitor.post('/platform/register', {
      ...form.fields,
      username: 'reading.buddies.admin',
      temporaryPassword: 'Temp-8841-xq',
      newPassword: STRONG,
      newPasswordConfirm: 'different',
    });
    expect(page.status).toBe(422);
    expect(fake.completions()).toEqual([]);
    expect(inputTag(page.body, 'newPasswordConfirm')).toContain('aria-invalid="true"');
    expect(page.body).toContain('Les mots de passe ne correspondent pas.');
  });

  it('refuses a POST without the CSRF pair', async () => {
    const { token } = fake.addPlatform();
    const page = await new Visitor().post('/platform/register', { token, csrf: 'nope', newPassword: STRONG, newPasswordConfirm: STRONG });
    expect(page.status).toBe(403);
    expect(fake.calls).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------
// A real browser, keyboard only.

describe('in Chromium, with the keyboard only', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  async function withPage(test: (page: Page, cspViolations: string[]) => Promise<void>): Promise<void> {
    const context = await browser.newContext();
    const page = await context.newPage();
    const cspViolations: string[] = [];
    page.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) cspViolations.push(message.text());
    });
    try {
      await test(page, cspViolations);
    } finally {
      await context.close();
    }
  }

  /** Describes the focused element: its id, or its tag and text. */
  const focused = (page: Page): Promise<string> =>
    page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return 'body';
      return el.id || `${el.tagName.toLowerCase()}:${(el.textContent ?? '').trim()}`;
    });

  async function tab(page: Page): Promise<string> {
    await page.keyboard.press('Tab');
    return focused(page);
  }

  it('completes the activation form in English', async () => {
    const { token, link } = fake.addActivation();
    await withPage(async (page, cspViolations) => {
      await page.goto(base + activate(token));
      const order: string[] = [];
      for (let i = 0; i < 8; i += 1) order.push(await tab(page));
      expect(order).toEqual([
        'a:Skip to main content',
        'a:Français',
        'email',
        'password',
        'passwordConfirm',
        'terms',
        'acceptTerms',
        'button:Continue',
      ]);
      // Back to the password, by keyboard, and fill in the form.
      for (let i = 0; i < 4; i += 1) await page.keyboard.press('Shift+Tab');
      expect(await focused(page)).toBe('password');
      await page.keyboard.type(STRONG);
      expect(await tab(page)).toBe('passwordConfirm');
      await page.keyboard.type(STRONG);
      expect(await tab(page)).toBe('terms');
      await page.keyboard.press('PageDown'); // the region scrolls from the keyboard
      await page.waitForFunction(() => (document.getElementById('terms')?.scrollTop ?? 0) > 0, undefined, { timeout: 5000 });
      expect(await tab(page)).toBe('acceptTerms');
      await page.keyboard.press('Space');
      expect(await page.isChecked('#acceptTerms')).toBe(true);
      expect(await tab(page)).toBe('button:Continue');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { level: 1, name: 'Your organization is active' }).waitFor();
      expect(await page.textContent('main')).toContain('Go back to the assistant to register your first program.');
      expect(cspViolations).toEqual([]);
    });
    expect(link.completedWith).toEqual({ email: 'admin@bigbrothers.example.ca', password: STRONG, acceptTerms: true });
  });

  it('recovers from an error and completes the activation form in French', async () => {
    const { token, link } = fake.addActivation({ lang: 'fr', email: 'direction@grandsfreres.example.ca' });
    await withPage(async (page, cspViolations) => {
      await page.goto(base + activate(token));
      expect(await page.getAttribute('html', 'lang')).toBe('fr');
      while ((await tab(page)) !== 'password') {
        /* keep tabbing */
      }
      await page.keyboard.type(STRONG);
      await tab(page);
      await page.keyboard.type('pas le même mot de passe');
      expect(await tab(page)).toBe('terms');
      expect(await tab(page)).toBe('acceptTerms');
      await page.keyboard.press('Space');
      expect(await tab(page)).toBe('button:Continuer');
      await page.keyboard.press('Enter');

      await page.getByRole('heading', { level: 2, name: 'Il y a un problème' }).waitFor();
      // The summary has focus, so it is read first; its link leads to the field.
      expect(await page.evaluate(() => document.activeElement?.className)).toBe('error-summary');
      expect(await page.textContent('.error-summary')).toContain('Les mots de passe ne correspondent pas.');
      expect(await page.getAttribute('#passwordConfirm', 'aria-invalid')).toBe('true');
      expect(await page.isChecked('#acceptTerms')).toBe(true);
      expect(await page.inputValue('#password')).toBe('');

      expect(await tab(page)).toBe('a:Les mots de passe ne correspondent pas. Veuillez taper le même mot de passe dans les deux champs.');
      while ((await tab(page)) !== 'password') {
        /* keep tabbing */
      }
      await page.keyboard.type(STRONG);
      expect(await tab(page)).toBe('passwordConfirm');
      await page.keyboard.type(STRONG);
      await page.keyboard.press('Enter'); // implicit submission from the last text field
      await page.getByRole('heading', { level: 1, name: 'Votre organisme est actif' }).waitFor();
      expect(await page.textContent('main')).toContain('Retournez dans l’assistant pour inscrire votre premier programme.');
      expect(cspViolations).toEqual([]);
    });
    expect(link.completedWith).toEqual({ email: 'direction@grandsfreres.example.ca', password: STRONG, acceptTerms: true });
  });
});
