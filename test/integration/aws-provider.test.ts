/**
 * The EC2 provider with the real @aws-sdk/client-ec2 over HTTP against the fake EC2
 * (AWS_ENDPOINT_URL_EC2, read by the SDK itself) and the fake IMDSv2.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AwsProvider, type AwsProviderOptions } from '../../agent/aws/provider.js';
import { Ec2 } from '../../agent/aws/ec2.js';
import { ImdsClient } from '../../agent/aws/imds.js';
import { buildStopTags, stopReason } from '../../contract/tags.js';
import type { Sample } from '../../contract/protocol.js';
import type { FakeInstance } from '../fakes/ec2.js';
import { withFakeAws } from '../helpers/aws.js';

const ID = 'i-0123456789abcdef0';
const { ec2, imds } = withFakeAws({ imds: { instanceId: ID, instanceType: 't3.medium', region: 'us-east-1' } });
let inst: FakeInstance;
const providers: AwsProvider[] = [];

beforeEach(() => {
  inst = ec2.addInstance({ id: ID, type: 't3.medium' });
});
afterEach(async () => {
  while (providers.length) await providers.pop()!.close();
});

const fastRetry = { baseDelayMs: 2, maxDelayMs: 10 };

function provider(over: Partial<AwsProviderOptions> = {}): AwsProvider {
  const p = new AwsProvider({ mode: 'aws', config: { aws_region: '' }, retry: fastRetry, metadataRetry: { baseDelayMs: 20, maxDelayMs: 50 }, ...over });
  providers.push(p);
  return p;
}

const sample: Sample = {
  t: Date.UTC(2023, 3, 19, 14, 23, 45, 678),
  cpu_percent: 2.5,
  memory_percent: 15.2,
  network_kbps: 0.8,
  disk_io_kbps: 0.3,
  gpu_percent: null,
  gpu_memory_percent: null,
  gpu_count: 0,
  gpu_cards: [],
  input_idle_secs: 1800.4,
  unreadable: [],
  keep_awake: [],
};

function stopTags(): Record<string, string> {
  return buildStopTags({
    prefix: 'CloudSnooze',
    detailed: true,
    now: sample.t,
    reason: stopReason(30 * 60_000, 30),
    sample,
    naptimeMinutes: 30,
    instance: { id: ID, type: 't3.medium', region: 'us-east-1', source: 'ec2' },
  });
}

const actions = () => ec2.calls.map((c) => `${c.action}${c.dryRun ? '(dry)' : ''}:${c.outcome}`);

describe('AwsProvider.stop', () => {
  it('writes exactly the guide tags in one CreateTags, then StopInstances', async () => {
    const p = provider();
    expect(await p.identify()).toEqual({ id: ID, type: 't3.medium', region: 'us-east-1', source: 'ec2' });
    const out = await p.stop({ reason: 'idle', tags: stopTags(), hibernate: false });
    expect(out.kind).toBe('stopped');
    expect(out.kind === 'stopped' && out.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(actions()).toEqual(['CreateTags:ok', 'StopInstances:ok']);
    const [create, stop] = ec2.calls;
    expect(create!.params).toEqual({
      Action: 'CreateTags',
      Version: '2016-11-15',
      'ResourceId.1': ID,
      'Tag.1.Key': 'CloudSnooze:Status',
      'Tag.1.Value': 'Stopped',
      'Tag.2.Key': 'CloudSnooze:StopTimestamp',
      'Tag.2.Value': '2023-04-19T14:23:45Z',
      'Tag.3.Key': 'CloudSnooze:StopReason',
      'Tag.3.Value': 'System idle for 30 minutes (threshold: 30 minutes)',
      'Tag.4.Key': 'CloudSnooze:CPUPercent',
      'Tag.4.Value': '2.50',
      'Tag.5.Key': 'CloudSnooze:MemoryPercent',
      'Tag.5.Value': '15.20',
      'Tag.6.Key': 'CloudSnooze:NetworkKBps',
      'Tag.6.Value': '0.80',
      'Tag.7.Key': 'CloudSnooze:DiskIOKBps',
      'Tag.7.Value': '0.30',
      'Tag.8.Key': 'CloudSnooze:InputIdleSecs',
      'Tag.8.Value': '1800',
      'Tag.9.Key': 'CloudSnooze:GPUCount',
      'Tag.9.Value': '0',
      'Tag.10.Key': 'CloudSnooze:NaptimeMinutes',
      'Tag.10.Value': '30',
      'Tag.11.Key': 'CloudSnooze:InstanceType',
      'Tag.11.Value': 't3.medium',
      'Tag.12.Key': 'CloudSnooze:Region',
      'Tag.12.Value': 'us-east-1',
    });
    expect(stop!.params).toEqual({ Action: 'StopInstances', Version: '2016-11-15', 'InstanceId.1': ID });
    expect(create!.region).toBe('us-east-1');
    expect(inst.state).toBe('stopped');
    expect(inst.tags.get('CloudSnooze:Status')).toBe('Stopped');
    expect(p.health()).toEqual({ monitorOnly: null, lastError: null });
  });

  it('makes no CreateTags call when tagging is off', async () => {
    const out = await provider().stop({ reason: 'idle', tags: {}, hibernate: false });
    expect(out.kind).toBe('stopped');
    expect(actions()).toEqual(['StopInstances:ok']);
  });

  it('still stops when tagging fails, and says so', async () => {
    ec2.denied.add('CreateTags');
    const p = provider();
    const out = await p.stop({ reason: 'idle', tags: stopTags(), hibernate: false });
    expect(out).toMatchObject({ kind: 'stopped', taggingError: expect.stringMatching(/^UnauthorizedOperation: /) });
    expect(actions()).toEqual(['CreateTags:UnauthorizedOperation', 'StopInstances:ok']);
    expect(inst.state).toBe('stopped');
    expect(p.health().lastError).toMatch(/tags were not written/);
  });

  it.each([
    ['RequestLimitExceeded', { kind: 'throttle', code: 'RequestLimitExceeded' }],
    ['Throttling', { kind: 'throttle', code: 'Throttling' }],
    ['500', { kind: 'server_error' }],
    ['dropped connection', { kind: 'drop' }],
  ] as const)('retries a burst of %s with backoff, then stops', async (_name, fault) => {
    ec2.fault('CreateTags', fault, 2);
    ec2.fault('StopInstances', fault, 3);
    const out = await provider().stop({ reason: 'idle', tags: stopTags(), hibernate: false });
    expect(out).toMatchObject({ kind: 'stopped' });
    expect(out.kind === 'stopped' && out.taggingError).toBeFalsy();
    expect([ec2.count('CreateTags'), ec2.count('StopInstances')]).toEqual([3, 4]);
    expect(inst.state).toBe('stopped');
  });

  it('gives up after the bounded attempts on persistent 5xx: failed, no crash', async () => {
    ec2.fault('StopInstances', { kind: 'server_error', status: 503 }, 100);
    const p = provider({ retry: { ...fastRetry, maxAttempts: 4 } });
    const out = await p.stop({ reason: 'idle', tags: {}, hibernate: false });
    expect(out).toMatchObject({ kind: 'failed', code: 'InternalError' });
    expect(ec2.count('StopInstances')).toBe(4);
    expect(p.health().lastError).toMatch(/StopInstances on i-0123456789abcdef0 failed: InternalError/);
    expect(inst.state).toBe('running');
  });

  it('waits out a slow reply, and retries one that passes the request timeout', async () => {
    ec2.fault('StopInstances', { kind: 'slow', ms: 300 });
    expect((await provider().stop({ reason: 'idle', tags: {}, hibernate: false })).kind).toBe('stopped');
    expect(ec2.count('StopInstances')).toBe(1);

    inst.state = 'running';
    ec2.resetCalls();
    ec2.fault('StopInstances', { kind: 'slow', ms: 1500 });
    const impatient = provider({ ec2Factory: (region) => new Ec2({ region, retry: fastRetry, requestTimeoutMs: 250 }) });
    expect((await impatient.stop({ reason: 'idle', tags: {}, hibernate: false })).kind).toBe('stopped');
    expect(ec2.count('StopInstances')).toBe(2);
  });

  it('UnauthorizedOperation on StopInstances: failed at once (not retried)', async () => {
    ec2.denied.add('StopInstances');
    const out = await provider().stop({ reason: 'idle', tags: stopTags(), hibernate: false });
    expect(out).toMatchObject({ kind: 'failed', code: 'UnauthorizedOperation', error: expect.stringMatching(/not authorized/) });
    expect(ec2.count('StopInstances')).toBe(1);
  });

  it('IncorrectInstanceState: failed with the code', async () => {
    inst.state = 'terminated';
    const out = await provider().stop({ reason: 'idle', tags: {}, hibernate: false });
    expect(out).toMatchObject({ kind: 'failed', code: 'IncorrectInstanceState' });
    expect(ec2.count('StopInstances')).toBe(1);
  });

  it('hibernates when asked and supported', async () => {
    inst.hibernationConfigured = true;
    const out = await provider().stop({ reason: 'idle', tags: {}, hibernate: true });
    expect(out).toMatchObject({ kind: 'stopped' });
    expect(out.kind === 'stopped' && out.note).toBeFalsy();
    expect(ec2.callsOf('StopInstances').map((c) => c.params.Hibernate)).toEqual(['true']);
  });

  it('falls back to a plain stop with a note when the instance cannot hibernate', async () => {
    const out = await provider().stop({ reason: 'idle', tags: stopTags(), hibernate: true });
    expect(out).toMatchObject({ kind: 'stopped', note: expect.stringMatching(/hibernation is not available.*UnsupportedHibernationConfiguration/) });
    expect(ec2.callsOf('StopInstances').map((c) => [c.params.Hibernate, c.outcome])).toEqual([
      ['true', 'UnsupportedHibernationConfiguration'],
      [undefined, 'ok'],
    ]);
    expect(inst.state).toBe('stopped');
  });

  it('signs for aws_region when it is set, instead of the metadata region', async () => {
    const p = provider({ config: { aws_region: 'eu-west-1' } });
    expect((await p.identify()).region).toBe('eu-west-1');
    await p.stop({ reason: 'idle', tags: {}, hibernate: false });
    expect(ec2.calls.map((c) => c.region)).toEqual(['eu-west-1']);
  });
});

describe('dry_run mode', () => {
  it('makes the same calls with DryRun=true and changes nothing', async () => {
    const out = await provider({ mode: 'dry_run' }).stop({ reason: 'idle', tags: stopTags(), hibernate: false });
    expect(out).toEqual({ kind: 'dry_run', note: expect.stringMatching(/nothing was stopped; permission proven for ec2:CreateTags, ec2:StopInstances/) });
    expect(actions()).toEqual(['CreateTags(dry):DryRunOperation', 'StopInstances(dry):DryRunOperation']);
    expect(ec2.calls[0]!.params['Tag.2.Value']).toBe('2023-04-19T14:23:45Z');
    expect(inst.state).toBe('running');
    expect(inst.tags.size).toBe(0);
  });

  it('reports missing permissions as permissionErrors', async () => {
    ec2.denied.add('StopInstances');
    const p = provider({ mode: 'dry_run' });
    const out = await p.stop({ reason: 'idle', tags: stopTags(), hibernate: false });
    expect(out).toMatchObject({ kind: 'dry_run', permissionErrors: ['ec2:StopInstances'], note: expect.stringMatching(/missing permission ec2:StopInstances/) });
    expect(p.health().lastError).toMatch(/missing permission ec2:StopInstances/);
  });
});

describe('restart marking (onAgentStart)', () => {
  it('turns a Stopped status back to Running and keeps the stop tags', async () => {
    for (const [k, v] of Object.entries(stopTags())) inst.tags.set(k, v);
    const note = await provider().onAgentStart('CloudSnooze');
    expect(note).toMatchObject({
      type: 'restart_marked',
      message: expect.stringMatching(/stopped it at 2023-04-19T14:23:45Z: CloudSnooze:Status set to Running/),
      details: { instance_id: ID, stop_timestamp: '2023-04-19T14:23:45Z', stop_reason: 'System idle for 30 minutes (threshold: 30 minutes)' },
    });
    expect(actions()).toEqual(['DescribeTags:ok', 'CreateTags:ok']);
    expect(ec2.calls[1]!.params).toMatchObject({ 'ResourceId.1': ID, 'Tag.1.Key': 'CloudSnooze:Status', 'Tag.1.Value': 'Running' });
    expect(ec2.calls[1]!.params['Tag.2.Key']).toBeUndefined();
    expect(inst.tags.get('CloudSnooze:Status')).toBe('Running');
    expect(inst.tags.get('CloudSnooze:StopTimestamp')).toBe('2023-04-19T14:23:45Z');
    expect(inst.tags.size).toBe(12);
  });

  it('does nothing when the status is not Stopped, or under another prefix', async () => {
    inst.tags.set('CloudSnooze:Status', 'Running');
    inst.tags.set('Other:Status', 'Stopped');
    expect(await provider().onAgentStart('CloudSnooze')).toBeNull();
    expect(actions()).toEqual(['DescribeTags:ok']);
  });

  it('with tags in instance metadata, a running status is read there: no EC2 call at start', async () => {
    imds.tags = () => inst.tags;
    inst.tags.set('CloudSnooze:Status', 'Running');
    expect(await provider().onAgentStart('CloudSnooze')).toBeNull();
    expect(imds.count('GET', '/latest/meta-data/tags/instance/CloudSnooze:Status')).toBe(1);
    expect(ec2.count()).toBe(0);
    inst.tags.clear();
    expect(await provider().onAgentStart('CloudSnooze')).toBeNull();
    expect(ec2.count()).toBe(0);
  });

  it('with tags in instance metadata showing Stopped, it still marks through the EC2 API', async () => {
    imds.tags = () => inst.tags;
    inst.tags.set('CloudSnooze:Status', 'Stopped');
    expect(await provider().onAgentStart('CloudSnooze')).toMatchObject({ type: 'restart_marked' });
    expect(actions()).toEqual(['DescribeTags:ok', 'CreateTags:ok']);
    expect(inst.tags.get('CloudSnooze:Status')).toBe('Running');
  });

  it('with a stop marker path: no marker means no EC2 call at start; a stop writes it, the next start uses and clears it', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'cs-marker-')), 'state', 'aws-stop-pending.json');
    expect(await provider({ stopMarkerPath: marker }).onAgentStart('CloudSnooze')).toBeNull();
    expect(ec2.count()).toBe(0);

    const out = await provider({ stopMarkerPath: marker }).stop({ reason: 'idle', tags: stopTags(), hibernate: false });
    expect(out.kind).toBe('stopped');
    expect(JSON.parse(readFileSync(marker, 'utf8'))).toMatchObject({ instance_id: ID, at: expect.stringMatching(/Z$/) });

    inst.state = 'running'; // started again by someone
    ec2.resetCalls();
    expect(await provider({ stopMarkerPath: marker }).onAgentStart('CloudSnooze')).toMatchObject({ type: 'restart_marked' });
    expect(actions()).toEqual(['DescribeTags:ok', 'CreateTags:ok']);
    expect(existsSync(marker)).toBe(false);
  });

  it('a failed stop removes the marker; a marker from another instance (copied image) is dropped unused', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'cs-marker-')), 'aws-stop-pending.json');
    ec2.denied.add('StopInstances');
    expect((await provider({ stopMarkerPath: marker }).stop({ reason: 'idle', tags: {}, hibernate: false })).kind).toBe('failed');
    expect(existsSync(marker)).toBe(false);
    writeFileSync(marker, JSON.stringify({ instance_id: 'i-0ffffffffffffffff', at: '2023-04-19T14:23:45Z' }));
    ec2.resetCalls();
    expect(await provider({ stopMarkerPath: marker }).onAgentStart('CloudSnooze')).toBeNull();
    expect(ec2.count()).toBe(0);
    expect(existsSync(marker)).toBe(false);
  });

  it('never throws: a denied DescribeTags gives null and a lastError', async () => {
    ec2.denied.add('DescribeTags');
    const p = provider();
    expect(await p.onAgentStart('CloudSnooze')).toBeNull();
    expect(p.health().lastError).toMatch(/UnauthorizedOperation/);
  });
});

describe('metadata unreachable on an EC2 host', () => {
  it('is monitor-only with the reason, stops nothing, and recovers in the background', async () => {
    imds.mode = 'drop';
    const p = provider({ imds: new ImdsClient({ endpoint: imds.url, timeoutMs: 200 }) });
    expect(await p.identify()).toEqual({ id: null, type: null, region: null, source: 'ec2' });
    expect(p.health().monitorOnly).toMatch(/instance metadata unavailable: instance metadata unreachable at http:\/\/127\.0\.0\.1:\d+/);
    expect(await p.stop({ reason: 'idle', tags: stopTags(), hibernate: false })).toMatchObject({ kind: 'failed', code: 'MetadataUnavailable' });
    expect(await p.onAgentStart('CloudSnooze')).toBeNull();
    expect(ec2.count()).toBe(0);

    imds.mode = 'ok';
    await vi.waitFor(() => expect(p.health().monitorOnly).toBeNull(), { timeout: 5000, interval: 20 });
    expect((await p.identify()).id).toBe(ID);
  });

  it('keeps retrying while it stays down (more than one background try)', async () => {
    imds.mode = 'drop';
    const p = provider({ imds: new ImdsClient({ endpoint: imds.url, timeoutMs: 200 }) });
    await p.identify();
    await vi.waitFor(() => expect(imds.count('PUT', '/latest/api/token')).toBeGreaterThanOrEqual(3), { timeout: 5000, interval: 20 });
    expect(p.health().monitorOnly).not.toBeNull();
    await p.close();
  });
});
