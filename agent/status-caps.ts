/**
 * Bounds on what STATUS lists, so it fits the guide's Go client, which reads once into 4096
 * bytes: 300 matching processes or 32 overlapping windows are possible. The caps here leave
 * room for the rest of STATUS (metrics, per-card GPU figures, an error, the `snooze run`
 * list). SAMPLES carries every keep-awake entry of each sample.
 *
 * Limits are in UTF-8 bytes, not characters: a command line in CJK is three bytes a character.
 */
import { isKeepAwake, type Blocker } from '../contract/protocol.js';
import type { ScheduleStatus } from '../contract/schedule.js';

/** Keep-awake sources listed; the rest are counted in one more blocker. */
export const MAX_STATUS_KEEP_AWAKE = 3;
/** Schedule windows listed as open, the last place used for "and N more" when there are more. */
export const MAX_STATUS_OPEN_WINDOWS = 3;
/** A keep-awake blocker's words (sources bound theirs already; this is the last guard). */
export const KEEP_AWAKE_REASON_BYTES = 120;
/** Any other blocker's words: ours, short, but bounded all the same. */
const REASON_BYTES = 200;
const WINDOW_LABEL_BYTES = 100;

const utf8 = new TextEncoder();

/** `s` cut to at most `max` UTF-8 bytes, "…" included, on a character boundary. */
export function clipBytes(s: string, max: number): string {
  if (utf8.encode(s).length <= max) return s;
  let out = '';
  let used = 3; // "…"
  for (const ch of s) {
    const n = ch.length === 2 ? 4 : ch.charCodeAt(0) < 0x80 ? 1 : ch.charCodeAt(0) < 0x800 ? 2 : 3;
    if (used + n > max) break;
    out += ch;
    used += n;
  }
  return `${out}…`;
}

/** Every metric blocker, then at most MAX_STATUS_KEEP_AWAKE keep-awake sources and "and N more". */
export function capBlockers(blockers: Blocker[]): Blocker[] {
  const out: Blocker[] = [];
  const hidden: Blocker[] = [];
  let shown = 0;
  for (const b of blockers) {
    if (!isKeepAwake(b)) out.push(clipReason(b, REASON_BYTES));
    else if (shown < MAX_STATUS_KEEP_AWAKE) {
      out.push(clipReason(b, KEEP_AWAKE_REASON_BYTES));
      shown++;
    } else hidden.push(b);
  }
  // A source may already summarise its own tail ("snooze run — and 61 more commands"): count what it stands for.
  const count = hidden.reduce((n, b) => n + Number(/\band (\d+) more\b/.exec(b.reason)?.[1] ?? 1), 0);
  if (hidden.length) {
    out.push({ metric: hidden[0]!.metric, value: null, threshold: null, reason: `and ${count} more keep-awake reason${count === 1 ? '' : 's'}` });
  }
  return out;
}

function clipReason(b: Blocker, max: number): Blocker {
  const reason = clipBytes(b.reason, max);
  return reason === b.reason ? b : { ...b, reason };
}

/** The schedule's status with at most MAX_STATUS_OPEN_WINDOWS labels; the same object when nothing is cut. */
export function capSchedule(st: ScheduleStatus | null): ScheduleStatus | null {
  if (!st) return null;
  const fits = st.open.length <= MAX_STATUS_OPEN_WINDOWS && st.open.every((l) => clipBytes(l, WINDOW_LABEL_BYTES) === l);
  if (fits) return st;
  const listed = st.open.length <= MAX_STATUS_OPEN_WINDOWS ? st.open : st.open.slice(0, MAX_STATUS_OPEN_WINDOWS - 1);
  const open = listed.map((l) => clipBytes(l, WINDOW_LABEL_BYTES));
  if (listed.length < st.open.length) open.push(`and ${st.open.length - listed.length} more windows`);
  return { ...st, open };
}
