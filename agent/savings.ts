/**
 * STATUS `savings`: hours this instance spent stopped by CloudSnooze in the last 30 days,
 * from its own history (a `stop`, then the next `agent_start`: the agent starts with the
 * instance), times its on-demand price. Pure: events, time and price in, numbers out.
 */
import type { HistoryEvent, PriceSource, Savings } from '../contract/protocol.js';

export const SAVINGS_WINDOW_MS = 30 * 86_400_000;

/**
 * Milliseconds stopped within [now - windowMs, now]. `events` oldest first. A stop with no
 * start after it counts nothing: the agent is running, so that stop did not hold (or the
 * history lost the start); guessing would overstate the saving.
 */
export function stoppedMs(events: readonly Pick<HistoryEvent, 'type' | 'time'>[], now: number, windowMs = SAVINGS_WINDOW_MS): number {
  const from = now - windowMs;
  let total = 0;
  let stoppedAt: number | null = null;
  for (const e of events) {
    const t = Date.parse(e.time);
    if (!Number.isFinite(t)) continue;
    if (e.type === 'stop') stoppedAt = t;
    else if (e.type === 'agent_start' && stoppedAt !== null) {
      const a = Math.max(stoppedAt, from);
      const b = Math.min(t, now);
      if (b > a) total += b - a;
      stoppedAt = null;
    }
  }
  return total;
}

export interface PriceQuote {
  usdPerHour: number;
  source: PriceSource;
}

export function savingsOf(hours: number, instanceType: string | null, price: PriceQuote | null): Savings {
  return {
    hours_stopped_30d: Math.round(hours * 100) / 100,
    estimated_usd: price ? Math.round(hours * price.usdPerHour * 100) / 100 : null,
    price_source: price?.source ?? null,
    price_per_hour: price?.usdPerHour ?? null,
    instance_type: instanceType,
  };
}
