/**
 * What to tell a desktop user the system agent refuses (its socket is 0660, group
 * cloudsnooze). The deb adds the installing user to the group, but group membership
 * takes effect only in sessions that start after it: the usual case is "log in again".
 */
import { readFileSync } from 'node:fs';

export const SOCKET_GROUP = 'cloudsnooze';

export interface GroupFacts {
  user: string;
  /** The group's line from /etc/group, parsed; null when the group does not exist. */
  group: { gid: number; members: string[] } | null;
  /** process.getgroups(): the groups this session really has. */
  processGids: number[];
}

export function parseGroupLine(etcGroup: string, name: string): { gid: number; members: string[] } | null {
  for (const line of etcGroup.split('\n')) {
    const [n, , gid, members] = line.split(':');
    if (n !== name || gid === undefined) continue;
    const g = Number(gid);
    if (!Number.isInteger(g)) return null;
    return { gid: g, members: (members ?? '').split(',').map((m) => m.trim()).filter(Boolean) };
  }
  return null;
}

export function permissionAdvice(f: GroupFacts): string {
  if (f.group && f.processGids.includes(f.group.gid)) {
    return `the agent refuses this session although it is in the ${SOCKET_GROUP} group; check the socket's group and mode (snooze doctor)`;
  }
  if (f.group && f.group.members.includes(f.user)) {
    return `you were added to the ${SOCKET_GROUP} group after this session started: log out and log in again (or restart) to use the agent`;
  }
  return `your user may not use the agent: run  sudo adduser ${f.user} ${SOCKET_GROUP}  then log out and log in again`;
}

/** The facts of this process (edge: reads /etc/group). */
export function groupFacts(user: string): GroupFacts {
  let etc = '';
  try {
    etc = readFileSync('/etc/group', 'utf8');
  } catch {
    // No /etc/group (or unreadable): advise adding the user, which is never wrong.
  }
  return { user, group: parseGroupLine(etc, SOCKET_GROUP), processGids: process.getgroups?.() ?? [] };
}

/** A connection error as the app shows it: permission errors get the advice. */
export function explainConnectionError(error: string, facts: () => GroupFacts): string {
  if (!/permission denied/i.test(error)) return error;
  return `${error.replace(/\s*\(join the cloudsnooze group or use sudo\)/, '')}: ${permissionAdvice(facts())}`;
}
