/**
 * The one way the agent runs an external tool (nvidia-smi, rocm-smi, xprintidle, the browser
 * opener). Three children are started elsewhere because they need what a tool does not: the
 * cloud-task child a pipe to talk on (aws/child-tasks.ts), the pre-stop hook a shell and a
 * process group to kill (pre-stop-hook.ts), `snooze run` the user's terminal (cli/run.ts).
 * The agent runs as root and some tools run every sample, so each run is
 * bounded: no shell (arguments are never parsed, nothing is interpolated), a time limit
 * after which the program is killed, and a cap on the output kept in memory. Every way a
 * run can go wrong ends in one error type, which says what happened in words.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { basename } from 'node:path';

/** Output kept per stream; a tool that prints more is stopped (nothing we read is that long). */
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;

export interface RunOptions {
  /** Killed (SIGKILL: a hung tool may ignore SIGTERM) after this long. */
  timeoutMs: number;
  /** Bytes of stdout, and of stderr, kept at most. */
  maxOutputBytes?: number;
  env?: NodeJS.ProcessEnv;
  /** How messages name the program; the file's base name by default. */
  name?: string;
}

export interface RunOutput {
  stdout: string;
  stderr: string;
}

export type ExecFailure =
  /** Could not be started at all (missing, not executable): `code` is the errno name. */
  | 'spawn'
  | 'timeout'
  | 'too_much_output'
  /** Exited with a status other than 0: `exitCode`. */
  | 'exit'
  /** Killed by a signal it did not get from us: `signal`. */
  | 'signal';

export interface ExecErrorFacts {
  kind: ExecFailure;
  /** What the program printed before it failed (up to the cap): tools often explain themselves. */
  output: RunOutput;
  exitCode?: number;
  signal?: NodeJS.Signals;
  /** errno name when it could not be started (ENOENT, EACCES). */
  code?: string;
}

export class ExecError extends Error {
  override name = 'ExecError';
  readonly kind: ExecFailure;
  readonly output: RunOutput;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly code: string | null;
  constructor(message: string, facts: ExecErrorFacts) {
    super(message);
    this.kind = facts.kind;
    this.output = facts.output;
    this.exitCode = facts.exitCode ?? null;
    this.signal = facts.signal ?? null;
    this.code = facts.code ?? null;
  }
}

/** Runs `file` with `args` to its end. Resolves with its output when it exits 0; rejects with ExecError otherwise. */
export function runTool(file: string, args: readonly string[], opts: RunOptions): Promise<RunOutput> {
  const label = opts.name ?? basename(file);
  const cap = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  return new Promise((resolve, reject) => {
    const stdout = new CappedBuffer(cap);
    const stderr = new CappedBuffer(cap);
    const output = (): RunOutput => ({ stdout: stdout.text(), stderr: stderr.text() });
    let child: ChildProcess;
    try {
      child = spawn(file, args, { shell: false, stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env, windowsHide: true });
    } catch (err) {
      // Bad arguments (a NUL byte in a path) throw instead of emitting 'error'.
      reject(notStarted(label, err as NodeJS.ErrnoException, output()));
      return;
    }
    let settled = false;
    const timer = setTimeout(() => stop('timeout', `${label} timed out after ${opts.timeoutMs} ms`), opts.timeoutMs);
    const settle = (err: ExecError | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(output());
    };
    // Answer at once rather than at 'close': a child the tool started may hold the pipes
    // open long after the tool itself is gone, and the limit is on our wait, not on theirs.
    const stop = (kind: ExecFailure, message: string) => {
      if (settled) return;
      settle(new ExecError(message, { kind, output: output() }));
      child.kill('SIGKILL');
      child.stdout?.destroy();
      child.stderr?.destroy();
    };
    const onData = (buf: CappedBuffer) => (d: Buffer) => {
      if (!buf.push(d)) stop('too_much_output', `${label} printed more than ${cap} bytes`);
    };
    child.stdout!.on('data', onData(stdout));
    child.stderr!.on('data', onData(stderr));
    child.on('error', (err: NodeJS.ErrnoException) => {
      settle(notStarted(label, err, output()));
    });
    child.on('close', (exitCode: number | null, signal: NodeJS.Signals | null) => {
      if (signal) settle(new ExecError(`${label} was killed by ${signal}`, { kind: 'signal', output: output(), signal }));
      else if (exitCode !== 0) settle(new ExecError(`${label} exited with ${exitCode}`, { kind: 'exit', output: output(), exitCode: exitCode ?? -1 }));
      else settle(null);
    });
  });
}

function notStarted(label: string, err: NodeJS.ErrnoException, output: RunOutput): ExecError {
  return new ExecError(`${label} could not be started: ${err.message}`, { kind: 'spawn', output, ...(err.code ? { code: err.code } : {}) });
}

/**
 * Starts a program that outlives us (a browser opener) and forgets it: no shell, no
 * stdio, not waited for. `onError` hears if it could not be started.
 */
export function startDetached(file: string, args: readonly string[], onError: (err: Error) => void): void {
  try {
    const child = spawn(file, args, { shell: false, detached: true, stdio: 'ignore' });
    child.on('error', onError);
    child.unref();
  } catch (err) {
    onError(err as Error);
  }
}

/** Collects a stream up to `cap` bytes; `push` says false once more than that arrived. */
class CappedBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly cap: number) {}
  push(d: Buffer): boolean {
    const room = this.cap - this.size;
    if (room > 0) {
      const part = d.length > room ? d.subarray(0, room) : d;
      this.chunks.push(part);
      this.size += part.length;
    }
    return d.length <= room;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
