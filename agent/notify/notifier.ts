/**
 * Delivers notices (notice.ts) to the webhook and to SNS, in the background: `offer()`
 * only queues, so a slow, failing or hung receiver never delays or blocks a stop. Each
 * target has its own queue and worker (a hung webhook does not hold SNS back), delivers in
 * order, retries with the product's backoff (contract/backoff.ts) within a time window, and
 * is bounded: at most `maxQueue` notices wait, the oldest dropped first. Failures are
 * logged and counted (`stats()`), never fatal.
 */
import { Backoff, type BackoffPolicy } from '../../contract/backoff.js';
import type { HistoryEvent } from '../../contract/protocol.js';
import type { Notifications } from '../../contract/notifications.js';
import { inert } from '../../contract/text.js';
import type { LogFn } from '../log.js';
import { noticeBody, type NoticeContext } from './notice.js';

export const NOTIFY_LIMITS = {
  /** Notices waiting per target; one more drops the oldest. */
  maxQueue: 100,
  /** One POST or Publish, connect to answer. */
  attemptTimeoutMs: 10_000,
  /** A notice is given up this long after it was queued. */
  windowMs: 10 * 60_000,
  backoff: { baseMs: 2_000, maxMs: 60_000, jitter: 'full' } as BackoffPolicy,
};
export type NotifyLimits = typeof NOTIFY_LIMITS;

export const NOTIFY_TARGETS = ['webhook', 'sns'] as const;
export type NotifyTarget = (typeof NOTIFY_TARGETS)[number];

/** Counters per target, for logs and for metrics exporters (read with `Daemon.notificationStats()`). */
export interface TargetStats {
  /** Notices delivered. */
  sent: number;
  /** Notices given up after their retry window (or refused for good). */
  failed: number;
  /** Notices dropped unsent because the queue was full. */
  dropped: number;
  /** Attempts that failed and were tried again. */
  retries: number;
  /** Waiting now, the one in flight included. */
  queued: number;
  /** The last failure, for people; null once one is delivered. */
  last_error: string | null;
}
export type NotifyStats = Record<NotifyTarget, TargetStats>;

export interface NotifierDeps {
  config: Notifications;
  log: LogFn;
  /** POSTs one JSON body; rejects on anything but 2xx. Default: webhook.ts, loaded on first use. */
  post?: (url: string, body: string, timeoutMs: number, signal: AbortSignal) => Promise<void>;
  /** Publishes one message; rejects with the reason. Undefined: SNS cannot be reached from here (local mode). */
  publishSns?: (topicArn: string, message: string, subject: string) => Promise<void>;
  now?: () => number;
  random?: () => number;
  limits?: Partial<NotifyLimits>;
  /** Told of every attempt's outcome (the Prometheus counter `cloudsnooze_notifications_total`). */
  onAttempt?: (target: NotifyTarget, ok: boolean) => void;
}

interface Item {
  body: string;
  subject: string;
  event: string;
  queuedAt: number;
}

const emptyStats = (): TargetStats => ({ sent: 0, failed: 0, dropped: 0, retries: 0, queued: 0, last_error: null });

export class Notifier {
  private readonly limits: NotifyLimits;
  private readonly queues: Record<NotifyTarget, Item[]> = { webhook: [], sns: [] };
  private readonly working: Record<NotifyTarget, Promise<void> | null> = { webhook: null, sns: null };
  private readonly counters: NotifyStats = { webhook: emptyStats(), sns: emptyStats() };
  private readonly closing = new AbortController();
  private readonly now: () => number;
  private readonly events: ReadonlySet<string>;

  constructor(private readonly deps: NotifierDeps) {
    this.limits = { ...NOTIFY_LIMITS, ...deps.limits };
    this.now = deps.now ?? Date.now;
    this.events = new Set(deps.config.events);
  }

  /** Whether any target is configured. */
  static wanted(n: Notifications): boolean {
    return n.webhook_url !== '' || n.sns_topic_arn !== '';
  }

