/** The idle decision with a fake clock: every time is a plain number of epoch milliseconds. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type Config } from '../../contract/config-schema.js';
import {
  afterAction,
  blockersOf,
  decide,
  initialPolicyState,
  policyConfigFrom,
  postpone,
  release,
  statusOf,
  stayAwake,
} from '../../agent/policy.js';
import type { Decision, PolicyConfig, PolicyState } from '../../agent/policy-types.js';
import type { Sample } from '../../contract/protocol.js';

const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);
const S = 1000;
const MIN = 60_000;

function cfgOf(over: Partial<Config> = {}): PolicyConfig {
  return policyConfigFrom({ ...DEFAULT_CONFIG, ...over });
}

/** Every metric comfortably below the default thresholds; no GPU, no input source. */
function sample(t: number, over: Partial<Sample> = {}): Sample {
  return {
    t,
    cpu_percent: 1,
    memory_percent: 10,
    network_kbps: 1,
    disk_io_kbps: 1,
    gpu_percent: null,
    gpu_memory_percent: null,
    gpu_count: 0,
    gpu_cards: [],
    input_idle_secs: null,
    unreadable: [],
    keep_awake: [],
    ...over,
  };
}

const busy = (t: number): Sample => sample(t, { cpu_percent: 90 });

interface Step {
  t: number;
  d: Decision;
}

/** Drive decide() like the daemon: one call per sample, afterAction after a stop. */
function drive(
  state: PolicyState,
  cfg: PolicyConfig,
  times: number[],
  make: (t: number) => Sample = (t) => sample(t),
): { state: PolicyState; steps: Step[] } {
  const steps: Step[] = [];
  let s = state;
  for (const t of times) {
    const d = decide(s, make(t), t, cfg);
    steps.push({ t, d });
    s = d.action === 'stop' ? afterAction(d.state, t) : d.state;
  }
  return { state: s, steps };
}

function every(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let t = from; t <= to; t += step) out.push(t);
  return out;
}

const actionsAt = (steps: Step[], action: string): number[] =>
  steps.filter((x) => x.d.action === action).map((x) => x.t);

/** Deep-freeze so a mutation of the input state throws. */
function frozen<T>(v: T): T {
  if (v !== null && typeof v === 'object') {
    for (const k of Object.keys(v)) frozen((v as Record<string, unknown>)[k]);
    Object.freeze(v);
  }
  return v;
}

describe('policyConfigFrom', () => {
  it('turns minutes into milliseconds and maps every threshold', () => {
    const c = cfgOf({
      naptime_minutes: 0.05,
      warning_minutes: 2,
      cpu_threshold_percent: 11,
      memory_threshold_percent: 22,
      network_threshold_kbps: 33,
      disk_io_threshold_kbps: 44,
      input_idle_threshold_secs: 55,
      gpu_threshold_percent: 66,
      gpu_monitoring_enabled: false,
    });
    expect(c).toEqual({
      naptimeMs: 3000,
      warningMs: 120_000,
      thresholds: {
        cpu_percent: 11,
        memory_percent: 22,
        network_kbps: 33,
        disk_io_kbps: 44,
        input_idle_secs: 55,
        gpu_percent: 66,
        gpu_memory_percent: null,
      },
      gpuEnabled: false,
    });
  });
});

