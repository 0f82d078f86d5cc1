// Checks the desktop package layout offline: runs `electron-builder --linux --dir` with a
// stand-in Electron folder (electronDist: a directory whose `electron` is a shell script,
// since the real binary cannot be downloaded here) and asserts where everything lands.
// Needs `npm run build` first. Usage: node scripts/check-package.mjs [--keep]
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const work = path.join(root, '.tmp', 'package-check');
const standIn = path.join(work, 'electron-dist');
const out = path.join(work, 'release');

const fail = (msg) => {
  console.error(`check-package: ${msg}`);
  process.exit(1);
};

for (const f of ['dist/electron/main.cjs', 'dist/electron/preload.cjs', 'dist/agent/snoozed.js', 'dist/renderer/index.html']) {
  if (!existsSync(path.join(root, f))) fail(`${f} is missing: run npm run build first`);
}

rmSync(work, { recursive: true, force: true });
mkdirSync(path.join(standIn, 'resources'), { recursive: true });
writeFileSync(path.join(standIn, 'electron'), '#!/bin/sh\necho "stand-in Electron: the real runtime is not installed" >&2\nexit 1\n');
chmodSync(path.join(standIn, 'electron'), 0o755);
writeFileSync(path.join(standIn, 'chrome-sandbox'), '');
writeFileSync(path.join(standIn, 'LICENSE'), 'stand-in\n');
writeFileSync(path.join(standIn, 'version'), require('electron/package.json').version);

const r = spawnSync(
  process.execPath,
  [
    require.resolve('electron-builder/cli.js'),
    '--linux',
    '--dir',
    '--publish',
    'never',
    `-c.electronDist=${standIn}`,
    `-c.directories.output=${out}`,
  ],
  { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' }, timeout: 300_000 },
);
if (r.status !== 0) fail(`electron-builder failed (exit ${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);

const app = path.join(out, 'linux-unpacked');
const expectFile = (rel, what) => {
  const p = path.join(app, rel);
  if (!existsSync(p)) fail(`${rel} missing (${what})`);
  return p;
};
const exe = expectFile('cloudsnooze', 'the renamed Electron executable');
if (!(statSync(exe).mode & 0o100)) fail('cloudsnooze is not executable');
expectFile('resources/app.asar', 'the app archive');
expectFile('resources/agent/snoozed.js', 'the bundled agent');
expectFile('resources/agent/snooze.js', 'the CLI');
const agentPkg = JSON.parse(readFileSync(expectFile('resources/agent/package.json', 'marks the agent bundle as ESM'), 'utf8'));
if (agentPkg.type !== 'commonjs') fail('resources/agent/package.json must say "type": "commonjs"');
const unit = readFileSync(expectFile('resources/linux/snoozed.service', 'the systemd unit the deb installs'), 'utf8');
if (!unit.includes('/opt/CloudSnooze/resources/agent/snoozed.js')) fail('snoozed.service does not run /opt/CloudSnooze/resources/agent/snoozed.js');
if (!unit.includes('ExecStart=/opt/CloudSnooze/cloudsnooze ')) fail('snoozed.service does not run the packaged executable');

const asar = require('@electron/asar');
const listing = asar.listPackage(path.join(app, 'resources', 'app.asar'), { isPack: false }).map((p) => p.replaceAll('\\', '/'));
for (const f of ['/package.json', '/dist/electron/main.cjs', '/dist/electron/preload.cjs', '/dist/renderer/index.html', '/assets/tray/active-dark-22.png', '/assets/tray/active-dark-22@2x.png']) {
  if (!listing.includes(f)) fail(`app.asar lacks ${f}`);
}
const leaks = listing.filter((p) => p.startsWith('/node_modules/') || p.endsWith('.map') || p.startsWith('/agent/') || p.startsWith('/electron/'));
if (leaks.length) fail(`app.asar holds files it should not: ${leaks.slice(0, 5).join(', ')}${leaks.length > 5 ? ' …' : ''}`);
const pkg = JSON.parse(asar.extractFile(path.join(app, 'resources', 'app.asar'), 'package.json').toString());
if (pkg.main !== 'dist/electron/main.cjs') fail(`packaged package.json main is ${pkg.main}`);

const agentFiles = spawnSync('find', ['resources/agent', '-type', 'f'], { cwd: app, encoding: 'utf8' }).stdout.trim().split('\n');
if (agentFiles.some((f) => f.endsWith('.map'))) fail('source maps shipped under resources/agent');

// The packaged agent starts from resources/agent (Node here stands in for Electron in Node mode).
const v = spawnSync(process.execPath, [path.join(app, 'resources/agent/snoozed.js'), '--version'], { encoding: 'utf8', timeout: 30_000 });
if (v.status !== 0 || !v.stdout.startsWith('snoozed ')) fail(`resources/agent/snoozed.js --version failed: ${v.stdout}${v.stderr}`);

// The deb scripts go through electron-builder's macro expansion, which throws on an unknown ${name}.
const macros = new Set(['executable', 'sanitizedProductName', 'productFilename']);
for (const f of ['build/linux/after-install.sh', 'build/linux/after-remove.sh']) {
  const text = readFileSync(path.join(root, f), 'utf8');
  for (const m of text.matchAll(/\$\{([a-zA-Z]+)\}/g)) if (!macros.has(m[1])) fail(`${f} uses \${${m[1]}}, which electron-builder cannot expand`);
  const tpl = readFileSync(require.resolve(`app-builder-lib/templates/linux/${path.basename(f, '.sh')}.tpl`), 'utf8');
  if (!text.startsWith(tpl.trimEnd())) fail(`${f} no longer starts with electron-builder's own ${path.basename(f, '.sh')}.tpl steps`);
}

console.log(
  `check-package: ok — ${path.relative(root, app)}: cloudsnooze, resources/app.asar (${listing.length} entries, no node_modules), resources/agent (${agentFiles.length} files), resources/linux/snoozed.service`,
);
if (!process.argv.includes('--keep')) rmSync(work, { recursive: true, force: true });
