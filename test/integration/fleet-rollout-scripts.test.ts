/**
 * The shell inside the rollout files (docs/fleet/): the SSM document's script, with its
 * parameters filled in as SSM does, and cloud-init's runcmd script are valid `sh`.
 * Their structure and parameter patterns are checked in test/unit/fleet-rollout-docs.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../helpers/agent.js';
import { fakeExecutable } from '../helpers/fake-executable.js';

const yaml = createRequire(import.meta.url)('js-yaml') as { load: (s: string, o?: { schema?: unknown }) => unknown; CORE_SCHEMA: unknown };
const syntax = (script: string) => spawnSync('sh', ['-n'], { input: script, encoding: 'utf8' });

/** The SSM document's script with its parameters pasted in, as SSM does. */
function ssmScript(values: Record<string, string>): string {
  const doc = JSON.parse(readFileSync(path.join(ROOT, 'docs/fleet/ssm-install.json'), 'utf8')) as { mainSteps: { inputs: { runCommand: string[] } }[] };
  return doc.mainSteps[0]!.inputs.runCommand.join('\n').replace(/\{\{\s*(\w+)\s*\}\}/g, (_, k: string) => values[k]!);
}

describe('rollout scripts', () => {
  it('the SSM script is valid sh with its parameters filled in', () => {
    const script = ssmScript({ packageUrl: 'https://example.com/cloudsnooze-agent-0.2.0.{kind}', version: '0.2.0', config: '{"naptime_minutes": 45}' });
    expect(script).not.toContain('{{');
    const r = syntax(script);
    expect(r.status, r.stderr).toBe(0);
    // A broken script is caught: the check can fail.
    expect(syntax(`${script}\nif then`).status).not.toBe(0);
  });

  it('the cloud-init runcmd script is valid sh', () => {
    const doc = yaml.load(readFileSync(path.join(ROOT, 'docs/fleet/cloud-init.yaml'), 'utf8'), { schema: yaml.CORE_SCHEMA }) as { runcmd: string[][] };
    const r = syntax(doc.runcmd[0]![2]!);
    expect(r.status, r.stderr).toBe(0);
  });

  it('the SSM script checks the new config with the agent on the socket that config names, and keeps a good one', () => {
    // A scratch host: the package tools, systemd and the agent are stand-ins on PATH that log
    // their arguments; the script's real shell, node, install and file handling run as they are.
    const dir = tempDir('cs-ssm-');
    const bin = path.join(dir, 'bin');
    const etc = path.join(dir, 'etc');
    mkdirSync(bin);
    mkdirSync(etc);
    const log = path.join(dir, 'calls.log');
    const custom = path.join(dir, 'custom.sock');
    const conf = path.join(etc, 'snooze.json');
    writeFileSync(conf, '{"naptime_minutes": 30}\n');
    for (const tool of ['dnf', 'systemctl', 'journalctl']) fakeExecutable(bin, tool, `echo "${tool} $*" >>"${log}"`);
    fakeExecutable(bin, 'rpm', 'exit 1');
    fakeExecutable(bin, 'curl', 'while [ $# -gt 1 ]; do [ "$1" = -o ] && : >"$2"; shift; done');
    // The agent answers only where the config put it.
    fakeExecutable(bin, 'snooze', `echo "snooze $*" >>"${log}"; [ "$1 $2" = "--socket ${custom}" ] || exit 3`);
    // Not root here: `install -o root` is the real tool's job on the instance.
    fakeExecutable(bin, 'install', 'while [ $# -gt 2 ]; do shift; done; cp "$1" "$2"');
    const config = JSON.stringify({ naptime_minutes: 45, socket_path: custom });
    const script = ssmScript({ packageUrl: 'https://example.com/cloudsnooze-agent-0.2.0.{kind}', version: '', config }).replaceAll('/etc/cloudsnooze/snooze.json', conf);
    const r = spawnSync('sh', ['-c', script], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${path.dirname(process.execPath)}:/usr/bin:/bin` }, timeout: 60_000 });
    const calls = readFileSync(log, 'utf8');
    const written = readFileSync(conf, 'utf8');
    rmSync(dir, { recursive: true, force: true });
    expect(r.status, `${r.stderr}\n${calls}`).toBe(0);
    expect(JSON.parse(written)).toEqual({ naptime_minutes: 45, socket_path: custom });
    expect(calls).toContain(`snooze --socket ${custom} status --json`);
    expect(calls).not.toMatch(/journalctl/); // no rollback
    expect(calls.trim().split('\n').at(-1)).toBe(`snooze --socket ${custom} status`);
  });
});