describe('blockersOf', () => {
  const cfg = cfgOf();

  it('a sample exactly at every threshold is idle', () => {
    const s = sample(T0, {
      cpu_percent: 10,
      memory_percent: 30,
      network_kbps: 50,
      disk_io_kbps: 100,
      gpu_percent: 5,
      gpu_count: 1,
      gpu_cards: [],
      input_idle_secs: 900,
    });
    expect(blockersOf(s, cfg)).toEqual([]);
  });

  it('names each metric above its threshold with a human reason', () => {
    const s = sample(T0, {
      cpu_percent: 43,
      memory_percent: 55.25,
      network_kbps: 120.5,
      disk_io_kbps: 300,
      gpu_percent: 12,
      gpu_count: 2,
      gpu_cards: [],
      input_idle_secs: 12.7,
    });
    expect(blockersOf(s, cfg)).toEqual([
      { metric: 'cpu', value: 43, threshold: 10, reason: 'CPU 43.0 % (threshold 10 %)' },
      { metric: 'memory', value: 55.25, threshold: 30, reason: 'Memory 55.3 % (threshold 30 %)' },
      { metric: 'network', value: 120.5, threshold: 50, reason: 'Network 120.5 KB/s (threshold 50 KB/s)' },
      { metric: 'disk_io', value: 300, threshold: 100, reason: 'Disk I/O 300.0 KB/s (threshold 100 KB/s)' },
      { metric: 'gpu', value: 12, threshold: 5, reason: 'GPU 12.0 % (threshold 5 %)' },
      { metric: 'input', value: 12.7, threshold: 900, reason: 'Input 12 s ago (threshold 900 s)' },
    ]);
  });

  it('an unreadable metric blocks even when its value looks idle', () => {
    const b = blockersOf(sample(T0, { cpu_percent: 0, unreadable: ['cpu'] }), cfg);
    expect(b).toEqual([
      { metric: 'cpu', value: null, threshold: 10, reason: 'CPU could not be read (counts as activity)' },
    ]);
  });

  it('a null or NaN core reading blocks (fail safe)', () => {
    expect(blockersOf(sample(T0, { network_kbps: null }), cfg).map((b) => b.metric)).toEqual(['network']);
    expect(blockersOf(sample(T0, { disk_io_kbps: Number.NaN }), cfg).map((b) => [b.metric, b.value])).toEqual([
      ['disk_io', null],
    ]);
  });

  it('an absent input source does not block; unreadable input does', () => {
    expect(blockersOf(sample(T0, { input_idle_secs: null }), cfg)).toEqual([]);
    expect(blockersOf(sample(T0, { input_idle_secs: null, unreadable: ['input'] }), cfg)).toEqual([
      { metric: 'input', value: null, threshold: 900, reason: 'Input could not be read (counts as activity)' },
    ]);
  });

  it('recent input is activity, input at the threshold is not', () => {
    expect(blockersOf(sample(T0, { input_idle_secs: 899 }), cfg).map((b) => b.metric)).toEqual(['input']);
    expect(blockersOf(sample(T0, { input_idle_secs: 900 }), cfg)).toEqual([]);
  });

  it('GPU: no GPU does not block, a failed read or a null reading with GPUs present does', () => {
    expect(blockersOf(sample(T0, { gpu_count: 0, gpu_percent: null }), cfg)).toEqual([]);
    expect(blockersOf(sample(T0, { gpu_count: 0, unreadable: ['gpu'] }), cfg)).toEqual([
      { metric: 'gpu', value: null, threshold: 5, reason: 'GPU could not be read (counts as activity)' },
    ]);
    expect(blockersOf(sample(T0, { gpu_count: 1, gpu_percent: null }), cfg).map((b) => b.metric)).toEqual(['gpu']);
  });

  it('GPU: the busiest card is named; memory in use counts only when its threshold is set', () => {
    const cards = [
      { util_percent: 0, memory_percent: 0 },
      { util_percent: 18, memory_percent: 87.5 },
      { util_percent: 0, memory_percent: 0 },
      { util_percent: 0, memory_percent: 0 },
    ];
    const busyOne = sample(T0, { gpu_count: 4, gpu_percent: 18, gpu_memory_percent: 87.5, gpu_cards: cards });
    expect(blockersOf(busyOne, cfg)).toEqual([{ metric: 'gpu', value: 18, threshold: 5, reason: 'GPU 18.0 % on card 1 of 4 (threshold 5 %)' }]);
    // Cached memory on an idle card: idle by default (a finished notebook must not pin the box).
    const cached = sample(T0, { gpu_count: 4, gpu_percent: 0, gpu_memory_percent: 87.5, gpu_cards: cards.map((c) => ({ ...c, util_percent: 0 })) });
    expect(blockersOf(cached, cfg)).toEqual([]);
    const withMem = cfgOf({ gpu_memory_threshold_percent: 50 });
    expect(blockersOf(cached, withMem)).toEqual([
      { metric: 'gpu', value: 87.5, threshold: 50, reason: 'GPU memory 87.5 % in use on card 1 of 4 (threshold 50 %)' },
    ]);
    // One card: no card number.
    expect(blockersOf(sample(T0, { gpu_count: 1, gpu_percent: 40, gpu_cards: [{ util_percent: 40, memory_percent: 1 }] }), cfg)[0]!.reason).toBe(
      'GPU 40.0 % (threshold 5 %)',
    );
  });

  it('GPU monitoring disabled ignores the GPU, busy or unreadable', () => {
    const off = cfgOf({ gpu_monitoring_enabled: false });
    expect(blockersOf(sample(T0, { gpu_count: 4, gpu_percent: 99 }), off)).toEqual([]);
    expect(blockersOf(sample(T0, { gpu_count: 4, gpu_percent: null, unreadable: ['gpu'] }), off)).toEqual([]);
  });
});

