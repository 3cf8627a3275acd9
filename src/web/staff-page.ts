import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { isLang, type Lang, type Localized } from '../domain/lang.ts';
import { computeFunnel, DEFAULT_TIME_ZONE, type Funnel, type StalledItem } from '../core/funnel.ts';
import type { LinkSigner } from '../core/link-tokens.ts';
import { consumeStaffSignInLink } from '../core/staff-sign-in.ts';
import { entityStatus, type EntityStatus, type HistoryItem, type OnboardingService } from '../core/onboarding-service.ts';
import { STATE_TEXT, STEP_TITLES } from '../core/status-text.ts';
import type { EntityKind, OnboardingStore } from '../store/store.ts';
import { html, join, raw, renderPage, type SafeHtml } from './html.ts';
import { langFromAcceptLanguage } from './registration-pages.ts';

/**
 * The staff pages: the onboarding funnel and each organization's history.
 *
 * - `GET /staff` — the dashboard: counts per step, time per step, who waits longest,
 *   completions per week; every chart is server-rendered SVG with a table beside it.
 * - `GET /staff/funnel.csv` — the same figures as CSV (RFC 4180, formula-safe).
 * - `GET /staff/org/:id` — one organization with its programs and full audit trail.
 * - `GET|POST /staff/sign-in`, `POST /staff/sign-out`.
 *
 * Signing in takes the configured staff token (compared in constant time, failures
 * rate-limited per address) or a one-time link (`GET /staff/sign-in?token=…`, a signed
 * link token of purpose `staff`, see `createStaffSignInLink`). Either sets an HttpOnly,
 * SameSite=Strict cookie holding an expiry, a nonce and their HMAC; changing the staff
 * token ends every session. No script, inline styles only, English or French (`?lang=fr`).
 */

export type StaffRouterOptions = {
  readonly service: Pick<OnboardingService, 'history'>;
  readonly store: OnboardingStore;
  /** The figures; by default `computeFunnel(store, now, { timeZone })`. */
  readonly funnel?: ((now: Date) => Promise<Funnel>) | undefined;
  /** `STAFF_TOKEN`: 16+ characters. Unset: only one-time links sign in. */
  readonly staffToken?: string | undefined;
  readonly clock?: (() => Date) | undefined;
  /** Verifies one-time sign-in links: the signer of the emailed links. */
  readonly signer: LinkSigner;
  /** Signs session cookies; 16+ characters (derive it from the link secret, as the CSRF secret is). */
  readonly sessionSecret: string;
  /** Adds `Secure` to the cookie; true whenever the public URL is https. */
  readonly secureCookies?: boolean | undefined;
  /** Dates and weeks are shown in this zone (default America/Toronto). */
  readonly timeZone?: string | undefined;
};

// ---------------------------------------------------------------------------------
// One-time sign-in links (issued and checked in src/core/staff-sign-in.ts; re-exported
// here, where the CLI and tests have always found them)

export { consumeStaffSignInLink, createStaffSignInLink, STAFF_LINK_TTL_MS, type StaffLinkResult } from '../core/staff-sign-in.ts';

// ---------------------------------------------------------------------------------
// CSV export

export type CsvValue = string | number | null | undefined;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break, quotes
 * doubled. Text starting with `=`, `+`, `-`, `@`, tab or carriage return gets a leading
 * `'` so spreadsheets show it instead of running it as a formula. Numbers are left as is.
 */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value;
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(rows: readonly (readonly CsvValue[])[]): string {
  return rows.map((r) => r.map(csvCell).join(',') + '\r\n').join('');
}

const CSV_COLUMNS = ['section', 'kind', 'step', 'state', 'week', 'name', 'organization', 'organization_id', 'entity_id', 'waiting_on', 'since', 'metric', 'value'] as const;
type CsvRow = Partial<Record<(typeof CSV_COLUMNS)[number], CsvValue>>;

/** The funnel as one long ("tidy") table: one figure per row, easy to filter and pivot. */
export function funnelCsv(funnel: Funnel): string {
  const rows: CsvRow[] = [];
  for (const s of [...funnel.organizations.byState, ...funnel.programs.byState]) {
    rows.push({ section: 'state', kind: s.kind, step: s.step, state: s.state, metric: 'count', value: s.count });
  }
  for (const s of funnel.steps) {
    rows.push({ section: 'step', kind: 'organization', step: s.step, metric: 'in_progress', value: s.organizations });
    rows.push({ section: 'step', kind: 'program', step: s.step, metric: 'in_progress', value: s.programs });
    rows.push({ section: 'step', step: s.step, waiting_on: 'admin', metric: 'in_progress', value: s.waitingOnAdmin });
    rows.push({ section: 'step', step: s.step, waiting_on: 'staff', metric: 'in_progress', value: s.waitingOnStaff });
  }
  for (const d of funnel.durations) {
    rows.push({ section: 'duration', step: d.step, since: funnel.durationsSince.toISOString(), metric: 'samples', value: d.samples });
    rows.push({ section: 'duration', step: d.step, since: funnel.durationsSince.toISOString(), metric: 'median_hours', value: d.medianHours });
    rows.push({ section: 'duration', step: d.step, since: funnel.durationsSince.toISOString(), metric: 'p90_hours', value: d.p90Hours });
  }
  for (const s of funnel.stalled.items) {
    rows.push({
      section: 'stalled', kind: s.kind, step: s.step, state: s.state, name: s.name, organization: s.organizationName,
      organization_id: s.organizationId, entity_id: s.entityId, waiting_on: s.waitingOn, since: s.since.toISOString(),
      metric: 'waiting_hours', value: s.waitingHours,
    });
  }
  for (const w of funnel.weekly) {
    rows.push({ section: 'weekly', kind: 'organization', week: w.week, since: w.weekStart, metric: 'activated', value: w.organizationsActivated });
    rows.push({ section: 'weekly', kind: 'program', week: w.week, since: w.weekStart, metric: 'onboarded', value: w.programsOnboarded });
  }
  return toCsv([CSV_COLUMNS, ...rows.map((r) => CSV_COLUMNS.map((c) => r[c]))]);
}

