/**
 * AWS figures, each beside its baseline from the same run:
 * - one fleet poll over 10,000 tagged instances on the fake EC2 (real SDK over HTTP):
 *   ours (paginated DescribeTags + DescribeInstances) against the integration guide's
 *   per-instance Python approach (two DescribeTags per stopped instance);
 * - what the AWS SDK costs a process that makes a cloud call (resident memory before and
 *   after a first call, and its time): the cost the agent's cloud-task child carries so
 *   that the agent itself never does (bench/agent.ts measures the agent around a call).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EC2Client } from '@aws-sdk/client-ec2';
import { build } from 'esbuild';
import { Ec2 } from '../agent/aws/ec2.js';
import { Fleet } from '../agent/aws/fleet.js';
import { FakeEc2 } from '../test/fakes/ec2.js';
import { FakeImds } from '../test/fakes/imds.js';
import { fakeAwsEnv } from '../test/fakes/aws-env.js';
import { guidePollOnce } from '../test/fakes/guide-poll.js';

// npm runs benches from the repository root; the bench is bundled elsewhere, so no import.meta paths.
const ROOT = process.cwd();

export interface FleetBench {
  instances: number;
  ours_calls: number;
  ours_ms: number;
  per_instance_calls: number;
  per_instance_ms: number;
  /** ours / per-instance (below 1 = fewer calls, less time). */
  ratio_calls: number;
  ratio_time: number;
}

export async function benchFleet(instances = 10_000): Promise<FleetBench> {
  const fake = await FakeEc2.start();
  fake.logCalls = false;
  const env = fakeAwsEnv({ ec2Url: fake.url });
  try {
    const seeded = fake.seed(instances, (i) => ({
      state: 'stopped',
      type: i % 3 ? 't3.medium' : 'm5.large',
      tags: {
        Name: `worker-${i}`,
        'CloudSnooze:Status': 'Stopped',
        'CloudSnooze:StopTimestamp': '2023-04-19T14:23:45Z',
        'CloudSnooze:StopReason': 'System idle for 30 minutes (threshold: 30 minutes)',
        'CloudSnooze:CPUPercent': '2.50',
        'CloudSnooze:MemoryPercent': '15.20',
        'CloudSnooze:NaptimeMinutes': '30',
      },
    }));
    const ids = seeded.map((s) => s.id);

    // Both clients make one call first so SDK loading and connection set-up are not timed.
    const fleet = new Fleet({ ec2: new Ec2({ region: 'us-east-1', env }) });
    const guide = new EC2Client({ region: 'us-east-1', endpoint: fake.url, credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! } });
    await guidePollOnce(guide, [ids[0]!]);
    await new Ec2({ region: 'us-east-1', env }).describeTags({ MaxResults: 5 });

    fake.resetCalls();
    let t0 = performance.now();
    const ours = await fleet.poll({ onlyStopped: true });
    const oursMs = performance.now() - t0;
    const oursCalls = fake.count();
    if (ours.instances.length !== instances) throw new Error(`our poll found ${ours.instances.length} of ${instances}`);

    fake.resetCalls();
    t0 = performance.now();
    const seen = await guidePollOnce(guide, ids);
    const guideMs = performance.now() - t0;
    const guideCalls = fake.count();
    if (seen.size !== instances) throw new Error(`the per-instance poll found ${seen.size} of ${instances}`);

    fleet.destroy();
    guide.destroy();
    return {
      instances,
      ours_calls: oursCalls,
      ours_ms: oursMs,
      per_instance_calls: guideCalls,
      per_instance_ms: guideMs,
      ratio_calls: oursCalls / guideCalls,
      ratio_time: oursMs / guideMs,
    };
  } finally {
    await fake.close();
  }
}

export interface SdkFootprint {
  /** A bare `node` process (the floor). */
  node_rss_mb: number;
  /** Provider code loaded and instance identity read (IMDS), tasks in process, no cloud call yet. */
  rss_before_mb: number;
  /** After the first cloud call (SDK imported, one DescribeTags). */
  rss_after_mb: number;
  sdk_delta_mb: number;
  heap_before_mb: number;
  heap_after_mb: number;
  /** Wall time of the first cloud call, SDK import included. */
  first_call_ms: number;
  sdk_loaded_before: boolean;
}

const PROBE = `
import { AwsProvider } from './agent/aws/provider.js';
import { sdkLoaded } from './agent/aws/ec2.js';
import './agent/cloud.js';
import './agent/daemon.js';
import './agent/server.js';
const mb = (n) => n / 1048576;
const settle = async () => { for (let i = 0; i < 3; i++) { globalThis.gc?.(); await new Promise((r) => setTimeout(r, 50)); } };
const p = new AwsProvider({ mode: 'aws', config: { aws_region: '' } });
const id = await p.identify();
if (!id.id) throw new Error('probe: no identity from the fake IMDS');
await settle();
const before = process.memoryUsage();
const loadedBefore = sdkLoaded();
const t0 = performance.now();
await p.onAgentStart('CloudSnooze');
const firstCallMs = performance.now() - t0;
if (p.health().lastError) throw new Error('probe: ' + p.health().lastError);
await settle();
const after = process.memoryUsage();
await p.close();
process.stdout.write(JSON.stringify({ rss_before_mb: mb(before.rss), rss_after_mb: mb(after.rss), heap_before_mb: mb(before.heapUsed), heap_after_mb: mb(after.heapUsed), first_call_ms: firstCallMs, sdk_loaded_before: loadedBefore }) + '\\n');
`;

export async function benchSdkFootprint(): Promise<SdkFootprint> {
  const out = mkdtempSync(path.join(os.tmpdir(), 'cs-sdk-probe-'));
  const ec2 = await FakeEc2.start();
  const imds = await FakeImds.start({ instanceId: 'i-0123456789abcdef0' });
  ec2.addInstance({ id: 'i-0123456789abcdef0' });
  try {
    // Bundled the way scripts/build.mjs bundles the agent: ESM, splitting, SDK in its own chunk.
    await build({
      stdin: { contents: PROBE, resolveDir: ROOT, sourcefile: 'sdk-probe.ts', loader: 'ts' },
      outdir: out,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'warning',
      entryNames: 'probe',
      banner: { js: "import { createRequire as __csCreateRequire } from 'node:module';\nconst require = __csCreateRequire(import.meta.url);" },
    });
    const env = { ...process.env, ...fakeAwsEnv({ ec2Url: ec2.url, imdsUrl: imds.url }) };
    const probe = JSON.parse(await runNode(['--expose-gc', path.join(out, 'probe.js')], env)) as Omit<SdkFootprint, 'node_rss_mb' | 'sdk_delta_mb'>;
    const bare = JSON.parse(await runNode(['--expose-gc', '-e', 'globalThis.gc(); setTimeout(() => console.log(JSON.stringify(process.memoryUsage().rss / 1048576)), 100)'], env)) as number;
    return { node_rss_mb: bare, ...probe, sdk_delta_mb: probe.rss_after_mb - probe.rss_before_mb };
  } finally {
    rmSync(out, { recursive: true, force: true });
    await ec2.close();
    await imds.close();
  }
}

function runNode(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => p.kill('SIGKILL'), 60_000);
    p.on('exit', (code) => {
      clearTimeout(t);
      if (code === 0) resolve(stdout.trim().split('\n').at(-1) ?? '');
      else reject(new Error(`node ${args.join(' ')} exited ${code}: ${stderr.slice(-500)}`));
    });
  });
}
