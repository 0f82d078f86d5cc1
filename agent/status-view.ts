/**
 * STATUS: the daemon's state as every client reads it (CLI, tray, dashboard, external
 * tools polling the guide's contract). A projection only: it reads the shared state and
 * changes nothing.
 */
import { nullSample, rfc3339Seconds, STATUS_MAX_RUNS, type AgentState, type Savings, type Status } from '../contract/protocol.js';
import { modeOf, monitorOnlyReason, type DaemonState } from './daemon-state.js';
import { runInfo } from './keep-awake/run-holds.js';
import * as policy from './policy.js';
import { capBlockers, capSchedule } from './status-caps.js';
import type { ProviderHealth } from './provider.js';
import { VERSION } from './version.js';

/** STATUS must fit the Go client's one 4 KiB read; cloud error messages can be long. */
const MAX_ERROR_CHARS = 300;
/** Longer config paths are shown clipped (doctor then falls back to --config). */
const MAX_CONFIG_PATH_CHARS = 100;

export class StatusView {
  private cache: { key: unknown[]; value: Status } | null = null;

  constructor(
    private readonly s: DaemonState,
    /** STATUS `savings` (savings-view.ts keeps its own per-minute cache). */
    private readonly savings: (now: number) => Savings | null = () => null,
  ) {}

  /**
   * STATUS is asked far more often than anything changes (pollers, dashboards), so the
   * reply is reused while every input is the same object and the second has not turned.
   * State, config, sample and holds are replaced, never mutated, so identity is enough.
   */
  get(now: number): Status {
    const s = this.s;
    const health = { ...s.provider.health(), monitorOnly: monitorOnlyReason(s) };
    const savings = this.savings(now);
    const key = [Math.floor(now / 1000), savings, s.policy, s.config, s.pcfg, s.schedule, s.lastSample, s.stopping, s.lastError, s.instance, s.inputSources, s.inputUnavailable, health.monitorOnly, health.lastError, s.provider, s.runHolds.list];
    const c = this.cache;
    if (c && c.key.length === key.length && c.key.every((v, i) => v === key[i])) return c.value;
    const value = buildStatus(s, now, health, savings);
    this.cache = { key, value };
    return value;
  }
}

function buildStatus(s: DaemonState, now: number, health: ProviderHealth, savings: Savings | null): Status {
  const cfg = s.config;
  const view = policy.statusOf(s.policy, now, s.pcfg);
  let state: AgentState = view.status;
  if (health.monitorOnly) state = 'monitor_only';
  else if (s.stopping) state = 'stopping';
  // An agent that cannot act shows no countdown: it would promise a stop that will not come.
  const stopAt = health.monitorOnly ? null : view.stopAt;
  const sample = s.lastSample ?? nullSample(now);
  const holds = s.policy.holds;
  return {
    state,
    mode: modeOf(s),
    metrics: {
      cpu_percent: round2(sample.cpu_percent),
      memory_percent: round2(sample.memory_percent),
      network_kbps: round2(sample.network_kbps),
      disk_io_kbps: round2(sample.disk_io_kbps),
      input_idle_secs: sample.input_idle_secs === null ? null : Math.floor(sample.input_idle_secs),
      gpu_percent: round2(sample.gpu_percent),
      gpu_memory_percent: round2(sample.gpu_memory_percent),
      gpu_count: sample.gpu_count,
      gpu_cards: sample.gpu_cards,
    },
    thresholds: s.pcfg.thresholds,
    blockers: s.lastSample ? capBlockers(policy.blockersOf(s.lastSample, s.pcfg)) : [],
    idle_since: s.policy.idleSince === null ? null : rfc3339Seconds(s.policy.idleSince),
    naptime_minutes: cfg.naptime_minutes,
    effective_naptime_minutes: Math.round((s.pcfg.naptimeMs / 60_000) * 1e6) / 1e6,
    schedule: capSchedule(s.schedule),
    warning_minutes: Math.round((policy.warningLeadMs(s.pcfg) / 60_000) * 1e6) / 1e6,
    check_interval_seconds: cfg.check_interval_seconds,
    seconds_until_stop: stopAt === null ? null : Math.max(0, Math.ceil((stopAt - now) / 1000)),
    stop_at: stopAt === null ? null : rfc3339Seconds(stopAt),
    postponed_until: holds.postponedUntil !== null && holds.postponedUntil > now ? rfc3339Seconds(holds.postponedUntil) : null,
    stay_awake: holds.stayAwake ? { until: holds.stayAwake.until === null ? null : rfc3339Seconds(holds.stayAwake.until), reason: holds.stayAwake.reason } : null,
    runs: s.runHolds.list.slice(0, STATUS_MAX_RUNS).map(runInfo),
    runs_total: s.runHolds.list.length,
    instance: s.instance,
    input_sources: s.inputSources,
    // Only when there is one: STATUS must fit the Go client's 4 KiB read.
    ...(s.inputUnavailable.length ? { input_unavailable: s.inputUnavailable } : {}),
    error: clip(health.monitorOnly ?? health.lastError ?? s.lastError),
    sampled_at: s.lastSample ? rfc3339Seconds(s.lastSample.t) : null,
    version: VERSION,
    savings,
    // Clipped, and the flags only when they say something: STATUS must fit 4 KiB whatever the agent was started with.
    config_path: s.configPath === undefined ? undefined : (clip(s.configPath, MAX_CONFIG_PATH_CHARS) ?? undefined),
    config_loaded: s.configLoaded === false ? false : undefined,
    dry_run_flag: s.dryRunFlag ? true : undefined,
  };
}

function clip(s: string | null, max = MAX_ERROR_CHARS): string | null {
  return s === null || s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** Two decimals: enough for a person, and it keeps STATUS inside its 4 KiB. */
function round2(v: number | null): number | null {
  return v === null ? null : Math.round(v * 100) / 100;
}
