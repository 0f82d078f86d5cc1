import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EventEmitter } from 'node:events';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AgentSupervisor, type SpawnFn, type SupervisorState } from '../../electron/supervisor.js';

let dir: string;
const script = (name: string, body: string) => {
  const f = path.join(dir, name);
  writeFileSync(f, body);
  return f;
};

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cs-supervisor-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function harness(file: string, opts: Partial<ConstructorParameters<typeof AgentSupervisor>[0]> = {}) {
  const states: SupervisorState[] = [];
  const pids: number[] = [];
  const realSpawn: SpawnFn = (cmd, args, o) => {
    const child = spawn(cmd, args, { env: o.env, stdio: ['ignore', 'ignore', 'pipe'] });
    if (child.pid) pids.push(child.pid);
    return child;
  };
  const sup = new AgentSupervisor({
    command: process.execPath,
    args: [file],
    env: { ...process.env, CS_MARK: 'from-supervisor' },
    spawn: realSpawn,
    minBackoffMs: 20,
    maxBackoffMs: 80,
    stableMs: 5000,
    maxRapidCrashes: 3,
    killTimeoutMs: 500,
    onState: (s) => void states.push(s),
    ...opts,
  });
  // Each wait consumes the states it has looked at, so "the next running" means the next one.
  let cursor = 0;
  const until = async (pred: (s: SupervisorState) => boolean, ms = 15_000): Promise<SupervisorState> => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      while (cursor < states.length) {
        const s = states[cursor++]!;
        if (pred(s)) return s;
      }
      await sleep(10);
    }
    throw new Error(`timed out; states: ${JSON.stringify(states)}`);
  };
  return { sup, states, pids, until };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('AgentSupervisor (real child processes)', () => {
  it('restarts an agent that died, and stop() ends it for good', async () => {
    const f = script('long.cjs', "if (process.env.CS_MARK !== 'from-supervisor') process.exit(9); setInterval(() => {}, 1000);");
    const h = harness(f);
    h.sup.start();
    const first = await h.until((s) => s.state === 'running');
    const pid1 = (first as { pid: number }).pid;
    expect(alive(pid1)).toBe(true);
    process.kill(pid1, 'SIGKILL');
    const restarting = await h.until((s) => s.state === 'restarting');
    expect(restarting).toMatchObject({ state: 'restarting', lastExit: 'killed by SIGKILL' });
    const second = await h.until((s) => s.state === 'running');
    const pid2 = (second as { pid: number }).pid;
    expect(pid2).not.toBe(pid1);
    expect(second).toMatchObject({ restarts: 1 });
    await sleep(200);
    expect(alive(pid2)).toBe(true); // the env reached it: it would have exited 9 otherwise
    await h.sup.stop();
    expect(alive(pid2)).toBe(false);
    expect(h.sup.state).toEqual({ state: 'stopped' });
    await sleep(200);
    expect(h.pids).toHaveLength(2); // no restart after stop
  });

  it('gives up after rapid crashes and reports the last stderr line', async () => {
    const f = script('crash.cjs', "process.stderr.write('snoozed: config /x/snooze.json: naptime_minutes must be at least 0.05\\n'); process.exit(3);");
    const h = harness(f);
    h.sup.start();
    const failed = await h.until((s) => s.state === 'failed');
    expect(h.pids).toHaveLength(3);
    expect(failed).toEqual({
      state: 'failed',
      error: 'the bundled agent exited 3 times in a row (exit code 3: snoozed: config /x/snooze.json: naptime_minutes must be at least 0.05)',
    });
    await sleep(200);
    expect(h.pids).toHaveLength(3);
    const inMs = h.states.filter((s) => s.state === 'restarting').map((s) => (s as { inMs: number }).inMs);
    expect(inMs).toEqual([20, 40]); // backoff doubles
    await h.sup.stop();
  });

  it('a crash after a stable run does not count toward giving up', async () => {
    const f = script('late.cjs', 'setTimeout(() => process.exit(1), 150);');
    const h = harness(f, { stableMs: 100, maxRapidCrashes: 2 });
    h.sup.start();
    for (let i = 0; i < 500 && h.pids.length < 4; i++) await sleep(10);
    expect(h.pids.length).toBeGreaterThanOrEqual(4);
    expect(h.states.some((s) => s.state === 'failed')).toBe(false);
    await h.sup.stop();
  });

  it('a command that cannot be started ends in failed, not a crash of the app', async () => {
    const h = harness('unused');
    const sup = new AgentSupervisor({
      command: path.join(dir, 'no-such-binary'),
      args: [],
      env: {},
      spawn: (cmd, args, o) => spawn(cmd, args, { env: o.env }),
      minBackoffMs: 10,
      maxRapidCrashes: 2,
      onState: (s) => h.states.push(s),
    });
    sup.start();
    for (let i = 0; i < 100 && sup.state.state !== 'failed'; i++) await sleep(20);
    expect(sup.state.state).toBe('failed');
    expect((sup.state as { error: string }).error).toMatch(/could not start: spawn .*ENOENT/);
  });

  it('stop() kills an agent that ignores SIGTERM', async () => {
    const f = script('stubborn.cjs', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000); console.error('ready');");
    const h = harness(f, { killTimeoutMs: 300 });
    h.sup.start();
    const running = await h.until((s) => s.state === 'running');
    await sleep(300); // let it install its SIGTERM handler
    await h.sup.stop();
    expect(alive((running as { pid: number }).pid)).toBe(false);
    expect(h.pids).toHaveLength(1);
  });

  it('the crash backoff decays gradually after stable runs instead of resetting to the shortest', async () => {
    vi.useFakeTimers();
    try {
      const children: EventEmitter[] = [];
      const states: SupervisorState[] = [];
      const sup = new AgentSupervisor({
        command: 'agent',
        args: [],
        env: {},
        spawn: () => {
          const c: EventEmitter & { pid: number; kill(): boolean } = Object.assign(new EventEmitter(), {
            pid: children.length + 1,
            kill: () => {
              queueMicrotask(() => c.emit('close', null, 'SIGTERM'));
              return true;
            },
          });
          children.push(c);
          return c;
        },
        minBackoffMs: 100,
        maxBackoffMs: 10_000,
        stableMs: 1000,
        maxRapidCrashes: 10,
        onState: (st) => void states.push(st),
      });
      const crashAfter = async (ms: number): Promise<number> => {
        await vi.advanceTimersByTimeAsync(ms);
        children.at(-1)!.emit('close', 1, null);
        const r = states.at(-1) as { state: string; inMs: number };
        expect(r.state).toBe('restarting');
        await vi.advanceTimersByTimeAsync(r.inMs);
        return r.inMs;
      };
      sup.start();
      expect([await crashAfter(10), await crashAfter(10), await crashAfter(10)]).toEqual([100, 200, 400]);
      // One stable period lived: halved once, not back to 100 (a crash every 1.5 s stays slowed down).
      expect(await crashAfter(1500)).toBe(400);
      expect(await crashAfter(1500)).toBe(400);
      // A long healthy run decays it to the shortest.
      expect(await crashAfter(60_000)).toBe(100);
      await sup.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
