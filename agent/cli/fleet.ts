/**
 * `snooze fleet ...`: what CloudSnooze did across a fleet, from the instance tags.
 * Returns the exit code: 0 ok, 1 an API or runtime failure, 2 bad usage.
 */
import { inert, inertJson } from '../../contract/text.js';
import { isEc2Host } from '../aws/detect.js';
import { tagPrefixProblem } from '../../contract/config-schema.js';
import { DEFAULT_TAG_PREFIX } from '../../contract/paths.js';
import { Fleet, FleetError, errorText, type StoppedInstance, type SavingsReport } from '../aws/fleet.js';
import { ImdsClient } from '../aws/imds.js';
import { PriceFileError, loadPrices, type PriceTable } from '../aws/prices.js';
import type { RetryOptions } from '../aws/retry.js';
import { parseDurationMs } from './duration.js';
import { UsageError } from './io.js';

export interface FleetIo {
  out: (s: string) => void;
  err: (s: string) => void;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export const FLEET_USAGE = `usage: snooze fleet <command> [options]

  list     [--region R] [--prefix P] [--json]
           instances CloudSnooze stopped: id, type, state, stopped at, reason, stopped for, estimated savings
  watch    [--interval 60] [--existing] [--region R] [--prefix P] [--json]
           print each new stop once (JSON lines with --json) until Ctrl-C
  restart  ID... [--tag KEY=VALUE]... [--force] [--region R] [--prefix P]
           start instances CloudSnooze stopped, set <prefix>:Status=Running and add your tags
  savings  [--since 30d] [--prices FILE] [--region R] [--prefix P] [--json]
           stopped hours x on-demand hourly price, per instance and in total

Region: --region, else AWS_REGION / AWS_DEFAULT_REGION, else this instance's region on EC2.
Credentials: the AWS SDK default chain.`;


interface Flags {
  region?: string;
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

const VALUE_FLAGS: Record<string, string[]> = {
  list: ['--region', '--prefix'],
  watch: ['--region', '--prefix', '--interval'],
  restart: ['--region', '--prefix', '--tag'],
  savings: ['--region', '--prefix', '--since', '--prices'],
};
const BOOL_FLAGS: Record<string, string[]> = {
  list: ['--json'],
  watch: ['--json', '--existing'],
  restart: ['--force', '--json'],
  savings: ['--json'],
};

/** Test hook: lets tests shorten the retry delays of the API calls. */
export interface FleetCliInternals {
  retry?: RetryOptions;
  now?: () => number;
}

export async function runFleet(args: string[], io: FleetIo, internals: FleetCliInternals = {}): Promise<number> {
  const [cmd, ...rest] = args;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    (cmd ? io.out : io.err)(FLEET_USAGE);
    return cmd ? 0 : 2;
  }
  if (!(cmd in VALUE_FLAGS)) {
    io.err(`snooze fleet: unknown command "${inert(cmd)}" (list, watch, restart, savings)`);
    return 2;
  }
  let flags: Flags;
  let prices: PriceTable | undefined;
  try {
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(FLEET_USAGE);
      return 0;
    }
    flags = parseFlags(cmd, rest);
    if (flags.prices) prices = loadPrices(flags.prices);
  } catch (err) {
    if (err instanceof UsageError || err instanceof PriceFileError) {
      io.err(`snooze fleet ${cmd}: ${inert(err.message)}`);
      return 2;
    }
    throw err;
  }

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
        return await savings(fleet, flags, io, where);
    }
  } catch (err) {
    if (err instanceof FleetError) {
      io.err(`snooze fleet ${cmd}: ${inert(err.message)}`);
      return 2;
    }
    io.err(`snooze fleet ${cmd}: ${friendly(errorText(err))}`);
    return 1;
  } finally {
    fleet.destroy();
  }
}

// ---------------------------------------------------------------------------

async function list(fleet: Fleet, flags: Flags, io: FleetIo, where: string): Promise<number> {
  const stopped = await fleet.list();
  if (flags.json) {
    io.out(inertJson(JSON.stringify(stopped.map(toJson), null, 2)));
    return 0;
  }
  if (stopped.length === 0) {
    io.out(`no instances stopped by CloudSnooze (${where})`);
    return 0;
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
  return 0;
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
        if (flags.json) io.out(inertJson(JSON.stringify({ event: 'stop', ...toJson(e) })));
        else io.out(inert(`${e.stoppedAt ?? '-'}  ${e.id} (${e.type ?? '?'}) stopped by CloudSnooze: ${e.reason ?? 'no reason tag'}`));
      },
      onError: (msg, retryIn) => io.err(`snooze fleet watch: ${friendly(msg)}; next try in ${Math.round(retryIn / 1000)} s`),
    });
    return 0;
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
    return 1;
  }
  if (!flags.json) io.out(`started ${inert(r.started.join(', '))}`);
  if (r.taggingError) {
    io.err(`snooze fleet restart: started, but the tags could not be written: ${friendly(r.taggingError)}`);
    return 1;
  }
  return 0;
}

