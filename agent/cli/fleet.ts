/**
 * `snooze fleet ...`: what CloudSnooze did across a fleet, from the instance tags.
 * Returns the exit code: EXIT.OK, EXIT.ERROR for an API or runtime failure, EXIT.USAGE
 * for a bad flag, file or tag (README, "snooze fleet").
 */
import { inert, inertJson } from '../../contract/text.js';
import { configSchema, tagPrefixProblem } from '../../contract/config-schema.js';
import { DEFAULT_TAG_PREFIX } from '../../contract/paths.js';
import { isEc2Host } from '../aws/detect.js';
import { Fleet, FleetError, errorText } from '../aws/fleet.js';
import { ImdsClient } from '../aws/imds.js';
import { BUILTIN_PRICES, PriceFileError, readPriceFile, type PriceTable } from '../aws/prices.js';
import { Ec2 } from '../aws/ec2.js';
import { savingsReport } from '../aws/fleet-savings.js';
import { DEFAULT_REGION_CONCURRENCY, enabledRegions, parseRegionSpec, type RegionSpec } from '../aws/fleet-regions.js';
import { multiList, multiSavings } from './fleet-multi.js';
import { quotePrices } from './fleet-prices.js';
import type { RetryOptions } from '../aws/retry.js';
import { parseFlags, type FlagOptions } from './args.js';
import { parseDurationMs } from './duration.js';
import { formatHours, instanceJson, NO_REGION, savingsJson, table, usd } from './fleet-format.js';
import { EXIT, UsageError } from './io.js';
import { POLICY_USAGE, runFleetPolicy } from './fleet-policy.js';

export interface FleetIo {
  out: (s: string) => void;
  err: (s: string) => void;
  /** See CliIO.drain. */
  drain?: () => Promise<void>;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export const FLEET_USAGE = `usage: snooze fleet <command> [options]

  list     [--region R|R1,R2|all] [--concurrency 4] [--prefix P] [--json]
           instances CloudSnooze stopped: id, type, state, stopped at, reason, stopped for, estimated savings
  watch    [--interval 60] [--existing] [--region R] [--prefix P] [--json]
           print each new stop once (JSON lines with --json) until Ctrl-C
  restart  ID... [--tag KEY=VALUE]... [--force] [--region R] [--prefix P]
           start instances CloudSnooze stopped, set <prefix>:Status=Running and add your tags
  savings  [--since 30d] [--prices FILE] [--builtin-prices] [--region R|R1,R2|all] [--concurrency 4] [--prefix P] [--json]
           stopped hours x on-demand hourly price, per instance (per region and type with
           several regions) and in total; prices from --prices FILE, else the AWS Price List
           API (cached a week in ~/.cache/cloudsnooze/prices.json), else the built-in table
${POLICY_USAGE}

Region: --region, else AWS_REGION / AWS_DEFAULT_REGION, else this instance's region on EC2.
Several regions (list, savings): a comma-separated list or "all" (the account's enabled
regions, from DescribeRegions), read at most --concurrency at a time.
Credentials: the AWS SDK default chain.`;


interface Flags {
  region?: string;
  /** --region all or a list: the multi-region path (list, savings). */
  regions?: RegionSpec;
  concurrency: number;
  builtinPrices: boolean;
  pricesFile?: PriceTable;
  prefix: string;
  json: boolean;
  interval: number;
  existing: boolean;
  tags: Record<string, string>;
  force: boolean;
  sinceMs: number;
  prices?: string;
  positional: string[];
}

const common = { region: { type: 'string' }, prefix: { type: 'string' } } as const;
const multi = { concurrency: { type: 'string' } } as const;

/** Each command's flags, for parseArgs. */
const OPTIONS = {
  list: { ...common, ...multi, json: { type: 'boolean' } },
  watch: { ...common, interval: { type: 'string' }, existing: { type: 'boolean' }, json: { type: 'boolean' } },
  restart: { ...common, tag: { type: 'string', multiple: true }, force: { type: 'boolean' }, json: { type: 'boolean' } },
  savings: { ...common, ...multi, since: { type: 'string' }, prices: { type: 'string' }, 'builtin-prices': { type: 'boolean' }, json: { type: 'boolean' } },
} as const satisfies Record<string, FlagOptions>;
type FleetCommand = keyof typeof OPTIONS;
/** The values parseArgs returns for any of them (each command has a subset). */
interface FlagValues {
  region?: string;
  prefix?: string;
  json?: boolean;
  interval?: string;
  existing?: boolean;
  tag?: string[];
  force?: boolean;
  since?: string;
  prices?: string;
  concurrency?: string;
  'builtin-prices'?: boolean;
}

/** Test hook: lets tests shorten the retry delays of the API calls. */
export interface FleetCliInternals {
  retry?: RetryOptions;
  now?: () => number;
}

export async function runFleet(args: string[], io: FleetIo, internals: FleetCliInternals = {}): Promise<number> {
  const [cmd, ...rest] = args;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    (cmd ? io.out : io.err)(FLEET_USAGE);
    return cmd ? EXIT.OK : EXIT.USAGE;
  }
  // Its own module (settings pinned by tags), with its own flags.
  if (cmd === 'policy') return runFleetPolicy(rest, io, internals);
  if (!Object.hasOwn(OPTIONS, cmd)) {
    io.err(`snooze fleet: unknown command "${inert(cmd)}" (list, watch, restart, savings, policy)`);
    return EXIT.USAGE;
  }
  let flags: Flags;
  let prices: PriceTable | undefined;
  try {
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(FLEET_USAGE);
      return EXIT.OK;
    }
    flags = fleetFlags(cmd as FleetCommand, rest);
    if (flags.prices) {
      flags.pricesFile = readPriceFile(flags.prices);
      prices = { ...BUILTIN_PRICES, ...flags.pricesFile };
    }
  } catch (err) {
    if (err instanceof UsageError || err instanceof PriceFileError) {
      io.err(`snooze fleet ${cmd}: ${inert(err.message)}`);
      return EXIT.USAGE;
    }
    throw err;
  }

  if (flags.regions) return runMulti(cmd as 'list' | 'savings', flags, io, internals, prices);

  const region = flags.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION ?? (await regionFromMetadata(io.env));
  const fleet = new Fleet({
    ...(region ? { region } : {}),
    prefix: flags.prefix,
    env: io.env,
    ...(internals.retry ? { retry: internals.retry } : {}),
    ...(prices ? { prices } : {}),
    ...(internals.now ? { now: internals.now } : {}),
  });
  const where = `prefix ${flags.prefix}${region ? `, region ${region}` : ''}`;
  try {
    switch (cmd) {
      case 'list':
        return await list(fleet, flags, io, where);
      case 'watch':
        return await watch(fleet, flags, io);
      case 'restart':
        return await restart(fleet, flags, io);
      default:
        return await savings(fleet, flags, io, where, region, internals);
    }
  } catch (err) {
    // FleetError: the request itself is wrong (an id or tag key), as with a bad flag.
    if (err instanceof FleetError) {
      io.err(`snooze fleet ${cmd}: ${inert(err.message)}`);
      return EXIT.USAGE;
    }
    io.err(`snooze fleet ${cmd}: ${friendly(errorText(err))}`);
    return EXIT.ERROR;
  } finally {
    fleet.destroy();
  }
}

