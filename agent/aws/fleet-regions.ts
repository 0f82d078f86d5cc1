/**
 * `snooze fleet list|savings --region all|r1,r2,...`: which regions, and running one task per
 * region with at most `concurrency` at once (each region's pages are already sequential, so
 * this bounds both the open connections and the pages held in memory).
 */
import { Ec2 } from './ec2.js';

/** The same rule as the config's aws_region. */
export const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
/** More than AWS has today; a longer list is a mistake, not a fleet. */
const MAX_REGIONS = 64;
export const DEFAULT_REGION_CONCURRENCY = 4;

export type RegionSpec = { all: true } | { all: false; regions: string[] };

/** "all", or a comma-separated list of region names; null with a reason when it is neither. */
export function parseRegionSpec(spec: string): RegionSpec | string {
  if (spec === 'all') return { all: true };
  const regions = [...new Set(spec.split(',').map((r) => r.trim()))];
  // "all" inside a list is a contradiction, not a misspelt region: say which to give.
  if (regions.includes('all')) return '"all" cannot be part of a list: give --region all alone, or only region names such as us-east-1,eu-west-1';
  const bad = regions.find((r) => !REGION.test(r));
  if (bad === '') return 'a region name is empty (a stray comma?): give names such as us-east-1,eu-west-1, or all';
  if (bad !== undefined) return `"${bad}" is not a region name such as us-east-1 (or give all)`;
  if (regions.length > MAX_REGIONS) return `at most ${MAX_REGIONS} regions`;
  return { all: false, regions };
}

/** The account's enabled regions (DescribeRegions, asked in `home`), sorted. */
export async function enabledRegions(home: Ec2): Promise<string[]> {
  const out = await home.describeRegions();
  return (out.Regions ?? [])
    .map((r) => r.RegionName ?? '')
    .filter((r) => REGION.test(r))
    .sort();
}

export type RegionOutcome<T> = { region: string; ok: true; value: T } | { region: string; ok: false; error: unknown };

/** fn for each region, at most `concurrency` at once; one region's failure does not stop the others. */
export async function forEachRegion<T>(regions: readonly string[], concurrency: number, fn: (region: string) => Promise<T>): Promise<RegionOutcome<T>[]> {
  const out: RegionOutcome<T>[] = new Array(regions.length);
  let next = 0;
  const worker = async () => {
    while (next < regions.length) {
      const i = next++;
      const region = regions[i]!;
      try {
        out[i] = { region, ok: true, value: await fn(region) };
      } catch (error) {
        out[i] = { region, ok: false, error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, regions.length)) }, worker));
  return out;
}
