/**
 * The agent's heart: sample on a timer, ask the pure policy what to do, and do it. This
 * file is the loop and the decision driver; the parts it drives each have their own:
 * acting on a stop (stop-action.ts), the STATUS reply (status-view.ts), the socket command
 * table (socket-handlers.ts), HISTORY replies (history-reply.ts) and the settings pinned by
 * instance tags (tag-pins.ts). They share one state object (daemon-state.ts). Everything
 * with I/O is injected.
 */
import path from 'node:path';
import type { Config, ConfigKey } from '../contract/config-schema.js';
import { rfc3339Seconds, SAMPLE_RING_SECONDS, type AgentMode, type HistoryEvent, type KeepAwake, type Sample, type Status } from '../contract/protocol.js';
import { MESSAGES } from '../contract/messages.js';
import { agentStamp } from './local-stamp.js';
import { initialDaemonState, modeOf, monitorOnlyReason, type DaemonState } from './daemon-state.js';
import { TagPins } from './tag-pins.js';
import { Notifier, type NotifyStats } from './notify/notifier.js';
import type { History, NewEvent } from './history.js';
import { DaemonSources } from './keep-awake/daemon-sources.js';
import { loadHolds, saveHolds } from './holds-store.js';
import { endedEvent, runsKeepAwake, withRuns } from './keep-awake/run-holds.js';
import type { LogFn } from './log.js';
import type { Sampler } from './metrics/sampler.js';
import { SampleRing } from './sample-ring.js';
import * as policy from './policy.js';
import type { Decision } from './policy-types.js';
import type { CloudProvider } from './provider.js';
import type { HandlerTable } from './server.js';
import { socketHandlers } from './socket-handlers.js';
import { StatusView } from './status-view.js';
import { SavingsView } from './savings-view.js';
import { PRICE_CACHE_FILE } from './aws/price-cache.js';
import { StopAction } from './stop-action.js';
import { VERSION } from './version.js';
import { monoNowMs } from './mono-clock.js';

export interface DaemonDeps {
  config: Config;
  configPath: string;
  sampler: Sampler;
  provider: CloudProvider;
  history: History;
  log: LogFn;
  /** --dry-run: never stop, whatever the config says. */
  dryRunFlag: boolean;
  /** Whether the config file existed at start (false: defaults); STATUS says so beside its path. */
  configLoaded?: boolean;
  /** Picks the provider again when dry_run changes at run time. */
  reselectProvider: (config: Config) => Promise<CloudProvider>;
  /** Status frames and events go to subscribers through this. */
  broadcast: (frame: { frame: 'status'; data: Status } | { frame: 'event'; data: HistoryEvent }) => void;
  /** One banner on every terminal: before a stop ('warning'), or when activity cancelled a warned one. */
  warnTerminals: (message: string, kind?: 'warning' | 'cancelled') => Promise<number>;
  /** Called when the log level changes. */
  onConfigApplied?: (config: Config, changed: ConfigKey[]) => void;
  now?: () => number;
  /** Monotonic milliseconds (mono-clock.ts), to notice wall-clock jumps. */
  monoNow?: () => number;
  /** Where process holds are checked (default /proc). */
  procDir?: string;
  /** Keys present in the config file (CONFIG_GET's `file` source). */
  fileKeys?: ReadonlySet<string>;
  /** Told of every notice delivery attempt (metrics counters). */
  onNotifyAttempt?: (target: 'webhook' | 'sns', ok: boolean) => void;
}

