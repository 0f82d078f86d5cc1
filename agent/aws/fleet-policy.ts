/**
 * Fleet policy as instance tags (docs/fleet.md, "Set policy with tags"): write one
 * `<prefix>:Config:<key>` (or `<prefix>:Disabled`) tag on every instance a filter selects,
 * and read those tags back. Streams the fleet page by page: one DescribeInstances page
 * (at most 1000 instances) gives one CreateTags call (EC2 takes at most 1000 resources a
 * call), so memory stays bounded whatever the fleet's size.
 */
import type { Filter, Instance } from '@aws-sdk/client-ec2';
import { configTagKey, disabledTagKey, TAG_VALUE_MAX } from '../../contract/config-sources.js';
import { checkSetting } from '../fleet-pins.js';
import type { Ec2 } from './ec2.js';

/** EC2's limit on resources per CreateTags call, and the page size of DescribeInstances. */
export const POLICY_BATCH = 1000;
export { TAG_VALUE_MAX };
/** `policy set disabled true` writes `<prefix>:Disabled`. */
export const DISABLED_KEY = 'disabled';

export class PolicyError extends Error {
  override name = 'PolicyError';
}

export interface PolicyTag {
  key: string;
  value: string;
}

/**
 * The tag `policy set KEY VALUE` writes, validated exactly as the agent will read it
 * (fleet-pins.ts): a value the agent would ignore is refused before any tag is written.
 */
export function policyTag(prefix: string, key: string, value: string): PolicyTag {
  if (key.toLowerCase() === DISABLED_KEY) {
    const v = value.trim().toLowerCase();
    if (v !== 'true' && v !== 'false') throw new PolicyError(`disabled must be true or false (got "${value}")`);
    return { key: disabledTagKey(prefix), value: v };
  }
  const r = checkSetting(key, value);
  if (r.error !== null) throw new PolicyError(r.error);
  if (value.length > TAG_VALUE_MAX) throw new PolicyError(`a tag value holds at most ${TAG_VALUE_MAX} characters (got ${value.length})`);
  return { key: configTagKey(prefix, key), value };
}

/** `tag:team=ml`, `instance-type=t3.large,t3.xlarge`, `instance-id=i-0123...`: an EC2 DescribeInstances filter. */
export function parseFilter(s: string): Filter {
  const at = s.indexOf('=');
  if (at <= 0) throw new PolicyError(`--filter needs NAME=VALUE, such as tag:team=ml (got "${s}")`);
  const name = s.slice(0, at);
  const values = s.slice(at + 1).split(',').filter((v) => v !== '');
  if (values.length === 0) throw new PolicyError(`--filter ${name}= needs a value`);
  return { Name: name, Values: values };
}

export interface PolicyInstance {
  id: string;
  name: string | null;
  state: string | null;
  /** The instance's policy tags: `<prefix>:Config:*` and `<prefix>:Disabled`. */
  policy: Record<string, string>;
}

export interface PolicyStats {
  describeInstancesCalls: number;
  createTagsCalls: number;
}

/** Every instance the filters select that is not terminated, one page at a time. */
async function* pages(ec2: Ec2, filters: Filter[], stats: PolicyStats): AsyncGenerator<Instance[]> {
  let token: string | undefined;
  do {
    const out = await ec2.describeInstances({
      Filters: [...filters, { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] }],
      MaxResults: POLICY_BATCH,
      ...(token ? { NextToken: token } : {}),
    });
    stats.describeInstancesCalls++;
    yield (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).filter((i) => i.InstanceId);
    token = out.NextToken || undefined;
  } while (token);
}

function toPolicyInstance(i: Instance, prefix: string): PolicyInstance {
  const ours = configTagKey(prefix, '');
  const disabled = disabledTagKey(prefix);
  const policy: Record<string, string> = {};
  let name: string | null = null;
  for (const t of i.Tags ?? []) {
    if (t.Key === 'Name') name = t.Value ?? '';
    else if (t.Key && (t.Key.startsWith(ours) || t.Key === disabled)) policy[t.Key] = t.Value ?? '';
  }
  return { id: i.InstanceId!, name, state: i.State?.Name ?? null, policy };
}

export interface SetResult {
  tag: PolicyTag;
  /** Instances tagged (or, with dryRun, that would be). */
  instances: string[];
  stats: PolicyStats;
}

/** Writes `tag` on every selected instance: one CreateTags per page of at most 1000. */
export async function setPolicy(ec2: Ec2, opts: { prefix: string; filters: Filter[]; tag: PolicyTag; dryRun?: boolean }): Promise<SetResult> {
  const stats: PolicyStats = { describeInstancesCalls: 0, createTagsCalls: 0 };
  const instances: string[] = [];
  for await (const page of pages(ec2, opts.filters, stats)) {
    const ids = page.map((i) => i.InstanceId!);
    for (let at = 0; at < ids.length; at += POLICY_BATCH) {
      const batch = ids.slice(at, at + POLICY_BATCH);
      if (!opts.dryRun) {
        await ec2.createTags({ Resources: batch, Tags: [{ Key: opts.tag.key, Value: opts.tag.value }] });
        stats.createTagsCalls++;
      }
      instances.push(...batch);
    }
  }
  return { tag: opts.tag, instances, stats };
}

/**
 * The policy tags of every selected instance, a page (up to 1000) at a time: the caller
 * prints each page before the next is asked for, so memory holds one page.
 */
export async function* showPolicyPages(ec2: Ec2, opts: { prefix: string; filters: Filter[] }): AsyncGenerator<PolicyInstance[]> {
  const stats: PolicyStats = { describeInstancesCalls: 0, createTagsCalls: 0 };
  for await (const page of pages(ec2, opts.filters, stats)) yield page.map((i) => toPolicyInstance(i, opts.prefix));
}
