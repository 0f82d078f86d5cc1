/**
 * STATUS: what the agent says about itself, on request, to every subscriber, and as the
 * reply to each hold command. Its own file because every client (CLI, tray, dashboard,
 * metrics exporter) renders this shape, while only the agent and its callers need the rest.
 */
import type { ScheduleStatus } from './schedule.js';
import { KEEP_AWAKE_KINDS, type GpuCard, type KeepAwakeKind, type MetricName } from './sample.js';

export const AGENT_STATES = ['active', 'idle', 'warning', 'postponed', 'stay_awake', 'stopping', 'monitor_only'] as const;
export type AgentState = (typeof AGENT_STATES)[number];

export const AGENT_MODES = ['local', 'dry_run', 'aws'] as const;
export type AgentMode = (typeof AGENT_MODES)[number];

export interface Metrics {
  cpu_percent: number | null;
  memory_percent: number | null;
  network_kbps: number | null;
  disk_io_kbps: number | null;
  input_idle_secs: number | null;
  gpu_percent: number | null;
  gpu_memory_percent: number | null;
  gpu_count: number;
  gpu_cards: GpuCard[];
}

export interface Thresholds {
  cpu_percent: number;
  memory_percent: number;
  network_kbps: number;
  disk_io_kbps: number;
  input_idle_secs: number;
  gpu_percent: number;
  /** Null: GPU memory in use is not activity (the default). */
  gpu_memory_percent: number | null;
}

/** Whether a blocker is a keep-awake source rather than a metric. */
export function isKeepAwake(b: Blocker): boolean {
  return (KEEP_AWAKE_KINDS as readonly string[]).includes(b.metric);
}

/** Why the instance is being kept awake. `value` null means the metric could not be read. */
export interface Blocker {
  /** A metric above its threshold (or unreadable), or a keep-awake source. */
  metric: MetricName | KeepAwakeKind;
  value: number | null;
  /** Null for keep-awake sources, which have no threshold. */
  threshold: number | null;
  /** Human sentence, e.g. "CPU 43.0% (threshold 10%)". */
  reason: string;
}

export interface StayAwake {
  /** RFC 3339, or null for "until released". */
  until: string | null;
  reason: string;
}

/** A hold bound to a process's life (`snooze run`, `snooze stay-awake --while PID`). */
export interface RunHoldInfo {
  pid: number;
  /** The command line, for people (clipped). */
  command: string;
  /** "" when none was given. */
  reason: string;
  /** RFC 3339: when the hold was placed. */
  since: string;
}

export interface InstanceInfo {
  id: string | null;
  type: string | null;
  region: string | null;
  /** Where the identity came from: "local" off EC2, "ec2" from instance metadata. */
  source: 'local' | 'ec2';
}

export interface Status {
  state: AgentState;
  mode: AgentMode;
  metrics: Metrics;
  thresholds: Thresholds;
  blockers: Blocker[];
  /** RFC 3339 or null. */
  idle_since: string | null;
  /** As configured. */
  naptime_minutes: number;
  /** The naptime in force now: an open schedule window's, else naptime_minutes. */
  effective_naptime_minutes: number;
  /** Which schedule windows are open (at most a few listed) and when that next changes; null without windows. */
  schedule: ScheduleStatus | null;
  warning_minutes: number;
  check_interval_seconds: number;
  /** Null when not counting down (active, holds, monitor_only). */
  seconds_until_stop: number | null;
  stop_at: string | null;
  postponed_until: string | null;
  stay_awake: StayAwake | null;
  /**
   * Process-bound holds, oldest first, at most STATUS_MAX_RUNS of them; `runs_total` counts
   * all. They end with their process, not with a plain RELEASE (root's RELEASE with `pid` ends one).
   */
  runs: RunHoldInfo[];
  runs_total: number;
  instance: InstanceInfo;
  /** Input sources on this host, e.g. ["pts", "x11", "desktop"]; empty = input unavailable (not blocking). */
  input_sources: string[];
  /**
   * Sources a reporter said cannot measure idle time here (e.g. ["desktop"] on a display that
   * always reports 0 s): not counted, named so doctor and the dashboard can say why. Absent
   * from agents before 0.2.
   */
  input_unavailable?: string[];
  /** Last cloud or metadata error, or why the agent is monitor_only. */
  error: string | null;
  /** RFC 3339 time of the sample this status reflects. */
  sampled_at: string | null;
  version: string;
  /** The config file the agent loaded (or would write): `snooze doctor` checks this one. */
  config_path?: string;
  /** Whether that file existed when the agent started (false: defaults in use). */
  config_loaded?: boolean;
  /** `--dry-run` on the agent's command line: never stops, whatever `dry_run` in the file says. */
  dry_run_flag?: boolean;
  /** What CloudSnooze's stops of this instance saved over the last 30 days; null off EC2 (no real stops). */
  savings: Savings | null;
}

/** Where an hourly price came from: the AWS Price List API (cached a week) or the built-in table. */
export const PRICE_SOURCES = ['price-list-api', 'built-in'] as const;
export type PriceSource = (typeof PRICE_SOURCES)[number];

export interface Savings {
  /** Hours this instance spent stopped by CloudSnooze in the last 30 days (stop to the next agent start). */
  hours_stopped_30d: number;
  /** hours × on-demand price, USD (two decimals); null when no price is known for the type. */
  estimated_usd: number | null;
  price_source: PriceSource | null;
  /** USD per hour, on-demand Linux. */
  price_per_hour: number | null;
  instance_type: string | null;
}

/**
 * What a hold command really did, in the same words as its history event (one source for
 * both): `changed` false when the request left everything as it was (a release with no
 * hold, a postpone shorter than the one in force).
 */
export interface HoldOutcome {
  changed: boolean;
  message: string;
}
export type HoldReply = Status & { outcome?: HoldOutcome };
