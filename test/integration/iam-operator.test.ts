/** The operator policy applied by the fake EC2 to real SDK calls from `snooze fleet restart`. */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IamPolicy } from '../../agent/aws/iam-policy.js';
import { runFleet } from '../../agent/cli/fleet.js';
import { rfc3339Seconds } from '../../contract/protocol.js';
import { FakeEc2 } from '../fakes/ec2.js';
import { fakeAwsEnv } from '../fakes/aws-env.js';

const operatorFile = JSON.parse(readFileSync(new URL('../../docs/iam-operator-policy.json', import.meta.url), 'utf8')) as IamPolicy;

describe('snooze fleet restart under the operator policy (fake EC2, real SDK)', () => {
  let ec2: FakeEc2;
  beforeAll(async () => {
    ec2 = await FakeEc2.start();
  });
  afterAll(async () => {
    await ec2.close();
  });
  const fleet = async (args: string[]) => {
    const err: string[] = [];
    const code = await runFleet(args, { out: () => undefined, err: (s) => err.push(s), env: { ...process.env, ...fakeAwsEnv({ ec2Url: ec2.url }) } }, { retry: { baseDelayMs: 2, maxDelayMs: 10 } });
    return { code, err: err.join('\n') };
  };

  it('restarts what CloudSnooze stopped with Status=Running and the caller tag; a forced start of a foreign instance is refused by IAM', async () => {
    // Operator credentials (a user or CI role): no ec2:SourceInstanceARN.
    ec2.iam = { policy: operatorFile, sourceInstanceId: null };
    const ours = ec2.addInstance({ state: 'stopped', tags: { 'CloudSnooze:Status': 'Stopped', 'CloudSnooze:StopTimestamp': rfc3339Seconds(Date.now() - 3_600_000), 'CloudSnooze:StopReason': 'idle' } });
    const foreign = ec2.addInstance({ state: 'stopped' });

    expect(await fleet(['restart', ours.id, '--tag', 'Provisioner:RestartedBy=ci'])).toEqual({ code: 0, err: '' });
    expect(ours.state).toBe('running');
    expect(Object.fromEntries(ours.tags)).toMatchObject({ 'CloudSnooze:Status': 'Running', 'CloudSnooze:StopReason': 'idle', 'Provisioner:RestartedBy': 'ci' });

    const forced = await fleet(['restart', foreign.id, '--force']);
    expect(forced.code).toBe(1);
    expect(forced.err).toMatch(/UnauthorizedOperation|not authorized/);
    expect(foreign.state).toBe('stopped');
  });
});
