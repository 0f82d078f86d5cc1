/**
 * The composition root: wires Electron to the tested pieces (window, tray, notices, the
 * agent link, IPC handlers, security) in the order Electron allows. Electron arrives as a
 * parameter so a test can run this with a fake; each piece lives in the file named for it.
 */
import path from 'node:path';
import { request as socketRequest } from '../lib/client.js';
import { startInputReporter, type AgentConnection } from './agent-connection.js';
import { linkAgent } from './agent-link.js';
import { agentPaths } from './agent-paths.js';
import { appNotices, notificationCapsProbe } from './app-notices.js';
import { appTray } from './app-tray.js';
import { appWindow } from './app-window.js';
import { gdbusCall, trayHostPresent, type BusCall } from './desktop-bus.js';
import type { ElectronModule } from './electron-module.js';
import { registerIpcHandlers } from './ipc-handlers.js';
import { startPlan } from './launch.js';
import { getOpenAtLogin, setOpenAtLogin, startCommand, type LoginItemDeps } from './login-item.js';
import { lockDownAfterReady, lockDownBeforeReady } from './secure-app.js';
import type { RendererOrigin } from './security.js';
import { execNoShell, settingsAuthority, type ExecResult } from './settings-authority.js';
import { trayActionOf, trayDispatcher } from './tray-actions.js';

export type { ElectronModule } from './electron-module.js';

/**
 * The app's name, which Electron also uses as the X11 WM_CLASS: it must equal the desktop
 * entry's StartupWMClass (electron-builder.yml), or docks do not link the window to its
 * launcher. scripts/check-package.mjs checks they agree.
 */
export const APP_NAME = 'CloudSnooze';

export interface RunOptions {
  /** Folder of main.cjs: dist/electron in development, app.asar/dist/electron when packaged. */
  baseDir: string;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  execPath?: string;
  resourcesPath?: string;
  log?: (msg: string) => void;
  /** Runs pkexec for a settings unlock; tests inject a fake. */
  exec?: (file: string, args: string[]) => Promise<ExecResult>;
  /** The app's command line (process.argv): --hidden starts it in the tray. */
  argv?: readonly string[];
  /** Session bus queries (tray host, notification capabilities); tests inject a fake. */
  bus?: BusCall;
}

export interface RunningApp {
  shutdown(): Promise<void>;
  connection: AgentConnection;
}

