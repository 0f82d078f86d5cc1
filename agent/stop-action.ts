/**
 * Acting on a stop decision: check once more that the stop is still wanted, run the
 * pre-stop hook and check again, build the reason and tags, ask the provider, and turn its
 * outcome into history and state. A failed stop (or failed hook) keeps the countdown but
 * waits (backing off) before the next try, so a broken API, a missing permission or a
 * broken hook never becomes a tight loop.
 */
import { Backoff, type BackoffPolicy } from '../contract/backoff.js';
import type { Config } from '../contract/config-schema.js';
import { rfc3339Seconds, type AgentMode, type HistoryEvent, type InstanceInfo, type Sample } from '../contract/protocol.js';
import { buildStopTags, stopReason } from '../contract/tags.js';
import { MESSAGES } from '../contract/messages.js';
import { durationWords } from '../contract/time-format.js';
import type { DaemonState } from './daemon-state.js';
import type { NewEvent } from './history.js';
import type { LogFn } from './log.js';
import * as policy from './policy.js';
import type { Decision } from './policy-types.js';
import { describeHook, hookFailed, runPreStopHook, type HookRequest, type HookResult } from './pre-stop-hook.js';
import type { StopOutcome } from './provider.js';

/** What the stop needs from the daemon around it. */
export interface StopHost {
  readonly state: DaemonState;
  now(): number;
  mode(): AgentMode;
  log: LogFn;
  /** Tells subscribers the current status (here: that a stop is under way). */
  broadcastStatus(): void;
  /** Gives the warning for a countdown (the re-check may find one owed). */
  warn(d: Decision, now: number): Promise<void>;
  /** Tells the warned people that activity cancelled the countdown. */
  cancelled(d: Decision, now: number): Promise<void>;
  record(ev: NewEvent): Promise<HistoryEvent>;
  /**
   * The sample a re-check decides on: the decision's metrics with every keep-awake source
   * read again (a process started, a lock taken or a `snooze run` begun since the sample),
   * and the schedule (and `s.pcfg`) brought up to `now`. Synchronous: no waiting at the last check.
   */
  recheckSample(sample: Sample, now: number): Sample;
  /** Aborted when the agent shuts down: a running hook is killed and the stop does not happen. */
  readonly closing: AbortSignal;
  /** Runs the hook; injectable for tests. */
  runHook?: (req: HookRequest) => Promise<HookResult>;
}

/**
 * Retry a failed stop after 15 s, doubling up to 16 min; `retryDelayMs` then keeps it
 * within one check interval and the naptime.
 */
export const STOP_RETRY: BackoffPolicy = { baseMs: 15_000, maxMs: 15_000 * 2 ** 6 };

/** The wait after a failed stop: never sooner than one interval (no sample to act on before), never later than the naptime. */
export function retryDelayMs(backoffMs: number, cfg: Config): number {
  return Math.max(cfg.check_interval_seconds * 1000, Math.min(backoffMs, cfg.naptime_minutes * 60_000));
}

/** What every stop event's details start with. */
interface StopFacts {
  reason: string;
  tags: Record<string, string>;
  mode: AgentMode;
  instance: InstanceInfo;
}

export class StopAction {
  /** Counts failed stops in a row; a stop that happens (or is proven in a dry run) resets it. */
  private readonly retry = new Backoff(STOP_RETRY);

  constructor(private readonly host: StopHost) {}

