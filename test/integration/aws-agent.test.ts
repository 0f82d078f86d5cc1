/**
 * The real agent process on a presented EC2 host (temp DMI folder), with the real SDK
 * talking to the fake EC2 and our IMDS client to the fake IMDSv2: tag, then stop.
 */
import path from 'node:path';
import { mkdirSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EC2Client, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { spawn } from 'node:child_process';
import { ALWAYS_IDLE, runCli, SNOOZE, startAgent, tempDir, waitFor, type AgentHandle, events, waitEvent } from '../helpers/agent.js';
import type { FakeInstance } from '../fakes/ec2.js';
import { fakeAwsEnv } from '../fakes/aws-env.js';
import { guidePollOnce } from '../fakes/guide-poll.js';
import { withFakeAws } from '../helpers/aws.js';

const ID = 'i-0a1b2c3d4e5f60718';
const { ec2, imds, dmi } = withFakeAws({ imds: { instanceId: ID, instanceType: 't3.medium', region: 'us-east-1' }, dmi: 'board_vendor' });
let inst: FakeInstance;
const agents: AgentHandle[] = [];

beforeEach(() => {
  inst = ec2.addInstance({ id: ID, type: 't3.medium' });
});
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop('SIGKILL')));
});

async function agent(config: Record<string, unknown> = {}, args: string[] = [], dir = tempDir('cs-aws-')): Promise<AgentHandle> {
  mkdirSync(path.join(dir, 'dev'), { recursive: true });
  const a = await startAgent({
    dir,
    config: { ...ALWAYS_IDLE, ...config },
    args,
    env: { ...fakeAwsEnv({ ec2Url: ec2.url, imdsUrl: imds.url, dmiDir: dmi.dir }) },
  });
  agents.push(a);
  return a;
}


