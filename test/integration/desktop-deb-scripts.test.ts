/**
 * The desktop deb's post-install step for the agent (build/linux/after-install.sh, the part
 * after electron-builder's own template), run by bash as dpkg runs it: `configure` on a first
 * install, `configure <old version>` on an upgrade. The system paths are moved into a
 * temporary folder and getent/id/usermod/groupadd/systemctl are stand-ins on PATH that
 * record what they were asked, so nothing on this machine changes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fakeExecutable } from '../helpers/fake-executable.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MARK = '# --- CloudSnooze: install and start the agent';
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Our part of after-install.sh, its system paths moved under `root`, as electron-builder would expand it. */
function ourPart(root: string): string {
  const text = readFileSync(path.join(ROOT, 'build/linux/after-install.sh'), 'utf8');
  const i = text.indexOf(MARK);
  expect(i, 'the CloudSnooze part of after-install.sh').toBeGreaterThan(0);
  return `#!/bin/bash\n${text
    .slice(i)
    .replaceAll('${sanitizedProductName}', 'CloudSnooze')
    .replaceAll('/opt/', `${root}/opt/`)
    .replaceAll('/lib/systemd/system', `${root}/lib/systemd/system`)
    .replaceAll('/run/systemd/system', `${root}/no-running-systemd`)
    .replaceAll('/etc/cloudsnooze', `${root}/etc/cloudsnooze`)
    .replaceAll('/var/lib/cloudsnooze', `${root}/var/lib/cloudsnooze`)}`;
}

/** Runs the step for a user who is or is not in the cloudsnooze group yet. */
function postinst(args: string[], o: { sudoUser?: string; member: boolean }) {
  const root = mkdtempSync(path.join(os.tmpdir(), 'cs-deb-'));
  dirs.push(root);
  const bin = path.join(root, 'bin');
  mkdirSync(bin);
  mkdirSync(path.join(root, 'opt/CloudSnooze/resources/linux'), { recursive: true });
  writeFileSync(path.join(root, 'opt/CloudSnooze/resources/linux/snoozed.service'), '[Service]\n');
  mkdirSync(path.join(root, 'lib/systemd/system'), { recursive: true });
  const log = path.join(root, 'calls.log');
  const member = path.join(root, 'member');
  if (o.member) writeFileSync(member, '');
  const record = `echo "$(basename "$0") $*" >> ${log}`;
  fakeExecutable(bin, 'getent', `${record}\n[ "$1" = group ] && exit 0\n[ "$1" = passwd ] && echo "alice:x:1000:1000::/home/alice:/bin/bash"`);
  fakeExecutable(bin, 'id', `[ "$1" = -nG ] && { if [ -e ${member} ]; then echo "alice sudo cloudsnooze"; else echo "alice sudo"; fi; }\nexit 0`);
  fakeExecutable(bin, 'usermod', `${record}\ntouch ${member}`);
  fakeExecutable(bin, 'groupadd', record);
  fakeExecutable(bin, 'systemctl', record);
  const script = path.join(root, 'postinst');
  writeFileSync(script, ourPart(root), { mode: 0o755 });
  const env: NodeJS.ProcessEnv = { PATH: `${bin}:/usr/bin:/bin` };
  if (o.sudoUser) env.SUDO_USER = o.sudoUser;
  const r = spawnSync('bash', [script, ...args], { env, encoding: 'utf8', timeout: 10_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}`, calls: existsSync(log) ? readFileSync(log, 'utf8') : '', unit: existsSync(path.join(root, 'lib/systemd/system/snoozed.service')) };
}

describe('desktop deb post-install: the installing user and the cloudsnooze group', () => {
  it('a first install with sudo adds the user and says to log in again', () => {
    const r = postinst(['configure'], { sudoUser: 'alice', member: false });
    expect(r.status).toBe(0);
    expect(r.unit).toBe(true);
    expect(r.calls).toMatch(/^usermod -a -G cloudsnooze alice$/m);
    expect(r.out).toContain('CloudSnooze: added alice to the cloudsnooze group. Log out and log in again so the tray app may use the agent.');
  });

  it('an upgrade by a user already in the group asks nothing of them (no needless "log out and log in again")', () => {
    const r = postinst(['configure', '0.1.0'], { sudoUser: 'alice', member: true });
    expect(r.status).toBe(0);
    expect(r.calls).not.toMatch(/usermod/);
    expect(r.out).not.toMatch(/log in again/i);
  });

  it('with no installing user: the command to run on a first install, silence on an upgrade', () => {
    const first = postinst(['configure'], { member: false });
    expect(first.out).toContain('sudo adduser YOUR_USER cloudsnooze');
    expect(first.calls).not.toMatch(/usermod/);
    const upgrade = postinst(['configure', '0.1.0'], { member: false });
    expect(upgrade.status).toBe(0);
    expect(upgrade.out).not.toMatch(/adduser|log in again/i);
  });
});
