/** How `snooze fleet` prints: aligned tables for people, snake_case JSON for scripts. */
import { inert } from '../../contract/text.js';
import type { SavingsReport, StoppedInstance } from '../aws/fleet-types.js';

/** One instance as `list --json` and `watch --json` print it. */
export function instanceJson(s: StoppedInstance) {
  return {
    instance_id: s.id,
    instance_type: s.type,
    state: s.state,
    status: s.status,
    stopped_at: s.stoppedAt,
    reason: s.reason,
    stopped_hours: s.stoppedHours === null ? null : round(s.stoppedHours, 3),
    hourly_price_usd: s.hourlyPrice,
    estimated_savings_usd: s.estimatedSavings === null ? null : round(s.estimatedSavings, 4),
    tags: s.tags,
  };
}

export function savingsJson(r: SavingsReport) {
  return {
    since: r.since,
    until: r.until,
    instances: r.instances.map((l) => ({
      instance_id: l.id,
      instance_type: l.type,
      stopped_at: l.stoppedAt,
      hours: round(l.hours, 3),
      hourly_price_usd: l.hourlyPrice,
      savings_usd: l.savings === null ? null : round(l.savings, 4),
    })),
    total_hours: round(r.totalHours, 3),
    total_savings_usd: round(r.totalSavings, 4),
    unpriced_types: r.unpricedTypes,
  };
}

const round = (n: number, d: number) => Number(n.toFixed(d));
export const usd = (n: number) => `$${n.toFixed(2)}`;

/** "45m", "3h 20m", "2d 4h": how long an instance has been stopped, to a glance's precision. */
export function formatHours(h: number): string {
  const mins = Math.round(h * 60);
  if (mins < 60) return `${mins}m`;
  const d = Math.floor(mins / 1440);
  const hh = Math.floor((mins % 1440) / 60);
  return d > 0 ? `${d}d ${hh}h` : `${hh}h ${mins % 60}m`;
}

/** Columns padded to their widest cell; the last column (free text) is not padded. */
export function table(head: string[], rows: string[][]): string {
  const widths = columnWidths(head, rows);
  return [tableLine(head, widths), ...rows.map((r) => tableLine(r, widths))].join('\n');
}

/** Each column's widest cell, heading included (a loop: a fleet's rows are too many to spread into Math.max). */
export function columnWidths(head: string[], rows: string[][]): number[] {
  const widths = head.map((h) => h.length);
  for (const r of rows) for (let i = 0; i < widths.length; i++) widths[i] = Math.max(widths[i]!, (r[i] ?? '').length);
  return widths;
}

/** One row of a table: cells padded to `widths`, two spaces apart; the last cell as it is. */
export function tableLine(r: string[], widths: number[]): string {
  return r
    .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
    .join('  ')
    .trimEnd();
}

/** What every fleet command says when neither a flag, the environment nor metadata names a region. */
export const NO_REGION = 'no AWS region: pass --region or set AWS_REGION';

/** An API or SDK error for the terminal: AWS messages may quote request values, so inert. */
export function friendly(msg: string): string {
  if (/region is missing/i.test(msg)) return NO_REGION;
  if (/could not load credentials/i.test(msg)) return 'no AWS credentials found (environment, profile or instance role)';
  return inert(msg);
}
