/** Where the renderer is served from in the app (see app-protocol.ts). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'cloudsnooze';
export const APP_INDEX_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** For protocol.registerSchemesAsPrivileged, before the app is ready: a standard, secure origin of its own. */
export const APP_SCHEME_PRIVILEGES = { standard: true, secure: true, supportFetchAPI: true } as const;
