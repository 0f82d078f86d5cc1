/**
 * The composition root with a fake Electron and the real built agent: no system agent,
 * so the app starts its bundled agent (per-user socket, config, history), shows its
 * state in the tray, notifies at the warning, acts from the tray menu and IPC, and
 * stops the agent on quit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request } from '../../lib/client.js';
import { runApp, type ElectronModule, type RunningApp } from '../../electron/app.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SNOOZED = path.join(ROOT, 'dist/agent/snoozed.js');

type Listener = (...args: unknown[]) => unknown;

function fakeElectron(home: string) {
  const rec = {
    appListeners: {} as Record<string, Listener[]>,
    quit: 0,
    trays: [] as { images: string[]; tooltips: string[]; menus: MenuItemConstructorOptions[][]; destroyed: boolean }[],
    notifications: [] as { title: string; body: string; closed: boolean }[],
    windows: [] as { opts: Record<string, unknown>; url?: string; sent: [string, unknown][]; shown: number }[],
    handlers: new Map<string, Listener>(),
    csp: 0,
    permissions: 0,
    name: '',
    appMenu: undefined as unknown,
    schemes: [] as unknown[],
    protocolHandlers: new Map<string, (req: { url: string; method?: string }) => Promise<Response>>(),
  };
  class Tray {
    r = { images: [] as string[], tooltips: [] as string[], menus: [] as MenuItemConstructorOptions[][], destroyed: false };
    constructor(img: { path: string }) {
      this.r.images.push(img.path);
      rec.trays.push(this.r);
    }
    setImage(img: { path: string }) {
      this.r.images.push(img.path);
    }
    setToolTip(t: string) {
      this.r.tooltips.push(t);
    }
    setContextMenu(m: MenuItemConstructorOptions[]) {
      this.r.menus.push(m);
    }
    on() {
      return this;
    }
    destroy() {
      this.r.destroyed = true;
    }
  }
  class Notification {
    static isSupported() {
      return true;
    }
    r: { title: string; body: string; closed: boolean };
    constructor(o: { title: string; body: string }) {
      this.r = { title: o.title, body: o.body, closed: false };
    }
    on() {
      return this;
    }
    show() {
      rec.notifications.push(this.r);
    }
    close() {
      this.r.closed = true;
    }
  }
  class BrowserWindow {
    r: { opts: Record<string, unknown>; url?: string; sent: [string, unknown][]; shown: number } = { opts: {}, sent: [], shown: 0 };
    webContents = {
      send: (c: string, p: unknown) => void this.r.sent.push([c, p]),
      isLoading: () => false,
      once: () => undefined,
      on: () => undefined,
      reload: () => undefined,
    };
    constructor(opts: Record<string, unknown>) {
      this.r.opts = opts;
      rec.windows.push(this.r);
    }
    show() {
      this.r.shown++;
    }
    hide() {}
    minimize() {}
    focus() {}
    isDestroyed() {
      return false;
    }
    isMinimized() {
      return false;
    }
    restore() {}
    on() {
      return this;
    }
    async loadURL(u: string) {
      this.r.url = u;
    }
  }
  const app = {
    requestSingleInstanceLock: () => true,
    quit: () => void rec.quit++,
    on: (ev: string, l: Listener) => {
      (rec.appListeners[ev] ??= []).push(l);
      return app;
    },
    whenReady: async () => undefined,
    isPackaged: false,
    getPath: () => home,
    getLoginItemSettings: () => ({ openAtLogin: false }),
    setLoginItemSettings: () => undefined,
    setName: (n: string) => void (rec.name = n),
  };
  const electron = {
    app,
    Tray,
    Notification,
    BrowserWindow,
    Menu: { buildFromTemplate: (t: MenuItemConstructorOptions[]) => t, setApplicationMenu: (m: unknown) => void (rec.appMenu = m) },
    protocol: {
      registerSchemesAsPrivileged: (s: unknown[]) => void rec.schemes.push(...s),
      handle: (scheme: string, h: (req: { url: string }) => Promise<Response>) => void rec.protocolHandlers.set(scheme, h),
    },
    nativeImage: { createFromPath: (p: string) => ({ path: p }) },
    nativeTheme: { shouldUseDarkColors: false },
    ipcMain: { handle: (c: string, l: Listener) => void rec.handlers.set(c, l), removeHandler: (c: string) => void rec.handlers.delete(c) },
    powerMonitor: { getSystemIdleTime: () => 99_999 },
    session: {
      defaultSession: {
        webRequest: { onHeadersReceived: () => void rec.csp++ },
        setPermissionRequestHandler: () => void rec.permissions++,
        setPermissionCheckHandler: () => undefined,
      },
    },
    shell: { openExternal: async () => undefined },
  };
  return { electron: electron as unknown as ElectronModule, rec };
}

/** The command line of the process started with `--socket <socket>`, from /proc. */
function agentCommandLine(socket: string): string[] {
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    let args: string[];
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const i = args.indexOf('--socket');
    if (i >= 0 && args[i + 1] === socket) return args;
  }
  return [];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(what: string, f: () => T | undefined | false, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('runApp with a fake Electron and the real bundled agent', () => {
  let dir: string;
  let running: RunningApp | null = null;
  const logs: string[] = [];
  let fake: ReturnType<typeof fakeElectron>;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    if (!existsSync(SNOOZED)) throw new Error(`${SNOOZED} missing: run node scripts/build.mjs agent first`);
    dir = mkdtempSync(path.join(os.tmpdir(), 'cs-app-'));
    env = {
      PATH: process.env.PATH,
      CLOUDSNOOZE_SOCKET: path.join(dir, 'no-system-agent.sock'),
      XDG_RUNTIME_DIR: path.join(dir, 'run'),
      XDG_CONFIG_HOME: path.join(dir, 'config'),
      XDG_STATE_HOME: path.join(dir, 'state'),
      // Never write to real terminals, never look like EC2, no GPU tools.
      CLOUDSNOOZE_TTY_WARNINGS: '0',
      CLOUDSNOOZE_DMI_DIR: path.join(dir, 'no-dmi'),
      CLOUDSNOOZE_DEV_DIR: path.join(dir, 'dev'),
      CLOUDSNOOZE_NVIDIA_SMI: '',
      CLOUDSNOOZE_ROCM_SMI: '',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    mkdirSync(path.join(dir, 'run'), { recursive: true });
    mkdirSync(path.join(dir, 'config', 'cloudsnooze'), { recursive: true });
    writeFileSync(
      path.join(dir, 'config', 'cloudsnooze', 'snooze.json'),
      JSON.stringify({
        check_interval_seconds: 1,
        naptime_minutes: 0.1,
        warning_minutes: 0.05,
        gpu_monitoring_enabled: false,
        cpu_threshold_percent: 100,
        memory_threshold_percent: 100,
        network_threshold_kbps: 10_000_000,
        disk_io_threshold_kbps: 10_000_000,
      }),
    );
    fake = fakeElectron(path.join(dir, 'home'));
    running = await runApp(fake.electron, {
      baseDir: path.join(ROOT, 'dist', 'electron'),
      env,
      platform: 'linux',
      execPath: process.execPath,
      resourcesPath: '',
      log: (m) => void logs.push(m),
      argv: ['/usr/bin/cloudsnooze'],
      // A session bus with a tray host and a notification server that has actions.
      bus: async (args) => (args.includes('org.freedesktop.Notifications.GetCapabilities') ? "(['actions', 'body'],)\n" : args.includes('org.freedesktop.DBus.Properties.Get') ? '(<true>,)\n' : '(true,)\n'),
    });
  });

  afterAll(async () => {
    await running?.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts the bundled agent on the per-user socket with per-user config and history', async () => {
    expect(running).not.toBeNull();
    const socket = path.join(dir, 'run', 'cloudsnooze.sock');
    await until('the bundled agent to answer', () => running!.connection.connection.online);
    expect(running!.connection.socketPath).toBe(socket);
    const cfg = JSON.parse(readFileSync(path.join(dir, 'config', 'cloudsnooze', 'snooze.json'), 'utf8')) as Record<string, unknown>;
    expect(cfg).toMatchObject({ socket_path: socket, history_path: path.join(dir, 'state', 'cloudsnooze', 'history.jsonl'), naptime_minutes: 0.1 });
    expect((await request(socket, 'STATUS')).mode).toBe('local');
    expect(logs.some((l) => l.startsWith('using the bundled agent'))).toBe(true);
    // Security wiring happened before any window.
    expect(fake.rec.csp).toBe(1);
    expect(fake.rec.permissions).toBe(1);
    // Created hidden, then shown: a first launch (no --hidden) opens the dashboard.
    expect(fake.rec.windows[0]!.opts.show).toBe(false);
    expect(fake.rec.windows[0]!.shown).toBe(1);
    expect(Object.isFrozen(fake.rec.windows[0]!.opts.webPreferences)).toBe(true);
    expect(fake.rec.windows[0]!.url).toBe('app://cloudsnooze/index.html');
    // The name is the WM_CLASS; no default menu (no DevTools shortcut).
    expect(fake.rec.name).toBe('CloudSnooze');
    expect(fake.rec.appMenu).toBeNull();
    expect(fake.rec.schemes).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
    const served = await fake.rec.protocolHandlers.get('app')!({ url: 'app://cloudsnooze/index.html', method: 'GET' });
    expect(served.status).toBe(200);
    expect(served.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await served.text()).toContain('<div id="root">');
    expect((await fake.rec.protocolHandlers.get('app')!({ url: 'app://cloudsnooze/../../package.json' })).status).toBe(404);
    // A checkout's bundled agent is a dry run (npm start on an EC2 dev box must not stop it).
    expect(agentCommandLine(socket)).toContain('--dry-run');
    expect(logs.join('\n')).not.toMatch(/No system tray/);
    expect(fake.rec.appListeners['web-contents-created']).toHaveLength(1);
  });

  it('the tray follows the countdown to the warning icon, and the warning notifies', async () => {
    const tray = fake.rec.trays[0]!;
    await until('the warning icon', () => tray.images.some((p) => p.endsWith('warning-dark-22.png')));
    expect(tray.images[0]).toMatch(/assets\/tray\/offline-dark-22\.png$/);
    expect(existsSync(tray.images.at(-1)!)).toBe(true);
    await until('the notification', () => fake.rec.notifications.length > 0);
    expect(fake.rec.notifications[0]!.title).toMatch(/^CloudSnooze would stop this instance/);
    const statusPushes = fake.rec.windows[0]!.sent.filter(([c]) => c === 'push:status');
    expect(statusPushes.length).toBeGreaterThan(0);
  });

  it('"Postpone 30 min" in the tray menu postpones in the agent', async () => {
    const tray = fake.rec.trays[0]!;
    const menu = tray.menus.at(-1)!;
    const item = menu.find((m) => m.label === 'Postpone 30 min')!;
    expect(item.enabled).toBe(true);
    (item.click as () => void)();
    await until('the postponed icon', () => tray.images.at(-1)!.endsWith('postponed-dark-22.png'));
    const st = await request(running!.connection.socketPath!, 'STATUS');
    expect(st.state).toBe('postponed');
    expect(tray.tooltips.at(-1)).toMatch(/^CloudSnooze: Postponed until \d\d:\d\d\nLocal mode \(--dry-run\): not on EC2, nothing is stopped$/);
  });

  it('IPC: our page is served, a foreign frame is refused', async () => {
    const own = { senderFrame: { url: 'app://cloudsnooze/index.html', parent: null } };
    const release = fake.rec.handlers.get('agent:release')!;
    expect(await release(own)).toMatchObject({ ok: true, data: { state: expect.any(String) } });
    await expect(fake.rec.handlers.get('agent:status')!({ senderFrame: { url: 'https://evil.example/', parent: null } })).rejects.toThrow(/refused/);
    expect(await fake.rec.handlers.get('app:connection')!(own)).toEqual({ online: true });
  });

  it('reports desktop input idle to the agent', async () => {
    // Every 5 s; the agent lists "desktop" among its input sources once a report arrived.
    const socket = running!.connection.socketPath!;
    let sources: string[] = [];
    for (let i = 0; i < 80 && !sources.includes('desktop'); i++) {
      sources = (await request(socket, 'STATUS')).input_sources;
      if (!sources.includes('desktop')) await sleep(100);
    }
    expect(sources).toContain('desktop');
  });

  it('quitting stops the bundled agent and takes its final warning off the screen', async () => {
    const socket = running!.connection.socketPath!;
    // Released above, so the countdown runs again: a second final warning is on screen.
    await until('a second warning notification', () => fake.rec.notifications.length >= 2);
    const warning = fake.rec.notifications.at(-1)!;
    expect(warning.title).toMatch(/^CloudSnooze would stop this instance/);
    expect(warning.closed).toBe(false);
    const before = fake.rec.appListeners['before-quit']![0]!;
    let prevented = false;
    before({ preventDefault: () => (prevented = true) });
    expect(prevented).toBe(true);
    await until('app.quit after shutdown', () => fake.rec.quit > 0);
    await expect(request(socket, 'STATUS', {}, { timeoutMs: 1000 })).rejects.toThrow(/not running|closed|did not answer/);
    expect(fake.rec.trays[0]!.destroyed).toBe(true);
    // The agent that would stop the instance is gone, and nobody is left to click: "would stop in 0:02" must not stay.
    expect(warning.closed).toBe(true);
    expect(fake.rec.handlers.size).toBe(0);
    running = null;
  });
});
