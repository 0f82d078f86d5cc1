/**
 * What the app does at start: the dashboard shows unless the app was started with
 * --hidden (the autostart entry, login-item.ts), and always when no tray host can be
 * seen, because then the window (and the launcher entry) is the only way in.
 */
import { HIDDEN_FLAG } from './login-item.js';

export function startedHidden(argv: readonly string[]): boolean {
  return argv.includes(HIDDEN_FLAG);
}

export interface StartPlan {
  showWindow: boolean;
  /**
   * Closing the window minimizes it instead of hiding it: with no tray to bring it back a
   * hidden window would leave the app running with no way in but the launcher.
   */
  closeMinimizes: boolean;
  /** Said once, in the log and as a notification. */
  notice: string | null;
}

export const NO_TRAY_NOTICE =
  'No system tray found (on GNOME, install the AppIndicator extension: gnome-shell-extension-appindicator). CloudSnooze keeps its window open instead; open it again from the application menu.';

/** `trayHost`: true/false from the session bus, null when unknown (non-Linux, no bus). */
export function startPlan(o: { platform: NodeJS.Platform; argv: readonly string[]; trayHost: boolean | null }): StartPlan {
  const noTray = o.platform === 'linux' && o.trayHost === false;
  return {
    showWindow: noTray || !startedHidden(o.argv),
    closeMinimizes: noTray,
    notice: noTray ? NO_TRAY_NOTICE : null,
  };
}
