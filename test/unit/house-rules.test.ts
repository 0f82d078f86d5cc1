/**
 * Two rules of the house that no compiler checks (docs/architecture.md, "Staying readable"):
 * every source file opens with a comment that says why it exists, and none grows past about
 * 300 lines (a file that long holds two concerns; split it along them).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PARTS = ['agent', 'electron', 'renderer', 'contract', 'lib'];
const MAX_LINES = 300;

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return sources(rel);
    return /\.tsx?$/.test(e.name) ? [rel] : [];
  });
}

const FILES = PARTS.flatMap(sources);

describe('house rules', () => {
  it('finds the sources', () => {
    expect(FILES.length).toBeGreaterThan(100);
  });

  it('every source file opens with a comment saying why it exists', () => {
    const bare = FILES.filter((f) => !/^\s*(\/\*\*?|\/\/)/.test(readFileSync(path.join(ROOT, f), 'utf8')));
    expect(bare).toEqual([]);
  });

  it(`no source file is over ${MAX_LINES} lines`, () => {
    const long = FILES.map((f) => [f, readFileSync(path.join(ROOT, f), 'utf8').split('\n').length - 1] as const).filter(([, n]) => n > MAX_LINES);
    expect(long).toEqual([]);
  });
});
