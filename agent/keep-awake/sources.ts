/**
 * The keep-awake sources the sampler reads with every sample: `keep_awake_processes`
 * matches and logind inhibitor locks, turned into `Sample.keep_awake` entries in plain
 * words. The daemon adds its own (the schedule, `snooze run` holds) before deciding.
 *
 * Fail safe, but only for sources that exist: a /proc that cannot be listed, a process
 * entry that cannot be read, or an inhibitor folder that cannot be read counts as activity;
 * no logind (no folder) and no patterns cost nothing and block nothing.
 *
 * Bounded: every string here comes from other users' processes (command lines, an
 * inhibitor's who/why), so each is stripped of control characters and clipped, and each
 * source lists at most MAX_LISTED entries plus one "and N more". The sample ring keeps an
 * hour of samples, so the entry list is also reused while nothing changes.
 */
import type { KeepAwake, KeepAwakeKind } from '../../contract/protocol.js';
import { InhibitorWatcher, inhibitorLabel } from './inhibitors.js';
import { parsePattern, ProcessWatcher, type ProcessPattern } from './processes.js';

/** Entries listed per source; the rest are counted in one more entry. */
export const MAX_LISTED = 5;
/** The longest reason a source gives (STATUS must fit a 4 KiB read). */
export const MAX_REASON_CHARS = 160;

// C0 and C1 controls, DEL, line/paragraph separators and bidi overrides: none may reach a
// terminal, a tooltip or a log line from a string another user chose.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g;

/** One line of at most `max` characters, never splitting a surrogate pair. */
export function bounded(text: string, max = MAX_REASON_CHARS): string {
  const s = text.replace(UNSAFE, ' ').trim();
  if (s.length <= max) return s;
  let cut = max - 1;
  const c = s.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut--;
  return `${s.slice(0, cut)}…`;
}

/** Up to MAX_LISTED entries, then "and N more …" for the rest. */
function listed<T>(kind: KeepAwakeKind, items: readonly T[], words: (item: T) => string, more: string): KeepAwake[] {
  const out = items.slice(0, MAX_LISTED).map((i) => ({ kind, reason: bounded(words(i)) }));
  if (items.length > MAX_LISTED) out.push({ kind, reason: `and ${items.length - MAX_LISTED} more ${more}` });
  return out;
}

export class KeepAwakeReader {
  private patternsOf: readonly string[] | null = null;
  private patterns: ProcessPattern[] = [];
  private last: KeepAwake[] = [];

  constructor(
    private readonly processes = new ProcessWatcher(),
    private readonly inhibitors = new InhibitorWatcher(),
  ) {}

  /**
   * The active sources now; the same array as last time while nothing changed. Never throws.
   * `full`: re-read every process rather than the new and a share of the known (the final re-check).
   */
  read(patterns: readonly string[], now: number, full = false): KeepAwake[] {
    let next: KeepAwake[];
    try {
      next = [...this.readProcesses(patterns, now, full), ...this.readInhibitors()];
    } catch (err) {
      // Neither watcher should throw; if one does, the sources exist and failed.
      next = [{ kind: 'process', reason: bounded(`Keep-awake sources could not be read (counts as activity): ${(err as Error).message}`) }];
    }
    if (next.length === this.last.length && next.every((k, i) => k.kind === this.last[i]!.kind && k.reason === this.last[i]!.reason)) return this.last;
    this.last = next;
    return next;
  }

  private readProcesses(patterns: readonly string[], now: number, full: boolean): KeepAwake[] {
    // Parsed again only when the config changed (the config array is replaced, never mutated).
    if (patterns !== this.patternsOf) {
      this.patternsOf = patterns;
      this.patterns = patterns.map(parsePattern);
    }
    const scan = this.processes.scan(this.patterns, now, { full });
    if (scan.error !== null) return [{ kind: 'process', reason: bounded(`Processes could not be listed (counts as activity): ${scan.error}`) }];
    const out = listed('process', scan.matches, (m) => `Process ${bounded(m.pattern, 40)} (pid ${m.pid}): ${bounded(m.command, 100)}`, 'matching processes');
    // Running, but we cannot tell what it runs: it might be the job the user named.
    out.push(
      ...listed('process', scan.unreadable, (u) => `Process pid ${u.pid} could not be read (${u.code}; counts as activity)`, 'unreadable processes'),
    );
    return out;
  }

  private readInhibitors(): KeepAwake[] {
    const scan = this.inhibitors.scan();
    if (scan.error !== null) return [{ kind: 'inhibitor', reason: bounded(`systemd-inhibit: locks could not be read (counts as activity): ${scan.error}`) }];
    return listed(
      'inhibitor',
      scan.blocking,
      (i) => `systemd-inhibit: ${inhibitorLabel({ ...i, who: bounded(i.who, 60), why: bounded(i.why, 80) })}`,
      'inhibitor locks',
    );
  }
}
