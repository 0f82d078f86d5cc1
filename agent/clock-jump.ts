/**
 * The idle timer lives in wall-clock time (it is shown to people), but a clock set forward
 * (NTP at boot, a suspended VM) must not count as idle time. This is the pure rule that
 * shifts the countdown by the jump so only elapsed monotonic time counts; the daemon reads
 * the clocks and logs. Holds are the user's wall-clock intent and stay as they are.
 */
import type { PolicyState } from './policy-types.js';

/** A wall clock that moves this much more (or less) than the monotonic clock between samples has jumped. */
export const CLOCK_JUMP_MS = 5000;

/** Both clocks, read together. */
export interface ClockReading {
  wall: number;
  mono: number;
}

/** The policy state with its countdown shifted by the wall clock's jump since `last`; null when the clock did not jump. */
export function followClockJump(p: PolicyState, last: ClockReading | null, now: ClockReading): { state: PolicyState; jumpMs: number } | null {
  if (!last) return null;
  const jump = now.wall - last.wall - (now.mono - last.mono);
  if (Math.abs(jump) < CLOCK_JUMP_MS) return null;
  const shift = (t: number | null) => (t === null ? null : t + jump);
  return { state: { ...p, idleSince: shift(p.idleSince), warnedAt: shift(p.warnedAt), notBefore: shift(p.notBefore) }, jumpMs: jump };
}
