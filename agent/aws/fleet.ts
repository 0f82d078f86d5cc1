/**
 * Fleet-wide view of what CloudSnooze did, for external tools: list, watch, restart,
 * savings. A poll is paginated over the fleet, never a call per instance:
 * ceil(N/1000) DescribeTags (who carries `<prefix>:Status`) + ceil(N/1000)
 * DescribeInstances (state, type, launch time and the other tags, 1000 ids a call).
 */
import type { Instance } from '@aws-sdk/client-ec2';
import { Backoff } from '../../contract/backoff.js';
import { DEFAULT_TAG_PREFIX } from '../../contract/paths.js';
import { rfc3339Seconds } from '../../contract/protocol.js';
import { TAG_NAMES, tagKey } from '../../contract/tags.js';
import { Ec2 } from './ec2.js';
import { savingsReport, withSavings } from './fleet-savings.js';
import type { FleetInstance, PollResult, PollStats, RestartResult, SavingsReport, StoppedInstance } from './fleet-types.js';
import { BUILTIN_PRICES, type PriceTable } from './prices.js';
import { AwsCallError, errorText } from './errors.js';
import { sleep, type RetryOptions } from './retry.js';

// The fleet API in one import for external tools (README, "snooze fleet").
export type * from './fleet-types.js';
export { stoppedHours } from './fleet-savings.js';
// The CLI takes its error sentences from here.
export { errorText };

export const PAGE_SIZE = 1000;
const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;

export class FleetError extends Error {
  override name = 'FleetError';
}

export interface FleetOptions {
  /** Undefined: the SDK's region chain (AWS_REGION, profile). */
  region?: string;
  prefix?: string;
  env?: NodeJS.ProcessEnv;
  retry?: RetryOptions;
  /** Injected client (tests, benches); default: a new SDK client. */
  ec2?: Ec2;
  prices?: PriceTable;
  now?: () => number;
}

export interface StopEvent extends StoppedInstance {
  event: 'stop';
}

export interface WatchOptions {
  intervalMs: number;
  signal?: AbortSignal;
  /** Also report instances already stopped at the first poll. */
  includeExisting?: boolean;
  onEvent: (e: StopEvent) => void;
  /** Told of each failed poll and how long until the next try. */
  onError?: (message: string, retryInMs: number) => void;
  maxBackoffMs?: number;
}

export class Fleet {
  readonly prefix: string;
  private readonly ec2: Ec2;
  private readonly prices: PriceTable;
  private readonly now: () => number;

  constructor(opts: FleetOptions = {}) {
    this.prefix = opts.prefix ?? DEFAULT_TAG_PREFIX;
    this.ec2 = opts.ec2 ?? new Ec2({ ...(opts.region ? { region: opts.region } : {}), ...(opts.env ? { env: opts.env } : {}), ...(opts.retry ? { retry: opts.retry } : {}) });
    this.prices = opts.prices ?? BUILTIN_PRICES;
    this.now = opts.now ?? Date.now;
  }

  private key(name: string): string {
    return tagKey(this.prefix, name);
  }

  /** Every instance carrying `<prefix>:Status` (or only those whose value is Stopped). */
  async poll(opts: { onlyStopped?: boolean; signal?: AbortSignal } = {}): Promise<PollResult> {
    const stats: PollStats = { describeTagsCalls: 0, describeInstancesCalls: 0 };
    const instances: FleetInstance[] = [];
    for await (const page of this.pages({ ...opts, stats })) instances.push(...page);
    return { instances, stats };
  }