  /** Acts on a 'stop' decision made at `decidedAt` from `sample`. Never throws for a provider or hook failure. */
  async act(sample: Sample, decidedAt: number): Promise<void> {
    const { host } = this;
    const s = host.state;
    s.stopping = true;
    host.broadcastStatus();
    try {
      s.instance = await s.provider.identify();
      // Re-check right before acting: a hold, a keep-awake source, a `snooze run` or a schedule window may have arrived while we were busy.
      let now = host.now();
      if (!(await this.stillWanted(sample, now, 'at the final re-check'))) return;
      const cfg = s.config;
      // The naptime in force: an open schedule window's when it set one.
      const naptimeMinutes = Math.round((s.pcfg.naptimeMs / 60_000) * 1e6) / 1e6;
      const idleMs = now - (s.policy.idleSince ?? decidedAt);
      // The tag keeps the guide's documented wording; people read the history line, pluralised.
      const reason = stopReason(idleMs, naptimeMinutes);
      const words = MESSAGES.idleFor(idleMs, naptimeMinutes);
      if (cfg.pre_stop_command) {
        const hook = await this.preStop(reason, now);
        if (hook.aborted) return;
        if (hookFailed(hook) && cfg.pre_stop_on_failure === 'abort') {
          const failed = { kind: 'failed' as const, error: `pre-stop hook ${describeHook(hook, cfg.pre_stop_timeout_seconds * 1000)}`, code: 'PRE_STOP_FAILED' };
          const event = this.settle(failed, { reason, tags: {}, mode: host.mode(), instance: s.instance }, host.now(), words);
          s.stopping = false;
          await host.record(event).catch((err: Error) => host.log('error', `history: could not record ${event.type}: ${err.message}`));
          return;
        }
        // The hook may have run for minutes: a hold placed meanwhile cancels the stop.
        now = host.now();
        if (!(await this.stillWanted(sample, now, 'after the pre-stop hook'))) return;
      }
      const tags = cfg.enable_instance_tags
        ? buildStopTags({
            prefix: cfg.tagging_prefix,
            detailed: cfg.detailed_instance_tags,
            now,
            reason,
            sample,
            naptimeMinutes,
            instance: s.instance,
          })
        : {};
      // A provider should report failures as values; one that throws is still a failed stop, not a crash or a loop.
      const outcome: StopOutcome = await s.provider
        .stop({
          reason,
          tags,
          hibernate: cfg.hibernate,
          stillWanted: () => {
            const t = host.now();
            return policy.decide(s.policy, host.recheckSample(sample, t), t, s.pcfg).action === 'stop';
          },
        })
        .catch((err: unknown) => ({ kind: 'failed' as const, error: err instanceof Error ? err.message : String(err) }));
      if (outcome.kind === 'cancelled') {
        // A hold arrived while the provider was busy (e.g. tagging under throttling): nothing was stopped.
        host.log('info', `stop cancelled before StopInstances: ${outcome.note}`);
        return;
      }
      const event = this.settle(outcome, { reason, tags, mode: host.mode(), instance: s.instance }, now, words);
      // State first (in settle, and the stop is over): a failed history write must not make the
      // agent act again at the next sample, and a reader who sees the event sees the state after it.
      s.stopping = false;
      await host.record(event).catch((err: Error) => host.log('error', `history: could not record ${event.type}: ${err.message}`));
    } finally {
      s.stopping = false;
    }
  }

  /** The policy asked again, with the holds and process holds as they are now; false = the stop is off. */
  private async stillWanted(sample: Sample, now: number, when: string): Promise<boolean> {
    const { host } = this;
    const s = host.state;
    const recheck = policy.decide(s.policy, host.recheckSample(sample, now), now, s.pcfg);
    if (recheck.action === 'stop') return true;
    s.policy = recheck.state;
    host.log('info', `stop cancelled ${when} (a hold or activity arrived)`);
    // A short postpone can put the stop back inside the warning window: that warning is owed now.
    if (recheck.action === 'warn') await host.warn(recheck, now);
    else if (recheck.action === 'cancel') await host.cancelled(recheck, now);
    return false;
  }