describe('decide: idle timer and the warning', () => {
  it('the first idle sample starts the timer; status idle with the stop time', () => {
    const cfg = cfgOf({ naptime_minutes: 30, warning_minutes: 5 });
    const d = decide(initialPolicyState(), sample(T0), T0, cfg);
    expect(d.state.idleSince).toBe(T0);
    expect(d).toMatchObject({ status: 'idle', action: 'none', stopAt: T0 + 30 * MIN, blockers: [] });
  });

  it('warns warning_minutes before the naptime and stops at the naptime', () => {
    const cfg = cfgOf({ naptime_minutes: 30, warning_minutes: 5 });
    const { steps } = drive(initialPolicyState(), cfg, every(T0, T0 + 30 * MIN, MIN));
    expect(actionsAt(steps, 'warn')).toEqual([T0 + 25 * MIN]);
    expect(actionsAt(steps, 'stop')).toEqual([T0 + 30 * MIN]);
    expect(steps.find((x) => x.t === T0 + 24 * MIN)?.d.status).toBe('idle');
    expect(steps.find((x) => x.t === T0 + 26 * MIN)?.d).toMatchObject({ status: 'warning', stopAt: T0 + 30 * MIN });
  });

  it('any sample with a blocker resets the timer and clears the warning', () => {
    const cfg = cfgOf({ naptime_minutes: 30, warning_minutes: 5 });
    let s = drive(initialPolicyState(), cfg, every(T0, T0 + 26 * MIN, MIN)).state;
    expect(s.warnedAt).toBe(T0 + 25 * MIN);
    const d = decide(s, busy(T0 + 27 * MIN), T0 + 27 * MIN, cfg);
    expect(d).toMatchObject({ status: 'active', action: 'cancel', stopAt: null });
    expect(d.blockers.map((b) => b.metric)).toEqual(['cpu']);
    expect(d.state).toMatchObject({ idleSince: null, warnedAt: null });
    s = d.state;
    const after = drive(s, cfg, every(T0 + 28 * MIN, T0 + 60 * MIN, MIN));
    expect(actionsAt(after.steps, 'warn')).toEqual([T0 + 53 * MIN]);
    expect(actionsAt(after.steps, 'stop')).toEqual([T0 + 58 * MIN]);
  });

  it('fractional naptime (0.05 min) under the default (longer) warning: warns half-way, stops at 3 s', () => {
    const cfg = cfgOf({ naptime_minutes: 0.05, warning_minutes: 5 });
    const { steps } = drive(initialPolicyState(), cfg, every(T0, T0 + 5 * S, S));
    // A warning as long as the naptime would make every countdown a final warning (issue 12).
    expect(actionsAt(steps, 'warn')).toEqual([T0 + 2 * S]);
    expect(actionsAt(steps, 'stop')).toEqual([T0 + 3 * S]);
    expect(steps[0]?.d).toMatchObject({ status: 'idle', stopAt: T0 + 3 * S });
  });

  it('warning_minutes 0: the stop waits one sample after the warning', () => {
    const cfg = cfgOf({ naptime_minutes: 1, warning_minutes: 0 });
    const { steps } = drive(initialPolicyState(), cfg, every(T0, T0 + 3 * MIN, 30 * S));
    expect(actionsAt(steps, 'warn')).toEqual([T0 + MIN, T0 + 3 * MIN]);
    expect(actionsAt(steps, 'stop')).toEqual([T0 + MIN + 30 * S]);
    // The stop time has passed when the warning is given: it is reported as "now", never in the past.
    expect(steps.find((x) => x.t === T0 + MIN)?.d.stopAt).toBe(T0 + MIN);
  });

  it('a warning window shorter than the sample interval still warns first', () => {
    const cfg = cfgOf({ naptime_minutes: 1.5, warning_minutes: 0.1 });
    const { steps } = drive(initialPolicyState(), cfg, every(T0, T0 + 4 * MIN, MIN));
    expect(actionsAt(steps, 'warn')).toEqual([T0 + 2 * MIN]);
    expect(actionsAt(steps, 'stop')).toEqual([T0 + 3 * MIN]);
  });

  it('a repeated sample at the warning time does not stop', () => {
    const cfg = cfgOf({ naptime_minutes: 1, warning_minutes: 0 });
    const s = drive(initialPolicyState(), cfg, [T0, T0 + MIN]).state;
    expect(s.warnedAt).toBe(T0 + MIN);
    expect(decide(s, sample(T0 + MIN), T0 + MIN, cfg).action).toBe('none');
  });

  it('a warning for a sooner stop is withdrawn when the naptime is raised', () => {
    const short = cfgOf({ naptime_minutes: 10, warning_minutes: 5 });
    const s = drive(initialPolicyState(), short, every(T0, T0 + 6 * MIN, MIN)).state;
    expect(s.warnedAt).toBe(T0 + 5 * MIN);
    const long = cfgOf({ naptime_minutes: 60, warning_minutes: 5 });
    const d = decide(s, sample(T0 + 7 * MIN), T0 + 7 * MIN, long);
    expect(d).toMatchObject({ status: 'idle', action: 'none', stopAt: T0 + 60 * MIN });
    expect(d.state.warnedAt).toBeNull();
  });

  it('does not mutate the state it is given', () => {
    const cfg = cfgOf({ naptime_minutes: 1, warning_minutes: 1 });
    const s0 = frozen(stayAwake(initialPolicyState(), 1, 'x', T0));
    expect(() => decide(s0, sample(T0 + 2 * MIN), T0 + 2 * MIN, cfg)).not.toThrow();
    expect(() => postpone(s0, 5, T0, cfg)).not.toThrow();
    expect(() => release(s0, T0, cfg)).not.toThrow();
  });
});

