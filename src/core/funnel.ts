import { stepOf, type OnboardingStep, type OrganizationStateKey, type ProgramStateKey, type WaitingOn } from '../machine/index.ts';
import type { EntityKind, OnboardingStore, WorkflowStateRef, WorkflowStateStep } from '../store/store.ts';

/**
 * The onboarding funnel, for staff and support: where organizations and programs stand,
 * how long each of the guide's four steps takes, who has waited longest, and how many
 * finished each week. Everything is aggregated by the database (GROUP BY, percentiles,
 * LIMIT): nothing here loads one row per organization.
 *
 * An entity is *in* a step while its state belongs to that step (`stepOf`) and someone
 * still has to act (`waitingOn` is not `nobody`). So an organization leaves step 1 when
 * it becomes active (or is rejected or withdrawn), and a program leaves step 4 when it is
 * onboarded.
 */

export const DEFAULT_TIME_ZONE = 'America/Toronto';
export const STEPS: readonly OnboardingStep[] = [1, 2, 3, 4];

// Records keyed by the state types: the compiler checks every state is listed.
const ORGANIZATION_STATES: Record<OrganizationStateKey, true> = {
  draft: true,
  submitted: true,
  changesRequested: true,
  awaitingActivation: true,
  active: true,
  rejected: true,
  withdrawn: true,
};
const PROGRAM_STATES: Record<ProgramStateKey, true> = {
  draft: true,
  submitted: true,
  changesRequested: true,
  rejected: true,
  'approved.awaitingSession': true,
  'approved.sessionBooked': true,
  accessRequested: true,
  accessDeclined: true,
  awaitingPlatformRegistration: true,
  onboarded: true,
  withdrawn: true,
};
/** Every state of each machine, in the order the guide goes through them. */
export const MACHINE_STATES: Readonly<Record<EntityKind, readonly string[]>> = {
  organization: Object.keys(ORGANIZATION_STATES),
  program: Object.keys(PROGRAM_STATES),
};

/**
 * The states that mean "done": an organization activated (step 1 complete) and a
 * program onboarded (step 4 complete). Neither takes another event, so the time a
 * snapshot entered it is the completion time.
 */
const COMPLETED: readonly WorkflowStateRef[] = [
  { kind: 'organization', stateKey: 'active' satisfies OrganizationStateKey },
  { kind: 'program', stateKey: 'onboarded' satisfies ProgramStateKey },
];

export type StateCount = {
  kind: EntityKind;
  state: string;
  /** `null` for a state the current machines do not have (a snapshot of another version). */
  step: OnboardingStep | null;
  waitingOn: WaitingOn | null;
  final: boolean;
  count: number;
};

export type KindCounts = { total: number; byState: StateCount[] };

/** Entities in progress in one step (someone has to act), by kind and by who acts. */
export type StepCount = {
  step: OnboardingStep;
  organizations: number;
  programs: number;
  waitingOnAdmin: number;
  waitingOnStaff: number;
};

/** Hours spent in a step, over the visits that ended in the window; `null` without any. */
export type StepDuration = { step: OnboardingStep; samples: number; medianHours: number | null; p90Hours: number | null };

export type StalledItem = {
  kind: EntityKind;
  entityId: string;
  name: string;
  organizationId: string;
  organizationName: string;
  state: string;
  step: number;
  waitingOn: 'admin' | 'staff';
  since: Date;
  waitingHours: number;
  /** Path of the organization's history page (prefix it with where the staff router is mounted). */
  link: string;
};

export type WeeklyCompletion = {
  /** ISO 8601 week, e.g. `2025-W10`. */
  week: string;
  /** Its Monday (`YYYY-MM-DD`) in the funnel's time zone. */
  weekStart: string;
  organizationsActivated: number;
  programsOnboarded: number;
};

export type Funnel = {
  generatedAt: Date;
  timeZone: string;
  organizations: KindCounts & { active: number };
  programs: KindCounts & { onboarded: number };
  steps: StepCount[];
  /** Visits that ended from `durationsSince` to `generatedAt`. */
  durationsSince: Date;
  durations: StepDuration[];
  /** Entities waiting on someone, longest first: `total` of them, the first `items`. */
  stalled: { total: number; items: StalledItem[] };
  /** Oldest week first; the last is the current week. */
  weekly: WeeklyCompletion[];
};

export type FunnelOptions = {
  /** Weeks of completions, and of step visits for the durations (default 12). */
  weeks?: number;
  /** How many stalled entities to list (default 50). */
  stalledLimit?: number;
  /** Where weeks start and end (default America/Toronto). */
  timeZone?: string;
};

/** What the funnel needs of the store. */
export type FunnelStore = Pick<OnboardingStore, 'countWorkflowStates' | 'oldestWorkflows' | 'workflowsEnteredByWeek' | 'stepDurations'>;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

type StateInfo = { kind: EntityKind; stateKey: string; step: OnboardingStep; waitingOn: WaitingOn; final: boolean };

function knownStates(): StateInfo[] {
  return (['organization', 'program'] as const).flatMap((kind) =>
    MACHINE_STATES[kind].map((stateKey) => ({ kind, stateKey, ...stepOf(kind, stateKey) })),
  );
}

function infoOf(kind: EntityKind, stateKey: string): Omit<StateInfo, 'kind' | 'stateKey'> | null {
  try {
    return stepOf(kind, stateKey);
  } catch {
    return null;
  }
}

