import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cunescape, InhibitorWatcher, inhibitorLabel, parseInhibitor } from '../../agent/keep-awake/inhibitors.js';
import { parsePattern, ProcessWatcher } from '../../agent/keep-awake/processes.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'cs-keepawake-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function proc(pid: number, argv: string[] | null, comm = 'kthread') {
  mkdirSync(path.join(dir, String(pid)), { recursive: true });
  writeFileSync(path.join(dir, String(pid), 'cmdline'), argv ? argv.join('\0') + '\0' : '');
  writeFileSync(path.join(dir, String(pid), 'comm'), `${comm}\n`);
}

describe('keep_awake_processes matching', () => {
  it('a bare name matches the executable name exactly; cmd: matches inside the command line', () => {
    proc(10, ['/usr/bin/rsync', '-a', 'data/', 'remote:']);
    proc(11, ['python3', 'train.py', '--epochs', '90']);
    proc(12, ['/usr/bin/rsyncd']);
    proc(13, null, 'kworker/0:1');
    mkdirSync(path.join(dir, 'self'));
    const w = new ProcessWatcher(dir, 10_000, 999);
    const r = w.scan(['rsync', 'cmd:train.py', 'kworker/0:1', 'train.py'].map(parsePattern), 0);
    expect(r.error).toBeNull();
    expect(r.matches.map((m) => [m.pattern, m.pid])).toEqual([
      ['rsync', 10],
      ['cmd:train.py', 11],
      ['kworker/0:1', 13],
    ]);
    expect(r.matches[1]!.command).toBe('python3 train.py --epochs 90');
  });

  it('never matches the agent itself', () => {
    proc(500, ['node', '/usr/lib/cloudsnooze/snoozed.js']);
    expect(new ProcessWatcher(dir, 10_000, 500).scan([parsePattern('node')], 0).matches).toEqual([]);
  });

  it('sees new processes at once, forgets ended ones; a young process that exec()s is seen at the next scan', () => {
    const w = new ProcessWatcher(dir, 30_000, 1);
    const pats = [parsePattern('make')];
    proc(20, ['bash', 'build.sh']);
    expect(w.scan(pats, 0).matches).toEqual([]);
    proc(21, ['make', '-j8']);
    expect(w.scan(pats, 1000).matches.map((m) => m.pid)).toEqual([21]);
    rmSync(path.join(dir, '21'), { recursive: true });
    expect(w.scan(pats, 2000).matches).toEqual([]);
    // pid 20 (first seen 3 s ago) exec()s make: young processes are read again every scan.
    proc(20, ['make', 'all']);
    expect(w.scan(pats, 3000).matches.map((m) => m.pid)).toEqual([20]);
  });

  it('an old process that exec()s is seen once its read is stale (30 s)', () => {
    const w = new ProcessWatcher(dir, 30_000, 1);
    const pats = [parsePattern('make')];
    proc(20, ['bash', 'build.sh']);
    for (const t of [0, 1000, 2000, 61_000]) w.scan(pats, t); // young for three scans and a minute
    proc(20, ['make', 'all']);
    expect(w.scan(pats, 62_000).matches).toEqual([]); // read at 61 s: fresh
    expect(w.scan(pats, 91_000).matches.map((m) => m.pid)).toEqual([20]);
  });

  it('an unlistable /proc is an error (counts as activity); no patterns costs nothing', () => {
    const w = new ProcessWatcher(path.join(dir, 'missing'));
    expect(w.scan([parsePattern('x')], 0).error).toMatch(/cannot list/);
    expect(w.scan([], 0)).toEqual({ matches: [], unreadable: [], error: null });
  });

  it('re-reads at most a thirtieth of the stale old processes per scan (at least 8); a full scan re-reads all', () => {
    for (let pid = 100; pid < 130; pid++) proc(pid, ['bash', 'wrapper.sh']);
    const w = new ProcessWatcher(dir, 30_000, 1);
    const pats = [parsePattern('rsync')];
    for (const t of [0, 1, 2, 60_000]) expect(w.scan(pats, t).matches).toEqual([]);
    // Every one exec()s rsync under the same pid, long after it started.
    for (let pid = 100; pid < 130; pid++) proc(pid, ['rsync', '-a']);
    expect(w.scan(pats, 70_000).matches).toEqual([]); // read at 60 s: not stale yet
    const seen = [90_000, 90_001, 90_002, 90_003].map((t) => w.scan(pats, t).matches.length);
    expect(seen).toEqual([8, 16, 24, 30]);
    const other = new ProcessWatcher(dir, 30_000, 1);
    for (let pid = 100; pid < 130; pid++) proc(pid, ['bash']);
    for (const t of [0, 1, 2, 60_000]) other.scan(pats, t);
    for (let pid = 100; pid < 130; pid++) proc(pid, ['rsync']);
    expect(other.scan(pats, 60_001).matches).toEqual([]);
    expect(other.scan(pats, 60_002, { full: true }).matches).toHaveLength(30);
  });

  it('a pid that ended is skipped; a pid still listed whose entry fails to read is reported, and read again next time', () => {
    proc(30, ['rsync', '-a']);
    // Listed but its cmdline gone (ENOENT): it ended between the listing and the read.
    mkdirSync(path.join(dir, '31'));
    // Listed and its cmdline unreadable for another reason (a folder: EISDIR, also as root).
    mkdirSync(path.join(dir, '32', 'cmdline'), { recursive: true });
    const w = new ProcessWatcher(dir, 10_000, 1);
    const pats = [parsePattern('rsync')];
    const r = w.scan(pats, 0);
    expect(r.matches.map((m) => m.pid)).toEqual([30]);
    expect(r.unreadable).toEqual([{ pid: 32, code: 'EISDIR' }]);
    // Not cached as "seen": the next (incremental) scan tries again, and sees it readable now.
    rmSync(path.join(dir, '32'), { recursive: true });
    proc(32, ['rsync', 'b']);
    expect(w.scan(pats, 1000)).toMatchObject({ unreadable: [], matches: [{ pid: 30 }, { pid: 32 }] });
  });
});

