/**
 * The tray app as it really starts (issue 13): first launch, --hidden, no tray host,
 * the checkout's dry run, the app:// scheme, session-bus answers, the permission advice.
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { agentPaths, bundledAgentArgs } from '../../electron/agent-paths.js';
import { appProtocolHandler, resolveAppFile } from '../../electron/app-protocol.js';
import { DashboardWindow, type WindowLike } from '../../electron/dashboard-window.js';
import { notificationCapabilities, parseBoolReply, parseStringListReply, trayHostPresent, type BusCall } from '../../electron/desktop-bus.js';
import { NO_TRAY_NOTICE, startPlan } from '../../electron/launch.js';
import { explainConnectionError, parseGroupLine, permissionAdvice } from '../../electron/permission-advice.js';

describe('start plan (finding 1)', () => {
  it('a first launch shows the dashboard; --hidden (the autostart entry) stays in the tray', () => {
    expect(startPlan({ platform: 'linux', argv: ['/opt/CloudSnooze/cloudsnooze'], trayHost: true })).toEqual({ showWindow: true, closeMinimizes: false, notice: null });
    expect(startPlan({ platform: 'linux', argv: ['/opt/CloudSnooze/cloudsnooze', '--hidden'], trayHost: true }).showWindow).toBe(false);
    expect(startPlan({ platform: 'darwin', argv: ['x', '--hidden'], trayHost: null }).showWindow).toBe(false);
  });

  it('no tray host on Linux: the window shows even with --hidden, close minimizes, and the user is told once', () => {
    const p = startPlan({ platform: 'linux', argv: ['x', '--hidden'], trayHost: false });
    expect(p).toEqual({ showWindow: true, closeMinimizes: true, notice: NO_TRAY_NOTICE });
    expect(NO_TRAY_NOTICE).toMatch(/AppIndicator/);
  });

  it('an unknown answer (no session bus) keeps the usual behaviour', () => {
    expect(startPlan({ platform: 'linux', argv: ['x'], trayHost: null })).toEqual({ showWindow: true, closeMinimizes: false, notice: null });
  });
});

function fakeWindow() {
  const r = {
    shown: 0,
    hidden: 0,
    minimized: 0,
    reloads: 0,
    url: '',
    close: null as null | ((e: { preventDefault(): void }) => void),
    gone: null as null | ((e: unknown, d: { reason: string; exitCode?: number }) => void),
  };
  const win: WindowLike = {
    show: () => void r.shown++,
    hide: () => void r.hidden++,
    minimize: () => void r.minimized++,
    focus: () => undefined,
    isDestroyed: () => false,
    isMinimized: () => false,
    restore: () => undefined,
    loadURL: async (u) => void (r.url = u),
    on: (_ev, l) => void (r.close = l),
    webContents: {
      send: () => undefined,
      isLoading: () => false,
      once: () => undefined,
      on: (_ev, l) => void (r.gone = l),
      reload: () => void r.reloads++,
    },
  };
  return { win, r };
}

describe('DashboardWindow close', () => {
  it('hides with a tray, minimizes without one, really closes when quitting', () => {
    for (const closeMinimizes of [false, true]) {
      const { win, r } = fakeWindow();
      let quitting = false;
      const d = new DashboardWindow({ create: () => win, url: 'app://cloudsnooze/index.html', isQuitting: () => quitting, closeMinimizes });
      d.show();
      let prevented = false;
      r.close!({ preventDefault: () => (prevented = true) });
      expect(prevented).toBe(true);
      expect([r.hidden, r.minimized]).toEqual(closeMinimizes ? [0, 1] : [1, 0]);
      quitting = true;
      prevented = false;
      r.close!({ preventDefault: () => (prevented = true) });
      expect(prevented).toBe(false);
    }
  });
});

describe('DashboardWindow when its renderer dies', () => {
  it('reloads a crashed page (not a clean exit) and says so; a crash loop waits for the next Open', () => {
    const { win, r } = fakeWindow();
    let now = 1_000_000;
    const said: string[] = [];
    const d = new DashboardWindow({
      create: () => win,
      url: 'app://cloudsnooze/index.html',
      isQuitting: () => false,
      now: () => now,
      onRendererGone: (g, reloaded) => void said.push(`${g.reason} ${reloaded}`),
    });
    d.show();
    expect(r.gone, 'render-process-gone is handled').not.toBeNull();
    r.gone!({}, { reason: 'clean-exit', exitCode: 0 });
    expect(r.reloads).toBe(0);
    for (let i = 0; i < 3; i++) {
      now += 1000;
      r.gone!({}, { reason: 'crashed', exitCode: 139 });
    }
    expect(r.reloads).toBe(3);
    // A fourth death within the minute: no reload loop…
    now += 1000;
    r.gone!({}, { reason: 'oom' });
    expect(r.reloads).toBe(3);
    expect(said).toEqual(['crashed true', 'crashed true', 'crashed true', 'oom false']);
    // …but Open dashboard never shows the dead page: it loads it again.
    d.show();
    expect(r.reloads).toBe(4);
    d.show();
    expect(r.reloads).toBe(4);
    // Crashes a minute apart are each reloaded.
    for (let i = 0; i < 5; i++) {
      now += 61_000;
      r.gone!({}, { reason: 'crashed' });
    }
    expect(r.reloads).toBe(9);
  });
});

describe('npm start runs the bundled agent as a dry run (finding 3)', () => {
  const base = { home: '/home/u', resourcesPath: '/opt/CloudSnooze/resources', appRoot: '/src/cs' };
  it('from a checkout always; packaged only when asked (the smoke test)', () => {
    expect(bundledAgentArgs(agentPaths({ ...base, env: {}, isPackaged: false }))).toContain('--dry-run');
    expect(bundledAgentArgs(agentPaths({ ...base, env: {}, isPackaged: true }))).not.toContain('--dry-run');
    expect(bundledAgentArgs(agentPaths({ ...base, env: { CLOUDSNOOZE_AGENT_DRY_RUN: '1' }, isPackaged: true }))).toContain('--dry-run');
  });
});

describe('app:// scheme (finding 8)', () => {
  const root = '/opt/CloudSnooze/resources/app.asar/dist/renderer';
  it('maps our host to files under the renderer folder, nothing else', () => {
    expect(resolveAppFile('app://cloudsnooze/index.html', root)).toBe(path.join(root, 'index.html'));
    expect(resolveAppFile('app://cloudsnooze/', root)).toBe(path.join(root, 'index.html'));
    expect(resolveAppFile('app://cloudsnooze/assets/index-abc.js?x=1#h', root)).toBe(path.join(root, 'assets/index-abc.js'));
    // Dot segments, plain or encoded, never leave the folder.
    for (const sneaky of [
      'app://cloudsnooze/../../../etc/passwd.js',
      'app://cloudsnooze/%2e%2e/%2e%2e/package.json',
      'app://cloudsnooze/..%2f..%2fpackage.json',
      'app://cloudsnooze/%2E%2E%2F%2E%2E%2F%2E%2E%2Fetc%2Fpasswd.json',
      'app://cloudsnooze/%252e%252e/%252e%252e/package.json',
      'app://cloudsnooze/..%5c..%5cpackage.json',
      'app://cloudsnooze/assets/%2e%2e/%2e%2e/%2e%2e/../package.json',
      'app://cloudsnooze//etc/passwd.json',
      'app://cloudsnooze/%2fetc%2fpasswd.json',
      'app://user@cloudsnooze/../package.json',
    ]) {
      const f = resolveAppFile(sneaky, root);
      expect(f === null || f.startsWith(root + path.sep), `${sneaky} → ${f}`).toBe(true);
    }
    for (const bad of ['app://other/index.html', 'app://cloudsnooze.evil/index.html', 'app://cloudsnooze:8080/index.html', 'app://evil/cloudsnooze/index.html', 'file:///etc/passwd', 'app://cloudsnooze/%00.js', 'app://cloudsnooze/secret.txt', 'app://cloudsnooze/%E0%A4%A.js', 'not a url']) {
      expect(resolveAppFile(bad, root), bad).toBeNull();
    }
  });

  it('serves with the CSP header and a content type; 404 for anything else; GET only', async () => {
    const h = appProtocolHandler(root, async (f) => {
      if (f.endsWith('index.html')) return Buffer.from('<html></html>');
      throw Object.assign(new Error('nope'), { code: 'ENOENT' });
    });
    const ok = await h({ url: 'app://cloudsnooze/index.html', method: 'GET' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(ok.headers.get('content-security-policy')).toMatch(/default-src 'none'.*script-src 'self'/);
    expect(await ok.text()).toBe('<html></html>');
    const missing = await h({ url: 'app://cloudsnooze/gone.js' });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-security-policy')).toBeTruthy();
    expect((await h({ url: 'app://cloudsnooze/../x.js' })).status).toBe(404);
    expect((await h({ url: 'app://cloudsnooze/index.html', method: 'POST' })).status).toBe(405);
  });
});

describe('session bus answers', () => {
  it('parses gdbus replies', () => {
    expect(parseBoolReply('(true,)\n')).toBe(true);
    expect(parseBoolReply('(false,)')).toBe(false);
    expect(parseBoolReply('garbage')).toBeNull();
    expect(parseStringListReply("(['actions', 'body', 'body-markup'],)\n")).toEqual(['actions', 'body', 'body-markup']);
    expect(parseStringListReply('(@as [],)')).toEqual([]);
    expect(parseStringListReply('nope')).toBeNull();
  });

  it('tray host: watcher and host registered → true; no watcher → false; watcher without host → false; no bus → null', async () => {
    const bus =
      (owner: string, host: string): BusCall =>
      async (args) =>
        args.includes('org.freedesktop.DBus.Properties.Get') ? host : owner;
    expect(await trayHostPresent(bus('(true,)', '(<true>,)'))).toBe(true);
    expect(await trayHostPresent(bus('(false,)', '(<true>,)'))).toBe(false);
    expect(await trayHostPresent(bus('(true,)', '(<false>,)'))).toBe(false);
    expect(
      await trayHostPresent(async () => {
        throw new Error('gdbus: not found');
      }),
    ).toBeNull();
  });

  it('notification capabilities, null when the server does not answer', async () => {
    expect(await notificationCapabilities(async () => "(['body'],)")).toEqual(['body']);
    expect(
      await notificationCapabilities(async () => {
        throw new Error('timeout');
      }),
    ).toBeNull();
  });
});

describe('permission denied on the system socket (finding 4)', () => {
  const etc = 'root:x:0:\ncloudsnooze:x:998:alice,bob\nusers:x:100:\n';
  it('reads the group line', () => {
    expect(parseGroupLine(etc, 'cloudsnooze')).toEqual({ gid: 998, members: ['alice', 'bob'] });
    expect(parseGroupLine(etc, 'nope')).toBeNull();
  });

  it('in the group file but not in this session: log in again; not in the group: the adduser command', () => {
    const group = parseGroupLine(etc, 'cloudsnooze');
    expect(permissionAdvice({ user: 'alice', group, processGids: [100] })).toMatch(/added to the cloudsnooze group after this session started: log out and log in again/);
    expect(permissionAdvice({ user: 'carol', group, processGids: [100] })).toBe('your user may not use the agent: run  sudo adduser carol cloudsnooze  then log out and log in again');
    expect(permissionAdvice({ user: 'carol', group: null, processGids: [] })).toMatch(/sudo adduser carol cloudsnooze/);
    expect(permissionAdvice({ user: 'alice', group, processGids: [998] })).toMatch(/snooze doctor/);
  });

  it('only permission errors get the advice', () => {
    const facts = () => ({ user: 'carol', group: null, processGids: [] });
    expect(explainConnectionError('permission denied on /var/run/cloudsnooze.sock (join the cloudsnooze group or use sudo)', facts)).toBe(
      'permission denied on /var/run/cloudsnooze.sock: your user may not use the agent: run  sudo adduser carol cloudsnooze  then log out and log in again',
    );
    expect(explainConnectionError('the CloudSnooze agent is not running', facts)).toBe('the CloudSnooze agent is not running');
  });
});
