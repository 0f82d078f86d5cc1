/**
 * The agent's heart: sample on a timer, ask the pure policy what to do, and do it. This
 * file is the loop and the decision driver; the parts it drives each have their own:
 * acting on a stop (stop-action.ts), the STATUS reply (status-view.ts), the socket command
 * table (socket-handlers.ts), HISTORY replies (history-reply.ts), the settings pinned by
 * instance tags (tag-pins.ts), holds on disk (holds-keeper.ts), telling people: history,
 * subscribers, notices, banners (announcer.ts), and the clock-jump rule (clock-jump.ts).
 * They share one state object (daemon-state.ts). Everything with I/O is injected (daemon-deps.ts).
 */
import path from 'node:path';
import type { Config, ConfigKey } from '../contract/config-schema.js';
import { SAMPLE_RING_SECONDS, type AgentMode, type HistoryEvent, type Sample, type Status } from '../contract/protocol.js';
import { initialDaemonState, modeOf, monitorOnlyReason, type DaemonState } from './daemon-state.js';
import { TagPins } from './tag-pins.js';
import type { NotifyStats } from './notify/notifier.js';
import type { NewEvent } from './history.js';
import { DaemonSources } from './keep-awake/daemon-sources.js';
import { runsKeepAwake, withRuns } from './keep-awake/run-holds.js';
import { HoldsKeeper } from './holds-keeper.js';
import { Announcer } from './announcer.js';
import { followClockJump, type ClockReading } from './clock-jump.js';
import { SampleRing } from './sample-ring.js';
import * as policy from './policy.js';
import type { HandlerTable } from './server.js';
import { socketHandlers } from './socket-handlers.js';
import { StatusView } from './status-view.js';
import { SavingsView } from './savings-view.js';
import { PRICE_CACHE_FILE } from './aws/price-cache.js';
import { StopAction } from './stop-action.js';
import { VERSION } from './version.js';
import { monoNowMs } from './mono-clock.js';
import type { DaemonDeps } from './daemon-deps.js';

export type { DaemonDeps } from './daemon-deps.js';


export { CLOCK_JUMP_MS } from './clock-jump.js';

export class Daemon {
  private readonly s: DaemonState;
  private readonly view: StatusView;
  private readonly savings: SavingsView;
  private readonly stopper: StopAction;
  private readonly sources: DaemonSources;
  /** Recent samples for graphs (SAMPLES); at least SAMPLE_RING_SECONDS of them. */
  private readonly ring = new SampleRing(SAMPLE_RING_SECONDS);
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> = Promise.resolve();
  private mutations: Promise<unknown> = Promise.resolve();
  private running = false;
  private readonly now: () => number;
  private readonly monoNow: () => number;
  private lastTick: ClockReading | null = null;
  private inTick = false;
  private readonly holds: HoldsKeeper;
  /** Aborts a running pre-stop hook when the agent shuts down. */
  private readonly closing = new AbortController();
  private readonly announcer: Announcer;
  private readonly pins: TagPins;

