/**
 * EC2 work in a short-lived child (`snoozed --cloud-task`, the built bundle) against the
 * fake EC2: the stop with its hold re-check answered across the process boundary, the
 * DryRun proof, restart marking, and a child that fails. The same stop runs in process
 * too, so both runners are held to one behaviour.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { AwsProvider } from '../../agent/aws/provider.js';
import { ChildProcessTasks, CLOUD_TASK_FLAG } from '../../agent/aws/child-tasks.js';
import { AwsCallError } from '../../agent/aws/errors.js';
import { ImdsClient } from '../../agent/aws/imds.js';
import { FakeEc2, type FakeInstance } from '../fakes/ec2.js';
import { FakeImds } from '../fakes/imds.js';
import { fakeAwsEnv } from '../fakes/aws-env.js';
import { SNOOZED } from '../helpers/agent.js';

const ID = 'i-0123456789abcdef0';
let ec2: FakeEc2;
let imds: FakeImds;
let inst: FakeInstance;
const closers: (() => unknown)[] = [];

beforeAll(async () => {
  ec2 = await FakeEc2.start();
  imds = await FakeImds.start({ instanceId: ID, instanceType: 't3.medium', region: 'us-east-1' });
});
afterAll(async () => {
  await ec2.close();
  await imds.close();
});
beforeEach(() => {
  ec2.reset();
  imds.reset();
  inst = ec2.addInstance({ id: ID, type: 't3.medium' });
});
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

const env = () => ({ ...process.env, ...fakeAwsEnv({ ec2Url: ec2.url, imdsUrl: imds.url }) });
const child = (over: Partial<ConstructorParameters<typeof ChildProcessTasks>[0]> = {}) =>
  new ChildProcessTasks({ command: process.execPath, args: [SNOOZED, CLOUD_TASK_FLAG], env: env(), ...over });

function provider(runner: 'child' | 'in-process', mode: 'aws' | 'dry_run' = 'aws'): AwsProvider {
  const p = new AwsProvider({
    mode,
    config: { aws_region: '' },
    env: env(),
    imds: new ImdsClient({ endpoint: imds.url }),
    ...(runner === 'child' ? { tasks: child() } : { retry: { baseDelayMs: 2, maxDelayMs: 10 } }),
  });
  closers.push(() => p.close());
  return p;
}

const TAGS = { 'CloudSnooze:Status': 'Stopped', 'CloudSnooze:StopReason': 'System idle for 30 minutes (threshold: 30 minutes)' };
const actions = () => ec2.calls.map((c) => `${c.action}${c.dryRun ? '(dry)' : ''}:${c.outcome}`);

describe.each(['child', 'in-process'] as const)('stop through the %s runner', (runner) => {
  it('tags, asks again, then stops', async () => {
    let asked = 0;
    const out = await provider(runner).stop({ reason: 'idle', tags: TAGS, hibernate: false, stillWanted: () => (asked++, true) });
    expect(out).toMatchObject({ kind: 'stopped', requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(asked).toBe(1);
    expect(actions()).toEqual(['CreateTags:ok', 'StopInstances:ok']);
    expect(inst.state).toBe('stopped');
  });

  it('a hold that arrives while tagging cancels before StopInstances and sets Status back to Running', async () => {
    const out = await provider(runner).stop({ reason: 'idle', tags: TAGS, hibernate: false, stillWanted: () => false });
    expect(out).toMatchObject({ kind: 'cancelled' });
    expect(actions()).toEqual(['CreateTags:ok', 'CreateTags:ok']);
    expect(ec2.calls[1]!.params).toMatchObject({ 'Tag.1.Key': 'CloudSnooze:Status', 'Tag.1.Value': 'Running' });
    expect(inst.tags.get('CloudSnooze:Status')).toBe('Running');
    expect(inst.state).toBe('running');
  });

  it('a denied StopInstances is a failed stop with the code, the Stopped tag undone, and a lastError', async () => {
    ec2.denied.add('StopInstances');
    const p = provider(runner);
    const out = await p.stop({ reason: 'idle', tags: TAGS, hibernate: false });
    expect(out).toMatchObject({ kind: 'failed', code: 'UnauthorizedOperation' });
    expect(inst.tags.get('CloudSnooze:Status')).toBe('Running');
    expect(p.health().lastError).toMatch(/StopInstances on i-0123456789abcdef0 failed: UnauthorizedOperation/);
  });

  it('dry run: DryRun calls only, the missing permission named', async () => {
    ec2.denied.add('StopInstances');
    const out = await provider(runner, 'dry_run').stop({ reason: 'idle', tags: TAGS, hibernate: false });
    expect(out).toMatchObject({ kind: 'dry_run', permissionErrors: ['ec2:StopInstances'], note: expect.stringMatching(/permission proven for ec2:CreateTags/) });
    expect(actions()).toEqual(['CreateTags(dry):DryRunOperation', 'StopInstances(dry):UnauthorizedOperation']);
    expect(inst.tags.size).toBe(0);
  });
});

describe('the cloud-task child', () => {
  it('marks a restart, and reports an EC2 failure as an AwsCallError with its code', async () => {
    inst.tags.set('CloudSnooze:Status', 'Stopped');
    inst.tags.set('CloudSnooze:StopTimestamp', '2023-04-19T14:23:45Z');
    const t = child();
    const task = { kind: 'mark_restart' as const, region: 'us-east-1', instanceId: ID, prefix: 'CloudSnooze' };
    expect(await t.run(task, { log: () => undefined })).toMatchObject({ type: 'restart_marked', details: { stop_timestamp: '2023-04-19T14:23:45Z' } });
    expect(inst.tags.get('CloudSnooze:Status')).toBe('Running');

    ec2.denied.add('DescribeTags');
    const err = await t.run(task, { log: () => undefined }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsCallError);
    expect((err as AwsCallError).failure.code).toBe('UnauthorizedOperation');
  });

  it('passes its log lines to the agent', async () => {
    ec2.denied.add('CreateTags');
    const lines: string[] = [];
    const out = await child().run(
      { kind: 'stop', region: 'us-east-1', instanceId: ID, tags: TAGS, hibernate: false },
      { log: (level, msg) => lines.push(`${level} ${msg}`) },
    );
    expect(out.outcome).toMatchObject({ kind: 'stopped', taggingError: expect.stringMatching(/^UnauthorizedOperation/) });
    expect(out.lastError).toMatch(/tags were not written/);
    expect(lines).toEqual([expect.stringMatching(/^warn CreateTags on i-0123456789abcdef0 failed/), expect.stringMatching(/^info StopInstances i-0123456789abcdef0 accepted/)]);
  });

  it('a child that dies, or does not start, is a failed stop, never a crash', async () => {
    const dead = new AwsProvider({
      mode: 'aws',
      config: { aws_region: '' },
      env: env(),
      imds: new ImdsClient({ endpoint: imds.url }),
      tasks: child({ args: ['-e', 'process.exit(3)'] }),
    });
    closers.push(() => dead.close());
    expect(await dead.stop({ reason: 'idle', tags: {}, hibernate: false })).toMatchObject({ kind: 'failed', code: 'CloudTaskFailed', error: expect.stringMatching(/ended without an answer \(exit 3\)/) });
    expect(dead.health().lastError).toMatch(/ended without an answer/);

    const missing = child({ command: '/nonexistent/node' });
    await expect(missing.run({ kind: 'mark_restart', region: 'us-east-1', instanceId: ID, prefix: 'CloudSnooze' }, { log: () => undefined })).rejects.toThrow(/could not start/);
    expect(ec2.count()).toBe(0);
  });

  it('a child whose agent is gone when it asks does not stop the instance', async () => {
    // The stillWanted answer never comes: the agent's end of stdin closes instead.
    const t = child();
    const out = await t.run(
      { kind: 'stop', region: 'us-east-1', instanceId: ID, tags: TAGS, hibernate: false },
      {
        log: () => undefined,
        stillWanted: () => {
          // Simulates the agent dying between tagging and the re-check.
          for (const c of (t as unknown as { running: Set<import('node:child_process').ChildProcess> }).running) c.stdin!.end();
          return new Promise<boolean>(() => undefined);
        },
      },
    );
    expect(out.outcome).toMatchObject({ kind: 'cancelled' });
    expect(ec2.count('StopInstances')).toBe(0);
    expect(inst.tags.get('CloudSnooze:Status')).toBe('Running');
  });

  it('gets its task on stdin: no other local user can read a notice or a tag in its arguments (/proc/PID/cmdline)', async () => {
    const t = child();
    let cmdline: string | null = null;
    const out = await t.run(
      { kind: 'stop', region: 'us-east-1', instanceId: ID, tags: { ...TAGS, 'CloudSnooze:StopReason': 'secret-reason-7f3a' }, hibernate: false },
      {
        log: () => undefined,
        stillWanted: () => {
          // The child is alive and waiting for this answer: read its arguments as anyone could.
          const [c] = (t as unknown as { running: Set<import('node:child_process').ChildProcess> }).running;
          cmdline = readFileSync(`/proc/${c!.pid}/cmdline`, 'utf8').split('\0').join(' ');
          return true;
        },
      },
    );
    expect(out.outcome).toMatchObject({ kind: 'stopped' });
    expect(cmdline).toContain(CLOUD_TASK_FLAG);
    expect(cmdline).not.toContain('secret-reason-7f3a');
    expect(cmdline).not.toContain(ID);
  });

  it('a task that is not JSON on stdin is refused with exit 2 and a message, and nothing is called', async () => {
    const r = spawnSync(process.execPath, [SNOOZED, CLOUD_TASK_FLAG], { input: 'not json\n', env: env(), encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^snoozed --cloud-task: expected a task: .* as the first line on stdin\n$/);
    expect(ec2.count()).toBe(0);
  });
});
