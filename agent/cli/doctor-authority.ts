/**
 * `snooze doctor`'s authority report: who can use the agent (the public socket's mode and
 * group), who can change settings (the admin socket's mode, owner and group), and whether
 * the person running the doctor can. Informational: a missing admin socket is the only
 * failure, since then nobody can change settings over a socket.
 */
import { promises as fs, readFileSync } from 'node:fs';
import { adminSocketPath } from '../../contract/paths.js';
import { AgentError } from '../../lib/client.js';
import type { DoctorLine } from './doctor.js';
import type { CliIO } from './io.js';

function names(file: string): Map<number, string> {
  const m = new Map<number, string>();
  try {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const [name, , id] = line.split(':');
      if (name && id && /^\d+$/.test(id)) m.set(Number(id), name);
    }
  } catch {
    // No database: numbers are shown instead.
  }
  return m;
}

export async function authorityChecks(io: CliIO, files = { group: '/etc/group', passwd: '/etc/passwd' }): Promise<DoctorLine[]> {
  const groups = names(files.group);
  const users = names(files.passwd);
  const group = (gid: number) => groups.get(gid) ?? `gid ${gid}`;
  const user = (uid: number) => users.get(uid) ?? `uid ${uid}`;
  const lines: DoctorLine[] = [];
  const pub = await fs.stat(io.socketPath).catch(() => null);
  if (pub) {
    lines.push({
      ok: true,
      info: true,
      text: `authority: everyday use (status, history, postpone, stay-awake, release) through ${io.socketPath}: mode ${(pub.mode & 0o777).toString(8)}, group ${group(pub.gid)}`,
    });
  }
  const adminPath = adminSocketPath(io.socketPath);
  const admin = await fs.lstat(adminPath).catch(() => null);
  if (!admin) {
    if (pub) lines.push({ ok: false, text: `authority: no admin socket at ${adminPath}: settings cannot be changed (an older agent? restart it)` });
    return lines;
  }
  const mode = admin.mode & 0o777;
  lines.push({
    ok: true,
    info: true,
    text: `authority: settings change only through ${adminPath}: mode ${mode.toString(8)}, owner ${user(admin.uid)}${mode & 0o070 ? `, group ${group(admin.gid)} (admin_group)` : ' (owner only)'}`,
  });
  // Asking is the only sure test: permissions, ACLs and group membership all apply.
  try {
    await io.request(adminPath, 'STATUS', {}, { timeoutMs: 3000 });
    lines.push({ ok: true, info: true, text: 'authority: you can change settings (snooze config set)' });
  } catch (err) {
    const denied = err instanceof AgentError && err.code === 'PERMISSION_DENIED';
    lines.push({
      ok: true,
      info: true,
      text: denied
        ? 'authority: you cannot change settings (only root or members of admin_group can; try sudo snooze config set KEY VALUE)'
        : `authority: the admin socket does not answer: ${(err as Error).message}`,
    });
  }
  return lines;
}
