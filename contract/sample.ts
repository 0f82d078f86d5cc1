/**
 * One reading of the machine, as the sampler takes it, the ring keeps it and SAMPLES sends
 * it: kept apart from STATUS because the sampler, the sample ring and the graphs need this
 * shape and nothing of the agent's state.
 */

export const METRIC_NAMES = ['cpu', 'memory', 'network', 'disk_io', 'gpu', 'input'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/** How network and disk rates are written everywhere a person reads one (kilobytes per second). */
export const RATE_UNIT = 'KB/s';

/** One reading of every metric. `null` means "not read": see `unreadable` and `input_available`. */
export interface Sample {
  /** Milliseconds since the epoch. */
  t: number;
  cpu_percent: number | null;
  memory_percent: number | null;
  network_kbps: number | null;
  disk_io_kbps: number | null;
  /** The busiest GPU's utilisation (one busy card of eight is a busy box); null when there is no GPU or the tool failed. */
  gpu_percent: number | null;
  /** The fullest GPU's memory in use, percent. */
  gpu_memory_percent: number | null;
  gpu_count: number;
  /** Per card, in the tool's order. */
  gpu_cards: GpuCard[];
  /** Most recent input from any source; null when no source exists on this host. */
  input_idle_secs: number | null;
  /** Metrics that should have been read but could not: they count as activity (fail safe). */
  unreadable: MetricName[];
  /**
   * Active keep-awake sources: the sampler reads processes and inhibitors, the daemon adds
   * `snooze run` holds and the schedule before deciding. Each one blocks.
   */
  keep_awake: KeepAwake[];
}

export interface GpuCard {
  util_percent: number | null;
  memory_percent: number | null;
}

/** A sample with nothing read; `unreadable` says which of those count as activity. */
export function nullSample(t: number, unreadable: MetricName[] = []): Sample {
  return {
    t,
    cpu_percent: null,
    memory_percent: null,
    network_kbps: null,
    disk_io_kbps: null,
    gpu_percent: null,
    gpu_memory_percent: null,
    gpu_count: 0,
    gpu_cards: [],
    input_idle_secs: null,
    unreadable,
    keep_awake: [],
  };
}

/**
 * Sources that keep the instance awake whatever the metrics say (docs/keep-awake.md):
 * a `snooze run` command's life, a `keep_awake_processes` match, a logind block inhibitor,
 * an open keep-awake schedule window.
 */
export const KEEP_AWAKE_KINDS = ['snooze_run', 'process', 'inhibitor', 'schedule'] as const;
export type KeepAwakeKind = (typeof KEEP_AWAKE_KINDS)[number];

export interface KeepAwake {
  kind: KeepAwakeKind;
  /** Plain words, e.g. "snooze run — rsync -a data/ s3-sync (pid 4711, 2 h 13 min)". */
  reason: string;
}
