/**
 * Process-bound holds (`snooze run`, `snooze stay-awake --while PID`), owned by the agent:
 * the hold lasts exactly as long as the process, whatever happens to the client that asked
 * for it (a wrapper killed with -9 leaves the hold; the process ending removes it).
 *
 * A hold names its process by pid AND start time (field 22 of /proc/<pid>/stat), so a pid
 * reused by a later process is never mistaken for the one held.
 *
 * Liveness, decided per check:
 * - stat readable, same start time, not a zombie → alive;
 * - no /proc/<pid> (ENOENT/ESRCH) or a zombie → ended;
 * - readable with another start time → ended (the pid was reused);
 * - exists but unreadable (EACCES under a hidepid mount, an odd format) → kept: a watched
 *   process we cannot see is not a process that has ended (fail safe; docs/keep-awake.md).
 */
import { MAX_RUN_COMMAND_CHARS, MAX_RUN_HOLDS, rfc3339Seconds, type KeepAwake, type RunHoldInfo, type Sample } from '../../contract/protocol.js';
import { formatDuration } from '../../contract/time-format.js';
import type { NewEvent } from '../history.js';
import { KEEP_AWAKE_REASON_BYTES } from '../status-caps.js';
import { readCmdline, readPidStat } from './pid-stat.js';

export interface RunHold {
  pid: number;
  start: number;
  /** "" when none was given. */
  reason: string;
  command: string;
  /** Epoch ms. */
  since: number;
}

export interface EndedRun {
  hold: RunHold;
  why: 'ended' | 'pid reused';
}

export class RunHoldError extends Error {
  constructor(
    message: string,
    readonly code: 'INVALID_PARAMS' | 'BUSY',
  ) {
    super(message);
  }
}

/** Individually named keep-awake entries per sample; the rest are counted in one more (bounded SAMPLES and STATUS). */
export const NAMED_RUNS = 3;
/**
 * UTF-8 bytes of a command and of a reason as shown in STATUS (blockers and `runs`): with
 * STATUS_MAX_RUNS of each, they stay within about 1.5 KiB of STATUS's 4 KiB.
 */
export const SHOWN_COMMAND_BYTES = 96;
export const SHOWN_REASON_BYTES = 64;

/**
 * Control characters (terminal escapes) become spaces, and lone surrogates U+FFFD, before any
 * terminal or log shows a user's string; clipped to `maxChars`.
 */
export function plainText(s: string, maxChars: number): string {
  const t = s
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  return t.length <= maxChars ? t : `${t.slice(0, maxChars - 1)}…`;
}

/** At most `maxBytes` of UTF-8 (whole characters, "…" included when clipped): what a byte budget needs. */
export function clipBytes(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s) <= maxBytes) return s;
  let out = '';
  let bytes = 3; // the "…"
  for (const ch of s) {
    bytes += Buffer.byteLength(ch);
    if (bytes > maxBytes) break;
    out += ch;
  }
  return `${out}…`;
}

export class RunHolds {
  /** Replaced on every change, never mutated: the status view's cache compares identity. */
  private holds: readonly RunHold[] = [];

  constructor(
    private readonly procDir = '/proc',
    private readonly selfPid = process.pid,
  ) {}

  get list(): readonly RunHold[] {
    return this.holds;
  }

  /**
   * Binds a hold to `pid`. The same process again replaces its reason and command (a retried
   * `snooze run` registration is not two holds). Throws RunHoldError with a sentence for people.
   */
  add(pid: number, reason: string, command: string | undefined, now: number): { hold: RunHold; replaced: boolean } {
    if (pid === this.selfPid) throw new RunHoldError(`Process id ${pid} is the agent itself: it cannot keep itself awake`, 'INVALID_PARAMS');
    const live = readPidStat(this.procDir, pid);
    if (live.kind === 'ended') throw new RunHoldError(`No running process has the id ${pid} (it may have ended already)`, 'INVALID_PARAMS');
    if (live.kind === 'unreadable') {
      // Without its start time the hold could not tell this process from a later one with the same pid.
      throw new RunHoldError(`Cannot read the start time of process ${pid} (${live.error})`, 'INVALID_PARAMS');
    }
    const shown = command ?? readCmdline(this.procDir, pid, MAX_RUN_COMMAND_CHARS) ?? `pid ${pid}`;
    const existing = this.holds.find((h) => h.pid === pid && h.start === live.stat.start);
    const hold: RunHold = {
      pid,
      start: live.stat.start,
      reason: plainText(reason, 200),
      command: plainText(shown, MAX_RUN_COMMAND_CHARS),
      since: existing?.since ?? now,
    };
    if (existing) {
      this.holds = this.holds.map((h) => (h === existing ? hold : h));
      return { hold, replaced: true };
    }
    if (this.holds.length >= MAX_RUN_HOLDS) {
      throw new RunHoldError(`already ${MAX_RUN_HOLDS} process holds (the most the agent keeps); wait for one to end`, 'BUSY');
    }
    this.holds = [...this.holds, hold];
    return { hold, replaced: false };
  }