  /** Queues a notice of `ev` for each target when its type is one of `events`. Never throws, never waits. */
  offer(ev: HistoryEvent, ctx: NoticeContext): void {
    if (this.closing.signal.aborted || !this.events.has(ev.type)) return;
    let body: string;
    try {
      body = JSON.stringify(noticeBody(ev, ctx));
    } catch (err) {
      this.deps.log('error', `notice for ${ev.type} could not be built: ${(err as Error).message}`);
      return;
    }
    const item: Item = { body, subject: `CloudSnooze: ${ev.type} ${ctx.instance.id ?? ''}`.trim(), event: ev.type, queuedAt: this.now() };
    if (this.deps.config.webhook_url) this.enqueue('webhook', item);
    if (this.deps.config.sns_topic_arn) this.enqueue('sns', item);
  }

  stats(): NotifyStats {
    const copy = (t: NotifyTarget): TargetStats => ({ ...this.counters[t], queued: this.queues[t].length });
    return { webhook: copy('webhook'), sns: copy('sns') };
  }

  /** Resolves once every queue is empty (tests, benches). */
  async idle(): Promise<void> {
    while (this.working.webhook || this.working.sns) await Promise.all([this.working.webhook, this.working.sns]);
  }

  /** Shutdown: in-flight attempts are cancelled and waiting notices dropped (counted), at once. */
  close(): void {
    this.closing.abort();
    for (const t of NOTIFY_TARGETS) {
      const n = this.queues[t].length;
      this.counters[t].dropped += n;
      this.queues[t].length = 0;
    }
  }

  private enqueue(target: NotifyTarget, item: Item): void {
    const q = this.queues[target];
    if (q.length >= this.limits.maxQueue) {
      // The one in flight (q[0]) keeps going; the oldest waiting one makes room.
      q.splice(1, 1);
      this.counters[target].dropped++;
      this.deps.log('warn', `notifications: ${target} queue full (${this.limits.maxQueue}); the oldest waiting notice was dropped`);
    }
    q.push(item);
    this.working[target] ??= this.work(target).finally(() => {
      this.working[target] = null;
    });
  }

  private async work(target: NotifyTarget): Promise<void> {
    const q = this.queues[target];
    while (q.length > 0 && !this.closing.signal.aborted) {
      await this.deliver(target, q[0]!);
      q.shift();
    }
  }

  private async deliver(target: NotifyTarget, item: Item): Promise<void> {
    const c = this.counters[target];
    const backoff = new Backoff(this.limits.backoff, this.deps.random);
    for (;;) {
      let error: string;
      try {
        await this.attempt(target, item);
        this.deps.onAttempt?.(target, true);
        c.sent++;
        c.last_error = null;
        return;
      } catch (err) {
        error = inert((err as Error).message ?? String(err)).slice(0, 300);
      }
      this.deps.onAttempt?.(target, false);
      if (this.closing.signal.aborted) return;
      const delay = backoff.next();
      if (this.now() + delay - item.queuedAt > this.limits.windowMs) {
        c.failed++;
        c.last_error = error;
        this.deps.log('error', `notifications: ${target} notice of ${item.event} not delivered after ${backoff.attempts} tries: ${error}; given up`);
        return;
      }
      c.retries++;
      c.last_error = error;
      this.deps.log('warn', `notifications: ${target} notice of ${item.event} failed (${error}); retrying in ${Math.round(delay / 1000)} s`);
      if (!(await this.sleep(delay))) return;
    }
  }

  private async attempt(target: NotifyTarget, item: Item): Promise<void> {
    const signal = this.closing.signal;
    if (target === 'webhook') {
      const post = this.deps.post ?? (await import('./webhook.js')).postJson;
      return post(this.deps.config.webhook_url, item.body, this.limits.attemptTimeoutMs, signal);
    }
    const publish = this.deps.publishSns;
    if (!publish) throw new Error('SNS needs the agent on EC2 with credentials (local mode makes no cloud calls)');
    // The child task has its own deadline; this one keeps a stuck child from holding the queue.
    await withDeadline(publish(this.deps.config.sns_topic_arn, item.body, item.subject), this.limits.attemptTimeoutMs * 3, signal);
  }

  /** false when the notifier closed meanwhile. */
  private sleep(ms: number): Promise<boolean> {
    const signal = this.closing.signal;
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      t.unref();
      const onAbort = () => {
        clearTimeout(t);
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

function withDeadline<T>(p: Promise<T>, ms: number, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${Math.round(ms / 1000)} s`)), ms);
    t.unref();
    const onAbort = () => reject(new Error('cancelled: the agent is shutting down'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => {
      clearTimeout(t);
      signal.removeEventListener('abort', onAbort);
    });
  });
}
