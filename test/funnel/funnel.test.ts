import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeFunnel, isoWeek, localDate, type Funnel } from '../../src/core/funnel.ts';
import { csvCell, funnelCsv, toCsv } from '../../src/web/staff-page.ts';
import { EXPECTED, G_NAME, hours, P1_NAME, startFunnelScenario, type FunnelScenario } from './scenario.ts';

/** Splits RFC 4180 text into rows of fields (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  if (field !== '' || row.length > 0) throw new Error('CSV does not end with CRLF');
  return rows;
}

describe('the onboarding funnel', () => {
  let s: FunnelScenario;
  let funnel: Funnel;

  beforeAll(async () => {
    s = await startFunnelScenario();
    funnel = await computeFunnel(s.t.app.store, EXPECTED.now);
  });
  afterAll(async () => s?.t.close());

  it('counts organizations and programs in each state and in progress per step', () => {
    const count = (f: Funnel['organizations'] | Funnel['programs'], state: string) => f.byState.find((x) => x.state === state)?.count;
    expect(funnel.organizations.total).toBe(9);
    expect(funnel.organizations.active).toBe(6);
    expect(count(funnel.organizations, 'draft')).toBe(1);
    expect(count(funnel.organizations, 'submitted')).toBe(1);
    expect(count(funnel.organizations, 'rejected')).toBe(1);
    expect(count(funnel.organizations, 'awaitingActivation')).toBe(0);
    expect(funnel.programs.total).toBe(2);
    expect(funnel.programs.onboarded).toBe(1);
    expect(count(funnel.programs, 'approved.awaitingSession')).toBe(1);
    // Every state of both machines is listed, with zeros.
    expect(funnel.organizations.byState.map((x) => x.state)).toEqual(['draft', 'submitted', 'changesRequested', 'awaitingActivation', 'active', 'rejected', 'withdrawn']);
    expect(funnel.programs.byState).toHaveLength(11);

    expect(funnel.steps).toEqual([
      { step: 1, organizations: 2, programs: 0, waitingOnAdmin: 1, waitingOnStaff: 1 },
      { step: 2, organizations: 0, programs: 0, waitingOnAdmin: 0, waitingOnStaff: 0 },
      { step: 3, organizations: 0, programs: 1, waitingOnAdmin: 1, waitingOnStaff: 0 },
      { step: 4, organizations: 0, programs: 0, waitingOnAdmin: 0, waitingOnStaff: 0 },
    ]);
  });

  it('computes the median and 90th percentile of the time spent in each step from the audit log', () => {
    expect(funnel.durations).toEqual(EXPECTED.durations);
    expect(funnel.durationsSince.toISOString()).toBe(new Date(EXPECTED.now.getTime() - 84 * 86_400_000).toISOString());
  });

  it('counts only the step visits that ended in the window', async () => {
    // Four weeks later, with a 4-week window, the visits of early March are out of it.
    const later = await computeFunnel(s.t.app.store, new Date(EXPECTED.now.getTime() + 28 * 86_400_000), { weeks: 4 });
    expect(later.durations.map((d) => d.samples)).toEqual([0, 0, 0, 0]);
    expect(later.durations[0]).toEqual({ step: 1, samples: 0, medianHours: null, p90Hours: null });
  });

  it('lists what waits on someone, longest first, with who it waits on and where to look', () => {
    expect(funnel.stalled.total).toBe(3);
    expect(funnel.stalled.items.map((x) => [x.entityId, x.kind, x.state, x.waitingOn, x.since.toISOString(), x.waitingHours])).toEqual([
      [s.ids.G, 'organization', 'draft', 'admin', hours(-96).toISOString(), 146],
      [s.ids.F, 'organization', 'submitted', 'staff', hours(1).toISOString(), 49],
      [s.ids.P1, 'program', 'approved.awaitingSession', 'admin', hours(7).toISOString(), 43],
    ]);
    const [g, , p1] = funnel.stalled.items;
    expect(g?.name).toBe(G_NAME);
    expect(g?.link).toBe(`/staff/org/${s.ids.G}`);
    // A program links to its organization's history.
    expect(p1?.name).toBe(P1_NAME);
    expect(p1?.organizationId).toBe(s.ids.A);
    expect(p1?.link).toBe(`/staff/org/${s.ids.A}`);
  });

  it('limits the stalled list but still says how many wait', async () => {
    const top = await computeFunnel(s.t.app.store, EXPECTED.now, { stalledLimit: 1 });
    expect(top.stalled).toMatchObject({ total: 3, items: [{ entityId: s.ids.G }] });
  });

  it('counts organizations activated and programs onboarded per ISO week, for the last 12 weeks', () => {
    expect(funnel.weekly).toHaveLength(12);
    expect(funnel.weekly[0]).toEqual({ week: '2024-W51', weekStart: '2024-12-16', organizationsActivated: 0, programsOnboarded: 0 });
    expect(funnel.weekly.at(-2)).toEqual({ week: '2025-W09', weekStart: '2025-02-24', organizationsActivated: 1, programsOnboarded: 0 });
    expect(funnel.weekly.at(-1)).toEqual({ week: '2025-W10', weekStart: '2025-03-03', organizationsActivated: 5, programsOnboarded: 1 });
    expect(funnel.weekly.reduce((n, w) => n + w.organizationsActivated, 0)).toBe(6);
  });

  it('starts weeks on Monday in the configured time zone', async () => {
    // Sunday 22:00 in Toronto is already Monday in UTC: the local date decides the week.
    expect(localDate(new Date('2025-03-03T03:00:00Z'), 'America/Toronto')).toBe('2025-03-02');
    expect(localDate(new Date('2025-03-03T03:00:00Z'), 'UTC')).toBe('2025-03-03');
    const utc = await computeFunnel(s.t.app.store, EXPECTED.now, { timeZone: 'UTC' });
    expect(utc.timeZone).toBe('UTC');
    expect(utc.weekly.at(-2)).toMatchObject({ week: '2025-W09', organizationsActivated: 1 });
    expect(utc.weekly.at(-1)).toMatchObject({ week: '2025-W10', organizationsActivated: 5, programsOnboarded: 1 });
    // Seen from Tokyo, H's activation (Saturday 09:00 there) and the rest fall in the same weeks.
    const tokyo = await computeFunnel(s.t.app.store, EXPECTED.now, { timeZone: 'Asia/Tokyo' });
    expect(tokyo.weekly.slice(-2).map((w) => w.organizationsActivated)).toEqual([1, 5]);
  });

  it('names ISO weeks by the year of their Thursday', () => {
    expect(isoWeek('2024-12-30')).toBe('2025-W01');
    expect(isoWeek('2021-01-03')).toBe('2020-W53');
    expect(isoWeek('2025-03-09')).toBe('2025-W10');
    expect(isoWeek('2025-03-10')).toBe('2025-W11');
  });

  it('exports the figures as CSV that spreadsheets cannot run', () => {
    const csv = funnelCsv(funnel);
    expect(csv.endsWith('\r\n')).toBe(true);
    const rows = parseCsv(csv);
    const [head, ...body] = rows;
    expect(head).toEqual(['section', 'kind', 'step', 'state', 'week', 'name', 'organization', 'organization_id', 'entity_id', 'waiting_on', 'since', 'metric', 'value']);
    expect(body.every((r) => r.length === head!.length)).toBe(true);
    const col = (name: string) => head!.indexOf(name);
    const stalled = body.filter((r) => r[col('section')] === 'stalled');
    expect(stalled.map((r) => r[col('entity_id')])).toEqual([s.ids.G, s.ids.F, s.ids.P1]);
    // The formula-looking name is neutralised with a leading quote, and kept whole.
    expect(stalled[0]?.[col('name')]).toBe(`'${G_NAME}`);
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example/"",""Click me"")"`);
    expect(stalled[2]?.[col('name')]).toBe(`'${P1_NAME}`);
    expect(stalled[2]?.[col('value')]).toBe('43');
    const median1 = body.find((r) => r[col('section')] === 'duration' && r[col('step')] === '1' && r[col('metric')] === 'median_hours');
    expect(median1?.[col('value')]).toBe('6');
    const week10 = body.filter((r) => r[col('section')] === 'weekly' && r[col('week')] === '2025-W10').map((r) => [r[col('kind')], r[col('value')]]);
    expect(week10).toEqual([
      ['organization', '5'],
      ['program', '1'],
    ]);
    // No cell of the file starts a formula.
    expect(body.flat().some((cell) => /^[=+\-@]/.test(cell))).toBe(false);
  });
});

describe('CSV cells', () => {
  it('quotes per RFC 4180 only when needed', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('cr\r')).toBe('"cr\r"');
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(3.8)).toBe('3.8');
    expect(toCsv([['a', 'b,c'], [1, null]])).toBe('a,"b,c"\r\n1,\r\n');
  });

  it('neutralises text that a spreadsheet would run as a formula', () => {
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\t=1')).toBe("'\t=1");
    expect(csvCell('=A1,"x"')).toBe(`"'=A1,""x"""`);
    // Not at the start: harmless, left alone. Numbers are never changed.
    expect(csvCell('a=b')).toBe('a=b');
    expect(csvCell(-2)).toBe('-2');
  });
});
