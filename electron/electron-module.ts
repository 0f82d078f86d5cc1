/**
 * The slice of Electron the main process touches, as one type: every wiring file takes it
 * as a parameter instead of importing 'electron', so a test can run the app with a fake.
 */
import type * as Electron from 'electron';

export type ElectronModule = Pick<
  typeof Electron,
  'app' | 'BrowserWindow' | 'Tray' | 'Menu' | 'Notification' | 'nativeImage' | 'nativeTheme' | 'ipcMain' | 'powerMonitor' | 'session' | 'shell' | 'protocol'
>;
