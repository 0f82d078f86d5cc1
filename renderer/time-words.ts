/**
 * Times and durations as the dashboard says them: local clock time (the browser's zone,
 * named once on the page, since it may differ from the instance's over an SSH tunnel),
 * a day only when it is not today, and durations in whole words, properly plural.
 * Pure: `now` is passed in, so it is unit-tested with a fixed clock.
 */
import { clockTime, clockTimeSeconds } from '../contract/time-format.js';

/** "1 minute", "2 minutes", "0.5 hours": the unit as a word, singular only for exactly 1. */
export function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** Minutes in words: "45 seconds", "1 minute", "1.5 minutes", "2 hours", "1 hour 30 minutes", "3 days". */
export function minutesWords(minutes: number): string {
  if (!Number.isFinite(minutes) || minutes < 0) return '—';
  if (minutes < 1) return plural(Math.round(minutes * 60), 'second');
  if (minutes < 60) return plural(Math.round(minutes * 10) / 10, 'minute');
  const whole = Math.round(minutes);
  if (whole % 1440 === 0) return plural(whole / 1440, 'day');
  const h = Math.floor(whole / 60);
  const m = whole % 60;
  return m === 0 ? plural(h, 'hour') : `${plural(h, 'hour')} ${plural(m, 'minute')}`;
}

function startOfDay(t: number): number {
  const d = new Date(t);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/**
 * A local time a person can place: "15:54" today, "tomorrow 09:00", "yesterday 23:10",
 * "Tue 09:00" within the week ahead, else "2026-03-05 09:00". `seconds` adds them ("15:54:07"),
 * for stops a short naptime away.
 */
export function whenText(t: string | number, now: number, seconds = false): string {
  const ms = typeof t === 'number' ? t : Date.parse(t);
  if (Number.isNaN(ms)) return String(t);
  const days = Math.round((startOfDay(ms) - startOfDay(now)) / 86_400_000);
  const clock = seconds ? clockTimeSeconds(ms) : clockTime(ms);
  if (days === 0) return clock;
  if (days === 1) return `tomorrow ${clock}`;
  if (days === -1) return `yesterday ${clock}`;
  if (days > 1 && days < 7) return `${WEEKDAYS[new Date(ms).getDay()]} ${clock}`;
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clock}`;
}

/** "UTC+01:00" (or "UTC") for the offset in force at `t` in this runtime's zone. */
export function utcOffset(t: number): string {
  const off = -new Date(t).getTimezoneOffset();
  if (off === 0) return 'UTC';
  const sign = off > 0 ? '+' : '-';
  const a = Math.abs(off);
  return `UTC${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/** The zone times are shown in: "Europe/Berlin, UTC+01:00", or only the offset when the runtime has no zone name. */
export function zoneText(t: number, zoneName: string | undefined): string {
  const off = utcOffset(t);
  return zoneName && zoneName !== 'UTC' && zoneName !== 'Etc/UTC' ? `${zoneName}, ${off}` : off;
}

/** The browser's zone name, where it knows one. */
export function browserZoneName(): string | undefined {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}
