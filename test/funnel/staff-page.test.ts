import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaffSignInLink, STAFF_COOKIE } from '../../src/web/staff-page.ts';
import { decodeEntities } from '../helpers/app.ts';
import { staffMember } from '../helpers/journey.ts';
import { EXPECTED, G_NAME, P2_NAME, startFunnelScenario, type FunnelScenario } from './scenario.ts';
import { STAFF_TOKEN, startStaffServer, type StaffServer } from './staff-server.ts';

/** The staff pages over real HTTP: sign-in by token and by one-time link, the dashboard, the CSV, an organization's history. */
describe('the staff pages', () => {
  let s: FunnelScenario;
  let staff: StaffServer;
  let personId: string;

  beforeAll(async () => {
    s = await startFunnelScenario();
    staff = await startStaffServer(s.t, { clock: () => s.clock.now, staffToken: STAFF_TOKEN });
    personId = (await staffMember(s.t.app.service)).personId;
  });
  afterAll(async () => {
    await staff?.close();
    await s?.t.close();
  });

  const get = (path: string, cookie?: string) => fetch(`${staff.url}${path}`, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
  const signIn = (token: string, extra: Record<string, string> = {}) =>
    fetch(`${staff.url}/staff/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, lang: 'en', ...extra }).toString(),
      redirect: 'manual',
    });
  /** The `name=value` of the staff session cookie a response set, or undefined. */
  const sessionOf = (res: Response) =>
    res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0] ?? '')
      .find((c) => c.startsWith(`${STAFF_COOKIE}=`) && c.length > STAFF_COOKIE.length + 1);

  async function signedInCookie(): Promise<string> {
    const res = await signIn(STAFF_TOKEN);
    const cookie = sessionOf(res);
    if (!cookie) throw new Error(`no session cookie (${res.status})`);
    return cookie;
  }

  it('asks for sign-in (401) on every staff page, in English or French, with the same security headers', async () => {
    for (const path of ['/staff', '/staff/funnel.csv', `/staff/org/${s.ids.A}`]) {
      const res = await get(path);
      expect(res.status, path).toBe(401);
      const body = await res.text();
      expect(body).toContain('<form method="post" action="/staff/sign-in"');
      expect(body).toContain('<label for="token">Staff token</label>');
      expect(body).not.toContain('<svg');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    }
    const fr = await get('/staff?lang=fr');
    expect(fr.status).toBe(401);
    const body = await fr.text();
    expect(body).toContain('<html lang="fr">');
    expect(body).toContain('Jeton du personnel');
    expect(body).toContain('Se connecter');
  });

  it('refuses a wrong token and sets no session', async () => {
    const res = await signIn('not-the-staff-token-at-all');
    expect(res.status).toBe(401);
    expect(sessionOf(res)).toBeUndefined();
    const body = await res.text();
    expect(body).toContain('That staff token is not right.');
    expect(body).toContain('aria-invalid="true"');
    // A prefix of the right token is wrong too.
    expect((await signIn(STAFF_TOKEN.slice(0, -1))).status).toBe(401);
    // A forged cookie opens nothing.
    const forged = `${STAFF_COOKIE}=${Date.now() + 3_600_000}.${'A'.repeat(22)}.${'B'.repeat(43)}`;
    expect((await get('/staff', forged)).status).toBe(401);
  });

  it('signs in with the staff token: an HttpOnly, SameSite=Strict cookie, then the dashboard', async () => {
    const res = await signIn(STAFF_TOKEN);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/staff');
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith(`${STAFF_COOKIE}=`)) ?? '';
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).toMatch(/; SameSite=Strict/);
    expect(setCookie).toMatch(/; Path=\/staff/);
    const cookie = sessionOf(res)!;

    const page = await get('/staff', cookie);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<h1>Onboarding funnel</h1>');
    // Three charts, each an image with a title and a description, each beside a table.
    expect(html.match(/<svg id="chart-[a-z]+" class="chart" role="img" aria-labelledby="chart-[a-z]+-title chart-[a-z]+-desc"/g)).toHaveLength(3);
    expect(html).toContain('<title id="chart-steps-title">In progress per step</title>');
    expect(html).toMatch(/<desc id="chart-steps-desc">Step 1: Organizations 2, Programs 0; Step 2: Organizations 0, Programs 0; Step 3: Organizations 0, Programs 1;/);
    expect(html).toMatch(/<desc id="chart-durations-desc">Step 1: Median \(hours\) 6, 90th percentile \(hours\) 19\.2;/);
    expect(html).toContain('<caption>In progress per step</caption>');
    expect(html).toContain('<th scope="col">');
    expect(html).toContain('<th scope="row">');
    // The stalled list, longest first, each linking to its organization's history; names escaped.
    const stalledLinks = [...html.matchAll(/<a href="(\/staff\/org\/[^"]+)">/g)].map((m) => m[1]);
    expect(stalledLinks).toEqual([`/staff/org/${s.ids.G}`, `/staff/org/${s.ids.F}`, `/staff/org/${s.ids.A}`]);
    expect(html).toContain('=HYPERLINK(&quot;http://evil.example/&quot;,&quot;Click me&quot;)');
    expect(html).not.toContain(G_NAME);
    expect(html).toContain('6 d 2 h');
    expect(html).toContain('2025-W10');
  });

  it('shows the dashboard in French', async () => {
    const html = await (await get('/staff?lang=fr', await signedInCookie())).text();
    expect(html).toContain('<html lang="fr">');
    expect(html).toContain('<h1>Entonnoir d’intégration</h1>');
    expect(html).toContain('Temps passé à chaque étape');
    expect(html).toContain('Étape 1');
    expect(html).toContain('6 j 2 h');
    expect(html).toContain(`href="/staff/org/${s.ids.G}?lang=fr"`);
  });

  it('exports the figures as a CSV download', async () => {
    const res = await get('/staff/funnel.csv', await signedInCookie());
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="onboarding-funnel-2025-03-05.csv"');
    const text = await res.text();
    // fetch strips the byte-order mark when decoding; the header row comes first.
    expect(text.replace(/^\uFEFF/, '').startsWith('section,kind,step,state,week,name,')).toBe(true);
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example/"",""Click me"")"`);
    expect(text).toContain('\r\n');
  });

  it('shows an organization with its programs and full history', async () => {
    const cookie = await signedInCookie();
    const res = await get(`/staff/org/${s.ids.A}`, cookie);
    expect(res.status).toBe(200);
    const html = decodeEntities(await res.text());
    expect(html).toContain(P2_NAME);
    expect(html).toContain('Platform registration completed');
    expect(html).toContain('awaitingPlatformRegistration → onboarded');
    expect(html).toContain('Registration completed (activated)');
    expect(html).toContain('Sam Staff');
    expect(html).toContain('<caption>Every event, newest first</caption>');
    const history = await s.t.app.service.history([s.ids.A, s.ids.P1, s.ids.P2], 1000);
    expect(html.match(/<tr><td>/g)?.length).toBeGreaterThanOrEqual(history.length);

    const fr = decodeEntities(await (await get(`/staff/org/${s.ids.A}?lang=fr`, cookie)).text());
    expect(fr).toContain('Inscription sur la plateforme terminée');
    expect(fr).toContain('Historique');

    expect((await get('/staff/org/no-such-organization', cookie)).status).toBe(404);
    expect((await get('/staff/org/%3Cscript%3E', cookie)).status).toBe(404);
  });

  it('signs in once with a one-time link, and never again with it', async () => {
    const link = await createStaffSignInLink(s.t.app.store, staff.signer, { personId, now: s.clock.now, baseUrl: staff.url });
    expect(link.url.startsWith(`${staff.url}/staff/sign-in?token=`)).toBe(true);
    const first = await fetch(link.url, { redirect: 'manual' });
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/staff');
    const cookie = sessionOf(first);
    expect(cookie).toBeTruthy();
    expect((await get('/staff', cookie)).status).toBe(200);

    const again = await fetch(link.url, { redirect: 'manual' });
    expect(again.status).toBe(410);
    expect(sessionOf(again)).toBeUndefined();
    expect(await again.text()).toContain('already used');

    // Altered, expired and other-purpose links are refused.
    const altered = link.url.slice(0, -2) + (link.url.endsWith('AA') ? 'BB' : 'AA');
    expect((await fetch(altered, { redirect: 'manual' })).status).toBe(401);
    const old = await createStaffSignInLink(s.t.app.store, staff.signer, { personId, now: new Date(s.clock.now.getTime() - 16 * 60_000), baseUrl: staff.url });
    const expired = await fetch(old.url, { redirect: 'manual' });
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain('expired');
    const id = randomBytes(16).toString('base64url');
    await s.t.app.store.createLinkToken({ id, purpose: 'activation', personId, entityId: s.ids.A, expiresAt: new Date(s.clock.now.getTime() + 3_600_000), usedAt: null, revokedAt: null, createdAt: s.clock.now });
    expect((await get(`/staff/sign-in?token=${encodeURIComponent(staff.signer.sign(id))}`)).status).toBe(401);

    const audit = await s.t.app.store.history(['staff'], 50);
    expect(audit.filter((a) => a.action === 'staff.signedIn').map((a) => a.data?.method)).toContain('link');
  });

  it('ends the session on sign-out and after 12 hours', async () => {
    const cookie = await signedInCookie();
    const out = await fetch(`${staff.url}/staff/sign-out`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: 'lang=en', redirect: 'manual' });
    expect(out.status).toBe(200);
    expect(out.headers.getSetCookie().find((c) => c.startsWith(`${STAFF_COOKIE}=;`))).toMatch(/Max-Age=0/);

    const later = await signedInCookie();
    const start = s.clock.now;
    try {
      s.clock.now = new Date(start.getTime() + 13 * 3_600_000);
      expect((await get('/staff', later)).status).toBe(401);
    } finally {
      s.clock.now = start;
    }
    expect((await get('/staff', later)).status).toBe(200);
  });

  it('returns to the page asked for after signing in', async () => {
    const res = await signIn(STAFF_TOKEN, { next: `/staff/org/${s.ids.A}` });
    expect(res.headers.get('location')).toBe(`/staff/org/${s.ids.A}`);
    const elsewhere = await signIn(STAFF_TOKEN, { next: 'https://evil.example/' });
    expect(elsewhere.headers.get('location')).toBe('/staff');
  });

  it('only takes one-time links when no staff token is configured', async () => {
    const noToken = await startStaffServer(s.t, { clock: () => s.clock.now });
    try {
      const page = await fetch(`${noToken.url}/staff`);
      expect(page.status).toBe(401);
      expect(await page.text()).toContain('No staff token is configured');
      const res = await fetch(`${noToken.url}/staff/sign-in`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=', redirect: 'manual' });
      expect(res.status).toBe(401);
      expect(sessionOf(res)).toBeUndefined();
    } finally {
      await noToken.close();
    }
  });

  it('stops answering token attempts from an address after 10 wrong ones (run last: it locks 127.0.0.1 out)', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 10; i++) codes.push((await signIn(`wrong-${i}-${'x'.repeat(20)}`)).status);
    // Earlier tests made 2 wrong attempts from this address as well.
    expect(codes.slice(0, 7).every((c) => c === 401)).toBe(true);
    expect(codes.at(-1)).toBe(429);
    // Even the right token is refused while the address is locked out …
    const locked = await signIn(STAFF_TOKEN);
    expect(locked.status).toBe(429);
    expect(sessionOf(locked)).toBeUndefined();
    // … until 15 minutes have passed.
    s.clock.now = new Date(EXPECTED.now.getTime() + 16 * 60_000);
    expect((await signIn(STAFF_TOKEN)).status).toBe(303);
  });
});
