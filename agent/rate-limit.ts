/**
 * A token bucket: `burst` actions at once, then `perMinute` a minute. Bounds how fast a
 * client can make the agent write history (holds, releases, settings), so a flood can
 * neither churn the history file nor push real events (a stop) out of it within hours.
 */
import { monoNowMs } from './mono-clock.js';

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly burst: number,
    readonly perMinute: number,
    private readonly now: () => number = monoNowMs,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) * this.perMinute) / 60_000);
    this.last = t;
  }

  /** Takes one token if there is one. */
  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until the next token. */
  retryAfterMs(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 60_000) / this.perMinute);
  }
}
