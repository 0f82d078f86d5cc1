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
    p.on('close', (code) => {
      clearTimeout(t);
      if (code === 0) resolve(stdout.trim().split('\n').at(-1) ?? '');
      else reject(new Error(`node ${args.join(' ')} exited ${code}: ${stderr.slice(-500)}`));
    });
  });
}

export interface FleetRegionsBench {
  instances: number;
  regions: number;
  /** `snooze fleet list --region r1,...,r4 --json` (the built CLI, a child process). */
  list_calls: number;
  list_ms: number;
  list_peak_rss_mb: number;
  list_output_mb: number;
  /** `snooze fleet savings --region ... --json --builtin-prices`. */
  savings_calls: number;
  savings_ms: number;
  savings_peak_rss_mb: number;
  /** A bare `node` process's peak RSS, the floor. */
  node_peak_rss_mb: number;
  /** ceil(N_region / 1000) × 2 per region. */
  expected_calls: number;
}

/** The CLI's peak RSS (getrusage maxrss, reported at exit), its wall time and output size. */
function runCliMeasured(args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; peakMb: number; outBytes: number; code: number | null; stderr: string }> {
  const snooze = path.join(ROOT, 'dist/agent/snooze.js');
  const wrapper = `process.on('exit', () => process.stderr.write('\\nmaxrss_kb=' + process.resourceUsage().maxRSS + '\\n')); process.argv = [process.argv[0], ${JSON.stringify(snooze)}, ...JSON.parse(process.env.CS_BENCH_ARGS)]; require(${JSON.stringify(snooze)});`;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, ['-e', wrapper], { env: { ...env, CS_BENCH_ARGS: JSON.stringify(args) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let outBytes = 0;
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (outBytes += d.length));
    p.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => p.kill('SIGKILL'), 300_000);
    p.on('error', reject);
    // 'close', not 'exit': the pipes may still hold the output's tail (and the maxrss line) at exit.
    p.on('close', (code) => {
      clearTimeout(t);
      const kb = Number(/maxrss_kb=(\d+)/.exec(stderr)?.[1] ?? NaN);
      resolve({ ms: performance.now() - t0, peakMb: kb / 1024, outBytes, code, stderr });
    });
  });
}

/**
 * `snooze fleet list|savings` over 4 regions of 12,500 stopped instances each (50,000) on the
 * fake EC2 regions: API calls, wall time and the CLI process's peak RSS, beside a bare node.
 * The list is streamed page by page, so the peak should stay near one page per region.
 */
export async function benchFleetRegions(instances = 50_000, regionCount = 4): Promise<FleetRegionsBench> {
  const { FakeEc2Regions } = await import('../test/fakes/ec2-regions.js');
  const names = ['eu-west-1', 'us-east-1', 'us-east-2', 'us-west-2', 'ap-south-1', 'eu-central-1'].slice(0, regionCount);
  const fakes = await FakeEc2Regions.start(names);
  const per = Math.ceil(instances / regionCount);
  try {
    for (const name of names) {
      const f = fakes.region(name);
      f.logCalls = false;
      f.seed(per, (i) => ({
        state: 'stopped',
        type: i % 3 ? 't3.medium' : 'm5.large',
        tags: {
          Name: `worker-${i}`,
          'CloudSnooze:Status': 'Stopped',
          'CloudSnooze:StopTimestamp': new Date(Date.now() - ((i % 48) + 1) * 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          'CloudSnooze:StopReason': 'System idle for 30 minutes (threshold: 30 minutes)',
          'CloudSnooze:CPUPercent': '2.50',
        },
      }));
    }
    const env = { ...process.env, ...fakeAwsEnv({ ec2Url: fakes.url }) };
    const regionArg = names.join(',');
    const calls = () => [...fakes.regions.values()].reduce((n, f) => n + f.count(), 0);

    let before = calls();
    const list = await runCliMeasured(['fleet', 'list', '--region', regionArg, '--json'], env);
    if (list.code !== 0) throw new Error(`fleet list exited ${list.code}: ${list.stderr.slice(-500)}`);
    const listCalls = calls() - before;

    before = calls();
    const sav = await runCliMeasured(['fleet', 'savings', '--region', regionArg, '--json', '--builtin-prices'], env);
    if (sav.code !== 0) throw new Error(`fleet savings exited ${sav.code}: ${sav.stderr.slice(-500)}`);
    const savCalls = calls() - before;

    const bare = await runCliMeasured(['--version'], env);
    return {
      instances: per * regionCount,
      regions: regionCount,
      list_calls: listCalls,
      list_ms: list.ms,
      list_peak_rss_mb: list.peakMb,
      list_output_mb: list.outBytes / 1048576,
      savings_calls: savCalls,
      savings_ms: sav.ms,
      savings_peak_rss_mb: sav.peakMb,
      node_peak_rss_mb: bare.peakMb,
      expected_calls: regionCount * Math.ceil(per / 1000) * 2,
    };
  } finally {
    await fakes.close();
  }
}