// ---------------------------------------------------------------------------

async function list(fleet: Fleet, flags: Flags, io: FleetIo, where: string): Promise<number> {
  const stopped = await fleet.list();
  if (flags.json) {
    io.out(inertJson(JSON.stringify(stopped.map(instanceJson), null, 2)));
    return EXIT.OK;
  }
  if (stopped.length === 0) {
    io.out(`no instances stopped by CloudSnooze (${where})`);
    return EXIT.OK;
  }
  const rows = stopped.map((s) => [
    s.id,
    s.type ?? '-',
    s.state ?? 'gone',
    s.stoppedAt ?? '-',
    s.stoppedHours === null ? '-' : formatHours(s.stoppedHours),
    s.estimatedSavings === null ? '-' : usd(s.estimatedSavings),
    s.reason ?? '-',
  ]);
  // Tag values are whatever anyone with CreateTags wrote (EC2 accepts any character): each
  // cell is made inert and kept on its row.
  io.out(table(['INSTANCE', 'TYPE', 'STATE', 'STOPPED AT', 'STOPPED FOR', 'EST. SAVINGS', 'REASON'], rows.map((r) => r.map((c) => inert(c)))));
  io.out(`${stopped.length} instance${stopped.length === 1 ? '' : 's'} stopped by CloudSnooze (${where})`);
  return EXIT.OK;
}

