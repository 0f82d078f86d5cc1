/**
 * "Start at login". Electron's setLoginItemSettings covers macOS and Windows; Linux
 * desktops read XDG autostart entries, so there we write or remove one ourselves.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface LoginItemDeps {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  home: string;
  /** The program to start: the AppImage file when running from one, else the executable. */
  execPath: string;
  getLoginItemSettings(): { openAtLogin: boolean };
  setLoginItemSettings(settings: { openAtLogin: boolean; openAsHidden?: boolean; args?: string[] }): void;
}

/** Flag the app is started with from autostart: stay in the tray, no window. */
export const HIDDEN_FLAG = '--hidden';

export function autostartFile(env: NodeJS.ProcessEnv, home: string): string {
  return path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'autostart', 'cloudsnooze.desktop');
}

/** Desktop Entry spec quoting: the Exec value in double quotes, with " ` $ \ escaped. */
export function quoteExec(arg: string): string {
  return `"${arg.replace(/(["`$\\])/g, '\\$1')}"`;
}

export function autostartEntry(execPath: string): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=CloudSnooze',
    'Comment=Stops this cloud instance when idle; tray icon and dashboard',
    `Exec=${quoteExec(execPath)} ${HIDDEN_FLAG}`,
    'Icon=cloudsnooze',
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/** The AppImage runtime sets APPIMAGE to the file itself; execPath points into a temporary mount. */
export function startCommand(env: NodeJS.ProcessEnv, execPath: string): string {
  return env.APPIMAGE || execPath;
}

export function getOpenAtLogin(d: LoginItemDeps): boolean {
  if (d.platform === 'linux') return fs.existsSync(autostartFile(d.env, d.home));
  return d.getLoginItemSettings().openAtLogin;
}

export function setOpenAtLogin(d: LoginItemDeps, on: boolean): void {
  if (d.platform !== 'linux') {
    d.setLoginItemSettings({ openAtLogin: on, openAsHidden: true, args: [HIDDEN_FLAG] });
    return;
  }
  const file = autostartFile(d.env, d.home);
  if (on) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, autostartEntry(startCommand(d.env, d.execPath)), { mode: 0o644 });
  } else {
    fs.rmSync(file, { force: true });
  }
}
