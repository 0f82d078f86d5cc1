/** One line per event on stdout/stderr, journald-friendly: level, component, message. */
import { inert } from '../contract/text.js';
import { LOG_LEVELS } from '../contract/config-schema.js';

export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFn = (level: LogLevel, msg: string) => void;
export type LogWrite = (stream: 'out' | 'err', line: string) => void;

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  log: LogFn;
  setLevel(level: LogLevel): void;
  child(component: string): LogFn;
}

export function createLogger(level: LogLevel, write: LogWrite = streamWriter()): Logger {
  let min = rank[level];
  const emit = (lvl: LogLevel, msg: string) => {
    if (rank[lvl] < min) return;
    // Newlines would split one event over several journal entries; any other control
    // character in a message (a member's reason, a tag value, an API error) would reach
    // whoever reads the log in a terminal (journalctl, tail -f), so it is made inert.
    write(lvl === 'warn' || lvl === 'error' ? 'err' : 'out', `${lvl}: ${inert(msg.replace(/\r?\n/g, ' | '))}`);
  };
  return {
    log: emit,
    setLevel(l) {
      min = rank[l];
    },
    child(component) {
      return (lvl, msg) => emit(lvl, `${component}: ${msg}`);
    },
  };
}

/** Lines queued for a stream that is not taking them (a stalled pipe) beyond which new ones are dropped. */
export const MAX_LOG_BACKLOG_BYTES = 1024 * 1024;

/**
 * Writes to stdout/stderr in a way that cannot hurt the agent: a stream that fails
 * (EPIPE when the reader is gone, a restarted journal) is dropped for good and the
 * failure noted once on the other stream; a stream that stops taking lines has new ones
 * dropped rather than queued without bound. Never throws, and never writes from its
 * own error path to the stream that failed, so an error cannot feed itself.
 */
export function streamWriter(out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): LogWrite {
  const streams = { out, err };
  const names = { out: 'stdout', err: 'stderr' } as const;
  const broken = { out: false, err: false };
  const dropping = { out: false, err: false };
  const other = (s: 'out' | 'err') => (s === 'out' ? 'err' : 'out');

  const rawWrite = (s: 'out' | 'err', line: string): void => {
    if (broken[s]) return;
    try {
      streams[s].write(`${line}\n`, (e?: Error | null) => {
        if (e) fail(s, e);
      });
    } catch (e) {
      fail(s, e as Error);
    }
  };
  const fail = (s: 'out' | 'err', e: Error): void => {
    if (broken[s]) return;
    broken[s] = true;
    rawWrite(other(s), `warn: log: ${names[s]} failed (${(e as NodeJS.ErrnoException).code ?? e.message}); its lines are dropped from now on`);
  };
  for (const s of ['out', 'err'] as const) streams[s].on('error', (e: Error) => fail(s, e));

  return (s, line) => {
    if (broken[s]) return;
    const backlog = (streams[s] as { writableLength?: number }).writableLength ?? 0;
    if (backlog > MAX_LOG_BACKLOG_BYTES) {
      if (!dropping[s]) rawWrite(other(s), `warn: log: ${names[s]} is not taking lines; dropping them until it does`);
      dropping[s] = true;
      return;
    }
    dropping[s] = false;
    rawWrite(s, line);
  };
}
