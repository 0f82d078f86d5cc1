/**
 * `snooze fleet savings` in one region: per instance, priced from the file, the Price List
 * API or the built-in table, each source named so an estimate is never taken for a bill.
 * (Several regions: fleet-multi.ts, which keeps only sums.)
 */
import { inert, inertJson } from '../../contract/text.js';
import type { Fleet } from '../aws/fleet.js';
import { savingsReport } from '../aws/fleet-savings.js';
import type { Flags } from './fleet-args.js';
import { friendly, savingsJson, table, usd } from './fleet-format.js';
import type { FleetCliInternals, FleetIo } from './fleet-io.js';
import { quotePrices } from './fleet-prices.js';
import { EXIT } from './io.js';

export async function savings(fleet: Fleet, flags: Flags, io: FleetIo, where: string, region: string | undefined, internals: FleetCliInternals): Promise<number> {
  const { instances } = await fleet.poll();
  const now = internals.now?.() ?? Date.now();
  const types = [...new Set(instances.map((i) => i.type).filter((t): t is string => t !== null))];
  // The Price List API needs the region the prices are for; without one, the built-in table.
  const { quotes, priceListError } = await quotePrices(region ?? '', types, {
    ...(flags.pricesFile ? { file: flags.pricesFile } : {}),
    priceList: !flags.builtinPrices && region !== undefined,
    env: io.env,
    ...(internals.retry ? { retry: internals.retry } : {}),
    now,
  });
  const r = savingsReport(instances, now, flags.sinceMs, (t) => (t === null ? null : (quotes.get(t)?.usd ?? null)));
  const sources = Object.fromEntries([...quotes].filter(([t]) => r.instances.some((l) => l.type === t)).map(([t, q]) => [t, q.source]));
  if (flags.json) {
    io.out(inertJson(JSON.stringify({ ...savingsJson(r), price_sources: sources }, null, 2)));
    return EXIT.OK;
  }
  if (r.instances.length === 0) {
    io.out(`no CloudSnooze stops between ${r.since} and ${r.until} (${where})`);
    return EXIT.OK;
  }
  const rows = r.instances.map((l) => [l.id, l.type ?? '-', l.stoppedAt, l.hours.toFixed(1), l.hourlyPrice === null ? '-' : `$${l.hourlyPrice}`, l.savings === null ? '-' : usd(l.savings)]);
  rows.push(['TOTAL', '', '', r.totalHours.toFixed(1), '', usd(r.totalSavings)]);
  io.out(table(['INSTANCE', 'TYPE', 'STOPPED AT', 'HOURS', 'PRICE/H', 'SAVINGS'], rows.map((r) => r.map((c) => inert(c)))));
  io.out(`from ${r.since} to ${r.until}, latest stop of each instance, on-demand prices (${where})`);
  const bySource = new Map<string, string[]>();
  for (const [t, src] of Object.entries(sources)) bySource.set(src, [...(bySource.get(src) ?? []), t]);
  const words = { 'prices-file': 'your prices file', 'price-list-api': 'the AWS Price List API', 'built-in': 'the built-in table (us-east-1)' } as const;
  if (bySource.size) io.out(`prices from ${[...bySource].map(([src, ts]) => `${words[src as keyof typeof words]} (${ts.sort().join(', ')})`).join('; ')}`);
  if (priceListError) io.err(`snooze fleet savings: Price List API not used (${friendly(priceListError)}); built-in prices instead`);
  if (r.unpricedTypes.length) io.out(`no price for ${inert(r.unpricedTypes.join(', '))}: add them with --prices FILE ({"type": USD per hour})`);
  return EXIT.OK;
}
