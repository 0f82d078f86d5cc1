/**
 * The safety rules of the idle decision, checked over random sample sequences and holds.
 * An independent model tracks what the rules promise (when the instance was last busy, which
 * holds are in force, when the warning came) and every decision is checked against it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { afterAction, decide, initialPolicyState, postpone, release, statusOf, stayAwake, warningLeadMs } from '../../agent/policy.js';
import type { Decision, PolicyConfig, PolicyState } from '../../agent/policy-types.js';
import { KEEP_AWAKE_KINDS, METRIC_NAMES, type KeepAwakeKind, type MetricName, type Sample } from '../../contract/protocol.js';

const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);
const MIN = 60_000;

// ---------------------------------------------------------------------------
// Generators. Readings are fractions of the threshold, so they are independent of the random config:
// f <= 1 is at or below the threshold, f > 1 above it (even for a threshold of 0).

interface Spec {
  cpu: number;
  mem: number;
  net: number;
  disk: number;
  gpu: number;
  gpuCount: number;
  /** null = no input source; else multiples of the input threshold (>= 1 is idle). */
  input: number | null;
  unreadable: MetricName[];
  /** Active keep-awake sources (`snooze run`, a process, an inhibitor lock, a schedule window). */
  keepAwake: KeepAwakeKind[];
}

type Op =
  | { kind: 'samples'; items: { dt: number; spec: Spec }[] }
  | { kind: 'postpone'; dt: number; minutes: number }
  | { kind: 'stay'; dt: number; minutes: number | undefined }
  | { kind: 'release'; dt: number };

const low = fc.double({ min: 0, max: 1, noNaN: true });
const around = fc.oneof(
  { weight: 3, arbitrary: low },
  { weight: 1, arbitrary: fc.constant(1) },
  { weight: 3, arbitrary: fc.double({ min: 1, max: 2, noNaN: true }) },
);

const idleSpec: fc.Arbitrary<Spec> = fc.record({
  cpu: low,
  mem: low,
  net: low,
  disk: low,
  gpu: low,
  gpuCount: fc.integer({ min: 0, max: 2 }),
  input: fc.option(fc.double({ min: 1, max: 3, noNaN: true }), { nil: null }),
  unreadable: fc.constant([] as MetricName[]),
  keepAwake: fc.constant([] as KeepAwakeKind[]),
});

const someKeepAwake = fc.subarray([...KEEP_AWAKE_KINDS], { minLength: 1 });

const randomSpec: fc.Arbitrary<Spec> = fc.record({
  cpu: around,
  mem: around,
  net: around,
  disk: around,
  gpu: around,
  gpuCount: fc.integer({ min: 0, max: 2 }),
  input: fc.option(fc.double({ min: 0, max: 2, noNaN: true }), { nil: null }),
  unreadable: fc.oneof(
    { weight: 4, arbitrary: fc.constant([] as MetricName[]) },
    { weight: 1, arbitrary: fc.subarray([...METRIC_NAMES], { minLength: 1 }) },
  ),
  keepAwake: fc.oneof({ weight: 4, arbitrary: fc.constant([] as KeepAwakeKind[]) }, { weight: 1, arbitrary: someKeepAwake }),
});

/** Idle but for one metric near its threshold or unreadable: a rule that ignores one metric is caught. */
const oneOffSpec: fc.Arbitrary<Spec> = fc
  .record({
    base: idleSpec,
    metric: fc.constantFrom(...METRIC_NAMES),
    f: around,
    unreadable: fc.boolean(),
    gpuCount: fc.integer({ min: 0, max: 2 }),
  })
  .map(({ base, metric, f, unreadable, gpuCount }): Spec => {
    if (unreadable) return { ...base, unreadable: [metric] };
    const key = ({ cpu: 'cpu', memory: 'mem', network: 'net', disk_io: 'disk', gpu: 'gpu', input: 'input' } as const)[metric];
    // Input is idle at or above its threshold, so mirror the fraction around 1.
    if (key === 'input') return { ...base, input: 2 - f };
    return { ...base, [key]: f, gpuCount: key === 'gpu' ? gpuCount : base.gpuCount };
  });

/** Every metric idle, one keep-awake source active: a rule that ignores a source is caught. */
const keptSpec: fc.Arbitrary<Spec> = fc.record({ base: idleSpec, kinds: someKeepAwake }).map(({ base, kinds }) => ({ ...base, keepAwake: kinds }));

