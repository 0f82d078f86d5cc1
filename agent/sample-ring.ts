/**
 * The last hour of samples for graphs (SAMPLES), kept as columns of numbers rather than
 * 3600 objects: about 270 KB at 1 sample/s instead of about 1.1 MB of objects, boxed
 * numbers and arrays (heap measured), written in place (no array shifting each second).
 * The columns grow in blocks of five minutes as samples arrive, so a young agent holds
 * only what it has. Samples are rebuilt when asked for, equal to the ones pushed
 * (`unreadable` comes back in METRIC_NAMES order, the order the sampler writes it in).
 */
import { METRIC_NAMES, type GpuCard, type KeepAwake, type MetricName, type Sample } from '../contract/protocol.js';

/** The nullable numeric fields of a Sample; `null` is stored as NaN. */
const FIELDS = ['cpu_percent', 'memory_percent', 'network_kbps', 'disk_io_kbps', 'gpu_percent', 'gpu_memory_percent', 'input_idle_secs'] as const;
type Field = (typeof FIELDS)[number];
// Every field of Sample is stored: adding one to Sample without storing it here fails to compile.
type Stored = Field | 't' | 'gpu_count' | 'gpu_cards' | 'unreadable' | 'keep_awake';
const _allStored: [Exclude<keyof Sample, Stored>] extends [never] ? true : never = true;
void _allStored;

/** Samples per block of columns: five minutes at 1 sample/s. */
export const RING_BLOCK = 300;

const NO_KEEP_AWAKE: readonly KeepAwake[] = Object.freeze([]);

interface Block {
  t: Float64Array;
  /** FIELDS.length numbers per sample. */
  values: Float64Array;
  gpuCount: Float64Array;
  /** Bit k set: METRIC_NAMES[k] was unreadable. */
  unreadable: Uint8Array;
  /** Cards per sample, and their numbers (`cardWidth` cards of two per sample); none until a sample has a card. */
  cardCount: Uint16Array | null;
  cards: Float64Array | null;
  cardWidth: number;
  /**
   * The keep-awake list per sample. A list usually stays the same from one sample to the
   * next, so an unchanged list is stored once and shared by reference.
   */
  keepAwake: (readonly KeepAwake[])[];
}

const toCol = (v: number | null): number => (v === null ? NaN : v);
const fromCol = (x: number): number | null => (Number.isNaN(x) ? null : x);

function sameKeepAwake(a: readonly KeepAwake[], b: readonly KeepAwake[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (JSON.stringify(a[i]) !== JSON.stringify(b[i])) return false;
  return true;
}

export class SampleRing {
  private readonly blocks: Block[] = [];
  /** Index of the oldest sample, and how many are held. */
  private start = 0;
  private count = 0;
  private lastKeepAwake: readonly KeepAwake[] = NO_KEEP_AWAKE;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity must be a positive integer (got ${capacity})`);
  }

  get length(): number {
    return this.count;
  }

  push(s: Sample): void {
    let i: number;
    if (this.count < this.capacity) i = (this.start + this.count++) % this.capacity;
    else {
      i = this.start;
      this.start = (this.start + 1) % this.capacity;
    }
    const b = this.blockFor(i);
    const j = i % RING_BLOCK;
    b.t[j] = s.t;
    const base = j * FIELDS.length;
    for (let f = 0; f < FIELDS.length; f++) b.values[base + f] = toCol(s[FIELDS[f]!]);
    b.gpuCount[j] = s.gpu_count;
    let bits = 0;
    for (const m of s.unreadable) bits |= 1 << METRIC_NAMES.indexOf(m);
    b.unreadable[j] = bits;
    this.storeCards(b, j, s.gpu_cards);
    if (s.keep_awake.length === 0) b.keepAwake[j] = NO_KEEP_AWAKE;
    else {
      if (!sameKeepAwake(this.lastKeepAwake, s.keep_awake)) this.lastKeepAwake = s.keep_awake.map((k) => ({ ...k }));
      b.keepAwake[j] = this.lastKeepAwake;
    }
  }

  /**
   * Samples from the newest back to the first one taken before `sinceMs`, oldest first:
   * the same walk as over an array of samples, also when the clock went back.
   */
  since(sinceMs: number): Sample[] {
    let first = this.count;
    while (first > 0 && this.time(this.index(first - 1)) >= sinceMs) first--;
    const out: Sample[] = [];
    for (let k = first; k < this.count; k++) out.push(this.at(this.index(k)));
    return out;
  }

  private index(k: number): number {
    return (this.start + k) % this.capacity;
  }

  private blockFor(i: number): Block {
    const n = Math.floor(i / RING_BLOCK);
    let b = this.blocks[n];
    if (!b) {
      const size = Math.min(RING_BLOCK, this.capacity - n * RING_BLOCK);
      b = {
        t: new Float64Array(size),
        values: new Float64Array(size * FIELDS.length),
        gpuCount: new Float64Array(size),
        unreadable: new Uint8Array(size),
        cardCount: null,
        cards: null,
        cardWidth: 0,
        keepAwake: new Array<readonly KeepAwake[]>(size).fill(NO_KEEP_AWAKE),
      };
      this.blocks[n] = b;
    }
    return b;
  }

  private storeCards(b: Block, j: number, cards: readonly GpuCard[]): void {
    if (cards.length === 0) {
      if (b.cardCount) b.cardCount[j] = 0;
      return;
    }
    const size = b.t.length;
    if (cards.length > b.cardWidth) {
      // Widen this block's card columns (a host's card count rarely changes: once per block at most).
      const width = cards.length;
      const wider = new Float64Array(size * width * 2);
      if (b.cards) for (let k = 0; k < size; k++) wider.set(b.cards.subarray(k * b.cardWidth * 2, (k + 1) * b.cardWidth * 2), k * width * 2);
      b.cards = wider;
      b.cardWidth = width;
      b.cardCount ??= new Uint16Array(size);
    }
    b.cardCount![j] = cards.length;
    const base = j * b.cardWidth * 2;
    for (let c = 0; c < cards.length; c++) {
      b.cards![base + 2 * c] = toCol(cards[c]!.util_percent);
      b.cards![base + 2 * c + 1] = toCol(cards[c]!.memory_percent);
    }
  }

  private time(i: number): number {
    return this.blocks[Math.floor(i / RING_BLOCK)]!.t[i % RING_BLOCK]!;
  }

  private at(i: number): Sample {
    const b = this.blocks[Math.floor(i / RING_BLOCK)]!;
    const j = i % RING_BLOCK;
    const base = j * FIELDS.length;
    const v = (f: number) => fromCol(b.values[base + f]!);
    const bits = b.unreadable[j]!;
    const gpu_cards: GpuCard[] = [];
    const n = b.cardCount ? b.cardCount[j]! : 0;
    for (let c = 0, cb = j * b.cardWidth * 2; c < n; c++) gpu_cards.push({ util_percent: fromCol(b.cards![cb + 2 * c]!), memory_percent: fromCol(b.cards![cb + 2 * c + 1]!) });
    return {
      t: b.t[j]!,
      cpu_percent: v(0),
      memory_percent: v(1),
      network_kbps: v(2),
      disk_io_kbps: v(3),
      gpu_percent: v(4),
      gpu_memory_percent: v(5),
      gpu_count: b.gpuCount[j]!,
      gpu_cards,
      input_idle_secs: v(6),
      unreadable: METRIC_NAMES.filter((_, k) => bits & (1 << k)) as MetricName[],
      keep_awake: b.keepAwake[j]!.map((k) => ({ ...k })),
    };
  }
}
