/**
 * AWS failures, in one place: what kind each error is (throttling, server, network,
 * client), whether another try may help, and how it reads in logs, history and STATUS.
 * Shared by the retry loop, the stop / dry run / restart tasks, the fleet tools and
 * `snooze doctor`. Plain data (AwsFailure) so a failure crosses a process boundary as JSON.
 */

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

/** A failed EC2 call after its retries: the failure and how many tries it took. */
export class AwsCallError extends Error {
  constructor(
    readonly failure: AwsFailure,
    readonly attempts: number,
  ) {
    super(failure.message);
    this.name = failure.code;
  }
}

/** The failure behind any error an EC2 call may throw (already classified or not). */
export function failureOf(err: unknown): AwsFailure {
  return err instanceof AwsCallError ? err.failure : classifyAwsError(err);
}

/** "Code: message", the one way a failure reads in logs, history and STATUS. */
export function describeFailure(f: AwsFailure): string {
  return `${f.code}: ${f.message}`;
}

/** Any error as a sentence: AWS failures as "Code: message", other errors by their message. */
export function errorText(err: unknown): string {
  if (err instanceof AwsCallError) return describeFailure(err.failure);
  if (err instanceof Error) return err.message;
  return String(err);
}

/** EC2 refuses Hibernate=true for instances launched without hibernation configured. */
export function hibernationUnsupported(f: AwsFailure): boolean {
  if (f.code === 'UnsupportedHibernationConfiguration' || f.code === 'UnsupportedOperation') return true;
  return f.class === 'client' && f.code !== 'UnauthorizedOperation' && /hibernat/i.test(f.message);
}

/** What a DryRun call proved: the permission is there (DryRunOperation) or missing (UnauthorizedOperation). */
export function dryRunVerdict(f: AwsFailure): 'allowed' | 'denied' | null {
  if (f.code === 'DryRunOperation') return 'allowed';
  if (f.code === 'UnauthorizedOperation') return 'denied';
  return null;
}
