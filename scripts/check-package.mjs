// Checks the desktop package layout offline: runs `electron-builder --linux --dir` with the
// real Electron where one is installed (scripts/electron-binary.mjs), else with a stand-in
// Electron folder (electronDist: a directory whose `electron` is a shell script carrying
// Electron's fuse wire, since the real binary cannot be downloaded here) and asserts where
// everything lands, that the names docks and window managers match agree, that there is no
// default menu, that the fuses read back as configured, and that the agent starts the way
// the app starts it. Needs `npm run build` first. Usage: node scripts/check-package.mjs [--keep]
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findElectron, isElfFile } from './electron-binary.mjs';
import { configuredFuses, fuseMismatches, standInFuseWire } from './fuse-wire.mjs';

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
// The shell exits before it reaches the wire; electron-builder flips the fuses in it.
writeFileSync(path.join(standIn, 'electron'), Buffer.concat([Buffer.from('#!/bin/sh\necho "stand-in Electron: the real runtime is not installed" >&2\nexit 1\n'), standInFuseWire()]));
chmodSync(path.join(standIn, 'electron'), 0o755);
const realElectron = findElectron().path;
const electronDist = realElectron ? path.dirname(realElectron) : standIn;
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
    `-c.electronDist=${electronDist}`,
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

// The packaged agent starts as the app starts it (electron/agent-link.ts, the deb's unit): the app's
// binary in Node mode with the launch flags of the bundle's #! line, from another folder.
// Without a real Electron, Node stands in for the binary; the flags and the folder are the same.
const agentJs = path.join(app, 'resources/agent/snoozed.js');
const shebang = readFileSync(agentJs, 'utf8').split('\n', 1)[0];
const flags = /^#!\/usr\/bin\/env -S node( .*)?$/.exec(shebang)?.[1]?.trim().split(/\s+/) ?? fail(`unexpected first line in snoozed.js: ${shebang}`);
const runner = isElfFile(exe) ? exe : process.execPath;
const v = spawnSync(runner, [...flags, agentJs, '--version'], { encoding: 'utf8', timeout: 30_000, cwd: work, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
if (v.status !== 0 || !v.stdout.startsWith('snoozed ')) fail(`${path.basename(runner)} ${flags.join(' ')} resources/agent/snoozed.js --version failed: ${v.stdout}${v.stderr}`);
if (!unit.includes(`ExecStart=/opt/CloudSnooze/cloudsnooze ${flags.join(' ')} /opt/CloudSnooze/resources/agent/snoozed.js`)) fail('snoozed.service does not start the agent with the same flags');

// Names: Electron's WM_CLASS is the app name; docks match it against StartupWMClass, and
// Wayland's app id (desktopName) against the .desktop file, named after executableName.
const yaml = require('js-yaml');
const builderCfg = yaml.load(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8'));
const mainJs = readFileSync(path.join(root, 'dist/electron/main.cjs'), 'utf8');
const appName = /\bAPP_NAME = "([^"]+)"/.exec(mainJs)?.[1];
const wmClass = builderCfg.linux?.desktop?.entry?.StartupWMClass;
const names = { 'productName (electron-builder.yml)': builderCfg.productName, 'productName (packaged package.json)': pkg.productName, 'StartupWMClass': wmClass, 'APP_NAME (main.cjs)': appName };
if (new Set(Object.values(names)).size !== 1) fail(`the app's names disagree: ${JSON.stringify(names)}`);
if (pkg.desktopName !== `${builderCfg.linux?.executableName}.desktop`) fail(`desktopName ${pkg.desktopName} is not ${builderCfg.linux?.executableName}.desktop`);
// No default application menu (Reload, Toggle Developer Tools on Ctrl+Shift+I).
if (!/\.setApplicationMenu\(null\)/.test(mainJs)) fail('main.cjs does not remove the default application menu (Menu.setApplicationMenu(null))');
// Fuses, read back from the packaged binary.
const fuseProblems = await fuseMismatches(exe, configuredFuses(root));
if (fuseProblems.length) fail(`fuses: ${fuseProblems.join('; ')}`);
// One system agent per host: the headless package's unit must not be overwritten or deleted.
const fpm = builderCfg.deb?.fpm ?? [];
for (const rel of ['--conflicts', '--replaces']) if (fpm[fpm.indexOf(rel) + 1] !== 'cloudsnooze-agent' || !fpm.includes(rel)) fail(`deb.fpm lacks ${rel} cloudsnooze-agent`);

// The deb scripts go through electron-builder's macro expansion, which throws on an unknown ${name}.
const macros = new Set(['executable', 'sanitizedProductName', 'productFilename']);
for (const f of ['build/linux/after-install.sh', 'build/linux/after-remove.sh']) {
  const text = readFileSync(path.join(root, f), 'utf8');
  for (const m of text.matchAll(/\$\{([a-zA-Z]+)\}/g)) if (!macros.has(m[1])) fail(`${f} uses \${${m[1]}}, which electron-builder cannot expand`);
  const tpl = readFileSync(require.resolve(`app-builder-lib/templates/linux/${path.basename(f, '.sh')}.tpl`), 'utf8');
  if (!text.startsWith(tpl.trimEnd())) fail(`${f} no longer starts with electron-builder's own ${path.basename(f, '.sh')}.tpl steps`);
}

console.log(
  `check-package: ok — ${path.relative(root, app)} (${realElectron ? 'real Electron' : 'stand-in Electron'}): cloudsnooze, resources/app.asar (${listing.length} entries, no node_modules), resources/agent (${agentFiles.length} files, --version as the app runs it), resources/linux/snoozed.service; names agree (${appName}), no default menu, fuses as configured`,
);
if (!process.argv.includes('--keep')) rmSync(work, { recursive: true, force: true });
