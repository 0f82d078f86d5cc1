import { describe, expect, it } from 'vitest';
import { Backoff, backoffDelay } from '../../contract/backoff.js';

describe('backoffDelay', () => {
  it('doubles from the base and stops at the cap', () => {
    const p = { baseMs: 250, maxMs: 5000 };
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, p))).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000]);
  });
  it('stays finite for huge attempt numbers', () => {
    expect(backoffDelay(10_000, { baseMs: 1000, maxMs: 60_000 })).toBe(60_000);
  });
  it('full jitter stays within [base/2, ceiling]', () => {
    const p = { baseMs: 200, maxMs: 10_000, jitter: 'full' as const };
    expect(backoffDelay(3, p, () => 0)).toBe(100);
    expect(backoffDelay(3, p, () => 0.999999)).toBe(1599);
    expect(backoffDelay(20, p, () => 0.5)).toBe(5000);
  });
  it('proportional jitter spreads ±f around the delay, never above the cap', () => {
    const p = { baseMs: 1000, maxMs: 4000, jitter: 0.2 };
    expect(backoffDelay(1, p, () => 0)).toBe(1600);
    expect(backoffDelay(1, p, () => 1)).toBe(2400);
    expect(backoffDelay(5, p, () => 1)).toBe(4000);
  });
});

describe('Backoff', () => {
  it('counts attempts, resets, and forgives a few', () => {
    const b = new Backoff({ baseMs: 100, maxMs: 1000 });
    expect([b.next(), b.next(), b.next()]).toEqual([100, 200, 400]);
    expect(b.attempts).toBe(3);
    b.forgive(2);
    expect(b.peek()).toBe(200);
    b.forgive(10);
    expect(b.next()).toBe(100);
    b.reset();
    expect(b.attempts).toBe(0);
  });
  it('forgives failures counted at the cap first, so one step already shortens the wait', () => {
    const b = new Backoff({ baseMs: 500, maxMs: 10_000 });
    for (let i = 0; i < 8; i++) b.next();
    expect(b.peek()).toBe(10_000);
    b.forgive(1);
    expect(b.peek()).toBe(8000);
  });
});
