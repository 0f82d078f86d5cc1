/**
 * Settings in the user's words: each key's label and unit, a value as a person reads it,
 * and the sentence for a change. Apart from the refusal wording (issue-words.ts) because a
 * change, a pinned value and a refusal all name a setting this one way, and only refusals
 * read the validator's output.
 */
import { RATE_UNIT } from './sample.js';
import { durationWords, fmtNumber, minutesWords, plural } from './time-format.js';

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
  network_threshold_kbps: { label: 'Network threshold', unit: RATE_UNIT },
  disk_io_threshold_kbps: { label: 'Disk I/O threshold', unit: RATE_UNIT },
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

/** The singular unit a key is counted in, if any. */
export function unitOf(key: string): string | undefined {
  return FIELDS[key]?.unit;
}


/** A value as it was typed, for "(you entered ...)": quoted if text, clipped to 40 characters. */
export function entered(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return v.length > 40 ? `"${v.slice(0, 37)}..."` : `"${v}"`;
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
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
