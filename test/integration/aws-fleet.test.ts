/** Fleet module and `snooze fleet` against the fake EC2 with the real SDK. */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EC2Client } from '@aws-sdk/client-ec2';
import { Fleet, stoppedHours } from '../../agent/aws/fleet.js';
import { AwsProvider } from '../../agent/aws/provider.js';
import { ImdsClient } from '../../agent/aws/imds.js';
import { runFleet } from '../../agent/cli/fleet.js';
import { rfc3339Seconds } from '../../contract/protocol.js';
import type { FakeInstance } from '../fakes/ec2.js';
import { FakeImds } from '../fakes/imds.js';
import { fakeAwsEnv } from '../fakes/aws-env.js';
import { withFakeAws } from '../helpers/aws.js';
import { runWithBlockedDrain } from '../helpers/fleet-drain.js';
import { checkCloudSnoozeStatus, guidePollOnce } from '../fakes/guide-poll.js';

const { ec2 } = withFakeAws({ imds: false });
const fastRetry = { baseDelayMs: 2, maxDelayMs: 10 };
const HOUR = 3_600_000;

function stoppedByUs(hoursAgo: number, over: Partial<FakeInstance> = {}, reason = 'System idle for 30 minutes (threshold: 30 minutes)'): FakeInstance {
  return ec2.addInstance({
    state: 'stopped',
    type: 't3.medium',
    ...over,
    tags: { 'CloudSnooze:Status': 'Stopped', 'CloudSnooze:StopTimestamp': rfc3339Seconds(Date.now() - hoursAgo * HOUR), 'CloudSnooze:StopReason': reason, Name: 'dev' },
  });
}

interface Captured {
  out: string[];
  err: string[];
  code: number;
}

async function fleet(args: string[], opts: { signal?: AbortSignal; env?: NodeJS.ProcessEnv } = {}): Promise<Captured> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runFleet(args, { out: (s) => out.push(s), err: (s) => err.push(s), env: opts.env ?? process.env, ...(opts.signal ? { signal: opts.signal } : {}) }, { retry: fastRetry });
  return { out, err, code };
}

describe('fleet list', () => {
  it('lists the instances CloudSnooze stopped, with reason, duration and savings (JSON)', async () => {
    const a = stoppedByUs(10);
    ec2.addInstance({ tags: { 'CloudSnooze:Status': 'Running', 'CloudSnooze:StopTimestamp': '2023-01-01T00:00:00Z' } });
    ec2.addInstance({ state: 'stopped', tags: { Name: 'stopped by a human' } });
    const r = await fleet(['list', '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out.join('\n')) as Record<string, unknown>[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      instance_id: a.id,
      instance_type: 't3.medium',
      state: 'stopped',
      status: 'Stopped',
      reason: 'System idle for 30 minutes (threshold: 30 minutes)',
      hourly_price_usd: 0.0416,
    });
    expect(rows[0]!.stopped_hours as number).toBeCloseTo(10, 1);
    expect(rows[0]!.estimated_savings_usd as number).toBeCloseTo(0.416, 2);
    expect(Object.keys(rows[0]!.tags as object)).toEqual(['CloudSnooze:Status', 'CloudSnooze:StopTimestamp', 'CloudSnooze:StopReason']);
    expect(ec2.countsByAction()).toEqual({ DescribeTags: 1, DescribeInstances: 1 });
    expect(ec2.callsOf('DescribeTags')[0]!.params).toMatchObject({
      'Filter.1.Name': 'key',
      'Filter.1.Value.1': 'CloudSnooze:Status',
      'Filter.2.Name': 'resource-type',
      'Filter.2.Value.1': 'instance',
      MaxResults: '1000',
    });
  });

  it('prints a table, or says when there is nothing; honours --prefix and an explicit env object', async () => {
    const a = stoppedByUs(50);
    const text = await fleet(['list', '--region', 'us-east-1'], { env: fakeAwsEnv({ ec2Url: ec2.url }) });
    expect(text.code).toBe(0);
    expect(text.out[0]).toMatch(/^INSTANCE\s+TYPE\s+STATE\s+STOPPED AT\s+STOPPED FOR\s+EST\. SAVINGS\s+REASON/);
    expect(text.out[0]).toContain(`${a.id}  t3.medium  stopped`);
    expect(text.out[0]).toMatch(/2d 2h\s+\$2\.08\s+System idle/);
    const other = await fleet(['list', '--prefix', 'Acme']);
    expect(other.out).toEqual(['no instances stopped by CloudSnooze (prefix Acme, region us-east-1)']);
  });

  it('one API error is one line and exit 1', async () => {
    ec2.denied.add('DescribeTags');
    const r = await fleet(['list']);
    expect(r.code).toBe(1);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(/^snooze fleet list: UnauthorizedOperation: You are not authorized/);
  });
});