describe('afterAction', () => {
  it('restarts the idle timer from the next idle sample and keeps holds', () => {
    const cfg = cfgOf({ naptime_minutes: 2, warning_minutes: 1 });
    const held = postpone({ ...initialPolicyState(), idleSince: T0, warnedAt: T0, notBefore: T0 }, 60, T0, cfg);
    const s = afterAction(held, T0 + MIN);
    expect(s).toEqual({ idleSince: null, warnedAt: null, notBefore: null, holds: held.holds });
  });

  it('after a stop the next stop needs a whole new naptime and warning', () => {
    const cfg = cfgOf({ naptime_minutes: 2, warning_minutes: 1 });
    const { steps } = drive(initialPolicyState(), cfg, every(T0, T0 + 10 * MIN, MIN));
    expect(actionsAt(steps, 'warn')).toEqual([T0 + MIN, T0 + 4 * MIN, T0 + 7 * MIN, T0 + 10 * MIN]);
    expect(actionsAt(steps, 'stop')).toEqual([T0 + 2 * MIN, T0 + 5 * MIN, T0 + 8 * MIN]);
  });
});

describe('postpone', () => {
  const cfg = cfgOf({ naptime_minutes: 30, warning_minutes: 5 });

  it('during the warning: clears it, status postponed, a fresh warning before the new stop', () => {
    let s = drive(initialPolicyState(), cfg, every(T0, T0 + 26 * MIN, MIN)).state;
    expect(statusOf(s, T0 + 26 * MIN + 30 * S, cfg).status).toBe('warning');
    const now = T0 + 26 * MIN + 30 * S;
    s = postpone(s, 10, now, cfg);
    expect(s.warnedAt).toBeNull();
    expect(s.holds.postponedUntil).toBe(now + 10 * MIN);
    expect(statusOf(s, now, cfg)).toEqual({ status: 'postponed', stopAt: now + 10 * MIN });
    const { steps } = drive(s, cfg, every(T0 + 27 * MIN, T0 + 40 * MIN, MIN));
    expect(steps[0]?.d).toMatchObject({ status: 'postponed', action: 'none', stopAt: now + 10 * MIN });
    // New stop 36:30; warning due from 31:30, so the 32:00 sample warns and 37:00 stops.
    expect(actionsAt(steps, 'warn')).toEqual([T0 + 32 * MIN]);
    expect(actionsAt(steps, 'stop')).toEqual([T0 + 37 * MIN]);
    expect(steps.some((x) => x.d.action === 'stop' && x.t < now + 10 * MIN)).toBe(false);
  });

  it('never brings the stop closer: a shorter second postpone keeps the longer one', () => {
    let s = postpone(initialPolicyState(), 60, T0, cfg);
    s = postpone(s, 5, T0 + MIN, cfg);
    expect(s.holds.postponedUntil).toBe(T0 + 60 * MIN);
  });

  it('a postpone beyond the naptime delays the stop to the postpone time', () => {
    const s = postpone(initialPolicyState(), 45, T0, cfg);
    const { steps } = drive(s, cfg, every(T0, T0 + 50 * MIN, MIN));
    expect(actionsAt(steps, 'warn')).toEqual([T0 + 40 * MIN]);
    expect(actionsAt(steps, 'stop')).toEqual([T0 + 45 * MIN]);
    expect(steps[0]?.d).toMatchObject({ status: 'postponed', stopAt: T0 + 45 * MIN });
  });

  it('while active the status stays active; the expired postpone is dropped by decide', () => {
    const s = postpone(initialPolicyState(), 1, T0, cfg);
    const d1 = decide(s, busy(T0 + 30 * S), T0 + 30 * S, cfg);
    expect(d1.status).toBe('active');
    expect(d1.state.holds.postponedUntil).toBe(T0 + MIN);
    const d2 = decide(d1.state, sample(T0 + MIN), T0 + MIN, cfg);
    expect(d2.state.holds.postponedUntil).toBeNull();
    expect(d2.status).toBe('idle');
  });

  it('refuses a non-positive or non-numeric number of minutes', () => {
    expect(() => postpone(initialPolicyState(), 0, T0, cfg)).toThrow(/positive/);
    expect(() => postpone(initialPolicyState(), -5, T0, cfg)).toThrow(/positive/);
    expect(() => postpone(initialPolicyState(), Number.NaN, T0, cfg)).toThrow(/positive/);
  });
});