  constructor(private readonly deps: DaemonDeps) {
    this.s = { ...initialDaemonState(deps.config, deps.provider, deps.dryRunFlag, deps.procDir, deps.fileKeys), configPath: deps.configPath, configLoaded: deps.configLoaded ?? true };
    this.announcer = new Announcer({ ...deps, state: this.s, mode: () => this.mode, metrics: () => this.status().metrics });
    this.now = deps.now ?? Date.now;
    this.monoNow = deps.monoNow ?? monoNowMs;
    this.holds = new HoldsKeeper({ state: this.s, file: path.join(path.dirname(deps.config.history_path), 'holds.json'), log: deps.log, record: (ev) => this.record(ev) });
    this.savings = new SavingsView(deps.history, path.join(path.dirname(deps.config.history_path), PRICE_CACHE_FILE));
    this.view = new StatusView(this.s, (now) => this.savings.get(now, this.s.instance));
    this.sources = new DaemonSources(this.s);
    this.sources.refresh(this.now());
    this.pins = new TagPins({
      state: this.s,
      log: deps.log,
      running: () => this.running,
      serialized: (fn) => this.serialized(fn),
      applyConfig: (next, changed) => this.applyConfig(next, changed),
      record: (ev) => this.record(ev),
      broadcastStatus: () => void this.broadcastStatus(),
    });
    this.stopper = new StopAction({
      state: this.s,
      now: () => this.now(),
      mode: () => this.mode,
      log: deps.log,
      broadcastStatus: () => void this.broadcastStatus(),
      warn: (d, now) => this.announcer.warn(d, now),
      cancelled: (d, now) => this.announcer.cancelled(d, now),
      record: (ev) => this.record(ev),
      // Every re-check reads the keep-awake sources and the process holds again, like every decision.
      recheckSample: (sample, now) =>
        withRuns(this.sources.join({ ...sample, keep_awake: this.deps.sampler.keepAwake(now) }, now), runsKeepAwake(this.s.runHolds.check().alive, now)),
      closing: this.closing.signal,
    });
  }

  get mode(): AgentMode {
    return modeOf(this.s);
  }

  /** Restores holds saved by an earlier run. Call before the socket listens, so no new hold is overwritten. */
  restore(): Promise<void> {
    return this.holds.restore(this.now());
  }

  async start(): Promise<void> {
    const s = this.s;
    this.running = true;
    s.instance = await s.provider.identify();
    await this.record({
      type: 'agent_start',
      message: `CloudSnooze ${VERSION} started in ${this.mode} mode`,
      details: {
        version: VERSION,
        mode: this.mode,
        instance: s.instance,
        input_sources: this.deps.sampler.inputSources(),
        naptime_minutes: s.config.naptime_minutes,
      },
    });
    // Settings pinned by tags apply before the first decision.
    await this.pins.refresh();
    const note = await s.provider.onAgentStart?.(s.config.tagging_prefix);
    if (note) await this.record(note);
    // The start-up task may have refreshed this type's price (aws/price-cache.ts).
    await this.savings.reloadPrices();
    await this.tick();
    this.schedule();
    this.pins.schedule();
  }

  /** Counters of the webhook and SNS notices (for metrics exporters); null when none is configured. */
  notificationStats(): NotifyStats | null {
    return this.announcer.notificationStats();
  }

