/** Process-bound holds: the /proc/<pid>/stat parser and hold liveness against a fake /proc. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parsePidStat, readPidStat } from '../../agent/keep-awake/pid-stat.js';
import { RunHoldError, RunHolds, runsKeepAwake, runWords, withRuns } from '../../agent/keep-awake/run-holds.js';
import { capBlockers, KEEP_AWAKE_REASON_BYTES } from '../../agent/status-caps.js';
import { MAX_PID, MAX_RUN_HOLDS, nullSample } from '../../contract/protocol.js';

/** A stat line as the kernel writes it: fields 3.. after the comm, start time at field 22. */
function statLine(pid: number, comm: string, start: number, state = 'S', pgrp = pid, tpgid = -1): string {
  const after = [state, '1', String(pgrp), String(pgrp), '0', String(tpgid), '4194304', '100', '0', '0', '0', '5', '3', '0', '0', '20', '0', '1', '0', String(start), '12345678', '300'];
  return `${pid} (${comm}) ${after.join(' ')} 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n`;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'cs-runholds-'));
});
afterEach(() => {
  chmodSync(dir, 0o755);
  rmSync(dir, { recursive: true, force: true });
});

function proc(pid: number, start: number, opts: { comm?: string; state?: string; cmdline?: string[] } = {}) {
  mkdirSync(path.join(dir, String(pid)), { recursive: true });
  writeFileSync(path.join(dir, String(pid), 'stat'), statLine(pid, opts.comm ?? 'sleep', start, opts.state));
  writeFileSync(path.join(dir, String(pid), 'cmdline'), opts.cmdline ? `${opts.cmdline.join('\0')}\0` : '');
}

describe('parsePidStat', () => {
  it('reads state, process group, terminal group and start time (field 22)', () => {
    expect(parsePidStat(statLine(4711, 'rsync', 987654, 'R', 4700, 4700))).toEqual({ state: 'R', pgrp: 4700, tpgid: 4700, start: 987654 });
  });

  it('counts fields from the last ")": a command name with spaces and parentheses does not shift them', () => {
    for (const comm of ['a b', 'x) (y', ') 1 2 3 (', '((', 'tmux: server)']) {
      expect(parsePidStat(statLine(42, comm, 555))?.start).toBe(555);
    }
  });

  it('refuses text without the expected shape instead of guessing', () => {
    expect(parsePidStat('')).toBeNull();
    expect(parsePidStat('42 sleep S 1 2 3')).toBeNull();
    expect(parsePidStat('42 (sleep) S 1 2')).toBeNull();
    expect(parsePidStat(statLine(42, 'x', 5).replace(' 5 12345678', ' -5 12345678'))).toBeNull();
  });
});

describe('readPidStat', () => {
  it('alive, ended (missing or zombie), unreadable (exists but cannot be read)', () => {
    proc(10, 100);
    proc(11, 100, { state: 'Z' });
    mkdirSync(path.join(dir, '12'));
    writeFileSync(path.join(dir, '12', 'stat'), 'garbage');
    expect(readPidStat(dir, 10)).toMatchObject({ kind: 'alive', stat: { start: 100 } });
    expect(readPidStat(dir, 99)).toEqual({ kind: 'ended' });
    expect(readPidStat(dir, 11)).toEqual({ kind: 'ended' });
    expect(readPidStat(dir, 12)).toEqual({ kind: 'unreadable', error: 'unexpected format' });
  });

  it('an entry that exists but fails to read (here EISDIR; EACCES as a user below) is unreadable, not ended', () => {
    mkdirSync(path.join(dir, '14', 'stat'), { recursive: true });
    expect(readPidStat(dir, 14)).toEqual({ kind: 'unreadable', error: 'EISDIR' });
  });

  it.skipIf(process.getuid?.() === 0)('EACCES is unreadable, not ended', () => {
    proc(13, 100);
    chmodSync(path.join(dir, '13', 'stat'), 0o000);
    expect(readPidStat(dir, 13)).toEqual({ kind: 'unreadable', error: 'EACCES' });
  });
});

