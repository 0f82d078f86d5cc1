/** The fake EC2 must look like EC2 on the wire, or the SDK tests prove nothing. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeEc2, EC2_XMLNS } from '../fakes/ec2.js';

let ec2: FakeEc2;
beforeEach(async () => {
  ec2 = await FakeEc2.start();
});
afterEach(async () => {
  await ec2.close();
});

async function query(params: Record<string, string>): Promise<{ status: number; body: string }> {
  const res = await fetch(ec2.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: new URLSearchParams({ Version: '2016-11-15', ...params }).toString(),
  });
  return { status: res.status, body: await res.text() };
}

describe('fake EC2 (Query API, XML)', () => {
  it('answers in the 2016-11-15 namespace with a requestId', async () => {
    const i = ec2.addInstance({ tags: { Name: 'a&b' } });
    const r = await query({ Action: 'DescribeTags', 'Filter.1.Name': 'resource-id', 'Filter.1.Value.1': i.id });
    expect(r.status).toBe(200);
    expect(r.body).toContain(`<DescribeTagsResponse xmlns="${EC2_XMLNS}">`);
    expect(r.body).toMatch(/<requestId>[0-9a-f-]{36}<\/requestId>/);
    expect(r.body).toMatch(/<tagSet>\s*<item>\s*<resourceId>i-[0-9a-f]+<\/resourceId>\s*<resourceType>instance<\/resourceType>\s*<key>Name<\/key>\s*<value>a&amp;b<\/value>/);
  });

  it('errors use Response/Errors/Error with Code, Message and RequestID', async () => {
    const r = await query({ Action: 'StopInstances', 'InstanceId.1': 'i-0000000000000dead' });
    expect(r.status).toBe(400);
    expect(r.body).toMatch(/<Response><Errors><Error><Code>InvalidInstanceID.NotFound<\/Code><Message>The instance ID 'i-0000000000000dead' does not exist<\/Message><\/Error><\/Errors><RequestID>[0-9a-f-]{36}<\/RequestID><\/Response>/);
  });

  it('DryRun: 412 DryRunOperation when allowed, 403 UnauthorizedOperation when denied, nothing changes', async () => {
    const i = ec2.addInstance();
    expect((await query({ Action: 'StopInstances', 'InstanceId.1': i.id, DryRun: 'true' })).body).toContain('<Code>DryRunOperation</Code>');
    ec2.denied.add('StopInstances');
    const denied = await query({ Action: 'StopInstances', 'InstanceId.1': i.id, DryRun: 'true' });
    expect(denied.status).toBe(403);
    expect(denied.body).toContain('<Code>UnauthorizedOperation</Code>');
    expect(i.state).toBe('running');
    expect(ec2.count('StopInstances')).toBe(2);
    expect(ec2.callsOf('StopInstances').every((c) => c.dryRun)).toBe(true);
  });

  it('DescribeTags filters with * and ? wildcards, ANDed across filters, ORed across values', async () => {
    const a = ec2.addInstance({ tags: { 'CloudSnooze:Status': 'Stopped', 'CloudSnooze:StopReason': 'idle', Name: 'x' } });
    ec2.addInstance({ tags: { 'CloudSnooze:Status': 'Running', Other: 'y' } });
    const body = (await query({ Action: 'DescribeTags', 'Filter.1.Name': 'key', 'Filter.1.Value.1': 'CloudSnooze:*', 'Filter.2.Name': 'resource-id', 'Filter.2.Value.1': a.id })).body;
    expect([...body.matchAll(/<key>([^<]+)<\/key>/g)].map((m) => m[1])).toEqual(['CloudSnooze:Status', 'CloudSnooze:StopReason']);
    const byValue = (await query({ Action: 'DescribeTags', 'Filter.1.Name': 'value', 'Filter.1.Value.1': 'St?pped', 'Filter.1.Value.2': 'Runn*' })).body;
    expect([...byValue.matchAll(/<value>([^<]+)<\/value>/g)].map((m) => m[1])).toEqual(['Stopped', 'Running']);
  });

  it('paginates with MaxResults and NextToken, and checks the MaxResults range', async () => {
    ec2.seed(12, () => ({ tags: { 'CloudSnooze:Status': 'Stopped' } }));
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const body = (await query({ Action: 'DescribeTags', MaxResults: '5', ...(token ? { NextToken: token } : {}) })).body;
      seen.push(...[...body.matchAll(/<resourceId>([^<]+)<\/resourceId>/g)].map((m) => m[1]!));
      token = /<nextToken>([^<]+)<\/nextToken>/.exec(body)?.[1];
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(12);
    expect((await query({ Action: 'DescribeTags', MaxResults: '2' })).body).toContain('InvalidParameterValue');
  });

  it('DescribeInstances: reservationSet/instancesSet with instanceState code and name; ids cannot be combined with MaxResults', async () => {
    const i = ec2.addInstance({ type: 'm5.large', state: 'stopped', tags: { k: 'v' } });
    const body = (await query({ Action: 'DescribeInstances', 'InstanceId.1': i.id })).body;
    expect(body).toMatch(/<reservationSet>\s*<item>\s*<reservationId>r-[0-9a-f]+<\/reservationId>[\s\S]*<instancesSet>\s*<item>\s*<instanceId>/);
    expect(body).toMatch(/<instanceState>\s*<code>80<\/code>\s*<name>stopped<\/name>\s*<\/instanceState>/);
    expect(body).toContain('<instanceType>m5.large</instanceType>');
    expect((await query({ Action: 'DescribeInstances', 'InstanceId.1': i.id, MaxResults: '5' })).body).toContain('InvalidParameterCombination');
  });

  it('StopInstances/StartInstances report currentState and previousState and move the instance', async () => {
    const i = ec2.addInstance();
    const stop = (await query({ Action: 'StopInstances', 'InstanceId.1': i.id })).body;
    expect(stop).toMatch(/<currentState>\s*<code>64<\/code>\s*<name>stopping<\/name>[\s\S]*<previousState>\s*<code>16<\/code>\s*<name>running<\/name>/);
    expect(i.state).toBe('stopped');
    const start = (await query({ Action: 'StartInstances', 'InstanceId.1': i.id })).body;
    expect(start).toMatch(/<currentState>\s*<code>0<\/code>\s*<name>pending<\/name>/);
    expect(i.state).toBe('running');
  });

  it('injects throttling, 500s and dropped connections, and counts every call', async () => {
    ec2.fault('DescribeTags', { kind: 'throttle' }, 2);
    ec2.fault('*', { kind: 'server_error' });
    const a = await query({ Action: 'DescribeTags' });
    expect([a.status, a.body.includes('<Code>RequestLimitExceeded</Code>')]).toEqual([503, true]);
    expect((await query({ Action: 'DescribeTags' })).status).toBe(503);
    expect((await query({ Action: 'DescribeTags' })).status).toBe(500);
    expect((await query({ Action: 'DescribeTags' })).status).toBe(200);
    ec2.fault('DescribeTags', { kind: 'drop' });
    await expect(query({ Action: 'DescribeTags' })).rejects.toThrow();
    expect(ec2.count('DescribeTags')).toBe(5);
  });
});
