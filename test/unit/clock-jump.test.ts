/** The clock-jump rule on its own: the threshold, both directions, and what it leaves alone. */
import { describe, expect, it } from 'vitest';
import { CLOCK_JUMP_MS, followClockJump } from '../../agent/clock-jump.js';
import { initialPolicyState } from '../../agent/policy.js';
import type { PolicyState } from '../../agent/policy-types.js';

const T = Date.parse('2026-06-01T12:00:00Z');
const counting: PolicyState = { ...initialPolicyState(), idleSince: T - 60_000, warnedAt: T - 10_000, notBefore: T + 5_000, holds: { postponedUntil: T + 3600_000, stayAwake: null } };

describe('followClockJump', () => {
  it('does nothing on the first reading, nor while the clocks move together', () => {
    expect(followClockJump(counting, null, { wall: T, mono: 0 })).toBeNull();
    expect(followClockJump(counting, { wall: T, mono: 0 }, { wall: T + 30_000, mono: 30_000 })).toBeNull();
  });

  it('ignores drift just under the threshold and follows a jump at it', () => {
    const last = { wall: T, mono: 0 };
    expect(followClockJump(counting, last, { wall: T + 1000 + CLOCK_JUMP_MS - 1, mono: 1000 })).toBeNull();
    const moved = followClockJump(counting, last, { wall: T + 1000 + CLOCK_JUMP_MS, mono: 1000 });
    expect(moved?.jumpMs).toBe(CLOCK_JUMP_MS);
  });

  it('shifts the countdown by a forward jump, and keeps the holds (the user meant that wall-clock time)', () => {
    const jump = 3 * 3600_000;
    const moved = followClockJump(counting, { wall: T, mono: 0 }, { wall: T + 1000 + jump, mono: 1000 });
    expect(moved).toEqual({
      jumpMs: jump,
      state: { ...counting, idleSince: counting.idleSince! + jump, warnedAt: counting.warnedAt! + jump, notBefore: counting.notBefore! + jump },
    });
    expect(moved!.state.holds).toBe(counting.holds);
  });

  it('shifts back by a backward jump and leaves unset times unset', () => {
    const active = { ...initialPolicyState(), idleSince: T - 60_000 };
    const moved = followClockJump(active, { wall: T, mono: 0 }, { wall: T - 600_000, mono: 1000 });
    expect(moved?.jumpMs).toBe(-601_000);
    expect(moved?.state).toMatchObject({ idleSince: T - 661_000, warnedAt: null, notBefore: null });
  });
});
