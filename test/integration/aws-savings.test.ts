/**
 * STATUS `savings` (issue 10) from a real agent on a presented EC2 host (fake IMDS/EC2): hours
 * stopped from its own history, priced from the built-in table; after a stop and a restart,
 * the start-up task (a cloud-task child with the real @aws-sdk/client-pricing) fetches the
 * type's price from the fake Price List API, caches it beside the history, and STATUS says
 * "price-list-api". A Price List failure leaves the built-in price.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rfc3339Seconds } from '../../contract/protocol.js';
import { fakeAwsEnv } from '../fakes/aws-env.js';
import type { FakeInstance } from '../fakes/ec2.js';
import { FakePricing } from '../fakes/pricing.js';
import { ALWAYS_IDLE, startAgent, tempDir, waitFor, type AgentHandle } from '../helpers/agent.js';
import { withFakeAws } from '../helpers/aws.js';

const ID = 'i-0a1b2c3d4e5f60719';
const { ec2, imds, dmi } = withFakeAws({ imds: { instanceId: ID, instanceType: 't3.medium', region: 'us-east-1' }, dmi: 'board_vendor' });
let pricing: FakePricing;
let inst: FakeInstance;
const agents: AgentHandle[] = [];

beforeAll(async () => {
  pricing = await FakePricing.start();
});
afterAll(async () => {
  await pricing.close();
});
beforeEach(() => {
  inst = ec2.addInstance({ id: ID, type: 't3.medium' });
  pricing.calls.length = 0;
  pricing.prices.clear();
  pricing.failWith = null;
});
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop('SIGKILL')));
});

async function agent(config: Record<string, unknown>, dir: string): Promise<AgentHandle> {
  mkdirSync(path.join(dir, 'dev'), { recursive: true });
  const a = await startAgent({ dir, config: { ...ALWAYS_IDLE, ...config }, env: fakeAwsEnv({ ec2Url: ec2.url, imdsUrl: imds.url, dmiDir: dmi.dir, pricingUrl: pricing.url }) });
  agents.push(a);
  return a;
}

describe('STATUS savings', () => {
  it('counts the hours from a stop to the next start in the history, at the built-in price', async () => {
    const dir = tempDir('cs-savings-');
    const now = Date.now();
    // Ten hours stopped (stop, then this boot's start), and a dry-run stop that saved nothing.
    const lines = [
      { id: 1, time: rfc3339Seconds(now - 30 * 3_600_000), type: 'agent_start', message: 'started' },
      { id: 2, time: rfc3339Seconds(now - 20 * 3_600_000), type: 'dry_run_stop', message: 'would stop' },
      { id: 3, time: rfc3339Seconds(now - 10 * 3_600_000), type: 'stop', message: 'stopped' },
    ];
    writeFileSync(path.join(dir, 'history.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const a = await agent({ naptime_minutes: 600 }, dir);
    const st = await waitFor(async () => {
      const s = await a.req('STATUS');
      return s.savings ? s : null;
    }, 10_000, 'savings in STATUS');
    expect(st.savings!.instance_type).toBe('t3.medium');
    expect(st.savings!.hours_stopped_30d).toBeGreaterThan(9.99);
    expect(st.savings!.hours_stopped_30d).toBeLessThan(10.01);
    expect(st.savings!.price_source).toBe('built-in');
    expect(st.savings!.price_per_hour).toBe(0.0416);
    expect(st.savings!.estimated_usd).toBe(0.42);
    // No stop marker: nothing to mark at start, so no child and no Price List call.
    expect(pricing.calls).toHaveLength(0);
    expect(JSON.stringify({ success: true, data: st }).length).toBeLessThan(4096);
  });

  it('after a stop and a restart, the start-up task caches the Price List API price and STATUS uses it', async () => {
    pricing.prices.set('us-east-1/t3.medium', 0.0555);
    const first = await agent({}, tempDir('cs-savings-'));
    await waitFor(async () => (await first.req('HISTORY', { type: 'stop' })).events.length > 0, 30_000, `stop; output:\n${first.output()}`);
    await first.stop('SIGKILL');
    inst.state = 'running';
    const second = await agent({ naptime_minutes: 600 }, first.dir);
    await waitFor(async () => (await second.req('HISTORY', { type: 'restart_marked' })).events.length > 0, 30_000, `restart_marked; output:\n${second.output()}`);
    const st = await waitFor(async () => {
      const s = await second.req('STATUS');
      return s.savings?.price_source === 'price-list-api' ? s : null;
    }, 10_000, `price-list-api savings; output:\n${second.output()}`);
    expect(st.savings!.price_per_hour).toBe(0.0555);
    expect(pricing.calls).toHaveLength(1);
    expect(pricing.calls[0]).toMatchObject({ target: 'AWSPriceListService.GetProducts', authorized: true, filters: { instanceType: 't3.medium', regionCode: 'us-east-1', operatingSystem: 'Linux' } });
    const cache = JSON.parse(readFileSync(path.join(first.dir, 'prices.json'), 'utf8')) as { entries: Record<string, { usd_per_hour: number }> };
    expect(cache.entries['us-east-1/t3.medium']!.usd_per_hour).toBe(0.0555);
  }, 90_000);

  it('a Price List failure (no pricing:GetProducts) leaves the built-in price and the agent running', async () => {
    pricing.failWith = 400;
    const first = await agent({}, tempDir('cs-savings-'));
    await waitFor(async () => (await first.req('HISTORY', { type: 'stop' })).events.length > 0, 30_000, 'stop');
    await first.stop('SIGKILL');
    inst.state = 'running';
    const second = await agent({ naptime_minutes: 600 }, first.dir);
    await waitFor(async () => (await second.req('HISTORY', { type: 'restart_marked' })).events.length > 0, 30_000, `restart_marked; output:\n${second.output()}`);
    expect(pricing.calls.length).toBeGreaterThanOrEqual(1);
    expect(existsSync(path.join(first.dir, 'prices.json'))).toBe(false);
    const st = await second.req('STATUS');
    expect(st.savings!.price_source).toBe('built-in');
    expect(second.output()).toMatch(/price list: .*built-in table/);
  }, 90_000);
});