const anySpec: fc.Arbitrary<Spec> = fc.oneof(randomSpec, oneOffSpec, keptSpec);

/** Sample intervals 1..120 s, with millisecond jitter. */
const interval = fc.integer({ min: 1000, max: 120_000 });
/** Now and then the same timestamp twice (a clock that did not move): a warning must not turn into a stop at once. */
const intervalOrRepeat = fc.oneof({ weight: 20, arbitrary: interval }, { weight: 1, arbitrary: fc.constant(0) });
const holdDelay = fc.integer({ min: 0, max: 60_000 });
const minutes = fc.double({ min: 0.05, max: 30, noNaN: true });

const opArb: fc.Arbitrary<Op> = fc.oneof(
  // Long idle runs, so countdowns actually reach the naptime.
  {
    weight: 5,
    arbitrary: fc
      .array(fc.record({ dt: intervalOrRepeat, spec: idleSpec }), { minLength: 1, maxLength: 60 })
      .map((items) => ({ kind: 'samples' as const, items })),
  },
  {
    weight: 3,
    arbitrary: fc
      .array(fc.record({ dt: intervalOrRepeat, spec: anySpec }), { minLength: 1, maxLength: 3 })
      .map((items) => ({ kind: 'samples' as const, items })),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('postpone' as const), dt: holdDelay, minutes }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('stay' as const),
      dt: holdDelay,
      minutes: fc.option(minutes, { nil: undefined }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('release' as const), dt: holdDelay }) },
);

const cfgArb: fc.Arbitrary<PolicyConfig> = fc
  .record({
    naptimeMs: fc.integer({ min: 3000, max: 30 * MIN }),
    warningMs: fc.oneof(fc.constant(0), fc.integer({ min: 1000, max: 40 * MIN })),
    gpuEnabled: fc.boolean(),
    cpu: fc.integer({ min: 0, max: 100 }),
    mem: fc.integer({ min: 0, max: 100 }),
    net: fc.double({ min: 0, max: 1000, noNaN: true }),
    disk: fc.double({ min: 0, max: 1000, noNaN: true }),
    input: fc.integer({ min: 0, max: 1800 }),
    gpu: fc.integer({ min: 0, max: 100 }),
  })
  .map((r) => ({
    naptimeMs: r.naptimeMs,
    warningMs: r.warningMs,
    gpuEnabled: r.gpuEnabled,
    thresholds: {
      cpu_percent: r.cpu,
      memory_percent: r.mem,
      network_kbps: r.net,
      disk_io_kbps: r.disk,
      input_idle_secs: r.input,
      gpu_percent: r.gpu,
      gpu_memory_percent: null,
    },
  }));

function reading(f: number, threshold: number): number {
  return f <= 1 ? f * threshold : threshold + (f - 1) * (threshold + 10);
}

function toSample(spec: Spec, t: number, cfg: PolicyConfig): Sample {
  const th = cfg.thresholds;
  return {
    t,
    cpu_percent: reading(spec.cpu, th.cpu_percent),
    memory_percent: reading(spec.mem, th.memory_percent),
    network_kbps: reading(spec.net, th.network_kbps),
    disk_io_kbps: reading(spec.disk, th.disk_io_kbps),
    gpu_percent: spec.gpuCount > 0 ? reading(spec.gpu, th.gpu_percent) : null,
    gpu_memory_percent: null,
    gpu_count: spec.gpuCount,
    gpu_cards: [],
    input_idle_secs: spec.input === null ? null : spec.input * th.input_idle_secs,
    unreadable: spec.unreadable,
    keep_awake: spec.keepAwake.map((kind) => ({ kind, reason: `kept awake by a ${kind}` })),
  };
}

/** The rule, written independently of blockersOf: is anything in this sample activity? */
function isBusy(s: Sample, cfg: PolicyConfig): boolean {
  const th = cfg.thresholds;
  const bad = (m: MetricName) => s.unreadable.includes(m);
  const over = (v: number | null, limit: number) => v === null || v > limit;
  return (
    s.keep_awake.length > 0 ||
    bad('cpu') ||
    bad('memory') ||
    bad('network') ||
    bad('disk_io') ||
    bad('input') ||
    over(s.cpu_percent, th.cpu_percent) ||
    over(s.memory_percent, th.memory_percent) ||
    over(s.network_kbps, th.network_kbps) ||
    over(s.disk_io_kbps, th.disk_io_kbps) ||
    (cfg.gpuEnabled && (bad('gpu') || (s.gpu_count > 0 && over(s.gpu_percent, th.gpu_percent)))) ||
    (s.input_idle_secs !== null && s.input_idle_secs < th.input_idle_secs)
  );
}

