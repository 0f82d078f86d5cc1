/**
 * The disk cache of on-demand prices from the AWS Price List API (price-list.ts fills it;
 * the fleet CLI and the agent's cloud-task child write it, the agent only reads it). An
 * entry is good for a week: on-demand prices change rarely, and GetProducts is slow.
 * No SDK here: the agent reads this file.
 */
import * as fs from '../../lib/fs-async.js';
import * as z from 'zod/mini';
import { writeFileAtomic } from '../../lib/fs-atomic.js';

/** Beside the history (/var/lib/cloudsnooze/prices.json for the system agent). */
export const PRICE_CACHE_FILE = 'prices.json';
export const PRICE_CACHE_TTL_MS = 7 * 86_400_000;
/** Entries kept at most (a fleet has a few dozen types per region): the file stays small. */
const MAX_ENTRIES = 2000;

const entrySchema = z.object({ usd_per_hour: z.number().check(z.minimum(0), z.maximum(10_000)), fetched_at: z.number() });
const cacheSchema = z.object({ version: z.literal(1), entries: z.record(z.string().check(z.maxLength(100)), entrySchema) });
export type PriceCache = z.infer<typeof cacheSchema>;

const key = (region: string, type: string) => `${region}/${type}`;

/** The cache, or an empty one when the file is missing, unreadable or not ours. */
export async function readPriceCache(file: string): Promise<PriceCache> {
  try {
    const r = cacheSchema.safeParse(JSON.parse(await fs.readFile(file, 'utf8')));
    if (r.success) return r.data;
  } catch {
    // Missing or torn: start afresh; the built-in table answers meanwhile.
  }
  return { version: 1, entries: {} };
}

/** A fresh price (fetched within the week before `now`), or null. */
export function cachedPrice(cache: PriceCache, region: string, type: string, now: number): number | null {
  const e = cache.entries[key(region, type)];
  return e && now - e.fetched_at >= 0 && now - e.fetched_at < PRICE_CACHE_TTL_MS ? e.usd_per_hour : null;
}

/** Merges prices fetched at `now` into the file (atomically; oldest entries dropped past the bound). */
export async function writePrices(file: string, region: string, prices: Record<string, number>, now: number): Promise<void> {
  const cache = await readPriceCache(file);
  for (const [type, usd] of Object.entries(prices)) cache.entries[key(region, type)] = { usd_per_hour: usd, fetched_at: now };
  const kept = Object.entries(cache.entries)
    .sort((a, b) => b[1].fetched_at - a[1].fetched_at)
    .slice(0, MAX_ENTRIES);
  await writeFileAtomic(file, `${JSON.stringify({ version: 1, entries: Object.fromEntries(kept) }, null, 1)}\n`, 0o644);
}
