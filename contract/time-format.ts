/**
 * How times and durations read, everywhere: the CLI, the agent's history messages and
 * banners, the tray and the dashboard all call these, so a time or a duration is worded
 * one way. Pure (no Node or DOM imports; `Intl` is in every runtime) so every part can
 * share it, and `now` is passed in so it is unit-tested with a fixed clock.
 *
 * The rule: people see local time, with the zone where the reader may be elsewhere or
 * later (localStamp) or named once on the page (whenText + zoneText); machines (tags,
 * JSON, CSV) get UTC RFC 3339 and never pass through here.
 */

const pad = (n: number) => String(n).padStart(2, '0');

// ---------------------------------------------------------------------------
// Numbers and durations

/** 10080 -> "10,080"; 0.05 -> "0.05"; never "1e-7". */
export function fmtNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return Math.abs(n) >= 10_000 ? groupDigits(n) : String(n);
  return String(Number(n.toPrecision(6)));
}

/**
 * An integer with thousands separators, as toLocaleString('en-US') writes it, without
 * Intl: the first Intl call maps about 7 MB of ICU data into the agent for good.
 */
export function groupDigits(n: number): string {
  if (!Number.isInteger(n) || Math.abs(n) >= 1e21) return n.toLocaleString('en-US');
  return String(n).replace(/\B(?=(\d{3})+$)/g, ',');
}

/** "1 minute", "2 minutes", "0.5 minutes": the unit as a word, singular only for exactly 1. */
export function plural(n: number, unit: string): string {
  return `${fmtNumber(n)} ${unit}${n === 1 ? '' : 's'}`;
}

/**
 * Seconds in words, pluralised, at most two units: "1 minute", "4 minutes 30 seconds",
 * "2 hours 5 minutes", "1 day", "3 days 2 hours".
 */
export function durationWords(secs: number): string {
  if (!Number.isFinite(secs)) return '—';
  const s = Math.max(0, Math.round(secs));
  if (s < 60) return plural(s, 'second');
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${plural(m, 'minute')} ${plural(s % 60, 'second')}` : plural(m, 'minute');
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${plural(h, 'hour')} ${plural(m % 60, 'minute')}` : plural(h, 'hour');
  const d = Math.floor(h / 24);
  return h % 24 ? `${plural(d, 'day')} ${plural(h % 24, 'hour')}` : plural(d, 'day');
}

/** Minutes in words: 90 -> "1 hour 30 minutes", 0.5 -> "30 seconds", 10080 -> "7 days". */
export function minutesWords(minutes: number): string {
  return durationWords(minutes * 60);
}

/** Seconds, short, for tight places (a metric cell, a reason in parentheses): "42 s", "4 min 30 s", "2 h 5 min". */
export function formatDuration(secs: number): string {
  const s = Math.max(0, Math.round(secs));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  const r = s % 60;
  if (m < 60) return r ? `${m} min ${r} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

/** Countdown "mm:ss", or "h:mm:ss" past an hour; rounds up so it never shows 00:00 early. */
export function formatCountdown(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = pad(s % 60);
  return h > 0 ? `${h}:${pad(m)}:${ss}` : `${pad(m)}:${ss}`;
}

// ---------------------------------------------------------------------------
// Clock times, local

/** 24-hour local clock time, "14:05". */
export function clockTime(t: string | number): string {
  const d = new Date(t);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** "14:05:09". */
export function clockTimeSeconds(t: string | number): string {
  const d = new Date(t);
  return `${clockTime(t)}:${pad(d.getSeconds())}`;
}

/** Local date and time, "2026-11-26 14:05:09"; the input back when it is not a time. */
export function dateTime(t: string | number): string {
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clockTimeSeconds(t)}`;
}

/** The local zone's short name at `t` ("CET", "UTC", "GMT+2"), from the platform's zone data. */
export function zoneName(t: number): string {
  try {
    const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(new Date(t)).find((p) => p.type === 'timeZoneName');
    return part?.value ?? '';
  } catch {
    return '';
  }
}

/**
 * The local zone at `t` as its offset, the way Intl's en-US short names write zones
 * without a US abbreviation: "UTC", "GMT+1", "GMT-3:30". No Intl (see groupDigits): the
 * agent's messages use it (agent/local-stamp.ts); the CLI and the app show zoneName's "CET"/"EST".
 */
export function offsetZoneName(t: number): string {
  const off = -new Date(t).getTimezoneOffset();
  if (!Number.isFinite(off)) return '';
  if (off === 0) return 'UTC';
  const a = Math.abs(off);
  return `GMT${off > 0 ? '+' : '-'}${Math.floor(a / 60)}${a % 60 ? `:${pad(a % 60)}` : ''}`;
}

const sameLocalDay = (a: Date, b: Date) => a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();

/**
 * A local time for a sentence that may be read elsewhere or later (history messages,
 * terminal banners, CLI replies, the tray): "15:54 CET" today, "2026-11-27 15:54 CET" on
 * another day. Seconds only when asked (a countdown of under a few minutes). `zone` names
 * the zone (zoneName unless told; the agent passes offsetZoneName, see agent/local-stamp.ts).
 */
export function localStamp(t: number | string, now: number, opts: { seconds?: boolean; zone?: (t: number) => string } = {}): string {
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  const clock = opts.seconds ? clockTimeSeconds(d.getTime()) : clockTime(d.getTime());
  const day = sameLocalDay(d, new Date(now)) ? '' : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} `;
  const zone = (opts.zone ?? zoneName)(d.getTime());
  return `${day}${clock}${zone ? ` ${zone}` : ''}`;
}

/** A local date and time with its zone, for a row in a long list: "2026-11-26 14:05:09 CET". */
export function dateTimeZone(t: string | number): string {
  const ms = typeof t === 'number' ? t : Date.parse(t);
  if (Number.isNaN(ms)) return String(t);
  const zone = zoneName(ms);
  return `${dateTime(ms)}${zone ? ` ${zone}` : ''}`;
}

function startOfDay(t: number): number {
  const d = new Date(t);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/**
 * A local time a person can place, on a page that names its zone once (zoneText):
 * "15:54" today, "tomorrow 09:00", "yesterday 23:10", "Tue 09:00" within the week ahead,
 * else "2026-03-05 09:00". `seconds` adds them ("15:54:07"), for stops a short naptime away.
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
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clock}`;
}

/** "UTC+01:00" (or "UTC") for the offset in force at `t` in this runtime's zone. */
export function utcOffset(t: number): string {
  const off = -new Date(t).getTimezoneOffset();
  if (off === 0) return 'UTC';
  const sign = off > 0 ? '+' : '-';
  const a = Math.abs(off);
  return `UTC${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

/** The zone times are shown in: "Europe/Berlin, UTC+01:00", or only the offset when the runtime has no zone name. */
export function zoneText(t: number, zone: string | undefined): string {
  const off = utcOffset(t);
  return zone && zone !== 'UTC' && zone !== 'Etc/UTC' ? `${zone}, ${off}` : off;
}

/** This runtime's zone name ("Europe/Berlin"), where it knows one. */
export function runtimeZoneName(): string | undefined {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}
