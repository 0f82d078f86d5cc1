/**
 * STATUS `savings`, recomputed at most once a minute (or when the history grows): the
 * history scan and the price lookup stay off the STATUS path that pollers hit every second.
 * Prices: the Price List API cache (written by the cloud-task child or the fleet CLI, read
 * here without the SDK), else the built-in table.
 */
import type { InstanceInfo, Savings } from '../contract/protocol.js';
import type { History } from './history.js';
import { BUILTIN_PRICES } from './aws/prices.js';
import { cachedPrice, readPriceCache, type PriceCache } from './aws/price-cache.js';
import { savingsOf, stoppedMs, type PriceQuote } from './savings.js';

const RELOAD_PRICES_MS = 3_600_000;

export class SavingsView {
  private cache: { key: string; value: Savings | null } | null = null;
  private prices: PriceCache = { version: 1, entries: {} };
  private pricesLoadedAt = -Infinity;

  constructor(
    private readonly history: Pick<History, 'query' | 'size'>,
    private readonly priceFile: string,
  ) {}

  async reloadPrices(now = Date.now()): Promise<void> {
    this.pricesLoadedAt = now;
    this.prices = await readPriceCache(this.priceFile);
    this.cache = null;
  }

  get(now: number, instance: InstanceInfo): Savings | null {
    // Off EC2 nothing is really stopped (local mode records dry-run stops only).
    if (instance.source !== 'ec2') return null;
    if (now - this.pricesLoadedAt > RELOAD_PRICES_MS) {
      this.pricesLoadedAt = now;
      void readPriceCache(this.priceFile).then((c) => {
        this.prices = c;
        this.cache = null;
      });
    }
    const key = `${Math.floor(now / 60_000)}|${this.history.size}|${instance.type}|${instance.region}`;
    if (this.cache?.key === key) return this.cache.value;
    const events = this.history.query({ limit: Infinity, details: false }).reverse();
    const hours = stoppedMs(events, now) / 3_600_000;
    const value = savingsOf(hours, instance.type, this.priceOf(instance, now));
    this.cache = { key, value };
    return value;
  }

  private priceOf(instance: InstanceInfo, now: number): PriceQuote | null {
    if (!instance.type) return null;
    const listed = instance.region ? cachedPrice(this.prices, instance.region, instance.type, now) : null;
    if (listed !== null) return { usdPerHour: listed, source: 'price-list-api' };
    return Object.hasOwn(BUILTIN_PRICES, instance.type) ? { usdPerHour: BUILTIN_PRICES[instance.type]!, source: 'built-in' } : null;
  }
}