  /**
   * The same instances a page at a time: one DescribeTags page (up to 1000 tags), then one
   * DescribeInstances for its ids. Memory holds one page, whatever the fleet's size, and the
   * calls are those of poll(): ceil(N/1000) of each.
   */
  async *pages(opts: { onlyStopped?: boolean; signal?: AbortSignal; stats?: PollStats } = {}): AsyncGenerator<FleetInstance[]> {
    const stats = opts.stats ?? { describeTagsCalls: 0, describeInstancesCalls: 0 };
    const statusKey = this.key(TAG_NAMES.status);
    let token: string | undefined;
    do {
      const out = await this.ec2.describeTags({
        Filters: [
          { Name: 'key', Values: [statusKey] },
          { Name: 'resource-type', Values: ['instance'] },
        ],
        MaxResults: PAGE_SIZE,
        ...(token ? { NextToken: token } : {}),
      }, opts.signal ? { signal: opts.signal } : undefined);
      stats.describeTagsCalls++;
      token = out.NextToken || undefined;
      const statuses = new Map<string, string>();
      for (const t of out.Tags ?? []) if (t.ResourceId) statuses.set(t.ResourceId, t.Value ?? '');
      const ids = [...statuses].filter(([, v]) => !opts.onlyStopped || v === 'Stopped').map(([id]) => id);
      if (ids.length === 0) continue;
      const described = new Map<string, Instance>();
      await this.describeChunk(ids, described, stats, opts.signal);
      yield ids.map((id) => this.toFleetInstance(id, statuses.get(id) ?? '', described.get(id)));
    } while (token);
  }

  /** An instance with how long it has been stopped and what that saved, at this fleet's prices. */
  priced(inst: FleetInstance, now = this.now()): StoppedInstance {
    return this.withSavings(inst, now);
  }

  /** Polls every `intervalMs`, reporting each new stop once; resolves when `signal` aborts. */
  async watch(opts: WatchOptions): Promise<void> {
    let seen: Set<string> | null = null;
    // After a failed poll: twice the interval, doubling, ±20 % so many watchers do not retry in step.
    const backoff = new Backoff({ baseMs: opts.intervalMs * 2, maxMs: opts.maxBackoffMs ?? Math.max(opts.intervalMs, 15 * 60_000), jitter: 0.2 });
    while (!opts.signal?.aborted) {
      let wait = opts.intervalMs;
      try {
        const { instances } = await this.poll({ onlyStopped: true, ...(opts.signal ? { signal: opts.signal } : {}) });
        if (opts.signal?.aborted) break;
        const now = this.now();
        const current = new Set<string>();
        for (const inst of instances) {
          const k = `${inst.id}@${inst.stoppedAt ?? ''}`;
          current.add(k);
          if (seen ? !seen.has(k) : opts.includeExisting) opts.onEvent({ event: 'stop', ...this.withSavings(inst, now) });
        }
        // Only keys still present are kept: a restarted-then-stopped instance has a new timestamp anyway.
        seen = current;
        backoff.reset();
      } catch (err) {
        if (opts.signal?.aborted) break;
        wait = backoff.next();
        opts.onError?.(errorText(err), wait);
      }
      await sleep(wait, opts.signal);
    }
  }

  /**
   * StartInstances, then `<prefix>:Status`=Running (stop tags kept) and the caller's tags.
   * Refuses (and starts nothing) when any instance was not stopped by CloudSnooze, unless `force`.
   */
  async restart(ids: string[], opts: { tags?: Record<string, string>; force?: boolean } = {}): Promise<RestartResult> {
    if (ids.length === 0) throw new FleetError('no instance ids given');
    for (const id of ids) if (!INSTANCE_ID.test(id)) throw new FleetError(`"${id}" is not an instance id (i-0123456789abcdef0)`);
    const callerTags = Object.entries(opts.tags ?? {});
    for (const [k] of callerTags) {
      if (k.toLowerCase().startsWith('aws:')) throw new FleetError(`tag key "${k}": keys starting with "aws:" are reserved by AWS`);
      if (k.startsWith(`${this.prefix}:`)) throw new FleetError(`tag key "${k}": ${this.prefix}:* tags are CloudSnooze's own; use your tool's key`);
      if (k.length === 0 || k.length > 128) throw new FleetError(`tag key "${k}" must be 1 to 128 characters`);
    }
    for (const [k, v] of callerTags) if (v.length > 256) throw new FleetError(`tag "${k}": value longer than 256 characters`);

    const unique = [...new Set(ids)];
    const statusKey = this.key(TAG_NAMES.status);
    const described = new Map<string, Instance>();
    const stats = { describeTagsCalls: 0, describeInstancesCalls: 0 };
    for (let i = 0; i < unique.length; i += PAGE_SIZE) await this.describeChunk(unique.slice(i, i + PAGE_SIZE), described, stats);

    const refused: { id: string; reason: string }[] = [];
    for (const id of unique) {
      const inst = described.get(id);
      if (!inst) {
        refused.push({ id, reason: 'does not exist' });
        continue;
      }
      const status = inst.Tags?.find((t) => t.Key === statusKey)?.Value;
      if (status !== 'Stopped' && !opts.force) {
        refused.push({ id, reason: status ? `${statusKey} is ${status}, not Stopped` : `no ${statusKey} tag: CloudSnooze did not stop it (use --force)` });
      }
    }
    if (refused.length > 0) return { started: [], refused, tagged: [] };

    await this.ec2.startInstances({ InstanceIds: unique });
    const result: RestartResult = { started: unique, refused: [], tagged: [] };
    // Status=Running only where CloudSnooze had tagged; a forced start of a foreign instance gets only the caller's tags.
    const ours = unique.filter((id) => described.get(id)?.Tags?.some((t) => t.Key === statusKey));
    try {
      // Two calls, so the operator policy (docs/iam-operator-policy.json) can tell them apart:
      // Status=Running is the one CloudSnooze key an operator may write, and the caller's
      // tags never carry the prefix (checked above).
      if (ours.length > 0) await this.ec2.createTags({ Resources: ours, Tags: [{ Key: statusKey, Value: 'Running' }] });
      result.tagged = ours;
      if (callerTags.length > 0) {
        await this.ec2.createTags({ Resources: unique, Tags: callerTags.map(([Key, Value]) => ({ Key, Value })) });
        result.tagged = unique;
      }
    } catch (err) {
      result.taggingError = errorText(err);
    }
    return result;
  }

