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
 * budget, so a scan reads only processes it has not seen and re-reads all of them every
 * `fullEveryMs` (a process that exec()s into a matching program is seen within that time).
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

export interface ProcessScan {
  matches: ProcessMatch[];
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
}

const MAX_CMDLINE = 4096;
const SHOWN_COMMAND = 160;

export class ProcessWatcher {
  private seen = new Map<number, Seen>();
  private lastFull = -Infinity;
  private readonly buf = Buffer.alloc(MAX_CMDLINE);

  constructor(
    private readonly procDir = '/proc',
    private readonly fullEveryMs = 10_000,
    /** The agent itself (a `node` pattern must not match the agent). */
    private readonly selfPid = process.pid,
  ) {}

  scan(patterns: readonly ProcessPattern[], now: number): ProcessScan {
    if (!patterns.length) {
      this.seen.clear();
      return { matches: [], error: null };
    }
    let entries: string[];
    try {
      entries = readdirSync(this.procDir);
    } catch (err) {
      return { matches: [], error: `cannot list ${this.procDir}: ${(err as Error).message}` };
    }
    const full = now - this.lastFull >= this.fullEveryMs || now < this.lastFull;
    if (full) this.lastFull = now;
    const next = new Map<number, Seen>();
    const matches: ProcessMatch[] = [];
    for (const e of entries) {
      const c = e.charCodeAt(0);
      if (c < 48 || c > 57) continue;
      const pid = Number(e);
      if (pid === this.selfPid) continue;
      const info = (!full && this.seen.get(pid)) || this.read(pid);
      // Gone between the listing and the read: it no longer runs.
      if (!info) continue;
      next.set(pid, info);
      for (const p of patterns) {
        if (matchesPattern(p, info.exe, info.command)) matches.push({ pattern: p.raw, pid, command: info.command.slice(0, SHOWN_COMMAND) });
      }
    }
    this.seen = next;
    return { matches, error: null };
  }

  private read(pid: number): Seen | null {
    const raw = this.readSmall(`${this.procDir}/${pid}/cmdline`);
    if (raw === null) return null;
    if (raw.length) {
      const args = raw.replace(/\0+$/, '').split('\0');
      const argv0 = args[0] ?? '';
      return { exe: argv0.slice(argv0.lastIndexOf('/') + 1), command: args.join(' ') };
    }
    // Kernel threads and zombies have no command line: their kernel name is all there is.
    const comm = this.readSmall(`${this.procDir}/${pid}/comm`);
    return comm === null ? null : { exe: comm.trim(), command: `[${comm.trim()}]` };
  }

  private readSmall(file: string): string | null {
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch {
      return null;
    }
    try {
      const n = readSync(fd, this.buf, 0, MAX_CMDLINE, 0);
      return this.buf.toString('utf8', 0, n);
    } catch {
      return null;
    } finally {
      closeSync(fd);
    }
  }
}