describe('fleet list streams (issue 10)', () => {
  it('one region: each page is printed, and stdout drained, before the next page is asked for; text and JSON', async () => {
    ec2.logCalls = false;
    try {
      ec2.seed(2500, () => ({ state: 'stopped', type: 't3.micro', tags: { 'CloudSnooze:Status': 'Stopped', 'CloudSnooze:StopTimestamp': rfc3339Seconds(Date.now() - HOUR), 'CloudSnooze:StopReason': 'idle' } }));
      for (const json of [false, true]) {
        ec2.resetCalls();
        const { code, text } = await runWithBlockedDrain(['list', ...(json ? ['--json'] : [])], 3, (out) => {
          // The first page is out; while stdout has not drained, no further page is fetched.
          expect(ec2.countsByAction()).toEqual({ DescribeTags: 1, DescribeInstances: 1 });
          expect(out).toHaveLength(1);
        });
        expect(code).toBe(0);
        expect(ec2.countsByAction()).toEqual({ DescribeTags: 3, DescribeInstances: 3 });
        if (json) expect(JSON.parse(text)).toHaveLength(2500);
        else {
          expect(text.split('\n').filter((l) => l.startsWith('i-'))).toHaveLength(2500);
          expect(text.split('\n').at(-1)).toBe('2500 instances stopped by CloudSnooze (prefix CloudSnooze, region us-east-1)');
        }
      }
    } finally {
      ec2.logCalls = true;
    }
  });
});

describe('fleet poll scale', () => {
  it('10,000 tagged instances cost 10 DescribeTags + 10 DescribeInstances, not two calls each', async () => {
    ec2.logCalls = false;
    try {
      ec2.seed(10_000, (i) => ({
        state: 'stopped',
        type: i % 2 ? 't3.micro' : 'm5.large',
        tags: { 'CloudSnooze:Status': 'Stopped', 'CloudSnooze:StopTimestamp': '2023-04-19T14:23:45Z', 'CloudSnooze:StopReason': 'idle', Name: `n${i}` },
      }));
      ec2.seed(50); // untagged instances are never described
      const f = new Fleet({ region: 'us-east-1', retry: fastRetry });
      const { instances, stats } = await f.poll({ onlyStopped: true });
      f.destroy();
      expect(instances).toHaveLength(10_000);
      expect(new Set(instances.map((i) => i.id)).size).toBe(10_000);
      expect(instances.every((i) => i.state === 'stopped' && i.stoppedAt === '2023-04-19T14:23:45Z')).toBe(true);
      expect(stats).toEqual({ describeTagsCalls: 10, describeInstancesCalls: 10 });
      expect(ec2.countsByAction()).toEqual({ DescribeTags: 10, DescribeInstances: 10 });
    } finally {
      ec2.logCalls = true;
    }
  });

  it('drops ids EC2 no longer knows instead of failing the poll', async () => {
    const a = stoppedByUs(1);
    const f = new Fleet({ region: 'us-east-1', retry: fastRetry });
    const r = await f.restart([a.id, 'i-00000000000dead01'], {});
    f.destroy();
    expect(r.refused).toEqual([{ id: 'i-00000000000dead01', reason: 'does not exist' }]);
    expect(ec2.callsOf('DescribeInstances').map((c) => c.outcome)).toEqual(['InvalidInstanceID.NotFound', 'ok']);
  });
});

