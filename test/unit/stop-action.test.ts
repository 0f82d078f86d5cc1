/** The wait after a failed stop: contract/backoff's doubling, kept within one interval and the naptime. */
import { describe, expect, it } from 'vitest';
import { Backoff } from '../../contract/backoff.js';
import { DEFAULT_CONFIG } from '../../contract/config-schema.js';
import { retryDelayMs, STOP_RETRY } from '../../agent/stop-action.js';

describe('failed-stop retry delay', () => {
  it('15 s doubling up to 16 min, never under one interval nor over the naptime', () => {
    const delays = (cfg: { check_interval_seconds: number; naptime_minutes: number }) => {
      const b = new Backoff(STOP_RETRY);
      return Array.from({ length: 9 }, () => retryDelayMs(b.next(), { ...DEFAULT_CONFIG, ...cfg }) / 1000);
    };
    expect(delays({ check_interval_seconds: 60, naptime_minutes: 30 })).toEqual([60, 60, 60, 120, 240, 480, 960, 960, 960]);
    expect(delays({ check_interval_seconds: 10, naptime_minutes: 5 })).toEqual([15, 30, 60, 120, 240, 300, 300, 300, 300]);
  });
});
