/**
 * removeFile stands in for `fs.rm(file, { force: true })` (which would keep Node's rimraf
 * module resident in the agent): a file is deleted, one already gone is not an error, and
 * anything else (a folder, a file it may not delete) still fails as fs.rm did.
 */
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeFile } from '../../lib/fs-async.js';

const dir = () => mkdtempSync(path.join(os.tmpdir(), 'cs-rmfile-'));

describe('removeFile', () => {
  it('deletes a file, and a file already gone is not an error', async () => {
    const f = path.join(dir(), 'aws-stop-pending.json');
    writeFileSync(f, '{}\n');
    await removeFile(f);
    expect(existsSync(f)).toBe(false);
    await expect(removeFile(f)).resolves.toBeUndefined();
  });

  it('deletes a link, never what it points to', async () => {
    const d = dir();
    const target = path.join(d, 'target');
    writeFileSync(target, 'keep\n');
    symlinkSync(target, path.join(d, 'link'));
    await removeFile(path.join(d, 'link'));
    expect(existsSync(path.join(d, 'link'))).toBe(false);
    expect(existsSync(target)).toBe(true);
  });

  it('refuses a folder, as fs.rm without recursive did', async () => {
    const sub = path.join(dir(), 'sub');
    mkdirSync(sub);
    await expect(removeFile(sub)).rejects.toMatchObject({ code: expect.stringMatching(/^(EISDIR|EPERM)$/) });
    expect(existsSync(sub)).toBe(true);
  });
});
