/**
 * The keep-awake sources the daemon owns (the schedule; `snooze run` holds join here too)
 * and the policy config in force at an instant. Every decision, the per-sample one and the
 * final re-check before a stop, goes through `join`, so both see the same sources.
 *
 * policy.ts stays pure: an open naptime window does not reach into it, it is a derived
 * PolicyConfig (`effectivePolicyConfig`) kept in the shared state as `pcfg`, which the
 * status view, the holds and the stop all read.
 */
import { windowLabel, type ScheduleConfig, type ScheduleStatus } from '../../contract/schedule.js';
import type { Config } from '../../contract/config-schema.js';
import type { KeepAwake, Sample } from '../../contract/protocol.js';
import type { DaemonState } from '../daemon-state.js';
import * as policy from '../policy.js';
import type { PolicyConfig } from '../policy-types.js';
import { ScheduleClock } from '../schedule.js';

const MINUTE_MS = 60_000;

/** The config's policy with an open naptime window's naptime in place of naptime_minutes. */
export function effectivePolicyConfig(base: PolicyConfig, schedule: ScheduleStatus | null): PolicyConfig {
  const n = schedule?.naptime_minutes ?? null;
  return n === null ? base : { ...base, naptimeMs: n * MINUTE_MS };
}

/** One entry per open keep-awake window: "Schedule: keep awake mon-fri 09:00–18:00 Europe/Berlin". */
export function scheduleKeepAwake(schedule: ScheduleConfig, status: ScheduleStatus): KeepAwake[] {
  if (!status.keep_awake) return [];
  const open = new Set(status.open);
  const labels = new Set(schedule.windows.filter((w) => w.keep_awake === true).map((w) => windowLabel(w, status.timezone)));
  return [...labels].filter((l) => open.has(l)).map((l) => ({ kind: 'schedule' as const, reason: `Schedule: ${l}` }));
}

export class DaemonSources {
  private readonly clock: ScheduleClock;
  private basis: { config: Config; base: PolicyConfig; status: ScheduleStatus | null; extra: KeepAwake[] } | null = null;
  private joined: { from: KeepAwake[]; extra: KeepAwake[]; out: KeepAwake[] } | null = null;

  constructor(
    private readonly s: DaemonState,
    defaultZone?: string,
  ) {
    this.clock = new ScheduleClock(defaultZone);
  }

  /**
   * Brings `s.schedule` and `s.pcfg` up to date for `now`. Both objects are replaced only
   * when they change (the status view reuses its reply while its inputs are the same).
   */
  refresh(now: number): KeepAwake[] {
    const s = this.s;
    const config = s.config;
    const status = config.schedule.windows.length ? this.clock.at(config.schedule, now) : null;
    const b = this.basis;
    if (b && b.config === config && b.status === status) return b.extra;
    const base = b && b.config === config ? b.base : policy.policyConfigFrom(config);
    const extra = status ? scheduleKeepAwake(config.schedule, status) : [];
    this.basis = { config, base, status, extra };
    s.schedule = status;
    s.pcfg = effectivePolicyConfig(base, status);
    return extra;
  }

  /**
   * The sample a decision is made on: the sampler's keep-awake sources plus the daemon's,
   * as of `now`. Returns `sample` itself when the daemon adds nothing, and reuses the
   * joined list while neither side changed (an hour of samples is kept in memory).
   */
  join(sample: Sample, now: number): Sample {
    const extra = this.refresh(now);
    if (!extra.length) return sample;
    const j = this.joined;
    const keepAwake = j && j.from === sample.keep_awake && j.extra === extra ? j.out : [...sample.keep_awake, ...extra];
    this.joined = { from: sample.keep_awake, extra, out: keepAwake };
    return { ...sample, keep_awake: keepAwake };
  }
}
