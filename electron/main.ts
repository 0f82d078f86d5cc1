/** Electron main entry (bundled to dist/electron/main.cjs). */
import * as electron from 'electron';
import { runApp } from './app.js';

runApp(electron, { baseDir: __dirname }).catch((err: unknown) => {
  console.error(`cloudsnooze: cannot start: ${(err as Error).stack ?? String(err)}`);
  electron.app.exit(1);
});
