import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// The one-way arrows between the parts (docs/architecture.md), checked on every import and
// re-export, type-only ones included:
//
//   contract/  imports nothing but zod and itself (no Node, no DOM, no other part)
//   lib/       contract/ and Node; not agent/, electron/, renderer/
//   agent/     contract/, lib/ and Node; not electron/, renderer/
//   agent/policy*.ts, schedule.ts, clock-jump.ts, fleet-pins.ts  pure: contract/ and the
//              policy* files only (no I/O of any kind; their tests run on a fake clock)
//   electron/  contract/, lib/ and Node; not agent/ (it talks to the agent over the socket), not renderer/
//   renderer/  contract/ and browser packages; not agent/, electron/, lib/, nor Node built-ins
//
// Everywhere: zod only as zod/mini (classic `zod` keeps ~700 KB more code and ~5 MB more
// resident in the agent; contract/zod-locale.ts gives mini the same English messages).
//
// test/unit/import-rules.test.ts lints a deliberate violation in each folder.
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const builtins = builtinModules.filter((m) => !m.startsWith('_')).map(escape).join('|');

const node = (who) => ({ regex: `^(node:|(${builtins})(/|$))`, message: `${who} runs without Node: no Node built-ins.` });
const parts = (who, folders, why) => ({ regex: `^(\\.\\./)+(${folders.join('|')})(/|$)`, message: `${who} must not import ${folders.map((f) => `${f}/`).join(', ')}: ${why}` });
const miniZod = {
  regex: '^zod(/v[34](/classic)?)?(/index(\\.c?js)?)?$',
  message: 'use zod/mini (`import * as z from \'zod/mini\'`): classic zod costs the agent ~5 MB resident; the contract sets the same English messages.',
};
// A file matched by several entries gets the last one's patterns only, so every entry carries miniZod.
const restrict = (files, ...patterns) => ({ files, rules: { 'no-restricted-imports': ['error', { patterns: [...patterns, miniZod] }] } });

/** The agent's pure modules, as docs/architecture.md names them. */
const PURE_AGENT_FILES = ['agent/policy*.ts', 'agent/schedule.ts', 'agent/clock-jump.ts', 'agent/fleet-pins.ts'];
const agentRule = parts('agent/', ['electron', 'renderer'], 'the agent runs headless; shared facts live in contract/.');
const importRules = [
  restrict(['**/*.{ts,tsx,js,mjs,cjs}']),
  restrict(['contract/**/*.ts'], {
    regex: '^(?!zod(/|$)|\\./)',
    message: 'contract/ imports only zod and its own modules: it is the layer every part shares, so no Node, DOM or other part.',
  }),
  restrict(['lib/**/*.ts'], parts('lib/', ['agent', 'electron', 'renderer'], 'lib/ holds Node helpers shared by the agent and the app; it depends on contract/ only.')),
  restrict(['agent/**/*.ts'], agentRule),
  restrict(PURE_AGENT_FILES, {
    regex: '^(?!\\./policy[\\w-]*(\\.js)?$|\\.\\./contract/)',
    message: 'this agent module is pure (docs/architecture.md: samples, config and a time in, a decision out): it imports only contract/ and the policy* modules, nothing that does I/O.',
  }),
  restrict(['electron/**/*.ts'], parts('electron/', ['agent', 'renderer'], 'the app reaches the agent through the socket (lib/client.ts) and shares facts through contract/.')),
  restrict(
    ['renderer/**/*.{ts,tsx}'],
    parts('renderer/', ['agent', 'electron', 'lib'], 'the same bundle runs in Electron and in a browser; shared facts live in contract/.'),
    node('renderer/'),
  ),
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'release/**', 'bench/results/**', 'test/artifacts/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  { files: ['renderer/**'], languageOptions: { globals: { ...globals.browser } } },
  ...importRules,
  {
    // The long-lived agent: the global `performance` loads perf_hooks and ten modules for good (agent/mono-clock.ts instead).
    files: ['agent/**/*.ts'],
    ignores: ['agent/cli/**', 'agent/dashboard/**'],
    rules: { 'no-restricted-globals': ['error', { name: 'performance', message: 'use monoNowMs() from agent/mono-clock.ts: `performance` keeps perf_hooks resident in the agent.' }] },
  },
);
