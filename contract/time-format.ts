/**
 * How times and durations read, everywhere: the CLI, the agent's messages, the tray and
 * the dashboard. Pure (no Node or DOM imports) so every runtime can share it.
 */

/** Countdown "mm:ss", or "h:mm:ss" past an hour; rounds up so it never shows 00:00 early. */
export function formatCountdown(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${String(m).padStart(2, '0')}:${ss}`;
}

const pad = (n: number) => String(n).padStart(2, '0');

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

/** Seconds in words: "42 s", "4 min 30 s", "15 min", "2 h 5 min". */
export function formatDuration(secs: number): string {
  const s = Math.max(0, Math.round(secs));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  const r = s % 60;
  if (m < 60) return r ? `${m} min ${r} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}
