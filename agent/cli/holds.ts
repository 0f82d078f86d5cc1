/**
 * The holds from the command line: `snooze postpone`, `stay-awake` (for a while, or while a
 * process runs) and `release` (root: `release --pid`, over the admin socket). Each prints the
 * agent's own sentence, the one history records, so the two never disagree.
 */
import { POSTPONE_MAX_MINUTES, STAY_AWAKE_MAX_MINUTES } from '../../contract/protocol.js';
import { issueMessage, USAGE } from '../../contract/messages.js';
import { durationWords } from '../../contract/time-format.js';
import { parseFlags } from './args.js';
import { parseDurationMs } from './duration.js';
import { localDateTime } from './format.js';
import { adminRequest, EXIT, RefusedError, UsageError, type CliIO } from './io.js';

/** Over the agent's bound: its refusal (exit 4), quoting what was typed ("8d"), not the minutes sent. */
function refuseOverMax(field: 'POSTPONE.minutes' | 'STAY_AWAKE.minutes', ms: number, maxMinutes: number, text: string): void {
  if (ms / 60_000 <= maxMinutes) return;
  throw new RefusedError(issueMessage(field, { code: 'too_big', path: [], message: '', origin: 'number', maximum: maxMinutes, inclusive: true, input: text }));
}

/** A process id as typed after `flag`: a whole number from 1. */
function parsePid(flag: string, text: string): number {
  const pid = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(pid) || pid < 1) throw new UsageError(USAGE.pid(flag, text));
  return pid;
}

export async function postpone(args: string[], io: CliIO): Promise<number> {
  const { positionals } = parseFlags(args, {}, 1);
  const text = positionals[0];
  const ms = text === undefined ? null : parseDurationMs(text, 'm');
  if (ms === null || ms <= 0) throw new UsageError(USAGE.duration('postpone', text ?? ''));
  refuseOverMax('POSTPONE.minutes', ms, POSTPONE_MAX_MINUTES, text!);
  const s = await io.request(io.socketPath, 'POSTPONE', { minutes: ms / 60_000 });
  // The agent's own sentence: the same one history records, so the two never disagree.
  io.out(`${s.outcome?.message ?? `Postponed: no stop before ${localDateTime(s.postponed_until, Date.parse(s.sampled_at ?? '') || Date.now())}`}.`);
  return EXIT.OK;
}

export async function stayAwake(args: string[], io: CliIO): Promise<number> {
  const { values } = parseFlags(args, { for: { type: 'string' }, reason: { type: 'string' }, while: { type: 'string' } });
  if (values.while !== undefined) {
    const pid = parsePid('--while', values.while);
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
}

export async function release(args: string[], io: CliIO): Promise<number> {
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
}

/**
 * `snooze release --pid N`: root ends a process hold (the process keeps running). Over the
 * admin socket, like `config set`: a member's hold on a process that never ends (pid 1) must
 * not keep the instance up with no one able to end it.
 */
async function releaseRun(text: string, io: CliIO): Promise<number> {
  const pid = parsePid('--pid', text);
  // Any other refusal (no hold on that pid) exits 4 with the agent's words, as for every command.
  const s = await adminRequest(io, 'RELEASE', { pid }, 'end a process hold', `sudo snooze release --pid ${pid}`);
  io.out(`${s.outcome?.message ?? 'Released'}.`);
  return EXIT.OK;
}
