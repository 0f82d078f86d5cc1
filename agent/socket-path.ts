/**
 * Claiming the socket path safely: never delete something that is not a socket,
 * replace a stale socket (nothing answers), refuse when another agent answers.
 */
import { readFileSync } from 'node:fs';
import * as fs from '../lib/fs-async.js';
import net from 'node:net';
import path from 'node:path';

export class SocketPathError extends Error {}

function answers(p: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createConnection(p);
    const done = (v: boolean) => {
      clearTimeout(t);
      s.destroy();
      resolve(v);
    };
    const t = setTimeout(() => done(true), timeoutMs); // a hung listener is still a listener
    s.on('connect', () => done(true));
    s.on('error', () => done(false));
  });
}

/** Makes `p` free to listen on, or throws SocketPathError saying why not. */
export async function claimSocketPath(p: string): Promise<{ replacedStale: boolean }> {
  await fs.mkdir(path.dirname(p), { recursive: true, mode: 0o755 });
  let st;
  try {
    st = await fs.lstat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { replacedStale: false };
    throw new SocketPathError(`cannot inspect socket path ${p}: ${(err as Error).message}`);
  }
  if (!st.isSocket()) {
    // A link is named as one: lstat never follows it, and neither does the agent.
    const what = st.isDirectory() ? 'a directory' : st.isFile() ? 'a regular file' : st.isSymbolicLink() ? 'a symbolic link' : st.isFIFO() ? 'a named pipe' : 'a device or other special file';
    throw new SocketPathError(`refusing to use ${p}: it is ${what}, not a socket (remove it yourself if it is not needed)`);
  }
  if (await answers(p)) throw new SocketPathError(`another CloudSnooze agent is already listening on ${p}`);
  await fs.unlink(p);
  return { replacedStale: true };
}

/** gid of a group from /etc/group, or null when the group does not exist. */
export function groupId(name: string, groupFile = '/etc/group'): number | null {
  if (!name) return null;
  try {
    for (const line of readFileSync(groupFile, 'utf8').split('\n')) {
      const [g, , gid] = line.split(':');
      if (g === name && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
    }
  } catch {
    // No group database: no group to give.
  }
  return null;
}

/** Mode 0660, and the group when it exists. Returns the gid applied, if any. */
export async function secureSocket(
  p: string,
  group: string,
  ops: { chmod: typeof fs.chmod; chown: typeof fs.chown } = fs,
  groupFile?: string,
): Promise<number | null> {
  await ops.chmod(p, 0o660);
  const gid = groupId(group, groupFile);
  if (gid === null) return null;
  try {
    await ops.chown(p, -1, gid);
  } catch (err) {
    // A per-user agent whose user is not in the group cannot hand the socket to it: keep it
    // the user's alone rather than exit (0660 would open it to the user's own group).
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
    await ops.chmod(p, 0o600);
    return null;
  }
  return gid;
}

/**
 * The admin socket: 0600, owned by the agent's user (root on a server), so only root
 * connects; or 0660 with `adminGroup` when that group exists (a workstation's owner).
 * A named group that does not exist leaves it 0600 rather than widening anything.
 */
export async function secureAdminSocket(p: string, adminGroup: string): Promise<{ mode: number; gid: number | null }> {
  const gid = groupId(adminGroup);
  const mode = gid === null ? 0o600 : 0o660;
  await fs.chmod(p, mode);
  if (gid !== null) await fs.chown(p, -1, gid);
  return { mode, gid };
}

/**
 * Runs `listen` with a umask that keeps the new socket file private until it is secured:
 * a client that connects between bind() and chmod() must not get a privileged connection.
 */
export async function listenPrivately(listen: () => Promise<void>): Promise<void> {
  const old = process.umask(0o177);
  try {
    await listen();
  } finally {
    process.umask(old);
  }
}
