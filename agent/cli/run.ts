/**
 * `snooze run [--reason TEXT] -- CMD [ARGS...]`: runs CMD (no shell) with the instance kept
 * awake for exactly its life. The agent owns the hold (it watches CMD's pid and start time),
 * so this wrapper only starts CMD, tells the agent, passes signals on and hands back CMD's
 * exit code. If the wrapper dies (kill -9), the hold stays until CMD ends.
 *
 * The user's job matters more than the hold: an unreachable agent is one warning on stderr,
 * and CMD runs anyway.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { AgentError } from '../../lib/client.js';
import { MAX_RUN_COMMAND_CHARS, type ParamsIn } from '../../contract/protocol.js';
import { readPidStat } from '../keep-awake/pid-stat.js';
import { EXIT, UsageError, type CliIO } from './io.js';

export const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;
type Forwarded = (typeof FORWARDED_SIGNALS)[number];

/** Exit codes of a shell for a command that cannot run. */
export const EXIT_NOT_FOUND = 127;
export const EXIT_CANNOT_EXECUTE = 126;

export interface RunArgs {
  reason?: string;
  argv: string[];
}

/** Options up to `--` (or the first word that is not an option), then CMD and its arguments untouched. */
export function parseRunArgs(args: string[]): RunArgs {
  let reason: string | undefined;
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (a === '--reason') {
      reason = args[++i];
      if (reason === undefined) throw new UsageError('--reason needs TEXT');
    } else if (a.startsWith('--reason=')) reason = a.slice('--reason='.length);
    else if (a.startsWith('-')) throw new UsageError(`run: unknown option ${a} (put the command after --: snooze run -- CMD ARGS)`);
    else break;
  }
  const argv = args.slice(i);
  if (argv.length === 0) throw new UsageError('run needs a command: snooze run [--reason TEXT] -- CMD [ARGS...]');
  if (reason !== undefined && reason.length > 200) throw new UsageError('--reason must be at most 200 characters');
  return { reason, argv };
}

/** The command line as people read it, within what the agent accepts. */
export function displayCommand(argv: string[]): string {
  const text = argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
  return text.length <= MAX_RUN_COMMAND_CHARS ? text : `${text.slice(0, MAX_RUN_COMMAND_CHARS - 1)}…`;
}

/**
 * Whether a terminal's Ctrl-C (SIGINT) or Ctrl-\ (SIGQUIT) has already reached CMD: it goes to
 * the terminal's whole foreground process group, which holds CMD when CMD is in ours. Sending
 * it again would make a job that cleans up on the first Ctrl-C (saving a checkpoint) see a
 * second one in the middle of its cleanup.
 */
export function terminalDelivered(childPid: number, procDir = '/proc'): boolean {
  const self = readPidStat(procDir, process.pid);
  const child = readPidStat(procDir, childPid);
  if (self.kind !== 'alive' || child.kind !== 'alive') return false;
  return self.stat.tpgid > 0 && self.stat.tpgid === self.stat.pgrp && child.stat.pgrp === self.stat.pgrp;
}

export async function runCommand(args: string[], io: CliIO): Promise<number> {
  const { reason, argv } = parseRunArgs(args);
  const [file, ...rest] = argv as [string, ...string[]];
  let child: ChildProcess;
  try {
    child = spawn(file, rest, { stdio: 'inherit' });
  } catch (err) {
    io.err(`snooze run: ${file}: ${(err as Error).message}`);
    return EXIT.ERROR;
  }
  let ended = false;
  const forward = (sig: Forwarded) => {
    if (ended || child.pid === undefined) return;
    if ((sig === 'SIGINT' || sig === 'SIGQUIT') && terminalDelivered(child.pid)) return;
    child.kill(sig);
  };
  // Listening replaces the default action (exit): the wrapper stays until CMD is done.
  const listeners = FORWARDED_SIGNALS.map((sig) => [sig, () => forward(sig)] as const);
  for (const [sig, fn] of listeners) process.on(sig, fn);

  const exit = new Promise<number>((resolve) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      ended = true;
      if (err.code === 'ENOENT') {
        io.err(`snooze run: ${file}: command not found`);
        resolve(EXIT_NOT_FOUND);
      } else if (err.code === 'EACCES') {
        io.err(`snooze run: ${file}: permission denied`);
        resolve(EXIT_CANNOT_EXECUTE);
      } else {
        io.err(`snooze run: ${file}: ${err.message}`);
        resolve(EXIT_CANNOT_EXECUTE);
      }
    });
    child.once('exit', (code, signal) => {
      ended = true;
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });

  if (child.pid !== undefined) void registerHold(io, child.pid, { while_pid: child.pid, command: displayCommand(argv), reason }, file, () => ended);
  try {
    return await exit;
  } finally {
    for (const [sig, fn] of listeners) process.off(sig, fn);
  }
}

/**
 * Asks the agent to hold the instance awake for the life of `pid`. A BUSY agent (members'
 * change budget spent) is asked again when it says, for as long as the command runs: the
 * job was started already, and an unheld job is exactly what an idle-stopper must not kill.
 */
async function registerHold(io: CliIO, pid: number, params: ParamsIn<'STAY_AWAKE'>, file: string, ended: () => boolean): Promise<void> {
  let noted = false;
  for (;;) {
    try {
      await io.request(io.socketPath, 'STAY_AWAKE', params, { timeoutMs: 5000 });
      if (noted) io.err(`snooze run: the agent now keeps the instance awake while ${file} runs`);
      return;
    } catch (err) {
      // A command that ended before the agent looked is not worth a warning (a zombie has ended too).
      if (ended() || readPidStat('/proc', pid).kind === 'ended') return;
      if (err instanceof AgentError && err.code === 'BUSY') {
        if (!noted) io.err(`snooze run: the agent is busy (${err.message}); asking again while ${file} runs`);
        noted = true;
        const secs = Number(/try again in (\d+) s/.exec(err.message)?.[1] ?? 10);
        await new Promise((r) => setTimeout(r, Math.min(60, Math.max(1, secs)) * 1000).unref());
        continue;
      }
      io.err(`snooze run: warning: ${err instanceof Error ? err.message : String(err)}; ${file} runs without keeping the instance awake`);
      return;
    }
  }
}