async function watch(fleet: Fleet, flags: Flags, io: FleetIo): Promise<number> {
  // Without a caller's signal, Ctrl-C (or SIGTERM) ends the watch cleanly.
  const own = io.signal ? null : new AbortController();
  const onSignal = () => own?.abort();
  if (own) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  const signal = io.signal ?? own!.signal;
  try {
    if (!flags.json) io.err(`watching for CloudSnooze stops every ${flags.interval} s (Ctrl-C to stop)`);
    await fleet.watch({
      intervalMs: flags.interval * 1000,
      signal,
      includeExisting: flags.existing,
      onEvent: (e) => {
        if (flags.json) io.out(inertJson(JSON.stringify({ event: 'stop', ...instanceJson(e) })));
        else io.out(inert(`${e.stoppedAt ?? '-'}  ${e.id} (${e.type ?? '?'}) stopped by CloudSnooze: ${e.reason ?? 'no reason tag'}`));
      },
      onError: (msg, retryIn) => io.err(`snooze fleet watch: ${friendly(msg)}; next try in ${Math.round(retryIn / 1000)} s`),
    });
    return EXIT.OK;
  } finally {
    if (own) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}

async function restart(fleet: Fleet, flags: Flags, io: FleetIo): Promise<number> {
  const r = await fleet.restart(flags.positional, { tags: flags.tags, force: flags.force });
  if (flags.json) io.out(inertJson(JSON.stringify(r)));
  if (r.refused.length > 0) {
    for (const x of r.refused) io.err(`snooze fleet restart: refused ${inert(x.id)}: ${inert(x.reason)}`);
    io.err('snooze fleet restart: nothing was started');
    return EXIT.ERROR;
  }
  if (!flags.json) io.out(`started ${inert(r.started.join(', '))}`);
  if (r.taggingError) {
    io.err(`snooze fleet restart: started, but the tags could not be written: ${friendly(r.taggingError)}`);
    return EXIT.ERROR;
  }
  return EXIT.OK;
}

async function savings(fleet: Fleet, flags: Flags, io: FleetIo, where: string, region: string | undefined, internals: FleetCliInternals): Promise<number> {
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

async function runMulti(cmd: 'list' | 'savings', flags: Flags, io: FleetIo, internals: FleetCliInternals, prices: PriceTable | undefined): Promise<number> {
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

// ---------------------------------------------------------------------------

function fleetFlags(cmd: FleetCommand, args: string[]): Flags {
  // Only restart takes plain arguments (the instance ids).
  const { values, positionals } = parseFlags(args, OPTIONS[cmd], cmd === 'restart' ? Infinity : 0);
  const v = values as FlagValues;
  const flags: Flags = { concurrency: DEFAULT_REGION_CONCURRENCY, builtinPrices: v['builtin-prices'] ?? false, prefix: DEFAULT_TAG_PREFIX, json: v.json ?? false, interval: 60, existing: v.existing ?? false, tags: {}, force: v.force ?? false, sinceMs: 30 * 86_400_000, positional: positionals };
  // Region and prefix follow the config file's rules (aws_region, tagging_prefix); a flag given must name one.
  if (v.region !== undefined && (v.region === 'all' || v.region.includes(','))) {
    if (cmd !== 'list' && cmd !== 'savings') throw new UsageError(`--region takes one region for ${cmd} (several regions or "all": list and savings)`);
    const spec = parseRegionSpec(v.region);
    if (typeof spec === 'string') throw new UsageError(`--region: ${inert(spec)}`);
    flags.regions = spec;
  } else if (v.region !== undefined) {
    if (v.region === '' || !configSchema.shape.aws_region.safeParse(v.region).success) throw new UsageError(`--region "${inert(v.region)}" is not a region name such as us-east-1`);
    flags.region = v.region;
  }
  if (v.prefix !== undefined) {
    // The agent's own rule: a prefix the agent would refuse matches nothing, so say why.
    const problem = tagPrefixProblem(v.prefix);
    if (problem) throw new UsageError(`--prefix "${inert(v.prefix)}" is not a valid tag prefix: it ${problem}`);
    flags.prefix = v.prefix;
  }
  if (v.concurrency !== undefined) {
    const n = Number(v.concurrency);
    if (!Number.isInteger(n) || n < 1 || n > 16) throw new UsageError(`--concurrency must be a whole number from 1 to 16 (got "${inert(v.concurrency)}")`);
    flags.concurrency = n;
  }
  if (v.interval !== undefined) {
    const n = Number(v.interval);
    if (!Number.isFinite(n) || n < 1 || n > 86_400) throw new UsageError(`--interval must be a number of seconds from 1 to 86400 (got "${v.interval}")`);
    flags.interval = n;
  }
  for (const t of v.tag ?? []) {
    const at = t.indexOf('=');
    if (at <= 0) throw new UsageError(`--tag needs KEY=VALUE (got "${t}")`);
    flags.tags[t.slice(0, at)] = t.slice(at + 1);
  }
  if (v.since !== undefined) flags.sinceMs = parseDuration(v.since);
  if (v.prices !== undefined) flags.prices = v.prices;
  if (cmd === 'restart' && flags.positional.length === 0) throw new UsageError('give at least one instance id');
  return flags;
}

function parseDuration(s: string): number {
  const ms = parseDurationMs(s, 'm');
  if (ms === null || ms <= 0) throw new UsageError(`--since "${s}" must be a duration such as 90m, 12h, 30d or 2w`);
  return ms;
}

async function regionFromMetadata(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (!isEc2Host(env)) return undefined;
  try {
    return await new ImdsClient({ env }).get('meta-data/placement/region');
  } catch {
    return undefined;
  }
}

/** An API or SDK error for the terminal: AWS messages may quote request values, so inert. */
function friendly(msg: string): string {
  if (/region is missing/i.test(msg)) return NO_REGION;
  if (/could not load credentials/i.test(msg)) return 'no AWS credentials found (environment, profile or instance role)';
  return inert(msg);
}