// ---------------------------------------------------------------------------
// The model and the driver (what the daemon does: decide per sample, afterAction after a stop).

interface Model {
  now: number;
  lastBusyAt: number | null;
  /** First idle sample since the last busy sample or stop. */
  idleStart: number | null;
  /** Last warning since the last busy sample, stop, postpone or stay-awake. */
  warnAt: number | null;
  releasedSinceWarn: boolean;
  /** Highest postpone target since the last release. */
  postponedMax: number;
  /** undefined = no stay-awake; null = until released. */
  stayUntil: number | null | undefined;
  /** When the last stay-awake ended (expired or released). */
  stayEnd: number | null;
  stops: number[];
}

function newModel(): Model {
  return {
    now: T0,
    lastBusyAt: null,
    idleStart: null,
    warnAt: null,
    releasedSinceWarn: false,
    postponedMax: -Infinity,
    stayUntil: undefined,
    stayEnd: null,
    stops: [],
  };
}

const stayActive = (m: Model, t: number) => m.stayUntil === null || (m.stayUntil !== undefined && m.stayUntil > t);

class Driver {
  state: PolicyState = initialPolicyState();
  readonly m = newModel();
  constructor(readonly cfg: PolicyConfig) {}

  private warnedBefore = false;
  /** A release that dropped a hold also dropped the warning (the policy warns again before stopping). */
  private warningUndone = false;

  hold(op: Exclude<Op, { kind: 'samples' }>): void {
    const m = this.m;
    m.now += op.dt;
    const t = m.now;
    if (op.kind === 'postpone') {
      this.state = postpone(this.state, op.minutes, t, this.cfg);
      m.postponedMax = Math.max(m.postponedMax, t + op.minutes * MIN);
      m.warnAt = null;
    } else if (op.kind === 'stay') {
      this.state = stayAwake(this.state, op.minutes, 'property test', t);
      if (stayActive(m, t) === false && typeof m.stayUntil === 'number') m.stayEnd = m.stayUntil;
      m.stayUntil = op.minutes === undefined ? null : t + op.minutes * MIN;
      m.warnAt = null;
    } else {
      // A release with no hold in the state releases nothing: a given warning still stands.
      if (this.state.holds.postponedUntil !== null || this.state.holds.stayAwake !== null) this.warningUndone = true;
      this.state = release(this.state, t, this.cfg);
      if (m.stayUntil !== undefined) m.stayEnd = stayActive(m, t) ? t : (m.stayUntil as number);
      m.stayUntil = undefined;
      m.postponedMax = -Infinity;
      m.releasedSinceWarn = true;
    }
  }

  sample(dt: number, spec: Spec): Decision {
    const m = this.m;
    const cfg = this.cfg;
    m.now += dt;
    const t = m.now;
    const sample = toSample(spec, t, cfg);
    const busy = isBusy(sample, cfg);
    // A warning still standing (not undone by a release) is what activity cancels.
    this.warnedBefore = m.warnAt !== null && !this.warningUndone;
    if (typeof m.stayUntil === 'number' && m.stayUntil <= t) {
      m.stayEnd = m.stayUntil;
      m.stayUntil = undefined;
    }
    if (busy) {
      m.lastBusyAt = t;
      m.idleStart = null;
      m.warnAt = null;
    } else {
      m.idleStart ??= t;
    }

    const d = decide(this.state, sample, t, cfg);
    this.check(d, t, busy);
    if (d.action === 'stop') this.recheck(sample, t);

    if (d.action === 'warn') {
      m.warnAt = t;
      m.releasedSinceWarn = false;
      this.warningUndone = false;
    }
    if (d.action === 'stop') {
      m.stops.push(t);
      m.idleStart = null;
      m.warnAt = null;
      this.state = afterAction(d.state, t);
    } else {
      this.state = d.state;
    }
    return d;
  }

