/**
 * snooze: the command-line client of the CloudSnooze agent. A table of commands,
 * each a small function over the socket client; distinct exit codes for
 * "agent not running" (3), "value refused" (4), "settings need root" (6) and usage errors (2).
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { inert } from '../../contract/text.js';
import { AgentError, request, subscribe } from '../../lib/client.js';
import { DEFAULT_SOCKET_PATH, userSocketPath } from '../../contract/paths.js';
import { VERSION } from '../version.js';
import { parseFlags } from './args.js';
import { runDashboard } from './dashboard.js';
import { isEc2Host } from '../aws/detect.js';
import { DEFAULT_CONFIG, loadConfig } from '../config.js';
import { awsDoctor } from './doctor-aws.js';
import { doctorConfigPath, localChecks, printDoctor } from './doctor.js';
import { authorityChecks } from './doctor-authority.js';
import { runFleet } from './fleet.js';
import { runConfig } from './config.js';
import { runCommand } from './run.js';
import { history } from './history.js';
import { postpone, release, stayAwake } from './holds.js';
import { asksHelp, commandHelp, HELP } from './help.js';
import { status } from './status.js';
import { EXIT, NotAdminError, RefusedError, UsageError, type CliIO } from './io.js';

type Cmd = (args: string[], io: CliIO) => Promise<number>;

function agentErrorExit(err: unknown, io: CliIO): number {
  if (err instanceof AgentError) {
    io.err(`snooze: ${inert(err.message)}`);
    if (err.code === 'NOT_RUNNING' || err.code === 'NO_REPLY') return EXIT.NOT_RUNNING;
    if (err.code === 'PERMISSION_DENIED') return EXIT.PERMISSION;
    if (err.code === 'FORBIDDEN') return EXIT.NOT_ADMIN;
    if (err.code === 'INVALID_CONFIG' || err.code === 'INVALID_PARAMS' || err.code === 'PINNED') return EXIT.REFUSED;
    return EXIT.ERROR;
  }
  throw err;
}


const doctor: Cmd = async (args, io) => {
  const { values } = parseFlags(args, { config: { type: 'string' } });
  const local = await localChecks(io, (status) => doctorConfigPath(io, values.config, status));
  const { lines, configPath } = local;
  lines.push(...(await authorityChecks(io)));
  // The documented exit code for "agent not running" wins over "problems found": scripts test for it.
  const exit = (code: number) => (local.agent === 'absent' ? EXIT.NOT_RUNNING : code);
  if (!isEc2Host(io.env)) {
    lines.push({ ok: true, info: true, text: 'EC2: no EC2 DMI signature: local mode (instance metadata is never contacted)' });
    return exit(printDoctor(io, lines));
  }
  lines.push({ ok: true, info: true, text: 'EC2: DMI signature found' });
  const config = await loadConfig(configPath).then((l) => l.config).catch(() => DEFAULT_CONFIG);
  const aws = await awsDoctor({ env: io.env, config });
  lines.push(...aws.lines);
  const code = printDoctor(io, lines);
  if (aws.missing.length || aws.reach === 'beyond') {
    const why = aws.missing.length ? `Missing permissions: ${aws.missing.join(', ')}.` : 'The instance role may act beyond this instance.';
    io.out(`\n${why} The self-only IAM policy for the agent (also in docs/iam-policy.json):`);
    io.out(JSON.stringify(aws.policy, null, 2));
  }
  return exit(code);
};

export const COMMANDS: Record<string, Cmd> = {
  status,
  config: runConfig,
  history,
  postpone,
  'stay-awake': stayAwake,
  run: runCommand,
  release,
  doctor,
  dashboard: (args, io) => runDashboard(args, io),
  fleet: (args, io) => runFleet(args, io),
  version: async (_a, io) => {
    io.out(`snooze ${VERSION}`);
    return EXIT.OK;
  },
};

/** --socket may appear anywhere; the rest goes to the command. */
export function splitGlobal(argv: string[]): { socket?: string; rest: string[] } {
  const rest: string[] = [];
  let socket: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      // Everything after -- belongs to a command (snooze run -- ssh --socket ...), not to us.
      rest.push(...argv.slice(i));
      break;
    }
    if (a === '--socket') {
      socket = argv[++i];
      if (socket === undefined) throw new UsageError('--socket needs a PATH');
    } else if (a.startsWith('--socket=')) socket = a.slice('--socket='.length);
    else rest.push(a);
  }
  return { socket, rest };
}

