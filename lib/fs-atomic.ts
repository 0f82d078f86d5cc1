/** Atomic file replacement: a reader sees the old file or the new one, never half of either. */
import * as fs from './fs-async.js';
import path from 'node:path';

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
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const fd = await fs.open(tmp, 'w', 0o600);
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
    await fs.rm(tmp, { force: true });
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
