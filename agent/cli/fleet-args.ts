/**
 * What `snooze fleet list|watch|restart|savings` accept: the usage text, each command's
 * flags and their checks, kept apart from the commands so a bad flag is refused with one
 * line before any AWS client is made.
 */
import { inert } from '../../contract/text.js';
import { configSchema, tagPrefixProblem } from '../../contract/config-schema.js';
import { DEFAULT_TAG_PREFIX } from '../../contract/paths.js';
import type { PriceTable } from '../aws/prices.js';
import { DEFAULT_REGION_CONCURRENCY, parseRegionSpec, type RegionSpec } from '../aws/fleet-regions.js';
import { parseFlags, type FlagOptions } from './args.js';
import { parseDurationMs } from './duration.js';
import { UsageError } from './io.js';
import { POLICY_USAGE } from './fleet-policy.js';

export const FLEET_USAGE = `usage: snooze fleet <command> [options]

  list     [--region R|R1,R2|all] [--concurrency 4] [--prefix P] [--json]
           instances CloudSnooze stopped: id, type, state, stopped at, reason, stopped for, estimated savings
  watch    [--interval 60] [--existing] [--region R] [--prefix P] [--json]
           print each new stop once (JSON lines with --json) until Ctrl-C
  restart  ID... [--tag KEY=VALUE]... [--force] [--region R] [--prefix P] [--json]
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


export interface Flags {
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
export const OPTIONS = {
  list: { ...common, ...multi, json: { type: 'boolean' } },
  watch: { ...common, interval: { type: 'string' }, existing: { type: 'boolean' }, json: { type: 'boolean' } },
  restart: { ...common, tag: { type: 'string', multiple: true }, force: { type: 'boolean' }, json: { type: 'boolean' } },
  savings: { ...common, ...multi, since: { type: 'string' }, prices: { type: 'string' }, 'builtin-prices': { type: 'boolean' }, json: { type: 'boolean' } },
} as const satisfies Record<string, FlagOptions>;
export type FleetCommand = keyof typeof OPTIONS;
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

export function fleetFlags(cmd: FleetCommand, args: string[]): Flags {
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
