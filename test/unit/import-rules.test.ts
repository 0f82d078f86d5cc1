/**
 * The one-way arrows between the parts (eslint.config.js): lints a deliberate violation as
 * if it were a file in each folder (lintText with a filePath, so the folder's rules apply,
 * nothing written) and checks the rule fires on exactly the forbidden imports, and that
 * the allowed ones pass.
 */
import path from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

interface Case {
  /** A file that does not exist, in the folder whose rules apply. */
  file: string;
  forbidden: string[];
  allowed: string[];
}

const CASES: Case[] = [
  {
    file: 'contract/zz-import-rules.ts',
    forbidden: ['node:fs', 'fs', '../agent/daemon.js', '../electron/app.js', '../renderer/store.js', '../lib/client.js', 'react', 'zod', 'zod/v4'],
    allowed: ['zod/mini', 'zod/v4/locales/en.js', './protocol.js'],
  },
  {
    file: 'lib/zz-import-rules.ts',
    forbidden: ['../agent/daemon.js', '../electron/app.js', '../renderer/store.js', 'zod'],
    allowed: ['node:net', '../contract/protocol.js', './fs-atomic.js'],
  },
  {
    file: 'agent/zz-import-rules.ts',
    forbidden: ['../electron/app.js', '../renderer/store.js', 'zod', 'zod/v4/classic'],
    allowed: ['zod/mini', 'node:fs', '../lib/client.js', '../contract/protocol.js', './daemon.js'],
  },
  {
    file: 'agent/cli/zz-import-rules.ts',
    forbidden: ['../../electron/app.js', '../../renderer/format.js'],
    allowed: ['../../lib/client.js', '../daemon.js'],
  },
  {
    file: 'agent/policy-zz.ts',
    forbidden: ['node:fs', 'node:net', 'node:child_process', 'fs/promises', '../lib/fs-atomic.js', './server.js', './daemon.js', './history.js', './metrics/sampler.js', '../electron/app.js', 'zod'],
    allowed: ['../contract/protocol.js', './policy-types.js', './policy.js'],
  },
  // The other modules docs/architecture.md calls pure (their tests drive them with a fake clock).
  ...['agent/schedule.ts', 'agent/clock-jump.ts', 'agent/fleet-pins.ts'].map((file) => ({
    file,
    forbidden: ['node:fs', 'node:child_process', '../lib/fs-atomic.js', './daemon.js', './local-stamp.js', './aws/own-tags.js'],
    allowed: ['../contract/schedule.js', '../contract/config-schema.js', './policy-types.js'],
  })),
  {
    file: 'electron/zz-import-rules.ts',
    forbidden: ['../agent/daemon.js', '../agent/cli/format.js', '../renderer/store.js', 'zod'],
    allowed: ['zod/mini', 'electron', 'node:path', '../lib/client.js', '../contract/ipc.js'],
  },
  {
    file: 'renderer/zz-import-rules.ts',
    forbidden: ['node:fs', 'path', 'child_process', '../electron/preload-api.js', '../agent/cli/format.js', '../lib/client.js', 'zod'],
    allowed: ['react', 'zustand', '../contract/protocol.js', './store.js'],
  },
  {
    file: 'renderer/views/zz-import-rules.tsx',
    forbidden: ['../../agent/daemon.js', '../../electron/app.js', '../../lib/fs-atomic.js', 'node:os', 'zod'],
    allowed: ['react', '../../contract/time-format.js', '../format.js'],
  },
  {
    // Outside the parts too (tests, scripts, bench): one zod build everywhere.
    file: 'test/unit/zz-import-rules.test.ts',
    forbidden: ['zod', 'zod/v3', 'zod/v4/index.js'],
    allowed: ['zod/mini', 'zod/v4/core', 'node:fs', '../../agent/daemon.js'],
  },
];

/** One import form per line, cycling through plain, type-only and re-export. */
function source(specifiers: string[]): string {
  return specifiers
    .map((s, i) => [`import '${s}';`, `import type { T${i} } from '${s}';\nexport type { T${i} };`, `export * from '${s}';`][i % 3]!)
    .join('\n');
}

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: ROOT });
});

async function restricted(file: string, specifiers: string[]): Promise<string[]> {
  const [result] = await eslint.lintText(source(specifiers), { filePath: path.join(ROOT, file) });
  const messages = result!.messages;
  const fatal = messages.filter((m) => m.fatal);
  expect(fatal, 'the snippet parses').toEqual([]);
  const hits = messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
  return specifiers.filter((s) => hits.some((h) => h.startsWith(`'${s}' import is restricted`)));
}

describe('import rules', () => {
  it.each(CASES)('$file: the forbidden imports fail the lint', async ({ file, forbidden }) => {
    expect(await restricted(file, forbidden)).toEqual(forbidden);
  });

  it.each(CASES)('$file: the allowed imports pass', async ({ file, allowed }) => {
    expect(await restricted(file, allowed)).toEqual([]);
  });

  it('names the rule it broke', async () => {
    const [result] = await eslint.lintText("import { readFile } from 'node:fs';\nexport const r = readFile;\n", { filePath: path.join(ROOT, 'agent/policy-zz.ts') });
    expect(result!.messages.map((m) => m.message)).toEqual([expect.stringMatching(/this agent module is pure/)]);
  });
});