describe('RunHolds', () => {
  const T = Date.parse('2026-06-01T12:00:00Z');

  it('binds to pid + start time; the hold ends when the process ends or the pid is reused', () => {
    proc(100, 5000, { cmdline: ['rsync', '-a', 'data/', 's3-sync'] });
    proc(200, 6000);
    const holds = new RunHolds(dir, 1);
    expect(holds.add(100, '', undefined, T).hold).toEqual({ pid: 100, start: 5000, reason: '', command: 'rsync -a data/ s3-sync', since: T });
    holds.add(200, 'backup', 'tar c /data', T);
    expect(holds.check()).toEqual({ alive: holds.list, ended: [] });

    rmSync(path.join(dir, '100'), { recursive: true });
    proc(200, 7000); // pid 200 now belongs to a newer process
    const { alive, ended } = holds.check();
    expect(alive).toEqual([]);
    expect(ended.map((e) => [e.hold.pid, e.why])).toEqual([
      [100, 'ended'],
      [200, 'pid reused'],
    ]);
    // check() only reads; drop() removes.
    expect(holds.list).toHaveLength(2);
    holds.drop(ended.map((e) => e.hold));
    expect(holds.list).toEqual([]);
  });

  it('keeps a hold whose /proc entry exists but cannot be read (fail safe)', () => {
    proc(300, 1);
    const holds = new RunHolds(dir, 1);
    holds.add(300, '', 'job', T);
    writeFileSync(path.join(dir, '300', 'stat'), 'unexpected');
    expect(holds.check().alive.map((h) => h.pid)).toEqual([300]);
  });

  it('refuses a pid that is not running, its own pid, an unreadable start time, and more than the bound', () => {
    const holds = new RunHolds(dir, 77);
    proc(77, 1);
    expect(() => holds.add(99, '', undefined, T)).toThrow(/^No running process has the id 99 \(it may have ended already\)$/);
    expect(() => holds.add(77, '', undefined, T)).toThrow(/the agent itself/);
    mkdirSync(path.join(dir, '55'));
    writeFileSync(path.join(dir, '55', 'stat'), 'x');
    expect(() => holds.add(55, '', undefined, T)).toThrow(/^Cannot read the start time of process 55/);
    for (let pid = 1000; pid < 1000 + MAX_RUN_HOLDS; pid++) {
      proc(pid, pid);
      holds.add(pid, '', 'x', T);
    }
    proc(5000, 1);
    const err = (() => {
      try {
        holds.add(5000, '', 'x', T);
      } catch (e) {
        return e as RunHoldError;
      }
    })();
    expect(err).toBeInstanceOf(RunHoldError);
    expect(err!.code).toBe('BUSY');
    expect(err!.message).toMatch(`already ${MAX_RUN_HOLDS} process holds`);
    // The same process again is an update, not another hold, even at the bound.
    expect(holds.add(1000, 'new reason', 'y', T + 5000)).toMatchObject({ replaced: true, hold: { reason: 'new reason', command: 'y', since: T } });
    expect(holds.list).toHaveLength(MAX_RUN_HOLDS);
  });

  it('restores saved holds, skipping malformed records; the next check drops those that ended', () => {
    proc(400, 42);
    proc(401, 43);
    const holds = new RunHolds(dir, 1);
    holds.restore([
      { pid: 400, start: 42, reason: '', command: 'a', since: T },
      { pid: 401, start: 999, reason: '', command: 'b', since: T },
      { pid: 402, start: 1, reason: '', command: 'c', since: T },
      { pid: 'x' },
      null,
    ]);
    expect(holds.list.map((h) => h.pid)).toEqual([400, 401, 402]);
    const { alive, ended } = holds.check();
    expect(alive.map((h) => h.pid)).toEqual([400]);
    expect(ended.map((e) => [e.hold.pid, e.why])).toEqual([
      [401, 'pid reused'],
      [402, 'ended'],
    ]);
  });

  it('words: names the command, pid and age, strips control characters, and counts beyond three', () => {
    proc(4711, 1);
    const holds = new RunHolds(dir, 1);
    const { hold } = holds.add(4711, '', 'rsync -a data/ s3-sync', T);
    expect(runWords(hold, T + (2 * 3600 + 13 * 60) * 1000)).toBe('snooze run — rsync -a data/ s3-sync (pid 4711, 2 h 13 min)');
    const evil = holds.add(4711, 'why\x1b[31m', 'rm\x1b]0;x\x07 -rf', T).hold;
    expect(runWords(evil, T)).toBe('snooze run — rm ]0;x  -rf (pid 4711, 0 s) — why [31m');
    // The longest command and reason, the largest pid, a day old: still within STATUS's cap, so
    // the cap never cuts it and the pid and reason stay (they were lost past 120 bytes).
    const long = { ...hold, pid: MAX_PID, command: `python ${'x'.repeat(290)}`, reason: `training ${'r'.repeat(190)}` };
    const words = runWords(long, T + 86_400_000);
    expect(Buffer.byteLength(words)).toBeLessThanOrEqual(KEEP_AWAKE_REASON_BYTES);
    expect(words).toMatch(new RegExp(`^snooze run — python x+… \\(pid ${MAX_PID}, [^)]+\\) — training r+…$`));
    expect(capBlockers([{ metric: 'snooze_run', value: null, threshold: null, reason: words }])[0]!.reason).toBe(words);
    const many = [1, 2, 3, 4, 5].map((pid) => ({ ...hold, pid }));
    const entries = runsKeepAwake(many, T);
    expect(entries.map((e) => e.reason)).toEqual([
      expect.stringContaining('pid 1,'),
      expect.stringContaining('pid 2,'),
      expect.stringContaining('pid 3,'),
      'snooze run — and 2 more commands',
    ]);
    expect(entries.every((e) => e.kind === 'snooze_run')).toBe(true);
  });

  it('withRuns replaces only the snooze_run entries of a sample', () => {
    const s = { ...nullSample(T), keep_awake: [{ kind: 'process' as const, reason: 'Process rsync (pid 9)' }, { kind: 'snooze_run' as const, reason: 'old' }] };
    expect(withRuns(s, [{ kind: 'snooze_run', reason: 'new' }]).keep_awake).toEqual([
      { kind: 'process', reason: 'Process rsync (pid 9)' },
      { kind: 'snooze_run', reason: 'new' },
    ]);
    const plain = nullSample(T);
    expect(withRuns(plain, [])).toBe(plain);
  });
});