  /** Stopped hours × hourly price over [now - sinceMs, now], per instance (latest stop each) and in total. */
  async savings(sinceMs: number): Promise<SavingsReport> {
    const { instances } = await this.poll();
    return savingsReport(instances, this.now(), sinceMs, (type) => this.priceOf(type));
  }

  destroy(): void {
    this.ec2.destroy();
  }

  // -------------------------------------------------------------------------

  private priceOf(type: string | null): number | null {
    return type !== null && Object.hasOwn(this.prices, type) ? this.prices[type]! : null;
  }

  private withSavings(inst: FleetInstance, now: number): StoppedInstance {
    return withSavings(inst, now, this.priceOf(inst.type));
  }

  /** DescribeInstances for up to 1000 ids; ids EC2 no longer knows are dropped and the call repeated. */
  private async describeChunk(ids: string[], into: Map<string, Instance>, stats: PollStats, signal?: AbortSignal): Promise<void> {
    let remaining = ids;
    while (remaining.length > 0) {
      try {
        let token: string | undefined;
        do {
          const out = await this.ec2.describeInstances({ InstanceIds: remaining, ...(token ? { NextToken: token } : {}) }, signal ? { signal } : undefined);
          stats.describeInstancesCalls++;
          for (const r of out.Reservations ?? []) for (const i of r.Instances ?? []) if (i.InstanceId) into.set(i.InstanceId, i);
          token = out.NextToken || undefined;
        } while (token);
        return;
      } catch (err) {
        stats.describeInstancesCalls++;
        const gone = err instanceof AwsCallError && err.failure.code === 'InvalidInstanceID.NotFound' ? idsInMessage(err.failure.message) : [];
        const next = remaining.filter((id) => !gone.includes(id));
        // Terminated and purged between the two calls: forget those ids; anything else is a real failure.
        if (gone.length === 0 || next.length === remaining.length) throw err;
        remaining = next;
      }
    }
  }

  private toFleetInstance(id: string, status: string, inst: Instance | undefined): FleetInstance {
    const ours: Record<string, string> = {};
    for (const t of inst?.Tags ?? []) if (t.Key?.startsWith(`${this.prefix}:`)) ours[t.Key] = t.Value ?? '';
    return {
      id,
      type: inst?.InstanceType ?? null,
      state: inst?.State?.Name ?? null,
      status,
      stoppedAt: ours[this.key(TAG_NAMES.stopTimestamp)] ?? null,
      reason: ours[this.key(TAG_NAMES.stopReason)] ?? null,
      launchTime: inst?.LaunchTime ? rfc3339Seconds(inst.LaunchTime.getTime()) : null,
      tags: ours,
    };
  }
}

function idsInMessage(message: string): string[] {
  const quoted = /'([^']+)'/.exec(message)?.[1] ?? '';
  return quoted.split(/,\s*/).filter((s) => INSTANCE_ID.test(s));
}
