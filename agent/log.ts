/** One line per event on stdout/stderr, journald-friendly: level, component, message. */
import { inert } from '../contract/text.js';
import { LOG_LEVELS } from '../contract/config-schema.js';

export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFn = (level: LogLevel, msg: string) => void;

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  log: LogFn;
  setLevel(level: LogLevel): void;
  child(component: string): LogFn;
}

export function createLogger(level: LogLevel, write: (stream: 'out' | 'err', line: string) => void = defaultWrite): Logger {
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

function defaultWrite(stream: 'out' | 'err', line: string): void {
  (stream === 'err' ? process.stderr : process.stdout).write(`${line}\n`);
}
