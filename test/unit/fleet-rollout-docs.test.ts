/**
 * The rollout files a fleet admin hands to AWS (issue 10): docs/fleet/ssm-install.json (an SSM
 * Command document) and docs/fleet/cloud-init.yaml (user data). Each parses strictly and has
 * the fields SSM and cloud-init require; the parameters SSM pastes into the shell script are
 * kept to text that stays inert there; the config each writes passes the agent's own schema.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../contract/config-schema.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
// js-yaml is in node_modules through the ESLint and electron-builder trees; it has no types here.
const yaml = createRequire(import.meta.url)('js-yaml') as { load: (s: string, o?: { schema?: unknown; json?: boolean }) => unknown; CORE_SCHEMA: unknown };

interface SsmParameter {
  type: string;
  description?: string;
  default?: unknown;
  allowedPattern?: string;
}
interface SsmStep {
  action: string;
  name: string;
  precondition?: Record<string, unknown>;
  inputs: { runCommand: string[]; timeoutSeconds?: string };
}
interface SsmDoc {
  schemaVersion: string;
  description: string;
  parameters: Record<string, SsmParameter>;
  mainSteps: SsmStep[];
}

describe('docs/fleet/ssm-install.json (SSM Command document)', () => {
  const text = readFileSync(path.join(ROOT, 'docs/fleet/ssm-install.json'), 'utf8');
  const doc = JSON.parse(text) as SsmDoc;
  const pattern = (name: string) => new RegExp(doc.parameters[name]!.allowedPattern!);

  it('is schema 2.2 with only the top-level keys SSM accepts, and one Linux runShellScript step', () => {
    expect(doc.schemaVersion).toBe('2.2');
    expect(Object.keys(doc).sort()).toEqual(['description', 'mainSteps', 'parameters', 'schemaVersion']);
    expect(doc.description.length).toBeGreaterThan(10);
    expect(doc.mainSteps).toHaveLength(1);
    const step = doc.mainSteps[0]!;
    expect(step.action).toBe('aws:runShellScript');
    // SSM: step names are letters, digits, - _ . and at most 100 characters, unique in the document.
    expect(step.name).toMatch(/^[A-Za-z0-9_.-]{1,100}$/);
    expect(step.precondition).toEqual({ StringEquals: ['platformType', 'Linux'] });
    expect(Array.isArray(step.inputs.runCommand)).toBe(true);
    expect(step.inputs.runCommand.every((l) => typeof l === 'string')).toBe(true);
    expect(Number(step.inputs.timeoutSeconds)).toBeGreaterThan(0);
  });

  it('declares every parameter the script uses and uses every one it declares, each a typed String with a pattern its default meets', () => {
    const script = doc.mainSteps[0]!.inputs.runCommand.join('\n');
    const used = new Set([...script.matchAll(/\{\{\s*([A-Za-z0-9]+)\s*\}\}/g)].map((m) => m[1]!));
    expect([...used].sort()).toEqual(Object.keys(doc.parameters).sort());
    for (const [name, p] of Object.entries(doc.parameters)) {
      expect(name).toMatch(/^[A-Za-z0-9]+$/);
      expect(p.type, name).toBe('String');
      expect(p.description, name).toBeTruthy();
      expect(p.allowedPattern, name).toBeTruthy();
      if (p.default !== undefined) expect(String(p.default), name).toMatch(new RegExp(p.allowedPattern!));
    }
    // Required: the package URL has no default.
    expect(doc.parameters.packageUrl!.default).toBeUndefined();
  });

  it('keeps each parameter inert where the script pastes it', () => {
    const script = doc.mainSteps[0]!.inputs.runCommand.join('\n');
    // The URL lands in single quotes: no quote, no whitespace, https or s3 only.
    expect(script).toContain("url='{{ packageUrl }}'");
    expect('https://example.com/cloudsnooze-agent-0.2.0.{kind}?X-Amz-Signature=ab%2F&X-Amz-Date=1').toMatch(pattern('packageUrl'));
    expect('s3://bucket/cloudsnooze-agent.{kind}').toMatch(pattern('packageUrl'));
    for (const bad of ["https://x/'; reboot; '", 'https://x/a b', 'http://x/pkg.rpm', 'file:///etc/shadow', 'https://x/$(reboot)', 'https://x/`reboot`', 'https://x/a\nreboot']) {
      expect(bad, bad).not.toMatch(pattern('packageUrl'));
    }
    expect(script).toContain("want='{{ version }}'");
    for (const ok of ['', '0.2.0', '1.10.3-rc.1']) expect(ok).toMatch(pattern('version'));
    for (const bad of ["0.2.0'", '0.2.0; reboot', 'latest']) expect(bad).not.toMatch(pattern('version'));
    // The config is one line inside a quoted here-document whose end line it cannot equal.
    const lines = doc.mainSteps[0]!.inputs.runCommand;
    const at = lines.indexOf('{{ config }}');
    expect(lines[at - 1]).toMatch(/<<'CLOUDSNOOZE_CONFIG_JSON'$/);
    expect(lines[at + 1]).toBe('CLOUDSNOOZE_CONFIG_JSON');
    expect('{"naptime_minutes": 45, "notifications": {"webhook_url": "https://hooks.slack.com/x"}}').toMatch(pattern('config'));
    for (const bad of ['{}\nCLOUDSNOOZE_CONFIG_JSON\nreboot\n{}', 'reboot', '[1]']) expect(bad).not.toMatch(pattern('config'));
  });

  it('downloads into a fresh mktemp -d folder, and a config with notifications (a webhook URL is a password) is written 0600', () => {
    const script = doc.mainSteps[0]!.inputs.runCommand.join('\n');
    expect(script).toMatch(/^work=\$\(mktemp -d \/tmp\/cloudsnooze-ssm\.XXXXXX\)$/m);
    expect(script).not.toMatch(/\/(tmp|var\/tmp|dev\/shm)\/[A-Za-z0-9_.-]+(\s|"|$)/m);
    expect(script).toMatch(/mode=0644; if grep -q '"notifications"' "\$work\/config\.json"; then mode=0600; fi/);
    expect(script).toMatch(/install -m "\$mode" -o root -g root/);
  });

  it('restores the previous config when the agent refuses the new one', () => {
    const script = doc.mainSteps[0]!.inputs.runCommand.join('\n');
    expect(script).toMatch(/cp -p "\$conf" "\$work\/previous\.json"/);
    expect(script).toMatch(/cp -p "\$work\/previous\.json" "\$conf"/);
  });
});

describe('docs/fleet/cloud-init.yaml (user data)', () => {
  const text = readFileSync(path.join(ROOT, 'docs/fleet/cloud-init.yaml'), 'utf8');
  // CORE_SCHEMA: no YAML 1.1 surprises (yes/no booleans, sexagesimal numbers); duplicate keys throw.
  const doc = yaml.load(text, { schema: yaml.CORE_SCHEMA }) as Record<string, unknown>;

  it('starts with #cloud-config and uses only the cloud-init modules it means to', () => {
    expect(text.split('\n')[0]).toBe('#cloud-config');
    expect(Object.keys(doc).sort()).toEqual(['runcmd', 'write_files']);
  });

  it('write_files: the config file, root-owned 0644, whose JSON the agent accepts', () => {
    const files = doc.write_files as { path: string; content: string; owner: string; permissions: string }[];
    expect(files).toHaveLength(1);
    const f = files[0]!;
    expect(f.path).toBe('/etc/cloudsnooze/snooze.json');
    expect(f.owner).toBe('root:root');
    // cloud-init wants the mode as a quoted octal string.
    expect(f.permissions).toBe('0644');
    const config = parseConfig(JSON.parse(f.content));
    expect(config.naptime_minutes).toBe(45);
  });

  it('runcmd: one command list that installs the package for either family and starts the unit', () => {
    const cmds = doc.runcmd as unknown[];
    expect(cmds).toHaveLength(1);
    const cmd = cmds[0] as string[];
    expect(cmd.slice(0, 2)).toEqual(['sh', '-c']);
    const script = cmd[2]!;
    expect(script).toMatch(/^set -eu$/m);
    expect(script).toMatch(/dnf install -y "\$work\/cloudsnooze-agent\.rpm"/);
    expect(script).toMatch(/apt-get install -y .*--force-confold "\$work\/cloudsnooze-agent\.deb"/);
    expect(script).toMatch(/--proto '=https'/);
    expect(script).toMatch(/systemctl enable --now snoozed\.service/);
  });

  it('runs nothing from a path another local user could have made: the package goes to a fresh mktemp -d folder', () => {
    const script = (doc.runcmd as string[][])[0]![2]!;
    expect(script).toMatch(/^work=\$\(mktemp -d \/tmp\/cloudsnooze-init\.XXXXXX\)$/m);
    // No fixed name under a world-writable folder, written or read.
    expect(script).not.toMatch(/\/(tmp|var\/tmp|dev\/shm)\/[A-Za-z0-9_.-]+(\s|"|$)/m);
  });
});
