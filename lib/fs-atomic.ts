/** Atomic file replacement: a reader sees the old file or the new one, never half of either. */
import * as fs from './fs-async.js';
import { constants } from 'node:fs';
import path from 'node:path';

/**
 * The temporary file is created, never opened: O_EXCL fails on anything already at the name
 * (a file, a symlink, a FIFO) and O_NOFOLLOW on a symlink. Root writes into folders others may
 * write too (node_exporter's textfile folder for metrics_textfile): a link planted at the
 * temporary name must not make root truncate, chmod and fill the file it points to.
 */
const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
/** Names tried before giving up: another writer (or a planted entry) holding one is not fatal. */
const TMP_TRIES = 8;

async function createTemp(dir: string, base: string): Promise<{ tmp: string; fd: number }> {
  for (let i = 1; ; i++) {
    // Not guessable in advance (a planted name costs the attacker a retry, not our write).
    const tmp = path.join(dir, `.${base}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2, 10)}.tmp`);
    try {
      return { tmp, fd: await fs.open(tmp, CREATE_NEW, 0o600) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || i >= TMP_TRIES) throw err;
    }
  }
}

/**
 * Atomic write: temp file in the same folder, fsync, rename, fsync the folder.
 * The mode is set explicitly, never left to the umask (the systemd unit runs the agent with
 * UMask=0077): `mode` when given; otherwise a rewrite keeps the file's mode, owner and group
 * (an admin's chmod 600 on a config holding secrets survives CONFIG_SET), and a new file is 0644.
 */
export async function writeFileAtomic(file: string, data: string, mode?: number): Promise<void> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true });
  const before = await fs.stat(file).catch(() => null);
  const { tmp, fd } = await createTemp(dir, path.basename(file));
  try {
    await fs.fchmod(fd, mode ?? (before ? before.mode & 0o777 : 0o644));
    // Only root may give a file away; anyone else writes their own files and skips this.
    if (before && mode === undefined) await fs.fchown(fd, before.uid, before.gid).catch(() => undefined);
    await fs.writeAll(fd, data);
    await fs.fsync(fd);
  } finally {
    await fs.close(fd);
  }
  try {
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.removeFile(tmp);
    throw err;
  }
  const dfd = await fs.open(dir, 'r');
  try {
    await fs.fsync(dfd);
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  } finally {
    await fs.close(dfd);
  }
}
