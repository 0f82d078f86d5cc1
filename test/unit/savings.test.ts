import { describe, expect, it } from 'vitest';
import { rfc3339Seconds, type HistoryEvent } from '../../contract/protocol.js';
import { cachedPrice, PRICE_CACHE_TTL_MS, type PriceCache } from '../../agent/aws/price-cache.js';
import { savingsOf, stoppedMs, SAVINGS_WINDOW_MS } from '../../agent/savings.js';
import { SavingsView } from '../../agent/savings-view.js';
import { savedText } from '../../contract/savings-text.js';
import { trayView } from '../../electron/tray-view.js';
import { status } from '../helpers/status-fixtures.js';

const NOW = Date.parse('2025-03-31T12:00:00Z');
const H = 3_600_000;
const ev = (type: HistoryEvent['type'], hoursAgo: number): Pick<HistoryEvent, 'type' | 'time'> => ({ type, time: rfc3339Seconds(NOW - hoursAgo * H) });

describe('stoppedMs: stop to the next agent start, within the window', () => {
  it('adds each stop-to-start gap', () => {
    expect(stoppedMs([ev('agent_start', 100), ev('stop', 50), ev('agent_start', 40), ev('stop', 20), ev('agent_start', 5)], NOW) / H).toBe(25);
  });
  it('clips a gap that began before the window', () => {
    const days = SAVINGS_WINDOW_MS / H;
    expect(stoppedMs([ev('stop', days + 10), ev('agent_start', days - 2)], NOW) / H).toBe(2);
    expect(stoppedMs([ev('stop', days + 10), ev('agent_start', days + 2)], NOW)).toBe(0);
  });
  it('counts nothing for a stop without a later start, or for dry-run stops and failures', () => {
    expect(stoppedMs([ev('stop', 10)], NOW)).toBe(0);
    expect(stoppedMs([ev('dry_run_stop', 10), ev('stop_failed', 9), ev('agent_start', 1)], NOW)).toBe(0);
  });
  it('a second stop before any start counts from the later one', () => {
    expect(stoppedMs([ev('stop', 10), ev('stop', 4), ev('agent_start', 1)], NOW) / H).toBe(3);
  });
});

describe('savingsOf and the price cache', () => {
  it('rounds to cents and says where the price came from', () => {
    expect(savingsOf(10.004, 't3.medium', { usdPerHour: 0.0416, source: 'built-in' })).toEqual({
      hours_stopped_30d: 10,
      estimated_usd: 0.42,
      price_source: 'built-in',
      price_per_hour: 0.0416,
      instance_type: 't3.medium',
    });
    expect(savingsOf(3, 'x9.huge', null)).toMatchObject({ estimated_usd: null, price_source: null });
  });
  it('a cached price is good for a week', () => {
    const cache: PriceCache = { version: 1, entries: { 'eu-west-1/m5.large': { usd_per_hour: 0.107, fetched_at: NOW - PRICE_CACHE_TTL_MS + 1000 } } };
    expect(cachedPrice(cache, 'eu-west-1', 'm5.large', NOW)).toBe(0.107);
    expect(cachedPrice(cache, 'eu-west-1', 'm5.large', NOW + 2000)).toBeNull();
    expect(cachedPrice(cache, 'us-east-1', 'm5.large', NOW)).toBeNull();
  });
});

describe('SavingsView', () => {
  const history = (events: Pick<HistoryEvent, 'type' | 'time'>[]) => ({
    size: events.length,
    query: () => events.map((e, i) => ({ id: i + 1, message: '', ...e })).reverse(),
  });
  const ec2 = { id: 'i-0123456789abcdef0', type: 't3.medium', region: 'us-east-1', source: 'ec2' as const };
  it('is null off EC2 and priced from the built-in table without a cache file', () => {
    const v = new SavingsView(history([ev('stop', 10), ev('agent_start', 0)]), '/nonexistent/prices.json');
    expect(v.get(NOW, { id: null, type: null, region: null, source: 'local' })).toBeNull();
    expect(v.get(NOW, ec2)).toMatchObject({ hours_stopped_30d: 10, price_source: 'built-in', instance_type: 't3.medium' });
  });
});

describe('savedText: the tray and dashboard line', () => {
  const s = (usd: number | null, hours = 100) => ({ hours_stopped_30d: hours, estimated_usd: usd, price_source: 'built-in' as const, price_per_hour: 0.416, instance_type: 'm5.2xlarge' });
  it('whole dollars from $10, cents below, nothing without a saving', () => {
    expect(savedText(s(41.4))).toBe('Saved ≈ $41 this month');
    expect(savedText(s(1234.5))).toBe('Saved ≈ $1,235 this month');
    expect(savedText(s(4.2))).toBe('Saved ≈ $4.20 this month');
    expect(savedText(s(null))).toBeNull();
    expect(savedText(s(0, 0))).toBeNull();
    expect(savedText(null)).toBeNull();
  });
  it('the tray shows it as a menu line and on its own tooltip line', () => {
    const v = trayView(status({ savings: s(41.4) }), { online: true }, { now: NOW });
    expect(v.tooltip.split('\n').at(-1)).toBe('Saved ≈ $41 this month');
    expect(v.menu.some((m) => m.kind === 'label' && m.label === 'Saved ≈ $41 this month')).toBe(true);
    const none = trayView(status(), { online: true }, { now: NOW });
    expect(none.tooltip).not.toContain('Saved');
  });
});

describe('a planted or corrupt price cache', () => {
  it('is read only when small and well-formed; hostile entries never price anything', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const { readPriceCache } = await import('../../agent/aws/price-cache.js');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cs-prices-'));
    const file = path.join(dir, 'prices.json');
    const now = Date.parse('2026-03-01T00:00:00Z');
    const good = { usd_per_hour: 0.1, fetched_at: now - 1000 };
    // Over the size bound: refused whole, even with a valid entry in it.
    writeFileSync(file, JSON.stringify({ version: 1, entries: { 'us-east-1/t3.micro': good }, pad: 'x'.repeat(2 * 1024 * 1024) }));
    expect((await readPriceCache(file)).entries).toEqual({});
    // Out of range, from the future, or not an entry: never a price.
    writeFileSync(
      file,
      JSON.stringify({ version: 1, entries: { 'us-east-1/t3.micro': { usd_per_hour: 1e9, fetched_at: now } } }),
    );
    expect((await readPriceCache(file)).entries).toEqual({});
    writeFileSync(file, JSON.stringify({ version: 1, entries: { 'us-east-1/t3.micro': { usd_per_hour: -5, fetched_at: now } } }));
    expect((await readPriceCache(file)).entries).toEqual({});
    writeFileSync(file, JSON.stringify({ version: 1, entries: { 'us-east-1/t3.micro': { usd_per_hour: 0.5, fetched_at: now + 86_400_000 } } }));
    expect(cachedPrice(await readPriceCache(file), 'us-east-1', 't3.micro', now)).toBeNull();
    writeFileSync(file, '{"version":1,"entries":{"__proto__":{"usd_per_hour":1,"fetched_at":1},"us-east-1/t3.micro":{"usd_per_hour":0.25,"fetched_at":' + String(now - 1) + '}}}');
    const c = await readPriceCache(file);
    expect(cachedPrice(c, 'us-east-1', 't3.micro', now)).toBe(0.25);
    expect(({} as Record<string, unknown>).usd_per_hour).toBeUndefined();
  });
});
