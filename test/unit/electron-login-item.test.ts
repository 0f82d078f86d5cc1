import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { autostartEntry, autostartFile, getOpenAtLogin, quoteExec, setOpenAtLogin, type LoginItemDeps } from '../../electron/login-item.js';

let home: string;
beforeAll(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'cs-login-'));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('start at login', () => {
  it('Linux: writes and removes an XDG autostart entry that starts the app hidden', () => {
    const d: LoginItemDeps = {
      platform: 'linux',
      env: {},
      home,
      execPath: '/opt/Cloud Snooze/cloudsnooze',
      getLoginItemSettings: () => {
        throw new Error('not used on Linux');
      },
      setLoginItemSettings: () => {
        throw new Error('not used on Linux');
      },
    };
    const file = path.join(home, '.config', 'autostart', 'cloudsnooze.desktop');
    expect(autostartFile({}, home)).toBe(file);
    expect(getOpenAtLogin(d)).toBe(false);
    setOpenAtLogin(d, true);
    expect(getOpenAtLogin(d)).toBe(true);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('[Desktop Entry]\nType=Application\nName=CloudSnooze\n');
    expect(text).toContain('Exec="/opt/Cloud Snooze/cloudsnooze" --hidden\n');
    setOpenAtLogin(d, false);
    expect(existsSync(file)).toBe(false);
    expect(getOpenAtLogin(d)).toBe(false);
    setOpenAtLogin(d, false); // idempotent
  });

  it('Exec quoting escapes the characters the Desktop Entry spec reserves', () => {
    expect(quoteExec('/a/b"c$d`e\\f')).toBe('"/a/b\\"c\\$d\\`e\\\\f"');
    expect(autostartEntry('/x')).toMatch(/^Exec="\/x" --hidden$/m);
  });

  it('macOS and Windows use Electron login item settings', () => {
    let settings: unknown;
    const d: LoginItemDeps = {
      platform: 'darwin',
      env: {},
      home,
      execPath: '/Applications/CloudSnooze.app',
      getLoginItemSettings: () => ({ openAtLogin: settings !== undefined && (settings as { openAtLogin: boolean }).openAtLogin }),
      setLoginItemSettings: (s) => void (settings = s),
    };
    setOpenAtLogin(d, true);
    expect(settings).toEqual({ openAtLogin: true, openAsHidden: true, args: ['--hidden'] });
    expect(getOpenAtLogin(d)).toBe(true);
  });
});
