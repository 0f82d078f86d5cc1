/** Which provider the agent picks: local off EC2 (metadata never asked), AWS or dry run on EC2, against the fake IMDS. */
import { afterEach, describe, expect, it } from 'vitest';
import { chooseProvider } from '../../agent/cloud.js';
import { DEFAULT_CONFIG } from '../../contract/config-schema.js';
import { AwsProvider } from '../../agent/aws/provider.js';
import { LocalProvider } from '../../agent/provider.js';
import { dmiPerTest } from '../helpers/dmi.js';
import { FakeImds } from '../fakes/imds.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const dmi = dmiPerTest();

describe('chooseProvider', () => {
  const log = () => undefined;

  it('off EC2: the local provider, and instance metadata is never asked', async () => {
    const imds = await FakeImds.start();
    cleanups.push(() => imds.close());
    const env = { CLOUDSNOOZE_DMI_DIR: dmi('none').dir, AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url };
    const p = await chooseProvider({ config: DEFAULT_CONFIG, dryRun: false, env, log });
    expect(p).toBeInstanceOf(LocalProvider);
    expect(p.mode).toBe('local');
    await p.identify();
    await p.stop({ reason: 'x', tags: { 'CloudSnooze:Status': 'Stopped' }, hibernate: false });
    expect(imds.calls).toHaveLength(0);
  });

  it('on EC2: the AWS provider in aws mode, or dry_run from the config or the flag', async () => {
    const imds = await FakeImds.start({ instanceId: 'i-0aaaabbbbccccdddd' });
    cleanups.push(() => imds.close());
    const env = { CLOUDSNOOZE_DMI_DIR: dmi('board_vendor').dir, AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url };
    const aws = await chooseProvider({ config: DEFAULT_CONFIG, dryRun: false, env, log });
    expect(aws).toBeInstanceOf(AwsProvider);
    expect(aws.mode).toBe('aws');
    expect((await aws.identify()).id).toBe('i-0aaaabbbbccccdddd');
    const byConfig = await chooseProvider({ config: { ...DEFAULT_CONFIG, dry_run: true }, dryRun: false, env, log });
    const byFlag = await chooseProvider({ config: DEFAULT_CONFIG, dryRun: true, env, log });
    expect([byConfig.mode, byFlag.mode]).toEqual(['dry_run', 'dry_run']);
    for (const p of [aws, byConfig, byFlag]) await p.close?.();
  });
});
