/**
 * Reading one process's /proc/<pid>/stat: is it still the process we mean (its start time),
 * and which process group is it in. Used by the agent's process-bound holds and by
 * `snooze run` deciding whether the terminal already delivered a Ctrl-C.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface PidStat {
  /** One letter: R, S, D, T, Z (zombie), X (dead) ... */
  state: string;
  pgrp: number;
  /** Foreground process group of the controlling terminal; -1 without one. */
  tpgid: number;
  /** Clock ticks after boot (field 22): with the pid, it names one process for the boot's life. */
  start: number;
}

/**
 * Parses the text of /proc/<pid>/stat. Field 2, the command name, is in parentheses and may
 * itself hold spaces and parentheses ("(a) b)"), so the fields are counted from the last ')'.
 * Null when the text does not have that shape.
 */
export function parsePidStat(text: string): PidStat | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  // After ") " come fields 3, 4, 5 ...: field n is at index n - 3.
  const f = text.slice(close + 1).trim().split(/\s+/);
  const state = f[0];
  const pgrp = Number(f[2]);
  const tpgid = Number(f[5]);
  const start = Number(f[19]);
  if (!state || !/^[A-Za-z]$/.test(state) || !Number.isInteger(pgrp) || !Number.isInteger(tpgid) || !Number.isSafeInteger(start) || start < 0) {
    return null;
  }
  return { state, pgrp, tpgid, start };
}

export type PidLiveness =
  | { kind: 'alive'; stat: PidStat }
  /** No such process, or a zombie: it has exited (only its parent has not collected it yet). */
  | { kind: 'ended' }
  /** The entry exists but could not be read or understood (EACCES under hidepid, ...). */
  | { kind: 'unreadable'; error: string };

/**
 * One synchronous read (a few microseconds): cheap enough for every sample and for the stop's
 * last re-check, which must not wait on anything.
 */
export function readPidStat(procDir: string, pid: number): PidLiveness {
  let text: string;
  try {
    text = readFileSync(path.join(procDir, String(pid), 'stat'), 'latin1');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // ESRCH: the process went away between open and read.
    if (code === 'ENOENT' || code === 'ESRCH') return { kind: 'ended' };
    return { kind: 'unreadable', error: code ?? (err as Error).message };
  }
  const stat = parsePidStat(text);
  if (!stat) return { kind: 'unreadable', error: 'unexpected format' };
  if (stat.state === 'Z' || stat.state === 'X') return { kind: 'ended' };
  return { kind: 'alive', stat };
}

/** The command line as `ps` shows it (arguments joined by spaces), or null when unreadable or empty (kernel threads). */
export function readCmdline(procDir: string, pid: number, maxChars: number): string | null {
  try {
    const raw = readFileSync(path.join(procDir, String(pid), 'cmdline'), 'utf8');
    const text = raw.replace(/\0+$/, '').split('\0').join(' ');
    return text ? text.slice(0, maxChars) : null;
  } catch {
    return null;
  }
}
