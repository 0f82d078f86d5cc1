/**
 * The pre-stop hook (config `pre_stop_command`, docs/pre-stop-hook.md): a shell command the
 * agent runs right before it tags and stops the instance, to sync a checkpoint, flush a
 * notebook or drain a queue worker. It runs as the agent's user (root), which is why the
 * command is set in the config file only.
 *
 * It gets its own process group so a timeout kills everything it started (a `sync &` or a
 * pipeline), not just the shell. Its output is kept only as a bounded tail for history.
 */
import { spawn } from 'node:child_process';
import { monoNowMs } from './mono-clock.js';

export interface HookRequest {
  command: string;
  timeoutMs: number;
  /** Added to the agent's environment (CLOUDSNOOZE_REASON ...). */
  env: Record<string, string>;
  /** Aborted when the agent shuts down: the hook is killed and the stop does not happen. */
  signal?: AbortSignal;
  /** /bin/sh; overridable for tests. */
  shell?: string;
  /** Between SIGTERM and SIGKILL on a timeout. */
  graceMs?: number;
}

export interface HookResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  aborted: boolean;
  /** The hook could not be started at all. */
  error: string | null;
  durationMs: number;
  /** The last lines of stdout and stderr together, control characters removed. */
  output: string;
}

export const HOOK_TAIL_LINES = 10;
/** Bounds the tail kept in history (and the bytes held while the hook runs). */
export const HOOK_TAIL_BYTES = 2048;
const HOOK_BUFFER_BYTES = 16 * 1024;
const LINE_CHARS = 200;
/** After the shell exits, output still in the pipes is read for this long (a background child may hold them open forever). */
const DRAIN_MS = 200;

export function hookFailed(r: HookResult): boolean {
  return r.error !== null || r.timedOut || r.aborted || r.exitCode !== 0;
}

/** "exit 3", "killed by SIGKILL", "timed out after 300 s" ... for messages. */
export function describeHook(r: HookResult, timeoutMs: number): string {
  if (r.error !== null) return `could not start: ${r.error}`;
  if (r.aborted) return 'interrupted: the agent is shutting down';
  if (r.timedOut) return `timed out after ${Math.round(timeoutMs / 1000)} s (its process group was killed)`;
  if (r.signal) return `killed by ${r.signal}`;
  return `exit ${String(r.exitCode)}`;
}

/** The last lines of the collected output, bounded in lines, line length and bytes. */
export function outputTail(raw: Buffer): string {
  // eslint-disable-next-line no-control-regex
  const text = raw.toString('utf8').replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '');
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  let tail = lines
    .slice(-HOOK_TAIL_LINES)
    .map((l) => (l.length > LINE_CHARS ? `${l.slice(0, LINE_CHARS - 1)}…` : l))
    .join('\n');
  while (Buffer.byteLength(tail) > HOOK_TAIL_BYTES) tail = tail.slice(tail.indexOf('\n') + 1 || tail.length - HOOK_TAIL_BYTES / 2);
  return tail;
}

/** The agent's environment without its own CLOUDSNOOZE_ settings, plus the stop's facts: the hook sees exactly those CLOUDSNOOZE_ variables. */
export function hookEnv(base: NodeJS.ProcessEnv, facts: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) if (!k.startsWith('CLOUDSNOOZE_')) env[k] = v;
  return { ...env, ...facts };
}

export function runPreStopHook(req: HookRequest): Promise<HookResult> {
  const started = monoNowMs();
  const graceMs = req.graceMs ?? 2000;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let held = 0;
    const keep = (d: Buffer) => {
      chunks.push(d);
      held += d.length;
      // Keep only the newest bytes: a chatty hook must not grow the agent's memory.
      while (held > HOOK_BUFFER_BYTES && chunks.length > 1) held -= chunks.shift()!.length;
    };
    let timedOut = false;
    let aborted = false;
    let settled = false;
    const child = spawn(req.shell ?? '/bin/sh', ['-c', req.command], {
      detached: true, // its own process group, killed as a whole on timeout
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: '/',
      env: hookEnv(process.env, req.env),
    });
    const killGroup = (sig: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, sig);
      } catch {
        // ESRCH: the group is gone already.
      }
    };
    let killTimer: NodeJS.Timeout | null = null;
    const stopIt = () => {
      killGroup('SIGTERM');
      // Whatever ignored SIGTERM (or outlived the shell) goes too: the stop must not wait on it.
      killTimer = setTimeout(() => killGroup('SIGKILL'), graceMs);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stopIt();
    }, req.timeoutMs);
    const onAbort = () => {
      aborted = true;
      stopIt();
    };
    req.signal?.addEventListener('abort', onAbort, { once: true });
    if (req.signal?.aborted) onAbort();
    const finish = (exitCode: number | null, signal: string | null, error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
      child.stdout?.destroy();
      child.stderr?.destroy();
      // A killed group still gets its SIGKILL (killTimer runs on); a normal exit leaves its background jobs alone.
      killTimer?.unref();
      resolve({ exitCode, signal, timedOut, aborted, error, durationMs: Math.round(monoNowMs() - started), output: outputTail(Buffer.concat(chunks)) });
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('error', (err) => finish(null, null, err.message));
    // 'close' comes once the pipes are closed too; a background child of the hook may hold them
    // open for ever, so the exit settles it shortly after in any case.
    child.on('close', (code, signal) => finish(code, signal, null));
    child.on('exit', (code, signal) => setTimeout(() => finish(code, signal, null), DRAIN_MS));
  });
}
