/**
 * The desktop package layout, built offline by electron-builder with a stand-in Electron
 * folder (scripts/check-package.mjs asserts app.asar, resources/agent, the systemd unit
 * and the deb scripts). Needs `npm run build` first, as the whole suite does.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('electron-builder --dir with a stand-in Electron', () => {
  it('lays out the app, the bundled agent and the systemd unit where the code and the deb expect them', () => {
    const r = spawnSync(process.execPath, ['scripts/check-package.mjs'], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
    expect(`${r.stdout}${r.stderr}`).toMatch(/^check-package: ok/m);
    expect(r.status).toBe(0);
  }, 300_000);
});
