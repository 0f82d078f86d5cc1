/**
 * The app's locks, in the two moments Electron allows them: the app:// scheme and the
 * navigation guard before ready, the protocol handler, CSP and permission denial after.
 * Kept together so a reader sees the whole lockdown in one place, in the order it happens.
 */
import { appProtocolHandler } from './app-protocol.js';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES } from './app-scheme.js';
import type { ElectronModule } from './electron-module.js';
import { denyAllPermissions, guardWebContents, installCsp, isOwnRendererUrl, type RendererOrigin, type SessionLike, type WebContentsLike } from './security.js';

/** Before ready, as Electron requires: app:// is a standard, secure origin of its own; every web contents is guarded. */
export function lockDownBeforeReady(e: ElectronModule, origin: RendererOrigin): void {
  e.protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);
  e.app.on('web-contents-created', (_event, contents) => {
    guardWebContents(
      contents as unknown as WebContentsLike,
      (url) => void e.shell.openExternal(url),
      (url) => isOwnRendererUrl(url, origin),
    );
  });
}

/** After ready: serve the renderer from app://, with the CSP header, and refuse every permission. */
export function lockDownAfterReady(e: ElectronModule, origin: RendererOrigin): void {
  // No default application menu: it would offer Reload and Toggle Developer Tools (Ctrl+Shift+I).
  e.Menu.setApplicationMenu(null);
  e.protocol.handle(APP_SCHEME, appProtocolHandler(origin.rendererDir));
  const ses = e.session.defaultSession as unknown as SessionLike;
  installCsp(ses);
  denyAllPermissions(ses);
}
