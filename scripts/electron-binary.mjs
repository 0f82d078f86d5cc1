// Finds a real Electron runtime: `npm start` (scripts/start.mjs) and the smoke test
// (test/e2e/electron-smoke.test.ts) both use this, so the test runs exactly where
// `npm start` would open the desktop app. Pure apart from the injected look-ups.
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const ELF = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

/** True when the file starts like a Linux executable (not check-package's shell stand-in). */
export function isElfFile(file) {
  let fd;
  try {
    fd = openSync(file, 'r');
    const b = Buffer.alloc(4);
    return readSync(fd, b, 0, 4, 0) === 4 && b.equals(ELF);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * { path, why }: `path` is the Electron binary or null, `why` one sentence either way.
 * Order: CLOUDSNOOZE_ELECTRON (an explicit binary), then the `electron` package, which
 * honours ELECTRON_OVERRIDE_DIST_PATH and throws when its binary was never downloaded
 * (ELECTRON_SKIP_BINARY_DOWNLOAD=1, as on the build machines).
 * @param {{ env?: NodeJS.ProcessEnv, resolveElectron?: () => unknown, exists?: (p: string) => boolean, isBinary?: (p: string) => boolean }} [o]
 * @returns {{ path: string | null, why: string }}
 */
export function findElectron(o = {}) {
  const env = o.env ?? process.env;
  const exists = o.exists ?? existsSync;
  const isBinary = o.isBinary ?? ((p) => process.platform !== 'linux' || isElfFile(p));
  const explicit = env.CLOUDSNOOZE_ELECTRON;
  if (explicit) {
    if (!exists(explicit)) return { path: null, why: `CLOUDSNOOZE_ELECTRON=${explicit} does not exist` };
    if (!isBinary(explicit)) return { path: null, why: `CLOUDSNOOZE_ELECTRON=${explicit} is not an executable binary` };
    return { path: explicit, why: `CLOUDSNOOZE_ELECTRON=${explicit}` };
  }
  let p;
  try {
    p = (o.resolveElectron ?? (() => createRequire(import.meta.url)('electron')))();
  } catch (err) {
    return { path: null, why: `the electron package has no runtime binary (${String(err?.message ?? err).split('\n')[0]}); install it without ELECTRON_SKIP_BINARY_DOWNLOAD or set CLOUDSNOOZE_ELECTRON` };
  }
  if (typeof p !== 'string') return { path: null, why: 'the electron package did not name a binary (not running under Node?)' };
  if (!exists(p)) return { path: null, why: `the electron package names ${p}, which does not exist` };
  if (!isBinary(p)) return { path: null, why: `${p} is not an executable binary` };
  return { path: p, why: `the electron package's binary ${p}` };
}

/** The packaged app from `electron-builder --linux --dir`, when it holds a real binary. */
export function findUnpackedApp(root, o = {}) {
  const exists = o.exists ?? existsSync;
  const isBinary = o.isBinary ?? isElfFile;
  const exe = path.join(root, 'release', 'linux-unpacked', 'cloudsnooze');
  if (!exists(exe)) return { path: null, why: `${path.relative(root, exe)} does not exist (build it with npx electron-builder --linux --dir)` };
  if (!isBinary(exe)) return { path: null, why: `${path.relative(root, exe)} is not a real Electron binary` };
  return { path: exe, why: path.relative(root, exe) };
}

/**
 * How `npm start` runs the desktop app: from the checkout, with the bundled agent as a dry
 * run (a demo on an EC2 dev box must never stop it; the app adds --dry-run for any
 * unpackaged start, and the variable says so to a packaged one too).
 */
export function electronLaunch(electron, root, env = process.env) {
  return { command: electron, args: [root], env: { ...env, CLOUDSNOOZE_AGENT_DRY_RUN: '1' } };
}
