/**
 * The message catalogue: every sentence a person reads about a setting, a request or an
 * event, in the user's terms and units, written once. Errors never show a wire name
 * (`POSTPONE:`, `params.minutes`) or a parser's text; they name the setting the way the
 * Settings page and the README do, say what is allowed with its unit, and what was entered.
 *
 * Pure (no Node, no DOM): the agent, the CLI, the tray and the dashboard share it.
 */
import type { Blocker } from './protocol.js';
import { durationWords, fmtNumber, minutesWords, plural } from './time-format.js';

// ---------------------------------------------------------------------------
// Settings, in the user's words

interface Field {
  label: string;
  /** Singular unit for numbers ("second", "minute", "%", "KB/s"); absent for text and switches. */
  unit?: string;
}

/** Every config key (dotted for nested) and the request params a person can type. */
export const FIELDS: Record<string, Field> = {
  check_interval_seconds: { label: 'Check interval', unit: 'second' },
  naptime_minutes: { label: 'Naptime', unit: 'minute' },
  warning_minutes: { label: 'Warning time', unit: 'minute' },
  cpu_threshold_percent: { label: 'CPU threshold', unit: '%' },
  memory_threshold_percent: { label: 'Memory threshold', unit: '%' },
  network_threshold_kbps: { label: 'Network threshold', unit: 'KB/s' },
  disk_io_threshold_kbps: { label: 'Disk I/O threshold', unit: 'KB/s' },
  input_idle_threshold_secs: { label: 'Input idle threshold', unit: 'second' },
  gpu_monitoring_enabled: { label: 'GPU monitoring' },
  gpu_threshold_percent: { label: 'GPU threshold', unit: '%' },
  gpu_memory_threshold_percent: { label: 'GPU memory threshold', unit: '%' },
  aws_region: { label: 'AWS region' },
  enable_instance_tags: { label: 'Instance tags' },
  tagging_prefix: { label: 'Tag prefix' },
  detailed_instance_tags: { label: 'Detailed instance tags' },
  hibernate: { label: 'Hibernate' },
  logging: { label: 'Logging' },
  'logging.log_level': { label: 'Log level' },
  monitoring_mode: { label: 'Monitoring mode' },
  socket_path: { label: 'Socket path' },
  socket_group: { label: 'Socket group' },
  admin_group: { label: 'Admin group' },
  dry_run: { label: 'Dry run' },
  history_path: { label: 'History file' },
  history_max_events: { label: 'History size', unit: 'event' },
  pre_stop_command: { label: 'Pre-stop command' },
  pre_stop_timeout_seconds: { label: 'Pre-stop timeout', unit: 'second' },
  pre_stop_on_failure: { label: 'Pre-stop failure action' },
  keep_awake_processes: { label: 'Keep-awake processes' },
  schedule: { label: 'Schedule' },
  'schedule.timezone': { label: 'Schedule time zone' },
  fleet_refresh_minutes: { label: 'Fleet tag refresh', unit: 'minute' },
  notifications: { label: 'Notifications' },
  'notifications.webhook_url': { label: 'Webhook URL' },
  'notifications.sns_topic_arn': { label: 'SNS topic ARN' },
  'notifications.events': { label: 'Notified events' },
  metrics_listen: { label: 'Metrics address' },
  metrics_allow_remote: { label: 'Metrics beyond this host' },
  metrics_textfile: { label: 'Metrics textfile' },
  // Request params, by command: what the CLI flag or dashboard control is called.
  'POSTPONE.minutes': { label: 'Postpone time', unit: 'minute' },
  'STAY_AWAKE.minutes': { label: 'Stay-awake time', unit: 'minute' },
  'STAY_AWAKE.reason': { label: 'Reason' },
  'STAY_AWAKE.while_pid': { label: 'Process id' },
  'STAY_AWAKE.command': { label: 'Command' },
  'HISTORY.limit': { label: 'History limit', unit: 'event' },
  'HISTORY.since': { label: 'History start time' },
  'HISTORY.type': { label: 'Event type' },
  'SAMPLES.seconds': { label: 'Graph span', unit: 'second' },
  'INPUT_ACTIVITY.idle_secs': { label: 'Input idle time', unit: 'second' },
  'INPUT_ACTIVITY.source': { label: 'Input source' },
};

