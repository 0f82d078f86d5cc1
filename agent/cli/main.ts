/**
 * snooze: the command-line client of the CloudSnooze agent. A table of commands,
 * each a small function over the socket client; distinct exit codes for
 * "agent not running" (3), "value refused" (4), "settings need root" (6) and usage errors (2).
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { inert, inertJson } from '../../contract/text.js';
import { AgentError, request, subscribe } from '../../lib/client.js';
import { adminSocketPath, DEFAULT_SOCKET_PATH, userSocketPath } from '../../contract/paths.js';
import { HISTORY_TYPES, POSTPONE_MAX_MINUTES, STAY_AWAKE_MAX_MINUTES, type HistoryType } from '../../contract/protocol.js';
import { VERSION } from '../version.js';
import { issueMessage, USAGE } from '../../contract/messages.js';
import { durationWords } from '../../contract/time-format.js';
import { parseFlags } from './args.js';
import { runDashboard } from './dashboard.js';
import { isEc2Host } from '../aws/detect.js';
import { DEFAULT_CONFIG, loadConfig } from '../config.js';
import { awsDoctor } from './doctor-aws.js';
import { doctorConfigPath, localChecks, printDoctor } from './doctor.js';
import { authorityChecks } from './doctor-authority.js';
import { parseDurationMs, parseSince } from './duration.js';
import { runFleet } from './fleet.js';
import { runConfig } from './config.js';
import { runCommand } from './run.js';
import { localDateTime, renderHistoryCsv, renderHistoryText } from './format.js';
import { asksHelp, commandHelp, HELP } from './help.js';
import { status } from './status.js';
import { EXIT, RefusedError, UsageError, type CliIO } from './io.js';

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


const history: Cmd = async (args, io) => {
  const { values } = parseFlags(args, {
    limit: { type: 'string' },
    since: { type: 'string' },
    type: { type: 'string' },
    format: { type: 'string' },
    // As status --json and config list --json: the flag people try first.
    json: { type: 'boolean' },
    csv: { type: 'boolean' },
  });
  const limit = values.limit === undefined ? 10 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError(USAGE.limit(values.limit ?? ''));
  if ([values.format !== undefined, values.json, values.csv].filter(Boolean).length > 1) throw new UsageError(USAGE.formatTwice);
  const format = values.json ? 'json' : values.csv ? 'csv' : (values.format ?? 'text');
  if (!['text', 'json', 'csv'].includes(format)) throw new UsageError(USAGE.format(format));
  let since: string | undefined;
  if (values.since !== undefined) {
    since = parseSince(values.since) ?? undefined;
    if (!since) throw new UsageError(USAGE.since(values.since));
  }
  if (values.type !== undefined && !(HISTORY_TYPES as readonly string[]).includes(values.type)) {
    throw new UsageError(`--type must be one of ${HISTORY_TYPES.join(', ')}`);
  }
  const r = await io.request(io.socketPath, 'HISTORY', { limit, since, type: values.type as HistoryType | undefined, details: format !== 'text' });
  const events = [...r.events].reverse(); // oldest first reads naturally in a terminal and a spreadsheet
  if (format === 'json') io.out(inertJson(JSON.stringify(events, null, 2)));
  else if (format === 'csv') io.out(renderHistoryCsv(events));
  else io.out(renderHistoryText(events));
  return EXIT.OK;
};

/** Over the agent's bound: its refusal (exit 4), quoting what was typed ("8d"), not the minutes sent. */
function refuseOverMax(field: 'POSTPONE.minutes' | 'STAY_AWAKE.minutes', ms: number, maxMinutes: number, text: string): void {
  if (ms / 60_000 <= maxMinutes) return;
  throw new RefusedError(issueMessage(field, { code: 'too_big', path: [], message: '', origin: 'number', maximum: maxMinutes, inclusive: true, input: text }));
}

const postpone: Cmd = async (args, io) => {
  const { positionals } = parseFlags(args, {}, 1);
  const text = positionals[0];
  const ms = text === undefined ? null : parseDurationMs(text, 'm');
  if (ms === null || ms <= 0) throw new UsageError(USAGE.duration('postpone', text ?? ''));
  refuseOverMax('POSTPONE.minutes', ms, POSTPONE_MAX_MINUTES, text!);
  const s = await io.request(io.socketPath, 'POSTPONE', { minutes: ms / 60_000 });
  // The agent's own sentence: the same one history records, so the two never disagree.
  io.out(`${s.outcome?.message ?? `Postponed: no stop before ${localDateTime(s.postponed_until, Date.parse(s.sampled_at ?? '') || Date.now())}`}.`);
  return EXIT.OK;
};

