/**
 * The agent's heart: sample on a timer, ask the pure policy what to do, and do it
 * (warn, then tag and stop through the provider). Everything with I/O is injected.
 */
import path from 'node:path';
import { applyPatch, ConfigError, type Config, type ConfigKey, RESTART_KEYS } from '../contract/config-schema.js';
import { saveConfig } from './config.js';
import type { History, NewEvent } from './history.js';
import { loadHolds, saveHolds } from './holds-store.js';
import type { LogFn } from './log.js';
import * as policy from './policy.js';
import type { Decision, PolicyConfig, PolicyState } from './policy-types.js';
import {
  GO_CLIENT_READ_BYTES,
  nullSample,
  rfc3339Seconds,
  SAMPLE_RING_SECONDS,
  type AgentMode,
  type AgentState,
  type CommandResults,
  type HistoryEvent,
  type InstanceInfo,
  type Sample,
  type Status,
} from '../contract/protocol.js';
import type { CloudProvider, StopOutcome } from './provider.js';
import { LOCAL_INSTANCE } from './provider.js';
import { RequestError, type HandlerTable } from './server.js';
import { buildStopTags, stopReason } from '../contract/tags.js';
import { formatDuration } from '../contract/time-format.js';
import { VERSION } from './version.js';
import type { Sampler } from './metrics/sampler.js';

export interface DaemonDeps {
  config: Config;
  configPath: string;
  sampler: Sampler;
  provider: CloudProvider;
  history: History;
  log: LogFn;
  /** --dry-run: never stop, whatever the config says. */
  dryRunFlag: boolean;
  /** Picks the provider again when dry_run changes at run time. */
  reselectProvider: (config: Config) => Promise<CloudProvider>;
  /** Status frames and events go to subscribers through this. */
  broadcast: (frame: { frame: 'status'; data: Status } | { frame: 'event'; data: HistoryEvent }) => void;
  warnTerminals: (message: string) => Promise<number>;
  /** Called when the log level changes. */
  onConfigApplied?: (config: Config, changed: ConfigKey[]) => void;
  now?: () => number;
  /** Monotonic milliseconds (performance.now), to notice wall-clock jumps. */
  monoNow?: () => number;
}

/** A wall clock that moves this much more (or less) than the monotonic clock between samples has jumped. */
export const CLOCK_JUMP_MS = 5000;

/** Retry a failed stop after this long (doubling), never sooner than one interval and never later than the naptime. */
function failureBackoffMs(failures: number, cfg: Config): number {
  const base = 15_000 * 2 ** Math.min(failures - 1, 6);
  return Math.max(cfg.check_interval_seconds * 1000, Math.min(base, cfg.naptime_minutes * 60_000));
}

export class Daemon {
  private config: Config;
  private pcfg: PolicyConfig;
  private state: PolicyState = policy.initialPolicyState();
  private decision: Decision | null = null;
  private lastSample: Sample | null = null;
  private ring: Sample[] = [];
  private ringCap: number;
  private provider: CloudProvider;
  private instance: InstanceInfo = LOCAL_INSTANCE;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> = Promise.resolve();
  private stopping = false;
  private stopFailures = 0;
  private lastError: string | null = null;
  private mutations: Promise<unknown> = Promise.resolve();
  private holdsWrites: Promise<void> = Promise.resolve();
  private running = false;
  private readonly now: () => number;
  private readonly monoNow: () => number;
  private lastTick: { wall: number; mono: number } | null = null;
  private inTick = false;
  private statusCache: { key: unknown[]; value: Status } | null = null;
  /** Read once per sample (and on desktop reports): listing /dev/pts per STATUS would dominate its cost. */
  private inputSources: string[] = [];
  private readonly holdsFile: string;

  constructor(private readonly deps: DaemonDeps) {
    this.config = deps.config;
    this.pcfg = policy.policyConfigFrom(deps.config);
    this.provider = deps.provider;
    this.now = deps.now ?? Date.now;
    this.monoNow = deps.monoNow ?? (() => performance.now());
    this.ringCap = SAMPLE_RING_SECONDS;
    this.holdsFile = path.join(path.dirname(deps.config.history_path), 'holds.json');
  }

  get mode(): AgentMode {
    if (this.provider.mode === 'aws' && (this.deps.dryRunFlag || this.config.dry_run)) return 'dry_run';
    return this.provider.mode;
  }

