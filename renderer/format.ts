/**
 * Pure formatting of what the dashboard shows: state in words, countdown, metric
 * values. No DOM, so it is unit-tested in Node.
 */
import { RATE_UNIT, isKeepAwake, type AgentMode, type MetricName, type Status } from '../contract/protocol.js';
import { MESSAGES } from '../contract/messages.js';
import { clockTime, formatDuration } from '../contract/time-format.js';

export { clockTime, clockTimeSeconds, dateTime, formatCountdown, formatDuration } from '../contract/time-format.js';

export type Tone = 'calm' | 'counting' | 'warning' | 'hold' | 'offline' | 'error';

export interface StateWords {
  /** The headline: "Active", "Idle — stopping in", "Postponed until 14:05" ... */
  label: string;
  tone: Tone;
  /** Whether the large countdown is shown next to the label. */
  counting: boolean;
}

/** Whether a stop here is only recorded: local mode (not EC2) and dry run never stop anything. */
export function onlyWouldStop(mode: AgentMode): boolean {
  return mode !== 'aws';
}

/**
 * The state in words; `online` false always wins, since nothing else is known then.
 * `connecting`: the first connection attempt has no outcome yet, so "offline" would alarm for nothing.
 * In local and dry-run modes nothing is ever stopped, so no headline says it will be.
 */
export function stateWords(status: Status | null, online: boolean, connecting = false): StateWords {
  if (!online && connecting) return { label: 'Connecting…', tone: 'offline', counting: false };
  if (!online || !status) return { label: 'Agent offline', tone: 'offline', counting: false };
  const would = onlyWouldStop(status.mode);
  switch (status.state) {
    case 'active':
      // A `snooze run` job or another keep-awake source, not a metric: the CLI and the tray say "Kept awake" too.
      return { label: status.blockers.some(isKeepAwake) ? 'Kept awake' : 'Active', tone: 'calm', counting: false };
    case 'idle':
      return { label: would ? 'Idle — would stop in' : 'Idle — stopping in', tone: 'counting', counting: true };
    case 'warning':
      return { label: would ? 'Final warning — would stop in' : 'Final warning', tone: 'warning', counting: true };
    case 'postponed':
      return {
        label: status.postponed_until ? `Postponed until ${clockTime(status.postponed_until)}` : 'Postponed',
        tone: 'hold',
        // The agent still reports when the stop would come once the postponement ends.
        counting: true,
      };
    case 'stay_awake':
      return { label: `Staying awake (${status.stay_awake?.reason || 'until released'})`, tone: 'hold', counting: false };
    case 'stopping':
      return { label: would ? 'Would stop now (nothing is stopped)' : 'Stopping now', tone: 'warning', counting: false };
    case 'monitor_only':
      // The reason goes under the headline (heroDetail): an error message is no headline.
      return { label: MESSAGES.monitorOnly, tone: 'error', counting: false };
  }
}

export function modeWords(mode: AgentMode): string {
  switch (mode) {
    case 'local':
      return 'Local (no cloud actions)';
    case 'dry_run':
      return 'Dry run';
    case 'aws':
      return 'AWS';
  }
}

/** What the mode means for a stop, in one sentence; null on AWS, where a stop is real. */
export function modeNote(mode: AgentMode): string | null {
  switch (mode) {
    case 'local':
      return 'Local mode: this machine is not an EC2 instance, so nothing is stopped; CloudSnooze records what it would do.';
    case 'dry_run':
      return 'Dry run: nothing is stopped; CloudSnooze records what it would do.';
    case 'aws':
      return null;
  }
}

export interface MetricSpec {
  name: MetricName;
  title: string;
  unit: string;
  /** Key of Sample/Metrics that holds the value. */
  sampleKey: 'cpu_percent' | 'memory_percent' | 'network_kbps' | 'disk_io_kbps' | 'gpu_percent' | 'input_idle_secs';
  /** Key of Thresholds. */
  thresholdKey: 'cpu_percent' | 'memory_percent' | 'network_kbps' | 'disk_io_kbps' | 'gpu_percent' | 'input_idle_secs';
  /** Fixed 0..100 axis for percentages. */
  percent: boolean;
}

export const METRIC_SPECS: readonly MetricSpec[] = [
  { name: 'cpu', title: 'CPU', unit: '%', sampleKey: 'cpu_percent', thresholdKey: 'cpu_percent', percent: true },
  { name: 'memory', title: 'Memory', unit: '%', sampleKey: 'memory_percent', thresholdKey: 'memory_percent', percent: true },
  { name: 'network', title: 'Network', unit: RATE_UNIT, sampleKey: 'network_kbps', thresholdKey: 'network_kbps', percent: false },
  { name: 'disk_io', title: 'Disk I/O', unit: RATE_UNIT, sampleKey: 'disk_io_kbps', thresholdKey: 'disk_io_kbps', percent: false },
  { name: 'gpu', title: 'GPU', unit: '%', sampleKey: 'gpu_percent', thresholdKey: 'gpu_percent', percent: true },
  { name: 'input', title: 'Input idle', unit: 's', sampleKey: 'input_idle_secs', thresholdKey: 'input_idle_secs', percent: false },
];

/** A value with a sensible number of digits: "3.2 %", "1,204 KB/s", "15 min". */
export function formatValue(value: number | null, unit: string): string {
  if (value === null || !Number.isFinite(value)) return '—';
  if (unit === 's') return formatDuration(value);
  const digits = Math.abs(value) >= 100 ? 0 : 1;
  return `${value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })} ${unit}`;
}

/** A configured limit as written: "10 %", "1,000,000 KB/s", "15 min". */
export function formatThreshold(value: number | null, unit: string): string {
  if (value === null || !Number.isFinite(value)) return '—';
  if (unit === 's') return formatDuration(value);
  return `${value.toLocaleString('en-US', { maximumFractionDigits: 2 })} ${unit}`;
}

/**
 * The config key an agent error is about. Errors name the key ("cpu_threshold_percent
 * must be at most 100 (got 150)"), possibly after a prefix, so the earliest known key wins.
 */
export function keyOfError(message: string, keys: readonly string[]): string | null {
  let best: string | null = null;
  let bestAt = Infinity;
  for (const k of keys) {
    const re = new RegExp(`(^|[^a-z0-9_])${k}($|[^a-z0-9_])`);
    const m = re.exec(message);
    if (m && m.index < bestAt) {
      bestAt = m.index;
      best = k;
    }
  }
  return best;
}

/**
 * The agent's error as a person reads it: "CONFIG_SET: cpu_threshold_percent must be at
 * most 100" becomes "cpu_threshold_percent must be at most 100".
 */
export function readableAgentError(message: string): string {
  return message.replace(/^[A-Z_]+: /, '');
}
