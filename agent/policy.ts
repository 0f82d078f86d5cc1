/**
 * The idle decision: a pure function of (state, sample, now, config), so the safety rules of
 * DESIGN.md can be proven with a fake clock and random sequences instead of real waiting.
 * The daemon owns time and side effects; nothing here reads the clock or does I/O.
 */
import type { Config } from '../contract/config-schema.js';
import { RATE_UNIT, type Blocker, type MetricName, type Sample } from '../contract/protocol.js';
import type { Decision, PolicyConfig, PolicyState } from './policy-types.js';

export type PolicyStatus = Decision['status'];

const MINUTE_MS = 60_000;

export function initialPolicyState(): PolicyState {
  return { idleSince: null, warnedAt: null, notBefore: null, holds: { postponedUntil: null, stayAwake: null } };
}

export function policyConfigFrom(config: Config): PolicyConfig {
  return {
    naptimeMs: config.naptime_minutes * MINUTE_MS,
    warningMs: config.warning_minutes * MINUTE_MS,
    thresholds: {
      cpu_percent: config.cpu_threshold_percent,
      memory_percent: config.memory_threshold_percent,
      network_kbps: config.network_threshold_kbps,
      disk_io_kbps: config.disk_io_threshold_kbps,
      input_idle_secs: config.input_idle_threshold_secs,
      gpu_percent: config.gpu_threshold_percent,
      gpu_memory_percent: config.gpu_memory_threshold_percent,
    },
    gpuEnabled: config.gpu_monitoring_enabled,
  };
}

const LABELS: Record<MetricName, string> = {
  cpu: 'CPU',
  memory: 'Memory',
  network: 'Network',
  disk_io: 'Disk I/O',
  gpu: 'GPU',
  input: 'Input',
};

function unreadable(metric: MetricName, threshold: number): Blocker {
  return { metric, value: null, threshold, reason: `${LABELS[metric]} could not be read (counts as activity)` };
}

/**
 * Check one "busy when above" metric. A missing or non-finite reading is activity (fail safe):
 * `NaN > threshold` is false, so without this a broken reading would look idle.
 */
function above(
  metric: MetricName,
  value: number | null,
  threshold: number,
  unit: string,
  sample: Sample,
): Blocker | null {
  if (sample.unreadable.includes(metric) || value === null || !Number.isFinite(value)) {
    return unreadable(metric, threshold);
  }
  if (value <= threshold) return null;
  return {
    metric,
    value,
    threshold,
    reason: `${LABELS[metric]} ${value.toFixed(1)}${unit} (threshold ${String(threshold)}${unit})`,
  };
}

/** The metrics keeping the instance awake; empty means this sample is idle. */
export function blockersOf(sample: Sample, cfg: PolicyConfig): Blocker[] {
  const th = cfg.thresholds;
  const out: (Blocker | null)[] = [
    above('cpu', sample.cpu_percent, th.cpu_percent, ' %', sample),
    above('memory', sample.memory_percent, th.memory_percent, ' %', sample),
    above('network', sample.network_kbps, th.network_kbps, ` ${RATE_UNIT}`, sample),
    above('disk_io', sample.disk_io_kbps, th.disk_io_kbps, ` ${RATE_UNIT}`, sample),
  ];
  if (cfg.gpuEnabled) {
    // gpu_count 0 with a null reading is "no GPU here"; the sampler lists 'gpu' as unreadable when the tool failed.
    if (sample.unreadable.includes('gpu')) out.push(unreadable('gpu', th.gpu_percent));
    else if (sample.gpu_count > 0) out.push(...gpuBlockers(sample, th));
  }
  out.push(inputBlocker(sample, th.input_idle_secs));
  for (const k of sample.keep_awake) out.push({ metric: k.kind, value: null, threshold: null, reason: k.reason });
  return out.filter((b): b is Blocker => b !== null);
}

