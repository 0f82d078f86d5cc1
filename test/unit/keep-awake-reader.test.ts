/**
 * From watcher results to keep-awake entries (agent/keep-awake/sources.ts) and from the
 * schedule to the policy config (agent/keep-awake/daemon-sources.ts): the words, the
 * bounds on strings other users choose, and what counts as activity when a source fails.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, parseConfig, type Config } from '../../contract/config-schema.js';
import { nullSample } from '../../contract/protocol.js';
import { initialDaemonState } from '../../agent/daemon-state.js';
import { DaemonSources, effectivePolicyConfig, scheduleKeepAwake } from '../../agent/keep-awake/daemon-sources.js';
import { InhibitorWatcher } from '../../agent/keep-awake/inhibitors.js';
import { ProcessWatcher } from '../../agent/keep-awake/processes.js';
import { bounded, KeepAwakeReader, MAX_LISTED } from '../../agent/keep-awake/sources.js';
import { policyConfigFrom } from '../../agent/policy.js';
import { LocalProvider } from '../../agent/provider.js';
import { evaluateSchedule } from '../../agent/schedule.js';

let dir: string;
let procDir: string;
let inhibitDir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'cs-reader-'));
  procDir = path.join(dir, 'proc');
  inhibitDir = path.join(dir, 'inhibit');
  mkdirSync(procDir);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function proc(pid: number, argv: string[]) {
  mkdirSync(path.join(procDir, String(pid)), { recursive: true });
  writeFileSync(path.join(procDir, String(pid), 'cmdline'), argv.join('\0') + '\0');
}

function inhibitor(id: string, who: string, why: string, pid = process.pid) {
  mkdirSync(inhibitDir, { recursive: true });
  writeFileSync(path.join(inhibitDir, id), `WHAT=idle\nMODE=block\nUID=0\nPID=${pid}\nWHO=${who}\nWHY=${why}\n`);
}

const reader = () => new KeepAwakeReader(new ProcessWatcher(procDir, 10_000, 1), new InhibitorWatcher(inhibitDir));

describe('keep-awake entries from processes and inhibitors', () => {
  it('names a matching process and an inhibitor lock in plain words', () => {
    proc(4711, ['/usr/bin/rsync', '-a', 'data/', 'remote:']);
    proc(4712, ['bash']);
    inhibitor('1', 'backup', '"nightly backup"', process.pid);
    expect(reader().read(['rsync'], 0)).toEqual([
      { kind: 'process', reason: 'Process rsync (pid 4711): /usr/bin/rsync -a data/ remote:' },
      { kind: 'inhibitor', reason: `systemd-inhibit: backup — nightly backup (pid ${process.pid})` },
    ]);
  });

  it('no patterns and no logind folder: nothing to report, nothing blocks', () => {
    proc(10, ['rsync']);
    expect(reader().read([], 0)).toEqual([]);
  });

  it('lists at most MAX_LISTED matches and counts the rest', () => {
    for (let pid = 100; pid < 100 + MAX_LISTED + 7; pid++) proc(pid, ['sleep', '30']);
    const r = reader().read(['sleep'], 0);
    expect(r).toHaveLength(MAX_LISTED + 1);
    expect(r.at(-1)).toEqual({ kind: 'process', reason: 'and 7 more matching processes' });
  });

  it('a source that exists and fails counts as activity; a process that ended does not', () => {
    proc(20, ['make']);
    mkdirSync(path.join(procDir, '21')); // ended: its entry has no cmdline any more
    mkdirSync(path.join(procDir, '22', 'cmdline'), { recursive: true }); // still listed, unreadable
    writeFileSync(inhibitDir, 'not a folder'); // exists, cannot be listed
    const r = reader().read(['rsync'], 0);
    expect(r).toEqual([
      { kind: 'process', reason: 'Process pid 22 could not be read (EISDIR; counts as activity)' },
      { kind: 'inhibitor', reason: expect.stringMatching(/^systemd-inhibit: locks could not be read \(counts as activity\): cannot read .*ENOTDIR/) },
    ]);
    const gone = new KeepAwakeReader(new ProcessWatcher(path.join(dir, 'no-proc')), new InhibitorWatcher(path.join(dir, 'no-logind')));
    expect(gone.read(['x'], 0)).toEqual([{ kind: 'process', reason: expect.stringMatching(/^Processes could not be listed \(counts as activity\)/) }]);
  });

  it('strings other users choose are stripped of control characters and clipped', () => {
    proc(30, ['evil', '\x1b]0;owned\x07', 'x'.repeat(500)]);
    inhibitor('2', `"${'w'.repeat(300)}"`, '"line1\\nline2\\u202eRTL"');
    const r = reader().read(['evil'], 0);
    for (const k of r) {
      expect(k.reason.length).toBeLessThanOrEqual(160);
      // eslint-disable-next-line no-control-regex
      expect(k.reason).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    }
    expect(r[0]!.reason).toMatch(/^Process evil \(pid 30\): evil +\]0;owned +x+…$/);
    expect(r[1]!.reason).toMatch(/^systemd-inhibit: w+… — line1 line2 RTL \(pid \d+\)$/);
  });

  it('returns the same array while nothing changed (an hour of samples shares it)', () => {
    proc(40, ['rsync']);
    const rd = reader();
    const a = rd.read(['rsync'], 0);
    expect(rd.read(['rsync'], 1000)).toBe(a);
    rmSync(path.join(procDir, '40'), { recursive: true });
    expect(rd.read(['rsync'], 2000)).toEqual([]);
  });

  it('bounded() never splits a surrogate pair', () => {
    expect(bounded(`${'a'.repeat(8)}😀😀`, 10)).toBe(`${'a'.repeat(8)}…`);
    expect(bounded('ok')).toBe('ok');
  });
});

describe('the schedule in the decision', () => {
  const MON_10_UTC = Date.parse('2026-11-30T10:00:00Z');
  const withSchedule = (windows: unknown[]): Config => parseConfig({ ...DEFAULT_CONFIG, schedule: { timezone: 'UTC', windows } });

  it('an open keep-awake window is one entry per window; a naptime window replaces the naptime', () => {
    const cfg = withSchedule([
      { days: 'mon-fri', from: '09:00', to: '18:00', keep_awake: true },
      { days: 'mon', from: '00:00', to: '24:00', naptime_minutes: 10 },
      { days: 'sat-sun', from: '00:00', to: '24:00', keep_awake: true },
    ]);
    const st = evaluateSchedule(cfg.schedule, MON_10_UTC);
    expect(scheduleKeepAwake(cfg.schedule, st)).toEqual([{ kind: 'schedule', reason: 'Schedule: keep awake mon-fri 09:00–18:00 UTC' }]);
    const base = policyConfigFrom(cfg);
    expect(effectivePolicyConfig(base, st).naptimeMs).toBe(10 * 60_000);
    expect(effectivePolicyConfig(base, null)).toBe(base);
  });

  it('DaemonSources keeps s.schedule and s.pcfg in step and joins its entries to the sample', () => {
    const s = initialDaemonState(withSchedule([{ days: 'mon', from: '09:00', to: '11:00', naptime_minutes: 0.1 }]), new LocalProvider(), false);
    const src = new DaemonSources(s, 'UTC');
    const sample = nullSample(MON_10_UTC);
    expect(src.join(sample, MON_10_UTC)).toBe(sample); // a naptime window adds no entry
    expect(s.pcfg.naptimeMs).toBe(6000);
    expect(s.schedule).toMatchObject({ naptime_minutes: 0.1, keep_awake: false, next_change: '2026-11-30T11:00:00Z' });
    const pcfg = s.pcfg;
    src.refresh(MON_10_UTC + 1000);
    expect(s.pcfg).toBe(pcfg); // unchanged objects stay the same (the status view's cache)
    src.refresh(Date.parse('2026-11-30T11:00:00Z'));
    expect(s.pcfg.naptimeMs).toBe(30 * 60_000);

    s.config = withSchedule([{ days: 'mon', from: '09:00', to: '11:00', keep_awake: true }]);
    const joined = src.join({ ...sample, keep_awake: [{ kind: 'process', reason: 'p' }] }, MON_10_UTC);
    expect(joined.keep_awake.map((k) => k.kind)).toEqual(['process', 'schedule']);

    s.config = DEFAULT_CONFIG;
    src.refresh(MON_10_UTC);
    expect(s.schedule).toBeNull();
  });
});
