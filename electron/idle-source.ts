/**
 * Whether `powerMonitor.getSystemIdleTime()` can be believed. On X11 Electron asks the
 * MIT-SCREEN-SAVER extension and returns 0 when that query fails (some Xvnc and DCV
 * displays); on such a display every report would say "input 0 s ago" and the instance
 * could never go idle while the app runs. A source that has never reported anything above
 * 0 over STUCK_AFTER_MS is therefore judged unavailable, like a host without a display:
 * it stops counting as input instead of counting as constant activity.
 *
 * Why this cannot hide a real user: the reading is whole seconds since the last input, so
 * a person at the keyboard shows 0 only when they touched it within the second before
 * each reading; over minutes of readings every few seconds some reading is above 0. One
 * reading above 0 proves the source works, and then it is believed from then on — also
 * after it was judged stuck (a display whose extension came up late).
 */

/** Readings stuck at 0 for this long, with at least MIN_READINGS of them, make the source unavailable. */
export const STUCK_AFTER_MS = 5 * 60_000;
const MIN_READINGS = 20;

export type IdleSourceVerdict =
  | { available: true; idleSecs: number }
  /** `reason` is for the log and the dashboard: one sentence. */
  | { available: false; reason: string };

export const STUCK_REASON = 'the desktop reports no idle time (always 0 s; e.g. an Xvnc or DCV display without the MIT-SCREEN-SAVER extension)';

export class IdleSourceJudge {
  private confirmed = false;
  private firstZeroAt: number | null = null;
  private zeroReadings = 0;

  /** One reading (seconds, as Electron returns it) taken at `now` (ms). */
  read(rawSecs: number, now: number): IdleSourceVerdict {
    if (!Number.isFinite(rawSecs) || rawSecs < 0) return { available: false, reason: `the desktop idle time is not a number (${String(rawSecs)})` };
    const idleSecs = Math.floor(rawSecs);
    if (idleSecs > 0) {
      this.confirmed = true;
      return { available: true, idleSecs };
    }
    if (this.confirmed) return { available: true, idleSecs };
    this.firstZeroAt ??= now;
    this.zeroReadings++;
    // Until the window is over a 0 counts as input: fail safe, as an unreadable metric does.
    if (this.zeroReadings >= MIN_READINGS && now - this.firstZeroAt >= STUCK_AFTER_MS) return { available: false, reason: STUCK_REASON };
    return { available: true, idleSecs };
  }
}