/** The busiest card decides; the words name it when there are several. */
function gpuBlockers(sample: Sample, th: PolicyConfig['thresholds']): (Blocker | null)[] {
  const util = above('gpu', sample.gpu_percent, th.gpu_percent, ' %', sample);
  const which = (pick: (c: Sample['gpu_cards'][number]) => number | null) => {
    if (sample.gpu_count < 2 || !sample.gpu_cards.length) return '';
    let best = 0;
    sample.gpu_cards.forEach((c, i) => {
      if ((pick(c) ?? -1) > (pick(sample.gpu_cards[best]!) ?? -1)) best = i;
    });
    return ` on card ${best} of ${sample.gpu_count}`;
  };
  if (util && util.value !== null) util.reason = util.reason.replace(/^GPU ([\d.]+ %)/, `GPU $1${which((c) => c.util_percent)}`);
  const memTh = th.gpu_memory_percent;
  const mem = sample.gpu_memory_percent;
  if (memTh === null || mem === null || mem <= memTh) return [util];
  return [
    util,
    { metric: 'gpu', value: mem, threshold: memTh, reason: `GPU memory ${mem.toFixed(1)} % in use${which((c) => c.memory_percent)} (threshold ${String(memTh)} %)` },
  ];
}

function inputBlocker(sample: Sample, threshold: number): Blocker | null {
  if (sample.unreadable.includes('input')) return unreadable('input', threshold);
  const v = sample.input_idle_secs;
  // null and not unreadable: this host has no input source (headless), which is not activity.
  if (v === null) return null;
  if (!Number.isFinite(v)) return unreadable('input', threshold);
  if (v >= threshold) return null;
  return {
    metric: 'input',
    value: v,
    threshold,
    reason: `Input ${Math.floor(Math.max(0, v))} s ago (threshold ${String(threshold)} s)`,
  };
}

/**
 * How long before the stop the warning comes. A warning as long as the naptime would make
 * every countdown start as a final warning, so a default (or schedule-shortened naptime)
 * that leaves no room gives half the naptime instead; an explicit one is refused upstream.
 */
export function warningLeadMs(cfg: Pick<PolicyConfig, 'warningMs' | 'naptimeMs'>): number {
  return cfg.warningMs < cfg.naptimeMs ? cfg.warningMs : cfg.naptimeMs / 2;
}

/** After a stay-awake ends the user gets at least this long between the warning and the stop. */
function resumeWindowMs(cfg: PolicyConfig): number {
  return warningLeadMs(cfg);
}

function maxOf(a: number | null, b: number): number {
  return a === null ? b : Math.max(a, b);
}

/** Drop holds that have run out; a stay-awake that ended opens a fresh warning window. */
function expireHolds(state: PolicyState, now: number, cfg: PolicyConfig): PolicyState {
  let s = state;
  const sa = s.holds.stayAwake;
  if (sa !== null && sa.until !== null && sa.until <= now) {
    s = {
      ...s,
      warnedAt: null,
      notBefore: maxOf(s.notBefore, now + resumeWindowMs(cfg)),
      holds: { ...s.holds, stayAwake: null },
    };
  }
  const pu = s.holds.postponedUntil;
  if (pu !== null && pu <= now) s = { ...s, holds: { ...s.holds, postponedUntil: null } };
  return s;
}

/** When the stop is due if nothing changes; null while not idle. May lie in the past (see decide). */
function rawStopAt(s: PolicyState, cfg: PolicyConfig): number | null {
  if (s.idleSince === null) return null;
  let at = s.idleSince + cfg.naptimeMs;
  if (s.holds.postponedUntil !== null) at = Math.max(at, s.holds.postponedUntil);
  if (s.notBefore !== null) at = Math.max(at, s.notBefore);
  return at;
}

function countdownStatus(s: PolicyState, now: number): PolicyStatus {
  if (s.warnedAt !== null) return 'warning';
  if (s.holds.postponedUntil !== null && now < s.holds.postponedUntil) return 'postponed';
  return 'idle';
}

/**
 * One step of the idle decision, called once per sample.
 * Stops only when idle continuously for the naptime, no hold is active, past any postpone or
 * post-hold window, and a warning was given at an earlier sample.
 */