  /** Restores holds saved by an earlier run. Call before the socket listens, so no new hold is overwritten. */
  async restore(): Promise<void> {
    const holds = await loadHolds(this.holdsFile, this.now(), (msg) => this.deps.log('warn', msg));
    this.state = { ...this.state, holds };
  }

  async start(): Promise<void> {
    this.running = true;
    this.instance = await this.provider.identify();
    await this.record({
      type: 'agent_start',
      message: `CloudSnooze ${VERSION} started in ${this.mode} mode`,
      details: {
        version: VERSION,
        mode: this.mode,
        instance: this.instance,
        input_sources: this.deps.sampler.inputSources(),
        naptime_minutes: this.config.naptime_minutes,
      },
    });
    const note = await this.provider.onAgentStart?.(this.config.tagging_prefix);
    if (note) await this.record(note);
    await this.tick();
    this.schedule();
  }

  private schedule(): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      // A config change may reschedule while a slow sample (a hung GPU tool) is still running: never run two at once.
      if (this.inTick) return this.schedule();
      this.ticking = this.tick().finally(() => this.schedule());
    }, this.config.check_interval_seconds * 1000);
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
    // Metadata may have been down at start: pick up the identity once it answers.
    if (this.instance.id === null && this.provider.mode !== 'local' && !this.provider.health().monitorOnly) {
      this.instance = await this.provider.identify();
    }
    const now = this.now();
    // Both clocks read together, before sampling: a slow sample must not look like a clock jump.
    const mono = this.monoNow();
    const sample = await this.deps.sampler.sample(now);
    this.lastSample = sample;
    this.refreshInputSources();
    this.ring.push(sample);
    if (this.ring.length > this.ringCap) this.ring.splice(0, this.ring.length - this.ringCap);
    if (this.config.monitoring_mode === 'advanced') this.deps.log('debug', `sample ${JSON.stringify(sample)}`);
    await this.serialized(() => this.evaluate(sample, now, mono));
    this.deps.broadcast({ frame: 'status', data: this.status() });
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
    this.state = { ...this.state, idleSince: shift(this.state.idleSince), warnedAt: shift(this.state.warnedAt), notBefore: shift(this.state.notBefore) };
    this.deps.log('warn', `wall clock jumped by ${Math.round(jump / 1000)} s; the idle countdown follows elapsed time, not the jump`);
  }

  private refreshInputSources(): void {
    const next = this.deps.sampler.inputSources();
    if (next.join() !== this.inputSources.join()) this.inputSources = next;
  }

  private async evaluate(sample: Sample, now: number, mono: number): Promise<void> {
    this.followClockJump(now, mono);
    const holdsBefore = JSON.stringify(this.state.holds);
    const d = policy.decide(this.state, sample, now, this.pcfg);
    // Unable to act (monitor_only): a warning that is not given must not count as given.
    this.state = this.provider.health().monitorOnly && d.action === 'warn' ? { ...d.state, warnedAt: null } : d.state;
    this.decision = d;
    if (JSON.stringify(d.state.holds) !== holdsBefore) await this.persistHolds();
    if (this.provider.health().monitorOnly) return;
    if (d.action === 'warn') await this.warn(d, now);
    else if (d.action === 'stop') await this.act(sample, now);
  }

  private async warn(d: Decision, now: number): Promise<void> {
    const secs = d.stopAt === null ? 0 : Math.max(0, Math.round((d.stopAt - now) / 1000));
    const what = this.mode === 'aws' ? 'will be stopped' : 'would be stopped';
    const message = `Idle: this instance ${what} in ${formatDuration(secs)} (at ${rfc3339Seconds(d.stopAt ?? now)})`;
    this.deps.log('warn', message);
    // The people come first: terminals are told even if the history write fails.
    this.deps.warnTerminals(message).catch(() => undefined);
    await this.record({ type: 'warning', message, details: { stop_at: rfc3339Seconds(d.stopAt ?? now), seconds_until_stop: secs } }).catch((err: Error) =>
      this.deps.log('error', `history: could not record the warning: ${err.message}`),
    );
  }

  private async act(sample: Sample, decidedAt: number): Promise<void> {
    this.stopping = true;
    this.deps.broadcast({ frame: 'status', data: this.status() });
    try {
      this.instance = await this.provider.identify();
      // Re-check right before acting: a hold may have arrived while we were busy.
      const now = this.now();
      const recheck = policy.decide(this.state, sample, now, this.pcfg);
      if (recheck.action !== 'stop') {
        this.state = recheck.state;
        this.decision = recheck;
        this.deps.log('info', 'stop cancelled at the final re-check (a hold or activity arrived)');
        // A short postpone can put the stop back inside the warning window: that warning is owed now.
        if (recheck.action === 'warn') await this.warn(recheck, now);
        return;
      }
      const idleMs = now - (this.state.idleSince ?? decidedAt);
      const reason = stopReason(idleMs, this.config.naptime_minutes);
      const tags = this.config.enable_instance_tags
        ? buildStopTags({
            prefix: this.config.tagging_prefix,
            detailed: this.config.detailed_instance_tags,
            now,
            reason,
            sample,
            naptimeMinutes: this.config.naptime_minutes,
            instance: this.instance,
          })
        : {};
      // A provider should report failures as values; one that throws is still a failed stop, not a crash or a loop.
      const outcome: StopOutcome = await this.provider
        .stop({
          reason,
          tags,
          hibernate: this.config.hibernate,
          stillWanted: () => policy.decide(this.state, sample, this.now(), this.pcfg).action === 'stop',
        })
        .catch((err: unknown) => ({ kind: 'failed' as const, error: err instanceof Error ? err.message : String(err) }));
      const base = { reason, tags, mode: this.mode, instance: this.instance };
      let event: NewEvent;
      if (outcome.kind === 'cancelled') {
        // A hold arrived while the provider was busy (e.g. tagging under throttling): nothing was stopped.
        this.deps.log('info', `stop cancelled before StopInstances: ${outcome.note}`);
        this.decision = { ...(this.decision as Decision), state: this.state, action: 'none' };
        return;
      } else if (outcome.kind === 'stopped') {
        this.stopFailures = 0;
        this.lastError = outcome.taggingError ? `tagging failed: ${outcome.taggingError}` : null;
        event = {
          type: 'stop',
          message: `Stopped: ${reason}`,
          details: { ...base, request_id: outcome.requestId ?? null, tagging_error: outcome.taggingError ?? null, note: outcome.note ?? null },
        };
        this.state = policy.afterAction(this.state, now);
      } else if (outcome.kind === 'dry_run') {
        this.stopFailures = 0;
        this.lastError = outcome.permissionErrors?.length ? `missing permissions: ${outcome.permissionErrors.join(', ')}` : null;
        event = {
          type: 'dry_run_stop',
          message: `Would have stopped (${this.mode === 'local' ? 'local mode' : 'dry run'}): ${reason}`,
          details: { ...base, note: outcome.note, permission_errors: outcome.permissionErrors ?? [] },
        };
        this.state = policy.afterAction(this.state, now);
      } else {
        this.stopFailures++;
        this.lastError = `stop failed: ${outcome.error}`;
        const retryMs = failureBackoffMs(this.stopFailures, this.config);
        event = {
          type: 'stop_failed',
          message: `Stop failed: ${outcome.error}; retrying in ${formatDuration(Math.round(retryMs / 1000))} if still idle`,
          details: { ...base, error: outcome.error, code: outcome.code ?? null, attempt: this.stopFailures },
        };
        // Keep the countdown (and its warning) but wait before trying again: no tight loop.
        this.state = { ...this.state, notBefore: now + retryMs };
      }
      // State first: a failed history write must not make the agent act again at the next sample.
      await this.record(event).catch((err: Error) => this.deps.log('error', `history: could not record ${event.type}: ${err.message}`));
      this.decision = { ...(this.decision as Decision), state: this.state, action: 'none' };
    } finally {
      this.stopping = false;
    }
  }

  private async record(ev: NewEvent): Promise<HistoryEvent> {
    const e = await this.deps.history.append(ev);
    if (ev.type !== 'warning') this.deps.log('info', `${ev.type}: ${ev.message}`);
    this.deps.broadcast({ frame: 'event', data: e });
    return e;
  }

  /** Writes run one after another and each writes the holds as they are then, so the file ends at the latest state. */
  private persistHolds(): Promise<void> {
    const run = this.holdsWrites.then(() =>
      saveHolds(this.holdsFile, this.state.holds).catch((err: Error) => this.deps.log('error', `cannot save holds to ${this.holdsFile}: ${err.message}`)),
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

  /**
   * STATUS is asked far more often than anything changes (pollers, dashboards), so the
   * reply is reused while every input is the same object and the second has not turned.
   * State, config, sample and holds are replaced, never mutated, so identity is enough.
   */
  status(): Status {
    const now = this.now();
    const health = this.provider.health();
    const key = [Math.floor(now / 1000), this.state, this.config, this.lastSample, this.stopping, this.lastError, this.instance, this.inputSources, health.monitorOnly, health.lastError, this.provider];
    const c = this.statusCache;
    if (c && c.key.length === key.length && c.key.every((v, i) => v === key[i])) return c.value;
    const value = this.buildStatus(now, health);
    this.statusCache = { key, value };
    return value;
  }

  private buildStatus(now: number, health: ReturnType<CloudProvider['health']>): Status {
    const cfg = this.config;
    const view = policy.statusOf(this.state, now, this.pcfg);
    let state: AgentState = view.status;
    if (health.monitorOnly) state = 'monitor_only';
    else if (this.stopping) state = 'stopping';
    const counting = !health.monitorOnly && view.stopAt !== null;
    const s = this.lastSample ?? nullSample(now);
    const holds = this.state.holds;
    return {
      state,
      mode: this.mode,
      metrics: {
        cpu_percent: round2(s.cpu_percent),
        memory_percent: round2(s.memory_percent),
        network_kbps: round2(s.network_kbps),
        disk_io_kbps: round2(s.disk_io_kbps),
        input_idle_secs: s.input_idle_secs === null ? null : Math.floor(s.input_idle_secs),
        gpu_percent: round2(s.gpu_percent),
        gpu_memory_percent: round2(s.gpu_memory_percent),
        gpu_count: s.gpu_count,
        gpu_cards: s.gpu_cards,
      },
      thresholds: this.pcfg.thresholds,
      blockers: this.lastSample ? policy.blockersOf(this.lastSample, this.pcfg) : [],
      idle_since: this.state.idleSince === null ? null : rfc3339Seconds(this.state.idleSince),
      naptime_minutes: cfg.naptime_minutes,
      warning_minutes: cfg.warning_minutes,
      check_interval_seconds: cfg.check_interval_seconds,
      seconds_until_stop: counting ? Math.max(0, Math.ceil((view.stopAt! - now) / 1000)) : null,
      stop_at: counting ? rfc3339Seconds(view.stopAt!) : null,
      postponed_until: holds.postponedUntil !== null && holds.postponedUntil > now ? rfc3339Seconds(holds.postponedUntil) : null,
      stay_awake: holds.stayAwake ? { until: holds.stayAwake.until === null ? null : rfc3339Seconds(holds.stayAwake.until), reason: holds.stayAwake.reason } : null,
      instance: this.instance,
      input_sources: this.inputSources,
      error: clip(health.monitorOnly ?? health.lastError ?? this.lastError),
      sampled_at: this.lastSample ? rfc3339Seconds(this.lastSample.t) : null,
      version: VERSION,
    };
  }

  private async holdChanged(type: 'postpone' | 'stay_awake' | 'release', message: string, details: Record<string, unknown>): Promise<Status> {
    await this.persistHolds();
    await this.record({ type, message, details });
    const st = this.status();
    this.deps.broadcast({ frame: 'status', data: st });
    return st;
  }

  private async applyConfig(next: Config, changed: ConfigKey[]): Promise<void> {
    this.config = next;
    this.pcfg = policy.policyConfigFrom(next);
    if (changed.includes('history_max_events')) this.deps.history.setMaxEvents(next.history_max_events);
    if (changed.includes('dry_run')) {
      await this.provider.close?.();
      this.provider = await this.deps.reselectProvider(next);
    }
    if (changed.includes('check_interval_seconds') && this.running) this.schedule();
    this.deps.onConfigApplied?.(next, changed);
  }

  /** The command table of the socket API. */
  handlers(): HandlerTable {
    return {
      STATUS: () => this.status(),
      CONFIG_GET: () => this.config,
      CONFIG_SET: (p) =>
        this.serialized(async () => {
          const fileOnly = RESTART_KEYS.filter((k) => k in p.values);
          if (fileOnly.length) {
            throw new RequestError(
              `${fileOnly.join(', ')} can only be set in the config file ${this.deps.configPath} (the agent writes those paths as root); nothing changed`,
              'INVALID_PARAMS',
            );
          }
          const { config: next, changed } = applyPatch(this.config, p.values);
          if (changed.length === 0) return this.config;
          try {
            await saveConfig(this.deps.configPath, next);
          } catch (err) {
            throw new RequestError(`cannot save the config to ${this.deps.configPath}: ${(err as Error).message}; nothing changed`, 'INTERNAL');
          }
          const diff = Object.fromEntries(changed.map((k) => [k, { from: this.config[k], to: next[k] }]));
          await this.applyConfig(next, changed);
          await this.record({
            type: 'config_change',
            message: `Config changed: ${changed.map((k) => `${k}=${JSON.stringify(next[k])}`).join(', ')}`,
            details: { changed: diff },
          });
          this.deps.broadcast({ frame: 'status', data: this.status() });
          return this.config;
        }),
      HISTORY: (p) => historyReply(this.deps.history, p),
      // Holds take effect at once, not queued behind a decision in progress: the final
      // re-check before a stop must see them.
      POSTPONE: (p) => {
        const now = this.now();
        this.state = policy.postpone(this.state, p.minutes, now, this.pcfg);
        const until = this.state.holds.postponedUntil ?? now;
        return this.holdChanged('postpone', `Postponed by ${formatMinutes(p.minutes)}: no stop before ${rfc3339Seconds(until)}`, {
          minutes: p.minutes,
          until: rfc3339Seconds(until),
        });
      },
      STAY_AWAKE: (p) => {
        const now = this.now();
        this.state = policy.stayAwake(this.state, p.minutes, p.reason, now);
        const until = this.state.holds.stayAwake?.until ?? null;
        return this.holdChanged(
          'stay_awake',
          `Stay awake ${until === null ? 'until released' : `until ${rfc3339Seconds(until)}`}: ${p.reason}`,
          { minutes: p.minutes ?? null, until: until === null ? null : rfc3339Seconds(until), reason: p.reason },
        );
      },
      RELEASE: () => {
        const had = this.state.holds.stayAwake !== null || this.state.holds.postponedUntil !== null;
        this.state = policy.release(this.state, this.now(), this.pcfg);
        return this.holdChanged('release', had ? 'Released: holds cleared, idle countdown resumes' : 'Release: there was no hold', { had_hold: had });
      },
      SUBSCRIBE: (_p, conn) => {
        conn.subscribe();
        return { subscribed: true as const };
      },
      SAMPLES: (p) => {
        const since = this.now() - p.seconds * 1000;
        let i = this.ring.length;
        while (i > 0 && this.ring[i - 1]!.t >= since) i--;
        return { samples: this.ring.slice(i) };
      },
      INPUT_ACTIVITY: (p) => {
        this.deps.sampler.reportInput(p.source, p.idle_secs, this.now());
        this.refreshInputSources();
        return { accepted: true as const };
      },
    };
  }

  async close(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.ticking.catch(() => undefined);
    await this.mutations.catch(() => undefined);
    await this.provider.close?.();
  }
}

/** HISTORY, trimmed so the default reply fits the Go client's single 4 KiB read. */
export function historyReply(history: History, p: { limit: number; since?: string; type?: HistoryEvent['type']; details: boolean }): CommandResults['HISTORY'] {
  const events = history.query(p);
  if (p.details || p.limit > 10) return { events, truncated: false };
  let truncated = false;
  // Envelope overhead: {"success":true,"data":{"events":[...],"truncated":false}}\n
  while (events.length > 0 && Buffer.byteLength(JSON.stringify({ success: true, data: { events, truncated: true } })) + 1 > GO_CLIENT_READ_BYTES) {
    events.pop();
    truncated = true;
  }
  return { events, truncated };
}

/** STATUS must fit one 4 KiB read; cloud error messages can be long. */
function clip(s: string | null, max = 300): string | null {
  return s === null || s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

function round2(v: number | null): number | null {
  return v === null ? null : Math.round(v * 100) / 100;
}


function formatMinutes(m: number): string {
  return formatDuration(Math.round(m * 60));
}

export { ConfigError };
