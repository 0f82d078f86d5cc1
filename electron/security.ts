/**
 * The window's security settings, in one place so a test can pin them: frozen
 * webPreferences, a CSP without unsafe-eval, navigation / new windows / webviews /
 * permission requests denied, and the check that an IPC message comes from our page.
 */
import { APP_HOST, APP_INDEX_URL, APP_SCHEME } from './app-scheme.js';

export interface SecureWebPreferences {
  readonly contextIsolation: true;
  readonly sandbox: true;
  readonly nodeIntegration: false;
  readonly nodeIntegrationInWorker: false;
  readonly nodeIntegrationInSubFrames: false;
  readonly webviewTag: false;
  readonly webSecurity: true;
  readonly allowRunningInsecureContent: false;
  readonly experimentalFeatures: false;
  readonly navigateOnDragDrop: false;
  readonly spellcheck: false;
  readonly preload: string;
}

export function secureWebPreferences(preload: string): Readonly<SecureWebPreferences> {
  return Object.freeze({
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
    preload,
  } as const);
}

/**
 * No eval, no remote code, no plugins, no framing. Inline styles stay allowed because
 * the chart library positions its cursor and legend with style attributes.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface HeadersDetails {
  url: string;
  responseHeaders?: Record<string, string[] | string>;
}
export interface SessionLike {
  webRequest: {
    onHeadersReceived(listener: (details: HeadersDetails, callback: (response: { responseHeaders?: Record<string, string[] | string> }) => void) => void): void;
  };
  setPermissionRequestHandler(handler: ((wc: unknown, permission: string, callback: (granted: boolean) => void) => void) | null): void;
  setPermissionCheckHandler(handler: ((wc: unknown, permission: string) => boolean) | null): void;
}

/** Adds our CSP to every response from the network (the dev server); app:// responses carry it themselves. */
export function installCsp(session: SessionLike): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...(details.responseHeaders ?? {}) };
    for (const k of Object.keys(headers)) if (k.toLowerCase() === 'content-security-policy') delete headers[k];
    headers['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY];
    callback({ responseHeaders: headers });
  });
}

/** The dashboard needs no camera, microphone, notifications, geolocation or anything else. */
export function denyAllPermissions(session: SessionLike): void {
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

/** Only these links leave the app, and only in the user's browser. */
export const EXTERNAL_URL_ALLOW = [/^https:\/\/github\.com\/[\w.-]+\/cloudsnooze(\/|$)/i, /^https:\/\/docs\.aws\.amazon\.com\//];

export function isAllowedExternal(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return u.protocol === 'https:' && EXTERNAL_URL_ALLOW.some((re) => re.test(u.href));
}

export interface WebContentsLike {
  on(event: 'will-navigate', listener: (event: { preventDefault(): void }, url: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: { preventDefault(): void }) => void): unknown;
  on(event: 'will-redirect', listener: (event: { preventDefault(): void }, url: string) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

/**
 * Every web contents (our window and anything it might try to create): no navigation
 * away, no redirects, no new windows, no webviews. Allow-listed https links open in
 * the user's browser instead.
 */
export function guardWebContents(contents: WebContentsLike, openExternal: (url: string) => void, isOwnUrl: (url: string) => boolean): void {
  contents.on('will-navigate', (event, url) => {
    if (isOwnUrl(url)) return;
    event.preventDefault();
    if (isAllowedExternal(url)) openExternal(url);
  });
  contents.on('will-redirect', (event, url) => {
    if (!isOwnUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternal(url)) openExternal(url);
    return { action: 'deny' };
  });
}

/**
 * Which page may talk to the main process: app://cloudsnooze/index.html (the files of
 * `rendererDir`, served by app-protocol.ts), or the dev server in development.
 */
export interface RendererOrigin {
  /** dist/renderer: what app:// serves. */
  rendererDir: string;
  devServerUrl?: string | undefined;
}

export function rendererUrl(o: RendererOrigin): string {
  return o.devServerUrl ?? APP_INDEX_URL;
}

/** Same page, ignoring the query and hash the renderer uses for its views. */
export function isOwnRendererUrl(url: string, o: RendererOrigin): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (o.devServerUrl) {
    const dev = new URL(o.devServerUrl);
    return u.origin === dev.origin && u.protocol === dev.protocol;
  }
  return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && (u.pathname === '/index.html' || u.pathname === '/');
}

export interface IpcSenderLike {
  senderFrame?: { url: string; parent?: unknown } | null;
}

/** An IPC message is accepted only from our page's top frame. */
export function isAllowedSender(event: IpcSenderLike, o: RendererOrigin): boolean {
  const frame = event.senderFrame;
  if (!frame) return false;
  if (frame.parent) return false;
  return isOwnRendererUrl(frame.url, o);
}
