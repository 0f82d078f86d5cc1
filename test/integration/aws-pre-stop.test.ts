/**
 * The pre-stop hook on a presented EC2 host (temp DMI folder, fake EC2 and IMDSv2 on
 * 127.0.0.1, the real SDK): the hook runs first, then CreateTags, then StopInstances,
 * checked against the fake EC2's call log; a failing hook makes no EC2 call at all.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../contract/protocol.js';
import { ALWAYS_IDLE, startAgent, tempDir, waitFor, type AgentHandle } from '../helpers/agent.js';
import { FakeEc2, type FakeInstance } from '../fakes/ec2.js';
import { FakeImds } from '../fakes/imds.js';
import { presentDmi, type FakeDmi } from '../fakes/dmi.js';
import { fakeAwsEnv } from '../fakes/aws-env.js';

const ID = 'i-0b1c2d3e4f5a60719';
let ec2: FakeEc2;
let imds: FakeImds;
let dmi: FakeDmi;
let inst: FakeInstance;
const agents: AgentHandle[] = [];

beforeAll(async () => {
  ec2 = await FakeEc2.start();
  imds = await FakeImds.start({ instanceId: ID, instanceType: 'g5.xlarge', region: 'eu-central-1' });
  dmi = presentDmi('board_vendor');
});
afterAll(async () => {
  dmi.remove();
  await ec2.close();
  await imds.close();
});
beforeEach(() => {
  ec2.reset();
  imds.reset();
  inst = ec2.addInstance({ id: ID, type: 'g5.xlarge' });
});
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop('SIGKILL')));
});

async function agent(config: Record<string, unknown>, dir: string): Promise<AgentHandle> {
  mkdirSync(path.join(dir, 'dev'), { recursive: true });
  const a = await startAgent({ dir, config: { ...ALWAYS_IDLE, ...config }, env: fakeAwsEnv({ ec2Url: ec2.url, imdsUrl: imds.url, dmiDir: dmi.dir }) });
  agents.push(a);
  return a;
}

const waitEvent = (a: AgentHandle, type: HistoryEvent['type']) =>
  waitFor(async () => (await a.req('HISTORY', { type, limit: 10, details: true })).events[0] ?? null, 30_000, `${type}; agent output:\n${a.output()}`);

/** A hook that records when it finished (epoch ms, by node itself) and what it was told. */
function recordingHook(dir: string, exitCode = 0): string {
  const out = path.join(dir, 'hook.json');
  const js = `setTimeout(() => { require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify({ end: Date.now(), env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('CLOUDSNOOZE_'))) })); process.exit(${exitCode}); }, 300)`;
  return `'${process.execPath}' -e "${js.replace(/"/g, '\\"')}"`;
}

describe('pre-stop hook on EC2', () => {
  it('runs before the tags and the stop: hook, then CreateTags, then StopInstances', async () => {
    const dir = tempDir('cs-aws-hook-');
    const a = await agent({ pre_stop_command: recordingHook(dir) }, dir);
    const stop = await waitEvent(a, 'stop');
    const hook = JSON.parse(readFileSync(path.join(dir, 'hook.json'), 'utf8')) as { end: number; env: Record<string, string> };
    const mutating = ec2.calls.filter((c) => c.action === 'CreateTags' || c.action === 'StopInstances');
    expect(mutating.map((c) => c.action)).toEqual(['CreateTags', 'StopInstances']);
    expect(hook.end).toBeLessThanOrEqual(mutating[0]!.at);
    expect(hook.env).toMatchObject({
      CLOUDSNOOZE_INSTANCE_ID: ID,
      CLOUDSNOOZE_INSTANCE_TYPE: 'g5.xlarge',
      CLOUDSNOOZE_REGION: 'eu-central-1',
      CLOUDSNOOZE_MODE: 'aws',
      CLOUDSNOOZE_REASON: stop.details!.reason,
    });
    const pre = await waitEvent(a, 'pre_stop');
    expect(pre.id).toBeLessThan(stop.id);
    expect(pre.details).toMatchObject({ exit_code: 0, mode: 'aws' });
    expect(inst.state).toBe('stopped');
  });

  it('a failing hook aborts the stop before any EC2 call', async () => {
    const dir = tempDir('cs-aws-hook-');
    const a = await agent({ pre_stop_command: recordingHook(dir, 5) }, dir);
    const failed = await waitEvent(a, 'stop_failed');
    expect(failed.details).toMatchObject({ code: 'PRE_STOP_FAILED', error: 'pre-stop hook exit 5' });
    expect(ec2.calls.filter((c) => c.action === 'CreateTags' || c.action === 'StopInstances')).toEqual([]);
    expect(inst.state).toBe('running');
    expect(inst.tags.size).toBe(0);
  });
});