// ---------------------------------------------------------------------------------
// Words

const UI = {
  dashboardTitle: { en: 'Onboarding funnel', fr: 'Entonnoir d’intégration' },
  signInTitle: { en: 'Staff sign-in', fr: 'Connexion du personnel' },
  signInRequired: { en: 'Sign in to see the onboarding funnel. These pages are for staff and support only.', fr: 'Connectez-vous pour voir l’entonnoir d’intégration. Ces pages sont réservées au personnel et au soutien.' },
  tokenLabel: { en: 'Staff token', fr: 'Jeton du personnel' },
  tokenHint: { en: 'The STAFF_TOKEN your administrator configured.', fr: 'Le jeton STAFF_TOKEN configuré par votre administrateur.' },
  signIn: { en: 'Sign in', fr: 'Se connecter' },
  signOut: { en: 'Sign out', fr: 'Se déconnecter' },
  linkHint: {
    en: 'Or get a one-time sign-in link: staff can ask the assistant for “staff page” in a direct message, and an operator can run npm run onboarding -- staff-link',
    fr: 'Ou obtenez un lien de connexion à usage unique : le personnel peut demander « page du personnel » à l’assistant en message direct, et un opérateur peut lancer npm run onboarding -- staff-link',
  },
  noTokenConfigured: {
    en: 'No staff token is configured on this server: sign in with a one-time link.',
    fr: 'Aucun jeton du personnel n’est configuré sur ce serveur : connectez-vous avec un lien à usage unique.',
  },
  wrongToken: { en: 'That staff token is not right. Nothing was opened.', fr: 'Ce jeton du personnel est incorrect. Rien n’a été ouvert.' },
  emptyToken: { en: 'Enter the staff token.', fr: 'Entrez le jeton du personnel.' },
  tooMany: { en: 'Too many wrong tokens from your address. Wait 15 minutes and try again.', fr: 'Trop de jetons incorrects depuis votre adresse. Attendez 15 minutes et réessayez.' },
  linkInvalid: { en: 'This sign-in link is not valid. Ask for a new one.', fr: 'Ce lien de connexion n’est pas valide. Demandez-en un nouveau.' },
  linkExpired: { en: 'This sign-in link has expired. Ask for a new one.', fr: 'Ce lien de connexion a expiré. Demandez-en un nouveau.' },
  linkUsed: { en: 'This sign-in link was already used: each link works once. Ask for a new one.', fr: 'Ce lien de connexion a déjà servi : chaque lien ne fonctionne qu’une fois. Demandez-en un nouveau.' },
  signedOut: { en: 'You are signed out.', fr: 'Vous êtes déconnecté.' },
  figuresAt: { en: 'Figures at', fr: 'Données au' },
  downloadCsv: { en: 'Download the figures (CSV)', fr: 'Télécharger les données (CSV)' },
  whereTitle: { en: 'Where organizations and programs are', fr: 'Où en sont les organismes et les programmes' },
  whereIntro: {
    en: 'In progress: someone (the administrator or staff) still has to act in that step.',
    fr: 'En cours : quelqu’un (la personne administratrice ou le personnel) doit encore agir à cette étape.',
  },
  inProgressChart: { en: 'In progress per step', fr: 'En cours par étape' },
  step: { en: 'Step', fr: 'Étape' },
  organizations: { en: 'Organizations', fr: 'Organismes' },
  programs: { en: 'Programs', fr: 'Programmes' },
  waitingOnAdmin: { en: 'Waiting on the administrator', fr: 'En attente de la personne administratrice' },
  waitingOnStaff: { en: 'Waiting on staff', fr: 'En attente du personnel' },
  byStateCaption: { en: 'Organizations and programs in each state', fr: 'Organismes et programmes dans chaque état' },
  kind: { en: 'Kind', fr: 'Type' },
  state: { en: 'State', fr: 'État' },
  count: { en: 'Number', fr: 'Nombre' },
  organization: { en: 'Organization', fr: 'Organisme' },
  program: { en: 'Program', fr: 'Programme' },
  timeTitle: { en: 'Time spent in each step', fr: 'Temps passé à chaque étape' },
  timeIntro: {
    en: 'Hours from entering a step to leaving it (moving on, rejected or withdrawn), over the steps left from',
    fr: 'Heures entre l’entrée dans une étape et sa sortie (passage à la suivante, refus ou retrait), pour les étapes quittées du',
  },
  toNow: { en: 'to now', fr: 'à maintenant' },
  median: { en: 'Median (hours)', fr: 'Médiane (heures)' },
  p90: { en: '90th percentile (hours)', fr: '90e centile (heures)' },
  samples: { en: 'Times the step was completed', fr: 'Nombre de passages terminés' },
  noData: { en: 'no data', fr: 'aucune donnée' },
  stalledTitle: { en: 'Waiting the longest', fr: 'En attente depuis le plus longtemps' },
  stalledIntro: { en: 'Everything waiting on someone, longest first.', fr: 'Tout ce qui attend quelqu’un, le plus ancien en premier.' },
  stalledNone: { en: 'Nothing is waiting on anyone.', fr: 'Rien n’attend personne.' },
  stalledCaption: { en: 'Waiting the longest', fr: 'En attente depuis le plus longtemps' },
  showing: { en: 'showing', fr: 'affichés' },
  of: { en: 'of', fr: 'sur' },
  name: { en: 'Name', fr: 'Nom' },
  programOf: { en: 'program of', fr: 'programme de' },
  waitingOn: { en: 'Waiting on', fr: 'En attente de' },
  since: { en: 'Since', fr: 'Depuis le' },
  waited: { en: 'Waited', fr: 'Attente' },
  admin: { en: 'Administrator', fr: 'Personne administratrice' },
  staff: { en: 'Staff', fr: 'Personnel' },
  nobody: { en: 'Nobody (finished)', fr: 'Personne (terminé)' },
  weeklyTitle: { en: 'Completed per week', fr: 'Terminés par semaine' },
  weeklyIntro: { en: 'Organizations activated (step 1 done) and programs onboarded (step 4 done), per week starting on Monday.', fr: 'Organismes activés (étape 1 terminée) et programmes intégrés (étape 4 terminée), par semaine commençant le lundi.' },
  week: { en: 'Week', fr: 'Semaine' },
  weekOf: { en: 'Week of', fr: 'Semaine du' },
  activated: { en: 'Organizations activated', fr: 'Organismes activés' },
  onboarded: { en: 'Programs onboarded', fr: 'Programmes intégrés' },
  totals: { en: 'In all', fr: 'En tout' },
  active: { en: 'active', fr: 'actifs' },
  onboardedShort: { en: 'onboarded', fr: 'intégrés' },
  back: { en: 'Back to the funnel', fr: 'Retour à l’entonnoir' },
  orgNotFound: { en: 'Organization not found', fr: 'Organisme introuvable' },
  orgNotFoundBody: { en: 'There is no organization with this identifier.', fr: 'Aucun organisme ne porte cet identifiant.' },
  unnamed: { en: '(no name yet)', fr: '(pas encore de nom)' },
  currentStatus: { en: 'Where it stands', fr: 'Où il en est' },
  noPrograms: { en: 'No program registered.', fr: 'Aucun programme inscrit.' },
  history: { en: 'History', fr: 'Historique' },
  historyCaption: { en: 'Every event, newest first', fr: 'Chaque événement, du plus récent au plus ancien' },
  historyTruncated: { en: 'Only the latest events are shown.', fr: 'Seuls les événements les plus récents sont affichés.' },
  when: { en: 'When', fr: 'Quand' },
  who: { en: 'Who', fr: 'Qui' },
  what: { en: 'What', fr: 'Quoi' },
  change: { en: 'Change', fr: 'Changement' },
  reason: { en: 'Reason', fr: 'Raison' },
  system: { en: 'the assistant', fr: 'l’assistant' },
  identifier: { en: 'Identifier', fr: 'Identifiant' },
  errorPrefix: { en: 'Error: ', fr: 'Erreur : ' },
  tooLarge: { en: 'The form could not be read. Go back and try again.', fr: 'Le formulaire n’a pas pu être lu. Revenez en arrière et réessayez.' },
} as const satisfies Record<string, Localized>;

