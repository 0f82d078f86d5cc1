/** Durations on the command line: "90" (minutes), "90s", "30m", "2h", "1h30m", "7d", "2w". */
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

export function parseDurationMs(text: string, bareUnit: 's' | 'm' = 'm'): number | null {
  const t = text.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * UNIT_MS[bareUnit]!;
  const re = /(\d+(?:\.\d+)?)\s*(w|d|h|m|s)/g;
  let total = 0;
  let consumed = 0;
  for (const m of t.matchAll(re)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    consumed += m[0].length;
  }
  if (consumed === 0 || consumed !== t.replace(/\s+/g, '').length) return null;
  return total;
}

/** `--since 24h` (relative) or an RFC 3339 time; returns RFC 3339 or null. */
export function parseSince(text: string, now = Date.now()): string | null {
  const rel = parseDurationMs(text, 'm');
  if (rel !== null && !/^\d{4}-/.test(text)) return new Date(now - rel).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const t = Date.parse(text);
  if (Number.isNaN(t) || !/^\d{4}-\d{2}-\d{2}/.test(text)) return null;
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
