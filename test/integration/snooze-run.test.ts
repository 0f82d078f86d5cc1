/**
 * `snooze run`, `snooze stay-awake --while` and process holds with the real agent and the
 * real CLI, driven only through the CLI and the socket (local mode: stops are dry_run_stop).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentError, request } from '../../lib/client.js';
import { adminSocketPath } from '../../contract/paths.js';
import { MAX_RUN_HOLDS, type HistoryEvent, type Status } from '../../contract/protocol.js';
import { ALWAYS_IDLE, runCli, SNOOZE, startAgent, tempDir, waitFor, type AgentHandle } from '../helpers/agent.js';

const agents: AgentHandle[] = [];
/** Process groups and processes this file started, killed by id after each test. */
const groups: number[] = [];
const pids: number[] = [];
afterEach(async () => {
  for (const g of groups.splice(0)) kill(-g);
  for (const p of pids.splice(0)) kill(p);
  await Promise.all(agents.splice(0).map((a) => a.stop('SIGKILL')));
});

function kill(pid: number, sig: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone already
  }
}

async function agent(opts: Parameters<typeof startAgent>[0] = {}): Promise<AgentHandle> {
  const a = await startAgent({ ...opts, config: { ...ALWAYS_IDLE, ...opts.config } });
  agents.push(a);
  return a;
}

interface Wrapper {
  proc: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
}

/**
 * The built `snooze run` in a session of its own (detached): no controlling terminal, so a
 * SIGINT sent to it is forwarded (with a terminal, the terminal itself delivers Ctrl-C to
 * the command), and its whole group can be killed after the test.
 */
function snoozeRun(socket: string, args: string[]): Wrapper {
  const proc = spawn(process.execPath, [SNOOZE, '--socket', socket, 'run', ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  groups.push(proc.pid!);
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return { proc, exited, stdout: () => out, stderr: () => err };
}

async function events(a: AgentHandle, type?: HistoryEvent['type']): Promise<HistoryEvent[]> {
  // Oldest first, to read orders naturally.
  return (await a.req('HISTORY', { type, limit: 200, details: true })).events.reverse();
}

const waitEvent = (a: AgentHandle, pred: (e: HistoryEvent) => boolean, what: string, ms = 30_000) =>
  waitFor(async () => (await events(a)).find(pred) ?? null, ms, `${what}; agent output:\n${a.output()}`);

const waitRuns = (a: AgentHandle, n: number, ms = 15_000) =>
  waitFor(async () => {
    const s = await a.req('STATUS');
    return s.runs_total === n ? s : null;
  }, ms, `${n} process holds`);

const isRunEnd = (e: HistoryEvent) => e.type === 'release' && e.message.startsWith('snooze run ended');
const isRunStart = (e: HistoryEvent) => e.type === 'stay_awake' && e.details?.while_pid !== undefined;

/** No dry_run_stop between the hold's start and its end (ids in order). */
function noStopBetween(all: HistoryEvent[], from: HistoryEvent, to: HistoryEvent): void {
  expect(all.filter((e) => e.type === 'dry_run_stop' && e.id > from.id && e.id < to.id)).toEqual([]);
}

const alive = (pid: number) => {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'latin1').match(/\) [ZX] /);
  } catch {
    return false;
  }
};

