/**
 * Every way the daemon tells people something: a history row, a log line, a frame to each
 * subscriber, a webhook or SNS notice, and the terminal banners of a countdown. Kept out of
 * the loop so the order that matters lives in one place: history first and then everyone
 * else for an event; terminals before history for a warning (people first, even if the
 * disk is full); notices only queued, never delaying what follows (a stop).
 */
import { rfc3339Seconds, type AgentMode, type HistoryEvent, type Status } from '../contract/protocol.js';
import { MESSAGES } from '../contract/messages.js';
import type { DaemonDeps } from './daemon-deps.js';
import type { DaemonState } from './daemon-state.js';
import type { NewEvent } from './history.js';
import { agentStamp } from './local-stamp.js';
import { Notifier, type NotifyStats } from './notify/notifier.js';
import type { Decision } from './policy-types.js';

/** The daemon's own edges (notices are configured once, at start), and what it knows now. */
export interface AnnouncerDeps extends Pick<DaemonDeps, 'config' | 'history' | 'log' | 'broadcast' | 'warnTerminals' | 'onNotifyAttempt'> {
  state: DaemonState;
  mode: () => AgentMode;
  /** The metrics STATUS shows now (a notice carries them). */
  metrics: () => Status['metrics'];
}

export class Announcer {
  /** Webhook and SNS notices; null when none is configured. */
  private readonly notifier: Notifier | null;

  constructor(private readonly deps: AnnouncerDeps) {
    this.notifier = Notifier.wanted(deps.config.notifications)
      ? new Notifier({
          config: deps.config.notifications,
          log: deps.log,
          ...(deps.onNotifyAttempt ? { onAttempt: deps.onNotifyAttempt } : {}),
          publishSns: (arn, message, subject) => {
            const p = deps.state.provider;
            if (!p.publishSns) return Promise.reject(new Error('SNS needs the agent on EC2 (local mode makes no cloud calls)'));
            return p.publishSns(arn, message, subject);
          },
        })
      : null;
  }

  async record(ev: NewEvent): Promise<HistoryEvent> {
    const e = await this.deps.history.append(ev);
    if (ev.type !== 'warning' && ev.type !== 'countdown_cancelled') this.deps.log('info', `${ev.type}: ${ev.message}`);
    this.deps.broadcast({ frame: 'event', data: e });
    // Queued only: delivery runs in the background and never delays what follows (a stop).
    const s = this.deps.state;
    this.notifier?.offer(e, { instance: s.instance, name: s.fleet.tags?.get('Name') ?? null, metrics: s.lastSample ? this.deps.metrics() : null });
    return e;
  }

  async warn(d: Decision, now: number): Promise<void> {
    const mode = this.deps.mode();
    const stopAt = d.stopAt ?? now;
    const secs = Math.max(0, Math.round((stopAt - now) / 1000));
    // People read this on a terminal or in history, maybe elsewhere: local time with its zone.
    const message = MESSAGES.warning(mode, secs, agentStamp(stopAt, now, { seconds: secs < 600 }));
    this.deps.log('warn', message);
    // The people come first: terminals are told even if the history write fails.
    this.deps.warnTerminals(message, 'warning').catch(() => undefined);
    await this.record({ type: 'warning', message, details: { stop_at: rfc3339Seconds(stopAt), seconds_until_stop: secs, mode } }).catch((err: Error) =>
      this.deps.log('error', `history: could not record the warning: ${err.message}`),
    );
  }

  /** Activity ended a warned countdown: the people who were warned hear, once, that it is off and why. */
  async cancelled(d: Decision, _now: number): Promise<void> {
    const message = MESSAGES.cancelled(d.blockers);
    this.deps.warnTerminals(message, 'cancelled').catch(() => undefined);
    await this.record({
      type: 'countdown_cancelled',
      message,
      details: { blockers: d.blockers.slice(0, 6).map((b) => ({ metric: b.metric, value: b.value, threshold: b.threshold })) },
    }).catch((err: Error) => this.deps.log('error', `history: could not record the cancellation: ${err.message}`));
  }

  /** Counters of the webhook and SNS notices (for metrics exporters); null when none is configured. */
  notificationStats(): NotifyStats | null {
    return this.notifier?.stats() ?? null;
  }

  close(): void {
    this.notifier?.close();
  }
}
