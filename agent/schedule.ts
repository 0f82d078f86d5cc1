/**
 * Which schedule windows are open at an instant: a pure function of (schedule, instant).
 *
 * Each window occurrence is an interval of real time [start, end) found from the zone's
 * own rules through Intl (never hand-made offsets). A wall-clock time that a DST change
 * skips starts at the transition (the window is not skipped); one that happens twice
 * counts once, at its first occurrence (the window is not doubled).
 */
import { parseClock, parseDays, windowLabel, type ScheduleConfig, type ScheduleStatus, type ScheduleWindow } from '../contract/schedule.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

interface LocalDate {
  y: number;
  m: number;
  d: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** The zone's wall clock at instant t, as if it were UTC (ms), and the local date. */
function wallClock(t: number, tz: string): { wall: number; date: LocalDate } {
  const p: Record<string, number> = {};
  for (const part of formatter(tz).formatToParts(new Date(t))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const date = { y: p.year!, m: p.month!, d: p.day! };
  return { wall: Date.UTC(date.y, date.m - 1, date.d, p.hour!, p.minute!, p.second!), date };
}

function addDays(d: LocalDate, n: number): LocalDate {
  const t = new Date(Date.UTC(d.y, d.m - 1, d.d + n));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

function weekday(d: LocalDate): number {
  return new Date(Date.UTC(d.y, d.m - 1, d.d)).getUTCDay();
}

/**
 * The first instant at which the zone's clock reads `minutes` after midnight of `date`,
 * or, when a DST change skips that time, the instant the clock jumps past it.
 */
export function zonedInstant(date: LocalDate, minutes: number, tz: string): number {
  const wall = Date.UTC(date.y, date.m - 1, date.d) + minutes * MINUTE;
  // A zone changes its offset at most once within a day either side: the offsets seen a
  // day before and a day after give every candidate.
  const candidates = new Set<number>();
  for (const probe of [wall - DAY, wall, wall + DAY]) candidates.add(wall - (wallClock(probe, tz).wall - probe));
  const exact = [...candidates].filter((t) => wallClock(t, tz).wall === wall);
  if (exact.length) return Math.min(...exact);
  // In a gap: binary search the jump between the candidates (the clock is monotonic there).
  let lo = Math.min(...candidates);
  let hi = Math.max(...candidates);
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (wallClock(mid, tz).wall >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

interface Occurrence {
  window: ScheduleWindow;
  start: number;
  end: number;
}

/** Occurrences of every window that start on local days first..last. */
function occurrences(windows: ScheduleWindow[], tz: string, first: LocalDate, days: number): Occurrence[] {
  const out: Occurrence[] = [];
  for (const window of windows) {
    const set = parseDays(window.days);
    const from = parseClock(window.from);
    const to = parseClock(window.to);
    if (!set || from === null || to === null) continue; // refused by the schema; never reached
    for (let i = 0; i < days; i++) {
      const day = addDays(first, i);
      if (!set.has(weekday(day))) continue;
      const start = zonedInstant(day, from, tz);
      // "to" at or before "from" crosses midnight; 24:00 is the next day's 00:00.
      const endDay = to <= from ? addDays(day, 1) : to === 1440 ? addDays(day, 1) : day;
      const end = zonedInstant(endDay, to === 1440 ? 0 : to, tz);
      if (end > start) out.push({ window, start, end });
    }
  }
  return out;
}

export function hostTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** The schedule's effect at instant `now`. */
export function evaluateSchedule(schedule: ScheduleConfig, now: number, defaultZone = hostTimeZone()): ScheduleStatus {
  const tz = schedule.timezone || defaultZone;
  const empty: ScheduleStatus = { timezone: tz, open: [], keep_awake: false, naptime_minutes: null, next_change: null };
  if (!schedule.windows.length) return empty;
  const today = wallClock(now, tz).date;
  // Yesterday's overnight windows may still be open; a week ahead always holds the next change.
  const occ = occurrences(schedule.windows, tz, addDays(today, -1), 9);
  const openAt = (t: number) => occ.filter((o) => o.start <= t && t < o.end);
  const keyOf = (list: Occurrence[]) => [...new Set(list.map((o) => o.window))].map((w) => schedule.windows.indexOf(w)).sort().join(',');
  const open = openAt(now);
  const key = keyOf(open);
  // The next boundary where the set of open windows really changes: Monday's 00:00–24:00
  // ending as Tuesday's begins is no change at all.
  // Only instants whose open windows are all among the computed occurrences count: past the
  // last computed local day an always-open window would seem to close at the horizon. A week
  // holds every change of a weekly schedule, so none inside it means none ever (null).
  const known = zonedInstant(addDays(today, 8), 0, tz);
  const boundaries = [...new Set(occ.flatMap((o) => [o.start, o.end]))].filter((t) => t > now && t < known).sort((a, b) => a - b);
  const next = boundaries.find((t) => keyOf(openAt(t)) !== key) ?? Infinity;
  const naptimes = open.map((o) => o.window.naptime_minutes).filter((n): n is number => n !== undefined);
  return {
    timezone: tz,
    open: [...new Set(open.map((o) => windowLabel(o.window, tz)))],
    keep_awake: open.some((o) => o.window.keep_awake === true),
    // Overlapping naptime windows: the longest wins, the safe side of "never stop a user".
    naptime_minutes: naptimes.length ? Math.max(...naptimes) : null,
    next_change: Number.isFinite(next) ? new Date(next).toISOString().replace(/\.\d{3}Z$/, 'Z') : null,
  };
}

/**
 * Evaluates once per change instead of once per sample: the answer cannot change before
 * `next_change`, so the ~100 Intl calls of an evaluation run a few times a day.
 */
export class ScheduleClock {
  private cached: { schedule: ScheduleConfig; until: number; status: ScheduleStatus; from: number } | null = null;

  /**
   * The host's zone is looked up at the first evaluation, not before: the first Intl call
   * maps about 6 MB of ICU data into the process for good, which an agent without a
   * schedule never needs.
   */
  constructor(private defaultZone?: string) {}

  at(schedule: ScheduleConfig, now: number): ScheduleStatus {
    const c = this.cached;
    if (c && c.schedule === schedule && now >= c.from && now < c.until) return c.status;
    this.defaultZone ??= hostTimeZone();
    const status = evaluateSchedule(schedule, now, this.defaultZone);
    const until = status.next_change ? Date.parse(status.next_change) : Infinity;
    // next_change is rounded down to the second; never cache past it.
    this.cached = { schedule, until: Math.min(until, now + DAY), status, from: now };
    return status;
  }
}
