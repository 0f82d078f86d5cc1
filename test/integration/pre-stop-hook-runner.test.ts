/** The pre-stop hook runner (real /bin/sh) and `snooze run`'s argument parsing. */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeHook, hookEnv, hookFailed, HOOK_TAIL_BYTES, outputTail, runPreStopHook } from '../../agent/pre-stop-hook.js';
import { displayCommand, parseRunArgs } from '../../agent/cli/run.js';
import { UsageError } from '../../agent/cli/io.js';

describe('runPreStopHook', () => {
  it('runs through /bin/sh -c with the stop facts in its environment and keeps the last lines of output', async () => {
    const r = await runPreStopHook({
      command: 'for i in $(seq 1 15); do echo line $i; done; echo "$CLOUDSNOOZE_REASON|$CLOUDSNOOZE_MODE" >&2',
      timeoutMs: 10_000,
      env: { CLOUDSNOOZE_REASON: 'System idle for 30 minutes', CLOUDSNOOZE_MODE: 'local' },
    });
    expect(r).toMatchObject({ exitCode: 0, signal: null, timedOut: false, aborted: false, error: null });
    expect(hookFailed(r)).toBe(false);
    const lines = r.output.split('\n');
    expect(lines).toHaveLength(10);
    expect(lines[0]).toBe('line 7');
    expect(lines.at(-1)).toBe('System idle for 30 minutes|local');
  });

  it('a non-zero exit is a failure with its code', async () => {
    const r = await runPreStopHook({ command: 'echo nope; exit 3', timeoutMs: 10_000, env: {} });
    expect(r.exitCode).toBe(3);
    expect(hookFailed(r)).toBe(true);
    expect(describeHook(r, 10_000)).toBe('exit 3');
    expect(r.output).toBe('nope');
  });

  it('on timeout kills the whole process group, background children included', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cs-hook-'));
    const marker = path.join(dir, 'bg.pid');
    const started = Date.now();
    const r = await runPreStopHook({
      // A background sleep that ignores nothing, and a foreground shell that ignores SIGTERM.
      command: `sleep 30 & echo $! > ${marker}; trap '' TERM; sleep 30`,
      timeoutMs: 500,
      graceMs: 300,
      env: {},
    });
    expect(r.timedOut).toBe(true);
    expect(hookFailed(r)).toBe(true);
    expect(describeHook(r, 500)).toMatch(/timed out after/);
    expect(Date.now() - started).toBeLessThan(5000);
    const bg = Number(readFileSync(marker, 'utf8'));
    // SIGKILL to the group follows the grace period even after the result.
    await new Promise((res) => setTimeout(res, 600));
    expect(existsSync(`/proc/${bg}`) && !readFileSync(`/proc/${bg}/stat`, 'utf8').includes(') Z ')).toBe(false);
  });

  it('an abort (agent shutting down) kills it at once', async () => {
    const ac = new AbortController();
    const p = runPreStopHook({ command: 'sleep 30', timeoutMs: 60_000, env: {}, signal: ac.signal });
    setTimeout(() => ac.abort(), 200);
    const r = await p;
    expect(r.aborted).toBe(true);
    expect(r.durationMs).toBeLessThan(5000);
  });

  it('a shell that cannot start is a failure, not a crash', async () => {
    const r = await runPreStopHook({ command: 'true', timeoutMs: 1000, env: {}, shell: '/nonexistent/sh' });
    expect(r.error).toMatch(/ENOENT/);
    expect(hookFailed(r)).toBe(true);
  });

  it('the tail is bounded in bytes and free of control characters', () => {
    const long = Array.from({ length: 30 }, (_, i) => `${'é'.repeat(300)}${i}\x1b[31m`).join('\n');
    const t = outputTail(Buffer.from(long));
    expect(Buffer.byteLength(t)).toBeLessThanOrEqual(HOOK_TAIL_BYTES);
    expect(t.includes('\x1b')).toBe(false);
    expect(outputTail(Buffer.from('a\r\nb\n'))).toBe('a\nb');
  });

  it("the hook's environment has the stop facts and none of the agent's own CLOUDSNOOZE_ settings", () => {
    const env = hookEnv({ PATH: '/usr/bin', CLOUDSNOOZE_DMI_DIR: '/x', CLOUDSNOOZE_MODE: 'stale' }, { CLOUDSNOOZE_MODE: 'aws', CLOUDSNOOZE_REASON: 'idle' });
    expect(env).toEqual({ PATH: '/usr/bin', CLOUDSNOOZE_MODE: 'aws', CLOUDSNOOZE_REASON: 'idle' });
  });
});

describe('snooze run arguments', () => {
  it('options before -- (or before the first word), the command untouched after', () => {
    expect(parseRunArgs(['--reason', 'backup', '--', 'rsync', '-a', '--socket', 'x'])).toEqual({ reason: 'backup', argv: ['rsync', '-a', '--socket', 'x'] });
    expect(parseRunArgs(['--reason=nightly', 'make', '-j8'])).toEqual({ reason: 'nightly', argv: ['make', '-j8'] });
    expect(parseRunArgs(['--', '--weird-name'])).toEqual({ reason: undefined, argv: ['--weird-name'] });
    expect(() => parseRunArgs([])).toThrow(UsageError);
    expect(() => parseRunArgs(['--'])).toThrow(/needs a command/);
    expect(() => parseRunArgs(['-x', 'ls'])).toThrow(/unknown option -x/);
    expect(() => parseRunArgs(['--reason'])).toThrow(/--reason needs TEXT/);
  });

  it('shows the command as a shell would read it, within the agent limit', () => {
    expect(displayCommand(['rsync', '-a', 'data/', 's3://bucket/x'])).toBe('rsync -a data/ s3://bucket/x');
    expect(displayCommand(['sh', '-c', "echo 'hi' && exit 7"])).toBe(`sh -c 'echo '\\''hi'\\'' && exit 7'`);
    expect(displayCommand(['x', 'a'.repeat(400)])).toHaveLength(300);
  });
});
