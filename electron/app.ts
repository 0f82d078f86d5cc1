/**
 * The composition root: wires Electron to the tested pieces (tray view, notifier,
 * supervisor, agent connection, IPC handlers, security). Electron arrives as a
 * parameter so a test can run this with a fake.
 */
import { spawn } from 'node:child_process';
import { request as socketRequest } from '../lib/client.js';
import os from 'node:os';
import path from 'node:path';
import type * as Electron from 'electron';
import type { HistoryEvent, Status } from '../contract/protocol.js';
import { AgentConnection, startInputReporter } from './agent-connection.js';
import { agentPaths, agentSpawnArgs, ensureUserConfig } from './agent-paths.js';
import { DashboardWindow, type View } from './dashboard-window.js';
import type { ConnectionState } from '../contract/ipc.js';
import { registerIpcHandlers } from './ipc-handlers.js';
import { getOpenAtLogin, setOpenAtLogin, startCommand, type LoginItemDeps } from './login-item.js';
import {
  denyAllPermissions,
  guardWebContents,
  installCsp,
  isOwnRendererUrl,
  rendererUrl,
  secureWebPreferences,
  type RendererOrigin,
  type SessionLike,
  type WebContentsLike,
} from './security.js';
import { execNoShell, settingsAuthority, type ExecResult } from './settings-authority.js';
import { AgentSupervisor } from './supervisor.js';
import { panelVariant, TrayController, trayIconPath, traySize } from './tray.js';
import type { TrayAction } from './tray-view.js';
import { WarningNotifier } from './warning-notifier.js';
import { appProtocolHandler } from './app-protocol.js';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES } from './app-scheme.js';
import { gdbusCall, notificationCapabilities, trayHostPresent, type BusCall } from './desktop-bus.js';
import { startPlan } from './launch.js';
import { explainConnectionError, groupFacts } from './permission-advice.js';

export type ElectronModule = Pick<
  typeof Electron,
  'app' | 'BrowserWindow' | 'Tray' | 'Menu' | 'Notification' | 'nativeImage' | 'nativeTheme' | 'ipcMain' | 'powerMonitor' | 'session' | 'shell' | 'protocol'
>;

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

const STAY_AWAKE_REASON = 'Stay awake requested from the desktop app';