describe('snooze run', () => {
  it('blocks a dry-run stop for the life of its command; the stop follows after it ends', async () => {
    const a = await agent();
    const run = snoozeRun(a.socket, ['--reason', 'copy', '--', 'sleep', '6']);
    const st = await waitRuns(a, 1);
    expect(st.runs[0]).toMatchObject({ command: 'sleep 6', reason: 'copy' });
    expect(st.runs[0]!.pid).not.toBe(run.proc.pid); // the command's pid, not the wrapper's
    expect(st.state).toBe('active');
    expect(st.blockers).toContainEqual(expect.objectContaining({ metric: 'snooze_run', reason: expect.stringMatching(/^snooze run — sleep 6 \(pid \d+, \d+ s\) — copy$/) }));
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(run.stderr()).toBe('');
    // 6 s is twice the naptime (3 s) plus its warning: without the hold there would have been a stop.
    const ended = await waitEvent(a, isRunEnd, 'run ended');
    expect(ended.message).toMatch(/^snooze run ended: sleep 6 \(pid \d+, held \d+ s\)$/);
    const stop = await waitEvent(a, (e) => e.type === 'dry_run_stop' && e.id > ended.id, 'dry_run_stop after the run');
    const all = await events(a);
    noStopBetween(all, all.find(isRunStart)!, ended);
    expect(stop.id).toBeGreaterThan(ended.id);
  });

  it('the wrapper killed with -9 leaves the hold until the command ends', async () => {
    const a = await agent();
    const run = snoozeRun(a.socket, ['--', 'sleep', '6']);
    const cmd = (await waitRuns(a, 1)).runs[0]!.pid;
    run.proc.kill('SIGKILL');
    expect((await run.exited).signal).toBe('SIGKILL');
    expect(alive(cmd)).toBe(true);
    await new Promise((r) => setTimeout(r, 3500)); // past naptime + warning
    const mid = await a.req('STATUS');
    expect(mid.runs.map((r) => r.pid)).toEqual([cmd]);
    expect(mid.blockers.map((b) => b.metric)).toContain('snooze_run');
    const ended = await waitEvent(a, isRunEnd, 'run ended');
    expect(alive(cmd)).toBe(false);
    await waitEvent(a, (e) => e.type === 'dry_run_stop' && e.id > ended.id, 'dry_run_stop after the run');
    const all = await events(a);
    noStopBetween(all, all.find(isRunStart)!, ended);
  });

  it("passes the command's exit code; 127 when it does not exist; an absent agent is one warning and the command still runs", async () => {
    const a = await agent({ config: { naptime_minutes: 600 } });
    const seven = await runCli(['--socket', a.socket, 'run', '--', 'sh', '-c', 'exit 7']);
    expect(seven).toEqual({ code: 7, stdout: '', stderr: '' });
    const missing = await runCli(['--socket', a.socket, 'run', '--', 'no-such-command-cs']);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toBe('snooze run: no-such-command-cs: command not found\n');
    const noAgent = await runCli(['--socket', path.join(tempDir(), 'none.sock'), 'run', '--', 'sh', '-c', 'sleep 0.5; echo hi; exit 3']);
    expect(noAgent.code).toBe(3);
    expect(noAgent.stdout).toBe('hi\n');
    expect(noAgent.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^snooze run: warning: the CloudSnooze agent is not running .*; sh runs without keeping the instance awake$/)]);
  });

  it('Ctrl-C (SIGINT to the wrapper) reaches the command; a command killed by a signal exits 128+n', async () => {
    const a = await agent({ config: { naptime_minutes: 600 } });
    const run = snoozeRun(a.socket, ['--', 'sh', '-c', `trap 'echo got-int; exit 42' INT; echo ready; sleep 20 & wait`]);
    await waitFor(() => run.stdout().includes('ready'), 10_000, 'command ready');
    await waitRuns(a, 1);
    run.proc.kill('SIGINT');
    expect(await run.exited).toEqual({ code: 42, signal: null });
    // The backgrounded sleep keeps the pipe open, so the tail is read after the exit.
    await waitFor(() => run.stdout().includes('got-int'), 5000, 'the trap output');
    expect(run.stdout()).toBe('ready\ngot-int\n');

    const term = snoozeRun(a.socket, ['--', 'sleep', '20']);
    await waitFor(async () => (await a.req('STATUS')).runs.some((r) => r.command === 'sleep 20'), 10_000, 'the second hold');
    term.proc.kill('SIGTERM');
    expect(await term.exited).toEqual({ code: 143, signal: null });
  });

  it('the hold survives an agent restart; one whose command ended while the agent was down is dropped', async () => {
    const dir = tempDir();
    const first = await agent({ dir });
    snoozeRun(first.socket, ['--reason', 'long job', '--', 'sleep', '30']);
    snoozeRun(first.socket, ['--', 'sleep', '31']);
    const both = (await waitRuns(first, 2)).runs;
    const keep = both.find((r) => r.command === 'sleep 30')!.pid;
    const gone = both.find((r) => r.command === 'sleep 31')!.pid;
    // STATUS shows a hold as soon as it is in memory; its history row is written after it is saved,
    // which is also when the wrapper is answered. Kill only once both are acknowledged.
    await waitFor(async () => ((await events(first)).filter(isRunStart).length === 2 ? true : null), 15_000, 'both holds saved');
    await first.stop('SIGKILL');
    kill(gone);
    await waitFor(() => !alive(gone), 5000, 'sleep 31 ended');

    const second = await agent({ dir });
    const st = await waitRuns(second, 1);
    expect(st.runs).toEqual([expect.objectContaining({ pid: keep, command: 'sleep 30', reason: 'long job' })]);
    const dropped = await waitEvent(second, isRunEnd, 'dropped run');
    expect(dropped.message).toContain('sleep 31');
    await new Promise((r) => setTimeout(r, 4000)); // past naptime + warning
    expect(await events(second, 'dry_run_stop')).toEqual([]);
    expect((await second.req('STATUS')).blockers.map((b) => b.reason)).toContainEqual(expect.stringMatching(/^snooze run — sleep 30 \(pid \d+, .*\) — long job$/));
    kill(keep);
    const ended = await waitEvent(second, (e) => isRunEnd(e) && e.message.includes('sleep 30'), 'run ended');
    await waitEvent(second, (e) => e.type === 'dry_run_stop' && e.id > ended.id, 'dry_run_stop after the run');
  });
});

