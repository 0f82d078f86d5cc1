/**
 * Deltas of kernel counters that only grow, except when they wrap or the device is reset.
 *
 * /proc counters are `unsigned long` (32-bit on 32-bit kernels, and some drivers still keep
 * 32-bit hardware counters) or u64. A counter that went down either wrapped or was reset
 * (driver reload, interface re-created). A wrap is only believed when the previous value
 * sat in the top half of the counter's range and the new one in the bottom half; anything
 * else is a reset and counts as no traffic, because a reset read as a wrap would be a spike
 * of gigabytes that keeps the instance awake for nothing.
 */

const TWO_32 = 2 ** 32;
const TWO_31 = 2 ** 31;
const TWO_64 = 2 ** 64;
const TWO_63 = 2 ** 63;

export function counterDelta(prev: number, cur: number): number {
  if (cur >= prev) return cur - prev;
  if (prev < TWO_32 && prev >= TWO_31 && cur < TWO_31) return TWO_32 - prev + cur;
  // Above 2^53 the values are approximate, which is fine for a rate.
  if (prev >= TWO_63 && cur < TWO_63) return TWO_64 - prev + cur;
  return 0;
}

/**
 * Per-key counters across samples: the delta is summed over keys seen in both samples.
 * A key that appears for the first time (a new device) contributes nothing, rather than its
 * whole lifetime total; a key that disappears is forgotten.
 */
export class CounterSet {
  private prev = new Map<string, number>();
  private next = new Map<string, number>();
  private sum = 0;
  private hasBaseline = false;

  /** Start a round; call `add` for every key, then `finish`. */
  begin(): void {
    this.next.clear();
    this.sum = 0;
  }

  add(key: string, value: number): void {
    // The same key twice in a round (two counters of one device) is summed in the caller.
    this.next.set(key, value);
    const p = this.prev.get(key);
    if (p !== undefined) this.sum += counterDelta(p, value);
  }

  /** Returns the summed delta, or null when there was no previous round to compare with. */
  finish(): number | null {
    const swap = this.prev;
    this.prev = this.next;
    this.next = swap;
    const had = this.hasBaseline;
    this.hasBaseline = true;
    return had ? this.sum : null;
  }

  /** A failed read: the next round has nothing to compare with. */
  reset(): void {
    this.prev.clear();
    this.hasBaseline = false;
  }
}