  private schedule(): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      // A config change may reschedule while a slow sample (a hung GPU tool) is still running: never run two at once.
      if (this.inTick) return this.schedule();
      this.ticking = this.tick().finally(() => this.schedule());
    }, this.s.config.check_interval_seconds * 1000);
  }

  /** One sample, one decision, at most one action. */
  async tick(): Promise<void> {
    this.inTick = true;
    try {
      await this.tickOnce();
    } finally {
      this.inTick = false;
    }
  }

  private async tickOnce(): Promise<void> {
    const s = this.s;
    // Metadata may have been down at start: pick up the identity once it answers.
    if (s.instance.id === null && s.provider.mode !== 'local' && !s.provider.health().monitorOnly) {
      s.instance = await s.provider.identify();
    }
    const now = this.now();
    // Both clocks read together, before sampling: a slow sample must not look like a clock jump.
    const mono = this.monoNow();
    const sample = withRuns(this.sources.join(await this.deps.sampler.sample(now), now), await this.holds.runsNow(now));
    s.lastSample = sample;
    this.refreshInputSources();
    this.ring.push(sample);
    if (s.config.monitoring_mode === 'advanced') this.deps.log('debug', `sample ${JSON.stringify(sample)}`);
    await this.serialized(() => this.evaluate(sample, now, mono));
    this.broadcastStatus();
  }

  /** A wall clock set forward (NTP, a suspended VM) must not count as idle time (clock-jump.ts). */
  private followClockJump(wall: number, mono: number): void {
    const moved = followClockJump(this.s.policy, this.lastTick, { wall, mono });
    this.lastTick = { wall, mono };
    if (!moved) return;
    this.s.policy = moved.state;
    this.deps.log('warn', `wall clock jumped by ${Math.round(moved.jumpMs / 1000)} s; the idle countdown follows elapsed time, not the jump`);
  }

  private refreshInputSources(): void {
    const next = this.deps.sampler.inputSources();
    // Replaced only when it changed: the status view reuses its reply while this is the same array.
    if (next.join() !== this.s.inputSources.join()) this.s.inputSources = next;
    const off = this.deps.sampler.unavailableInputSources?.() ?? [];
    if (off.join() !== this.s.inputUnavailable.join()) this.s.inputUnavailable = off;
  }

  private async evaluate(sample: Sample, now: number, mono: number): Promise<void> {
    const s = this.s;
    this.followClockJump(now, mono);
    const holdsBefore = JSON.stringify(s.policy.holds);
    const d = policy.decide(s.policy, sample, now, s.pcfg);
    // Unable to act (monitor_only): a warning that is not given must not count as given.
    const monitorOnly = monitorOnlyReason(s) !== null;
    s.policy = monitorOnly && d.action === 'warn' ? { ...d.state, warnedAt: null } : d.state;
    if (JSON.stringify(d.state.holds) !== holdsBefore) await this.holds.persist();
    if (monitorOnly) return;
    if (d.action === 'warn') await this.announcer.warn(d, now);
    else if (d.action === 'cancel') await this.announcer.cancelled(d, now);
    else if (d.action === 'stop') await this.stopper.act(sample, now);
  }

  private record(ev: NewEvent): Promise<HistoryEvent> {
    return this.announcer.record(ev);
  }

  private broadcastStatus(): Status {
    const st = this.status();
    this.deps.broadcast({ frame: 'status', data: st });
    return st;
  }

  /** Mutations (holds, config, decisions) run one at a time so concurrent clients see a consistent state. */
  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.mutations.then(fn, fn);
    this.mutations = run.catch(() => undefined);
    return run;
  }

  private async applyConfig(next: Config, changed: ConfigKey[]): Promise<void> {
    const s = this.s;
    s.config = next;
    // The schedule and naptime may have changed: pcfg is re-derived from the new config.
    this.sources.refresh(this.now());
    if (changed.includes('history_max_events')) this.deps.history.setMaxEvents(next.history_max_events);
    if (changed.includes('dry_run')) {
      await s.provider.close?.();
      s.provider = await this.deps.reselectProvider(next);
    }
    if (changed.includes('check_interval_seconds') && this.running) this.schedule();
    if (changed.includes('fleet_refresh_minutes')) this.pins.schedule();
    // Other tags are ours now: read them (in the background; this runs inside a mutation).
    if (changed.includes('tagging_prefix') && this.running) setImmediate(() => void this.pins.refresh());
    this.deps.onConfigApplied?.(next, changed);
  }

  status(): Status {
    return this.view.get(this.now());
  }

  /** The command table of the socket API. */
  handlers(): HandlerTable {
    return socketHandlers({
      state: this.s,
      configPath: this.deps.configPath,
      history: this.deps.history,
      now: () => this.now(),
      status: () => this.status(),
      broadcastStatus: () => this.broadcastStatus(),
      serialized: (fn) => this.serialized(fn),
      applyConfig: (next, changed) => this.applyConfig(next, changed),
      record: (ev) => this.record(ev),
      persistHolds: () => this.holds.persist(),
      samplesSince: (since) => this.ring.since(since),
      reportInput: (source, idleSecs, available) => {
        this.deps.sampler.reportInput(source, idleSecs, this.now(), available);
        this.refreshInputSources();
      },
    });
  }

  async close(): Promise<void> {
    this.running = false;
    this.closing.abort();
    this.announcer.close();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pins.stop();
    await this.ticking.catch(() => undefined);
    await this.mutations.catch(() => undefined);
    await this.s.provider.close?.();
  }
}