  /** Which holds still have their process. Reads only; `drop` removes the ended ones. */
  check(): { alive: RunHold[]; ended: EndedRun[] } {
    const alive: RunHold[] = [];
    const ended: EndedRun[] = [];
    for (const h of this.holds) {
      const live = readPidStat(this.procDir, h.pid);
      if (live.kind === 'ended') ended.push({ hold: h, why: 'ended' });
      else if (live.kind === 'alive' && live.stat.start !== h.start) ended.push({ hold: h, why: 'pid reused' });
      else alive.push(h);
    }
    return { alive, ended };
  }

  drop(gone: readonly RunHold[]): void {
    if (gone.length) this.holds = this.holds.filter((h) => !gone.includes(h));
  }

  /**
   * Holds saved by an earlier run of the agent (malformed records skipped). Those whose process
   * ended meanwhile are found, dropped and recorded by the next check like any other.
   */
  restore(records: unknown): void {
    this.holds = (Array.isArray(records) ? records : []).map(toHold).filter((h): h is RunHold => h !== null).slice(0, MAX_RUN_HOLDS);
  }
}

function toHold(r: unknown): RunHold | null {
  if (!r || typeof r !== 'object') return null;
  const o = r as Record<string, unknown>;
  const int = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (!int(o.pid) || (o.pid as number) < 1 || !int(o.start) || !int(o.since) || typeof o.reason !== 'string' || typeof o.command !== 'string') return null;
  return {
    pid: o.pid as number,
    start: o.start as number,
    since: o.since as number,
    reason: plainText(o.reason, 200),
    command: plainText(o.command, MAX_RUN_COMMAND_CHARS),
  };
}

/** "snooze run — rsync -a data/ s3-sync (pid 4711, 2 h 13 min)", with " — reason" when one was given. */
export function runWords(h: RunHold, now: number): string {
  // The whole line fits STATUS's cap on a keep-awake reason, the command giving way: cut at the
  // end instead, it lost the pid, the one thing that tells two holds apart (and the reason).
  const why = h.reason ? ` — ${clipBytes(h.reason, RUN_WORDS_REASON_BYTES)}` : '';
  const head = 'snooze run — ';
  const tail = ` (pid ${h.pid}, ${formatDuration((now - h.since) / 1000)})${why}`;
  const room = KEEP_AWAKE_REASON_BYTES - utf8Bytes(head) - utf8Bytes(tail);
  return `${head}${clipBytes(h.command, Math.min(SHOWN_COMMAND_BYTES, room))}${tail}`;
}

/** A reason inside runWords' line: short enough that the command keeps about 30 bytes. */
const RUN_WORDS_REASON_BYTES = 40;
const utf8Bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** The keep-awake entries for these holds: the first few by name, the rest as one count. */
export function runsKeepAwake(alive: readonly RunHold[], now: number): KeepAwake[] {
  const out: KeepAwake[] = alive.slice(0, NAMED_RUNS).map((h) => ({ kind: 'snooze_run', reason: runWords(h, now) }));
  const more = alive.length - NAMED_RUNS;
  if (more > 0) out.push({ kind: 'snooze_run', reason: `snooze run — and ${more} more command${more === 1 ? '' : 's'}` });
  return out;
}

/** The sample with its `snooze run` entries replaced by these (the sampler never sets them). */
export function withRuns(sample: Sample, entries: KeepAwake[]): Sample {
  const others = sample.keep_awake.filter((k) => k.kind !== 'snooze_run');
  if (entries.length === 0 && others.length === sample.keep_awake.length) return sample;
  return { ...sample, keep_awake: [...others, ...entries] };
}

/** STATUS's view of a hold; clipped so STATUS_MAX_RUNS of them keep STATUS inside 4 KiB. */
export function runInfo(h: RunHold): RunHoldInfo {
  return { pid: h.pid, command: clipBytes(h.command, SHOWN_COMMAND_BYTES), reason: clipBytes(h.reason, SHOWN_REASON_BYTES), since: rfc3339Seconds(h.since) };
}

/** The history event for a hold whose process ended ("snooze run ended: …"). */
export function endedEvent(e: EndedRun, now: number): NewEvent {
  const { hold } = e;
  const how = e.why === 'pid reused' ? 'ended (its pid now belongs to another process)' : 'ended';
  return {
    type: 'release',
    message: `snooze run ${how}: ${clipBytes(hold.command, SHOWN_COMMAND_BYTES)} (pid ${hold.pid}, held ${formatDuration((now - hold.since) / 1000)})`,
    details: { run: { pid: hold.pid, command: hold.command, reason: hold.reason, since: rfc3339Seconds(hold.since) }, why: e.why },
  };
}