/** Audit actions in words; unknown ones are shown as recorded. */
const ACTION_TEXT: Record<string, Localized> = {
  created: { en: 'Started', fr: 'Commencé' },
  'admin.submitted': { en: 'Submitted for review', fr: 'Soumis pour examen' },
  'admin.withdrew': { en: 'Withdrawn', fr: 'Retiré' },
  'admin.activated': { en: 'Registration completed (activated)', fr: 'Inscription terminée (activé)' },
  'admin.sessionBooked': { en: 'Onboarding session booked', fr: 'Séance d’intégration réservée' },
  'admin.sessionMoved': { en: 'Onboarding session moved', fr: 'Séance d’intégration déplacée' },
  'admin.sessionCancelled': { en: 'Onboarding session cancelled', fr: 'Séance d’intégration annulée' },
  'admin.accessRequested': { en: 'Platform access requested', fr: 'Accès à la plateforme demandé' },
  'admin.platformRegistered': { en: 'Platform registration completed', fr: 'Inscription sur la plateforme terminée' },
  'staff.approved': { en: 'Approved', fr: 'Approuvé' },
  'staff.rejected': { en: 'Rejected', fr: 'Refusé' },
  'staff.changesRequested': { en: 'Changes requested', fr: 'Modifications demandées' },
  'staff.accessGranted': { en: 'Access granted', fr: 'Accès accordé' },
  'staff.accessDeclined': { en: 'Access declined', fr: 'Accès refusé' },
  'support.activationResent': { en: 'Activation email sent again', fr: 'Courriel d’activation renvoyé' },
  'support.platformEmailResent': { en: 'Platform email sent again', fr: 'Courriel de la plateforme renvoyé' },
};

const KIND_TEXT: Record<EntityKind, Localized> = { organization: UI.organization, program: UI.program };
const WAITING_TEXT: Record<string, Localized> = { admin: UI.admin, staff: UI.staff, nobody: UI.nobody };
const LOCALE: Record<Lang, string> = { en: 'en-CA', fr: 'fr-CA' };

export function stateText(kind: EntityKind, state: string, lang: Lang): string {
  return STATE_TEXT[kind]?.[state]?.[lang] ?? state;
}

export function actionText(action: string, lang: Lang): string {
  return ACTION_TEXT[action]?.[lang] ?? action;
}

function stepLabel(step: number, lang: Lang): string {
  return `${UI.step[lang]} ${step}`;
}

