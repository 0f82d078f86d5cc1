/**
 * The rpm (issue 10): `npm run package:agent` also builds cloudsnooze-agent-<version>-1.noarch.rpm
 * for Amazon Linux 2023, RHEL and Fedora from the deb's staged tree. Its file list and modes
 * equal the deb's, its scriptlets take the same steps as the deb's maintainer scripts (both run
 * against logging stand-ins for groupadd, systemctl, rm ...: nothing on this host changes), and
 * `rpm --root` installs it into a scratch root. Skipped, with one line, where rpm is absent.
 */
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../helpers/agent.js';

const run = promisify(execFile);
const has = (cmd: string, args = ['--version']) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
const HAVE = has('rpm') && has('rpmbuild') && has('dpkg-deb');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };

if (!HAVE) console.warn('package-rpm.test.ts: skipped: rpm, rpmbuild or dpkg-deb is not installed (apt-get install rpm dpkg)');

/** `dpkg-deb -c`: mode owner/group size date time ./path [-> target]; directories dropped. */
function debFiles(listing: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of listing.split('\n').filter(Boolean)) {
    const m = /^(\S+)\s+(\S+)\s+\d+\s+\S+\s+\S+\s+\.(\/.*?)(?: -> .*)?$/.exec(line);
    if (!m) throw new Error(`unexpected dpkg-deb -c line: ${line}`);
    if (!m[1]!.startsWith('d')) out.set(m[3]!, `${m[1]} ${m[2]}`);
  }
  return out;
}

