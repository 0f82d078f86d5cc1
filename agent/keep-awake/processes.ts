/**
 * `keep_awake_processes`: while a matching process runs, the instance stays awake.
 *
 * Matching rule (documented in docs/keep-awake.md):
 * - a bare name (`rsync`) matches the executable name exactly: the last path component of
 *   the process's argv[0] (or its kernel name when it has no command line);
 * - `cmd:TEXT` matches when the whole command line, arguments joined by spaces, contains
 *   TEXT (`cmd:train.py` matches `python3 train.py --epochs 90`). Plain substring, case
 *   sensitive: no regular expressions run as root on every sample.
 *
 * Reading every /proc/<pid>/cmdline costs ~10 ms with 400 processes, twice the sampling
 * budget, so a scan reads:
 * - every process it has not seen: a new job is seen at once;
 * - every young process (first seen under a minute and three scans ago) again: processes
 *   exec() early in life (a shell that forks and execs, a wrapper script ending in
 *   `exec rsync`), and a read between fork and exec saw the parent's program;
 * - older ones whose last read is `fullEveryMs` (30 s) old, at most a thirtieth of them
 *   per scan: a long-running process that turns into a matching program is seen within
 *   30 s at one sample a second, within 30 samples at longer intervals.
 * The final re-check before a stop scans with `full`, re-reading every process, so a stop
 * never acts on a stale read.
 *
 * A pid whose entry cannot be read is not the same as a pid that ended. Gone (ENOENT, ESRCH:
 * the /proc/<pid> folder vanished between the listing and the read) means it no longer
 * runs, and it is skipped. Any other failure (EACCES, EIO, …) on an entry that is still
 * listed means it runs but we cannot tell what it is: it is reported in `unreadable`, which
 * counts as activity while patterns are set, and read again at the next scan (never cached).
 */
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';

export interface ProcessPattern {
  raw: string;
  kind: 'name' | 'cmd';
  text: string;
}

export interface ProcessMatch {
  pattern: string;
  pid: number;
  /** The command line as read, for the blocker's words (capped). */
  command: string;
}

export interface UnreadableProcess {
  pid: number;
  /** errno code, e.g. "EACCES". */
  code: string;
}

export interface ProcessScan {
  matches: ProcessMatch[];
  /** Processes that still run but whose entry could not be read (see the header). */
  unreadable: UnreadableProcess[];
  /** Set when /proc itself could not be listed: the source exists and failed. */
  error: string | null;
}

export function parsePattern(raw: string): ProcessPattern {
  return raw.startsWith('cmd:') ? { raw, kind: 'cmd', text: raw.slice(4) } : { raw, kind: 'name', text: raw };
}

export function matchesPattern(p: ProcessPattern, exeName: string, commandLine: string): boolean {
  return p.kind === 'name' ? exeName === p.text : commandLine.includes(p.text);
}

interface Seen {
  exe: string;
  command: string;
  /** When it was read (the scan's `now`). */
  readAt: number;
  /** When it was first seen, and in how many scans since: young processes are re-read every scan. */
  firstSeen: number;
  scans: number;
  /** The patterns it matched, worked out once per read (or per change of patterns), not per scan. */
  hits?: readonly ProcessPattern[];
  hitsFor?: readonly ProcessPattern[];
}

/** A read's outcome: the text, "gone" (the process ended), or the errno of a failure on a running process. */
type ReadResult = string | { gone: true } | { code: string };

const GONE_CODES = new Set(['ENOENT', 'ESRCH']);