export async function runApp(e: ElectronModule, o: RunOptions): Promise<RunningApp | null> {
  const { app } = e;
  const env = o.env ?? process.env;
  const platform = o.platform ?? process.platform;
  const execPath = o.execPath ?? process.execPath;
  const log = o.log ?? ((m: string) => console.error(`cloudsnooze: ${m}`));

  // First: the single-instance lock lives in the user-data folder, which follows the name.
  app.setName(APP_NAME);
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return null;
  }

  const appRoot = path.resolve(o.baseDir, '..', '..');
  const assetsDir = path.join(appRoot, 'assets');
  const origin: RendererOrigin = {
    rendererDir: path.join(appRoot, 'dist', 'renderer'),
    devServerUrl: app.isPackaged ? undefined : env.CLOUDSNOOZE_DEV_SERVER_URL || undefined,
  };
  const bus = o.bus ?? gdbusCall;
  const argv = o.argv ?? process.argv;
  let quitting = false;

  lockDownBeforeReady(e, origin);
  // The app lives in the tray: closing the window must not quit it.
  app.on('window-all-closed', () => undefined);

  // Asked while Electron starts; a bus that does not answer costs at most its timeout.
  const trayHostP = platform === 'linux' ? trayHostPresent(bus) : Promise.resolve(null);
  const capabilities = notificationCapsProbe(platform, bus);

  await app.whenReady();
  lockDownAfterReady(e, origin);
  const plan = startPlan({ platform, argv, trayHost: await trayHostP });

  const dashboard = appWindow(e, { baseDir: o.baseDir, assetsDir, origin, isQuitting: () => quitting, closeMinimizes: plan.closeMinimizes, log });

  const loginDeps: LoginItemDeps = {
    platform,
    env,
    home: app.getPath('home'),
    execPath: startCommand(env, execPath),
    getLoginItemSettings: () => app.getLoginItemSettings(),
    setLoginItemSettings: (s) => app.setLoginItemSettings(s),
  };

  // The tray, the notices and the agent link need each other: each reaches the others only from callbacks.
  const dispatch = trayDispatcher({
    request: (c, p) => link.connection.request(c, p),
    restartAgent: () => link.restart(),
    open: (view) => dashboard.show(view),
    openAtLogin: { get: () => getOpenAtLogin(loginDeps), set: (on) => setOpenAtLogin(loginDeps, on) },
    showOpenAtLogin: (on) => tray.update({ openAtLogin: on }),
    quit: () => app.quit(),
    fail: (what, err) => notices.fail(what, err),
  });
  const tray = appTray(e, { platform, env, assetsDir, dispatch, onClick: () => dashboard.show() });
  const notices = appNotices(e, {
    platform,
    log,
    capabilities,
    showDashboard: () => dashboard.show('dashboard'),
    onAction: (a) => dispatch(trayActionOf(a)),
  });
  const paths = agentPaths({
    env,
    home: app.getPath('home'),
    isPackaged: app.isPackaged,
    resourcesPath: o.resourcesPath ?? process.resourcesPath ?? '',
    appRoot,
  });
  const link = linkAgent({ env, execPath, paths, log, tray, notifier: notices.notifier, dashboard });
  const { connection } = link;

  const unregisterIpc = registerIpcHandlers(e.ipcMain as never, {
    request: (c, p) => connection.request(c, p),
    connection: () => connection.connection,
    origin,
    log,
    settings: settingsAuthority({
      socketPath: () => connection.socketPath,
      request: (sock, c, p) => socketRequest(sock, c, p),
      exec: o.exec ?? execNoShell,
    }),
  });

  const stopInputReporter = startInputReporter({
    getIdleSeconds: () => e.powerMonitor.getSystemIdleTime(),
    isOnline: () => connection.connection.online,
    send: (report) => connection.request('INPUT_ACTIVITY', { ...report, source: 'desktop' }),
    onAvailability: (reason) => log(reason ? `desktop input idle unavailable: ${reason}; it is not counted` : 'desktop input idle works again'),
  });

  app.on('second-instance', () => dashboard.show());
  // macOS: a click on the dock icon of a running app.
  app.on('activate', () => dashboard.show());

  let shutdownP: Promise<void> | null = null;
  const shutdown = () => {
    shutdownP ??= (async () => {
      stopInputReporter();
      unregisterIpc();
      tray.stop();
      // A final warning left on screen (critical, no timeout) would outlive the app: its "click to
      // postpone" reaches nobody, and the bundled agent that would stop the instance stops with us.
      notices.notifier.close();
      await connection.stop();
    })();
    return shutdownP;
  };
  app.on('before-quit', (ev) => {
    if (quitting) return;
    quitting = true;
    // Stop the bundled agent before the process goes; then quit for real.
    ev.preventDefault();
    void shutdown().finally(() => app.quit());
  });

  tray.start();
  tray.update({ openAtLogin: getOpenAtLogin(loginDeps) });
  if (plan.showWindow) dashboard.show();
  else dashboard.preload();
  // The AppImage's AppRun adds --no-sandbox where unprivileged user namespaces are restricted
  // (Ubuntu 24.04+): say so once, with the way to keep the sandbox.
  if (env.APPIMAGE && argv.includes('--no-sandbox')) {
    log("running from an AppImage without Chromium's sandbox: this system restricts unprivileged user namespaces; the .deb package keeps the sandbox (it installs an AppArmor profile)");
  }
  if (plan.notice) notices.say(plan.notice);
  link.start();
  return { shutdown, connection };
}
