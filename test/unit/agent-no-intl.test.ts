/**
 * The agent's messages never call Intl (its first call maps about 7 MB of ICU data into
 * the agent for good), yet read as the catalogue's did: digits grouped as en-US groups
 * them, the zone as Intl's en-US short name writes zones without a US abbreviation.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fmtNumber, groupDigits, offsetZoneName, zoneName } from '../../contract/time-format.js';
import { savedText } from '../../contract/savings-text.js';
import { agentStamp } from '../../agent/local-stamp.js';

const TZ = process.env.TZ;
afterEach(() => {
  if (TZ === undefined) delete process.env.TZ;
  else process.env.TZ = TZ;
  vi.restoreAllMocks();
});

describe('messages without Intl', () => {
  it('groups digits exactly as toLocaleString("en-US")', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.integer({ min: -1e6, max: 1e6 })), (n) => {
        expect(groupDigits(n)).toBe(n.toLocaleString('en-US'));
      }),
    );
    expect(groupDigits(10080)).toBe('10,080');
    expect(groupDigits(-1234567)).toBe('-1,234,567');
  });

  it('names the zone by its offset as Intl does for zones without a US abbreviation', () => {
    const winter = Date.parse('2026-01-15T12:00:00Z');
    const summer = Date.parse('2026-07-15T12:00:00Z');
    for (const [tz, w, s] of [
      ['UTC', 'UTC', 'UTC'],
      ['Europe/Berlin', 'GMT+1', 'GMT+2'],
      ['Asia/Kolkata', 'GMT+5:30', 'GMT+5:30'],
      ['America/St_Johns', 'GMT-3:30', 'GMT-2:30'],
      ['America/Sao_Paulo', 'GMT-3', 'GMT-3'],
    ] as const) {
      process.env.TZ = tz;
      expect([offsetZoneName(winter), offsetZoneName(summer)], tz).toEqual([w, s]);
      if (tz !== 'America/St_Johns') expect(offsetZoneName(winter), tz).toBe(zoneName(winter));
    }
  });

  it('the agent stamps times and counts without a single Intl call', () => {
    const dtf = vi.spyOn(Intl, 'DateTimeFormat');
    const nf = vi.spyOn(Intl, 'NumberFormat');
    const tls = vi.spyOn(Number.prototype, 'toLocaleString');
    process.env.TZ = 'Europe/Berlin';
    const now = Date.parse('2026-01-15T12:00:00Z');
    expect(agentStamp(now + 3_600_000, now)).toBe('14:00 GMT+1');
    expect(agentStamp(now + 86_400_000, now, { seconds: true })).toBe('2026-01-16 13:00:00 GMT+1');
    expect(fmtNumber(10080)).toBe('10,080');
    expect(savedText({ estimated_usd: 12345.4, hours_stopped_30d: 5, price_per_hour: 1, instance_type: 't3.micro', price_source: 'builtin' } as never)).toBe('Saved ≈ $12,345 this month');
    expect(dtf).not.toHaveBeenCalled();
    expect(nf).not.toHaveBeenCalled();
    expect(tls).not.toHaveBeenCalled();
  });
});
