import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProcFile } from '../../agent/metrics/proc-file.js';

describe('ProcFile', () => {
  it('reads a procfs file again and again through one descriptor, seeing fresh text each time', () => {
    const f = new ProcFile('/proc/self/stat');
    const first = f.read();
    expect(first).toMatch(/^\d+ \(/);
    for (let i = 0; i < 2e6; i++) Math.sqrt(i); // burn a little CPU so utime moves on
    const again = f.read();
    expect(again).toMatch(new RegExp(`^${process.pid} `));
    expect(new ProcFile('/proc/meminfo').read()).toMatch(/^MemTotal:/);
    f.close();
  });

  it('grows past its buffer for a long file', () => {
    // /proc/self/smaps of a Node process is far longer than 16 KiB.
    const text = new ProcFile('/proc/self/smaps').read();
    expect(text!.length).toBeGreaterThan(16 * 1024);
    expect(text!.endsWith('\n')).toBe(true);
    expect(text!.split('\n').filter((l) => /^Rss:/.test(l)).length).toBeGreaterThan(10);
  });

  it('opens other files afresh each time: a replaced file is read anew, a removed one is null', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cs-procfile-'));
    const p = join(dir, 'stat');
    writeFileSync(p, 'one\n');
    const f = new ProcFile(p);
    expect(f.read()).toBe('one\n');
    writeFileSync(join(dir, 'next'), 'two\n');
    renameSync(join(dir, 'next'), p);
    expect(f.read()).toBe('two\n');
    rmSync(p);
    expect(f.read()).toBeNull();
    expect(new ProcFile(join(dir, 'never')).read()).toBeNull();
    rmSync(dir, { recursive: true, force: true });
  });
});
