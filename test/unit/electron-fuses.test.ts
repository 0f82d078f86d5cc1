import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { configuredFuses, FUSE_KEYS, fuseMismatches, REQUIRED_FUSES, standInFuseWire } from '../../scripts/fuse-wire.mjs';

const ROOT = path.resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);
const fuses = require('@electron/fuses') as typeof import('@electron/fuses');

describe('fuses (finding 8)', () => {
  it('electron-builder.yml configures every fuse, with the ones the app relies on', () => {
    const cfg = configuredFuses(ROOT);
    expect(Object.keys(cfg).sort()).toEqual(Object.keys(FUSE_KEYS).sort());
    expect(cfg).toMatchObject(REQUIRED_FUSES);
  });

  it('a wire flipped as configured reads back as configured; an unflipped one does not', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cs-fuses-'));
    try {
      const bin = path.join(dir, 'electron');
      writeFileSync(bin, standInFuseWire());
      const cfg = configuredFuses(ROOT);
      // Electron's defaults leave file:// privileges and --inspect on.
      expect(await fuseMismatches(bin, cfg)).toEqual(expect.arrayContaining(['fuse grantFileProtocolExtraPrivileges is true, configured false']));
      // What electron-builder does with electronFuses (platformPackager.generateFuseConfig).
      const config: Record<string | number, unknown> = { version: fuses.FuseVersion.V1 };
      for (const [k, v] of Object.entries(cfg)) config[FUSE_KEYS[k as keyof typeof FUSE_KEYS]] = v;
      await fuses.flipFuses(bin, config as never);
      expect(await fuseMismatches(bin, cfg)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a configuration that drops what the agent needs is refused', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cs-fuses-'));
    try {
      const bin = path.join(dir, 'electron');
      writeFileSync(bin, standInFuseWire([0, 1, 0, 0, 0, 1, 0, 0]));
      expect(await fuseMismatches(bin, { runAsNode: false })).toContain('electronFuses.runAsNode must be true');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
