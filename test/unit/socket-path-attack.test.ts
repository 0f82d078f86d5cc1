/**
 * Things a user could plant at the socket path before a root agent starts: it must never
 * delete or follow them, and must say what it found in words that read right (the refusal
 * for a symbolic link said "it is not a socket, not a socket").
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimSocketPath } from '../../agent/socket-path.js';

describe('claimSocketPath against planted files', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cs-sockpath-'));
  const target = path.join(dir, 'victim');
  writeFileSync(target, 'keep me');

  const cases: [string, (p: string) => void, string][] = [
    ['a symbolic link', (p) => symlinkSync(target, p), 'it is a symbolic link, not a socket'],
    ['a dangling symbolic link', (p) => symlinkSync(path.join(dir, 'nowhere'), p), 'it is a symbolic link, not a socket'],
    ['a directory', (p) => mkdirSync(p), 'it is a directory, not a socket'],
    ['a regular file', (p) => writeFileSync(p, 'x'), 'it is a regular file, not a socket'],
  ];
  for (const [name, plant, words] of cases) {
    it(`refuses ${name}, names it once, and leaves it and its target alone`, async () => {
      const p = path.join(dir, `${name.replace(/ /g, '-')}.sock`);
      plant(p);
      await expect(claimSocketPath(p)).rejects.toThrow(`refusing to use ${p}: ${words} (remove it yourself if it is not needed)`);
      expect(existsSync(p) || name.startsWith('a dangling')).toBe(true);
      expect(readFileSync(target, 'utf8')).toBe('keep me');
    });
  }
});
