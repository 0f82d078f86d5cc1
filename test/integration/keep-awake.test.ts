/**
 * Keep-awake sources with the real agent, driven only through its socket and the CLI:
 * a watched process, a logind inhibitor lock, schedule windows that keep awake or set the
 * naptime, and invalid schedules refused with the field named. Short naptimes (3 s), every
 * metric threshold out of reach, so only the sources decide.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ALWAYS_IDLE, runCli, startAgent, tempDir, waitFor, type AgentHandle } from '../helpers/agent.js';

const agents: AgentHandle[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const a of agents.splice(0)) {
    await a.stop();
    rmSync(a.dir, { recursive: true, force: true });
  }
});

async function agent(config: Record<string, unknown>, env: NodeJS.ProcessEnv = {}, dir?: string): Promise<AgentHandle> {
  const a = await startAgent({ dir, config: { ...ALWAYS_IDLE, naptime_minutes: 0.05, warning_minutes: 0.02, ...config }, env });
  agents.push(a);
  return a;
}

/** `sleep 30`, optionally under another argv[0] (the executable name the name rule reads). */
function sleeper(argv0?: string, seconds = '30'): ChildProcess {
  const c = spawn('sleep', [seconds], { argv0, stdio: 'ignore' });
  children.push(c);
  return c;
}

function stops(a: AgentHandle): number {
  return readFileSync(a.historyPath, 'utf8').split('\n').filter((l) => l.includes('"dry_run_stop"')).length;
}

const reasons = async (a: AgentHandle) => (await a.req('STATUS')).blockers.map((b) => b.reason);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Past the 3 s naptime and its warning, with margin: a stop would have come by now. */
const PAST_NAPTIME_MS = 5000;

const hhmm = (minutes: number) => {
  const m = ((minutes % 1440) + 1440) % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
};
/** A window on every day, open from an hour ago to an hour ahead in UTC (crossing midnight when it must). */
function openNow(effect: Record<string, unknown>) {
  const d = new Date();
  const m = d.getUTCHours() * 60 + d.getUTCMinutes();
  return { days: 'sun-sat', from: hhmm(m - 60), to: hhmm(m + 60), ...effect };
}

describe('keep_awake_processes (real agent)', () => {
  it('a running process named in the list blocks, is named in blockers and by snooze status, and the dry-run stop follows after it ends', async () => {
    // Other tests on this host run their own `sleep`s: a unique executable name (argv[0])
    // keeps this one the only match, so "the stop follows after it ends" cannot be held up.
    const name = `cs-nap-${process.pid}-${Date.now() % 100_000}`;
    const job = sleeper(name);
    const a = await agent({ keep_awake_processes: [name] });
    const named = `Process ${name} (pid ${job.pid}): ${name} 30`;
    await waitFor(async () => (await reasons(a)).includes(named), 10_000, 'the process named in blockers');
    const st = await a.req('STATUS');
    expect(st.state).toBe('active');
    expect(st.blockers.find((b) => b.reason === named)).toEqual({ metric: 'process', value: null, threshold: null, reason: named });
    const cli = await runCli(['--socket', a.socket, 'status']);
    expect(cli.stdout.split('\n')).toContain(`Kept awake: ${named}`);

    await pause(PAST_NAPTIME_MS);
    expect(stops(a)).toBe(0);
    job.kill('SIGTERM');
    await waitFor(() => stops(a) > 0 || null, 20_000, 'the dry-run stop after the process ended');
  });

  it('cmd: matches a substring of the command line', async () => {
    const unique = `29.${process.pid % 1000}${Date.now() % 1000}`;
    const job = sleeper(undefined, unique);
    const a = await agent({ keep_awake_processes: [`cmd:sleep ${unique}`] });
    await waitFor(async () => (await reasons(a)).includes(`Process cmd:sleep ${unique} (pid ${job.pid}): sleep ${unique}`), 10_000, 'the cmd: match');
  });
});

describe('logind inhibitor locks (real agent)', () => {
  it('a block-mode idle lock of a live process blocks and is named; released when its owner ends', async () => {
    const dir = tempDir('cs-inhibit-int-');
    const inhibit = path.join(dir, 'inhibit');
    mkdirSync(inhibit);
    const owner = sleeper();
    // As logind's inhibitor_save writes it (see agent/keep-awake/inhibitors.ts).
    writeFileSync(
      path.join(inhibit, '7'),
      ['# This is private data. Do not parse.', 'WHAT=idle:sleep', 'MODE=block', 'UID=0', `PID=${owner.pid}`, 'WHO=nightly-backup', 'WHY="copying data"', `FIFO=${inhibit}/7.ref`, ''].join('\n'),
    );
    const a = await agent({}, { CLOUDSNOOZE_INHIBIT_DIR: inhibit }, dir);
    const named = `systemd-inhibit: nightly-backup — copying data (pid ${owner.pid})`;
    await waitFor(async () => (await reasons(a)).includes(named), 10_000, 'the lock named in blockers');
    await pause(PAST_NAPTIME_MS);
    expect(stops(a)).toBe(0);
    expect((await a.req('STATUS')).blockers).toEqual([{ metric: 'inhibitor', value: null, threshold: null, reason: named }]);
    owner.kill('SIGTERM');
    await waitFor(() => stops(a) > 0 || null, 20_000, 'the dry-run stop after the lock owner ended');
  });
});

