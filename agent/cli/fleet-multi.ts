/**
 * `snooze fleet list|savings --region all|r1,r2,...`: several regions at once, at most
 * `--concurrency` in parallel. `list` prints each page (1000 instances) as it arrives, so
 * memory holds a page per region whatever the fleet's size; `savings` keeps only sums per
 * region and instance type, and prices them once every region is read.
 */
import { inert, inertJson } from '../../contract/text.js';
import { stoppedHours } from '../aws/fleet-savings.js';
import { Fleet, errorText, type FleetOptions } from '../aws/fleet.js';
import { rfc3339Seconds } from '../../contract/protocol.js';
import { enabledRegions, forEachRegion } from '../aws/fleet-regions.js';
import { Ec2 } from '../aws/ec2.js';
import type { PriceTable } from '../aws/prices.js';
import { quotePrices, type PriceOptions, type Quote } from './fleet-prices.js';
import { formatHours, friendly, instanceJson, table, usd } from './fleet-format.js';
import { JsonArrayStream } from './fleet-output.js';
import type { Flags } from './fleet-args.js';
import type { FleetCliInternals, FleetIo } from './fleet-io.js';
import { regionFromMetadata } from './fleet-region.js';
import { EXIT } from './io.js';

export interface MultiIo {
  out: (s: string) => void;
  err: (s: string) => void;
  /** See CliIO.drain. */
  drain?: () => Promise<void>;
}

export interface MultiOptions {
  regions: string[];
  concurrency: number;
  json: boolean;
  /** Everything a Fleet needs but its region. */
  fleet: Omit<FleetOptions, 'region'>;
  friendly: (msg: string) => string;
}

/** Fixed widths (a streamed table cannot measure its rows first); the reason column is free. */
const LIST_COLUMNS: [string, number][] = [
  ['REGION', 14],
  ['INSTANCE', 19],
  ['TYPE', 13],
  ['STATE', 9],
  ['STOPPED AT', 20],
  ['STOPPED FOR', 11],
  ['EST. SAVINGS', 12],
  ['REASON', 0],
];
const row = (cells: string[]) =>
  cells
    .map((c, i) => (LIST_COLUMNS[i]![1] ? c.padEnd(LIST_COLUMNS[i]![1]) : c))
    .join('  ')
    .trimEnd();

/** Returns the number of regions that failed (each told on stderr). */
export async function multiList(io: MultiIo, o: MultiOptions): Promise<{ failed: number; count: number }> {
  let count = 0;
  // JSON: one array, streamed a page at a time (fleet-output.ts).
  const json = o.json ? new JsonArrayStream(io.out) : null;
  if (!json) io.out(row(LIST_COLUMNS.map(([h]) => h)));
  const outcomes = await forEachRegion(o.regions, o.concurrency, async (region) => {
    const fleet = new Fleet({ ...o.fleet, region });
    try {
      for await (const page of fleet.pages({ onlyStopped: true })) {
        const now = Date.now();
        count += page.length;
        if (json) {
          json.write(page.map((inst) => ({ region, ...instanceJson(fleet.priced(inst, now)) })));
          await io.drain?.();
          continue;
        }
        const lines = page.map((inst) => {
          const s = fleet.priced(inst, now);
          return row(
            [region, s.id, s.type ?? '-', s.state ?? 'gone', s.stoppedAt ?? '-', s.stoppedHours === null ? '-' : formatHours(s.stoppedHours), s.estimatedSavings === null ? '-' : usd(s.estimatedSavings), s.reason ?? '-'].map((c) => inert(c)),
          );
        });
        io.out(lines.join('\n'));
        // The next page waits for a slow reader: memory holds a page, not the fleet's output.
        await io.drain?.();
      }
    } finally {
      fleet.destroy();
    }
  });
  if (json) json.end();
  else {
    io.out(`${count} instance${count === 1 ? '' : 's'} stopped by CloudSnooze in ${o.regions.length} region${o.regions.length === 1 ? '' : 's'}`);
  }
  let failed = 0;
  for (const r of outcomes) {
    if (r.ok) continue;
    failed++;
    io.err(`snooze fleet list: ${r.region}: ${o.friendly(errorText(r.error))}`);
  }
  return { failed, count };
}

interface TypeSum {
  instances: number;
  hours: number;
}

export interface MultiSavingsOptions extends MultiOptions {
  sinceMs: number;
  now: number;
  prices: Omit<PriceOptions, 'now'>;
}

