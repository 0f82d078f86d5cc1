/**
 * writeFileAtomic runs as root into folders others may write (metrics_textfile in
 * node_exporter's textfile folder, a price cache): an entry planted at the temporary name
 * must never be followed. The old name (pid + millisecond) was guessable; a link there made
 * root truncate, chmod 0644 and fill whatever it pointed to.
 */
import { lstatSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { writeFileAtomic } from '../../lib/fs-atomic.js';

const NOW = 1_767_225_600_000;

function setup() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cs-atomic-'));
  const victim = path.join(mkdtempSync(path.join(os.tmpdir(), 'cs-victim-')), 'shadow');
  writeFileSync(victim, 'root:secret\n', { mode: 0o600 });
  return { dir, victim, target: path.join(dir, 'cloudsnooze.prom') };
}

function untouched(victim: string) {
  expect(readFileSync(victim, 'utf8')).toBe('root:secret\n');
  expect(statSync(victim).mode & 0o777).toBe(0o600);
}

afterEach(() => vi.restoreAllMocks());

describe('writeFileAtomic and planted entries', () => {
  it('a symlink at the name the old code would pick (pid + Date.now) is not followed', async () => {
    const { dir, victim, target } = setup();
    vi.spyOn(Date, 'now').mockReturnValue(NOW);
    symlinkSync(victim, path.join(dir, `.cloudsnooze.prom.${process.pid}.${NOW}.tmp`));
    await writeFileAtomic(target, 'cloudsnooze_info 1\n', 0o644);
    untouched(victim);
    expect(readFileSync(target, 'utf8')).toBe('cloudsnooze_info 1\n');
    expect(statSync(target).mode & 0o777).toBe(0o644);
  });

  it('even a link at the exact temporary name is refused (O_EXCL|O_NOFOLLOW), and another name is tried', async () => {
    const { dir, victim, target } = setup();
    vi.spyOn(Date, 'now').mockReturnValue(NOW);
    // The first name the writer draws is known here; a link waits there.
    const rand = vi.spyOn(Math, 'random').mockReturnValueOnce(0.5);
    const first = `.cloudsnooze.prom.${process.pid}.${NOW}.${(0.5).toString(36).slice(2, 10)}.tmp`;
    symlinkSync(victim, path.join(dir, first));
    await writeFileAtomic(target, 'x 1\n', 0o644);
    untouched(victim);
    expect(rand).toHaveBeenCalledTimes(2);
    expect(readFileSync(target, 'utf8')).toBe('x 1\n');
    // The planted link is left alone (not ours to remove), and no temporary file of ours is left.
    expect(lstatSync(path.join(dir, first)).isSymbolicLink()).toBe(true);
    expect(readdirSync(dir).sort()).toEqual([first, 'cloudsnooze.prom'].sort());
  });

  it('a name that stays taken gives up with EEXIST after a few tries, never writing through it', async () => {
    const { dir, victim, target } = setup();
    vi.spyOn(Date, 'now').mockReturnValue(NOW);
    vi.spyOn(Math, 'random').mockReturnValue(0.25);
    symlinkSync(victim, path.join(dir, `.cloudsnooze.prom.${process.pid}.${NOW}.${(0.25).toString(36).slice(2, 10)}.tmp`));
    await expect(writeFileAtomic(target, 'x 1\n', 0o644)).rejects.toMatchObject({ code: 'EEXIST' });
    untouched(victim);
  });
});
