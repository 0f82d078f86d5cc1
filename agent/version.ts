/** The version every part reports (STATUS, `snooze --version`, the webhook's User-Agent), set once at build time. */
declare const __CLOUDSNOOZE_VERSION__: string | undefined;
/** Injected by the bundler; "dev" when run from source (tests import modules directly). */
export const VERSION: string = typeof __CLOUDSNOOZE_VERSION__ === 'string' ? __CLOUDSNOOZE_VERSION__ : 'dev';
