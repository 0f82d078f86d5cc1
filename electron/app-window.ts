/**
 * The dashboard window as Electron builds it: size, icon, colours and the locked-down web
 * preferences. dashboard-window.ts decides when it shows and hides; this file only says
 * what Electron is asked for, so the composition root stays wiring.
 */
import path from 'node:path';
import { DashboardWindow } from './dashboard-window.js';
import type { ElectronModule } from './electron-module.js';
import { rendererUrl, secureWebPreferences, type RendererOrigin } from './security.js';

export interface AppWindowOptions {
  /** Folder of main.cjs, where preload.cjs lies beside it. */
  baseDir: string;
  assetsDir: string;
  origin: RendererOrigin;
  isQuitting(): boolean;
  closeMinimizes: boolean;
  log(msg: string): void;
}

export function appWindow(e: ElectronModule, o: AppWindowOptions): DashboardWindow {
  const webPreferences = secureWebPreferences(path.join(o.baseDir, 'preload.cjs'));
  return new DashboardWindow({
    create: () =>
      new e.BrowserWindow({
        show: false,
        width: 1120,
        height: 780,
        minWidth: 720,
        minHeight: 520,
        title: 'CloudSnooze',
        icon: path.join(o.assetsDir, 'icons', '256x256.png'),
        backgroundColor: '#111827',
        autoHideMenuBar: true,
        webPreferences,
      }),
    url: rendererUrl(o.origin),
    isQuitting: o.isQuitting,
    closeMinimizes: o.closeMinimizes,
    onLoadError: (err) => o.log(`cannot load the dashboard (${o.origin.rendererDir}): ${err.message}`),
    onRendererGone: (d, reloaded) =>
      o.log(`the dashboard's page stopped (${d.reason}${d.exitCode !== undefined ? `, exit code ${d.exitCode}` : ''}); ${reloaded ? 'reloading it' : 'it keeps stopping: reloaded when the window is next opened'}`),
  });
}
