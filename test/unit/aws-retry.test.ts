import { describe, expect, it } from 'vitest';
import { AwsCallError, backoffDelay, classifyAwsError, withRetry } from '../../agent/aws/retry.js';

const apiError = (name: string, status: number) => Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status, requestId: 'r-1' } });

describe('classifyAwsError', () => {
  it.each([
    [apiError('RequestLimitExceeded', 503), 'throttling', true],
    [apiError('Throttling', 400), 'throttling', true],
    [apiError('InternalError', 500), 'server', true],
    [apiError('SomethingNew', 502), 'server', true],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'network', true],
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }), 'network', true],
    [Object.assign(new Error('request timed out'), { name: 'TimeoutError' }), 'network', true],
    [apiError('UnauthorizedOperation', 403), 'client', false],
    [apiError('IncorrectInstanceState', 400), 'client', false],
    [apiError('InvalidInstanceID.NotFound', 400), 'client', false],
    [apiError('DryRunOperation', 412), 'client', false],
  ] as const)('%s → %s', (err, cls, retryable) => {
    expect(classifyAwsError(err)).toMatchObject({ class: cls, retryable });
  });
});

describe('withRetry', () => {
  it('retries retryable failures with growing, jittered, capped delays, then succeeds', async () => {
    const delays: number[] = [];
    let n = 0;
    const v = await withRetry(
      async () => {
        if (n++ < 3) throw apiError('RequestLimitExceeded', 503);
        return 'ok';
      },
      { baseDelayMs: 4, maxDelayMs: 1000, random: () => 0.999, onRetry: (_f, _a, d) => delays.push(d) },
    );
    expect(v).toBe('ok');
    expect(delays).toEqual([3, 7, 15]);
  });

  it('stops at maxAttempts and at the first non-retryable error', async () => {
    let calls = 0;
    const fail = (name: string, status: number) => () => {
      calls++;
      return Promise.reject(apiError(name, status));
    };
    await expect(withRetry(fail('InternalError', 500), { maxAttempts: 3, baseDelayMs: 1 })).rejects.toMatchObject({ name: 'InternalError', attempts: 3 });
    expect(calls).toBe(3);
    calls = 0;
    const err = await withRetry(fail('UnauthorizedOperation', 403), { maxAttempts: 5, baseDelayMs: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsCallError);
    expect((err as AwsCallError).failure).toMatchObject({ code: 'UnauthorizedOperation', status: 403, requestId: 'r-1' });
    expect(calls).toBe(1);
  });

  it('backoffDelay never exceeds the cap', () => {
    for (let a = 0; a < 30; a++) expect(backoffDelay(a, { baseDelayMs: 250, maxDelayMs: 10_000, random: () => 0.9999 })).toBeLessThanOrEqual(10_000);
  });
});