describe.skipIf(!HAVE)(`rpm package cloudsnooze-agent${HAVE ? '' : ' (skipped: rpm is not installed)'}`, () => {
  let work: string;
  let rpmFile: string;
  let deb: string;

  beforeAll(async () => {
    work = tempDir('cs-rpm-');
    if (!existsSync(path.join(ROOT, 'dist/agent/snoozed.js')) || !existsSync(path.join(ROOT, 'dist/agent/snooze.js'))) {
      await run(process.execPath, ['scripts/build.mjs', 'agent'], { cwd: ROOT, timeout: 120_000 });
    }
    const { stdout } = await run('bash', ['scripts/package-agent.sh'], {
      cwd: ROOT,
      env: { ...process.env, CLOUDSNOOZE_RELEASE_DIR: path.join(work, 'release') },
      timeout: 180_000,
      maxBuffer: 16 << 20,
    });
    const lines = stdout.trim().split('\n');
    deb = path.resolve(ROOT, lines.at(-1)!);
    rpmFile = path.resolve(ROOT, lines.find((l) => l.endsWith('.rpm'))!);
  }, 200_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const q = async (...args: string[]) => (await run('rpm', ['-qp', ...args, rpmFile], { maxBuffer: 16 << 20 })).stdout;

  it('is named cloudsnooze-agent-<version>-1.noarch.rpm, printed before the .deb, with the deb\'s name, requirement and conflict', async () => {
    expect(path.basename(rpmFile)).toBe(`cloudsnooze-agent-${pkg.version}-1.noarch.rpm`);
    expect(path.extname(deb)).toBe('.deb');
    expect((await q('--qf', '%{NAME} %{VERSION} %{ARCH}')).trim()).toBe(`cloudsnooze-agent ${pkg.version} noarch`);
    const requires = (await q('-R')).split('\n').map((l) => l.trim());
    expect(requires).toContain('nodejs >= 20');
    // No requirement derived from the bundle's #! lines or file contents (AutoReqProv: no).
    expect(requires.filter((r) => r && !r.startsWith('rpmlib(') && r !== '/bin/sh')).toEqual(['nodejs >= 20', 'shadow-utils']);
    expect((await q('--conflicts')).trim()).toBe('cloudsnooze');
  });

  it('rpm -qpl lists the same files, with the same modes and owner, as dpkg-deb -c', async () => {
    const deb_ = debFiles((await run('dpkg-deb', ['-c', deb], { maxBuffer: 16 << 20 })).stdout);
    const rpm_ = new Map<string, string>();
    const dirs: string[] = [];
    for (const line of (await q('--qf', '[%{FILEMODES:perms} %{FILEUSERNAME}/%{FILEGROUPNAME} %{FILENAMES}\n]')).split('\n').filter(Boolean)) {
      const [mode, owner, file] = line.split(' ') as [string, string, string];
      if (mode.startsWith('d')) dirs.push(file);
      else rpm_.set(file, `${mode} ${owner}`);
    }
    expect([...rpm_.keys()].sort()).toEqual([...deb_.keys()].sort());
    expect(Object.fromEntries(rpm_)).toEqual(Object.fromEntries(deb_));
    // `rpm -qpl` itself agrees, and the package owns only its own directories, never /usr/bin or /etc.
    expect((await q('-l')).trim().split('\n').filter((f) => !dirs.includes(f)).sort()).toEqual([...deb_.keys()].sort());
    expect(dirs.sort()).toEqual(['/etc/cloudsnooze', '/usr/lib/cloudsnooze', '/usr/lib/cloudsnooze/chunks', '/usr/lib/cloudsnooze/renderer', '/usr/lib/cloudsnooze/renderer/assets', '/usr/share/doc/cloudsnooze-agent']);
  });

  it('keeps an edited /etc/cloudsnooze/snooze.json on upgrade: %config(noreplace), the deb\'s conffile', async () => {
    const configs = (await q('-c')).trim().split('\n');
    expect(configs).toEqual(['/etc/cloudsnooze/snooze.json']);
    const flags = (await q('--qf', '[%{FILEFLAGS:fflags} %{FILENAMES}\n]')).split('\n');
    expect(flags).toContain('cn /etc/cloudsnooze/snooze.json');
  });

  it('installs into a scratch root with rpm --root', async () => {
    const target = path.join(work, 'rpm-root');
    mkdirSync(target);
    await run('rpm', ['--root', target, '--nodeps', '--noscripts', '-i', rpmFile], { timeout: 60_000 });
    for (const f of ['usr/bin/snoozed', 'usr/bin/snooze', 'usr/lib/cloudsnooze/snoozed.js', 'usr/lib/cloudsnooze/chunks/aws-sdk.js', 'lib/systemd/system/snoozed.service']) {
      expect(existsSync(path.join(target, f)), f).toBe(true);
    }
    expect(statSync(path.join(target, 'usr/bin/snoozed')).mode & 0o777).toBe(0o755);
    expect(readFileSync(path.join(target, 'etc/cloudsnooze/snooze.json'), 'utf8')).toBe(readFileSync(path.join(ROOT, 'config/snooze.json'), 'utf8'));
    expect(readFileSync(path.join(target, 'lib/systemd/system/snoozed.service'), 'utf8')).toBe(readFileSync(path.join(ROOT, 'packaging/systemd/snoozed.service'), 'utf8'));
    const installed = spawnSync('rpm', ['--root', target, '-q', 'cloudsnooze-agent'], { encoding: 'utf8' });
    expect(installed.stdout.trim()).toBe(`cloudsnooze-agent-${pkg.version}-1.noarch`);
  });

  it('keeps a config written before the install (cloud-init writes it first) and sets the package\'s aside as .rpmnew', async () => {
    const target = path.join(work, 'rpm-root-preset');
    mkdirSync(path.join(target, 'etc/cloudsnooze'), { recursive: true });
    writeFileSync(path.join(target, 'etc/cloudsnooze/snooze.json'), '{"naptime_minutes": 45}\n');
    await run('rpm', ['--root', target, '--nodeps', '--noscripts', '-i', rpmFile], { timeout: 60_000 });
    expect(readFileSync(path.join(target, 'etc/cloudsnooze/snooze.json'), 'utf8')).toBe('{"naptime_minutes": 45}\n');
    expect(existsSync(path.join(target, 'etc/cloudsnooze/snooze.json.rpmnew'))).toBe(true);
  });

  describe('scriptlets take the deb maintainer scripts\' steps', () => {
    let guards: string;
    let scriptlets: Record<'post' | 'preun' | 'postun', string>;
    const control = () => path.join(work, 'deb-control');

    beforeAll(async () => {
      // Every command the scripts may call, logged and never run: the scripts run with only
      // these on PATH (the rest are shell builtins), so nothing on this host changes. No
      // addgroup: the rpm distributions have only groupadd, and the deb falls back to it.
      guards = path.join(work, 'guards');
      mkdirSync(guards);
      for (const name of ['groupadd', 'systemctl', 'rm', 'rmdir', 'grep']) {
        writeFileSync(path.join(guards, name), `#!/bin/sh\necho "${name} $*" >>"$CALLS"\nexit 0\n`);
        chmodSync(path.join(guards, name), 0o755);
      }
      // getent: the group is absent until the test says it exists.
      writeFileSync(path.join(guards, 'getent'), '#!/bin/sh\necho "getent $*" >>"$CALLS"\n[ -n "$GROUP_EXISTS" ]\n');
      chmodSync(path.join(guards, 'getent'), 0o755);

      const text = await q('--scripts');
      const part = (label: string) => {
        const m = new RegExp(`^${label} scriptlet \\(using /bin/sh\\):\\n([\\s\\S]*?)(?=^\\w+ scriptlet \\(using|$(?![\\s\\S]))`, 'm').exec(text);
        if (!m) throw new Error(`no ${label} scriptlet in:\n${text}`);
        return m[1]!;
      };
      scriptlets = { post: part('postinstall'), preun: part('preuninstall'), postun: part('postuninstall') };
      await run('dpkg-deb', ['-e', deb, control()]);
    });

    /** Runs a script with the guards; returns the calls it made, normalised to what they do. */
    const steps = (script: string, args: string[], groupExists = false): string[] => {
      const calls = path.join(work, `calls-${Math.random().toString(36).slice(2)}`);
      writeFileSync(calls, '');
      const r = spawnSync('/bin/sh', ['-c', script, 'scriptlet', ...args], {
        env: { PATH: guards, CALLS: calls, ...(groupExists ? { GROUP_EXISTS: '1' } : {}) },
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      return readFileSync(calls, 'utf8')
        .split('\n')
        .filter(Boolean)
        .filter((l) => !l.startsWith('getent '))
        .map((l) => l.replace(' --root=/ ', ' ').replace(/ >\/dev\/null.*$/, ''));
    };
    const deb_ = (name: string, args: string[], groupExists = false) => steps(readFileSync(path.join(control(), name), 'utf8'), args, groupExists);

    it('first install: the cloudsnooze group, then the unit enabled', () => {
      const rpmSteps = steps(scriptlets.post, ['1']);
      const debSteps = deb_('postinst', ['configure', '']);
      expect(rpmSteps).toContain('groupadd --system cloudsnooze');
      expect(rpmSteps).toContain('systemctl enable snoozed.service');
      for (const s of debSteps) expect(rpmSteps).toContain(s);
    });

    it('upgrade: the group kept, an admin\'s disabled unit left alone', () => {
      const rpmSteps = steps(scriptlets.post, ['2'], true);
      expect(rpmSteps.filter((s) => /groupadd|enable/.test(s))).toEqual([]);
      const debSteps = deb_('postinst', ['configure', '0.1.0'], true);
      expect(debSteps.filter((s) => /groupadd|enable/.test(s))).toEqual([]);
      expect(steps(scriptlets.preun, ['1']).filter((s) => s.includes('stop') || s.includes('disable'))).toEqual([]);
      expect(steps(scriptlets.postun, ['1']).filter((s) => s.startsWith('rm'))).toEqual([]);
    });

    it('erase: the deb\'s remove and purge steps (history, leftovers, enablement), and the unit disabled', () => {
      const rpmSteps = [...steps(scriptlets.preun, ['0']), ...steps(scriptlets.postun, ['0'])];
      const debSteps = [...deb_('prerm', ['remove']), ...deb_('postrm', ['remove']), ...deb_('postrm', ['purge'])];
      expect(debSteps.some((s) => s.includes('/var/lib/cloudsnooze'))).toBe(true);
      for (const s of debSteps) expect(rpmSteps).toContain(s);
      expect(rpmSteps).toContain('systemctl --no-reload disable snoozed.service');
    });
  });
});
