import { describe, expect, it } from 'vitest';
import {
  CONTENT_SECURITY_POLICY,
  denyAllPermissions,
  guardWebContents,
  installCsp,
  isAllowedExternal,
  isOwnRendererUrl,
  secureWebPreferences,
  type HeadersDetails,
  type SessionLike,
  type WebContentsLike,
} from '../../electron/security.js';

const origin = { rendererDir: '/opt/CloudSnooze/resources/app.asar/dist/renderer' };
const own = 'app://cloudsnooze/index.html';

describe('webPreferences', () => {
  it('one frozen object with exactly the secure values', () => {
    const p = secureWebPreferences('/app/dist/electron/preload.cjs');
    expect(Object.isFrozen(p)).toBe(true);
    expect(p).toEqual({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      preload: '/app/dist/electron/preload.cjs',
    });
    expect(() => {
      (p as { sandbox: boolean }).sandbox = false;
    }).toThrow(TypeError);
    expect(p.sandbox).toBe(true);
  });
});

function fakeSession() {
  const s: {
    headers?: (d: HeadersDetails, cb: (r: { responseHeaders?: Record<string, string[] | string> }) => void) => void;
    request?: (wc: unknown, permission: string, cb: (granted: boolean) => void) => void;
    check?: (wc: unknown, permission: string) => boolean;
  } = {};
  const session: SessionLike = {
    webRequest: { onHeadersReceived: (l) => void (s.headers = l) },
    setPermissionRequestHandler: (h) => void (s.request = h ?? undefined),
    setPermissionCheckHandler: (h) => void (s.check = h ?? undefined),
  };
  return { session, s };
}

describe('CSP', () => {
  it('has no unsafe-eval, no remote scripts, and blocks plugins, framing and forms', () => {
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|wasm-unsafe-eval/);
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/script-src[^;]*(unsafe-inline|https?:|\*)/);
    for (const d of ["object-src 'none'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'"]) expect(CONTENT_SECURITY_POLICY).toContain(d);
  });

  it('is set on every response, replacing any policy the response brought', () => {
    const { session, s } = fakeSession();
    installCsp(session);
    let out: Record<string, string[] | string> | undefined;
    s.headers!({ url: own, responseHeaders: { 'content-security-policy': ["script-src 'unsafe-eval'"], 'X-Other': ['1'] } }, (r) => (out = r.responseHeaders));
    expect(out).toEqual({ 'Content-Security-Policy': [CONTENT_SECURITY_POLICY], 'X-Other': ['1'] });
    s.headers!({ url: own }, (r) => (out = r.responseHeaders));
    expect(out).toEqual({ 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
  });
});

describe('permissions', () => {
  it('every permission request and check is denied', () => {
    const { session, s } = fakeSession();
    denyAllPermissions(session);
    for (const perm of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen']) {
      let granted: boolean | undefined;
      s.request!({}, perm, (g) => (granted = g));
      expect(granted, perm).toBe(false);
      expect(s.check!({}, perm), perm).toBe(false);
    }
  });
});

describe('navigation, new windows, webviews', () => {
  function fakeContents() {
    const l: Record<string, (...a: never[]) => void> = {};
    let openHandler: ((d: { url: string }) => { action: 'deny' }) | undefined;
    const contents: WebContentsLike = {
      on: ((event: string, listener: (...a: never[]) => void) => {
        l[event] = listener;
        return contents;
      }) as WebContentsLike['on'],
      setWindowOpenHandler: (h) => void (openHandler = h),
    };
    const opened: string[] = [];
    guardWebContents(contents, (u) => void opened.push(u), (u) => isOwnRendererUrl(u, origin));
    const fire = (event: string, url?: string) => {
      let prevented = false;
      (l[event] as unknown as (e: { preventDefault(): void }, url?: string) => void)({ preventDefault: () => (prevented = true) }, url);
      return prevented;
    };
    return { fire, open: (url: string) => openHandler!({ url }), opened };
  }

  it('navigation away is denied; allow-listed https links open in the browser instead', () => {
    const c = fakeContents();
    expect(c.fire('will-navigate', 'https://evil.example/')).toBe(true);
    expect(c.fire('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(c.fire('will-navigate', 'https://github.com/acme/cloudsnooze/issues')).toBe(true);
    expect(c.opened).toEqual(['https://github.com/acme/cloudsnooze/issues']);
    expect(c.fire('will-navigate', `${own}#/history`)).toBe(false); // in-page view change
    expect(c.fire('will-redirect', 'https://evil.example/')).toBe(true);
  });

  it('new windows are always denied; only allow-listed https URLs go to the browser', () => {
    const c = fakeContents();
    for (const url of ['https://evil.example/', 'http://github.com/acme/cloudsnooze', 'javascript:alert(1)', own, 'https://github.com/acme/cloudsnooze']) {
      expect(c.open(url)).toEqual({ action: 'deny' });
    }
    expect(c.opened).toEqual(['https://github.com/acme/cloudsnooze']);
  });

  it('webviews are never attached', () => {
    expect(fakeContents().fire('will-attach-webview')).toBe(true);
  });

  it('external allow list: https only, exact hosts', () => {
    expect(isAllowedExternal('https://docs.aws.amazon.com/AWSEC2/latest/')).toBe(true);
    expect(isAllowedExternal('https://docs.aws.amazon.com.evil.example/')).toBe(false);
    expect(isAllowedExternal('http://docs.aws.amazon.com/')).toBe(false);
    expect(isAllowedExternal('not a url')).toBe(false);
  });
});