/** "schedule.windows.2.from" -> "Schedule window 3, from"; unknown keys in plain words. */
export function fieldLabel(key: string): string {
  const f = FIELDS[key];
  if (f) return f.label;
  const win = /^schedule\.windows\.(\d+)(?:\.(.+))?$/.exec(key);
  if (win) return `Schedule window ${Number(win[1]) + 1}${win[2] ? `, ${win[2].replace(/_/g, ' ')}` : ''}`;
  const list = /^keep_awake_processes\.(\d+)$/.exec(key);
  if (list) return `Keep-awake process ${Number(list[1]) + 1}`;
  const ev = /^notifications\.events\.(\d+)$/.exec(key);
  if (ev) return `Notified event ${Number(ev[1]) + 1}`;
  const tail = key.split('.').at(-1) ?? key;
  const words = tail.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function unitOf(key: string): string | undefined {
  return FIELDS[key]?.unit;
}

/** A bound with its unit: "3,600 seconds (1 hour)", "100 %", "1 character". */
function withUnit(n: number, unit: string | undefined): string {
  if (!unit) return fmtNumber(n);
  if (unit === '%' || unit === 'KB/s') return `${fmtNumber(n)} ${unit}`;
  const words = plural(n, unit);
  const secs = unit === 'second' ? n : unit === 'minute' ? n * 60 : null;
  // A large round bound also in the unit people count in ("10,080 minutes (7 days)").
  if (secs !== null && secs >= 3600 && Number.isInteger(secs)) return `${words} (${durationWords(secs)})`;
  if (secs !== null && secs < 60 && unit === 'minute') return `${words} (${durationWords(secs)})`;
  return words;
}

/** Fields whose value is (or holds) a secret: the notifications key and its URL and ARN, however it is labelled. */
function isSecretField(key: string): boolean {
  const bare = key.split('.').filter((p) => p !== 'values');
  return bare.includes('notifications') || bare.at(-1) === 'webhook_url' || bare.at(-1) === 'sns_topic_arn';
}

function entered(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return v.length > 40 ? `"${v.slice(0, 37)}..."` : `"${v}"`;
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/**
 * A zod issue, by structure only (classic and mini produce the same ones): the fields the
 * catalogue reads to word a message.
 */
export interface IssueLike {
  code: string;
  path: readonly PropertyKey[];
  message: string;
  input?: unknown;
  expected?: string;
  format?: string;
  origin?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  keys?: string[];
  values?: readonly unknown[];
}

const EXPECTED_WORDS: Record<string, string> = {
  boolean: 'true or false',
  string: 'text',
  array: 'a list',
  object: 'a group of settings',
  nan: 'a number',
};

/**
 * One issue in the user's words. `key` is the dotted name the issue is about (a config key
 * or "POSTPONE.minutes"): its label and unit come from FIELDS.
 */
export function issueMessage(key: string, issue: IssueLike): string {
  const label = fieldLabel(key);
  const unit = unitOf(key);
  const input = issue.input;
  // A secret is never echoed: these messages reach the journal and the terminal of whoever
  // runs the agent, and a webhook URL is its own password (user:pw@, or a Slack path).
  const you = input === undefined || isSecretField(key) ? '' : ` (you entered ${entered(input)})`;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const names = (issue.keys ?? []).map((k) => `"${[key, k].filter(Boolean).join('.')}"`);
      return `There is no setting ${names.join(', ')}: see snooze config list for the names`;
    }
    case 'invalid_type': {
      if (input === undefined) return `${label} is missing`;
      if (issue.expected === 'int') return `${label} must be a whole number${unit ? ` of ${unit}s` : ''}${you}`;
      if (issue.expected === 'number') {
        const of = !unit ? '' : unit === '%' ? ' (a percentage)' : unit === 'KB/s' ? ' of KB/s' : ` of ${unit}s`;
        return `${label} must be a number${of}${you}`;
      }
      return `${label} must be ${EXPECTED_WORDS[issue.expected ?? ''] ?? `a ${issue.expected ?? 'value'}`}${you}`;
    }
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const n = Number(small ? issue.minimum : issue.maximum);
      if (issue.origin === 'string') {
        if (small && n === 1) return `${label} must not be empty`;
        return `${label} must be ${small ? 'at least' : 'at most'} ${plural(n, 'character')} long${typeof input === 'string' ? ` (yours has ${input.length})` : ''}`;
      }
      if (issue.origin === 'array' || issue.origin === 'set') {
        return `${label} can hold ${small ? 'at least' : 'at most'} ${plural(n, 'entry').replace(/entrys$/, 'entries')}${Array.isArray(input) ? ` (yours has ${input.length})` : ''}`;
      }
      const which = issue.inclusive === false ? (small ? 'more than' : 'less than') : small ? 'at least' : 'at most';
      return `${label} must be ${which} ${withUnit(n, unit)}${you}`;
    }
    case 'invalid_value': {
      const vals = (issue.values ?? []).map((v) => String(v));
      if (vals.length === 1) return `${label} must be ${vals[0]}${you}`;
      return `${label} must be one of ${vals.slice(0, -1).join(', ')} or ${vals.at(-1)}${you}`;
    }
    case 'invalid_format':
    case 'custom':
    default: {
      // Schema messages are written to follow the field's name ("must be a time of day such as 09:00").
      const msg = issue.message && !/^Invalid/.test(issue.message) ? issue.message : 'is not valid';
      return `${label} ${msg}${you && !msg.includes('you entered') ? you : ''}`;
    }
  }
}

