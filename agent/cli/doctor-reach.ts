/**
 * Which IAM policy the instance role has, seen from the instance. The role cannot read its
 * own policy (that needs iam:Get* permissions it must not have), so doctor asks EC2, with
 * DryRun, for what the self-only policy (docs/iam-policy.json) must refuse: stopping or
 * tagging another instance, and writing a tag key outside the agent's own
 * (`<prefix>:Config:*`, the fleet-pinned settings). Any of them answering DryRunOperation
 * means anyone on this host who can read instance metadata could do it too. Nothing is
 * changed: every probe is a DryRun, and the other instance is only found with a read.
 */
import type { Ec2 } from '../aws/ec2.js';
import { failureOf } from '../aws/errors.js';
import { tagKey } from '../../contract/tags.js';
import type { DoctorLine } from './doctor.js';

export type Reach = 'self-only' | 'beyond' | 'unknown';

type Probe = { kind: 'allowed' } | { kind: 'denied' } | { kind: 'error'; text: string };

async function probe(call: () => Promise<unknown>): Promise<Probe> {
  try {
    await call();
    // DryRun never succeeds on EC2; an endpoint that ignored it proved nothing.
    return { kind: 'error', text: 'the endpoint ignored DryRun' };
  } catch (err) {
    const f = failureOf(err);
    if (f.code === 'DryRunOperation') return { kind: 'allowed' };
    if (f.code === 'UnauthorizedOperation') return { kind: 'denied' };
    return { kind: 'error', text: `${f.code}: ${f.message}` };
  }
}

/** Some instance of the region other than this one, or null when there is none to ask about. */
async function otherInstance(ec2: Ec2, self: string): Promise<string | null> {
  const out = await ec2.describeInstances({ Filters: [{ Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] }], MaxResults: 5 });
  for (const r of out.Reservations ?? []) for (const i of r.Instances ?? []) if (i.InstanceId && i.InstanceId !== self) return i.InstanceId;
  return null;
}

export async function checkReach(o: { ec2: Ec2; self: string; prefix: string; region: string }): Promise<{ reach: Reach; lines: DoctorLine[] }> {
  const lines: DoctorLine[] = [];
  const beyond: string[] = [];
  let complete = true;
  const unchecked = (text: string) => {
    complete = false;
    lines.push({ ok: true, info: true, text });
  };

  const pinKey = tagKey(o.prefix, 'Config:naptime_minutes');
  const pin = await probe(() => o.ec2.createTags({ Resources: [o.self], Tags: [{ Key: pinKey, Value: '30' }], DryRun: true }));
  if (pin.kind === 'allowed') {
    beyond.push(`write tags beyond its own, such as ${pinKey} (fleet-pinned settings the agent obeys over its config file)`);
  } else if (pin.kind === 'error') unchecked(`policy reach: tag keys not checked (${pin.text})`);

  let other: string | null = null;
  try {
    other = await otherInstance(o.ec2, o.self);
  } catch (err) {
    const f = failureOf(err);
    unchecked(`policy reach: other instances not checked (DescribeInstances: ${f.code}: ${f.message})`);
  }
  if (other) {
    const id = other;
    const stop = await probe(() => o.ec2.stopInstances({ InstanceIds: [id], DryRun: true }));
    const tag = await probe(() => o.ec2.createTags({ Resources: [id], Tags: [{ Key: tagKey(o.prefix, 'Status'), Value: 'Stopped' }], DryRun: true }));
    if (stop.kind === 'allowed') beyond.push(`stop other instances (DryRun StopInstances on ${id} was allowed)`);
    if (tag.kind === 'allowed') beyond.push(`tag other instances (DryRun CreateTags on ${id} was allowed), e.g. forge stop tags`);
    for (const [what, p] of [['StopInstances', stop], ['CreateTags', tag]] as const) {
      if (p.kind === 'error') unchecked(`policy reach: ${what} on another instance not checked (${p.text})`);
    }
  } else if (complete) unchecked(`policy reach: no other instance visible in ${o.region}, so acting on others was not checked`);

  if (beyond.length > 0) {
    for (const b of beyond) lines.push({ ok: false, text: `WARNING: the instance role may ${b}; anyone on this host who can read instance metadata may do the same` });
    lines.push({
      ok: false,
      text: 'policy: broader than this instance needs: attach docs/iam-policy.json (stop and tag only itself) to the instance role; fleet tools get docs/iam-operator-policy.json',
    });
    return { reach: 'beyond', lines };
  }
  if (!complete) return { reach: 'unknown', lines };
  lines.push({ ok: true, text: `policy: self-only, like docs/iam-policy.json (another instance, ${other}, may not be stopped or tagged; only the agent's own tag keys may be written)` });
  return { reach: 'self-only', lines };
}
