/** agent/exec.ts: the one way the agent runs external tools, driven by fake executables. */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExecError, runTool, startDetached } from '../../agent/exec.js';
import { fakeExecutable } from '../helpers/fake-executable.js';

const dir = mkdtempSync(join(tmpdir(), 'cs-exec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function failure(p: Promise<unknown>): Promise<ExecError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ExecError);
  return err as ExecError;
}

describe('runTool', () => {
  it('returns what the tool printed when it exits 0', async () => {
    const tool = fakeExecutable(dir, 'ok', "printf 'out\\n'; printf 'note\\n' >&2");
    expect(await runTool(tool, [], { timeoutMs: 5000 })).toEqual({ stdout: 'out\n', stderr: 'note\n' });
  });

  it('passes arguments as they are, with no shell in between', async () => {
    const tool = fakeExecutable(dir, 'args', 'for a in "$@"; do printf "[%s]" "$a"; done');
    const marker = join(dir, 'injected');
    const r = await runTool(tool, ['a b', '$(touch ' + marker + ')', ';', '*'], { timeoutMs: 5000 });
    expect(r.stdout).toBe(`[a b][$(touch ${marker})][;][*]`);
    expect(existsSync(marker)).toBe(false);
  });

  it('passes the environment it is given', async () => {
    const tool = fakeExecutable(dir, 'env', 'printf "%s" "$DISPLAY"');
    expect((await runTool(tool, [], { timeoutMs: 5000, env: { DISPLAY: ':7' } })).stdout).toBe(':7');
  });

  it('a non-zero exit is an error that keeps the exit code and what the tool said', async () => {
    const tool = fakeExecutable(dir, 'fails', "echo 'No devices were found'; echo 'details' >&2; exit 9");
    const err = await failure(runTool(tool, [], { timeoutMs: 5000, name: 'nvidia-smi' }));
    expect(err).toMatchObject({ kind: 'exit', exitCode: 9, message: 'nvidia-smi exited with 9' });
    expect(err.output).toEqual({ stdout: 'No devices were found\n', stderr: 'details\n' });
  });

  it('kills a tool that hangs at the timeout and answers at once, even while a grandchild holds the pipes', async () => {
    const pids = join(dir, 'hang.pids');
    // The shell starts a long sleep that inherits stdout, then waits: killing the shell alone leaves the pipe open.
    const tool = fakeExecutable(dir, 'hang', `sleep 30 & echo $$ $! > ${pids}; wait; echo never`);
    const t0 = Date.now();
    const err = await failure(runTool(tool, [], { timeoutMs: 300 }));
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(err).toMatchObject({ kind: 'timeout', message: 'hang timed out after 300 ms' });
    const [shell, sleeper] = readFileSync(pids, 'utf8').trim().split(' ').map(Number);
    process.kill(sleeper!, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
    expect(() => process.kill(shell!, 0)).toThrow(); // the tool itself is gone
  });

  it('stops a tool that prints more than the cap, keeping only the cap', async () => {
    const tool = fakeExecutable(dir, 'chatty', 'while :; do echo xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; done');
    const err = await failure(runTool(tool, [], { timeoutMs: 5000, maxOutputBytes: 1000 }));
    expect(err).toMatchObject({ kind: 'too_much_output', message: 'chatty printed more than 1000 bytes' });
    expect(err.output.stdout.length).toBe(1000);
  });

  it('a tool killed by a signal says which', async () => {
    const tool = fakeExecutable(dir, 'selfkill', 'kill -TERM $$');
    const err = await failure(runTool(tool, [], { timeoutMs: 5000 }));
    expect(err).toMatchObject({ kind: 'signal', signal: 'SIGTERM', message: 'selfkill was killed by SIGTERM' });
  });

  it('a missing or non-executable file is an error, not a crash', async () => {
    const missing = await failure(runTool(join(dir, 'no-such-tool'), [], { timeoutMs: 5000 }));
    expect(missing).toMatchObject({ kind: 'spawn', code: 'ENOENT' });
    expect(missing.message).toMatch(/^no-such-tool could not be started: spawn .*ENOENT/);
    const notExec = fakeExecutable(dir, 'not-exec', 'exit 0');
    chmodSync(notExec, 0o644);
    expect(await failure(runTool(notExec, [], { timeoutMs: 5000 }))).toMatchObject({ kind: 'spawn', code: 'EACCES' });
  });
});

describe('startDetached', () => {
  it('starts a program without waiting for it, and reports one that cannot start', async () => {
    const marker = join(dir, 'detached-ran');
    const tool = fakeExecutable(dir, 'detached', `touch ${marker}`);
    const errors: Error[] = [];
    startDetached(tool, [], (e) => errors.push(e));
    for (let i = 0; i < 100 && !existsSync(marker); i++) await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(marker)).toBe(true);
    startDetached(join(dir, 'no-such-opener'), [], (e) => errors.push(e));
    for (let i = 0; i < 100 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/ENOENT/);
  });
});