describe('fleet watch', () => {
  it('prints each new stop once as a JSON line and exits cleanly on abort', async () => {
    stoppedByUs(5); // already stopped before the watch: not news
    const target = ec2.addInstance({ type: 'm5.large' });
    const ac = new AbortController();
    const out: string[] = [];
    const err: string[] = [];
    const done = runFleet(['watch', '--interval', '1', '--json'], { out: (s) => out.push(s), err: (s) => err.push(s), env: process.env, signal: ac.signal }, { retry: fastRetry });
    await waitFor(() => ec2.count('DescribeTags') >= 1);
    target.state = 'stopped';
    target.tags.set('CloudSnooze:Status', 'Stopped');
    target.tags.set('CloudSnooze:StopTimestamp', '2023-04-19T14:23:45Z');
    target.tags.set('CloudSnooze:StopReason', 'System idle for 30 minutes (threshold: 30 minutes)');
    await waitFor(() => out.length >= 1);
    await waitFor(() => ec2.count('DescribeTags') >= 3); // later polls must not repeat it
    ac.abort();
    expect(await done).toBe(0);
    expect(out).toHaveLength(1);
    expect(JSON.parse(out[0]!)).toMatchObject({ event: 'stop', instance_id: target.id, instance_type: 'm5.large', stopped_at: '2023-04-19T14:23:45Z' });
    expect(err).toEqual([]);
  }, 20_000);

  it('--existing reports what is already stopped at start', async () => {
    const a = stoppedByUs(2);
    const ac = new AbortController();
    const out: string[] = [];
    const done = runFleet(['watch', '--existing'], { out: (s) => { out.push(s); ac.abort(); }, err: () => undefined, env: process.env, signal: ac.signal });
    expect(await done).toBe(0);
    expect(out[0]).toMatch(new RegExp(`${a.id} \\(t3\\.medium\\) stopped by CloudSnooze: System idle`));
  });

  it('backs off exponentially while polls fail, then recovers', async () => {
    ec2.fault('DescribeTags', { kind: 'throttle' }, 4);
    const a = stoppedByUs(1);
    const f = new Fleet({ region: 'us-east-1', retry: { ...fastRetry, maxAttempts: 1 } });
    const ac = new AbortController();
    const waits: number[] = [];
    const events: string[] = [];
    await f.watch({
      intervalMs: 20,
      includeExisting: true,
      signal: ac.signal,
      onError: (msg, ms) => {
        expect(msg).toMatch(/^RequestLimitExceeded: /);
        waits.push(ms);
      },
      onEvent: (e) => {
        events.push(e.id);
        ac.abort();
      },
    });
    f.destroy();
    expect(events).toEqual([a.id]);
    expect(waits).toHaveLength(4);
    // ±20% jitter on a doubling: each wait is still longer than the one before.
    for (let i = 1; i < waits.length; i++) expect(waits[i]!).toBeGreaterThan(waits[i - 1]!);
    expect(waits[3]!).toBeGreaterThanOrEqual(20 * 16 * 0.8 - 1);
  });
});

