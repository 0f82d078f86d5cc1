/**
 * The shell inside the rollout files (docs/fleet/): the SSM document's script, with its
 * parameters filled in as SSM does, and cloud-init's runcmd script are valid `sh`.
 * Their structure and parameter patterns are checked in test/unit/fleet-rollout-docs.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/agent.js';

const yaml = createRequire(import.meta.url)('js-yaml') as { load: (s: string, o?: { schema?: unknown }) => unknown; CORE_SCHEMA: unknown };
const syntax = (script: string) => spawnSync('sh', ['-n'], { input: script, encoding: 'utf8' });

describe('rollout scripts', () => {
  it('the SSM script is valid sh with its parameters filled in', () => {
    const doc = JSON.parse(readFileSync(path.join(ROOT, 'docs/fleet/ssm-install.json'), 'utf8')) as { mainSteps: { inputs: { runCommand: string[] } }[] };
    const values: Record<string, string> = { packageUrl: 'https://example.com/cloudsnooze-agent-0.2.0.{kind}', version: '0.2.0', config: '{"naptime_minutes": 45}' };
    const script = doc.mainSteps[0]!.inputs.runCommand.join('\n').replace(/\{\{\s*(\w+)\s*\}\}/g, (_, k: string) => values[k]!);
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
});
