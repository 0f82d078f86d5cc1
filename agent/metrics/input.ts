/**
 * How long since anybody touched this host, from every input source it has; the most recent
 * input wins.
 *
 * - pts: /dev/pts/N, the terminals of SSH sessions and terminal emulators. The kernel sets a
 *   tty's access time when input is read from it (what `w` shows as IDLE). A pts exists only
 *   while a session holds it, so any pts makes 'pts' a source.
 * - tty: /dev/ttyN, the text consoles. Every Linux host has tty0..tty63 whether or not anyone
 *   is logged in, so only consoles owned by a non-root user count (login hands the tty to the
 *   user who logs in). A root login on a text console is therefore not seen; that is rare on
 *   cloud instances and SSH as root is still seen through pts.
 * - x11: where DISPLAY is set and `xprintidle` is on PATH, its screen-saver idle time. This is
 *   the one child process per sample besides the GPU tools: talking the X11 protocol and its
 *   authentication here is not worth it, and the desktop app reports input idle anyway.
 *   A failing xprintidle (stale DISPLAY, X server gone) means no x11 source, not activity,
 *   because a service started with a stale DISPLAY could otherwise never go idle.
 * - reports: INPUT_ACTIVITY from the desktop app (or another reporter, by its source name).
 *   A report is a source for two minutes; its idle time grows with the time since it came.
 *
 * No source at all: idle is null and the policy treats input as unavailable, not blocking.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runTool } from '../exec.js';
import { findOnPath } from './gpu.js';

export const REPORT_TTL_MS = 120_000;
/** Distinct INPUT_ACTIVITY sources kept at once. */
export const MAX_REPORT_SOURCES = 4;
const RESCAN_MS = 60_000;
const TTY_RESCAN_MS = 15_000;
const XPRINTIDLE_TIMEOUT_MS = 2000;
const TTY_NAME = /^tty\d+$/;
const PTS_NAME = /^\d+$/;

export interface TerminalActivity {
  /** Latest access time (ms since epoch) over the source's devices; null when the source is absent. */
  pts: number | null;
  tty: number | null;
  /** /dev/pts exists but could not be listed. */
  error: string | null;
}

function listDir(dir: string): { names: string[]; error: string | null } {
  try {
    return { names: readdirSync(dir), error: null };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { names: [], error: null };
    return { names: [], error: `${dir}: ${code ?? String(e)}` };
  }
}

/**
 * Consoles a user is logged in on, re-listed every TTY_RESCAN_MS: stat-ing all 64 consoles
 * every sample would cost more than every other metric together. Between rescans only the
 * consoles already known to be in use are read, so a new console login is seen within
 * TTY_RESCAN_MS (far below any naptime, and the stop is announced before it happens).
 */
class TtyList {
  private names: string[] = [];
  private scannedAt = -Infinity;
  constructor(private readonly devRoot: string) {}
  get(nowMs: number): string[] {
    if (nowMs - this.scannedAt > TTY_RESCAN_MS || nowMs < this.scannedAt) {
      this.names = listDir(this.devRoot).names.filter((n) => {
        if (!TTY_NAME.test(n)) return false;
        const st = statSync(join(this.devRoot, n), { throwIfNoEntry: false });
        return st !== undefined && st.uid !== 0;
      });
      this.scannedAt = nowMs;
    }
    return this.names;
  }
}

function latestAtime(dir: string, names: readonly string[], pattern: RegExp, userOwnedOnly: boolean): number | null {
  let latest: number | null = null;
  for (const n of names) {
    if (!pattern.test(n)) continue;
    // A session can close between the listing and the stat.
    const st = statSync(join(dir, n), { throwIfNoEntry: false });
    if (!st || (userOwnedOnly && st.uid === 0)) continue;
    if (latest === null || st.atimeMs > latest) latest = st.atimeMs;
  }
  return latest;
}

export function readTerminals(devRoot: string, ttyNames: readonly string[]): TerminalActivity {
  const ptsDir = join(devRoot, 'pts');
  const pts = listDir(ptsDir);
  return {
    pts: latestAtime(ptsDir, pts.names, PTS_NAME, false),
    tty: latestAtime(devRoot, ttyNames, TTY_NAME, true),
    error: pts.error,
  };
}

function xprintidlePath(env: NodeJS.ProcessEnv): string | null {
  if (!env.DISPLAY) return null;
  return findOnPath('xprintidle', env);
}

/** Milliseconds since the last X11 input, or null when it cannot be had. */
async function readX11IdleMs(path: string, env: NodeJS.ProcessEnv): Promise<number | null> {
  try {
    const t = (await runTool(path, [], { timeoutMs: XPRINTIDLE_TIMEOUT_MS, env })).stdout.trim();
    return /^\d+$/.test(t) ? Number(t) : null;
  } catch {
    // Any failure (see above) means no x11 source, not activity.
    return null;
  }
}