  /** Runs the pre-stop hook and records a `pre_stop` event; the caller decides what a failure means. */
  private async preStop(reason: string, now: number): Promise<HookResult> {
    const { host } = this;
    const s = host.state;
    const cfg = s.config;
    const timeoutMs = cfg.pre_stop_timeout_seconds * 1000;
    const mode = host.mode();
    const result = await (host.runHook ?? runPreStopHook)({
      command: cfg.pre_stop_command,
      timeoutMs,
      signal: host.closing,
      env: {
        CLOUDSNOOZE_REASON: reason,
        CLOUDSNOOZE_INSTANCE_ID: s.instance.id ?? '',
        CLOUDSNOOZE_INSTANCE_TYPE: s.instance.type ?? '',
        CLOUDSNOOZE_REGION: s.instance.region ?? '',
        CLOUDSNOOZE_MODE: mode,
        CLOUDSNOOZE_STOP_AT: rfc3339Seconds(now),
        // So `snooze` in the hook reaches this agent (`snooze postpone 30` there cancels the stop).
        CLOUDSNOOZE_SOCKET: cfg.socket_path,
      },
    });
    if (result.aborted) {
      host.log('info', 'pre-stop hook interrupted: the agent is shutting down; no stop');
      return result;
    }
    const failed = hookFailed(result);
    const secs = (result.durationMs / 1000).toFixed(1);
    const then = !failed ? 'stopping' : cfg.pre_stop_on_failure === 'stop' ? 'stopping anyway (pre_stop_on_failure is "stop")' : 'stop aborted';
    const last = result.output.split('\n').at(-1) ?? '';
    const message = `Pre-stop hook ${failed ? 'failed: ' : ''}${describeHook(result, timeoutMs)} after ${secs} s${failed && last ? ` (last output: ${last.slice(0, 120)})` : ''}; ${then}`;
    await host
      .record({
        type: 'pre_stop',
        message,
        details: {
          exit_code: result.exitCode,
          signal: result.signal,
          timed_out: result.timedOut,
          error: result.error,
          duration_ms: result.durationMs,
          output: result.output,
          on_failure: cfg.pre_stop_on_failure,
          mode,
        },
      })
      .catch((err: Error) => host.log('error', `history: could not record pre_stop: ${err.message}`));
    return result;
  }

  /** Applies a stop's outcome to the state and says what to record. */
  private settle(outcome: Exclude<StopOutcome, { kind: 'cancelled' }>, base: StopFacts, now: number, words: string): NewEvent {
    const s = this.host.state;
    if (outcome.kind === 'stopped') {
      this.retry.reset();
      s.lastError = outcome.taggingError ? `tagging failed: ${outcome.taggingError}` : null;
      s.policy = policy.afterAction(s.policy, now);
      return {
        type: 'stop',
        message: `Stopped: ${words}`,
        details: { ...base, request_id: outcome.requestId ?? null, tagging_error: outcome.taggingError ?? null, note: outcome.note ?? null },
      };
    }
    if (outcome.kind === 'dry_run') {
      this.retry.reset();
      s.lastError = outcome.permissionErrors?.length ? `missing permissions: ${outcome.permissionErrors.join(', ')}` : null;
      s.policy = policy.afterAction(s.policy, now);
      return {
        type: 'dry_run_stop',
        message: `Would have stopped (${base.mode === 'local' ? 'local mode: not on EC2' : 'dry run'}), nothing was stopped: ${words}`,
        details: { ...base, note: outcome.note, permission_errors: outcome.permissionErrors ?? [] },
      };
    }
    const retryMs = retryDelayMs(this.retry.next(), s.config);
    s.lastError = `stop failed: ${outcome.error}`;
    // Keep the countdown (and its warning) but wait before trying again: no tight loop.
    s.policy = { ...s.policy, notBefore: now + retryMs };
    return {
      type: 'stop_failed',
      message: `Stop failed: ${outcome.error}; retrying in ${durationWords(Math.round(retryMs / 1000))} if still idle`,
      details: { ...base, error: outcome.error, code: outcome.code ?? null, attempt: this.retry.attempts },
    };
  }
}