describe('snooze stay-awake --while, RELEASE and the bounds', () => {
  function sleeper(secs = 60): number {
    const p = spawn('sleep', [String(secs)], { stdio: 'ignore' });
    pids.push(p.pid!);
    return p.pid!;
  }

  it('binds a hold to a running process; RELEASE does not end it, the process ending does', async () => {
    const a = await agent({ config: { naptime_minutes: 600 } });
    const pid = sleeper(30);
    const r = await runCli(['--socket', a.socket, 'stay-awake', '--while', String(pid), '--reason', 'nightly']);
    expect(r).toEqual({ code: 0, stdout: `Staying awake while pid ${pid} runs (sleep 30).\n`, stderr: '' });
    const rel = await runCli(['--socket', a.socket, 'release']);
    // One sentence, the one history records, saying the process hold stays: not the same news twice.
    expect(rel).toEqual({ code: 0, stdout: 'Nothing to release: there was no postponement or stay-awake; 1 snooze run hold stays until its command ends.\nRoot may end a process hold without ending its process: sudo snooze release --pid PID.\n', stderr: '' });
    expect((await a.req('STATUS')).runs).toEqual([expect.objectContaining({ pid, command: 'sleep 30', reason: 'nightly' })]);
    const ev = (await events(a, 'release')).at(-1)!;
    expect(ev.message).toMatch(/1 snooze run hold stays until its command ends/);
    kill(pid);
    await waitRuns(a, 0);
    expect((await waitEvent(a, isRunEnd, 'run ended')).message).toMatch(/^snooze run ended: sleep 30/);

    expect((await runCli(['--socket', a.socket, 'stay-awake', '--while', 'abc'])).code).toBe(2);
    expect((await runCli(['--socket', a.socket, 'stay-awake', '--while', '1', '--for', '2h'])).code).toBe(2);
    const none = await runCli(['--socket', a.socket, 'stay-awake', '--while', String(pid)]);
    expect(none.code).toBe(4);
    // The agent's sentence, with no wire name (`while_pid:`) in front.
    expect(none.stderr).toBe(`snooze: No running process has the id ${pid} (it may have ended already)\n`);
  });

  it(`keeps at most ${MAX_RUN_HOLDS} process holds, and STATUS with all of them still fits the Go client's 4 KiB read`, async () => {
    const a = await agent({ config: { naptime_minutes: 600 } });
    // Wide characters and the longest command and reason allowed: the worst case for bytes.
    const command = `训练 ${'模'.repeat(297)}`;
    const reason = '😀'.repeat(100);
    // Over root's channel: members' change budget (30 at once) would refuse the bulk before the bound is reached.
    const admin: typeof a.req = (cmd, params) => request(adminSocketPath(a.socket), cmd, params, { timeoutMs: 5000 });
    for (let i = 0; i < MAX_RUN_HOLDS; i++) await admin('STAY_AWAKE', { while_pid: sleeper(), command, reason });
    const err = await admin('STAY_AWAKE', { while_pid: sleeper() }).catch((e: AgentError) => e);
    expect(err).toBeInstanceOf(AgentError);
    expect((err as AgentError).code).toBe('BUSY');
    expect((err as AgentError).message).toMatch(`already ${MAX_RUN_HOLDS} process holds`);
    await waitFor(async () => (await a.req('STATUS')).blockers.filter((b) => b.metric === 'snooze_run').length === 4, 10_000, 'a sample with the holds');
    const { bytes, text } = await goStyle(a.socket);
    expect(bytes).toBeLessThanOrEqual(4096);
    const st = (JSON.parse(text) as { data: Status }).data;
    expect(st.runs_total).toBe(MAX_RUN_HOLDS);
    expect(st.runs).toHaveLength(3);
    expect(st.blockers.at(-1)!.reason).toBe(`and ${MAX_RUN_HOLDS - 3} more keep-awake reasons`);
  });
});

/** The guide's Go client: one write with no newline, one read into a 4096-byte buffer. */
function goStyle(socket: string): Promise<{ bytes: number; text: string }> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection(socket, () => s.write(JSON.stringify({ command: 'STATUS', params: {} })));
    s.once('data', (buf) => {
      s.destroy();
      resolve({ bytes: buf.length, text: buf.subarray(0, 4096).toString() });
    });
    s.on('error', reject);
  });
}