describe('fleet restart', () => {
  it('starts, marks Status=Running, keeps the stop tags and adds the caller tag', async () => {
    const a = stoppedByUs(3);
    const r = await fleet(['restart', a.id, '--tag', 'Provisioner:RestartedBy=ci-42']);
    expect(r).toMatchObject({ code: 0, out: [`started ${a.id}`] });
    expect(a.state).toBe('running');
    expect(Object.fromEntries(a.tags)).toMatchObject({
      'CloudSnooze:Status': 'Running',
      'CloudSnooze:StopReason': 'System idle for 30 minutes (threshold: 30 minutes)',
      'Provisioner:RestartedBy': 'ci-42',
    });
    expect(a.tags.get('CloudSnooze:StopTimestamp')).toMatch(/Z$/);
    // Status=Running and the caller's tags in separate calls, as the operator policy allows them.
    expect(ec2.calls.map((c) => c.action)).toEqual(['DescribeInstances', 'StartInstances', 'CreateTags', 'CreateTags']);
  });

  it('refuses instances CloudSnooze did not stop (nothing is started) unless --force', async () => {
    const ours = stoppedByUs(3);
    const theirs = ec2.addInstance({ state: 'stopped' });
    const r = await fleet(['restart', ours.id, theirs.id]);
    expect(r.code).toBe(1);
    expect(r.err.join('\n')).toMatch(new RegExp(`refused ${theirs.id}: no CloudSnooze:Status tag`));
    expect(ec2.count('StartInstances')).toBe(0);
    expect([ours.state, theirs.state]).toEqual(['stopped', 'stopped']);

    const forced = await fleet(['restart', ours.id, theirs.id, '--force', '--tag', 'By=me']);
    expect(forced.code).toBe(0);
    expect([ours.state, theirs.state]).toEqual(['running', 'running']);
    // A forced start of a foreign instance gets the caller's tag, not CloudSnooze's.
    expect(Object.fromEntries(theirs.tags)).toEqual({ By: 'me' });
    expect(ours.tags.get('CloudSnooze:Status')).toBe('Running');
  });

  it('refuses to let the caller write CloudSnooze tags', async () => {
    const a = stoppedByUs(3);
    const r = await fleet(['restart', a.id, '--tag', 'CloudSnooze:Status=Whatever']);
    expect(r.code).toBe(2);
    expect(r.err[0]).toMatch(/CloudSnooze:\* tags are CloudSnooze's own/);
  });
});

describe('fleet savings', () => {
  it('stopped hours × hourly price per instance and in total, clipped to --since', async () => {
    const a = stoppedByUs(10); // t3.medium, still stopped: 10 h
    const b = stoppedByUs(48, { type: 'm5.large', state: 'running', launchTime: new Date(Date.now() - 24 * HOUR) }); // restarted after 24 h
    const c = stoppedByUs(24 * 40, { type: 'x9.weird' }); // 40 days ago, clipped to 30 days
    const r = await fleet(['savings', '--since', '30d', '--json']);
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.out.join('\n')) as { instances: { instance_id: string; hours: number; savings_usd: number | null }[]; total_savings_usd: number; unpriced_types: string[] };
    const byId = Object.fromEntries(rep.instances.map((l) => [l.instance_id, l]));
    expect(byId[a.id]!.hours).toBeCloseTo(10, 1);
    expect(byId[a.id]!.savings_usd).toBeCloseTo(0.416, 2);
    expect(byId[b.id]!.hours).toBeCloseTo(24, 1);
    expect(byId[b.id]!.savings_usd).toBeCloseTo(24 * 0.096, 2);
    expect(byId[c.id]!.hours).toBeCloseTo(720, 0);
    expect(byId[c.id]!.savings_usd).toBeNull();
    expect(rep.total_savings_usd).toBeCloseTo(0.416 + 2.304, 2);
    expect(rep.unpriced_types).toEqual(['x9.weird']);
  });

  it('--prices FILE overrides and extends the built-in table; text output has a total', async () => {
    stoppedByUs(10);
    stoppedByUs(10, { type: 'x9.weird' });
    const dir = mkdtempSync(join(tmpdir(), 'cs-prices-'));
    const file = join(dir, 'prices.json');
    writeFileSync(file, JSON.stringify({ 't3.medium': 1, 'x9.weird': 2 }));
    const r = await fleet(['savings', '--prices', file, '--since', '1w']);
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/\nTOTAL\s+20\.0\s+\$30\.00/);
    writeFileSync(file, JSON.stringify({ 't3.medium': 'cheap' }));
    const bad = await fleet(['savings', '--prices', file]);
    expect(bad.code).toBe(2);
    expect(bad.err[0]).toMatch(/prices file .*"t3\.medium" must map instance types to hourly USD prices/);
  });

  it('stoppedHours: unknown stop time is null, a restart before the stop is zero', () => {
    expect(stoppedHours({ stoppedAt: null, state: 'stopped', launchTime: null }, 0, 0)).toBeNull();
    expect(stoppedHours({ stoppedAt: '2023-04-19T10:00:00Z', state: 'running', launchTime: '2023-04-18T00:00:00Z' }, Date.now(), 0)).toBe(0);
  });
});