export function decide(state: PolicyState, sample: Sample, now: number, cfg: PolicyConfig): Decision {
  const blockers = blockersOf(sample, cfg);
  let s = expireHolds(state, now, cfg);
  const stayAwake = s.holds.stayAwake !== null;

  if (blockers.length > 0) {
    // A warned countdown that activity ends is cancelled once: the next sample finds warnedAt cleared.
    const cancel = s.warnedAt !== null && !stayAwake;
    // notBefore only matters inside an idle run; a new run starts a full naptime later anyway.
    s = { ...s, idleSince: null, warnedAt: null, notBefore: null };
    return { state: s, status: stayAwake ? 'stay_awake' : 'active', blockers, stopAt: null, action: cancel ? 'cancel' : 'none' };
  }

  s = { ...s, idleSince: s.idleSince ?? now };
  if (stayAwake) {
    // Idle time keeps counting under the hold; only the warning and the stop wait.
    return { state: { ...s, warnedAt: null }, status: 'stay_awake', blockers, stopAt: null, action: 'none' };
  }

  const stopAt = rawStopAt(s, cfg) as number;
  // A warning given for an earlier, sooner stop time (the naptime was raised) no longer tells the truth.
  if (s.warnedAt !== null && now < stopAt - warningLeadMs(cfg)) s = { ...s, warnedAt: null };

  if (s.warnedAt !== null && s.warnedAt < now && now >= stopAt) {
    return { state: s, status: 'warning', blockers, stopAt: now, action: 'stop' };
  }
  if (s.warnedAt === null && now >= stopAt - warningLeadMs(cfg)) {
    // Even when the stop time has passed already, the stop waits for the next sample: always warn first.
    s = { ...s, warnedAt: now };
    return { state: s, status: 'warning', blockers, stopAt: Math.max(stopAt, now), action: 'warn' };
  }
  return { state: s, status: countdownStatus(s, now), blockers, stopAt: Math.max(stopAt, now), action: 'none' };
}

function checkMinutes(what: string, minutes: number): void {
  if (typeof minutes !== 'number' || !Number.isFinite(minutes) || minutes <= 0) {
    throw new RangeError(`${what} minutes must be a positive number (got ${String(minutes)})`);
  }
}

/**
 * Push the stop out to at least now + minutes. A postpone never brings the stop closer, and it
 * clears a given warning so the user is warned again before the new stop time.
 */
export function postpone(state: PolicyState, minutes: number, now: number, _cfg: PolicyConfig): PolicyState {
  checkMinutes('postpone', minutes);
  const until = now + minutes * MINUTE_MS;
  return {
    ...state,
    warnedAt: null,
    holds: { ...state.holds, postponedUntil: maxOf(state.holds.postponedUntil, until) },
  };
}

/** Keep the instance awake for `minutes`, or until released when minutes is undefined. The latest request wins. */
export function stayAwake(state: PolicyState, minutes: number | undefined, reason: string, now: number): PolicyState {
  if (minutes !== undefined) checkMinutes('stay-awake', minutes);
  const until = minutes === undefined ? null : now + minutes * MINUTE_MS;
  return { ...state, warnedAt: null, holds: { ...state.holds, stayAwake: { until, reason } } };
}

/**
 * Drop every hold. Idle time is kept, but the stop waits at least a warning window (capped at the
 * naptime) so releasing a hold never stops the instance without a fresh warning.
 */
export function release(state: PolicyState, now: number, cfg: PolicyConfig): PolicyState {
  const { postponedUntil, stayAwake: sa } = state.holds;
  if (postponedUntil === null && sa === null) return state;
  return {
    ...state,
    warnedAt: null,
    notBefore: maxOf(state.notBefore, now + resumeWindowMs(cfg)),
    holds: { postponedUntil: null, stayAwake: null },
  };
}

/** After a stop, dry_run_stop or stop_failed: the idle timer starts again from the next idle sample. */
export function afterAction(state: PolicyState, _now: number): PolicyState {
  return { ...state, idleSince: null, warnedAt: null, notBefore: null };
}

/**
 * Status between samples (e.g. the reply to POSTPONE): what decide() would report for an idle
 * sample now, without warning or stopping. Blockers need a sample, so an active state stays active.
 */
export function statusOf(state: PolicyState, now: number, cfg: PolicyConfig): { status: PolicyStatus; stopAt: number | null } {
  let s = expireHolds(state, now, cfg);
  if (s.holds.stayAwake !== null) return { status: 'stay_awake', stopAt: null };
  const stopAt = rawStopAt(s, cfg);
  if (stopAt === null) return { status: 'active', stopAt: null };
  if (s.warnedAt !== null && now < stopAt - warningLeadMs(cfg)) s = { ...s, warnedAt: null };
  return { status: countdownStatus(s, now), stopAt: Math.max(stopAt, now) };
}
