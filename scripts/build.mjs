// Builds every runtime: the agent + CLI (esbuild, one ESM bundle with the AWS SDK split
// into a lazily loaded chunk), the Electron main + preload (CJS), and the renderer (Vite).
// `node scripts/build.mjs agent` builds only the agent. Each build typechecks what it bundles
// first (incrementally, see scripts/typecheck.mjs): a type error stops the build.
import { build } from 'esbuild';
import { existsSync, readFileSync, chmodSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { RUNTIMES, typecheck } from './typecheck.mjs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const only = process.argv.slice(2);
const want = (t) => only.length === 0 || only.includes(t);
const define = { __CLOUDSNOOZE_VERSION__: JSON.stringify(pkg.version) };

const unknown = only.filter((t) => !['agent', 'electron', 'renderer'].includes(t));
if (unknown.length) {
  console.error(`build: unknown target ${unknown.join(', ')} (agent, electron, renderer)`);
  process.exit(2);
}
// A whole build checks every runtime, the tests included; a partial one what it bundles.
if (!typecheck(only.length === 0 ? RUNTIMES : only)) {
  console.error('build: typecheck failed, nothing built');
  process.exit(1);
}

if (want('agent')) {
  // Chunk names carry hashes: stale chunks from earlier builds would pile up.
  rmSync('dist/agent', { recursive: true, force: true });
  await build({
    entryPoints: { snoozed: 'agent/main.ts', snooze: 'agent/cli/main.ts' },
    outdir: 'dist/agent',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    define,
    logLevel: 'warning',
    // CJS dependencies bundled into ESM still call require() for Node built-ins.
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __csCreateRequire } from 'node:module';\nconst require = __csCreateRequire(import.meta.url);",
    },
    chunkNames: 'chunks/[name]-[hash]',
  });
  for (const f of ['dist/agent/snoozed.js', 'dist/agent/snooze.js']) if (existsSync(f)) chmodSync(f, 0o755);
  console.log('built dist/agent (snoozed, snooze)');
}

if (want('electron') && existsSync('electron/main.ts')) {
  const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['electron'], define, logLevel: 'warning', sourcemap: true };
  await build({ ...common, entryPoints: ['electron/main.ts'], outfile: 'dist/electron/main.cjs' });
  await build({ ...common, entryPoints: ['electron/preload.ts'], outfile: 'dist/electron/preload.cjs' });
  // The desktop .deb installs the same hardened unit as the headless package, run on the
  // app's own Electron binary in Node mode: one source file, two ExecStart lines.
  const unit = readFileSync('packaging/systemd/snoozed.service', 'utf8');
  const desktopUnit = unit
    .replace(/^ExecStart=\/usr\/bin\/snoozed /m, 'Environment=ELECTRON_RUN_AS_NODE=1\nExecStart=/opt/CloudSnooze/cloudsnooze /opt/CloudSnooze/resources/agent/snoozed.js ')
    .replace(/^Documentation=.*$/m, 'Documentation=file:///opt/CloudSnooze/resources/agent/');
  if (desktopUnit === unit || !desktopUnit.includes('ELECTRON_RUN_AS_NODE')) throw new Error('packaging/systemd/snoozed.service: ExecStart line not found');
  mkdirSync('dist/linux', { recursive: true });
  writeFileSync('dist/linux/snoozed.service', desktopUnit);
  console.log('built dist/electron (main, preload), dist/linux/snoozed.service');
}

if (want('renderer') && existsSync('renderer/index.html')) {
  const r = spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  console.log('built dist/renderer');
}
