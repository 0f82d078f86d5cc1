// The packaged binary's fuses: what electron-builder.yml asks for (electronFuses), read back
// with @electron/fuses, and a stand-in wire for check-package's fake Electron (the real
// binary cannot be downloaded on the build machines, so electron-builder flips this one).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { FuseV1Options, getCurrentFuseWire } = require('@electron/fuses');
// Not exported by the package's index; the wire format's constants (dist/constants.js).
const { FuseState, SENTINEL } = require('@electron/fuses/dist/constants.js');

/** electron-builder's electronFuses keys → positions in the V1 fuse wire. */
export const FUSE_KEYS = {
  runAsNode: FuseV1Options.RunAsNode,
  enableCookieEncryption: FuseV1Options.EnableCookieEncryption,
  enableNodeOptionsEnvironmentVariable: FuseV1Options.EnableNodeOptionsEnvironmentVariable,
  enableNodeCliInspectArguments: FuseV1Options.EnableNodeCliInspectArguments,
  enableEmbeddedAsarIntegrityValidation: FuseV1Options.EnableEmbeddedAsarIntegrityValidation,
  onlyLoadAppFromAsar: FuseV1Options.OnlyLoadAppFromAsar,
  loadBrowserProcessSpecificV8Snapshot: FuseV1Options.LoadBrowserProcessSpecificV8Snapshot,
  grantFileProtocolExtraPrivileges: FuseV1Options.GrantFileProtocolExtraPrivileges,
};

/**
 * What the app needs whatever else changes: the agent runs on the app's binary in Node mode,
 * and file:// pages get no extra privileges (the renderer comes from app://).
 */
export const REQUIRED_FUSES = { runAsNode: true, grantFileProtocolExtraPrivileges: false, enableNodeCliInspectArguments: false, onlyLoadAppFromAsar: true };

/** electronFuses from electron-builder.yml. */
export function configuredFuses(root) {
  const yaml = require('js-yaml');
  const cfg = yaml.load(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8'));
  return cfg?.electronFuses ?? {};
}

/** Electron's own defaults (V1 wire of 8): on, off, on, on, off, off, off, on. */
const ELECTRON_DEFAULT_WIRE = [1, 0, 1, 1, 0, 0, 0, 1];

/** A file holding only a fuse wire in Electron's format, with Electron's default states. */
export function standInFuseWire(states = ELECTRON_DEFAULT_WIRE) {
  return Buffer.concat([
    Buffer.from('stand-in Electron: no real binary here\0'),
    Buffer.from(SENTINEL, 'ascii'),
    Buffer.from([1, states.length]),
    Buffer.from(states.map((s) => (s ? FuseState.ENABLE : FuseState.DISABLE))),
  ]);
}

/** Mismatches between the binary's wire and the configuration: one sentence each. */
export async function fuseMismatches(binary, configured) {
  const wire = await getCurrentFuseWire(binary);
  const out = [];
  for (const [key, want] of Object.entries(configured)) {
    const i = FUSE_KEYS[key];
    if (i === undefined) {
      out.push(`electronFuses.${key} is not a fuse this check knows`);
      continue;
    }
    const state = wire[i];
    const got = state === FuseState.ENABLE ? true : state === FuseState.DISABLE ? false : `state ${state}`;
    if (got !== want) out.push(`fuse ${key} is ${got}, configured ${want}`);
  }
  for (const [key, want] of Object.entries(REQUIRED_FUSES)) {
    if (configured[key] !== want) out.push(`electronFuses.${key} must be ${want}`);
  }
  return out;
}
