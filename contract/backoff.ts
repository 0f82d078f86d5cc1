/**
 * One backoff rule for every retry in the product: AWS calls, fleet polling, the socket
 * client's reconnect, failed stops, the desktop app's agent restarts and the browser
 * stream. Pure (no timers): callers decide how to wait, so tests need no fake clock.
 */

export interface BackoffPolicy {
  /** Delay before the first retry. */
  baseMs: number;
  /** No delay exceeds this. */
  maxMs: number;
  /**
   * `none`: exactly base·2^n (capped). `full`: uniform in [base/2, that] — spreads many
   * clients hitting one throttled API. A number f: ±f around it (0.2 = ±20 %).
   */
  jitter?: 'none' | 'full' | number;
}

/** Delay before retry number `attempt` (0 = the first retry). */
export function backoffDelay(attempt: number, p: BackoffPolicy, random: () => number = Math.random): number {
  // 2^31 already exceeds any sane cap; clamping keeps the arithmetic finite.
  const ceiling = Math.min(p.maxMs, p.baseMs * 2 ** Math.min(Math.max(0, attempt), 31));
  const j = p.jitter ?? 'none';
  if (j === 'none') return ceiling;
  if (j === 'full') return Math.max(Math.floor(p.baseMs / 2), Math.floor(random() * ceiling));
  return Math.min(p.maxMs, Math.round(ceiling * (1 - j + random() * 2 * j)));
}

/** A retry counter: `next()` gives the delay to wait and moves on; `reset()` after a success. */
export class Backoff {
  private n = 0;
  constructor(
    readonly policy: BackoffPolicy,
    private readonly random: () => number = Math.random,
  ) {}

  /** Retries handed out since the last reset. */
  get attempts(): number {
    return this.n;
  }

  next(): number {
    return backoffDelay(this.n++, this.policy, this.random);
  }

  /** Peek at the next delay without consuming it. */
  peek(): number {
    return backoffDelay(this.n, this.policy, this.random);
  }

  reset(): void {
    this.n = 0;
  }

  /**
   * Forgive `steps` failures (a long healthy run earns a shorter next wait, not a full
   * reset): each step halves the next delay. Failures counted after the delay reached the
   * cap are forgiven first, so the first step shortens the wait.
   */
  forgive(steps: number): void {
    const { baseMs, maxMs } = this.policy;
    const atCap = baseMs > 0 ? Math.max(0, Math.ceil(Math.log2(maxMs / baseMs))) : this.n;
    this.n = Math.max(0, Math.min(this.n, atCap) - Math.max(0, Math.floor(steps)));
  }
}
