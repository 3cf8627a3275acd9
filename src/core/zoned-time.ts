/**
 * Wall-clock arithmetic in IANA time zones with nothing but `Intl`: what a local time is
 * as an instant, the local date and time of an instant, days added in local terms (so a
 * reminder "3 days later at the same time" stays at the same time across a DST change).
 * An unknown zone falls back to UTC: these run in the delivery worker and must not fail
 * on a person's stored data.
 */

export type WallTime = {
  readonly year: number;
  /** 1–12 */
  readonly month: number;
  readonly day: number;
  /** 0–23 */
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** 0 = Sunday … 6 = Saturday */
  readonly weekday: number;
};

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

const unknownZones = new Set<string>();

/**
 * Whether `Intl` knows this zone. Cached both ways: building a formatter to find out costs
 * more than a whole turn's rendering, and every message reports its person's zone.
 */
export function knowsTimeZone(timeZone: string): boolean {
  if (!timeZone || unknownZones.has(timeZone)) return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    // At most a bounded number of wrong names are remembered (they come from outside).
    if (unknownZones.size > 1000) unknownZones.clear();
    unknownZones.add(timeZone);
    return false;
  }
}

/** `timeZone` if `Intl` knows it, else `UTC`. */
export function safeTimeZone(timeZone: string | null | undefined): string {
  if (!timeZone) return 'UTC';
  try {
    formatter(timeZone);
    return timeZone;
  } catch {
    return 'UTC';
  }
}

/** The local date and time of `instant` in `timeZone`. */
export function wallTime(instant: Date, timeZone: string): WallTime {
  const parts = formatter(safeTimeZone(timeZone)).formatToParts(instant);
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const year = get('year');
  const month = get('month');
  const day = get('day');
  return {
    year,
    month,
    day,
    hour: get('hour') % 24,
    minute: get('minute'),
    second: get('second'),
    weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay(),
  };
}

/** Offset of `timeZone` from UTC at `instant`, in ms (−4 h in Halifax in summer: −14 400 000). */
export function zoneOffsetMs(instant: Date, timeZone: string): number {
  const w = wallTime(instant, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/**
 * The instant at which clocks in `timeZone` show this local time. A time skipped by a
 * spring-forward change resolves to the instant after the gap (02:30 → 03:30); a time
 * repeated by a fall-back change resolves to its first occurrence.
 */
export function fromWallTime(local: { year: number; month: number; day: number; hour?: number; minute?: number; second?: number }, timeZone: string): Date {
  const zone = safeTimeZone(timeZone);
  const guess = Date.UTC(local.year, local.month - 1, local.day, local.hour ?? 0, local.minute ?? 0, local.second ?? 0);
  // Two offsets around the guess: the first occurrence is the earlier candidate that maps back.
  const before = zoneOffsetMs(new Date(guess - 86_400_000), zone);
  const after = zoneOffsetMs(new Date(guess + 86_400_000), zone);
  const candidates = [...new Set([before, after])].map((offset) => guess - offset).sort((a, b) => a - b);
  for (const c of candidates) {
    const w = wallTime(new Date(c), zone);
    if (Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) === guess) return new Date(c);
  }
  // In a spring-forward gap: the wall time does not exist; use the offset from before it.
  return new Date(guess - before);
}

/** `instant` moved by `days` calendar days in `timeZone`, at the same local time. */
export function addLocalDays(instant: Date, days: number, timeZone: string): Date {
  const w = wallTime(instant, timeZone);
  const d = new Date(Date.UTC(w.year, w.month - 1, w.day + days));
  return fromWallTime({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: w.hour, minute: w.minute, second: w.second }, timeZone);
}

const isWeekend = (weekday: number) => weekday === 0 || weekday === 6;

/**
 * `days` business days after `instant`, counted in `timeZone` with Saturday and Sunday
 * skipped: Thursday 10:00 + 2 = Monday 10:00. Time that starts on a weekend starts
 * counting on Monday at 00:00.
 */
export function addBusinessDays(instant: Date, days: number, timeZone: string): Date {
  let at = instant;
  let w = wallTime(at, timeZone);
  while (isWeekend(w.weekday)) {
    const next = new Date(Date.UTC(w.year, w.month - 1, w.day + 1));
    at = fromWallTime({ year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() }, timeZone);
    w = wallTime(at, timeZone);
  }
  for (let counted = 0; counted < days; ) {
    at = addLocalDays(at, 1, timeZone);
    if (!isWeekend(wallTime(at, timeZone).weekday)) counted++;
  }
  return at;
}

/**
 * "2026-12-15 14:00" (what staff type) in `timeZone` → the instant, through `fromWallTime`.
 * Malformed text or an unknown zone gives an invalid Date, which callers report.
 */
export function parseWallTime(local: string, timeZone: string): Date {
  const m = local.trim().match(/^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})$/);
  if (!m || safeTimeZone(timeZone) !== timeZone) return new Date(Number.NaN);
  const [, year, month, day, hour, minute] = m.map(Number) as [number, number, number, number, number, number];
  return fromWallTime({ year, month, day, hour, minute }, timeZone);
}