/** Per region and type: instances stopped in the window, their stopped hours, the price and where it came from. */
export async function multiSavings(io: MultiIo, o: MultiSavingsOptions): Promise<{ failed: number }> {
  const from = o.now - o.sinceMs;
  const outcomes = await forEachRegion(o.regions, o.concurrency, async (region) => {
    const fleet = new Fleet({ ...o.fleet, region });
    const byType = new Map<string, TypeSum>();
    try {
      for await (const page of fleet.pages()) {
        for (const inst of page) {
          const h = stoppedHours(inst, o.now, from);
          if (h === null || h <= 0) continue;
          const t = inst.type ?? 'unknown';
          const sum = byType.get(t) ?? { instances: 0, hours: 0 };
          sum.instances++;
          sum.hours += h;
          byType.set(t, sum);
        }
      }
    } finally {
      fleet.destroy();
    }
    const { quotes, priceListError } = await quotePrices(region, [...byType.keys()].filter((t) => t !== 'unknown'), { ...o.prices, now: o.now });
    return { byType, quotes, priceListError };
  });

  const regions = outcomes.map((r) => {
    if (!r.ok) return { region: r.region, error: o.friendly(errorText(r.error)) };
    const types = [...r.value.byType]
      .map(([type, s]) => {
        const q: Quote | undefined = r.value.quotes.get(type);
        return { instance_type: type, instances: s.instances, hours: round(s.hours, 3), hourly_price_usd: q?.usd ?? null, price_source: q?.source ?? null, savings_usd: q ? round(s.hours * q.usd, 4) : null };
      })
      .sort((a, b) => (b.savings_usd ?? -1) - (a.savings_usd ?? -1) || a.instance_type.localeCompare(b.instance_type));
    return {
      region: r.region,
      instances: types.reduce((n, t) => n + t.instances, 0),
      hours: round(types.reduce((n, t) => n + t.hours, 0), 3),
      savings_usd: round(types.reduce((n, t) => n + (t.savings_usd ?? 0), 0), 4),
      by_type: types,
      ...(r.value.priceListError ? { price_list_error: r.value.priceListError } : {}),
    };
  });
  const ok = regions.filter((r): r is Exclude<(typeof regions)[number], { error: string }> => !('error' in r));
  const report = {
    since: rfc3339Seconds(from),
    until: rfc3339Seconds(o.now),
    regions,
    total_instances: ok.reduce((n, r) => n + r.instances, 0),
    total_hours: round(ok.reduce((n, r) => n + r.hours, 0), 3),
    total_savings_usd: round(ok.reduce((n, r) => n + r.savings_usd, 0), 4),
    unpriced_types: [...new Set(ok.flatMap((r) => r.by_type.filter((t) => t.hourly_price_usd === null).map((t) => t.instance_type)))].sort(),
  };

  if (o.json) io.out(inertJson(JSON.stringify(report, null, 2)));
  else {
    const rows = ok.flatMap((r) =>
      r.by_type.map((t) => [r.region, t.instance_type, String(t.instances), t.hours.toFixed(1), t.hourly_price_usd === null ? '-' : `$${t.hourly_price_usd}`, t.savings_usd === null ? '-' : usd(t.savings_usd), t.price_source ?? 'no price']),
    );
    rows.push(['TOTAL', '', String(report.total_instances), report.total_hours.toFixed(1), '', usd(report.total_savings_usd), '']);
    io.out(table(['REGION', 'TYPE', 'INSTANCES', 'HOURS', 'PRICE/H', 'SAVINGS', 'PRICE FROM'], rows.map((r) => r.map((c) => inert(c)))));
    io.out(`from ${report.since} to ${report.until}, latest stop of each instance, on-demand prices, ${o.regions.length} region${o.regions.length === 1 ? '' : 's'}`);
    if (report.unpriced_types.length) io.out(`no price for ${inert(report.unpriced_types.join(', '))}: add them with --prices FILE ({"type": USD per hour})`);
    for (const r of ok) if (r.price_list_error) io.err(`snooze fleet savings: ${r.region}: Price List API not used (${o.friendly(r.price_list_error)}); built-in prices instead`);
  }
  let failed = 0;
  for (const r of regions) {
    if (!('error' in r)) continue;
    failed++;
    io.err(`snooze fleet savings: ${r.region}: ${r.error}`);
  }
  return { failed };
}

const round = (n: number, d: number) => Number(n.toFixed(d));

/** `list` or `savings` over several regions: "all" is the account's enabled regions, asked once. */
export async function runMulti(cmd: 'list' | 'savings', flags: Flags, io: FleetIo, internals: FleetCliInternals, prices: PriceTable | undefined): Promise<number> {
  const spec = flags.regions!;
  const fleetOpts = {
    prefix: flags.prefix,
    env: io.env,
    ...(internals.retry ? { retry: internals.retry } : {}),
    ...(prices ? { prices } : {}),
    ...(internals.now ? { now: internals.now } : {}),
  };
  let regions: string[];
  if (spec.all) {
    // DescribeRegions is asked in the home region (flag-less chain: AWS_REGION, profile).
    const home = io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION ?? (await regionFromMetadata(io.env)) ?? 'us-east-1';
    const ec2 = new Ec2({ region: home, env: io.env, ...(internals.retry ? { retry: internals.retry } : {}) });
    try {
      regions = await enabledRegions(ec2);
    } catch (err) {
      io.err(`snooze fleet ${cmd}: cannot list the account's regions (ec2:DescribeRegions): ${friendly(errorText(err))}`);
      return EXIT.ERROR;
    } finally {
      ec2.destroy();
    }
  } else regions = spec.regions;
  const base = { regions, concurrency: flags.concurrency, json: flags.json, fleet: fleetOpts, friendly };
  const failed =
    cmd === 'list'
      ? (await multiList(io, base)).failed
      : (
          await multiSavings(io, {
            ...base,
            sinceMs: flags.sinceMs,
            now: internals.now?.() ?? Date.now(),
            prices: { ...(flags.pricesFile ? { file: flags.pricesFile } : {}), priceList: !flags.builtinPrices, env: io.env, ...(internals.retry ? { retry: internals.retry } : {}) },
          })
        ).failed;
  return failed > 0 ? EXIT.ERROR : EXIT.OK;
}
