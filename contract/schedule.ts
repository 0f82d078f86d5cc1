/**
 * The `schedule` config key: windows of the week that keep the instance awake or replace
 * the naptime while they are open. Schema and parsing only; evaluation against the clock
 * lives in agent/schedule.ts.
 */
import * as z from 'zod/mini';
import './zod-locale.js';
import { clockTime, dateTime } from './time-format.js';

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** "mon-fri", "sat,sun", "mon,wed-fri", "sun-tue" (ranges wrap past the week's end). Null when malformed. */
export function parseDays(spec: string): Set<number> | null {
  const out = new Set<number>();
  const parts = spec.toLowerCase().split(',').map((p) => p.trim());
  for (const part of parts) {
    const m = /^([a-z]{3})(?:-([a-z]{3}))?$/.exec(part);
    if (!m) return null;
    const a = WEEKDAYS.indexOf(m[1] as Weekday);
    const b = m[2] === undefined ? a : WEEKDAYS.indexOf(m[2] as Weekday);
    if (a < 0 || b < 0) return null;
    for (let d = a; ; d = (d + 1) % 7) {
      out.add(d);
      if (d === b) break;
    }
  }
  return out.size ? out : null;
}

/** Minutes after local midnight for "HH:MM"; "24:00" is the end of the day (1440). */
export function parseClock(s: string): number | null {
  const m = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(s);
  if (!m) return null;
  const v = Number(m[1]) * 60 + Number(m[2]);
  return v <= 1440 ? v : null;
}

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

// Messages follow the field's path (describeZodError prints "schedule.windows.0.from must be …"), so they do not repeat its name.
const clock = () => z.string().check(z.refine((s: string) => parseClock(s) !== null, 'must be a time of day such as 09:00 (00:00 to 24:00)'));

/** The naptime's range, for the config key and for a schedule window that replaces it. */
export const naptimeMinutesSchema = z.number().check(z.gte(0.05), z.lte(7 * 24 * 60));

export const scheduleWindowSchema = z
  .strictObject({
    // "mon,tue,wed,thu,fri,sat,sun" is 27 characters: more is a mistake, and labels go into STATUS.
    days: z.string().check(z.maxLength(40), z.refine((s: string) => parseDays(s) !== null, 'must be mon…sun, ranges such as mon-fri, or lists such as sat,sun')),
    from: clock(),
    to: clock(),
    keep_awake: z.optional(z.literal(true)),
    naptime_minutes: z.optional(naptimeMinutesSchema),
  })
  .check(
    z.superRefine((w, ctx) => {
      if (w.keep_awake === true && w.naptime_minutes !== undefined) {
        ctx.addIssue({ code: 'custom', message: 'must be left out when naptime_minutes is set: a window either keeps awake or sets the naptime', path: ['keep_awake'] });
      } else if (w.keep_awake === undefined && w.naptime_minutes === undefined) {
        ctx.addIssue({ code: 'custom', message: 'is missing: a window needs "keep_awake": true or "naptime_minutes"', path: ['keep_awake'] });
      }
      const from = parseClock(w.from);
      const to = parseClock(w.to);
      if (from === 1440) ctx.addIssue({ code: 'custom', message: 'must be before 24:00', path: ['from'] });
      if (from !== null && to !== null && from === to) {
        ctx.addIssue({ code: 'custom', message: 'must differ from "from": use 00:00 to 24:00 for a whole day', path: ['to'] });
      }
    }),
  );

export const scheduleSchema = z.strictObject({
  /** IANA zone name; empty = the host's zone. */
  timezone: z._default(
    z.string().check(
      z.maxLength(64),
      z.refine((tz: string) => tz === '' || isTimeZone(tz), 'must be an IANA zone name such as Europe/Berlin'),
    ),
    '',
  ),
  windows: z._default(z.array(scheduleWindowSchema).check(z.maxLength(32)), []),
});

export type ScheduleConfig = z.infer<typeof scheduleSchema>;
export type ScheduleWindow = z.infer<typeof scheduleWindowSchema>;

/** What STATUS says about the schedule. */
export interface ScheduleStatus {
  timezone: string;
  /** Human label of each open window, e.g. "keep awake mon-fri 09:00–18:00 Europe/Berlin". */
  open: string[];
  /** True while an open window keeps the instance awake. */
  keep_awake: boolean;
  /** The naptime an open window sets, or null. */
  naptime_minutes: number | null;
  /** RFC 3339: when a window next opens or closes; null without windows. */
  next_change: string | null;
}

export function windowLabel(w: ScheduleWindow, tz: string): string {
  const what = w.keep_awake ? 'keep awake' : `naptime ${w.naptime_minutes} min`;
  return `${what} ${w.days} ${w.from}–${w.to} ${tz}`;
}

/**
 * One line for people (CLI, tray, dashboard): "keep awake mon-fri 09:00–18:00 Europe/Berlin
 * until 18:00", or "no window open; next change 2026-11-30 09:00". The next change is in
 * the reader's local time: within a day as a clock time, further off with its date.
 */
export function scheduleSummary(st: ScheduleStatus, now: number): string {
  let next = '';
  if (st.next_change) {
    const t = Date.parse(st.next_change);
    next = t - now < 86_400_000 ? clockTime(t) : dateTime(t).slice(0, 16);
  }
  if (st.open.length) return `${st.open.join('; ')}${next ? ` until ${next}` : ''}`;
  return `no window open${next ? `; next change ${next}` : ''}`;
}