describe('stay-awake', () => {
  const cfg = cfgOf({ naptime_minutes: 30, warning_minutes: 5 });

  it('without minutes: no warning and no stop however long it is idle; blockers still reported', () => {
    const s = stayAwake(initialPolicyState(), undefined, 'training run', T0);
    expect(s.holds.stayAwake).toEqual({ until: null, reason: 'training run' });
    const { steps, state } = drive(s, cfg, every(T0, T0 + 10 * 60 * MIN, 5 * MIN));
    expect(steps.every((x) => x.d.action === 'none' && x.d.status === 'stay_awake' && x.d.stopAt === null)).toBe(true);
    expect(state.idleSince).toBe(T0);
    const d = decide(state, busy(T0 + 11 * 60 * MIN), T0 + 11 * 60 * MIN, cfg);
    expect(d.status).toBe('stay_awake');
    expect(d.blockers.map((b) => b.reason)).toEqual(['CPU 90.0 % (threshold 10 %)']);
    expect(statusOf(state, T0 + 11 * 60 * MIN, cfg)).toEqual({ status: 'stay_awake', stopAt: null });
  });

  it('during the warning: wins at once, the warning is cleared', () => {
    let s = drive(initialPolicyState(), cfg, every(T0, T0 + 29 * MIN, MIN)).state;
    expect(s.warnedAt).not.toBeNull();
    s = stayAwake(s, undefined, 'wait', T0 + 29 * MIN + 59 * S);
    expect(s.warnedAt).toBeNull();
    const d = decide(s, sample(T0 + 30 * MIN), T0 + 30 * MIN, cfg);
    expect(d).toMatchObject({ status: 'stay_awake', action: 'none', stopAt: null });
  });

  it('with minutes: expiry is seen by decide, idle time is kept, and a warning window comes before the stop', () => {
    const s = stayAwake(initialPolicyState(), 60, 'meeting', T0);
    expect(s.holds.stayAwake).toEqual({ until: T0 + 60 * MIN, reason: 'meeting' });
    const { steps } = drive(s, cfg, every(T0, T0 + 70 * MIN, MIN));
    const at60 = steps.find((x) => x.t === T0 + 60 * MIN)?.d;
    expect(steps.filter((x) => x.t < T0 + 60 * MIN).every((x) => x.d.status === 'stay_awake')).toBe(true);
    // Idle for an hour already, so the warning comes at once and the stop a full warning window later.
    expect(at60?.state.holds.stayAwake).toBeNull();
    expect(at60?.state.idleSince).toBe(T0);
    expect(at60).toMatchObject({ action: 'warn', status: 'warning', stopAt: T0 + 65 * MIN });
    expect(actionsAt(steps, 'stop')).toEqual([T0 + 65 * MIN]);
  });

  it('statusOf sees an expired stay-awake between samples', () => {
    const s = stayAwake({ ...initialPolicyState(), idleSince: T0 }, 60, 'x', T0);
    expect(statusOf(s, T0 + 59 * MIN, cfg).status).toBe('stay_awake');
    expect(statusOf(s, T0 + 61 * MIN, cfg)).toEqual({ status: 'idle', stopAt: T0 + 66 * MIN });
  });

  it('refuses bad minutes', () => {
    expect(() => stayAwake(initialPolicyState(), 0, 'x', T0)).toThrow(/stay-awake minutes must be a positive number/);
  });
});

