/**
 * Every launcher of the agent gives it contract/agent-launch.ts's node flags: the bundle's
 * #! line (npm run agent, /usr/bin/snoozed), the desktop unit, the desktop app's spawn and
 * scripts/start.mjs's dev agent; those on Electron's binary in Node mode leave out the
 * options Electron refuses there.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AGENT_NODE_FLAGS, agentShebang, ELECTRON_REFUSED_NODE_FLAGS, electronNodeFlags, shebangFlags } from '../../contract/agent-launch.js';
import { agentSpawnArgs, agentPaths, bundledAgentArgs } from '../../electron/agent-paths.js';
import { agentFlagsOfBundle, desktopUnit } from '../../scripts/agent-launch.mjs';

const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (f: string) => readFileSync(path.join(ROOT, f), 'utf8');

describe('agent launchers', () => {
  it('the flags keep the agent lean and every one is accepted by Electron in Node mode', () => {
    expect(AGENT_NODE_FLAGS).toContain('--lite-mode');
    for (const f of AGENT_NODE_FLAGS) expect(ELECTRON_REFUSED_NODE_FLAGS).not.toContain(f.split('=')[0]);
    expect(electronNodeFlags()).toEqual([...AGENT_NODE_FLAGS]);
  });

  it('a flag Electron refuses under ELECTRON_RUN_AS_NODE is left out of the Electron launchers only', () => {
    const flags = ['--lite-mode', '--openssl-config=/etc/ssl/x.cnf', '--use-openssl-ca', '--max-old-space-size=64'];
    expect(electronNodeFlags(flags)).toEqual(['--lite-mode', '--max-old-space-size=64']);
    expect(shebangFlags(agentShebang(flags))).toEqual(flags);
    const unit = desktopUnit(read('packaging/systemd/snoozed.service'), electronNodeFlags(flags));
    expect(unit).not.toMatch(/openssl/);
    expect(unit).toMatch(/^ExecStart=\/opt\/CloudSnooze\/cloudsnooze --lite-mode --max-old-space-size=64 \/opt\/CloudSnooze\/resources\/agent\/snoozed\.js /m);
  });

  it('#! line: the build writes agentShebang(), and npm run agent and /usr/bin/snoozed run the file itself', () => {
    expect(shebangFlags(agentShebang())).toEqual([...AGENT_NODE_FLAGS]);
    expect(shebangFlags('#!/usr/bin/env node')).toBeNull();
    expect(read('scripts/build.mjs')).toMatch(/banner: \{ js: `\$\{launch\.agentShebang\(\)\}\\n/);
    // Running the file, not `node file`: node would then ignore the #! line and its flags.
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts.agent).toMatch(/&& \.\/dist\/agent\/snoozed\.js$/);
    expect(read('packaging/bin/snoozed')).toMatch(/^exec "\$here\/\.\.\/lib\/cloudsnooze\/snoozed\.js" "\$@"$/m);
  });

  it('desktop unit: ExecStart on Electron in Node mode with the flags', () => {
    const unit = desktopUnit(read('packaging/systemd/snoozed.service'), electronNodeFlags());
    expect(unit).toMatch(/^Environment=ELECTRON_RUN_AS_NODE=1$/m);
    const exec = /^ExecStart=(.*)$/m.exec(unit)![1]!.split(' ');
    expect(exec.slice(0, 1 + AGENT_NODE_FLAGS.length)).toEqual(['/opt/CloudSnooze/cloudsnooze', ...AGENT_NODE_FLAGS]);
    expect(read('scripts/build.mjs')).toMatch(/desktopUnit\(readFileSync\('packaging\/systemd\/snoozed\.service', 'utf8'\), launch\.electronNodeFlags\(\)\)/);
  });

  it('desktop app: the spawn on its own binary gets the flags before the agent', () => {
    const p = agentPaths({ env: {}, home: '/home/u', isPackaged: true, resourcesPath: '/opt/CloudSnooze/resources', appRoot: '/opt/CloudSnooze/resources/app.asar' });
    expect(agentSpawnArgs(p)).toEqual([...electronNodeFlags(), ...bundledAgentArgs(p)]);
    expect(agentSpawnArgs(p).slice(0, AGENT_NODE_FLAGS.length)).toEqual([...AGENT_NODE_FLAGS]);
    expect(read('electron/agent-link.ts')).toMatch(/args: agentSpawnArgs\(paths\),/);
  });

  it("scripts/start.mjs: the dev agent gets the flags from the built bundle's #! line", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cs-launch-'));
    const bundle = path.join(dir, 'snoozed.js');
    writeFileSync(bundle, `${agentShebang()}\nconsole.log(1);\n`);
    expect(agentFlagsOfBundle(bundle)).toEqual([...AGENT_NODE_FLAGS]);
    writeFileSync(bundle, '#!/usr/bin/env node\n');
    expect(() => agentFlagsOfBundle(bundle)).toThrow(/rebuild/);
    expect(read('scripts/start.mjs')).toMatch(/spawn\(process\.execPath, \[\.\.\.agentFlagsOfBundle\(snoozed\), snoozed,/);
  });
});