export interface ListInputSourcesOptions {
  devRoot?: string;
  env?: NodeJS.ProcessEnv;
}

/** Input sources this host has now, without the desktop reports (for `snooze doctor`). */
export function listInputSources(opts: ListInputSourcesOptions = {}): string[] {
  const devRoot = opts.devRoot ?? '/dev';
  const env = opts.env ?? process.env;
  const ttys = listDir(devRoot).names.filter((n) => TTY_NAME.test(n));
  const t = readTerminals(devRoot, ttys);
  const out: string[] = [];
  if (t.pts !== null) out.push('pts');
  if (t.tty !== null) out.push('tty');
  if (xprintidlePath(env) !== null) out.push('x11');
  return out;
}

export interface InputReading {
  /** Seconds since the latest input over all sources; null when there is no source. */
  idleSecs: number | null;
  sources: string[];
  /** Set when a source exists but could not be read: counts as activity. */
  error: string | null;
}

export class InputTracker {
  private readonly reports = new Map<string, { idleSecs: number; at: number }>();
  /** Reporters that said their source cannot measure idle time, with when they last said so. */
  private readonly unavailable = new Map<string, number>();
  private readonly ttys: TtyList;
  private x11: { path: string | null; at: number } = { path: null, at: -Infinity };

  constructor(
    private readonly devRoot: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.ttys = new TtyList(devRoot);
  }

  report(source: string, idleSecs: number, now: number, available = true): void {
    if (!Number.isFinite(idleSecs) || idleSecs < 0 || !Number.isFinite(now)) return;
    const name = source || 'desktop';
    // One bound over both maps: every name here may appear in STATUS.
    if (!this.reports.has(name) && !this.unavailable.has(name) && this.reports.size + this.unavailable.size >= MAX_REPORT_SOURCES) {
      const oldest = [...this.reports].map(([n, r]): [string, number] => [n, r.at]).concat([...this.unavailable]).sort((a, b) => a[1] - b[1])[0];
      if (oldest) {
        this.reports.delete(oldest[0]);
        this.unavailable.delete(oldest[0]);
      }
    }
    if (!available) {
      // Not a source any more: its last reading must not count as input either.
      this.reports.delete(name);
      this.unavailable.set(name, now);
      return;
    }
    this.unavailable.delete(name);
    this.reports.set(name, { idleSecs, at: now });
  }

  /** Sources reported unavailable within the report TTL (a reporter that quit is forgotten). */
  unavailableSources(now: number): string[] {
    for (const [name, at] of this.unavailable) if (now - at > REPORT_TTL_MS) this.unavailable.delete(name);
    return [...this.unavailable.keys()].sort();
  }

  /** Reports still fresh at `now`, with their idle aged; stale ones are dropped. */
  private freshReports(now: number, each: (source: string, idleSecs: number) => void): void {
    for (const [source, r] of this.reports) {
      const age = now - r.at;
      if (age > REPORT_TTL_MS) this.reports.delete(source);
      else each(source, r.idleSecs + Math.max(0, age) / 1000);
    }
  }

  private xprintidle(nowMs: number): string | null {
    if (nowMs - this.x11.at > RESCAN_MS || nowMs < this.x11.at) {
      this.x11 = { path: xprintidlePath(this.env), at: nowMs };
    }
    return this.x11.path;
  }

  async read(now: number): Promise<InputReading> {
    const sources: string[] = [];
    let idle: number | null = null;
    const seen = (source: string, secs: number) => {
      sources.push(source);
      const s = Math.max(0, secs);
      if (idle === null || s < idle) idle = s;
    };
    const t = readTerminals(this.devRoot, this.ttys.get(Date.now()));
    if (t.pts !== null) seen('pts', (now - t.pts) / 1000);
    if (t.tty !== null) seen('tty', (now - t.tty) / 1000);
    const xp = this.xprintidle(Date.now());
    if (xp !== null) {
      const ms = await readX11IdleMs(xp, this.env);
      if (ms !== null) seen('x11', ms / 1000);
    }
    this.freshReports(now, seen);
    return { idleSecs: idle === null ? null : Math.floor(idle), sources, error: t.error };
  }

  /** Sources present now, cheaply (no xprintidle run). */
  sources(now: number): string[] {
    const t = readTerminals(this.devRoot, this.ttys.get(Date.now()));
    const out: string[] = [];
    if (t.pts !== null) out.push('pts');
    if (t.tty !== null) out.push('tty');
    if (this.xprintidle(Date.now()) !== null) out.push('x11');
    this.freshReports(now, (s) => out.push(s));
    return out;
  }
}
