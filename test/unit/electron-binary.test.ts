import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { electronLaunch, findElectron, findUnpackedApp, isElfFile } from '../../scripts/electron-binary.mjs';

describe('finding a real Electron (npm start and the smoke test)', () => {
  const yes = () => true;
  it('the electron package without its binary (as on these machines): none, with why', () => {
    const r = findElectron({
      env: {},
      resolveElectron: () => {
        throw new Error('Electron failed to install correctly, please delete node_modules/electron and try installing again');
      },
    });
    expect(r.path).toBeNull();
    expect(r.why).toMatch(/no runtime binary.*ELECTRON_SKIP_BINARY_DOWNLOAD/);
  });

  it('the package names a binary that exists and is one: that binary', () => {
    expect(findElectron({ env: {}, resolveElectron: () => '/e/electron', exists: yes, isBinary: yes })).toEqual({ path: '/e/electron', why: "the electron package's binary /e/electron" });
    expect(findElectron({ env: {}, resolveElectron: () => '/e/electron', exists: () => false, isBinary: yes }).path).toBeNull();
    expect(findElectron({ env: {}, resolveElectron: () => '/e/electron', exists: yes, isBinary: () => false }).path).toBeNull();
  });

  it('CLOUDSNOOZE_ELECTRON wins, and must be a real binary', () => {
    const never = () => {
      throw new Error('not asked');
    };
    expect(findElectron({ env: { CLOUDSNOOZE_ELECTRON: '/x/electron' }, resolveElectron: never, exists: yes, isBinary: yes }).path).toBe('/x/electron');
    expect(findElectron({ env: { CLOUDSNOOZE_ELECTRON: '/x/electron' }, resolveElectron: never, exists: () => false }).why).toMatch(/does not exist/);
  });

  it('the real look-up here says why it found none (or names a binary)', () => {
    const r = findElectron();
    expect(r.why.length).toBeGreaterThan(10);
  });

  it("check-package's shell stand-in is not an Electron binary; an ELF file is", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cs-elf-'));
    try {
      writeFileSync(path.join(dir, 'sh'), '#!/bin/sh\nexit 1\n');
      writeFileSync(path.join(dir, 'elf'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]));
      expect(isElfFile(path.join(dir, 'sh'))).toBe(false);
      expect(isElfFile(path.join(dir, 'elf'))).toBe(true);
      expect(isElfFile(path.join(dir, 'missing'))).toBe(false);
      expect(findUnpackedApp(dir).path).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('npm start runs the app from the checkout and asks for a dry-run agent (finding 3)', () => {
    const l = electronLaunch('/e/electron', '/src/cs', { PATH: '/usr/bin' });
    expect(l).toEqual({ command: '/e/electron', args: ['/src/cs'], env: { PATH: '/usr/bin', CLOUDSNOOZE_AGENT_DRY_RUN: '1' } });
  });
});
