/**
 * Hourly prices for `snooze fleet savings`: a `--prices FILE` entry first, then the AWS
 * Price List API (cached on disk for a week, asked only for types the cache lacks), then the
 * built-in table. Each price says where it came from.
 */
import os from 'node:os';
import path from 'node:path';
import { cachedPrice, readPriceCache, writePrices } from '../aws/price-cache.js';
import { fetchOnDemandPrices } from '../aws/price-list.js';
import { BUILTIN_PRICES, type PriceTable } from '../aws/prices.js';
import type { RetryOptions } from '../aws/retry.js';
import { errorText } from '../aws/errors.js';

export type CliPriceSource = 'prices-file' | 'price-list-api' | 'built-in';
export interface Quote {
  usd: number;
  source: CliPriceSource;
}

export interface PriceOptions {
  /** --prices FILE's own entries (not merged with the built-in table), over everything. */
  file?: PriceTable;
  /** false: --builtin-prices (no Price List call). */
  priceList: boolean;
  env: NodeJS.ProcessEnv;
  retry?: RetryOptions;
  now: number;
}

/** $CLOUDSNOOZE_PRICE_CACHE, else the user's cache folder. */
export function cliPriceCacheFile(env: NodeJS.ProcessEnv): string {
  if (env.CLOUDSNOOZE_PRICE_CACHE) return env.CLOUDSNOOZE_PRICE_CACHE;
  const base = env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), '.cache');
  return path.join(base, 'cloudsnooze', 'prices.json');
}

/** A quote per type (absent: no price anywhere), and why the Price List API was not used, if it failed. */
export async function quotePrices(region: string, types: Iterable<string>, opts: PriceOptions): Promise<{ quotes: Map<string, Quote>; priceListError: string | null }> {
  const quotes = new Map<string, Quote>();
  const wanted = [...new Set(types)];
  const needList: string[] = [];
  for (const t of wanted) {
    if (opts.file && Object.hasOwn(opts.file, t)) quotes.set(t, { usd: opts.file[t]!, source: 'prices-file' });
    else needList.push(t);
  }
  let priceListError: string | null = null;
  if (opts.priceList && needList.length > 0) {
    const cacheFile = cliPriceCacheFile(opts.env);
    const cache = await readPriceCache(cacheFile);
    const missing: string[] = [];
    for (const t of needList) {
      const p = cachedPrice(cache, region, t, opts.now);
      if (p !== null) quotes.set(t, { usd: p, source: 'price-list-api' });
      else missing.push(t);
    }
    if (missing.length > 0) {
      try {
        const got = await fetchOnDemandPrices(region, missing, { env: opts.env, ...(opts.retry ? { retry: opts.retry } : {}) });
        for (const [t, usd] of Object.entries(got)) quotes.set(t, { usd, source: 'price-list-api' });
        if (Object.keys(got).length > 0) await writePrices(cacheFile, region, got, opts.now).catch(() => undefined);
      } catch (err) {
        priceListError = errorText(err);
      }
    }
  }
  for (const t of needList) {
    if (!quotes.has(t) && Object.hasOwn(BUILTIN_PRICES, t)) quotes.set(t, { usd: BUILTIN_PRICES[t]!, source: 'built-in' });
  }
  return { quotes, priceListError };
}