describe('agent on a presented EC2 host', () => {
  it('tags with one CreateTags (exact keys and formats), then StopInstances, and records the stop', async () => {
    const a = await agent();
    const st = await a.req('STATUS');
    expect(st.mode).toBe('aws');
    expect(st.instance).toEqual({ id: ID, type: 't3.medium', region: 'us-east-1', source: 'ec2' });

    const [stop] = await waitEvent(a, 'stop');
    const upToStop = ec2.calls.slice(0, ec2.calls.findIndex((c) => c.action === 'StopInstances') + 1);
    // The start-up restart check may read tags; the stop itself is one CreateTags then one StopInstances.
    expect(upToStop.map((c) => c.action).filter((x) => x !== 'DescribeTags')).toEqual(['CreateTags', 'StopInstances']);
    const create = upToStop.find((c) => c.action === 'CreateTags')!;
    expect(create.params['ResourceId.1']).toBe(ID);
    expect(create.params['ResourceId.2']).toBeUndefined();
    const tags: Record<string, string> = {};
    for (let i = 1; create.params[`Tag.${i}.Key`] !== undefined; i++) tags[create.params[`Tag.${i}.Key`]!] = create.params[`Tag.${i}.Value`]!;
    expect(Object.keys(tags)).toEqual([
      'CloudSnooze:Status',
      'CloudSnooze:StopTimestamp',
      'CloudSnooze:StopReason',
      'CloudSnooze:CPUPercent',
      'CloudSnooze:MemoryPercent',
      'CloudSnooze:NetworkKBps',
      'CloudSnooze:DiskIOKBps',
      'CloudSnooze:InputIdleSecs',
      'CloudSnooze:GPUCount',
      'CloudSnooze:NaptimeMinutes',
      'CloudSnooze:InstanceType',
      'CloudSnooze:Region',
    ]);
    expect(tags['CloudSnooze:Status']).toBe('Stopped');
    expect(tags['CloudSnooze:StopTimestamp']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(tags['CloudSnooze:StopReason']).toMatch(/^System idle for [\d.]+ minutes \(threshold: 0\.05 minutes\)$/);
    for (const k of ['CPUPercent', 'MemoryPercent', 'NetworkKBps', 'DiskIOKBps']) expect(tags[`CloudSnooze:${k}`]).toMatch(/^\d+\.\d\d$/);
    expect(tags['CloudSnooze:InputIdleSecs']).toMatch(/^\d+$/);
    expect(tags['CloudSnooze:InstanceType']).toBe('t3.medium');
    expect(tags['CloudSnooze:Region']).toBe('us-east-1');
    expect(upToStop.at(-1)!.params).toEqual({ Action: 'StopInstances', Version: '2016-11-15', 'InstanceId.1': ID });
    expect(upToStop.every((c) => !c.dryRun && c.region === 'us-east-1')).toBe(true);

    expect(stop!.details).toMatchObject({ tags, request_id: expect.stringMatching(/^[0-9a-f-]{36}$/), tagging_error: null });
    expect(inst.state).toBe('stopped');

    // A poller written like the guide's Python example sees the stop.
    const client = new EC2Client({ endpoint: ec2.url, region: 'us-east-1', credentials: { accessKeyId: 'AKIDFAKEFAKEFAKE', secretAccessKey: 'x' } });
    const seen = await guidePollOnce(client, [ID]);
    client.destroy();
    expect(seen.get(ID)).toMatchObject({ status: 'stopped', timestamp: tags['CloudSnooze:StopTimestamp'], reason: tags['CloudSnooze:StopReason'] });
  });

  it('after its own stop and a restart, marks Status Stopped → Running (stop tags kept) with restart_marked', async () => {
    const first = await agent();
    await waitEvent(first, 'stop');
    const stopTs = inst.tags.get('CloudSnooze:StopTimestamp');
    await first.stop('SIGKILL'); // the host went down
    inst.state = 'running'; // someone started it again
    ec2.resetCalls();
    const second = await agent({ naptime_minutes: 600 }, [], first.dir);
    const [ev] = await waitEvent(second, 'restart_marked');
    expect(ev!.message).toContain(`stopped it at ${stopTs}`);
    expect(ec2.calls.map((c) => c.action)).toEqual(['DescribeTags', 'CreateTags']);
    expect(inst.tags.get('CloudSnooze:Status')).toBe('Running');
    expect(inst.tags.get('CloudSnooze:StopTimestamp')).toBe(stopTs);
  });

  it('an agent that has not stopped this host makes no EC2 call at start when its tags are in metadata', async () => {
    imds.tags = () => inst.tags;
    const a = await agent({ naptime_minutes: 600 });
    await waitFor(async () => (await events(a, 'agent_start')).length > 0, 10_000, 'agent_start');
    await new Promise((r) => setTimeout(r, 1500));
    expect(ec2.count()).toBe(0);
  });

  it('without tags in metadata, one DescribeTags of its own tags at start (settings pinned by tags) and nothing else', async () => {
    const a = await agent({ naptime_minutes: 600 });
    await waitFor(() => ec2.count('DescribeTags') > 0, 15_000, `DescribeTags; agent output:\n${a.output()}`);
    await new Promise((r) => setTimeout(r, 1500));
    expect(ec2.calls.map((c) => c.action)).toEqual(['DescribeTags']);
    expect(ec2.calls[0]!.params).toMatchObject({ 'Filter.1.Name': 'resource-id', 'Filter.1.Value.1': ID });
  });

  it('--dry-run proves permissions with DryRun=true and records dry_run_stop; nothing changes', async () => {
    ec2.denied.add('StopInstances');
    const a = await agent({}, ['--dry-run']);
    expect((await a.req('STATUS')).mode).toBe('dry_run');
    const [ev] = await waitEvent(a, 'dry_run_stop');
    expect(ev!.details).toMatchObject({ permission_errors: ['ec2:StopInstances'], note: expect.stringMatching(/permission proven for ec2:CreateTags/) });
    const mutating = ec2.calls.filter((c) => c.action === 'CreateTags' || c.action === 'StopInstances');
    expect(mutating.length).toBeGreaterThanOrEqual(2);
    expect(mutating.every((c) => c.dryRun)).toBe(true);
    expect(inst.state).toBe('running');
    expect(inst.tags.size).toBe(0);
    expect((await a.req('STATUS')).error).toMatch(/missing permission/);
  });

  it('UnauthorizedOperation: stop_failed with the code, STATUS error, no tight loop, keeps monitoring', async () => {
    ec2.denied.add('StopInstances');
    const a = await agent();
    const [ev] = await waitEvent(a, 'stop_failed');
    expect(ev!.details).toMatchObject({ code: 'UnauthorizedOperation' });
    const st = await a.req('STATUS');
    expect(st.error).toMatch(/UnauthorizedOperation/);
    await new Promise((r) => setTimeout(r, 3000));
    // The daemon backs off between attempts; each attempt is one StopInstances (not retried).
    expect(ec2.count('StopInstances')).toBeLessThanOrEqual(2);
    expect((await a.req('STATUS')).version).toBeTruthy();
    expect(inst.state).toBe('running');
    // Once the permission is granted, the retried stop goes through and history tells both.
    ec2.denied.clear();
    await waitEvent(a, 'stop');
    expect(inst.state).toBe('stopped');
    const types = (await a.req('HISTORY', { limit: 50 })).events.map((e) => e.type);
    expect(types.indexOf('stop')).toBeLessThan(types.indexOf('stop_failed'));
    expect((await a.req('STATUS')).error).toBeNull();
  });

  it('a wrong region (the instance is not found there): stop_failed naming the error, never a crash', async () => {
    const a = await agent({ aws_region: 'eu-west-3' });
    ec2.instances.clear(); // the instance does not exist in the region the agent asks
    const [ev] = await waitEvent(a, 'stop_failed');
    expect(String(ev!.details!.code)).toMatch(/InvalidInstanceID|NotFound/);
    expect(a.proc.exitCode).toBeNull();
    expect((await a.req('STATUS')).error).toMatch(/InvalidInstanceID|not exist|NotFound/i);
  });

  it('a throttling burst on StopInstances is retried and the stop goes through', async () => {
    ec2.fault('StopInstances', { kind: 'throttle' }, 2);
    const a = await agent();
    await waitEvent(a, 'stop');
    expect(ec2.callsOf('StopInstances').map((c) => c.outcome)).toEqual(['fault:throttle', 'fault:throttle', 'ok']);
    expect(inst.state).toBe('stopped');
  });

  it('metadata unreachable: monitor_only with the reason in STATUS, no EC2 calls, still answering', async () => {
    imds.mode = 'drop';
    const a = await agent();
    const st = await a.req('STATUS');
    expect(st.state).toBe('monitor_only');
    expect(st.error).toMatch(/instance metadata unavailable/);
    await new Promise((r) => setTimeout(r, 4000));
    expect((await a.req('STATUS')).state).toBe('monitor_only');
    expect(ec2.count()).toBe(0);
    expect(await events(a, 'stop')).toEqual([]);
  });
});

describe('snooze fleet (built CLI, SDK chunk loaded lazily)', () => {
  const env = () => ({ ...fakeAwsEnv({ ec2Url: ec2.url, imdsUrl: imds.url }), CLOUDSNOOZE_DMI_DIR: path.join(tempDir('cs-nodmi-'), 'none') });

  it('list --json reads the fleet through the bundled SDK; a bad flag is exit 2', async () => {
    inst.state = 'stopped';
    inst.tags.set('CloudSnooze:Status', 'Stopped');
    inst.tags.set('CloudSnooze:StopTimestamp', '2023-04-19T14:23:45Z');
    const r = await runCli(['fleet', 'list', '--json'], env());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([expect.objectContaining({ instance_id: ID, stopped_at: '2023-04-19T14:23:45Z', state: 'stopped' })]);
    const bad = await runCli(['fleet', 'list', '--bogus'], env());
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('snooze fleet list: unknown option --bogus');
  });

  it('watch exits 0 on Ctrl-C (SIGINT)', async () => {
    const p = spawn(process.execPath, [SNOOZE, 'fleet', 'watch', '--json'], { env: { ...process.env, ...env() }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => p.on('exit', (code) => resolve(code)));
    await waitFor(() => ec2.count('DescribeTags') >= 1, 15_000, 'first watch poll');
    p.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
  });
});

describe('snooze doctor on a presented EC2 host (built CLI)', () => {
  it('proves permissions with DryRun and prints the minimal policy for a missing one', async () => {
    ec2.denied.add('StopInstances');
    const dir = tempDir('cs-doc-');
    const env = { ...fakeAwsEnv({ ec2Url: ec2.url, imdsUrl: imds.url, dmiDir: dmi.dir }) };
    const r = await runCli(['--socket', path.join(dir, 'none.sock'), 'doctor', '--config', path.join(dir, 'snooze.json')], env);
    expect(r.stdout).toMatch(/EC2: DMI signature found/);
    expect(r.stdout).toMatch(new RegExp(ID));
    expect(r.stdout).toMatch(/Missing permissions: ec2:StopInstances/);
    const policy = JSON.parse(r.stdout.slice(r.stdout.indexOf('{', r.stdout.indexOf('Missing permissions'))));
    expect(JSON.stringify(policy)).toMatch(/ec2:StopInstances/);
    // No agent answers on none.sock: the documented "agent not running" code, 3, wins over 1.
    expect(r.code).toBe(3);
    // Every check was a DryRun: nothing was tagged or stopped.
    const mutating = ec2.calls.filter((c) => c.action === 'StopInstances' || c.action === 'CreateTags');
    expect([...new Set(mutating.map((c) => c.action))].sort()).toEqual(['CreateTags', 'StopInstances']);
    // The fake grants everything but StopInstances: doctor sees a role that reaches beyond this instance.
    expect(r.stdout).toMatch(/WARNING: the instance role may write tags beyond its own, such as CloudSnooze:Config:naptime_minutes/);
    expect(mutating.every((c) => c.params.DryRun === 'true')).toBe(true);
    expect(inst.state).toBe('running');
  });
});

describe('agent under the shipped self-only policy (docs/iam-policy.json evaluated by the fake EC2)', () => {
  it('tags and stops itself with the instance role, while the same credentials cannot stop another instance', async () => {
    const policy = JSON.parse(readFileSync(new URL('../../docs/iam-policy.json', import.meta.url), 'utf8'));
    ec2.iam = { policy, sourceInstanceId: ID };
    const other = ec2.addInstance({ type: 't3.micro' });
    const a = await agent();
    const [stop] = await waitEvent(a, 'stop');
    expect(stop!.details).toMatchObject({ tagging_error: null });
    expect(inst.state).toBe('stopped');
    expect(inst.tags.get('CloudSnooze:Status')).toBe('Stopped');
    expect(ec2.calls.filter((c) => c.outcome === 'UnauthorizedOperation')).toEqual([]);

    const client = new EC2Client({ endpoint: ec2.url, region: 'us-east-1', credentials: { accessKeyId: 'AKIDFAKEFAKEFAKE', secretAccessKey: 'x' } });
    try {
      await expect(client.send(new StopInstancesCommand({ InstanceIds: [other.id] }))).rejects.toMatchObject({ name: 'UnauthorizedOperation' });
      expect(other.state).toBe('running');
    } finally {
      client.destroy();
    }
  });
});