function failure(err: unknown): { gone: true } | { code: string } {
  const code = (err as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
  return GONE_CODES.has(code) ? { gone: true } : { code };
}

const MAX_CMDLINE = 4096;
const SHOWN_COMMAND = 160;
/** Old processes re-read per scan: a thirtieth of them (every one within 30 scans), at least this many. */
const MIN_REREADS = 8;
const REREAD_SPREAD = 30;
/** Young: seen in fewer scans than this, or first seen less than `youngMs` ago. */
const YOUNG_SCANS = 3;

export class ProcessWatcher {
  private seen = new Map<number, Seen>();
  private readonly buf = Buffer.alloc(MAX_CMDLINE);

  constructor(
    private readonly procDir = '/proc',
    private readonly fullEveryMs = 30_000,
    /** The agent itself (a `node` pattern must not match the agent). */
    private readonly selfPid = process.pid,
    private readonly youngMs = 60_000,
  ) {}

  /** `full`: re-read every process, for the final re-check before a stop (cost is no matter there). */
  scan(patterns: readonly ProcessPattern[], now: number, opts: { full?: boolean } = {}): ProcessScan {
    if (!patterns.length) {
      this.seen.clear();
      return { matches: [], unreadable: [], error: null };
    }
    let entries: string[];
    try {
      entries = readdirSync(this.procDir);
    } catch (err) {
      return { matches: [], unreadable: [], error: `cannot list ${this.procDir}: ${(err as Error).message}` };
    }
    // Stale reads are re-read in listing order up to the budget; the ones re-read are fresh next time, so the rest get their turn.
    let budget = opts.full ? Infinity : Math.max(MIN_REREADS, Math.ceil(this.seen.size / REREAD_SPREAD));
    const next = new Map<number, Seen>();
    const matches: ProcessMatch[] = [];
    const unreadable: UnreadableProcess[] = [];
    for (const e of entries) {
      const c = e.charCodeAt(0);
      if (c < 48 || c > 57) continue;
      const pid = Number(e);
      if (pid === this.selfPid) continue;
      const known = this.seen.get(pid);
      let info: Seen | { gone: true } | { code: string };
      if (!known) info = this.read(pid, now, now, 0);
      else {
        // A clock that went back makes a process young and its read stale.
        const young = known.scans < YOUNG_SCANS || now < known.firstSeen || now - known.firstSeen < this.youngMs;
        const stale = now < known.readAt || now - known.readAt >= this.fullEveryMs;
        if (opts.full || young) info = this.read(pid, now, known.firstSeen, known.scans + 1);
        else if (stale && budget > 0) {
          budget--;
          info = this.read(pid, now, known.firstSeen, known.scans + 1);
        } else {
          known.scans++;
          info = known;
        }
      }
      // Gone between the listing and the read: it no longer runs.
      if ('gone' in info) continue;
      if ('code' in info) {
        unreadable.push({ pid, code: info.code });
        continue;
      }
      next.set(pid, info);
      if (info.hitsFor !== patterns) {
        info.hits = patterns.filter((p) => matchesPattern(p, info.exe, info.command));
        info.hitsFor = patterns;
      }
      for (const p of info.hits!) matches.push({ pattern: p.raw, pid, command: info.command.slice(0, SHOWN_COMMAND) });
    }
    this.seen = next;
    return { matches, unreadable, error: null };
  }

  private read(pid: number, now: number, firstSeen: number, scans: number): Seen | { gone: true } | { code: string } {
    const raw = this.readSmall(`${this.procDir}/${pid}/cmdline`);
    if (typeof raw !== 'string') return raw;
    if (raw.length) {
      const args = raw.replace(/\0+$/, '').split('\0');
      const argv0 = args[0] ?? '';
      return { exe: argv0.slice(argv0.lastIndexOf('/') + 1), command: args.join(' '), readAt: now, firstSeen, scans };
    }
    // Kernel threads and zombies have no command line: their kernel name is all there is.
    const comm = this.readSmall(`${this.procDir}/${pid}/comm`);
    return typeof comm !== 'string' ? comm : { exe: comm.trim(), command: `[${comm.trim()}]`, readAt: now, firstSeen, scans };
  }

  private readSmall(file: string): ReadResult {
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch (err) {
      return failure(err);
    }
    try {
      const n = readSync(fd, this.buf, 0, MAX_CMDLINE, 0);
      return this.buf.toString('utf8', 0, n);
    } catch (err) {
      return failure(err);
    } finally {
      closeSync(fd);
    }
  }
}
