import { beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { awsDoctor, describeCredentialSource } from '../../agent/cli/doctor-aws.js';
import { agentIamPolicy, type IamPolicy } from '../../agent/aws/iam-policy.js';
import { presentDmi } from '../fakes/dmi.js';
import { fakeAwsEnv } from '../fakes/aws-env.js';
import { withFakeAws } from '../helpers/aws.js';
import { PRE_SELF_ONLY_AGENT_POLICY } from '../fakes/iam.js';

const ID = 'i-0123456789abcdef0';
const OTHER = 'i-0fedcba9876543210';
const { ec2, imds } = withFakeAws({
  imds: { instanceId: ID, iamInfo: { InstanceProfileArn: 'arn:aws:iam::123456789012:instance-profile/cloudsnooze', InstanceProfileId: 'AIPAEXAMPLE' } },
  dmi: 'board_vendor',
});

// withFakeAws resets both fakes before each test (registered first, so it runs first).
beforeEach(() => {
  ec2.addInstance({ id: ID });
});

const retry = { baseDelayMs: 2, maxDelayMs: 10 };
const policyFile = JSON.parse(readFileSync(new URL('../../docs/iam-policy.json', import.meta.url), 'utf8')) as IamPolicy;
/** The role as docs/iam-policy.json sets it up: instance-role credentials of this instance. */
const selfOnly = () => (ec2.iam = { policy: policyFile, sourceInstanceId: ID });
const MUTATING = ['CreateTags', 'StopInstances', 'StartInstances'];

describe('awsDoctor', () => {
  it('all good: metadata, identity, credential source, four DryRun proofs, and a self-only policy', async () => {
    selfOnly();
    ec2.addInstance({ id: OTHER });
    const r = await awsDoctor({ retry });
    expect(r.missing).toEqual([]);
    expect(r.lines.filter((l) => !l.ok)).toEqual([]);
    const text = r.lines.map((l) => l.text).join('\n');
    expect(text).toMatch(/EC2 host \(board_vendor=Amazon EC2\)/);
    expect(text).toMatch(/instance metadata \(IMDSv2\) reachable at http:\/\/127\.0\.0\.1:\d+/);
    expect(text).toContain(`identity: ${ID}, t3.medium, region us-east-1`);
    expect(text).toContain('instance profile: arn:aws:iam::123456789012:instance-profile/cloudsnooze');
    expect(text).toMatch(/credentials: environment variables \(AWS_ACCESS_KEY_ID\) \(access key AKID…FAKE\)/);
    for (const a of ['CreateTags', 'StopInstances', 'DescribeTags', 'DescribeInstances']) expect(text).toContain(`ec2:${a}: allowed (DryRun)`);
    expect(text).toContain(`policy: self-only, like docs/iam-policy.json (another instance, ${OTHER}, may not be stopped or tagged`);
    expect(r.reach).toBe('self-only');
    // Probes beyond this instance were refused by the policy; nothing was changed anywhere.
    expect(ec2.calls.filter((c) => MUTATING.includes(c.action)).every((c) => c.dryRun)).toBe(true);
    expect(ec2.callsOf('StopInstances').map((c) => [c.params['InstanceId.1'], c.outcome])).toEqual([
      [ID, 'DryRunOperation'],
      [OTHER, 'UnauthorizedOperation'],
    ]);
    for (const id of [ID, OTHER]) {
      expect(ec2.instance(id).state).toBe('running');
      expect(ec2.instance(id).tags.size).toBe(0);
    }
  });

  it('a missing permission is named, and the minimal policy (= docs/iam-policy.json) comes with it', async () => {
    selfOnly();
    ec2.denied.add('StopInstances');
    const r = await awsDoctor({ retry });
    expect(r.missing).toEqual(['ec2:StopInstances']);
    const bad = r.lines.filter((l) => !l.ok).map((l) => l.text);
    expect(bad).toEqual([
      'ec2:StopInstances: DENIED — the agent cannot stop this instance',
      'missing permission ec2:StopInstances: attach this minimal IAM policy to the instance role (also in docs/iam-policy.json):',
    ]);
    // No other instance in the region: whether the role reaches beyond is not known, and said so.
    expect(r.reach).toBe('unknown');
    expect(r.lines.map((l) => l.text)).toContain('policy reach: no other instance visible in us-east-1, so acting on others was not checked');
    expect(r.policy).toEqual(policyFile);
    const actions = r.policy.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();
    expect(actions).toEqual(['ec2:CreateTags', 'ec2:DescribeInstances', 'ec2:DescribeTags', 'ec2:StopInstances', 'pricing:GetProducts']);
  });

  it('the policy limits CreateTags to the configured prefix', async () => {
    const r = await awsDoctor({ retry, config: { tagging_prefix: 'Acme' } });
    expect(JSON.stringify(r.policy)).toContain('"aws:TagKeys":["Acme:Status","Acme:StopTimestamp","Acme:StopReason"');
    expect(ec2.callsOf('CreateTags')[0]!.params['Tag.1.Key']).toBe('Acme:Status');
    expect(agentIamPolicy()).toEqual(policyFile);
  });

  it('metadata unreachable: says so; with aws_region the describe permissions are still checked', async () => {
    imds.mode = 'drop';
    const r = await awsDoctor({ retry, config: { aws_region: 'us-east-1' } });
    const text = r.lines.map((l) => `${l.ok ? 'ok' : 'BAD'} ${l.text}`).join('\n');
    expect(text).toMatch(/BAD instance metadata unreachable at http:\/\/127\.0\.0\.1:\d+/);
    expect(text).toContain('BAD ec2:CreateTags: not checked (instance id unknown)');
    expect(text).toContain('ok ec2:DescribeTags: allowed (DryRun)');
    expect(ec2.callsOf('StopInstances')).toHaveLength(0);
  });

  it('metadata unreachable and no aws_region: no region, stops there without a crash', async () => {
    imds.mode = 'drop';
    const r = await awsDoctor({ retry });
    expect(r.lines.at(-1)).toEqual({ ok: false, text: expect.stringMatching(/^no region: set aws_region/) });
    expect(ec2.count()).toBe(0);
  });

  it('off EC2 it never asks instance metadata', async () => {
    const plain = presentDmi('none');
    try {
      const r = await awsDoctor({ env: { ...fakeAwsEnv({ ec2Url: ec2.url, imdsUrl: imds.url }), CLOUDSNOOZE_DMI_DIR: plain.dir } });
      expect(r.lines).toEqual([{ ok: false, text: expect.stringMatching(/^not an EC2 host/) }]);
      expect(imds.calls).toHaveLength(0);
      expect(ec2.count()).toBe(0);
    } finally {
      plain.remove();
    }
  });

  it('names credential sources from the SDK markers', () => {
    expect(describeCredentialSource(['CREDENTIALS_IMDS'], {})).toBe('instance profile (instance metadata)');
    expect(describeCredentialSource(['CREDENTIALS_PROFILE'], { AWS_PROFILE: 'ops' })).toBe('shared config profile "ops"');
    expect(describeCredentialSource([], {})).toBe('the default credential chain');
  });
});


describe('awsDoctor: which policy the role has', () => {
  const problems = (r: { lines: { ok: boolean; text: string }[] }) => r.lines.filter((l) => !l.ok).map((l) => l.text);

  it('the old account-wide policy: warns that the role may stop and tag other instances and write config pins; nothing changes', async () => {
    ec2.iam = { policy: PRE_SELF_ONLY_AGENT_POLICY, sourceInstanceId: ID };
    ec2.addInstance({ id: OTHER });
    const r = await awsDoctor({ retry });
    expect(r.missing).toEqual([]);
    expect(r.reach).toBe('beyond');
    expect(problems(r)).toEqual([
      'WARNING: the instance role may write tags beyond its own, such as CloudSnooze:Config:naptime_minutes (fleet-pinned settings the agent obeys over its config file); anyone on this host who can read instance metadata may do the same',
      `WARNING: the instance role may stop other instances (DryRun StopInstances on ${OTHER} was allowed); anyone on this host who can read instance metadata may do the same`,
      `WARNING: the instance role may tag other instances (DryRun CreateTags on ${OTHER} was allowed), e.g. forge stop tags; anyone on this host who can read instance metadata may do the same`,
      'policy: broader than this instance needs: attach docs/iam-policy.json (stop and tag only itself) to the instance role; fleet tools get docs/iam-operator-policy.json',
    ]);
    expect(ec2.instance(OTHER).state).toBe('running');
    expect(ec2.instance(OTHER).tags.size).toBe(0);
    expect(ec2.calls.filter((c) => MUTATING.includes(c.action)).every((c) => c.dryRun)).toBe(true);
  });

  it('no policy at all (every action allowed) is reported the same way', async () => {
    ec2.addInstance({ id: OTHER, state: 'stopped' });
    const r = await awsDoctor({ retry });
    expect(r.reach).toBe('beyond');
    expect(problems(r).some((t) => t.includes(`stop other instances (DryRun StopInstances on ${OTHER}`))).toBe(true);
  });

  it('credentials that are not the instance role get nothing from the self-only policy, and doctor says why', async () => {
    ec2.iam = { policy: policyFile, sourceInstanceId: null };
    ec2.addInstance({ id: OTHER });
    const r = await awsDoctor({ retry });
    expect(r.missing).toEqual(['ec2:CreateTags', 'ec2:StopInstances']);
    expect(r.lines).toContainEqual({ ok: true, info: true, text: expect.stringMatching(/admits only the instance profile's credentials/) });
    expect(r.reach).toBe('self-only');
  });

  it('DescribeInstances refused: reach is unknown and says which call failed', async () => {
    selfOnly();
    ec2.addInstance({ id: OTHER });
    ec2.fault('DescribeInstances', { kind: 'server_error', status: 400 }, 10);
    const r = await awsDoctor({ retry });
    expect(r.reach).toBe('unknown');
    expect(r.lines.map((l) => l.text)).toContainEqual(expect.stringMatching(/^policy reach: other instances not checked \(DescribeInstances: /));
  });

  it('through the real SDK the shipped policy lets this instance stop itself and nothing else', async () => {
    selfOnly();
    ec2.addInstance({ id: OTHER });
    const { Ec2 } = await import('../../agent/aws/ec2.js');
    const client = new Ec2({ region: 'us-east-1', retry });
    try {
      await expect(client.stopInstances({ InstanceIds: [OTHER] })).rejects.toMatchObject({ name: 'UnauthorizedOperation' });
      await expect(client.createTags({ Resources: [ID], Tags: [{ Key: 'CloudSnooze:Config:dry_run', Value: 'false' }] })).rejects.toMatchObject({ name: 'UnauthorizedOperation' });
      await client.createTags({ Resources: [ID], Tags: [{ Key: 'CloudSnooze:Status', Value: 'Stopped' }] });
      await client.stopInstances({ InstanceIds: [ID] });
      expect([ec2.instance(ID).state, ec2.instance(OTHER).state]).toEqual(['stopped', 'running']);
      expect(ec2.instance(ID).tags.get('CloudSnooze:Status')).toBe('Stopped');
    } finally {
      client.destroy();
    }
  });
});
