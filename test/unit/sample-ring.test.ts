import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KEEP_AWAKE_KINDS, METRIC_NAMES, nullSample, type GpuCard, type KeepAwake, type MetricName, type Sample } from '../../contract/protocol.js';
import { RING_BLOCK, SampleRing } from '../../agent/sample-ring.js';

/** The ring as the agent kept it before: an array of sample objects, trimmed from the front. */
class ObjectRing {
  private ring: Sample[] = [];
  constructor(private readonly capacity: number) {}
  push(s: Sample): void {
    this.ring.push(structuredClone(s));
    if (this.ring.length > this.capacity) this.ring.splice(0, this.ring.length - this.capacity);
  }
  since(since: number): Sample[] {
    let i = this.ring.length;
    while (i > 0 && this.ring[i - 1]!.t >= since) i--;
    return this.ring.slice(i);
  }
}

const sample = (t: number, over: Partial<Sample> = {}): Sample => ({
  t,
  cpu_percent: 2.5 + t,
  memory_percent: 15.2,
  network_kbps: 0.8,
  disk_io_kbps: null,
  gpu_percent: null,
  gpu_memory_percent: null,
  gpu_count: 0,
  gpu_cards: [],
  input_idle_secs: 1800,
  unreadable: [],
  keep_awake: [],
  ...over,
});

// Values as the sampler makes them: finite numbers or null, -0 included.
const num = fc.oneof(fc.constant(null), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 0, max: 100 }));
const card: fc.Arbitrary<GpuCard> = fc.record({ util_percent: num, memory_percent: num });
const keepAwake: fc.Arbitrary<KeepAwake> = fc.record({ kind: fc.constantFrom(...KEEP_AWAKE_KINDS), reason: fc.string({ maxLength: 40 }) });
// The sampler writes `unreadable` in METRIC_NAMES order.
const unreadable = fc.subarray([...METRIC_NAMES]) as fc.Arbitrary<MetricName[]>;
// Few distinct keep-awake lists, so consecutive samples often repeat one (as a running `snooze run` does).
const sampleArb = (keepAwakeLists: KeepAwake[][]) =>
  fc.record({
    t: fc.oneof(fc.integer({ min: 0, max: 2_000_000 }), fc.double({ noNaN: true, noDefaultInfinity: true })),
    cpu_percent: num,
    memory_percent: num,
    network_kbps: num,
    disk_io_kbps: num,
    gpu_percent: num,
    gpu_memory_percent: num,
    gpu_count: fc.nat({ max: 16 }),
    gpu_cards: fc.array(card, { maxLength: 9 }),
    input_idle_secs: num,
    unreadable,
    keep_awake: fc.constantFrom(...keepAwakeLists),
  }) satisfies fc.Arbitrary<Sample>;

describe('SampleRing', () => {
  it('gives back the samples pushed, equal field for field: nulls, unreadable metrics, GPU cards and keep-awake sources included', () => {
    const r = new SampleRing(10);
    const pushed = [
      sample(1000),
      sample(2000, { gpu_percent: 40.25, gpu_memory_percent: 10, gpu_count: 2, gpu_cards: [{ util_percent: 40.25, memory_percent: null }, { util_percent: 0, memory_percent: 10 }], input_idle_secs: null }),
      nullSample(3000, ['cpu', 'memory', 'network', 'disk_io', 'gpu', 'input']),
      sample(4000, { unreadable: ['network', 'input'], network_kbps: null, keep_awake: [{ kind: 'snooze_run', reason: 'snooze run — make (pid 4711, 2 min)' }] }),
    ];
    for (const s of pushed) r.push(s);
    expect(r.length).toBe(4);
    expect(r.since(0)).toEqual(pushed);
    expect(r.since(2500)).toEqual(pushed.slice(2));
    expect(r.since(5000)).toEqual([]);
  });

  it('keeps only the newest `capacity` samples, oldest first', () => {
    const r = new SampleRing(3);
    for (let i = 1; i <= 7; i++) r.push(sample(i * 1000));
    expect(r.length).toBe(3);
    expect(r.since(0).map((s) => s.t)).toEqual([5000, 6000, 7000]);
    expect(r.since(6000).map((s) => s.t)).toEqual([6000, 7000]);
  });

  it('wraps across its blocks of columns', () => {
    const r = new SampleRing(700);
    for (let i = 1; i <= 1000; i++) r.push(sample(i * 1000, { gpu_count: i % 3, gpu_cards: Array.from({ length: i % 3 }, () => ({ util_percent: i, memory_percent: null })) }));
    const all = r.since(0);
    expect(all.length).toBe(700);
    expect(all[0]).toEqual(sample(301_000, { gpu_count: 301 % 3, gpu_cards: [{ util_percent: 301, memory_percent: null }] }));
    expect(all.at(-1)).toEqual(sample(1_000_000, { gpu_count: 1000 % 3, gpu_cards: [{ util_percent: 1000, memory_percent: null }] }));
    expect(r.since(999_500).map((s) => s.t)).toEqual([1_000_000]);
  });

  it('hands out copies: changing a sample read back or pushed changes nothing held', () => {
    const r = new SampleRing(5);
    const s = sample(1000, { gpu_cards: [{ util_percent: 1, memory_percent: 2 }], keep_awake: [{ kind: 'process', reason: 'rsync' }] });
    r.push(s);
    s.keep_awake[0]!.reason = 'changed';
    const [back] = r.since(0);
    back!.gpu_cards[0]!.util_percent = 99;
    back!.keep_awake.push({ kind: 'schedule', reason: 'x' });
    expect(r.since(0)).toEqual([sample(1000, { gpu_cards: [{ util_percent: 1, memory_percent: 2 }], keep_awake: [{ kind: 'process', reason: 'rsync' }] })]);
  });

  it('reads back what the plain array of samples would, for any samples, capacity and query, past wrap-around', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(keepAwake, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }).chain((lists) =>
          fc.record({
            capacity: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constantFrom(RING_BLOCK - 1, RING_BLOCK, RING_BLOCK + 1, 2 * RING_BLOCK + 7)),
            samples: fc.array(sampleArb([[], ...lists]), { maxLength: 40 }),
            // Long runs push the ring through several wraps of its blocks.
            repeat: fc.integer({ min: 1, max: 12 }),
            queries: fc.array(fc.oneof(fc.integer({ min: -1, max: 2_000_001 }), fc.double({ noNaN: true })), { minLength: 1, maxLength: 4 }),
          }),
        ),
        ({ capacity, samples, repeat, queries }) => {
          const ring = new SampleRing(capacity);
          const ref = new ObjectRing(capacity);
          for (let k = 0; k < repeat; k++) {
            for (const s of samples) {
              ring.push(s);
              ref.push(s);
            }
            for (const q of [-Infinity, ...queries]) expect(ring.since(q)).toEqual(ref.since(q));
          }
          expect(ring.length).toBe(Math.min(capacity, samples.length * repeat));
        },
      ),
      { numRuns: 80 },
    );
  }, 30_000);

  it('holds only the blocks it has filled', () => {
    const r = new SampleRing(3600);
    r.push(sample(1));
    const blocks = (r as unknown as { blocks: unknown[] }).blocks;
    expect(blocks.filter(Boolean)).toHaveLength(1);
    for (let i = 2; i <= RING_BLOCK + 1; i++) r.push(sample(i));
    expect(blocks.filter(Boolean)).toHaveLength(2);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new SampleRing(0)).toThrow(/positive integer/);
    expect(() => new SampleRing(1.5)).toThrow(/positive integer/);
  });
});
