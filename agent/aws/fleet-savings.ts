/**
 * What stopping saved: stopped hours × the on-demand hourly price. Pure arithmetic over
 * polled instances, apart from the EC2 calls that found them.
 */
import { rfc3339Seconds } from '../../contract/protocol.js';
import type { FleetInstance, SavingsLine, SavingsReport, StoppedInstance } from './fleet-types.js';

/** Hours stopped since the latest CloudSnooze stop, clipped to start at `from`; null without a stop time. */
export function stoppedHours(inst: Pick<FleetInstance, 'stoppedAt' | 'state' | 'launchTime'>, now: number, from: number): number | null {
  if (!inst.stoppedAt) return null;
  const stop = Date.parse(inst.stoppedAt);
  if (!Number.isFinite(stop)) return null;
  let end: number;
  if (inst.state === 'stopped' || inst.state === 'stopping') end = now;
  else {
    const launched = inst.launchTime ? Date.parse(inst.launchTime) : NaN;
    // Started again after the stop: the gap is what was saved. Otherwise nothing is known.
    if (!Number.isFinite(launched) || launched <= stop) return 0;
    end = launched;
  }
  return Math.max(0, end - Math.max(stop, from)) / 3_600_000;
}

/** An instance with how long it has been stopped (since its latest stop, unclipped) and what that saved. */
export function withSavings(inst: FleetInstance, now: number, hourlyPrice: number | null): StoppedInstance {
  const hours = stoppedHours(inst, now, -Infinity);
  return { ...inst, stoppedHours: hours, hourlyPrice, estimatedSavings: hours !== null && hourlyPrice !== null ? hours * hourlyPrice : null };
}

/** Stopped hours × hourly price over [now - sinceMs, now], per instance (latest stop each) and in total, biggest saving first. */
export function savingsReport(instances: FleetInstance[], now: number, sinceMs: number, priceOf: (type: string | null) => number | null): SavingsReport {
  const from = now - sinceMs;
  const lines: SavingsLine[] = [];
  const unpriced = new Set<string>();
  for (const inst of instances) {
    const hours = stoppedHours(inst, now, from);
    if (hours === null || inst.stoppedAt === null || hours <= 0) continue;
    const price = priceOf(inst.type);
    if (price === null) unpriced.add(inst.type ?? 'unknown');
    lines.push({ id: inst.id, type: inst.type, stoppedAt: inst.stoppedAt, hours, hourlyPrice: price, savings: price === null ? null : hours * price });
  }
  lines.sort((a, b) => (b.savings ?? -1) - (a.savings ?? -1) || a.id.localeCompare(b.id));
  return {
    since: rfc3339Seconds(from),
    until: rfc3339Seconds(now),
    instances: lines,
    totalHours: lines.reduce((s, l) => s + l.hours, 0),
    totalSavings: lines.reduce((s, l) => s + (l.savings ?? 0), 0),
    unpricedTypes: [...unpriced].sort(),
  };
}
