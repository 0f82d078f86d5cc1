import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_IMDS_ENDPOINT, ImdsClient, ImdsError, imdsEndpoint } from '../../agent/aws/imds.js';
import { FakeImds } from '../fakes/imds.js';

let imds: FakeImds;
beforeEach(async () => {
  imds = await FakeImds.start({ instanceId: 'i-0123456789abcdef0', instanceType: 'g5.xlarge', region: 'eu-central-1' });
});
afterEach(async () => {
  await imds.close();
});

describe('IMDSv2 client', () => {
  it('reads instance-id, instance-type and placement/region with a token', async () => {
    const c = new ImdsClient({ endpoint: imds.url });
    expect(await c.identity()).toEqual({ id: 'i-0123456789abcdef0', type: 'g5.xlarge', region: 'eu-central-1' });
    expect(imds.count('PUT', '/latest/api/token')).toBe(1);
    expect(imds.count('GET', '/latest/meta-data/placement/region')).toBe(1);
    // No call ever went without a token (IMDSv1 style).
    expect(imds.calls.filter((x) => x.status === 401)).toHaveLength(0);
  });

  it('caches the token until its TTL, then asks for a new one', async () => {
    let now = 1_000_000;
    const c = new ImdsClient({ endpoint: imds.url, tokenTtlSeconds: 600, now: () => now });
    await c.identity();
    await c.identity();
    expect(c.tokenRequests).toBe(1);
    now += 600_000;
    await c.get('meta-data/instance-id');
    expect(c.tokenRequests).toBe(2);
  });

  it('refreshes the token once on 401 (expired or IMDS restarted)', async () => {
    const c = new ImdsClient({ endpoint: imds.url });
    await c.get('meta-data/instance-id');
    imds.expireTokens();
    expect(await c.get('meta-data/instance-type')).toBe('g5.xlarge');
    expect(c.tokenRequests).toBe(2);
    expect(imds.calls.map((x) => x.status)).toEqual([200, 200, 401, 200, 200]);
  });

  it('a real TTL expiry on the server side is also recovered from', async () => {
    await imds.close();
    imds = await FakeImds.start({ maxTokenTtlSeconds: 1 });
    const c = new ImdsClient({ endpoint: imds.url });
    await c.get('meta-data/instance-id');
    await new Promise((r) => setTimeout(r, 1100));
    expect(await c.get('meta-data/instance-id')).toBe('i-0123456789abcdef0');
    expect(c.tokenRequests).toBe(2);
  });

  it('404 is null for optional paths and an error for required ones', async () => {
    const c = new ImdsClient({ endpoint: imds.url });
    expect(await c.getOptional('meta-data/iam/info')).toBeNull();
    await expect(c.get('meta-data/iam/info')).rejects.toThrow(/404/);
  });

  it('fails fast with ImdsError when unreachable or too slow', async () => {
    imds.mode = 'drop';
    const c = new ImdsClient({ endpoint: imds.url, timeoutMs: 300 });
    await expect(c.identity()).rejects.toBeInstanceOf(ImdsError);
    imds.mode = 'ok';
    imds.slowMs = 2000;
    // The client's own deadline fired, not the (slower) reply.
    await expect(c.identity()).rejects.toThrow(/no reply within 300 ms/);
  });

  it('takes the endpoint from AWS_EC2_METADATA_SERVICE_ENDPOINT, defaulting to the named constant', () => {
    expect(imdsEndpoint({ AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:1234/' })).toBe('http://127.0.0.1:1234');
    expect(imdsEndpoint({})).toBe(DEFAULT_IMDS_ENDPOINT);
    expect(imdsEndpoint({ AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: 'IPv6' })).toMatch(/^http:\/\/\[fd00:ec2::254\]$/);
  });
});