  /**
   * The final re-check before acting decides again on the same state with the keep-awake
   * sources read again: any one of them appearing in between must cancel the stop.
   */
  private recheck(sample: Sample, t: number): void {
    for (const kind of KEEP_AWAKE_KINDS) {
      const again = decide(this.state, { ...sample, keep_awake: [{ kind, reason: `a ${kind} since the sample` }] }, t, this.cfg);
      // 'cancel': the stop was warned, so the warned people are told it is off; never a stop.
      if (again.action !== 'cancel' || again.stopAt !== null || !again.blockers.some((b) => b.metric === kind)) {
        throw new Error(`the re-check stopped (or did not name the source) with a ${kind} active: ${JSON.stringify(again)}`);
      }
    }
  }

  /** Checked on every sample, so plain throws instead of expect(): thousands of samples per run. */
  private check(d: Decision, t: number, busy: boolean): void {
    const m = this.m;
    const { naptimeMs: N } = this.cfg;
    const W = warningLeadMs(this.cfg);
    const held = stayActive(m, t);
    const ok = (cond: boolean, rule: string) => {
      if (!cond) {
        const facts = { t, busy, held, decision: { ...d, blockers: d.blockers.map((b) => b.metric) }, model: m };
        throw new Error(`${rule}\n${JSON.stringify(facts)}`);
      }
    };

    // Rules 1 and 2: blockers exactly when the model sees activity; the idle timer is the model's.
    ok(d.blockers.length > 0 === busy, 'blockers iff a metric is above its threshold or unreadable');
    ok(d.state.idleSince === m.idleStart, 'idleSince is the first idle sample since the last busy sample or stop');
    const pu = d.state.holds.postponedUntil;
    const su = d.state.holds.stayAwake?.until;
    ok((pu === null || pu > t) && (su === undefined || su === null || su > t), 'expired holds are dropped');

    if (d.action === 'stop') {
      // (a) idle continuously for the naptime: no busy sample within it.
      ok(!busy && m.idleStart !== null && t - m.idleStart >= N, 'stop only after a whole naptime of idle samples');
      ok(m.lastBusyAt === null || m.lastBusyAt < t - N, 'no busy sample within the naptime before a stop');
      // (b) holds win.
      ok(!held, 'no stop under a stay-awake');
      ok(t >= m.postponedMax, 'no stop before the postpone time');
      ok(m.stayEnd === null || t >= m.stayEnd + W, 'a warning window after a stay-awake ends');
      // (c) warned first, at an earlier sample of this countdown.
      ok(m.warnAt !== null && m.warnAt < t, 'a warning at an earlier sample of this countdown');
      ok(d.stopAt === t, 'a stop reports stopAt = now');
    }
    if (d.action === 'warn') {
      ok(!busy && !held, 'no warning while busy or under a stay-awake');
      // One warning per countdown; a release opens a new warning window.
      ok(m.warnAt === null || m.releasedSinceWarn, 'one warning per countdown');
    }

    // Rules 5 and 7: the status and the stop time.
    if (held) {
      ok(d.status === 'stay_awake' && d.stopAt === null && d.action === 'none', 'a stay-awake wins at once');
    } else if (busy) {
      ok(d.status === 'active' && d.stopAt === null && d.action === (this.warnedBefore ? 'cancel' : 'none'), 'busy without a stay-awake is active; a warned countdown is cancelled once');
    } else {
      ok(['idle', 'warning', 'postponed'].includes(d.status) && d.stopAt !== null, 'idle samples count down');
      const stopAt = d.stopAt as number;
      // (e) never in the past; idle and postponed count down to a time still ahead.
      ok(stopAt >= t && (d.status === 'warning' || stopAt > t), 'seconds until stop never negative');
      ok(stopAt >= (m.idleStart as number) + N && stopAt >= m.postponedMax, 'stopAt honours naptime and postpone');
      ok(d.status !== 'warning' || d.action === 'warn' || m.warnAt !== null, 'warning status only after a warning');
      ok(d.status !== 'postponed' || t < m.postponedMax, 'postponed status only before the postpone time');
    }
    if (d.action !== 'stop') {
      const between = statusOf(d.state, t, this.cfg);
      ok(between.status === d.status && between.stopAt === d.stopAt, 'statusOf agrees with the last decision');
    }
  }

  run(ops: Op[]): void {
    for (const op of ops) {
      if (op.kind === 'samples') for (const it of op.items) this.sample(it.dt, it.spec);
      else this.hold(op);
    }
  }
}

/**
 * A failing run is long, so shrinking it can take minutes: the time limit bounds the test and
 * still reports the counterexample found so far (an interrupt before any failure counts as a pass).
 */