async function savings(fleet: Fleet, flags: Flags, io: FleetIo, where: string): Promise<number> {
  const r = await fleet.savings(flags.sinceMs);
  if (flags.json) {
    io.out(inertJson(JSON.stringify(savingsJson(r), null, 2)));
    return 0;
  }
  if (r.instances.length === 0) {
    io.out(`no CloudSnooze stops between ${r.since} and ${r.until} (${where})`);
    return 0;
  }
  const rows = r.instances.map((l) => [l.id, l.type ?? '-', l.stoppedAt, l.hours.toFixed(1), l.hourlyPrice === null ? '-' : `$${l.hourlyPrice}`, l.savings === null ? '-' : usd(l.savings)]);
  rows.push(['TOTAL', '', '', r.totalHours.toFixed(1), '', usd(r.totalSavings)]);
  io.out(table(['INSTANCE', 'TYPE', 'STOPPED AT', 'HOURS', 'PRICE/H', 'SAVINGS'], rows.map((r) => r.map((c) => inert(c)))));
  io.out(`from ${r.since} to ${r.until}, latest stop of each instance, on-demand prices (${where})`);
  if (r.unpricedTypes.length) io.out(`no price for ${inert(r.unpricedTypes.join(', '))}: add them with --prices FILE ({"type": USD per hour})`);
  return 0;
}

// ---------------------------------------------------------------------------

function parseFlags(cmd: string, args: string[]): Flags {
  const flags: Flags = { prefix: DEFAULT_TAG_PREFIX, json: false, interval: 60, existing: false, tags: {}, force: false, sinceMs: 30 * 86_400_000, positional: [] };
  const valueFlags = VALUE_FLAGS[cmd]!;
  const boolFlags = BOOL_FLAGS[cmd]!;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) {
      if (cmd !== 'restart') throw new UsageError(`unexpected argument "${arg}"`);
      flags.positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (boolFlags.includes(name)) {
      if (eq > 0) throw new UsageError(`${name} takes no value`);
      if (name === '--json') flags.json = true;
      if (name === '--existing') flags.existing = true;
      if (name === '--force') flags.force = true;
      continue;
    }
    if (!valueFlags.includes(name)) throw new UsageError(`unknown option ${name}`);
    let value: string;
    if (eq > 0) value = arg.slice(eq + 1);
    else {
      const next = args[++i];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${name} needs a value`);
      value = next;
    }
    switch (name) {
      case '--region':
        if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(value)) throw new UsageError(`--region "${value}" is not a region name such as us-east-1`);
        flags.region = value;
        break;
      case '--prefix': {
        // The same rule as the agent's tagging_prefix: a prefix the agent would refuse matches nothing.
        const problem = tagPrefixProblem(value);
        if (problem) throw new UsageError(`--prefix "${value}" is not a valid tag prefix: it ${problem}`);
        flags.prefix = value;
        break;
      }
      case '--interval': {
        const n = Number(value);
        if (!Number.isFinite(n) || n < 1 || n > 86_400) throw new UsageError(`--interval must be a number of seconds from 1 to 86400 (got "${value}")`);
        flags.interval = n;
        break;
      }
      case '--tag': {
        const at = value.indexOf('=');
        if (at <= 0) throw new UsageError(`--tag needs KEY=VALUE (got "${value}")`);
        flags.tags[value.slice(0, at)] = value.slice(at + 1);
        break;
      }
      case '--since':
        flags.sinceMs = parseDuration(value);
        break;
      case '--prices':
        flags.prices = value;
        break;
    }
  }
  if (cmd === 'restart' && flags.positional.length === 0) throw new UsageError('give at least one instance id');
  return flags;
}

export function parseDuration(s: string): number {
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
  if (/region is missing/i.test(msg)) return 'no AWS region: pass --region or set AWS_REGION';
  if (/could not load credentials/i.test(msg)) return 'no AWS credentials found (environment, profile or instance role)';
  return inert(msg);
}

function toJson(s: StoppedInstance) {
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

function savingsJson(r: SavingsReport) {
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
const usd = (n: number) => `$${n.toFixed(2)}`;

function formatHours(h: number): string {
  const mins = Math.round(h * 60);
  if (mins < 60) return `${mins}m`;
  const d = Math.floor(mins / 1440);
  const hh = Math.floor((mins % 1440) / 60);
  return d > 0 ? `${d}d ${hh}h` : `${hh}h ${mins % 60}m`;
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}