export async function computeFunnel(store: FunnelStore, now: Date, options: FunnelOptions = {}): Promise<Funnel> {
  const weeks = Math.max(1, Math.floor(options.weeks ?? 12));
  const stalledLimit = Math.max(0, Math.floor(options.stalledLimit ?? 50));
  const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
  const states = knownStates();
  const working = states.filter((s) => s.waitingOn !== 'nobody');
  const durationsSince = new Date(now.getTime() - weeks * 7 * DAY_MS);

  const currentMonday = mondayOf(localDate(now, timeZone));
  const firstMonday = addDays(currentMonday, -7 * (weeks - 1));
  const [counts, oldest, entered, durations] = await Promise.all([
    store.countWorkflowStates(),
    store.oldestWorkflows({ states: working.map(({ kind, stateKey }) => ({ kind, stateKey })), limit: stalledLimit }),
    store.workflowsEnteredByWeek({ states: COMPLETED, fromWeek: firstMonday, toWeek: addDays(currentMonday, 7), timeZone }),
    store.stepDurations({
      states: working.map(({ kind, stateKey, step }): WorkflowStateStep => ({ kind, stateKey, step })),
      leftFrom: durationsSince,
      // Inclusive of `now`: a step that ended at this very instant counts.
      leftBefore: new Date(now.getTime() + 1),
    }),
  ]);

  const countOf = new Map(counts.map((c) => [`${c.kind}\u0000${c.stateKey}`, c.count]));
  const byKind = (kind: EntityKind): KindCounts => {
    const byState: StateCount[] = states
      .filter((s) => s.kind === kind)
      .map((s) => ({ kind, state: s.stateKey, step: s.step, waitingOn: s.waitingOn, final: s.final, count: countOf.get(`${kind}\u0000${s.stateKey}`) ?? 0 }));
    for (const c of counts) {
      if (c.kind === kind && !infoOf(kind, c.stateKey)) byState.push({ kind, state: c.stateKey, step: null, waitingOn: null, final: false, count: c.count });
    }
    return { total: byState.reduce((n, s) => n + s.count, 0), byState };
  };
  const organizations = byKind('organization');
  const programs = byKind('program');
  const all = [...organizations.byState, ...programs.byState];
  const steps: StepCount[] = STEPS.map((step) => {
    const here = all.filter((s) => s.step === step && (s.waitingOn === 'admin' || s.waitingOn === 'staff'));
    const sum = (f: (s: StateCount) => boolean) => here.filter(f).reduce((n, s) => n + s.count, 0);
    return {
      step,
      organizations: sum((s) => s.kind === 'organization'),
      programs: sum((s) => s.kind === 'program'),
      waitingOnAdmin: sum((s) => s.waitingOn === 'admin'),
      waitingOnStaff: sum((s) => s.waitingOn === 'staff'),
    };
  });

  const durationOf = new Map(durations.map((d) => [d.step, d]));
  const weekly = Array.from({ length: weeks }, (_, i) => {
    const weekStart = addDays(firstMonday, 7 * i);
    const countIn = (kind: EntityKind) => entered.filter((e) => e.kind === kind && e.weekStart === weekStart).reduce((n, e) => n + e.count, 0);
    return { week: isoWeek(weekStart), weekStart, organizationsActivated: countIn('organization'), programsOnboarded: countIn('program') };
  });

  return {
    generatedAt: now,
    timeZone,
    organizations: { ...organizations, active: countOf.get('organization\u0000active') ?? 0 },
    programs: { ...programs, onboarded: countOf.get('program\u0000onboarded') ?? 0 },
    steps,
    durationsSince,
    durations: STEPS.map((step) => {
      const d = durationOf.get(step);
      return d && d.samples > 0
        ? { step, samples: d.samples, medianHours: round2(d.medianHours), p90Hours: round2(d.p90Hours) }
        : { step, samples: 0, medianHours: null, p90Hours: null };
    }),
    stalled: {
      total: steps.reduce((n, s) => n + s.organizations + s.programs, 0),
      items: oldest.map((w) => ({
        kind: w.kind,
        entityId: w.entityId,
        name: w.name,
        organizationId: w.organizationId,
        organizationName: w.organizationName,
        state: w.stateKey,
        step: w.step,
        waitingOn: w.waitingOn === 'staff' ? 'staff' : 'admin',
        since: w.enteredAt,
        waitingHours: round2(Math.max(0, now.getTime() - w.enteredAt.getTime()) / HOUR_MS),
        link: `/staff/org/${encodeURIComponent(w.organizationId)}`,
      })),
    },
    weekly,
  };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** The calendar date (`YYYY-MM-DD`) of an instant in a time zone. */
export function localDate(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

function utcDay(date: string): Date {
  return new Date(`${date}T00:00:00Z`);
}

function addDays(date: string, days: number): string {
  return new Date(utcDay(date).getTime() + days * DAY_MS).toISOString().slice(0, 10);
}

function mondayOf(date: string): string {
  const weekday = utcDay(date).getUTCDay(); // 0 = Sunday
  return addDays(date, -((weekday + 6) % 7));
}

/** ISO 8601 week of a date: the week belongs to the year of its Thursday. */
export function isoWeek(date: string): string {
  const thursday = utcDay(addDays(mondayOf(date), 3));
  const year = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY_MS));
  return `${year}-W${String(week).padStart(2, '0')}`;
}
