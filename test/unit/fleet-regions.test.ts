import { describe, expect, it } from 'vitest';
import { forEachRegion, parseRegionSpec } from '../../agent/aws/fleet-regions.js';

describe('fleet regions', () => {
  it('parses all or a list, refusing what is not a region', () => {
    expect(parseRegionSpec('all')).toEqual({ all: true });
    expect(parseRegionSpec('us-east-1, eu-west-1,us-east-1')).toEqual({ all: false, regions: ['us-east-1', 'eu-west-1'] });
    expect(parseRegionSpec('us-east-1,../x')).toMatch(/"\.\.\/x" is not a region name/);
  });

  it('says what to give when "all" is mixed into a list or an entry is empty, not that "all" is no region (or to give all)', () => {
    const mixed = parseRegionSpec('all,eu-west-1');
    expect(mixed).toBe('"all" cannot be part of a list: give --region all alone, or only region names such as us-east-1,eu-west-1');
    expect(parseRegionSpec('eu-west-1,all')).toBe(mixed);
    expect(parseRegionSpec('us-east-1,')).toMatch(/^a region name is empty \(a stray comma\?\)/);
  });

  it('runs at most `concurrency` regions at once, all of them, one failure not stopping the rest', async () => {
    let running = 0;
    let peak = 0;
    const regions = Array.from({ length: 10 }, (_, i) => `us-test-${i + 1}`);
    const out = await forEachRegion(regions, 3, async (r) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((res) => setTimeout(res, 5));
      running--;
      if (r === 'us-test-4') throw new Error('denied');
      return r.length;
    });
    expect(peak).toBe(3);
    expect(out.map((o) => o.region)).toEqual(regions);
    expect(out.filter((o) => !o.ok).map((o) => o.region)).toEqual(['us-test-4']);
  });
});
