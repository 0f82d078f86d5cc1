/**
 * The socket client reads replies in whatever pieces the kernel hands over: a character
 * split between two reads must come out whole. Before lib/line-reader.ts each piece was
 * decoded alone, so a long HISTORY or a stream of frames with a non-ASCII name or reason
 * could show U+FFFD where a letter was.
 */
import { describe, expect, it } from 'vitest';
import { LineReader } from '../../lib/line-reader.js';

function read(chunks: (Buffer | string)[]): string[] {
  const lines: string[] = [];
  const r = new LineReader((l) => lines.push(l));
  for (const c of chunks) r.push(c);
  return lines;
}

describe('LineReader', () => {
  const text = '{"message":"Büro 日本語 — 🚀"}\n{"n":2}\n';
  const bytes = Buffer.from(text);

  it('keeps every character whole, wherever the bytes are cut', () => {
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(read([bytes.subarray(0, cut), bytes.subarray(cut)]), `cut at byte ${cut}`).toEqual(['{"message":"Büro 日本語 — 🚀"}', '{"n":2}']);
    }
  });

  it('one byte at a time', () => {
    expect(read([...bytes].map((b) => Buffer.from([b])))).toEqual(['{"message":"Büro 日本語 — 🚀"}', '{"n":2}']);
  });

  it('skips blank lines and keeps a line without its newline until it comes', () => {
    const lines: string[] = [];
    const r = new LineReader((l) => lines.push(l));
    r.push('\n  \n{"a":1}\n{"b"');
    expect(lines).toEqual(['{"a":1}']);
    r.push(':2}\n');
    expect(lines).toEqual(['{"a":1}', '{"b":2}']);
  });
});