const runs = (numRuns: number) => ({ numRuns, plugins: [fc.interruptAfterTimeLimit(30_000)] });

const IDLE: Spec = { cpu: 0, mem: 0, net: 0, disk: 0, gpu: 0, gpuCount: 0, input: null, unreadable: [], keepAwake: [] };

describe('idle decision, property-based', () => {
  it('safety: never stops while busy within the naptime or under a hold, always warns first', () => {
    fc.assert(
      fc.property(cfgArb, fc.array(opArb, { minLength: 1, maxLength: 40 }), (cfg, ops) => {
        new Driver(cfg).run(ops);
      }),
      runs(1000),
    );
  });

  it('keep-awake: never warns or stops while any keep-awake source is active, whatever the metrics and holds', () => {
    const keptAny: fc.Arbitrary<Spec> = fc.record({ base: anySpec, kinds: someKeepAwake }).map(({ base, kinds }) => ({ ...base, keepAwake: kinds }));
    const opKept: fc.Arbitrary<Op> = fc.oneof(
      { weight: 5, arbitrary: fc.array(fc.record({ dt: intervalOrRepeat, spec: keptAny }), { minLength: 1, maxLength: 60 }).map((items) => ({ kind: 'samples' as const, items })) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('postpone' as const), dt: holdDelay, minutes }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('release' as const), dt: holdDelay }) },
    );
    fc.assert(
      fc.property(cfgArb, fc.array(opKept, { minLength: 1, maxLength: 30 }), (cfg, ops) => {
        const drv = new Driver(cfg);
        for (const op of ops) {
          if (op.kind !== 'samples') drv.hold(op);
          else
            for (const it of op.items) {
              const d = drv.sample(it.dt, it.spec);
              const named = it.spec.keepAwake.every((k) => d.blockers.some((b) => b.metric === k && b.threshold === null));
              if (d.action !== 'none' || d.stopAt !== null || d.state.idleSince !== null || !named) {
                throw new Error(`kept awake by ${it.spec.keepAwake.join(', ')} yet ${JSON.stringify({ action: d.action, stopAt: d.stopAt, named })}`);
              }
            }
        }
        expect(drv.m.stops).toEqual([]);
      }),
      runs(500),
    );
  });

  it('liveness: after any history, a release and steady idle samples lead to a stop within naptime + 3 intervals', () => {
    fc.assert(
      fc.property(
        cfgArb,
        fc.array(opArb, { minLength: 0, maxLength: 25 }),
        interval,
        holdDelay,
        (cfg, ops, step, delay) => {
          const drv = new Driver(cfg);
          drv.run(ops);
          drv.hold({ kind: 'release', dt: delay });
          const r = drv.m.now;
          const before = drv.m.stops.length;
          const deadline = r + cfg.naptimeMs + 3 * step;
          while (drv.m.stops.length === before && drv.m.now < deadline) drv.sample(step, IDLE);
          expect(drv.m.stops.length).toBe(before + 1);
          expect(drv.m.stops[before] as number).toBeLessThan(deadline);
        },
      ),
      runs(400),
    );
  });

  it('liveness, no holds and only idle samples: the stop comes at the first sample at or after the naptime once warned earlier', () => {
    fc.assert(
      fc.property(
        cfgArb,
        fc.array(fc.record({ dt: interval, spec: idleSpec }), { minLength: 1, maxLength: 300 }),
        (cfg, items) => {
          const drv = new Driver(cfg);
          const maxStep = Math.max(...items.map((i) => i.dt));
          let idleStart: number | null = null;
          let warned: number | null = null;
          for (const { dt, spec } of items) {
            const t = drv.m.now + dt;
            idleStart ??= t;
            const due = idleStart + cfg.naptimeMs;
            let expected: Decision['action'] = 'none';
            if (warned !== null && warned < t && t >= due) expected = 'stop';
            else if (warned === null && t >= due - warningLeadMs(cfg)) expected = 'warn';
            const d = drv.sample(dt, spec);
            expect(d.action).toBe(expected);
            if (expected === 'warn') warned = t;
            if (expected === 'stop') {
              // Within two intervals of the naptime always; within one when the warning window covers an interval.
              expect(t - due).toBeLessThan(2 * maxStep);
              if (warningLeadMs(cfg) >= maxStep) expect(t - due).toBeLessThan(maxStep);
              idleStart = null;
              warned = null;
            }
          }
        },
      ),
      runs(500),
    );
  });
});