const stayAwake: Cmd = async (args, io) => {
  const { values } = parseFlags(args, { for: { type: 'string' }, reason: { type: 'string' }, while: { type: 'string' } });
  if (values.while !== undefined) {
    const pid = Number(values.while);
    if (!/^\d+$/.test(values.while) || !Number.isSafeInteger(pid) || pid < 1) throw new UsageError(USAGE.pid(values.while));
    if (values.for !== undefined) throw new UsageError('--while and --for cannot be combined: the hold lasts as long as the process');
    const s = await io.request(io.socketPath, 'STAY_AWAKE', { while_pid: pid, reason: values.reason });
    const run = s.runs.find((r) => r.pid === pid);
    io.out(`Staying awake while pid ${pid} runs${run ? ` (${run.command})` : ''}.`);
    return EXIT.OK;
  }
  let minutes: number | undefined;
  if (values.for !== undefined) {
    const ms = parseDurationMs(values.for, 'm');
    if (ms === null || ms <= 0) throw new UsageError(USAGE.duration('--for', values.for));
    refuseOverMax('STAY_AWAKE.minutes', ms, STAY_AWAKE_MAX_MINUTES, values.for);
    minutes = ms / 60_000;
  }
  const s = await io.request(io.socketPath, 'STAY_AWAKE', { minutes, reason: values.reason ?? 'snooze stay-awake' });
  io.out(`Staying awake ${s.stay_awake?.until ? `until ${localDateTime(s.stay_awake.until, Date.parse(s.sampled_at ?? '') || Date.now())}` : 'until you run: snooze release'}.`);
  return EXIT.OK;
};

const release: Cmd = async (args, io) => {
  const { values } = parseFlags(args, { pid: { type: 'string' } });
  if (values.pid !== undefined) return releaseRun(values.pid, io);
  const s = await io.request(io.socketPath, 'RELEASE');
  // What was released (or that nothing was), in the words history records.
  io.out(`${s.outcome?.message ?? 'Released'}.`);
  if (s.seconds_until_stop !== null) io.out(`Now: ${s.mode === 'aws' ? 'stops' : 'would stop'} in ${durationWords(s.seconds_until_stop)} if nothing becomes active.`);
  const n = s.runs_total;
  // The agent's sentence already names the process holds it kept (an older agent's reply has
  // no sentence): what is left to say is how one ends without its process.
  if (n > 0) {
    io.out(
      s.outcome
        ? 'Root may end a process hold without ending its process: sudo snooze release --pid PID.'
        : `Still kept awake by ${n} snooze run / --while hold${n === 1 ? '' : 's'}: release does not end them, their process ending does (root may end one: sudo snooze release --pid PID).`,
    );
  }
  return EXIT.OK;
};

/**
 * `snooze release --pid N`: root ends a process hold (the process keeps running). Over the
 * admin socket, like `config set`: a member's hold on a process that never ends (pid 1) must
 * not keep the instance up with no one able to end it.
 */
async function releaseRun(text: string, io: CliIO): Promise<number> {
  const pid = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(pid) || pid < 1) throw new UsageError(`--pid needs a process id (got "${text}")`);
  let s;
  try {
    s = await io.request(adminSocketPath(io.socketPath), 'RELEASE', { pid });
  } catch (err) {
    if (err instanceof AgentError && (err.code === 'PERMISSION_DENIED' || err.code === 'FORBIDDEN')) {
      io.err(`snooze: only root (or members of admin_group) can end a process hold; try: sudo snooze release --pid ${pid}`);
      return EXIT.NOT_ADMIN;
    }
    if (err instanceof AgentError && err.code === 'INVALID_PARAMS') {
      io.err(`snooze: ${inert(err.message)}`);
      return EXIT.REFUSED;
    }
    throw err;
  }
  io.out(`${s.outcome?.message ?? 'Released'}.`);
  return EXIT.OK;
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
