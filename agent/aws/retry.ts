/**
 * The retry loop around each EC2 call: which failures are worth another try (errors.ts
 * says), and the bounded backoff between tries.
 * The SDK's own retries are off (maxAttempts 1) so the policy is ours, visible and testable.
 */
import { backoffDelay as sharedBackoffDelay } from '../../contract/backoff.js';

import { AwsCallError, failureOf, type AwsFailure } from './errors.js';

// Classification lives in errors.ts; re-exported for the callers that import it from here.
export { AwsCallError, classifyAwsError, THROTTLING_CODES, type AwsFailure, type ErrorClass } from './errors.js';

export interface RetryOptions {
  /** Total tries, the first included. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** [0,1) source for jitter; injectable for tests. */
  random?: () => number;
  signal?: AbortSignal;
  /** Told before each wait (logging). */
  onRetry?: (failure: AwsFailure, attempt: number, delayMs: number) => void;
}

export const DEFAULT_RETRY: Required<Omit<RetryOptions, 'signal' | 'onRetry'>> = {
  maxAttempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 10_000,
  random: Math.random,
};

/**
 * The wait before retry number `attempt` (0 = the first): contract/backoff's full jitter,
 * uniform up to min(cap, base·2^attempt) with a floor of base/2, so many agents throttled
 * by one API spread out instead of retrying in step.
 */
export function backoffDelay(attempt: number, opts: { baseDelayMs: number; maxDelayMs: number; random: () => number }): number {
  return sharedBackoffDelay(attempt, { baseMs: opts.baseDelayMs, maxMs: opts.maxDelayMs, jitter: 'full' }, opts.random);
}

/** Runs `fn` until it succeeds, fails with a non-retryable error, or runs out of attempts. Throws AwsCallError. */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const o = { ...DEFAULT_RETRY, ...stripUndefined(options) };
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      const failure = failureOf(err);
      if (!failure.retryable || attempt + 1 >= o.maxAttempts || options.signal?.aborted) throw new AwsCallError(failure, attempt + 1);
      const delay = backoffDelay(attempt, o);
      options.onRetry?.(failure, attempt + 1, delay);
      await sleep(delay, options.signal);
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
