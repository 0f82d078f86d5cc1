/**
 * What the running agent keeps resident (issue 11: RSS within 1.15x of a bare node): after
 * start, samples, STATUS, HISTORY, SAMPLES, a hold and a settings change, none of the
 * internal modules it was made to do without are loaded, and its bundle holds zod/mini only.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startAgent, tempDir, waitFor, type AgentHandle } from '../helpers/agent.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * Each of these, once loaded, stays for the life of the process. (child_process cannot be
 * kept out: net's listen() loads cluster, which loads it.)
 */
const NOT_RESIDENT = [
  // fs.promises: readline, fs/dir and watchers come with it (lib/fs-async.ts instead).
  'NativeModule internal/fs/promises',
  'NativeModule internal/readline/interface',
  'NativeModule timers/promises',
  // The global `performance`: perf_hooks and its modules (agent/mono-clock.ts instead).
  'NativeModule perf_hooks',
  'NativeModule internal/perf/performance',
  // The ESM loader: the bundle is CommonJS.
  'NativeModule internal/modules/esm/loader',
];

let a: AgentHandle | undefined;
afterEach(async () => {
  await a?.stop();
  a = undefined;
});

describe('the lean agent', () => {
  it('keeps none of the modules it does without resident after a working minute', async () => {
    const dir = tempDir('cs-lean-');
    const hook = path.join(dir, 'hook.cjs');
    const out = path.join(dir, 'modules.json');
    // Preloaded: on SIGUSR2, write the list of internal modules loaded so far.
    writeFileSync(hook, `process.on('SIGUSR2', () => require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(process.moduleLoadList)));\n`);
    a = await startAgent({ dir, env: { NODE_OPTIONS: `--require ${hook}` } });
    await a.req('STATUS');
    await a.req('HISTORY', { limit: 5 });
    await a.req('CONFIG_SET', { values: { cpu_threshold_percent: 50 } });
    await a.req('POSTPONE', { minutes: 5 });
    await a.req('RELEASE');
    await waitFor(async () => (await a!.req('SAMPLES', { seconds: 60 })).samples.length >= 3, 15_000, 'three samples');
    a.proc.kill('SIGUSR2');
    await waitFor(async () => existsSync(out), 5_000, 'the module list');
    const loaded = JSON.parse(readFileSync(out, 'utf8')) as string[];
    expect(loaded).toContain('NativeModule net');
    expect(loaded.filter((m) => NOT_RESIDENT.includes(m))).toEqual([]);
  });

  it('bundles zod/mini, not classic zod', () => {
    const bundle = readFileSync(path.join(ROOT, 'dist/agent/snoozed.js'), 'utf8');
    expect(bundle).toContain('"ZodMiniType"');
    expect(bundle).not.toContain('"ZodType"');
  });
});
