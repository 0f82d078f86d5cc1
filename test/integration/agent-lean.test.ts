/**
 * What the running agent keeps resident (issue 11: RSS within 1.15x of a bare node): after
 * start, samples, STATUS, HISTORY, SAMPLES, a hold and a settings change, none of the
 * internal modules it was made to do without are loaded, and its bundle holds zod/mini only.
 * On a presented EC2 host, after its start-up tag read and a real tag + stop (each in a
 * cloud-task child), the agent itself holds neither the SDK nor any module the cloud path
 * would bring in.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ALWAYS_IDLE, startAgent, tempDir, waitEvent, waitFor, type AgentHandle } from '../helpers/agent.js';
import { withFakeAws } from '../helpers/aws.js';
import { fakeAwsEnv } from '../fakes/aws-env.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * Each of these, once loaded, stays for the life of the process. (child_process cannot be
 * kept out: net's listen() loads cluster, which loads it.)
 */
const NOT_RESIDENT = [
  // fs.promises: readline, fs/dir and watchers come with it (lib/fs-async.ts instead).
  'NativeModule internal/fs/promises',
  'NativeModule internal/readline/interface',
  'NativeModule timers/promises',
  // The global `performance`: perf_hooks and its modules (agent/mono-clock.ts instead).
  'NativeModule perf_hooks',
  'NativeModule internal/perf/performance',
  // The ESM loader: the bundle is CommonJS.
  'NativeModule internal/modules/esm/loader',
  // fs.rm: node's rimraf, for what one unlink does (lib/fs-async.ts removeFile); the EC2 agent clears its stop marker at every start.
  'NativeModule internal/fs/rimraf',
];

/** Only the cloud-task child may hold these: IMDS is read over node:net, and every AWS call runs in the child. */
const NOT_RESIDENT_ON_EC2 = ['NativeModule http', 'NativeModule https', 'NativeModule _http_client', 'NativeModule crypto', 'NativeModule tls', 'NativeModule dns'];

const ID = 'i-0feed00000000a11e';
const aws = withFakeAws({ imds: { instanceId: ID, instanceType: 't3.medium', region: 'us-east-1' }, dmi: 'board_vendor' });

/**
 * Starts an agent with a preloaded hook: on SIGUSR2 it writes the internal modules loaded so
 * far and the bundle files it has required (its lazy chunks among them).
 */
async function startProbed(opts: { config?: Record<string, unknown>; env?: Record<string, string> } = {}): Promise<{ agent: AgentHandle; loaded: () => Promise<{ modules: string[]; files: string[] }> }> {
  const dir = tempDir('cs-lean-');
  // An empty terminal folder: no session to read, so input idleness is known (none) and an idle host can stop.
  mkdirSync(path.join(dir, 'dev'), { recursive: true });
  const hook = path.join(dir, 'hook.cjs');
  const out = path.join(dir, 'modules.json');
  writeFileSync(
    hook,
    `process.on('SIGUSR2', () => require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify({ modules: process.moduleLoadList, files: Object.keys(require.cache) })));\n`,
  );
  const agent = await startAgent({ dir, ...(opts.config ? { config: opts.config } : {}), env: { ...opts.env, NODE_OPTIONS: `--require ${hook}` } });
  return {
    agent,
    loaded: async () => {
      agent.proc.kill('SIGUSR2');
      await waitFor(async () => existsSync(out), 5_000, 'the module list');
      return JSON.parse(readFileSync(out, 'utf8')) as { modules: string[]; files: string[] };
    },
  };
}

let a: AgentHandle | undefined;
afterEach(async () => {
  await a?.stop();
  a = undefined;
});

describe('the lean agent', () => {
  it('keeps none of the modules it does without resident after a working minute', async () => {
    const probed = await startProbed();
    a = probed.agent;
    await a.req('STATUS');
    await a.req('HISTORY', { limit: 5 });
    await a.req('CONFIG_SET', { values: { cpu_threshold_percent: 50 } });
    await a.req('POSTPONE', { minutes: 5 });
    await a.req('RELEASE');
    await waitFor(async () => (await a!.req('SAMPLES', { seconds: 60 })).samples.length >= 3, 15_000, 'three samples');
    const { modules: loaded } = await probed.loaded();
    expect(loaded).toContain('NativeModule net');
    expect(loaded.filter((m) => NOT_RESIDENT.includes(m))).toEqual([]);
  });

  it('on EC2, keeps the cloud path out of the agent after a tag read and a real stop', async () => {
    aws.ec2.addInstance({ id: ID, type: 't3.medium' });
    const probed = await startProbed({ config: ALWAYS_IDLE, env: fakeAwsEnv({ ec2Url: aws.ec2.url, imdsUrl: aws.imds.url, dmiDir: aws.dmi.dir }) });
    a = probed.agent;
    expect((await a.req('STATUS')).mode).toBe('aws');

    await waitEvent(a, 'stop');
    // The start-up read of this instance's tags (not in metadata here) and the stop, each in a child.
    expect(aws.ec2.count('DescribeTags')).toBeGreaterThanOrEqual(1);
    expect(aws.ec2.count('StopInstances')).toBe(1);
    const { modules, files } = await probed.loaded();
    expect(modules).toContain('NativeModule net');
    expect(modules.filter((m) => NOT_RESIDENT.includes(m) || NOT_RESIDENT_ON_EC2.includes(m))).toEqual([]);
    // The agent's bundle and no chunk of it: the SDK and the pricing code are the child's.
    expect(files.filter((f) => f.includes(`${path.sep}dist${path.sep}agent${path.sep}`)).map((f) => path.basename(f))).toEqual(['snoozed.js']);
  });

  it('bundles zod/mini, not classic zod', () => {
    const bundle = readFileSync(path.join(ROOT, 'dist/agent/snoozed.js'), 'utf8');
    expect(bundle).toContain('"ZodMiniType"');
    expect(bundle).not.toContain('"ZodType"');
  });
});