/** The dotted key an issue is about, after dropping leading path segments ("values"). */
export function issueKey(issue: IssueLike, drop = 0, prefix = ''): string {
  return [prefix, ...issue.path.slice(drop).map(String)].filter(Boolean).join('.');
}

/**
 * Per-field messages, key -> message (the first problem of each field), and one sentence
 * for all of them (for a terminal or a log line, each naming its key).
 */
export function describeIssues(issues: readonly IssueLike[], opts: { drop?: number; prefix?: string; labelPrefix?: string } = {}): { fields: Record<string, string>; message: string } {
  const fields: Record<string, string> = {};
  for (const issue of issues) {
    const key = issueKey(issue, opts.drop, opts.prefix);
    const labelKey = opts.labelPrefix ? `${opts.labelPrefix}.${key}` : key;
    const msg = issueMessage(labelKey, issue);
    const field = issue.code === 'unrecognized_keys' ? [key, issue.keys?.[0]].filter(Boolean).join('.') : key;
    if (!(field in fields)) fields[field] = msg;
  }
  return { fields, message: Object.values(fields).join('; ') };
}

/**
 * A setting's value as a person reads it: "45 minutes", "15 minutes" (900 seconds), "10 %",
 * "on"/"off", "eu-west-1" in quotes, "empty". Machines get the raw value in the event's details.
 */
export function valueWords(key: string, v: unknown): string {
  const unit = unitOf(key);
  if (typeof v === 'number') {
    if (unit === 'minute') return minutesWords(v);
    if (unit === 'second') return durationWords(v);
    if (unit === '%' || unit === 'KB/s') return `${fmtNumber(v)} ${unit}`;
    return unit ? plural(v, unit) : fmtNumber(v);
  }
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  if (v === '' || v === null || v === undefined) return 'empty';
  return entered(v);
}

const isGroup = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * One changed setting, "Naptime set to 45 minutes (was 30 minutes)"; a group by the leaves
 * that changed, "Log level set to "debug" (was "info")", not as JSON.
 */
export function settingChanged(key: string, from: unknown, to: unknown): string {
  if (isGroup(to) && (from === undefined || isGroup(from))) {
    const parts = Object.keys(to)
      .filter((k) => JSON.stringify(to[k]) !== JSON.stringify(from?.[k]))
      .map((k) => settingChanged(`${key}.${k}`, from?.[k], to[k]));
    if (parts.length) return parts.join('; ');
  }
  const was = from === undefined ? '' : ` (was ${valueWords(key, from)})`;
  return `${fieldLabel(key)} set to ${valueWords(key, to)}${was}`;
}

/** The cross-field rule on warning and naptime, both named. */
export function warningNotShorter(warningMinutes: number, naptimeMinutes: number): string {
  return `Warning time (${minutesWords(warningMinutes)}) must be shorter than the naptime (${minutesWords(naptimeMinutes)}): lower warning_minutes first, or raise naptime_minutes`;
}

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
  if (b.metric === 'network' || b.metric === 'disk_io') return `${what} ${n(v)} KB/s`;
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
  limit: (entered: string) => `--limit must be a whole number of events from 1 to 1000 (you entered "${entered}")`,
  unknownKey: (key: string) => `There is no setting "${key}": see snooze config list for the names (nested ones with a dot, such as logging.log_level)`,
} as const;