function userName(env: NodeJS.ProcessEnv): string {
  try {
    return os.userInfo().username;
  } catch {
    return env.USER || env.LOGNAME || '$USER';
  }
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
  // Before ready, as Electron requires: app:// is a standard, secure origin of its own.
  e.protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);

  const appRoot = path.resolve(o.baseDir, '..', '..');
  const assetsDir = path.join(appRoot, 'assets');
  const origin: RendererOrigin = {
    rendererDir: path.join(appRoot, 'dist', 'renderer'),
    devServerUrl: app.isPackaged ? undefined : env.CLOUDSNOOZE_DEV_SERVER_URL || undefined,
  };
  const bus = o.bus ?? gdbusCall;
  const argv = o.argv ?? process.argv;
  const webPreferences = secureWebPreferences(path.join(o.baseDir, 'preload.cjs'));
  let quitting = false;

  app.on('web-contents-created', (_event, contents) => {
    guardWebContents(
      contents as unknown as WebContentsLike,
      (url) => void e.shell.openExternal(url),
      (url) => isOwnRendererUrl(url, origin),
    );
  });
  // The app lives in the tray: closing the window must not quit it.
  app.on('window-all-closed', () => undefined);

  // Asked while Electron starts; a bus that does not answer costs at most its timeout.
  const trayHostP = platform === 'linux' ? trayHostPresent(bus) : Promise.resolve(null);
  let notificationCaps: string[] | null = null;
  if (platform === 'linux') void notificationCapabilities(bus).then((c) => (notificationCaps = c));

  await app.whenReady();
  // No default application menu: it would offer Reload and Toggle Developer Tools (Ctrl+Shift+I).
  e.Menu.setApplicationMenu(null);
  e.protocol.handle(APP_SCHEME, appProtocolHandler(origin.rendererDir));
  const ses = e.session.defaultSession as unknown as SessionLike;
  installCsp(ses);
  denyAllPermissions(ses);
  const plan = startPlan({ platform, argv, trayHost: await trayHostP });

  const dashboard = new DashboardWindow({
    create: () =>
      new e.BrowserWindow({
        show: false,
        width: 1120,
        height: 780,
        minWidth: 720,
        minHeight: 520,
        title: 'CloudSnooze',
        icon: path.join(assetsDir, 'icons', '256x256.png'),
        backgroundColor: '#111827',
        autoHideMenuBar: true,
        webPreferences,
      }),
    url: rendererUrl(origin),
    isQuitting: () => quitting,
    closeMinimizes: plan.closeMinimizes,
    onLoadError: (err) => log(`cannot load the dashboard (${origin.rendererDir}): ${err.message}`),
  });

  const loginDeps: LoginItemDeps = {
    platform,
    env,
    home: app.getPath('home'),
    execPath: startCommand(env, execPath),
    getLoginItemSettings: () => app.getLoginItemSettings(),
    setLoginItemSettings: (s) => app.setLoginItemSettings(s),
  };

  const notifyError = (what: string, err: unknown) => {
    const msg = `${what}: ${(err as Error).message}`;
    log(msg);
    if (e.Notification.isSupported()) new e.Notification({ title: 'CloudSnooze', body: msg }).show();
  };

  // eslint-disable-next-line prefer-const -- assigned after the tray that dispatches into it exists
  let connection: AgentConnection;
  const act = (what: string, p: Promise<unknown>) => void p.catch((err: unknown) => notifyError(`could not ${what}`, err));
  const openView = (view: View) => dashboard.show(view);

  const dispatch = (action: TrayAction): void => {
    switch (action) {
      case 'postpone:30':
      case 'postpone:60':
      case 'postpone:120':
        return act('postpone', connection.request('POSTPONE', { minutes: Number(action.split(':')[1]) }));
      case 'stay-awake:60':
      case 'stay-awake:240':
        return act('stay awake', connection.request('STAY_AWAKE', { minutes: Number(action.split(':')[1]), reason: STAY_AWAKE_REASON }));
      case 'stay-awake:indefinite':
        return act('stay awake', connection.request('STAY_AWAKE', { reason: STAY_AWAKE_REASON }));
      case 'release':
        return act('release', connection.request('RELEASE'));
      case 'restart-agent':
        tray.update({ agentFailure: null });
        // A start that failed before the supervisor ran has nothing to restart: look again.
        if (startFailed) return startConnection();
        supervisor.start();
        return;
      case 'open-dashboard':
        return openView('dashboard');
      case 'open-settings':
        return openView('settings');
      case 'open-history':
        return openView('history');
      case 'toggle-login':
        try {
          setOpenAtLogin(loginDeps, !getOpenAtLogin(loginDeps));
        } catch (err) {
          notifyError('could not change "Start at login"', err);
        }
        tray.update({ openAtLogin: getOpenAtLogin(loginDeps) });
        return;
      case 'quit':
        app.quit();
        return;
    }
  };

  const tray = new TrayController({
    platform,
    createTray: (iconPath) => {
      const t = new e.Tray(e.nativeImage.createFromPath(iconPath));
      return {
        setImage: (p) => t.setImage(e.nativeImage.createFromPath(p)),
        setToolTip: (s) => t.setToolTip(s),
        setContextMenu: (tpl) => t.setContextMenu(e.Menu.buildFromTemplate(tpl)),
        onClick: (cb) => void t.on('click', cb),
        destroy: () => t.destroy(),
      };
    },
    iconPath: (icon) => trayIconPath(assetsDir, icon, panelVariant(platform, e.nativeTheme.shouldUseDarkColors, env), traySize(platform)),
    dispatch,
    onClick: () => dashboard.show(),
  });

  const notifier = new WarningNotifier({
    platform,
    isSupported: () => e.Notification.isSupported(),
    capabilities: () => notificationCaps,
    // The dashboard shows the countdown and the postpone buttons.
    onUnsupported: () => dashboard.show('dashboard'),
    create: (opts) => new e.Notification(opts),
    onAction: (a) => {
      if (a === 'postpone:30') dispatch('postpone:30');
      else if (a === 'stay-awake') dispatch('stay-awake:indefinite');
      else openView('dashboard');
    },
  });

  const paths = agentPaths({
    env,
    home: app.getPath('home'),
    isPackaged: app.isPackaged,
    resourcesPath: o.resourcesPath ?? process.resourcesPath ?? '',
    appRoot,
  });
  const supervisor = new AgentSupervisor({
    command: execPath,
    // The same node flags as every other launcher (contract/agent-launch.ts), less any Electron refuses in Node mode.
    args: agentSpawnArgs(paths),
    // The app's own binary runs the agent as plain Node: no second runtime to ship.
    env: { ...env, ELECTRON_RUN_AS_NODE: '1' },
    spawn: (cmd, args, so) => spawn(cmd, args, { env: so.env, stdio: ['ignore', 'ignore', 'pipe'] }),
    onState: (s) => {
      if (s.state === 'failed') {
        log(s.error);
        tray.update({ agentFailure: s.error });
        // The subscription only says "not running"; the dashboard should say why.
        dashboard.send('push:connection', { online: false, error: s.error });
      } else if (s.state === 'running') tray.update({ agentFailure: null });
      else if (s.state === 'restarting') log(`bundled agent stopped (${s.lastExit}); restarting in ${s.inMs} ms`);
    },
  });

  connection = new AgentConnection({
    systemSocket: paths.systemSocket,
    userSocket: paths.userSocket,
    bundled: {
      start: async () => {
        await ensureUserConfig(paths);
        supervisor.start();
      },
      stop: () => supervisor.stop(),
    },
    onStatus: (s: Status) => {
      tray.update({ status: s });
      notifier.onStatus(s);
      dashboard.send('push:status', s);
    },
    onEvent: (ev: HistoryEvent) => {
      notifier.onEvent(ev);
      dashboard.send('push:event', ev);
    },
    onConnection: (raw: ConnectionState) => {
      // "Permission denied" alone leaves the user stuck: say which command, and that a new login is needed.
      const c: ConnectionState = raw.online ? raw : { online: false, error: explainConnectionError(raw.error, () => groupFacts(userName(env))) };
      // An agent that answers again (system agent back, manual restart) ends the failure.
      tray.update(c.online ? { connection: c, agentFailure: null } : { connection: c });
      dashboard.send('push:connection', c);
    },
    onSource: (source) => log(`a ${source} agent answers on ${paths.systemSocket}: using it and stopping the bundled agent`),
  });

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

  let startFailed = false;
  function startConnection(): void {
    startFailed = false;
    connection.start().then(
      (source) => log(`using the ${source} agent on ${connection.socketPath}`),
      (err: Error) => {
        startFailed = true;
        log(`could not start the agent: ${err.message}`);
        // The connection already pushed the offline state with this reason.
        tray.update({ agentFailure: err.message });
      },
    );
  }

  let shutdownP: Promise<void> | null = null;
  const shutdown = () => {
    shutdownP ??= (async () => {
      stopInputReporter();
      unregisterIpc();
      tray.stop();
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
  if (plan.notice) {
    log(plan.notice);
    if (e.Notification.isSupported()) new e.Notification({ title: 'CloudSnooze', body: plan.notice }).show();
  }
  startConnection();
  return { shutdown, connection };
}
