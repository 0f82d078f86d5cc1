/**
 * withFakeAws(): the fake EC2 and IMDSv2 (test/fakes) for one test file. Call it at the top
 * level of the file. Before its tests: both fakes listen on 127.0.0.1 and process.env points
 * the real SDK and our IMDS client at them, with fake credentials and a DMI folder (EC2 or
 * not, as asked). Before each test: both fakes reset. After the file: closed, the folder
 * removed, the env restored.
 *
 *   const { ec2, imds, dmi } = withFakeAws({ imds: { instanceId: ID }, dmi: 'board_vendor' });
 */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { fakeAwsEnv, useFakeAwsEnv } from '../fakes/aws-env.js';
import { presentDmi, type DmiPresentation, type FakeDmi } from '../fakes/dmi.js';
import { FakeEc2, type FakeEc2Options } from '../fakes/ec2.js';
import { FakeImds, type FakeImdsOptions } from '../fakes/imds.js';

export interface FakeAwsOptions {
  ec2?: FakeEc2Options;
  /** false: no fake IMDS (instance metadata stays an unused loopback port). */
  imds?: FakeImdsOptions | false;
  /** What the DMI folder presents: 'none' (the default) is not an EC2 host. */
  dmi?: DmiPresentation;
  region?: string;
}

export interface FakeAws {
  /** Listening from the file's beforeAll on. */
  ec2: FakeEc2;
  /** Listening from the file's beforeAll on, unless `imds: false`. */
  imds: FakeImds;
  dmi: FakeDmi;
  /** The same variables for a child process's env. */
  env(): Record<string, string>;
}

export function withFakeAws(opts: FakeAwsOptions = {}): FakeAws {
  const ec2 = FakeEc2.create(opts.ec2);
  const imds = FakeImds.create(opts.imds || {});
  const dmi = presentDmi(opts.dmi ?? 'none');
  const vars = () => ({ ec2Url: ec2.url, imdsUrl: imds.url || undefined, dmiDir: dmi.dir, region: opts.region });
  let restoreEnv = () => undefined as void;

  beforeAll(async () => {
    await Promise.all([ec2.listen(), opts.imds === false ? null : imds.listen()]);
    restoreEnv = useFakeAwsEnv(vars());
  });
  beforeEach(() => {
    ec2.reset();
    imds.reset();
  });
  afterAll(async () => {
    restoreEnv();
    dmi.remove();
    await Promise.all([ec2.close(), imds.close()]);
  });

  return { ec2, imds, dmi, env: () => fakeAwsEnv(vars()) };
}