export function defaultSocket(env: NodeJS.ProcessEnv): string {
  if (env.CLOUDSNOOZE_SOCKET) return env.CLOUDSNOOZE_SOCKET;
  if (existsSync(DEFAULT_SOCKET_PATH)) return DEFAULT_SOCKET_PATH;
  // The desktop app starts a per-user agent when no system agent runs.
  const user = userSocketPath(env, env.HOME ?? homedir());
  if (existsSync(user)) return user;
  return DEFAULT_SOCKET_PATH;
}

/** What runCli is given: the socket client defaults to the real one. */
export type CliBase = Omit<CliIO, 'socketPath' | 'request' | 'subscribe'> & Partial<Pick<CliIO, 'request' | 'subscribe'>>;

export async function runCli(argv: string[], base: CliBase): Promise<number> {
  let io: CliIO | null = null;
  try {
    const { socket, rest } = splitGlobal(argv);
    const [name, ...args] = rest;
    if (!name || name === 'help' || name === '--help' || name === '-h') {
      base.out(HELP);
      return name ? EXIT.OK : EXIT.USAGE;
    }
    if (name === '--version') {
      base.out(`snooze ${VERSION}`);
      return EXIT.OK;
    }
    const cmd = COMMANDS[name];
    if (!cmd) throw new UsageError(`unknown command "${name}"; run snooze --help`);
    // `snooze history --help` is a question, not a mistake: answer it, ask the agent nothing.
    const own = asksHelp(name, args) ? commandHelp(name) : null;
    if (own !== null) {
      base.out(own);
      return EXIT.OK;
    }
    io = { request, subscribe, ...base, socketPath: path.resolve(socket ?? defaultSocket(base.env)) };
    return await cmd(args, io);
  } catch (err) {
    if (err instanceof UsageError) {
      base.err(`snooze: ${err.message}`);
      return EXIT.USAGE;
    }
    if (err instanceof RefusedError) {
      base.err(`snooze: ${err.message}`);
      return EXIT.REFUSED;
    }
    if (err instanceof NotAdminError) {
      base.err(`snooze: ${err.message}`);
      return EXIT.NOT_ADMIN;
    }
    if (err instanceof AgentError) return agentErrorExit(err, io ?? { request, subscribe, ...base, socketPath: '' });
    base.err(`snooze: ${inert((err as Error).message)}`);
    return EXIT.ERROR;
  }
}

const isMain = process.argv[1] && /snooze(\.js)?$/.test(process.argv[1]);
if (isMain) {
  const ac = new AbortController();
  process.on('SIGINT', () => ac.abort());
  process.on('SIGTERM', () => ac.abort());
  // The reader went away (`snooze status --watch | head`): stop quietly, as other tools do, not with a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT.OK);
    throw err;
  });
  runCli(process.argv.slice(2), {
    // The last line of defence: whatever a command prints (commands already make each
    // field inert and one line), no control sequence from a user or the cloud reaches the
    // terminal. Line breaks stay: commands print multi-line blocks on purpose.
    out: (s) => process.stdout.write(`${inert(s, { newlines: true })}\n`),
    err: (s) => process.stderr.write(`${inert(s, { newlines: true })}\n`),
    raw: (s) => process.stdout.write(s),
    drain: () => (process.stdout.writableNeedDrain ? new Promise((resolve) => process.stdout.once('drain', () => resolve())) : Promise.resolve()),
    env: process.env,
    isTTY: process.stdout.isTTY === true,
    signal: ac.signal,
  }).then((code) => exitWhenFlushed(code));
}

/**
 * Exits once stdout and stderr have taken everything written: a pipe is asynchronous, and
 * exiting at once dropped what it had not taken yet (`history --json | jq` got the first
 * 64 KiB, cut mid-line). A write's callback runs after every write before it.
 */
function exitWhenFlushed(code: number): void {
  process.exitCode = code;
  let open = 2;
  const done = () => {
    if (--open === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}