describe('release', () => {
  it('resumes the countdown with idle time kept and a warning window before the stop', () => {
    const cfg = cfgOf({ naptime_minutes: 30, warning_minutes: 5 });
    const held = drive(stayAwake(initialPolicyState(), undefined, 'x', T0), cfg, every(T0, T0 + 120 * MIN, MIN)).state;
    const r = T0 + 120 * MIN + 10 * S;
    const s = release(held, r, cfg);
    expect(s).toEqual({
      idleSince: T0,
      warnedAt: null,
      notBefore: r + 5 * MIN,
      holds: { postponedUntil: null, stayAwake: null },
    });
    expect(statusOf(s, r, cfg)).toEqual({ status: 'idle', stopAt: r + 5 * MIN });
    const { steps } = drive(s, cfg, every(T0 + 121 * MIN, T0 + 130 * MIN, MIN));
    expect(actionsAt(steps, 'warn')).toEqual([T0 + 121 * MIN]);
    expect(actionsAt(steps, 'stop')).toEqual([T0 + 126 * MIN]);
  });

  it('the window is half the naptime when the (default) warning is not shorter than it', () => {
    const cfg = cfgOf({ naptime_minutes: 2, warning_minutes: 10 });
    const s = release(stayAwake({ ...initialPolicyState(), idleSince: T0 }, undefined, 'x', T0), T0 + 60 * MIN, cfg);
    expect(s.notBefore).toBe(T0 + 61 * MIN);
  });

  it('also clears a postpone', () => {
    const cfg = cfgOf();
    const s = release(postpone(stayAwake(initialPolicyState(), 5, 'x', T0), 30, T0, cfg), T0 + MIN, cfg);
    expect(s.holds).toEqual({ postponedUntil: null, stayAwake: null });
  });

  it('with no hold it changes nothing (an idle countdown keeps its warning)', () => {
    const cfg = cfgOf();
    const s: PolicyState = { ...initialPolicyState(), idleSince: T0, warnedAt: T0 + MIN };
    expect(release(s, T0 + 2 * MIN, cfg)).toBe(s);
  });
});

