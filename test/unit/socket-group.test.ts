/** The socket's group: given when the group exists and we may; a user outside it keeps the socket to itself. */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { secureSocket } from '../../agent/socket-path.js';

const dir = mkdtempSync(path.join(tmpdir(), 'cs-sockgroup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const groups = path.join(dir, 'group');
writeFileSync(groups, 'cloudsnooze:x:4242:alice\n');

describe('secureSocket', () => {
  it('a per-user agent whose user is not in the group: mode 0600, no exit (issue 8, finding 9)', async () => {
    const f = path.join(dir, 'user.sock');
    writeFileSync(f, '');
    const eperm = Object.assign(new Error('EPERM: operation not permitted, chown'), { code: 'EPERM' });
    const ops = { chmod: (await import('node:fs')).promises.chmod, chown: () => Promise.reject(eperm) } as never;
    await expect(secureSocket(f, 'cloudsnooze', ops, groups)).resolves.toBeNull();
    expect(statSync(f).mode & 0o777).toBe(0o600);
  });

  it('other chown failures still stop the agent; no group means 0660 and no chown', async () => {
    const f = path.join(dir, 'other.sock');
    writeFileSync(f, '');
    const eio = Object.assign(new Error('EIO'), { code: 'EIO' });
    const fsp = (await import('node:fs')).promises;
    await expect(secureSocket(f, 'cloudsnooze', { chmod: fsp.chmod, chown: () => Promise.reject(eio) } as never, groups)).rejects.toThrow('EIO');
    let chowned = false;
    await expect(secureSocket(f, 'nosuchgroup', { chmod: fsp.chmod, chown: async () => void (chowned = true) } as never, groups)).resolves.toBeNull();
    expect(chowned).toBe(false);
    expect(statSync(f).mode & 0o777).toBe(0o660);
  });
});