describe('logind inhibitors', () => {
  const record = (o: { what?: string; mode?: string; pid?: number; who?: string; why?: string }) =>
    [
      '# This is private data. Do not parse.',
      `WHAT=${o.what ?? 'idle'}`,
      `MODE=${o.mode ?? 'block'}`,
      'UID=1000',
      o.pid === undefined ? '' : `PID=${o.pid}`,
      `WHO=${o.who ?? 'backup'}`,
      `WHY=${o.why ?? 'nightly'}`,
      'FIFO=/run/systemd/inhibit/1.ref',
    ].join('\n');

  it('parses quoted and C-escaped values as logind writes them', () => {
    const i = parseInhibitor('7', record({ what: 'sleep:idle', who: '"My \\\\"job\\\\""', why: '"copy\\\\ndone"', pid: 42 }));
    expect(i).toMatchObject({ id: '7', what: ['sleep', 'idle'], mode: 'block', uid: 1000, pid: 42 });
    expect(i!.who).toBe('My "job"');
    expect(i!.why).toBe('copy\ndone');
    expect(cunescape('a\\x41\\101\\u00e9')).toBe('aAAé');
    expect(inhibitorLabel(i!)).toBe('My "job" — copy\ndone (pid 42)');
  });

  it('block-mode idle/sleep/shutdown locks of live processes block; delay locks and key handlers do not', () => {
    writeFileSync(path.join(dir, '1'), record({ pid: process.pid }));
    writeFileSync(path.join(dir, '2'), record({ mode: 'delay', what: 'sleep', pid: process.pid }));
    writeFileSync(path.join(dir, '3'), record({ what: 'handle-lid-switch', pid: process.pid }));
    writeFileSync(path.join(dir, '4'), record({ what: 'shutdown', pid: 2 ** 22 + 12345 })); // no such pid
    writeFileSync(path.join(dir, '1.ref'), '');
    const r = new InhibitorWatcher(dir).scan();
    expect(r).toMatchObject({ available: true, error: null });
    expect(r.blocking.map((i) => i.id)).toEqual(['1']);
  });

  it('notices a new lock even within the same second (folder mtime), and a released one', () => {
    const w = new InhibitorWatcher(dir);
    expect(w.scan().blocking).toEqual([]);
    writeFileSync(path.join(dir, '9'), record({ pid: process.pid }));
    utimesSync(dir, new Date(), new Date(Date.now() + 5000));
    expect(w.scan().blocking.map((i) => i.id)).toEqual(['9']);
    rmSync(path.join(dir, '9'));
    utimesSync(dir, new Date(), new Date(Date.now() + 10_000));
    expect(w.scan().blocking).toEqual([]);
  });

  it('reads regular files only (a read of a FIFO would block the agent; logind writes plain files)', () => {
    writeFileSync(path.join(dir, '1'), record({ pid: process.pid }));
    symlinkSync(path.join(dir, '1'), path.join(dir, '2'));
    mkdirSync(path.join(dir, '3'));
    expect(new InhibitorWatcher(dir).scan().blocking.map((i) => i.id)).toEqual(['1']);
  });

  it('no folder means no logind (not a failure)', () => {
    expect(new InhibitorWatcher(path.join(dir, 'none')).scan()).toEqual({ blocking: [], available: false, error: null });
  });
});
