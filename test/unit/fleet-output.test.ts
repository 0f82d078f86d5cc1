/**
 * The page-at-a-time writers of `snooze fleet` (fleet-output.ts): what they write, page by
 * page, is the whole-fleet output, so streaming (issue 10) changes memory and nothing else.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inertJson } from '../../contract/text.js';
import { table } from '../../agent/cli/fleet-format.js';
import { JsonArrayStream, TableStream } from '../../agent/cli/fleet-output.js';

/** Splits `items` into pages of the given sizes (the rest in a last page). */
function paged<T>(items: T[], sizes: number[]): T[][] {
  const pages: T[][] = [];
  let at = 0;
  for (const n of sizes) {
    if (at >= items.length) break;
    pages.push(items.slice(at, at + n));
    at += n;
  }
  if (at < items.length) pages.push(items.slice(at));
  return pages;
}

const item = fc.record({ instance_id: fc.string(), n: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true })), tags: fc.dictionary(fc.string(), fc.string()) });

describe('JsonArrayStream', () => {
  it('writes JSON.stringify(items, null, 2) whatever the pages (empty pages included)', () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 20 }), fc.array(fc.nat(5), { maxLength: 10 }), (items, sizes) => {
        const out: string[] = [];
        const s = new JsonArrayStream((x) => out.push(x));
        for (const page of paged(items, sizes)) s.write(page);
        s.write([]);
        s.end();
        expect(out.join('\n')).toBe(inertJson(JSON.stringify(items, null, 2)));
      }),
    );
  });

  it('writes nothing before the first item, one write per page, and [] for none', () => {
    const out: string[] = [];
    const s = new JsonArrayStream((x) => out.push(x));
    s.write([]);
    expect(out).toEqual([]);
    s.write([{ a: 1 }, { a: 2 }]);
    s.write([{ a: 3 }]);
    expect(out).toEqual(['[\n  {\n    "a": 1\n  },', '  {\n    "a": 2\n  },']);
    const empty: string[] = [];
    new JsonArrayStream((x) => empty.push(x)).end();
    expect(empty).toEqual(['[]']);
  });

  it('a line separator in a value is escaped before the indent, so the value survives', () => {
    const out: string[] = [];
    const s = new JsonArrayStream((x) => out.push(x));
    const reason = 'idle\u2028  forged\u2029x\x1b[31m';
    s.write([{ reason }]);
    s.end();
    const text = out.join('\n');
    for (const raw of ['\u2028', '\u2029', '\x1b']) expect(text).not.toContain(raw);
    expect((JSON.parse(text) as { reason: string }[])[0]!.reason).toBe(reason);
  });
});

describe('TableStream', () => {
  const head = ['INSTANCE', 'TYPE', 'REASON'];

  it('one page is table() byte for byte, heading written once with it', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string(), fc.string(), fc.string()), { minLength: 1, maxLength: 30 }), (rows) => {
        const out: string[] = [];
        const s = new TableStream(head, (x) => out.push(x));
        s.write(rows);
        expect(out).toEqual([table(head, rows)]);
        expect(s.rows).toBe(rows.length);
      }),
    );
  });

  it('later pages keep the first page widths: a wider cell overflows, nothing is held to measure it', () => {
    const out: string[] = [];
    const s = new TableStream(head, (x) => out.push(x));
    s.write([]);
    expect(out).toEqual([]);
    s.write([['i-1', 't3.micro', 'idle']]);
    s.write([['i-2', 'u-24tb1.112xlarge', 'idle too'], ['i-3', 'm5', 'x']]);
    expect(out).toEqual(['INSTANCE  TYPE      REASON\ni-1       t3.micro  idle', 'i-2       u-24tb1.112xlarge  idle too\ni-3       m5        x']);
    expect(s.rows).toBe(3);
  });
});
