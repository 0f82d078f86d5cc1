import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { awsDoctor, describeCredentialSource } from '../../agent/cli/doctor-aws.js';
import { agentIamPolicy } from '../../agent/aws/iam-policy.js';
import { presentDmi } from '../fakes/dmi.js';
import { fakeAwsEnv } from '../fakes/aws-env.js';
import { withFakeAws } from '../helpers/aws.js';

const ID = 'i-0123456789abcdef0';
const { ec2, imds } = withFakeAws({
  imds: { instanceId: ID, iamInfo: { InstanceProfileArn: 'arn:aws:iam::123456789012:instance-profile/cloudsnooze', InstanceProfileId: 'AIPAEXAMPLE' } },
  dmi: 'board_vendor',
});

beforeEach(() => {
  ec2.addInstance({ id: ID });
});
afterEach(() => undefined);

const retry = { baseDelayMs: 2, maxDelayMs: 10 };
const policyFile = JSON.parse(readFileSync(new URL('../../docs/iam-policy.json', import.meta.url), 'utf8')) as unknown;

describe('awsDoctor', () => {
  it('all good: metadata, identity, credential source, and four DryRun proofs', async () => {
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
    expect(ec2.calls.every((c) => c.dryRun && c.outcome === 'DryRunOperation')).toBe(true);
    expect(ec2.instance(ID).state).toBe('running');
    expect(ec2.instance(ID).tags.size).toBe(0);
  });

  it('a missing permission is named, and the minimal policy (= docs/iam-policy.json) comes with it', async () => {
    ec2.denied.add('StopInstances');
    const r = await awsDoctor({ retry });
    expect(r.missing).toEqual(['ec2:StopInstances']);
    const bad = r.lines.filter((l) => !l.ok).map((l) => l.text);
    expect(bad).toEqual([
      'ec2:StopInstances: DENIED — the agent cannot stop this instance',
      'missing permission ec2:StopInstances: attach this minimal IAM policy to the instance role (also in docs/iam-policy.json):',
    ]);
    expect(r.policy).toEqual(policyFile);
    const actions = r.policy.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();
    expect(actions).toEqual(['ec2:CreateTags', 'ec2:DescribeInstances', 'ec2:DescribeTags', 'ec2:StopInstances']);
  });

  it('the policy limits CreateTags to the configured prefix', async () => {
    const r = await awsDoctor({ retry, config: { tagging_prefix: 'Acme' } });
    expect(JSON.stringify(r.policy)).toContain('"aws:TagKeys":["Acme:*"]');
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