describe('fleet usage errors', () => {
  it.each([
    [['list', '--bogus'], /unknown option --bogus/],
    [['list', '--region'], /--region needs a value/],
    [['list', '--region', 'mars'], /not a region name/],
    [['watch', '--interval', '0'], /--interval must be a number of seconds from 1/],
    [['savings', '--since', '3x'], /--since "3x" must be a duration/],
    [['restart'], /give at least one instance id/],
    [['restart', 'web-1'], /"web-1" is not an instance id/],
    [['restart', 'i-0123456789abcdef0', '--tag', 'novalue'], /--tag needs KEY=VALUE/],
    [['frob'], /unknown command "frob"/],
    [['savings', '--prices', '/nonexistent/prices.json'], /prices file \/nonexistent\/prices.json: ENOENT/],
  ])('%j → exit 2 with one clear line', async (args, msg) => {
    const r = await fleet(args);
    expect(r.code).toBe(2);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(msg);
    expect(ec2.count()).toBe(0);
  });

  it('--help prints the usage', async () => {
    const r = await fleet(['--help']);
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/usage: snooze fleet/);
  });
});

describe("the guide's per-instance Python poll", () => {
  it('sees a stop made by the provider (DescribeTags with key CloudSnooze:*)', async () => {
    const imds = await FakeImds.start({ instanceId: 'i-0fedcba9876543210' });
    try {
      const inst = ec2.addInstance({ id: 'i-0fedcba9876543210', type: 't3.medium' });
      const other = ec2.addInstance();
      const p = new AwsProvider({ mode: 'aws', config: { aws_region: '' }, imds: new ImdsClient({ endpoint: imds.url }), retry: fastRetry });
      const out = await p.stop({
        reason: 'idle',
        tags: { 'CloudSnooze:Status': 'Stopped', 'CloudSnooze:StopTimestamp': '2023-04-19T14:23:45Z', 'CloudSnooze:StopReason': 'System idle for 30 minutes (threshold: 30 minutes)', 'CloudSnooze:CPUPercent': '2.50' },
        hibernate: false,
      });
      await p.close();
      expect(out.kind).toBe('stopped');
      ec2.resetCalls();
      const client = new EC2Client({});
      const seen = await guidePollOnce(client, [inst.id, other.id]);
      expect([...seen.keys()]).toEqual([inst.id]);
      expect(seen.get(inst.id)).toEqual({
        status: 'stopped',
        timestamp: '2023-04-19T14:23:45Z',
        reason: 'System idle for 30 minutes (threshold: 30 minutes)',
        metrics: { cpu: '2.50', memory: undefined },
      });
      expect(ec2.callsOf('DescribeTags').map((c) => c.params['Filter.2.Value.1'])).toEqual(['CloudSnooze:Status', 'CloudSnooze:*', 'CloudSnooze:Status']);
      expect(await checkCloudSnoozeStatus(client, other.id)).toEqual({ status: 'running' });
      client.destroy();
    } finally {
      await imds.close();
    }
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