/** A wall clock that moves this much more (or less) than the monotonic clock between samples has jumped. */
export const CLOCK_JUMP_MS = 5000;

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
  private holdsWrites: Promise<void> = Promise.resolve();
  private running = false;
  private readonly now: () => number;
  private readonly monoNow: () => number;
  private lastTick: { wall: number; mono: number } | null = null;
  private inTick = false;
  private readonly holdsFile: string;
  /** Aborts a running pre-stop hook when the agent shuts down. */
  private readonly closing = new AbortController();
  /** Webhook and SNS notices; null when none is configured. */
  private readonly notifier: Notifier | null;
  private readonly pins: TagPins;

  constructor(private readonly deps: DaemonDeps) {
    this.s = { ...initialDaemonState(deps.config, deps.provider, deps.dryRunFlag, deps.procDir, deps.fileKeys), configPath: deps.configPath, configLoaded: deps.configLoaded ?? true };
    this.notifier = Notifier.wanted(deps.config.notifications)
      ? new Notifier({
          config: deps.config.notifications,
          log: deps.log,
          ...(deps.onNotifyAttempt ? { onAttempt: deps.onNotifyAttempt } : {}),
          publishSns: (arn, message, subject) => {
            const p = this.s.provider;
            if (!p.publishSns) return Promise.reject(new Error('SNS needs the agent on EC2 (local mode makes no cloud calls)'));
            return p.publishSns(arn, message, subject);
          },
        })
      : null;
    this.now = deps.now ?? Date.now;
    this.monoNow = deps.monoNow ?? monoNowMs;
    this.holdsFile = path.join(path.dirname(deps.config.history_path), 'holds.json');
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
      warn: (d, now) => this.warn(d, now),
      cancelled: (d, now) => this.cancelled(d, now),
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
  async restore(): Promise<void> {
    const saved = await loadHolds(this.holdsFile, this.now(), (msg) => this.deps.log('warn', msg));
    this.s.policy = { ...this.s.policy, holds: saved.holds };
    // Those whose process ended while the agent was down are dropped (and recorded) by the first sample.
    this.s.runHolds.restore(saved.runs);
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
    return this.notifier?.stats() ?? null;
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
    const sample = withRuns(this.sources.join(await this.deps.sampler.sample(now), now), await this.runsNow(now));
    s.lastSample = sample;
    this.refreshInputSources();
    this.ring.push(sample);
    if (s.config.monitoring_mode === 'advanced') this.deps.log('debug', `sample ${JSON.stringify(sample)}`);
    await this.serialized(() => this.evaluate(sample, now, mono));
    this.broadcastStatus();
  }

  /**
   * The idle timer lives in wall-clock time (it is shown to people), but a clock set
   * forward (NTP at boot, a suspended VM) must not count as idle time: shift the
   * countdown by the jump so only elapsed monotonic time counts. Holds are the user's
   * wall-clock intent and stay as they are.
   */
  private followClockJump(wall: number, mono: number): void {
    const last = this.lastTick;
    this.lastTick = { wall, mono };
    if (!last) return;
    const jump = wall - last.wall - (mono - last.mono);
    if (Math.abs(jump) < CLOCK_JUMP_MS) return;
    const shift = (t: number | null) => (t === null ? null : t + jump);
    const p = this.s.policy;
    this.s.policy = { ...p, idleSince: shift(p.idleSince), warnedAt: shift(p.warnedAt), notBefore: shift(p.notBefore) };
    this.deps.log('warn', `wall clock jumped by ${Math.round(jump / 1000)} s; the idle countdown follows elapsed time, not the jump`);
  }

  /**
   * Process holds whose process still runs, as keep-awake entries for the decision; those that
   * ended are dropped, saved and recorded. A few /proc reads, no child process.
   */
  private async runsNow(now: number): Promise<KeepAwake[]> {
    const { ended } = this.s.runHolds.check();
    if (ended.length) {
      this.s.runHolds.drop(ended.map((e) => e.hold));
      await this.persistHolds();
      for (const e of ended) {
        await this.record(endedEvent(e, now)).catch((err: Error) => this.deps.log('error', `history: could not record the end of a snooze run: ${err.message}`));
      }
    }
    // The list as it is now: the checked ones still running (or unreadable) plus any hold placed during the awaits.
    return runsKeepAwake(this.s.runHolds.list, now);
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
    if (JSON.stringify(d.state.holds) !== holdsBefore) await this.persistHolds();
    if (monitorOnly) return;
    if (d.action === 'warn') await this.warn(d, now);
    else if (d.action === 'cancel') await this.cancelled(d, now);
    else if (d.action === 'stop') await this.stopper.act(sample, now);
  }

  private async warn(d: Decision, now: number): Promise<void> {
    const stopAt = d.stopAt ?? now;
    const secs = Math.max(0, Math.round((stopAt - now) / 1000));
    // People read this on a terminal or in history, maybe elsewhere: local time with its zone.
    const message = MESSAGES.warning(this.mode, secs, agentStamp(stopAt, now, { seconds: secs < 600 }));
    this.deps.log('warn', message);
    // The people come first: terminals are told even if the history write fails.
    this.deps.warnTerminals(message, 'warning').catch(() => undefined);
    await this.record({ type: 'warning', message, details: { stop_at: rfc3339Seconds(stopAt), seconds_until_stop: secs, mode: this.mode } }).catch((err: Error) =>
      this.deps.log('error', `history: could not record the warning: ${err.message}`),
    );
  }

  /** Activity ended a warned countdown: the people who were warned hear, once, that it is off and why. */
  private async cancelled(d: Decision, _now: number): Promise<void> {
    const message = MESSAGES.cancelled(d.blockers);
    this.deps.warnTerminals(message, 'cancelled').catch(() => undefined);
    await this.record({
      type: 'countdown_cancelled',
      message,
      details: { blockers: d.blockers.slice(0, 6).map((b) => ({ metric: b.metric, value: b.value, threshold: b.threshold })) },
    }).catch((err: Error) => this.deps.log('error', `history: could not record the cancellation: ${err.message}`));
  }

  private async record(ev: NewEvent): Promise<HistoryEvent> {
    const e = await this.deps.history.append(ev);
    if (ev.type !== 'warning' && ev.type !== 'countdown_cancelled') this.deps.log('info', `${ev.type}: ${ev.message}`);
    this.deps.broadcast({ frame: 'event', data: e });
    // Queued only: delivery runs in the background and never delays what follows (a stop).
    this.notifier?.offer(e, { instance: this.s.instance, name: this.s.fleet.tags?.get('Name') ?? null, metrics: this.s.lastSample ? this.status().metrics : null });
    return e;
  }

  private broadcastStatus(): Status {
    const st = this.status();
    this.deps.broadcast({ frame: 'status', data: st });
    return st;
  }

  /** Writes run one after another and each writes the holds as they are then, so the file ends at the latest state. */
  private persistHolds(): Promise<void> {
    const run = this.holdsWrites.then(() =>
      saveHolds(this.holdsFile, this.s.policy.holds, this.s.runHolds.list).catch((err: Error) => this.deps.log('error', `cannot save holds to ${this.holdsFile}: ${err.message}`)),
    );
    this.holdsWrites = run;
    return run;
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

  private samplesSince(since: number): Sample[] {
    return this.ring.since(since);
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
      persistHolds: () => this.persistHolds(),
      samplesSince: (since) => this.samplesSince(since),
      reportInput: (source, idleSecs, available) => {
        this.deps.sampler.reportInput(source, idleSecs, this.now(), available);
        this.refreshInputSources();
      },
    });
  }

  async close(): Promise<void> {
    this.running = false;
    this.closing.abort();
    this.notifier?.close();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pins.stop();
    await this.ticking.catch(() => undefined);
    await this.mutations.catch(() => undefined);
    await this.s.provider.close?.();
  }
}
