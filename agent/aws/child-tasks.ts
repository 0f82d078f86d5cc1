/**
 * Cloud tasks in a short-lived child: `snoozed --cloud-task` loads the AWS SDK (~50 MB),
 * does one task and exits, so the agent's own memory stays where it was (see
 * cloud-task-main.ts for the child's side).
 *
 * The task is the first JSON line on the child's stdin, never an argument: any local user
 * can read a process's arguments in /proc, and a task may carry a notice's text and the SNS
 * topic that CONFIG_GET redacts.
 *
 * The child talks in JSON lines on stdout: `{"log":{"level","msg"}}`, `{"ask":"still_wanted"}`
 * (answered on its stdin with `{"still_wanted":true|false}`), and last `{"result":...}` or
 * `{"error":<AwsFailure>}`. A child that ends without either is a failed task.
 */
import { spawn } from 'node:child_process';
import type { CloudTask, CloudTaskKind, CloudTaskResults, CloudTasks, TaskHooks } from './cloud-task.js';
import type { CloudTaskCommand } from './cloud-task-command.js';
import { AwsCallError, type AwsFailure } from './errors.js';
import { LineReader } from '../../lib/line-reader.js';

export { CLOUD_TASK_FLAG } from './cloud-task-command.js';


/** Longer than the worst case of a stop with every retry spent (tag, stop, hibernation fallback, unmark). */
export const CLOUD_TASK_TIMEOUT_MS = 10 * 60_000;

export interface ChildTasksOptions extends CloudTaskCommand {
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

type ChildMessage =
  | { log: { level: 'debug' | 'info' | 'warn' | 'error'; msg: string } }
  | { ask: 'still_wanted' }
  | { result: unknown }
  | { error: AwsFailure };

export class ChildProcessTasks implements CloudTasks {
  private readonly running = new Set<import('node:child_process').ChildProcess>();

  constructor(private readonly opts: ChildTasksOptions) {}

  run<K extends CloudTaskKind>(task: Extract<CloudTask, { kind: K }>, hooks: TaskHooks): Promise<CloudTaskResults[K]> {
    return new Promise<CloudTaskResults[K]>((resolve, reject) => {
      const child = spawn(this.opts.command, [...this.opts.args], { env: this.opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
      this.running.add(child);
      let settled = false;
      let outcome: { ok: true; value: unknown } | { ok: false; err: Error } | null = null;
      let stderr = '';
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.running.delete(child);
        fn();
      };
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        settle(() => reject(new Error(`cloud task ${task.kind} gave no answer within ${Math.round((this.opts.timeoutMs ?? CLOUD_TASK_TIMEOUT_MS) / 1000)} s`)));
      }, this.opts.timeoutMs ?? CLOUD_TASK_TIMEOUT_MS);
      timer.unref();

      const answer = (o: unknown) => {
        if (child.stdin?.writable) child.stdin.write(`${JSON.stringify(o)}\n`);
      };
      const onMessage = (m: ChildMessage) => {
        if ('log' in m) hooks.log(m.log.level, m.log.msg);
        else if ('ask' in m) {
          // No hook: nothing can hold the stop back, as in process.
          Promise.resolve(hooks.stillWanted ? hooks.stillWanted() : true).then(
            (v) => answer({ still_wanted: v === true }),
            () => answer({ still_wanted: false }),
          );
        } else if ('result' in m) outcome = { ok: true, value: m.result };
        else if ('error' in m) outcome = { ok: false, err: new AwsCallError(m.error, 1) };
      };
      const lines = new LineReader((line) => {
        try {
          onMessage(JSON.parse(line) as ChildMessage);
        } catch {
          hooks.log('warn', `cloud task ${task.kind}: unexpected output ${JSON.stringify(line.slice(0, 200))}`);
        }
      });
      child.stdout!.on('data', (d: Buffer) => lines.push(d));
      child.stderr!.setEncoding('utf8');
      // Kept short: only the tail says why a child died.
      child.stderr!.on('data', (d: string) => (stderr = (stderr + d).slice(-2000)));
      child.stdin!.on('error', () => undefined);
      answer(task);
      child.on('error', (err) => settle(() => reject(new Error(`cloud task ${task.kind} could not start: ${err.message}`))));
      child.on('close', (code, signal) => {
        const o = outcome as typeof outcome;
        if (o?.ok) settle(() => resolve(o.value as CloudTaskResults[K]));
        else if (o) settle(() => reject(o.err));
        else {
          const why = stderr.trim().split('\n').slice(-3).join(' ').trim();
          settle(() => reject(new Error(`cloud task ${task.kind} ended without an answer (${signal ?? `exit ${code}`})${why ? `: ${why}` : ''}`)));
        }
      });
    });
  }

  /** Ends tasks still running (shutdown): none is left behind the agent. */
  close(): void {
    for (const c of this.running) c.kill('SIGKILL');
    this.running.clear();
  }
}