describe('schedule (real agent)', () => {
  it('a keep-awake window open now blocks, is named, and STATUS says when it closes', async () => {
    const w = openNow({ keep_awake: true });
    const a = await agent({ schedule: { timezone: 'UTC', windows: [w] } });
    const label = `keep awake sun-sat ${w.from}–${w.to} UTC`;
    await waitFor(async () => (await reasons(a)).includes(`Schedule: ${label}`), 10_000, 'the window named in blockers');
    await pause(PAST_NAPTIME_MS);
    expect(stops(a)).toBe(0);
    const st = await a.req('STATUS');
    expect(st.state).toBe('active');
    expect(st.schedule).toMatchObject({ timezone: 'UTC', open: [label], keep_awake: true, naptime_minutes: null });
    // Closes at "to", within the next hour (and a minute of rounding).
    const closes = Date.parse(st.schedule!.next_change!) - Date.now();
    expect(closes).toBeGreaterThan(58 * 60_000);
    expect(closes).toBeLessThanOrEqual(61 * 60_000);
    const cli = await runCli(['--socket', a.socket, 'status']);
    expect(cli.stdout).toMatch(new RegExp(`^Schedule: ${label} until \\d\\d:\\d\\d$`, 'm'));
    expect(cli.stdout.split('\n')).toContain(`Kept awake: Schedule: ${label}`);
  });

  it('a window whose naptime_minutes is 0.1 stops sooner than the 30-minute default naptime', async () => {
    const started = Date.now();
    const a = await agent({ naptime_minutes: 30, schedule: { timezone: 'UTC', windows: [openNow({ naptime_minutes: 0.1 })] } });
    expect(await a.req('STATUS')).toMatchObject({ naptime_minutes: 30, effective_naptime_minutes: 0.1, schedule: { naptime_minutes: 0.1 } });
    await waitFor(() => stops(a) > 0 || null, 30_000, 'a dry-run stop after the window naptime');
    expect(Date.now() - started).toBeLessThan(60_000);
    const stop = readFileSync(a.historyPath, 'utf8').split('\n').find((l) => l.includes('"dry_run_stop"'))!;
    expect(JSON.parse(stop).message).toMatch(/\(naptime 6 seconds\)$/);
  });

  it('invalid schedules and patterns are refused with the field named, over the socket, the CLI and in the file', async () => {
    const a = await agent({});
    const bad = { timezone: 'UTC', windows: [{ days: 'mon-fri', from: '25:00', to: '18:00', keep_awake: true }] };
    await expect(a.req('CONFIG_SET', { values: { schedule: bad } })).rejects.toThrow(/schedule\.windows\.0\.from: Schedule window 1, from must be a time of day/);
    await expect(a.req('CONFIG_SET', { values: { schedule: { windows: [{ days: 'mon', from: '09:00', to: '10:00' }] } } })).rejects.toThrow(
      /schedule\.windows\.0\.keep_awake: Schedule window 1, keep awake is missing/,
    );
    await expect(a.req('CONFIG_SET', { values: { keep_awake_processes: ['rsync', ''] } })).rejects.toThrow(/keep_awake_processes\.1: Keep-awake process 2 must not be empty/);
    const cli = await runCli(['--socket', a.socket, 'config', 'set', 'schedule', JSON.stringify({ windows: [{ days: 'someday', from: '09:00', to: '10:00', keep_awake: true }] })]);
    expect(cli.code).toBe(4);
    expect(cli.stderr).toMatch(/Schedule window 1, days must be mon…sun/);
    const c = await a.req('CONFIG_GET');
    expect(c.schedule).toEqual({ timezone: '', windows: [] });
    expect(c.keep_awake_processes).toEqual([]);

    const fromFile = await startAgent({ config: { schedule: { timezone: 'Mars/Olympus', windows: [] } }, waitReady: false });
    agents.push(fromFile);
    expect(await fromFile.exited).toBe(78);
    expect(fromFile.output()).toMatch(/schedule\.timezone: Schedule time zone must be an IANA zone name/);
  });
});
