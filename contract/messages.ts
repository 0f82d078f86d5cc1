/**
 * The message catalogue: every sentence a person reads about a setting, a request or an
 * event, in the user's terms and units, written once. Errors never show a wire name
 * (`POSTPONE:`, `params.minutes`) or a parser's text; they name the setting the way the
 * Settings page and the README do, say what is allowed with its unit, and what was entered.
 *
 * Pure (no Node, no DOM): the agent, the CLI, the tray and the dashboard share it.
 *
 * This file holds the sentences about events and holds (MESSAGES) and the command line's
 * usage errors (USAGE), and is the one import point for the rest: a setting's label, value
 * and change in setting-words.ts, a refused value in issue-words.ts.
 */
import type { Blocker } from './protocol.js';
import { RATE_UNIT } from './sample.js';
import { HISTORY_LIMIT_MAX } from './socket-limits.js';
import { entered, fieldLabel } from './setting-words.js';
import { durationWords, minutesWords } from './time-format.js';

export { FIELDS, fieldLabel, settingChanged, valueWords, warningNotShorter } from './setting-words.js';
export { describeIssues, issueKey, issueMessage, type IssueLike } from './issue-words.js';

// ---------------------------------------------------------------------------
// Events

/** What keeps (or woke) the instance, short: "CPU 53 %", "input 0 s ago", "snooze run — make". */
export function blockerShort(b: Blocker): string {
  // A client may get a blocker from an older agent (or a hostile one): no number, no figure.
  const v = typeof b.value === 'number' && Number.isFinite(b.value) ? b.value : null;
  const n = (x: number) => (x >= 10 ? String(Math.round(x)) : x.toFixed(1));
  if (v === null && b.threshold === null) return String(b.reason);
  const name: Record<string, string> = { cpu: 'CPU', memory: 'memory', network: 'network', disk_io: 'disk I/O', gpu: 'GPU', input: 'input' };
  const what = name[b.metric] ?? b.metric;
  if (v === null) return `${what} could not be read`;
  if (b.metric === 'input') return `input ${Math.floor(Math.max(0, v))} s ago`;
  if (b.metric === 'network' || b.metric === 'disk_io') return `${what} ${n(v)} ${RATE_UNIT}`;
  if (b.metric === 'gpu' && /memory/.test(b.reason)) return `GPU memory ${n(v)} %`;
  return `${what} ${n(v)} %`;
}

/** "would stop" off EC2 and in dry run, "will stop" only when a stop is real. */
export function stopVerb(mode: 'local' | 'dry_run' | 'aws', tense: 'future' | 'present' = 'future'): string {
  if (mode === 'aws') return tense === 'future' ? 'will be stopped' : 'stops';
  return tense === 'future' ? 'would be stopped' : 'would stop';
}

export const MODE_NOTE: Record<'local' | 'dry_run' | 'aws', string> = {
  local: 'local mode: not on EC2, nothing is stopped',
  dry_run: 'dry run: nothing is stopped',
  aws: '',
};

export const MESSAGES = {
  releasePidNeedsRoot: (pid: number) => `Ending the process hold on pid ${pid} needs root: run \`sudo snooze release --pid ${pid}\`; nothing changed`,
  warning: (mode: 'local' | 'dry_run' | 'aws', inSecs: number, at: string) =>
    `Idle: this instance ${stopVerb(mode)} in ${durationWords(inSecs)} (at ${at})${MODE_NOTE[mode] ? ` — ${MODE_NOTE[mode]}` : ''}`,
  cancelled: (blockers: readonly Blocker[]) => `Stop cancelled: ${blockers.slice(0, 3).map(blockerShort).join(', ')}${blockers.length > 3 ? ` and ${blockers.length - 3} more` : ''}`,
  /** The history line of a stop: the tag keeps the guide's wording, people get plurals. */
  idleFor: (idleMs: number, naptimeMinutes: number) => `idle for ${durationWords(Math.floor(idleMs / 1000))} (naptime ${minutesWords(naptimeMinutes)})`,
  postponed: (minutes: number, until: string) => `Postponed by ${minutesWords(minutes)}: no stop before ${until}`,
  postponeNoChange: (minutes: number, until: string) => `Postpone by ${minutesWords(minutes)} changed nothing: the stop was already postponed until ${until}, which is later`,
  postponeExtended: (minutes: number, from: string, until: string) => `Postponed by ${minutesWords(minutes)}: no stop before ${until} (was ${from})`,
  released: (what: string) => `Released ${what}: the idle countdown resumes`,
  nothingToRelease: 'Nothing to release: there was no postponement or stay-awake',
  /** The CLI's status and the dashboard say this when no blocker is left: the same sentence in both. */
  nothingKeepsAwake: 'Nothing keeps it awake: every metric is below its threshold.',
  /** The name of the monitor_only state wherever a person reads it (CLI, dashboard, tab title, tray). */
  monitorOnly: 'Monitor only (cannot act)',
  /** Beside a setting a fleet tag pins (Settings, config list): read-only here. */
  pinnedNote: (tag: string) => `Set by the instance tag ${tag}`,
  /** On the field of a refused change to a pinned setting. */
  pinnedRefused: (key: string, tag: string, value: string) =>
    `${fieldLabel(key)} is pinned by the instance tag ${tag} = ${entered(value)}: change or remove the tag (snooze fleet policy set), not this setting; nothing changed`,
  fileOnly: (key: string, path: string) => `${fieldLabel(key)} can only be set in the config file ${path}, as root; nothing changed`,
} as const;

/** Command-line usage errors: one wording each, whichever command hits them. */
export const USAGE = {
  extraArgument: (arg: string) => `unexpected argument "${arg}"`,
  unknownOption: (flag: string) => `unknown option ${flag}`,
  noValueTaken: (flag: string) => `${flag} is a switch and takes no value`,
  needsValue: (flag: string) => `${flag} needs a value`,
  unreadable: 'could not read the options (see snooze --help)',
  duration: (what: string, entered: string) => `${what} needs a duration longer than zero, such as 30 (minutes), 90m or 2h (you entered "${entered}")`,
  limit: (entered: string) => `--limit must be a whole number of events from 1 to ${HISTORY_LIMIT_MAX} (you entered "${entered}")`,
  format: (entered: string) => `--format must be text, json or csv (you entered "${entered}")`,
  formatTwice: '--json, --csv and --format each choose the output: give one of them',
  since: (entered: string) => `--since must be a duration like 24h or 7d, or a time like 2026-01-31T12:00:00Z (you entered "${entered}")`,
  pid: (flag: string, entered: string) => `${flag} needs a process id, a whole number such as 4242 (you entered "${entered}")`,
  port: (entered: string) => `--port must be a number from 0 to 65535 (you entered "${entered}")`,
  unknownKey: (key: string) => `There is no setting "${key}": see snooze config list for the names (nested ones with a dot, such as logging.log_level)`,
} as const;