function formatNumber(n: number, lang: Lang, digits = 0): string {
  return new Intl.NumberFormat(LOCALE[lang], { maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(n);
}

function formatDateTime(date: Date, lang: Lang, timeZone: string): string {
  return new Intl.DateTimeFormat(LOCALE[lang], { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(date);
}

function formatDay(isoDate: string, lang: Lang): string {
  return new Intl.DateTimeFormat(LOCALE[lang], { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${isoDate}T00:00:00Z`));
}

/** "3 d 4 h" / "3 j 4 h": how long something has waited. */
export function formatWait(hours: number, lang: Lang): string {
  const days = Math.floor(hours / 24);
  const rest = Math.floor(hours - days * 24);
  const d = lang === 'fr' ? 'j' : 'd';
  if (days === 0) return `${rest} h`;
  return rest === 0 ? `${days} ${d}` : `${days} ${d} ${rest} h`;
}

// ---------------------------------------------------------------------------------
// Charts: server-rendered SVG, described by <title>/<desc>; a table says the same.

type ChartSeries = { readonly name: string; readonly color: string; readonly values: readonly (number | null)[] };
type ChartSpec = {
  readonly id: string;
  /** Whole numbers only (counts): no gridline between two integers. */
  readonly integer?: boolean;
  readonly title: string;
  readonly desc: string;
  readonly categories: readonly string[];
  readonly series: readonly ChartSeries[];
  readonly format: (n: number) => string;
};

/** Blue and orange: distinguishable with the common colour-vision deficiencies, 3:1+ on white. */
const COLORS = ['#0b4f8a', '#b35900'] as const;

/** Four or so gridlines at round values (1, 2 or 5 × 10ⁿ apart) that reach the largest value. */
function axisTicks(max: number, integer: boolean): number[] {
  const raw = Math.max(max, integer ? 1 : 0.1) / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 5, 10].map((m) => m * magnitude).find((v) => v >= raw) ?? 10 * magnitude;
  if (integer) step = Math.max(1, Math.round(step));
  const top = step * Math.max(1, Math.ceil(max / step - 1e-9));
  const ticks: number[] = [];
  for (let i = 0; i * step <= top + step / 1000; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

/** A grouped vertical bar chart. Decorative parts are hidden; the figure is one image. */
export function barChart(spec: ChartSpec): SafeHtml {
  const width = 720;
  const height = 300;
  const left = 56;
  const right = 16;
  const top = 44;
  const bottom = 40;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const values = spec.series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const ticks = axisTicks(Math.max(0, ...values), spec.integer ?? false);
  const max = ticks.at(-1) ?? 1;
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const n = Math.max(1, spec.categories.length);
  const groupW = plotW / n;
  const barW = Math.min(44, (groupW * 0.76) / Math.max(1, spec.series.length));
  const grid = ticks.map(
    (t) => html`<line x1="${left}" x2="${width - right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#c8c8c8" stroke-width="1"/><text x="${left - 8}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" font-size="12" fill="#1b1b1b">${spec.format(t)}</text>`,
  );
  const bars = spec.categories.map((category, i) => {
    const x0 = left + groupW * i + (groupW - barW * spec.series.length) / 2;
    const group = spec.series.map((s, j) => {
      const v = s.values[i] ?? null;
      const x = x0 + j * barW;
      if (v === null) {
        return html`<text x="${(x + barW / 2).toFixed(1)}" y="${(top + plotH - 4).toFixed(1)}" text-anchor="middle" font-size="11" fill="#4a4a4a">–</text>`;
      }
      const h = Math.max(v > 0 ? 1 : 0, top + plotH - y(v));
      return html`<rect x="${(x + 1).toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${s.color}"/><text x="${(x + barW / 2).toFixed(1)}" y="${(top + plotH - h - 4).toFixed(1)}" text-anchor="middle" font-size="11" fill="#1b1b1b">${spec.format(v)}</text>`;
    });
    return html`<g>${group}<text x="${(left + groupW * i + groupW / 2).toFixed(1)}" y="${height - bottom + 18}" text-anchor="middle" font-size="12" fill="#1b1b1b">${category}</text></g>`;
  });
  const legend = spec.series.map(
    (s, j) => html`<rect x="${left + j * 260}" y="10" width="14" height="14" fill="${s.color}"/><text x="${left + j * 260 + 20}" y="22" font-size="13" fill="#1b1b1b">${s.name}</text>`,
  );
  return html`<svg id="${spec.id}" class="chart" role="img" aria-labelledby="${spec.id}-title ${spec.id}-desc" viewBox="0 0 ${width} ${height}" width="100%" style="max-width:45rem;height:auto;display:block;margin:0 0 1rem" font-family="system-ui, sans-serif" xmlns="http://www.w3.org/2000/svg">
<title id="${spec.id}-title">${spec.title}</title>
<desc id="${spec.id}-desc">${spec.desc}</desc>
<g aria-hidden="true">${grid}${legend}${bars}<line x1="${left}" x2="${width - right}" y1="${top + plotH}" y2="${top + plotH}" stroke="#1b1b1b" stroke-width="1.5"/></g>
</svg>`;
}

function describe(categories: readonly string[], series: readonly ChartSeries[], format: (n: number) => string, none: string): string {
  return categories
    .map((c, i) => `${c}: ${series.map((s) => `${s.name} ${s.values[i] === null || s.values[i] === undefined ? none : format(s.values[i])}`).join(', ')}`)
    .join('; ');
}

// ---------------------------------------------------------------------------------
// Pages

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  // Sign-in links carry a token in the URL: never leak it to another site.
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'X-Robots-Tag': 'noindex, nofollow',
};

const other = (lang: Lang): Lang => (lang === 'en' ? 'fr' : 'en');

function withLang(path: string, lang: Lang): string {
  return lang === 'fr' ? `${path}${path.includes('?') ? '&' : '?'}lang=fr` : path;
}

function send(res: Response, status: number, lang: Lang, title: string, body: SafeHtml, altHref: string | undefined, notice?: { kind: 'info' | 'success' | 'error'; message: string }): void {
  res
    .status(status)
    .type('html')
    .send(renderPage({ lang, title, body, status: notice, altLang: altHref ? { href: altHref } : undefined }));
}

function table(caption: string, head: readonly string[], rows: readonly SafeHtml[], numericFrom = Infinity): SafeHtml {
  return html`<div class="table-wrap"><table>
<caption>${caption}</caption>
<thead><tr>${head.map((h, i) => html`<th scope="col"${i >= numericFrom ? raw(' style="text-align:right"') : ''}>${h}</th>`)}</tr></thead>
<tbody>${rows}</tbody>
</table></div>`;
}

const NUM = raw(' style="text-align:right;font-variant-numeric:tabular-nums"');

function renderDashboard(f: Funnel, lang: Lang, base: string): SafeHtml {
  const fmt = (n: number) => formatNumber(n, lang);
  const fmtH = (n: number) => formatNumber(n, lang, 1);
  const stepNames = f.steps.map((s) => stepLabel(s.step, lang));

  const countSeries: ChartSeries[] = [
    { name: UI.organizations[lang], color: COLORS[0], values: f.steps.map((s) => s.organizations) },
    { name: UI.programs[lang], color: COLORS[1], values: f.steps.map((s) => s.programs) },
  ];
  const stepRows = f.steps.map(
    (s) => html`<tr><th scope="row">${stepLabel(s.step, lang)} — ${STEP_TITLES[s.step]?.[lang] ?? ''}</th><td${NUM}>${fmt(s.organizations)}</td><td${NUM}>${fmt(s.programs)}</td><td${NUM}>${fmt(s.waitingOnAdmin)}</td><td${NUM}>${fmt(s.waitingOnStaff)}</td></tr>`,
  );
  const stateRows = [...f.organizations.byState, ...f.programs.byState].map(
    (s) => html`<tr><td>${KIND_TEXT[s.kind][lang]}</td><td>${s.step === null ? '–' : s.step}</td><th scope="row">${stateText(s.kind, s.state, lang)} <span class="hint">(${s.state})</span></th><td${NUM}>${fmt(s.count)}</td></tr>`,
  );

  const durationSeries: ChartSeries[] = [
    { name: UI.median[lang], color: COLORS[0], values: f.durations.map((d) => d.medianHours) },
    { name: UI.p90[lang], color: COLORS[1], values: f.durations.map((d) => d.p90Hours) },
  ];
  const durationRows = f.durations.map(
    (d) => html`<tr><th scope="row">${stepLabel(d.step, lang)} — ${STEP_TITLES[d.step]?.[lang] ?? ''}</th><td${NUM}>${d.medianHours === null ? UI.noData[lang] : fmtH(d.medianHours)}</td><td${NUM}>${d.p90Hours === null ? UI.noData[lang] : fmtH(d.p90Hours)}</td><td${NUM}>${fmt(d.samples)}</td></tr>`,
  );

  const stalledRows = f.stalled.items.map((s: StalledItem) => {
    const of = s.kind === 'program' ? html` <span class="hint">(${UI.programOf[lang]} ${s.organizationName || UI.unnamed[lang]})</span>` : '';
    return html`<tr><th scope="row"><a href="${withLang(`${base}${s.link}`, lang)}">${s.name || UI.unnamed[lang]}</a>${of}<br><span class="hint" style="font-weight:400">${stateText(s.kind, s.state, lang)}</span></th><td>${WAITING_TEXT[s.waitingOn]?.[lang] ?? s.waitingOn}</td><td style="text-align:right;white-space:nowrap">${formatWait(s.waitingHours, lang)}</td><td>${formatDateTime(s.since, lang, f.timeZone)}</td><td>${s.step}</td></tr>`;
  });
  const stalled =
    f.stalled.items.length === 0
      ? html`<p>${UI.stalledNone[lang]}</p>`
      : table(
          `${UI.stalledCaption[lang]} (${UI.showing[lang]} ${fmt(f.stalled.items.length)} ${UI.of[lang]} ${fmt(f.stalled.total)})`,
          [`${UI.name[lang]} (${UI.state[lang].toLowerCase()})`, UI.waitingOn[lang], UI.waited[lang], UI.since[lang], UI.step[lang]],
          stalledRows,
        );

  const weekNames = f.weekly.map((w) => w.week.slice(5));
  const weeklySeries: ChartSeries[] = [
    { name: UI.activated[lang], color: COLORS[0], values: f.weekly.map((w) => w.organizationsActivated) },
    { name: UI.onboarded[lang], color: COLORS[1], values: f.weekly.map((w) => w.programsOnboarded) },
  ];
  const weeklyRows = f.weekly.map(
    (w) => html`<tr><th scope="row">${w.week} <span class="hint">(${UI.weekOf[lang]} ${formatDay(w.weekStart, lang)})</span></th><td${NUM}>${fmt(w.organizationsActivated)}</td><td${NUM}>${fmt(w.programsOnboarded)}</td></tr>`,
  );

  return html`<h1>${UI.dashboardTitle[lang]}</h1>
<p>${UI.figuresAt[lang]} ${formatDateTime(f.generatedAt, lang, f.timeZone)} (${f.timeZone}). ${UI.totals[lang]}${lang === 'fr' ? '\u00a0: ' : ': '}${fmt(f.organizations.total)} ${UI.organizations[lang].toLowerCase()} (${fmt(f.organizations.active)} ${UI.active[lang]}), ${fmt(f.programs.total)} ${UI.programs[lang].toLowerCase()} (${fmt(f.programs.onboarded)} ${UI.onboardedShort[lang]}).</p>
<p><a href="${withLang(`${base}/staff/funnel.csv`, lang)}" download>${UI.downloadCsv[lang]}</a></p>
<form method="post" action="${base}/staff/sign-out"><input type="hidden" name="lang" value="${lang}"><button type="submit">${UI.signOut[lang]}</button></form>

<section aria-labelledby="where">
<h2 id="where">${UI.whereTitle[lang]}</h2>
<p>${UI.whereIntro[lang]}</p>
${barChart({ id: 'chart-steps', integer: true, title: UI.inProgressChart[lang], desc: describe(stepNames, countSeries, fmt, UI.noData[lang]), categories: stepNames, series: countSeries, format: fmt })}
${table(UI.inProgressChart[lang], [UI.step[lang], UI.organizations[lang], UI.programs[lang], UI.waitingOnAdmin[lang], UI.waitingOnStaff[lang]], stepRows, 1)}
${table(UI.byStateCaption[lang], [UI.kind[lang], UI.step[lang], UI.state[lang], UI.count[lang]], stateRows, 3)}
</section>

<section aria-labelledby="time">
<h2 id="time">${UI.timeTitle[lang]}</h2>
<p>${UI.timeIntro[lang]} ${formatDateTime(f.durationsSince, lang, f.timeZone)} ${UI.toNow[lang]}.</p>
${barChart({ id: 'chart-durations', title: UI.timeTitle[lang], desc: describe(stepNames, durationSeries, fmtH, UI.noData[lang]), categories: stepNames, series: durationSeries, format: fmtH })}
${table(UI.timeTitle[lang], [UI.step[lang], UI.median[lang], UI.p90[lang], UI.samples[lang]], durationRows, 1)}
</section>

<section aria-labelledby="stalled">
<h2 id="stalled">${UI.stalledTitle[lang]}</h2>
<p>${UI.stalledIntro[lang]}</p>
${stalled}
</section>

<section aria-labelledby="weekly">
<h2 id="weekly">${UI.weeklyTitle[lang]}</h2>
<p>${UI.weeklyIntro[lang]}</p>
${barChart({ id: 'chart-weekly', integer: true, title: UI.weeklyTitle[lang], desc: describe(f.weekly.map((w) => w.week), weeklySeries, fmt, UI.noData[lang]), categories: weekNames, series: weeklySeries, format: fmt })}
${table(UI.weeklyTitle[lang], [UI.week[lang], UI.activated[lang], UI.onboarded[lang]], weeklyRows, 1)}
</section>`;
}

function statusRow(s: EntityStatus, lang: Lang, timeZone: string): SafeHtml {
  return html`<tr><th scope="row">${s.name || UI.unnamed[lang]}</th><td>${s.step}</td><td>${s.waitingText[lang]} <span class="hint">(${s.state})</span></td><td>${WAITING_TEXT[s.waitingOn]?.[lang] ?? s.waitingOn}</td><td>${formatDateTime(s.since, lang, timeZone)}</td></tr>`;
}

function renderOrganization(org: EntityStatus, programs: readonly EntityStatus[], history: readonly HistoryItem[], truncated: boolean, lang: Lang, base: string, timeZone: string): SafeHtml {
  const names = new Map<string, string>([[org.id, org.name], ...programs.map((p): [string, string] => [p.id, p.name])]);
  const historyRows = history.map((h) => {
    const subject = names.get(h.entityId) ?? h.entityId;
    const change = h.fromState && h.toState && h.fromState !== h.toState ? `${h.fromState} → ${h.toState}` : (h.toState ?? '');
    return html`<tr><td>${formatDateTime(h.createdAt, lang, timeZone)}</td><th scope="row">${actionText(h.action, lang)}${h.entityId !== org.id ? html` <span class="hint">(${subject || UI.unnamed[lang]})</span>` : ''}</th><td>${h.actorName ?? UI.system[lang]}</td><td>${change}</td><td>${h.reason ?? ''}</td></tr>`;
  });
  const head = [UI.name[lang], UI.step[lang], UI.state[lang], UI.waitingOn[lang], UI.since[lang]];
  return html`<p><a href="${withLang(`${base}/staff`, lang)}">${UI.back[lang]}</a></p>
<h1>${org.name || UI.unnamed[lang]}</h1>
<h2>${UI.currentStatus[lang]}</h2>
<dl>
<dt>${UI.step[lang]}</dt><dd>${org.step} — ${STEP_TITLES[org.step]?.[lang] ?? ''}</dd>
<dt>${UI.state[lang]}</dt><dd>${org.waitingText[lang]} (${org.state})</dd>
<dt>${UI.waitingOn[lang]}</dt><dd>${WAITING_TEXT[org.waitingOn]?.[lang] ?? org.waitingOn}</dd>
<dt>${UI.since[lang]}</dt><dd>${formatDateTime(org.since, lang, timeZone)}</dd>
<dt>${UI.identifier[lang]}</dt><dd><code>${org.id}</code></dd>
</dl>
<h2>${UI.programs[lang]}</h2>
${programs.length === 0 ? html`<p>${UI.noPrograms[lang]}</p>` : table(UI.programs[lang], head, programs.map((p) => statusRow(p, lang, timeZone)))}
<h2>${UI.history[lang]}</h2>
${truncated ? html`<p>${UI.historyTruncated[lang]}</p>` : ''}
${table(UI.historyCaption[lang], [UI.when[lang], UI.what[lang], UI.who[lang], UI.change[lang], UI.reason[lang]], historyRows)}`;
}

function renderSignIn(lang: Lang, base: string, options: { tokenConfigured: boolean; next: string; error?: string | undefined }): SafeHtml {
  const error = options.error;
  const form = options.tokenConfigured
    ? html`<form method="post" action="${base}/staff/sign-in" novalidate>
<input type="hidden" name="lang" value="${lang}">
<input type="hidden" name="next" value="${options.next}">
<div class="field">
<label for="token">${UI.tokenLabel[lang]}</label>
<p class="hint" id="token-hint">${UI.tokenHint[lang]}</p>
${error ? html`<p class="field-error" id="token-error">${error}</p>` : ''}
<input id="token" name="token" type="password" autocomplete="current-password" required spellcheck="false" autocapitalize="none" aria-describedby="token-hint${error ? ' token-error' : ''}"${error ? raw(' aria-invalid="true" autofocus') : ''}>
</div>
<button type="submit">${UI.signIn[lang]}</button>
</form>`
    : html`<p>${UI.noTokenConfigured[lang]}</p>`;
  return html`<h1>${UI.signInTitle[lang]}</h1>
<p>${UI.signInRequired[lang]}</p>
${form}
<p class="hint">${UI.linkHint[lang]}</p>`;
}

// ---------------------------------------------------------------------------------
// Sessions and sign-in

export const STAFF_COOKIE = 'oa_staff';
const SESSION_TTL_MS = 12 * 60 * 60_000;
const SESSION_PATTERN = /^(\d{1,15})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;
const MAX_FAILURES = 10;
const FAILURE_WINDOW_MS = 15 * 60_000;
const ORG_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const HISTORY_LIMIT = 1000;

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq >= 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}

/** Equal strings, in time that does not depend on where they differ (or on their lengths). */
function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}

function langOf(req: Request, fromBody?: unknown): Lang {
  const q = req.query['lang'];
  if (isLang(fromBody)) return fromBody;
  if (isLang(q)) return q;
  return langFromAcceptLanguage(req.get('accept-language')) ?? 'en';
}

/** Only our own pages are places to return to after signing in. */
function safeNext(value: unknown): string {
  return typeof value === 'string' && /^\/staff(\/org\/[A-Za-z0-9_-]{1,64}|\/funnel\.csv)?$/.test(value) ? value : '/staff';
}

export function staffRouter(options: StaffRouterOptions): Router {
  if (options.sessionSecret.length < 16) throw new Error('staffRouter: sessionSecret must be at least 16 characters long.');
  if (options.staffToken !== undefined && options.staffToken.length < 16) throw new Error('staffRouter: STAFF_TOKEN must be at least 16 characters long.');
  const { store, service, signer, staffToken } = options;
  const clock = options.clock ?? (() => new Date());
  const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
  const funnel = options.funnel ?? ((now: Date) => computeFunnel(store, now, { timeZone }));
  // Keyed by the staff token too, so that changing STAFF_TOKEN ends every session.
  const sessionKey = createHmac('sha256', options.sessionSecret).update(`staff-session-key:${staffToken ?? ''}`, 'utf8').digest();
  const macOf = (payload: string) => createHmac('sha256', sessionKey).update(`staff-session:${payload}`, 'utf8').digest('base64url');
  const failures = new Map<string, { count: number; since: number }>();

  const cookieAttributes = (base: string) => `Path=${base || ''}/staff; HttpOnly; SameSite=Strict${options.secureCookies ? '; Secure' : ''}`;

  function startSession(req: Request, res: Response): void {
    const expires = clock().getTime() + SESSION_TTL_MS;
    const payload = `${expires}.${randomBytes(16).toString('base64url')}`;
    res.append('Set-Cookie', `${STAFF_COOKIE}=${payload}.${macOf(payload)}; Max-Age=${SESSION_TTL_MS / 1000}; ${cookieAttributes(req.baseUrl)}`);
  }

  function signedIn(req: Request): boolean {
    const value = readCookie(req.get('cookie'), STAFF_COOKIE);
    const m = value === undefined ? null : SESSION_PATTERN.exec(value);
    if (!m) return false;
    const [, expires = '', nonce = '', mac = ''] = m;
    const expected = Buffer.from(macOf(`${expires}.${nonce}`), 'utf8');
    const actual = Buffer.from(mac, 'utf8');
    return actual.length === expected.length && timingSafeEqual(actual, expected) && Number(expires) > clock().getTime();
  }

  async function audit(action: string, data: Record<string, string>): Promise<void> {
    await store.appendAudit({ entityType: 'staff', entityId: 'staff', organizationId: null, actorId: null, action, fromState: null, toState: null, reason: null, data, createdAt: clock() });
  }

  /** Counts a failed token for this address; true when it has failed too often lately. */
  function limited(address: string, fail: boolean): boolean {
    const now = clock().getTime();
    if (failures.size > 10_000) for (const [k, v] of failures) if (now - v.since > FAILURE_WINDOW_MS) failures.delete(k);
    let entry = failures.get(address);
    if (entry && now - entry.since > FAILURE_WINDOW_MS) entry = undefined;
    if (fail) {
      entry = { count: (entry?.count ?? 0) + 1, since: entry?.since ?? now };
      failures.set(address, entry);
    }
    return (entry?.count ?? 0) >= MAX_FAILURES;
  }

  /** The sign-in page; `fieldError` is about the typed token, `notice` about anything else (a link). */
  function sendSignIn(req: Request, res: Response, status: number, lang: Lang, next: string, problem: { fieldError?: string; notice?: string } = {}): void {
    const path = req.path === '/staff/sign-in' ? '/staff/sign-in' : next;
    const body = renderSignIn(lang, req.baseUrl, { tokenConfigured: staffToken !== undefined, next, error: problem.fieldError });
    const notice = problem.notice ? { kind: 'error' as const, message: problem.notice } : undefined;
    send(res, status, lang, problem.fieldError || problem.notice ? `${UI.errorPrefix[lang]}${UI.signInTitle[lang]}` : UI.signInTitle[lang], body, withLang(`${req.baseUrl}${path}`, other(lang)), notice);
  }

  const router = express.Router();
  const headers = (_req: Request, res: Response, next: NextFunction): void => {
    res.set(SECURITY_HEADERS);
    next();
  };
  const requireStaff = (req: Request, res: Response, next: NextFunction): void => {
    if (signedIn(req)) return next();
    sendSignIn(req, res, 401, langOf(req), safeNext(req.path));
  };
  // Parsed per route, so mounting this router at the root leaves other routes' bodies alone.
  const urlencoded = express.urlencoded({ extended: false, limit: '4kb' });
  const parseForm = (req: Request, res: Response, next: NextFunction): void => {
    urlencoded(req, res, (error?: unknown) => {
      if (error === undefined || error === null) return next();
      const lang = langOf(req);
      send(res, 400, lang, UI.signInTitle[lang], html`<h1>${UI.signInTitle[lang]}</h1><p>${UI.tooLarge[lang]}</p>`, undefined);
    });
  };
  const bodyOf = (req: Request): Record<string, unknown> => (typeof req.body === 'object' && req.body !== null ? (req.body as Record<string, unknown>) : {});

  router.get('/staff', headers, requireStaff, async (req, res) => {
    const lang = langOf(req);
    const f = await funnel(clock());
    send(res, 200, lang, UI.dashboardTitle[lang], renderDashboard(f, lang, req.baseUrl), withLang(`${req.baseUrl}/staff`, other(lang)));
  });

  router.get('/staff/funnel.csv', headers, requireStaff, async (_req, res) => {
    const now = clock();
    const f = await funnel(now);
    res
      .status(200)
      .set('Content-Type', 'text/csv; charset=utf-8; header=present')
      .set('Content-Disposition', `attachment; filename="onboarding-funnel-${now.toISOString().slice(0, 10)}.csv"`)
      // The byte-order mark makes spreadsheet programs read the file as UTF-8 (accents).
      .send(`\uFEFF${funnelCsv(f)}`);
  });

  router.get('/staff/org/:id', headers, requireStaff, async (req, res) => {
    const lang = langOf(req);
    const id = String(req.params['id'] ?? '');
    const org = ORG_ID_PATTERN.test(id) ? await store.getOrganization(id) : null;
    if (!org) {
      send(res, 404, lang, UI.orgNotFound[lang], html`<h1>${UI.orgNotFound[lang]}</h1><p>${UI.orgNotFoundBody[lang]}</p><p><a href="${withLang(`${req.baseUrl}/staff`, lang)}">${UI.back[lang]}</a></p>`, withLang(`${req.baseUrl}/staff`, other(lang)));
      return;
    }
    const programs = await store.programsOf(org.id);
    const workflows = new Map((await store.getWorkflows([org.id, ...programs.map((p) => p.id)])).map((w) => [w.entityId, w]));
    const orgWf = workflows.get(org.id);
    if (!orgWf) throw new Error(`no workflow for organization ${org.id}`);
    const programStatuses = programs.flatMap((p) => {
      const w = workflows.get(p.id);
      return w ? [entityStatus('program', p.id, p.displayName, w)] : [];
    });
    const history = await service.history([org.id, ...programs.map((p) => p.id)], HISTORY_LIMIT);
    const title = org.displayName || UI.unnamed[lang];
    send(
      res,
      200,
      lang,
      title,
      renderOrganization(entityStatus('organization', org.id, org.displayName, orgWf), programStatuses, history, history.length >= HISTORY_LIMIT, lang, req.baseUrl, timeZone),
      withLang(`${req.baseUrl}/staff/org/${encodeURIComponent(org.id)}`, other(lang)),
    );
  });

  router.get('/staff/sign-in', headers, async (req, res) => {
    const lang = langOf(req);
    const token = req.query['token'];
    if (typeof token !== 'string' || token === '') {
      if (signedIn(req)) return void res.redirect(303, withLang(`${req.baseUrl}/staff`, lang));
      return sendSignIn(req, res, 200, lang, '/staff');
    }
    const result = token.length <= 512 ? await consumeStaffSignInLink(store, signer, token, clock()) : ({ ok: false, reason: 'invalid' } as const);
    if (!result.ok) {
      const message = { invalid: UI.linkInvalid, expired: UI.linkExpired, used: UI.linkUsed }[result.reason][lang];
      return sendSignIn(req, res, result.reason === 'invalid' ? 401 : 410, lang, '/staff', { notice: message });
    }
    await audit('staff.signedIn', { method: 'link', personId: result.personId });
    startSession(req, res);
    res.redirect(303, withLang(`${req.baseUrl}/staff`, lang));
  });

  router.post('/staff/sign-in', headers, parseForm, async (req, res) => {
    const body = bodyOf(req);
    const lang = langOf(req, body['lang']);
    const next = safeNext(body['next']);
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    if (staffToken === undefined) return sendSignIn(req, res, 401, lang, next);
    if (limited(address, false)) return sendSignIn(req, res, 429, lang, next, { notice: UI.tooMany[lang] });
    const given = typeof body['token'] === 'string' ? body['token'].trim() : '';
    if (given === '') return sendSignIn(req, res, 401, lang, next, { fieldError: UI.emptyToken[lang] });
    if (!sameSecret(given, staffToken)) {
      if (limited(address, true)) return sendSignIn(req, res, 429, lang, next, { notice: UI.tooMany[lang] });
      return sendSignIn(req, res, 401, lang, next, { fieldError: UI.wrongToken[lang] });
    }
    failures.delete(address);
    await audit('staff.signedIn', { method: 'token' });
    startSession(req, res);
    res.redirect(303, withLang(`${req.baseUrl}${next}`, lang));
  });

  router.post('/staff/sign-out', headers, parseForm, (req, res) => {
    const lang = langOf(req, bodyOf(req)['lang']);
    res.append('Set-Cookie', `${STAFF_COOKIE}=; Max-Age=0; ${cookieAttributes(req.baseUrl)}`);
    send(res, 200, lang, UI.signInTitle[lang], join([html`<div class="status status-success" role="status">${UI.signedOut[lang]}</div>`, renderSignIn(lang, req.baseUrl, { tokenConfigured: staffToken !== undefined, next: '/staff' })]), withLang(`${req.baseUrl}/staff/sign-in`, other(lang)));
  });

  return router;
}
