/**
 * logind inhibitor locks (`systemd-inhibit --what=idle long-job.sh`), read from the state
 * files logind keeps in /run/systemd/inhibit — no D-Bus client needed. Format, from
 * systemd's logind-inhibit.c `inhibitor_save`: an env-style file per inhibitor with WHAT
 * (colon list), MODE (block, block-weak, delay), UID, PID, WHO and WHY (C-escaped, then
 * quoted as an env-file value) and FIFO (the `.ref` pipe beside it, skipped here).
 * `CLOUDSNOOZE_INHIBIT_DIR` moves the folder for tests, like CLOUDSNOOZE_DMI_DIR.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';

export const DEFAULT_INHIBIT_DIR = '/run/systemd/inhibit';
/** What an inhibitor must block for us to stay awake: stopping the instance is all three. */
const BLOCKING_WHAT = new Set(['idle', 'sleep', 'shutdown']);

export interface Inhibitor {
  id: string;
  what: string[];
  mode: string;
  uid: number | null;
  pid: number | null;
  who: string;
  why: string;
}

export interface InhibitorScan {
  /** Block-mode inhibitors of idle, sleep or shutdown whose owner still runs. */
  blocking: Inhibitor[];
  /** False when the folder does not exist (no logind): not a failure. */
  available: boolean;
  error: string | null;
}

/** One env-file value: bare, or double-quoted with backslash escapes. */
function envValue(v: string): string {
  const t = v.trim();
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) return t.slice(1, -1).replace(/\\(["\\`$])/g, '$1');
  return t;
}

/** systemd's cescape undone: \n \t \\ \" \xNN \NNN and \uXXXX. */
export function cunescape(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|[0-7]{3}|.)/g, (_m, e: string) => {
    if (e[0] === 'x' || e[0] === 'u') return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]{3}$/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return ({ n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v', s: ' ' } as Record<string, string>)[e] ?? e;
  });
}

export function parseInhibitor(id: string, text: string): Inhibitor | null {
  const kv: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq > 0) kv[line.slice(0, eq)] = envValue(line.slice(eq + 1));
  }
  if (!kv.WHAT) return null;
  const num = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : null);
  return {
    id,
    what: kv.WHAT.split(':').filter(Boolean),
    // logind reads a file without MODE as block.
    mode: kv.MODE || 'block',
    uid: num(kv.UID),
    pid: num(kv.PID),
    who: cunescape(kv.WHO ?? ''),
    why: cunescape(kv.WHY ?? ''),
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class InhibitorWatcher {
  private cache: { mtimeMs: number; list: Inhibitor[] } | null = null;

  constructor(private readonly dir = process.env.CLOUDSNOOZE_INHIBIT_DIR || DEFAULT_INHIBIT_DIR) {}

  scan(): InhibitorScan {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(this.dir).mtimeMs;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { blocking: [], available: false, error: null };
      return { blocking: [], available: true, error: `cannot read ${this.dir}: ${(err as Error).message}` };
    }
    // logind replaces files by rename, which touches the folder: an unchanged folder has
    // unchanged inhibitors, so the common sample costs one stat.
    if (!this.cache || this.cache.mtimeMs !== mtimeMs) {
      try {
        this.cache = { mtimeMs, list: this.readAll() };
      } catch (err) {
        this.cache = null;
        return { blocking: [], available: true, error: `cannot read ${this.dir}: ${(err as Error).message}` };
      }
    }
    const blocking = this.cache.list.filter(
      (i) => (i.mode === 'block' || i.mode === 'block-weak') && i.what.some((w) => BLOCKING_WHAT.has(w)) && (i.pid === null || alive(i.pid)),
    );
    return { blocking, available: true, error: null };
  }

  private readAll(): Inhibitor[] {
    const out: Inhibitor[] = [];
    for (const entry of readdirSync(this.dir, { withFileTypes: true })) {
      const name = entry.name;
      // Regular files only: the `.ref` pipes (and any other FIFO) would block a read forever.
      if (name.startsWith('.') || name.endsWith('.ref') || !entry.isFile()) continue;
      let text: string;
      try {
        text = readFileSync(`${this.dir}/${name}`, 'utf8');
      } catch (err) {
        // Released between the listing and the read: gone, not a failure. Any other error is
        // a lock we cannot see, so the whole scan fails (and counts as activity).
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw new Error(`${name}: ${(err as Error).message}`, { cause: err });
      }
      const i = parseInhibitor(name, text.slice(0, 64 * 1024));
      if (i) out.push(i);
    }
    return out;
  }
}

/** "systemd-inhibit: backup — nightly rsync (pid 4711)" */
export function inhibitorLabel(i: Inhibitor): string {
  const who = i.who || 'an inhibitor lock';
  return `${who}${i.why ? ` — ${i.why}` : ''}${i.pid !== null ? ` (pid ${i.pid})` : ''}`;
}
