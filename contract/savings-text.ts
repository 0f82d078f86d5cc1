/**
 * The one sentence the tray and the dashboard show for STATUS `savings`:
 * "Saved ≈ $41 this month" (the last 30 days). Null when there is nothing to say
 * (off EC2, no stop yet, no price for the type).
 */
import { groupDigits } from './time-format.js';
import type { Savings } from './protocol.js';

export function savedText(s: Savings | null | undefined): string | null {
  if (!s || s.estimated_usd === null || s.hours_stopped_30d <= 0) return null;
  const usd = s.estimated_usd;
  // Whole dollars once they matter; cents below $10, where rounding would hide the saving.
  const amount = usd >= 10 ? `$${groupDigits(Math.round(usd))}` : `$${usd.toFixed(2)}`;
  return `Saved ≈ ${amount} this month`;
}

/** The detail under it: hours and where the price came from. */
export function savedDetail(s: Savings): string {
  const hours = s.hours_stopped_30d >= 10 ? Math.round(s.hours_stopped_30d).toString() : s.hours_stopped_30d.toFixed(1);
  const source = s.price_source === 'price-list-api' ? 'AWS Price List' : 'built-in price table';
  return `${hours} h stopped in 30 days × $${s.price_per_hour}/h ${s.instance_type ?? ''} (${source})`.replace(/ {2,}/g, ' ');
}
