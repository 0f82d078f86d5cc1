/**
 * Output hygiene: text that came from a user (a stay-awake reason, a `snooze run` label,
 * a process name) or from the cloud (EC2 tag values, API error messages) is shown as
 * text, never obeyed as terminal commands. A group member must not be able to clear
 * root's screen, retitle its window, plant a clickable OSC 8 link, or reorder what root
 * reads with bidi overrides, just by choosing the words of a reason.
 *
 * The escape: each such character becomes the six ASCII characters `\u001b` (always four
 * lowercase hex digits). Chosen over dropping the character (which hides that something
 * was there) and over U+FFFD (which hides what it was): the reader sees exactly what was
 * sent, and the result is the same text a JSON or JavaScript string literal would show.
 *
 * Pure string functions: no Node, no DOM, so every part (agent, CLI, tray, renderer) may
 * share them.
 */

/* eslint-disable no-control-regex -- matching control characters is this module's purpose */

/**
 * Everything a terminal might act on, besides TAB and LF which are handled by policy:
 * C0 controls (ESC starts CSI/OSC/DCS sequences, BEL, BS and CR rewrite what is shown),
 * DEL, the C1 controls (U+009B is a one-character CSI, U+009D an OSC, for terminals that
 * decode C1 from UTF-8), the bidi embeddings, overrides and isolates (U+202A-202E,
 * U+2066-2069) and marks (U+200E, U+200F, U+061C) that reorder a line ("Trojan Source"),
 * and U+2028/2029, which some viewers treat as a line break.
 */
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same set without LF, for callers that keep line breaks. */
const UNSAFE_KEEP_LF = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The characters JSON.stringify leaves raw (it escapes only C0, quote and backslash). */
const JSON_RAW_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** Fast path: most strings have nothing to escape. */
const ANY = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
/* eslint-enable no-control-regex */

export interface InertOptions {
  /**
   * Keep line breaks (LF; CRLF becomes LF). Only for callers that print a multi-line
   * block on purpose; a single field (a reason, a tag value) must stay on its line, so by
   * default LF is escaped too and cannot forge an extra line of output.
   */
  newlines?: boolean;
}

export function escapeChar(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * `s` with every control, DEL, C1 and bidi character replaced by its visible `\uXXXX`
 * escape. TAB becomes one space: harmless, and common in pasted text. A lone CR is always
 * escaped (it would move the cursor back over what was printed).
 */
export function inert(s: string, opts: InertOptions = {}): string {
  if (!ANY.test(s)) return s;
  let t = s.replace(/\t/g, ' ');
  if (opts.newlines) return t.replace(/\r\n/g, '\n').replace(UNSAFE_KEEP_LF, escapeChar);
  t = t.replace(UNSAFE, escapeChar);
  return t;
}

/**
 * Every string inside `v` (object keys too) made inert, for rendering a whole reply such
 * as STATUS without having to know which of its fields a user or the cloud supplied.
 */
export function inertDeep<T>(v: T): T {
  if (typeof v === 'string') return inert(v) as T;
  if (Array.isArray(v)) return v.map((x: unknown) => inertDeep(x)) as T;
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[inert(k)] = inertDeep(x);
    return out as T;
  }
  return v;
}

/**
 * JSON text (from JSON.stringify) safe for a terminal, and still the same JSON: DEL, C1
 * and bidi characters can only occur inside string literals, where `\uXXXX` means the
 * same character, so a program parsing the output gets exactly the original values.
 */
export function inertJson(json: string): string {
  return json.replace(JSON_RAW_UNSAFE, escapeChar);
}

/**
 * One CSV field: inert (a cell is one line), guarded against spreadsheet formula
 * injection, and quoted when needed (RFC 4180). A cell that a spreadsheet would read as
 * a formula (starting with = + - @, also after leading spaces) gets a leading `'`, which
 * spreadsheets show as text; OWASP's advice for CSV exports. The cost: a value such as
 * "-5" reads "'-5", so callers pass numbers they build themselves through `csvNumber`.
 */
export function csvField(v: string): string {
  let s = inert(v);
  if (/^\s*[=+\-@]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A number for CSV: its own digits, never a formula. */
export function csvNumber(n: number): string {
  return Number.isFinite(n) ? String(n) : '';
}
