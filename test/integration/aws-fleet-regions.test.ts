/**
 * `snooze fleet list|savings` over several regions (issue 10): the real SDK against fake EC2
 * regions behind one loopback endpoint (routed by the SigV4 region), and the fake Price List API.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runFleet } from '../../agent/cli/fleet.js';
import { rfc3339Seconds } from '../../contract/protocol.js';
import { fakeAwsEnv } from '../fakes/aws-env.js';
import { FakeEc2Regions } from '../fakes/ec2-regions.js';
import { FakePricing } from '../fakes/pricing.js';

const REGIONS = ['eu-west-1', 'us-east-1', 'us-west-2'];
const HOUR = 3_600_000;
let fakes: FakeEc2Regions;
let pricing: FakePricing;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  [fakes, pricing] = await Promise.all([FakeEc2Regions.start(REGIONS), FakePricing.start()]);
});
afterAll(async () => {
  await Promise.all([fakes.close(), pricing.close()]);
});
beforeEach(() => {
  for (const f of fakes.regions.values()) f.reset();
  pricing.calls.length = 0;
  pricing.prices.clear();
  pricing.failWith = null;
  env = { ...fakeAwsEnv({ ec2Url: fakes.url, pricingUrl: pricing.url }), CLOUDSNOOZE_PRICE_CACHE: join(mkdtempSync(join(tmpdir(), 'cs-pc-')), 'prices.json') };
});

function stopped(region: string, n: number, type = 't3.medium', hoursAgo = 10) {
  return fakes.region(region).seed(n, () => ({
    state: 'stopped',
    type,
    tags: { 'CloudSnooze:Status': 'Stopped', 'CloudSnooze:StopTimestamp': rfc3339Seconds(Date.now() - hoursAgo * HOUR), 'CloudSnooze:StopReason': 'System idle for 30 minutes (threshold: 30 minutes)' },
  }));
}

async function fleet(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runFleet(args, { out: (s) => out.push(s), err: (s) => err.push(s), env }, { retry: { baseDelayMs: 2, maxDelayMs: 10, maxAttempts: 2 } });
  return { out, err, code };
}

describe('fleet list over several regions', () => {
  it('list waits for stdout to drain before it asks for the next page (a slow reader never makes it queue the fleet)', async () => {
    stopped('eu-west-1', 2500);
    const ec2 = fakes.region('eu-west-1');
    let release: () => void = () => {};
    let drains = 0;
    const out: string[] = [];
    const run = runFleet(['list', '--region', 'eu-west-1,us-west-2', '--concurrency', '1'], {
      out: (s) => out.push(s),
      err: () => {},
      env,
      drain: () => {
        drains++;
        return new Promise<void>((r) => (release = r));
      },
    }, { retry: { baseDelayMs: 2, maxDelayMs: 10, maxAttempts: 2 } });
    await expect.poll(() => drains, { timeout: 20_000 }).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    // The first page is out; while stdout has not drained, no further page is fetched.
    expect(ec2.callsOf('DescribeTags')).toHaveLength(1);
    for (let page = 1; page <= 3; page++) {
      release();
      if (page < 3) await expect.poll(() => drains, { timeout: 20_000 }).toBe(page + 1);
    }
    expect(await run).toBe(0);
    expect(ec2.callsOf('DescribeTags')).toHaveLength(3);
    expect(out.at(-1)).toBe('2500 instances stopped by CloudSnooze in 2 regions');
  });

  it('--region r1,r2 --json: one JSON array, each instance with its region; each region asked in its own region', async () => {
    stopped('eu-west-1', 3);
    stopped('us-west-2', 2, 'm5.large');
    stopped('us-east-1', 4); // not asked
    const r = await fleet(['list', '--region', 'eu-west-1,us-west-2', '--json']);
    expect(r.code, r.err.join('\n')).toBe(0);
    const items = JSON.parse(r.out.join('\n')) as { region: string; instance_id: string; instance_type: string }[];
    expect(items.filter((i) => i.region === 'eu-west-1')).toHaveLength(3);
    expect(items.filter((i) => i.region === 'us-west-2').every((i) => i.instance_type === 'm5.large')).toBe(true);
    expect(items).toHaveLength(5);
    expect(fakes.region('us-east-1').count()).toBe(0);
    for (const name of ['eu-west-1', 'us-west-2']) expect(fakes.region(name).calls.every((c) => c.region === name)).toBe(true);
  });

  it('--region all asks DescribeRegions, then every enabled region; text rows stream under one header', async () => {
    for (const name of REGIONS) stopped(name, 2);
    const r = await fleet(['list', '--region', 'all']);
    expect(r.code, r.err.join('\n')).toBe(0);
    const text = r.out.join('\n');
    expect(text.split('\n')[0]).toMatch(/^REGION\s+INSTANCE\s+TYPE\s+STATE/);
    for (const name of REGIONS) expect(text.match(new RegExp(`^${name}\\s+i-`, 'gm'))).toHaveLength(2);
    expect(r.out.at(-1)).toBe('6 instances stopped by CloudSnooze in 3 regions');
    expect(fakes.region('us-east-1').count('DescribeRegions')).toBe(1);
  });

  it('pages: 2500 instances in a region cost 3 DescribeTags + 3 DescribeInstances and are printed page by page', async () => {
    stopped('us-west-2', 2500);
    const r = await fleet(['list', '--region', 'us-west-2,eu-west-1', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out.join('\n'))).toHaveLength(2500);
    const f = fakes.region('us-west-2');
    expect([f.count('DescribeTags'), f.count('DescribeInstances')]).toEqual([3, 3]);
  });

  it('a region that fails is one error line and exit 1; the others are still listed', async () => {
    stopped('eu-west-1', 1);
    stopped('us-west-2', 1);
    fakes.region('us-west-2').denied.add('DescribeTags');
    const r = await fleet(['list', '--region', 'eu-west-1,us-west-2', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out.join('\n'))).toHaveLength(1);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(/^snooze fleet list: us-west-2: .*UnauthorizedOperation|not authorized/);
  });

  it('refuses a bad region list, a bad --concurrency, and several regions for restart', async () => {
    expect((await fleet(['list', '--region', 'eu-west-1,mars'])).code).toBe(2);
    expect((await fleet(['list', '--region', 'all', '--concurrency', '0'])).err[0]).toMatch(/--concurrency must be a whole number from 1 to 16/);
    expect((await fleet(['restart', 'i-0123456789abcdef0', '--region', 'all'])).err[0]).toMatch(/--region takes one region for restart/);
  });
});

describe('fleet savings over several regions', () => {
  it('sums per region and type, prices from the Price List API where it has them (cached a week), else built-in', async () => {
    stopped('eu-west-1', 3, 't3.medium', 10); // 30 h
    stopped('us-west-2', 2, 'm5.large', 5); // 10 h
    pricing.prices.set('eu-west-1/t3.medium', 0.0456);
    const r = await fleet(['savings', '--region', 'eu-west-1,us-west-2', '--json']);
    expect(r.code, r.err.join('\n')).toBe(0);
    const rep = JSON.parse(r.out.join('\n')) as {
      regions: { region: string; instances: number; hours: number; by_type: { instance_type: string; price_source: string; hourly_price_usd: number; savings_usd: number }[] }[];
      total_instances: number;
      total_savings_usd: number;
    };
    const eu = rep.regions.find((x) => x.region === 'eu-west-1')!;
    expect(eu.instances).toBe(3);
    expect(eu.hours).toBeCloseTo(30, 1);
    expect(eu.by_type[0]).toMatchObject({ instance_type: 't3.medium', price_source: 'price-list-api', hourly_price_usd: 0.0456 });
    const us = rep.regions.find((x) => x.region === 'us-west-2')!;
    expect(us.by_type[0]).toMatchObject({ instance_type: 'm5.large', price_source: 'built-in', hourly_price_usd: 0.096 });
    expect(rep.total_instances).toBe(5);
    expect(rep.total_savings_usd).toBeCloseTo(30 * 0.0456 + 10 * 0.096, 2);
    expect(pricing.calls.map((c) => `${c.filters.regionCode}/${c.filters.instanceType}`).sort()).toEqual(['eu-west-1/t3.medium', 'us-west-2/m5.large']);

    // Cached: a second run asks the Price List API only for what it did not price.
    pricing.calls.length = 0;
    expect((await fleet(['savings', '--region', 'eu-west-1,us-west-2', '--json'])).code).toBe(0);
    expect(pricing.calls.map((c) => `${c.filters.regionCode}/${c.filters.instanceType}`)).toEqual(['us-west-2/m5.large']);
  });

  it('single region: --prices FILE wins, the Price List API next, and the text says where each price came from', async () => {
    stopped('us-east-1', 1, 't3.medium', 10);
    stopped('us-east-1', 1, 'm5.large', 10);
    pricing.prices.set('us-east-1/m5.large', 0.1);
    const r = await fleet(['savings', '--region', 'us-east-1']);
    expect(r.code, r.err.join('\n')).toBe(0);
    expect(r.out.join('\n')).toMatch(/prices from the AWS Price List API \(m5\.large\); the built-in table \(us-east-1\) \(t3\.medium\)/);
    const none = await fleet(['savings', '--region', 'us-east-1', '--builtin-prices', '--json']);
    expect((JSON.parse(none.out.join('\n')) as { price_sources: Record<string, string> }).price_sources).toEqual({ 'm5.large': 'built-in', 't3.medium': 'built-in' });
  });
});