describe('statusOf', () => {
  const cfg = cfgOf({ naptime_minutes: 30, warning_minutes: 5 });

  it('active when the last sample was busy', () => {
    expect(statusOf(initialPolicyState(), T0, cfg)).toEqual({ status: 'active', stopAt: null });
  });

  it('agrees with the decision made at the same time', () => {
    const { steps } = drive(initialPolicyState(), cfg, every(T0, T0 + 29 * MIN, MIN));
    for (const { t, d } of steps) expect(statusOf(d.state, t, cfg)).toEqual({ status: d.status, stopAt: d.stopAt });
  });
});

describe('one warning per idle spell, one cancellation per warned spell', () => {
  // The case, made valid: naptime 1 min, warning 20 s, a sample every 5 s, short spikes.
  const cfg = cfgOf({ naptime_minutes: 1, warning_minutes: 20 / 60 });
  const spikes = new Set([T0 + 45 * S, T0 + 50 * S, T0 + 60 * S, T0 + 2 * MIN + 30 * S]);
  const make = (t: number) => (spikes.has(t) ? busy(t) : sample(t));

  it('warns once at warning_minutes before the stop, and a spike after the warning cancels once', () => {
    const { steps } = drive(initialPolicyState(), cfg, every(T0, T0 + 4 * MIN, 5 * S), make);
    // Spell 1 (0-45 s): warned at 40 s, cancelled by the 45 s spike. Spell 2 (55 s) is under 40 s
    // long before the 60 s spike: no warning, no cancellation. Spell 3 (65 s-): warned at 105 s,
    // stopped at 125 s. Spell 4 after the stop is cut by the 150 s spike before any warning; spell 5 warns at 195 s.
    expect(actionsAt(steps, 'warn')).toEqual([T0 + 40 * S, T0 + 105 * S, T0 + 3 * MIN + 15 * S]);
    expect(actionsAt(steps, 'cancel')).toEqual([T0 + 45 * S]);
    expect(actionsAt(steps, 'stop')).toEqual([T0 + 125 * S, T0 + 215 * S]);
    expect(steps.find((x) => x.d.action === 'cancel')!.d.blockers.map((b) => b.metric)).toEqual(['cpu']);
  });

  it('two busy samples in a row after a warning give one cancellation', () => {
    const s0 = drive(initialPolicyState(), cfg, every(T0, T0 + 40 * S, 5 * S)).state;
    expect(s0.warnedAt).toBe(T0 + 40 * S);
    const a = decide(s0, busy(T0 + 45 * S), T0 + 45 * S, cfg);
    const b = decide(a.state, busy(T0 + 50 * S), T0 + 50 * S, cfg);
    expect([a.action, b.action]).toEqual(['cancel', 'none']);
  });

  it('a stay-awake ending a warned countdown is a hold, not a cancellation by activity', () => {
    const s0 = drive(initialPolicyState(), cfg, every(T0, T0 + 40 * S, 5 * S)).state;
    const held = stayAwake(s0, undefined, 'meeting', T0 + 41 * S);
    expect(decide(held, busy(T0 + 45 * S), T0 + 45 * S, cfg).action).toBe('none');
  });

  it('never more than one warning between two activity samples, over random spike patterns', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 50; round++) {
      const busyAt = new Set(every(T0, T0 + 10 * MIN, 5 * S).filter(() => rnd() < 0.08));
      const { steps } = drive(initialPolicyState(), cfg, every(T0, T0 + 10 * MIN, 5 * S), (t) => (busyAt.has(t) ? busy(t) : sample(t)));
      let warned = 0;
      for (const { d } of steps) {
        if (d.action === 'warn') warned++;
        if (d.action === 'cancel') expect(warned).toBe(1);
        if (d.blockers.length || d.action === 'stop') warned = 0;
        expect(warned).toBeLessThanOrEqual(1);
      }
    }
  });
});
