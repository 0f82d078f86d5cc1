/**
 * Which EC2 failures are worth another try, and the bounded backoff between tries.
 * The SDK's own retries are off (maxAttempts 1) so the policy is ours, visible and testable.
 */
import { backoffDelay as sharedBackoffDelay } from '../../contract/backoff.js';

export const THROTTLING_CODES = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'SlowDown',
  'EC2ThrottledException',
]);

const TRANSIENT_CODES = new Set(['InternalError', 'InternalFailure', 'ServiceUnavailable', 'Unavailable', 'RequestTimeout', 'RequestTimeoutException']);

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

export type ErrorClass = 'throttling' | 'server' | 'network' | 'client';

export interface AwsFailure {
  /** EC2 error code ("UnauthorizedOperation"), or the network error code ("ECONNRESET"). */
  code: string;
  message: string;
  class: ErrorClass;
  retryable: boolean;
  status?: number;
  requestId?: string;
}

interface SdkLikeError {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

export function classifyAwsError(err: unknown): AwsFailure {
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as SdkLikeError;
  const status = e.$metadata?.httpStatusCode;
  const requestId = e.$metadata?.requestId;
  const message = typeof e.message === 'string' && e.message ? e.message : String(err);
  const netCode = typeof e.code === 'string' ? e.code : undefined;
  const apiCode = typeof e.Code === 'string' ? e.Code : undefined;
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const base = { message, ...(status !== undefined ? { status } : {}), ...(requestId ? { requestId } : {}) };

  if (netCode && NETWORK_CODES.has(netCode)) return { ...base, code: netCode, class: 'network', retryable: true };
  const code = apiCode ?? name;
  if (THROTTLING_CODES.has(code)) return { ...base, code, class: 'throttling', retryable: true };
  if (TRANSIENT_CODES.has(code) || (status !== undefined && status >= 500)) return { ...base, code, class: 'server', retryable: true };
  // No HTTP status at all means the request never got a reply (timeout, abort, socket error).
  if (status === undefined && (name === 'TimeoutError' || name === 'AbortError' || /socket hang up|timed? ?out/i.test(message))) {
    return { ...base, code: netCode ?? name, class: 'network', retryable: true };
  }
  return { ...base, code, class: 'client', retryable: false };
}

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

export class AwsCallError extends Error {
  constructor(
    readonly failure: AwsFailure,
    readonly attempts: number,
  ) {
    super(failure.message);
    this.name = failure.code;
  }
}

/** Runs `fn` until it succeeds, fails with a non-retryable error, or runs out of attempts. Throws AwsCallError. */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const o = { ...DEFAULT_RETRY, ...stripUndefined(options) };
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      const failure = err instanceof AwsCallError ? err.failure : classifyAwsError(err);
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
