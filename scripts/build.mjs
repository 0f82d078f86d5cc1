// Builds every runtime: the agent and the CLI (esbuild, one CommonJS file each, the AWS SDK
// in its own lazily loaded file), the Electron main + preload (CJS), and the renderer (Vite).
// `node scripts/build.mjs agent` builds only the agent. Each build typechecks what it bundles
// first (incrementally, see scripts/typecheck.mjs): a type error stops the build.
import { build } from 'esbuild';
import { existsSync, readFileSync, chmodSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { RUNTIMES, typecheck } from './typecheck.mjs';
import { desktopUnit } from './agent-launch.mjs';

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
/** contract/agent-launch.ts, read through esbuild (it is TypeScript): the flags every launcher gives the agent. */
async function agentLaunch() {
  const r = await build({ entryPoints: ['contract/agent-launch.ts'], bundle: true, write: false, format: 'esm', platform: 'neutral', logLevel: 'warning' });
  return import(`data:text/javascript;base64,${Buffer.from(r.outputFiles[0].text).toString('base64')}`);
}
const launch = await agentLaunch();

if (want('agent')) {
  rmSync('dist/agent', { recursive: true, force: true });
  // CommonJS, not ESM: an ESM entry makes Node load its ESM loader (and fs/promises with
  // it) into the agent for good, about 1 MB of a process that should stay near a bare
  // `node`. No splitting in CommonJS: each entry is one file, and the AWS SDK is its own
  // file (chunks/aws-sdk.js) that only a cloud-task child or a CLI command loads.
  // Each AWS client its own chunk: SNS (notifications) is loaded only by a cloud-task child that publishes.
  const SDK_CHUNKS = { '@aws-sdk/client-ec2': 'aws-sdk.js', '@aws-sdk/client-sns': 'aws-sns.js', '@aws-sdk/client-pricing': 'aws-pricing.js' };
  const sdkChunk = {
    name: 'aws-sdk-chunk',
    setup(b) {
      b.onResolve({ filter: /^@aws-sdk\/client-(ec2|sns|pricing)$/ }, (a) => (a.kind === 'dynamic-import' ? { path: `./chunks/${SDK_CHUNKS[a.path]}`, external: true } : undefined));
      // The Prometheus exporter (prom-client, node:http): loaded only when metrics_listen or
      // metrics_textfile is set, so it is a chunk of its own too.
      b.onResolve({ filter: /\/metrics-export\/exporter\.js$/ }, (a) => (a.kind === 'dynamic-import' ? { path: './chunks/metrics-exporter.js', external: true } : undefined));
    },
  };
  const common = {
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    // import.meta does not exist in CommonJS: the one use (finding the dashboard files) gets the file's URL.
    define: { ...define, 'import.meta.url': '__csImportMetaUrl' },
    logLevel: 'warning',
    plugins: [sdkChunk],
  };
  const metaUrl = "const __csImportMetaUrl = require('node:url').pathToFileURL(__filename).href;";
  await build({
    ...common,
    entryPoints: { snoozed: 'agent/main.ts' },
    outdir: 'dist/agent',
    // `env -S` passes the flags to node: running the file (npm run agent, /usr/bin/snoozed) gives them.
    banner: { js: `${launch.agentShebang()}\n${metaUrl}` },
  });
  await build({ ...common, entryPoints: { snooze: 'agent/cli/main.ts' }, outdir: 'dist/agent', banner: { js: `#!/usr/bin/env node\n${metaUrl}` } });
  // One chunk per AWS client: each is loaded only by a cloud-task child or a CLI command that needs it.
  for (const [pkgName, file] of Object.entries(SDK_CHUNKS)) {
    await build({
      stdin: { contents: `module.exports = require('${pkgName}');`, resolveDir: '.', sourcefile: file, loader: 'js' },
      outfile: `dist/agent/chunks/${file}`,
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      logLevel: 'warning',
    });
  }
  await build({ ...common, entryPoints: { 'metrics-exporter': 'agent/metrics-export/exporter.ts' }, outdir: 'dist/agent/chunks', plugins: [] });
  // The root package.json says "type": "module"; these files are CommonJS.
  writeFileSync('dist/agent/package.json', `${JSON.stringify({ type: 'commonjs' })}\n`);
  for (const f of ['dist/agent/snoozed.js', 'dist/agent/snooze.js']) if (existsSync(f)) chmodSync(f, 0o755);
  console.log(`built dist/agent (snoozed, snooze, ${Object.values(SDK_CHUNKS).map((f) => `chunks/${f}`).join(', ')}, chunks/metrics-exporter.js)`);
}

if (want('electron') && existsSync('electron/main.ts')) {
  const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['electron'], define, logLevel: 'warning', sourcemap: true };
  await build({ ...common, entryPoints: ['electron/main.ts'], outfile: 'dist/electron/main.cjs' });
  await build({ ...common, entryPoints: ['electron/preload.ts'], outfile: 'dist/electron/preload.cjs' });
  // The desktop .deb installs the same hardened unit as the headless package, run on the
  // app's own Electron binary in Node mode: one source file, two ExecStart lines.
  const unit = desktopUnit(readFileSync('packaging/systemd/snoozed.service', 'utf8'), launch.electronNodeFlags());
  mkdirSync('dist/linux', { recursive: true });
  writeFileSync('dist/linux/snoozed.service', unit);
  console.log('built dist/electron (main, preload), dist/linux/snoozed.service');
}

if (want('renderer') && existsSync('renderer/index.html')) {
  const r = spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  console.log('built dist/renderer');
}
